"""The admin console in a real browser (Debian's headless Chromium, driven by Selenium through
/usr/bin/chromedriver): sign in, add an integrated account, create a read-only `crm` MCP
server, copy its URL, use it with the official Python SDK and see only those tools, revoke it
and see the client refused. Each page is saved as a screenshot under CONSOLE_SCREENSHOTS
(default target/console-screenshots).

Not collected with the interop suite (its name does not start with `test_`): `cargo xtask
test` runs it as its own suite with BMS_MCP_BIN set. It starts its own `bms-mcp serve` on a
fresh data directory, so the first run prints the admin token it signs in with.
"""

import asyncio
import json
import os
import pathlib
import queue
import shutil
import subprocess
import tempfile
import threading
import urllib.error
import urllib.request

import pytest
from mcp import Client
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

BIN = os.environ["BMS_MCP_BIN"]
SHOTS = pathlib.Path(os.environ.get("CONSOLE_SCREENSHOTS", "target/console-screenshots"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")

# The built-in sandbox's login (sandbox/src/config.rs).
SANDBOX_LOGIN = {"username": "sandbox@example.com", "password": "sandbox", "tenant": "Sandbox MSP"}


class Serve:
    """`bms-mcp serve` on a free port and a fresh data directory: a first run."""

    def __init__(self):
        self.data_dir = tempfile.mkdtemp(prefix="bms-mcp-console-")
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BMS_MCP_DATA_KEY")}
        env["BMS_MCP_LOG"] = "warn"
        self.process = subprocess.Popen(
            [BIN, "serve", "--listen", "127.0.0.1:0", "--data-dir", self.data_dir],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
        )
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(l) for l in self.process.stdout], daemon=True).start()
        self.base = self.sandbox = self.admin_token = None
        while self.admin_token is None:
            line = lines.get(timeout=60).strip()
            if " listening on " in line:
                self.base = line.rsplit(" ", 1)[1]
            elif line.startswith("BMS: built-in sandbox at "):
                self.sandbox = line.split()[4]
            elif line.startswith("Admin token: "):
                self.admin_token = line.split(": ", 1)[1]

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.data_dir, ignore_errors=True)


