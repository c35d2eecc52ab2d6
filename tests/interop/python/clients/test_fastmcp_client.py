"""FastMCP's client (fastmcp, pinned in ../requirements-fastmcp.txt): list every tool (it
follows tools/list's cursor) and call one; FastMCP checks structuredContent against the tool's
outputSchema."""

import json

import pytest
from fastmcp import Client

from conftest import TICKETS, catalogue_names, check_ticket_page

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


async def test_list_and_call_through_fastmcp(mcp_url, sandbox):
    async with Client(mcp_url) as client:
        tools = await client.list_tools()
        sandbox.clear_requests()
        result = await client.call_tool(TICKETS, {"page_size": 3})
    assert {tool.name for tool in tools} == catalogue_names()
    assert not result.is_error, result.content
    check_ticket_page(result.structured_content, sandbox, 3)
    assert json.loads(result.content[0].text) == result.structured_content
