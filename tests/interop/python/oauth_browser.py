"""The OAuth sign-in and consent pages in a real browser (Debian's headless Chromium through
Selenium): a registered client's authorization request opens the sign-in page, the person
signs in, reads the consent page and allows, and the browser lands on the client's redirect
URI with a code, `state` and `iss` (so the page's CSP lets the form's redirect through and
the SameSite=Strict cookie comes back with the POSTs). The code then buys an access token
that lists tools. Screenshots go to CONSOLE_SCREENSHOTS like the console's.

Not collected with the interop suite (its name does not start with `test_`): `cargo xtask
test` runs it with the console's browser suite. It starts its own `bms-mcp serve`.
"""

import base64
import hashlib
import http.server
import json
import os
import secrets
import subprocess
import threading
import urllib.parse
import urllib.request

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from console_browser import BIN, Serve, browser, fill, shot  # noqa: F401 (browser is a fixture)

import pytest

PASSWORD = "chromium signs in here"


@pytest.fixture
def serve():
    server = Serve()
    yield server
    server.stop()


def call(serve, method, path, body=None, headers=None, form=None):
    data, all_headers = None, dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        all_headers["content-type"] = "application/json"
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        all_headers["content-type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(serve.base + path, data=data, method=method, headers=all_headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


class Callback(http.server.BaseHTTPRequestHandler):
    """The client's redirect URI: records the query it is sent."""

    received = []

    def do_GET(self):
        Callback.received.append(urllib.parse.urlparse(self.path).query)
        self.send_response(200)
        self.send_header("content-type", "text/plain")
        self.end_headers()
        self.wfile.write(b"signed in; you may close this window")

    def log_message(self, *args):
        pass


def test_a_person_signs_in_and_allows_in_a_real_browser(serve, browser):
    admin = {"authorization": "Bearer " + serve.admin_token}
    account = call(serve, "GET", "/integrated-account", headers=admin)["result"][0]
    server = call(serve, "POST", f"/integrated-account/{account['id']}/mcp", {"name": "Claude.ai CRM", "config": {"auth": "oauth", "tags": ["crm"]}}, headers=admin)
    subprocess.run([BIN, "users", "add", "--data-dir", serve.data_dir, "carol"], input=PASSWORD + "\n", text=True, check=True, capture_output=True)

    callback = http.server.HTTPServer(("127.0.0.1", 0), Callback)
    threading.Thread(target=callback.serve_forever, daemon=True).start()
    redirect = f"http://127.0.0.1:{callback.server_port}/callback"
    client = call(serve, "POST", "/oauth/register", {"client_name": "Browser test client", "redirect_uris": [redirect]})

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": client["client_id"], "redirect_uri": redirect,
        "code_challenge": challenge, "code_challenge_method": "S256", "state": "browser-1",
        "resource": server["url"],
    })
    browser.get(serve.base + "/oauth/authorize?" + query)
    assert "Browser test client" in browser.find_element(By.TAG_NAME, "h1").text
    shot(browser, "11-oauth-sign-in")
    fill(browser, "username", "carol")
    fill(browser, "password", PASSWORD)
    browser.find_element(By.XPATH, "//button[normalize-space(.)='Sign in']").click()
    # The sign-in page's own <h1> can be found just before the form's answer replaces it, and
    # then goes stale: look again until the consent page's heading is there.
    WebDriverWait(browser, 10, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda d: "Allow" in d.find_element(By.TAG_NAME, "h1").text
    )
    page = browser.find_element(By.TAG_NAME, "main").text
    assert account["name"] in page and "Claude.ai CRM" in page and "Tags: crm" in page
    shot(browser, "12-oauth-consent")
    browser.find_element(By.XPATH, "//button[normalize-space(.)='Allow']").click()
    WebDriverWait(browser, 10).until(lambda d: Callback.received)
    callback.shutdown()

    answer = dict(urllib.parse.parse_qsl(Callback.received[0]))
    assert answer["state"] == "browser-1"
    assert answer["iss"] == serve.base
    tokens = call(serve, "POST", "/oauth/token", form={
        "grant_type": "authorization_code", "code": answer["code"], "client_id": client["client_id"],
        "redirect_uri": redirect, "code_verifier": verifier, "resource": server["url"],
    })
    listed = call(serve, "POST", urllib.parse.urlparse(server["url"]).path,
                  {"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                  headers={"authorization": "Bearer " + tokens["access_token"], "accept": "application/json"})
    assert listed["result"]["tools"], "the access token opens the server's tools"
