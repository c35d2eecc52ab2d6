"""MCP 2026-07-28 with the official Python SDK 2.x: `server/discover`, stateless requests, and
the same tools, cursors and validation as the legacy era on the same URL."""

import json
import urllib.error
import urllib.request

import pytest
from mcp import Client

pytestmark = pytest.mark.anyio

MODERN = "2026-07-28"


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.parametrize("mode", ["auto", MODERN])
async def test_modern_clients_discover_list_and_call(mcp_url, sandbox, mode):
    async with Client(mcp_url, mode=mode) as client:
        assert client.protocol_version == MODERN
        if mode == "auto":
            # Probed with server/discover; a pinned client skips the probe.
            assert client.server_capabilities.tools is not None
        page = await client.list_tools()
        assert page.tools and page.next_cursor
        result = await client.call_tool("list_all_kaseya_bms_servicedesk_tickets", {"filter_queue_names": "Triage", "page_size": 2})
        assert not result.is_error, result.content
        following = await client.call_tool("list_all_kaseya_bms_servicedesk_tickets", {"cursor": result.structured_content["next_cursor"]})
        assert not following.is_error
        bad = await client.call_tool("get_single_kaseya_bms_servicedesk_ticket_by_id", {"ticket_id": "Acme"})
        assert bad.is_error and "ticket_id" in bad.content[0].text


async def test_discover_reports_every_version(mcp_url):
    async with Client(mcp_url, mode=MODERN) as client:
        discovered = await client.session.send_discover(MODERN)
    versions = discovered["supportedVersions"] if isinstance(discovered, dict) else discovered.supported_versions
    assert versions[0] == MODERN and "2025-11-25" in versions


def test_an_unsupported_modern_version_gets_the_prescribed_error(mcp_url):
    body = {
        "jsonrpc": "2.0", "id": 1, "method": "tools/list",
        "params": {"_meta": {
            "io.modelcontextprotocol/protocolVersion": "2099-12-31",
            "io.modelcontextprotocol/clientCapabilities": {},
        }},
    }
    request = urllib.request.Request(mcp_url, data=json.dumps(body).encode(), method="POST")
    for name, value in [("content-type", "application/json"), ("accept", "application/json, text/event-stream"),
                        ("mcp-protocol-version", "2099-12-31"), ("mcp-method", "tools/list")]:
        request.add_header(name, value)
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)
    assert raised.value.code == 400
    error = json.loads(raised.value.read())["error"]
    assert error["code"] == -32022
    assert error["data"]["requested"] == "2099-12-31"
    assert MODERN in error["data"]["supported"]
