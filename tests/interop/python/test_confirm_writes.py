"""confirm_writes through the official Python SDK's elicitation callback, on all three
transports: Streamable HTTP (the question on the POST's event stream, the answer in a POST of
its own), legacy HTTP+SSE, and stdio. Accepting lets the call reach the sandbox; declining
sends nothing, which the sandbox's request log shows."""

import os

import mcp.types as types
import pytest
from mcp import Client
from mcp.client.sse import sse_client
from mcp.client.stdio import StdioServerParameters, stdio_client

from conftest import admin

pytestmark = pytest.mark.anyio

NOTE = "create_a_kaseya_bms_servicedesk_ticket_note"
NOTES_PATH = "/v2/servicedesk/tickets/50001/notes"


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def confirming_url():
    """An MCP server with confirm_writes on, for the sandbox account; removed afterwards."""
    account = admin("GET", "/integrated-account")["result"][0]["id"]
    server = admin("POST", f"/integrated-account/{account}/mcp", {"name": "confirming", "config": {"confirm_writes": True}})
    yield server["url"]
    admin("DELETE", f"/integrated-account/{account}/mcp/{server['id']}")


def stdio_server(sandbox_url):
    return stdio_client(
        StdioServerParameters(
            command=os.environ["BMS_MCP_BIN"],
            args=["stdio", "--confirm-writes", "--tool-exposure", "all", "--bms-url", sandbox_url, "--bms-username", "sandbox@example.com",
                  "--bms-password", "sandbox", "--bms-tenant", "Sandbox MSP"],
        )
    )


def transports(url, sandbox_url):
    return {
        "streamable-http": lambda: url,
        "legacy-sse": lambda: sse_client(url + "/sse"),
        "stdio": lambda: stdio_server(sandbox_url),
    }


def answering(action, asked):
    async def callback(context, params):
        asked.append(params)
        content = {"confirm": True} if action == "accept" else None
        return types.ElicitResult(action=action, content=content)

    return callback


def note(is_internal):
    return {"ticket_id": 50001, "details": "Parts ordered.", "is_internal": is_internal, "type_id": 601,
            "note_date": "2026-11-26T10:00:00Z"}


def notes_sent(sandbox):
    return [r for r in sandbox.requests() if r["method"] == "POST" and r["path"] == NOTES_PATH]


@pytest.mark.parametrize("transport", ["streamable-http", "legacy-sse", "stdio"])
async def test_an_accepted_confirmation_sends_the_note(confirming_url, sandbox, transport):
    asked = []
    target = transports(confirming_url, sandbox.base)[transport]()
    async with Client(target, mode="legacy", elicitation_callback=answering("accept", asked)) as client:
        sandbox.clear_requests()
        result = await client.call_tool(NOTE, note(False))
    assert not result.is_error, result.content
    assert len(asked) == 1 and NOTE in asked[0].message and "customer can see" in asked[0].message
    assert len(notes_sent(sandbox)) == 1


@pytest.mark.parametrize("transport", ["streamable-http", "legacy-sse", "stdio"])
@pytest.mark.parametrize("action", ["decline", "cancel"])
async def test_a_declined_confirmation_sends_nothing(confirming_url, sandbox, transport, action):
    asked = []
    target = transports(confirming_url, sandbox.base)[transport]()
    async with Client(target, mode="legacy", elicitation_callback=answering(action, asked)) as client:
        sandbox.clear_requests()
        result = await client.call_tool(NOTE, note(False))
        internal = await client.call_tool(NOTE, note(True))
    assert result.is_error and "was not called" in result.content[0].text, result.content
    assert len(asked) == 1, "an internal note is not asked about"
    assert not internal.is_error, internal.content
    assert len(notes_sent(sandbox)) == 1, "only the internal note reached BMS"


async def test_a_client_without_elicitation_is_refused(confirming_url, sandbox):
    async with Client(confirming_url, mode="legacy") as client:
        sandbox.clear_requests()
        result = await client.call_tool(NOTE, note(False))
    assert result.is_error and "elicitation" in result.content[0].text, result.content
    assert notes_sent(sandbox) == []