@pytest.fixture
def serve():
    server = Serve()
    yield server
    server.stop()


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="bms-mcp-chromium-")
    for flag in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,1000", f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def shot(driver, name, full=True):
    """A screenshot from the top of the page; `full` grows the window to the page's height."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.execute_script("window.scrollTo(0, 0)")
    if full:
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1280, min(max(height, 700), 2400))
    driver.save_screenshot(str(SHOTS / f"{name}.png"))
    driver.set_window_size(1280, 1000)


def fill(driver, field_id, text):
    element = driver.find_element(By.ID, field_id)
    element.clear()
    element.send_keys(text)


def expected_tools(methods, tags):
    out = subprocess.run([BIN, "tools", "--methods", methods, "--tags", tags, "--json"],
                         check=True, capture_output=True, text=True)
    return {tool["name"] for tool in json.loads(out.stdout)}


async def listed_tools(url):
    names, cursor = [], None
    async with Client(url) as client:
        while True:
            page = await client.list_tools(cursor=cursor)
            names += [tool.name for tool in page.tools]
            cursor = page.next_cursor
            if cursor is None:
                return names


def test_create_use_and_revoke_an_mcp_server_from_the_console(serve, browser):
    wait = WebDriverWait(browser, 10)

    # Signing in: /admin sends a visitor without a session to the sign-in page.
    browser.get(serve.base + "/admin")
    assert browser.current_url.endswith("/admin/sign-in")
    shot(browser, "01-sign-in")
    fill(browser, "admin_token", serve.admin_token)
    browser.find_element(By.CSS_SELECTOR, "form[action='/admin/sign-in'] button").click()
    wait.until(EC.url_contains("/admin/accounts"))
    assert "Integrated accounts" in browser.find_element(By.TAG_NAME, "h1").text

    # Adding an account: the sandbox again, by its URL and login.
    fill(browser, "name", "Sandbox MSP")
    fill(browser, "base_url", serve.sandbox)
    fill(browser, "username", SANDBOX_LOGIN["username"])
    fill(browser, "password", SANDBOX_LOGIN["password"])
    fill(browser, "tenant", SANDBOX_LOGIN["tenant"])
    shot(browser, "02-add-account")
    browser.find_element(By.CSS_SELECTOR, "form[action='/admin/accounts'] button[type=submit]").click()
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".notice"), "Integrated account added"))
    assert SANDBOX_LOGIN["password"] not in browser.page_source.replace("sandbox@", "")

    browser.find_element(By.XPATH, "//button[starts-with(normalize-space(.), 'Test connection')]").click()
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".notice"), "Connected: signed in to BMS"))
    shot(browser, "03-account-tested")

    # Creating a read-only crm server; the count follows the ticks live.
    browser.find_element(By.LINK_TEXT, "Create MCP Server").click()
    total = browser.find_element(By.ID, "tool-count")
    everything = int(total.text)
    crm = expected_tools("read", "crm")
    fill(browser, "name", "CRM read-only")
    browser.find_element(By.ID, "methods-read").click()
    browser.find_element(By.ID, "tags-crm").click()
    # Discovery is the default (a scope any model's context holds); this server lists its tools.
    assert browser.find_element(By.ID, "tool_exposure-discovery").is_selected()
    browser.find_element(By.ID, "tool_exposure-all").click()
    wait.until(lambda d: d.find_element(By.ID, "tool-count").text == str(len(crm)))
    assert len(crm) < everything
    shot(browser, "04-create-server")
    browser.find_element(By.XPATH, "//button[normalize-space(.)='Create MCP Server']").click()
    wait.until(EC.url_contains("/servers"))

    # The URL, shown once, copied with the button.
    url = browser.find_element(By.ID, "mcp-url").get_attribute("value")
    assert url.startswith(serve.base + "/mcp/bmsm_")
    browser.execute_cdp_cmd("Browser.grantPermissions", {
        "origin": serve.base, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    browser.find_element(By.XPATH, "//button[normalize-space(.)='Copy URL']").click()
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-copied-for='mcp-url']"), "Copied"))
    copied = browser.execute_async_script(
        "navigator.clipboard.readText().then(arguments[0], e => arguments[0]('error: ' + e))")
    assert copied == url
    shot(browser, "05-server-created")

    # An MCP client on the copied URL sees exactly the read-only crm tools.
    assert set(asyncio.run(listed_tools(copied))) == crm

    # The list, the tool browser.
    browser.find_element(By.PARTIAL_LINK_TEXT, "Back to the MCP servers").click()
    row = browser.find_element(By.XPATH, "//tr[th[contains(., 'CRM read-only')]]")
    assert "read" in row.text and "crm" in row.text and str(len(crm)) in row.text
    shot(browser, "06-mcp-servers")
    row.find_element(By.PARTIAL_LINK_TEXT, str(len(crm))).click()
    assert f"{len(crm)} tools" in browser.find_element(By.CSS_SELECTOR, "p[role=status]").text
    browser.find_element(By.CSS_SELECTOR, "article.tool details summary").click()
    shot(browser, "07-tool-browser", full=False)

    # Revoking, confirmed in the dialog; the client is refused from then on.
    browser.back()
    row = browser.find_element(By.XPATH, "//tr[th[contains(., 'CRM read-only')]]")
    row.find_element(By.XPATH, ".//button[normalize-space(.)='Revoke']").click()
    wait.until(EC.alert_is_present())
    alert = browser.switch_to.alert
    assert "Revoke the MCP server" in alert.text
    alert.accept()
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".notice"), "MCP server revoked"))
    shot(browser, "08-revoked")
    with pytest.raises(BaseException):
        asyncio.run(listed_tools(copied))
    # What the client was told: 401, the URL is unknown or revoked.
    request = urllib.request.Request(
        copied, method="POST",
        data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).encode(),
        headers={"content-type": "application/json", "accept": "application/json, text/event-stream"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
    assert "unknown or revoked" in refused.value.read().decode()
