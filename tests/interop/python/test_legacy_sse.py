"""The official Python SDK over the legacy HTTP+SSE transport (2024-11-05 clients)."""

import pytest
from mcp import Client
from mcp.client.sse import sse_client

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


async def test_sse_lists_and_calls_tools(mcp_url, sandbox):
    async with Client(sse_client(mcp_url + "/sse"), mode="legacy") as client:
        names, cursor = [], None
        while True:
            page = await client.list_tools(cursor=cursor)
            names += [t.name for t in page.tools]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert "list_all_kaseya_bms_queues_lookup" in names
        result = await client.call_tool("list_all_kaseya_bms_queues_lookup", {})
        assert not result.is_error, result.content
        assert any(q["name"] == "Security" for q in result.structured_content["items"])
