"""The official Python SDK's OAuth client (`OAuthClientProvider`) against an OAuth-protected
bms-mcp server, headless: it discovers everything from the 401 (RFC 9728, RFC 8414),
registers itself (RFC 7591), sends PKCE S256 and the resource (RFC 8707) and checks `iss`
(RFC 9207). Its redirect handler plays the person: it opens the sign-in page, posts the user
name and password, then posts "Allow" on the consent page, and hands the code it was sent
back to the SDK. Then it lists tools and calls one against the sandbox."""

import json
import os
import secrets
import subprocess
import urllib.request
from urllib.parse import parse_qs, urlparse

import httpx2
import pytest
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

pytestmark = pytest.mark.anyio

MCP_URL = os.environ["BMS_MCP_URL"]
ORIGIN = "{0.scheme}://{0.netloc}".format(urlparse(MCP_URL))
REDIRECT = "http://127.0.0.1:9/callback"
PASSWORD = "python sdk signs in"


@pytest.fixture
def anyio_backend():
    return "asyncio"


def admin(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(ORIGIN + path, data=data, method=method)
    request.add_header("authorization", "Bearer " + os.environ["BMS_MCP_ADMIN_TOKEN"])
    if data is not None:
        request.add_header("content-type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def oauth_server():
    """An OAuth MCP server on the sandbox account and a user to sign in as."""
    account = admin("GET", "/integrated-account")["result"][0]
    server = admin("POST", f"/integrated-account/{account['id']}/mcp", {"name": "oauth e2e", "config": {"auth": "oauth"}})
    assert "token" not in server, "an OAuth server's URL holds no secret"
    username = "py-" + secrets.token_hex(4)
    subprocess.run(
        [os.environ["BMS_MCP_BIN"], "users", "add", "--data-dir", os.environ["BMS_MCP_DATA_DIR"], username],
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
    )
    return server["url"], username


class MemoryStorage:
    def __init__(self):
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens):
        self.tokens = tokens

    async def get_client_info(self):
        return self.client

    async def set_client_info(self, client_info):
        self.client = client_info


def field(html, name):
    marker = f'name="{name}" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


class ScriptedPerson:
    """The browser and the person in it: signs in, allows, and catches the redirect."""

    def __init__(self, username):
        self.username = username
        self.result = None
        self.consent_page = ""

    async def redirect(self, authorization_url):
        async with httpx2.AsyncClient(follow_redirects=False) as browser:
            page = await browser.get(authorization_url)
            assert page.status_code == 200, page.text
            signed_in = await browser.post(
                ORIGIN + "/oauth/authorize",
                data={"pending": field(page.text, "pending"), "action": "sign_in", "username": self.username, "password": PASSWORD},
            )
            assert signed_in.status_code == 200, signed_in.text
            self.consent_page = signed_in.text
            allowed = await browser.post(ORIGIN + "/oauth/authorize", data={"pending": field(signed_in.text, "pending"), "action": "allow"})
            assert allowed.status_code == 303, allowed.text
            location = allowed.headers["location"]
            assert location.startswith(REDIRECT + "?")
            query = {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}
            self.result = AuthorizationCodeResult(code=query["code"], state=query.get("state"), iss=query.get("iss"))

    async def callback(self):
        return self.result


async def test_the_sdk_signs_a_person_in_and_lists_and_calls_tools(oauth_server, sandbox):
    url, username = oauth_server
    person = ScriptedPerson(username)
    storage = MemoryStorage()
    provider = OAuthClientProvider(
        server_url=url,
        client_metadata=OAuthClientMetadata(client_name="python sdk e2e", redirect_uris=[REDIRECT], grant_types=["authorization_code", "refresh_token"], response_types=["code"]),
        storage=storage,
        redirect_handler=person.redirect,
        callback_handler=person.callback,
    )
    async with httpx2.AsyncClient(auth=provider, timeout=30) as http:
        async with Client(streamable_http_client(url, http_client=http), mode="legacy") as client:
            tools = await client.list_tools()
            assert tools.tools, "the first page of this server's tools"
            result = await client.call_tool("list_all_kaseya_bms_queues_lookup", {})
            assert not result.is_error, result
    assert "sandbox" in person.consent_page, "the consent page names the integrated account"
    assert storage.tokens is not None and storage.tokens.access_token.startswith("bmso_")
    assert storage.tokens.refresh_token.startswith("bmsr_")
    assert any(r["path"].startswith("/v2/system/queues/lookup") for r in sandbox.requests()), "the call reached BMS"


async def test_the_sdk_without_a_person_gets_no_tools(oauth_server):
    url, _ = oauth_server
    async with httpx2.AsyncClient(timeout=30) as http:
        response = await http.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, headers={"accept": "application/json"})
    assert response.status_code == 401
    assert 'resource_metadata="' + ORIGIN + "/.well-known/oauth-protected-resource/mcp/o/" in response.headers["www-authenticate"]
