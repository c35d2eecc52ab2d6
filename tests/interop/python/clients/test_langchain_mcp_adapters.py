"""LangChain's MCP adapters (langchain-mcp-adapters, pinned in
../requirements-langchain-mcp-adapters.txt): MultiServerMCPClient loads every tool as a
LangChain tool (following tools/list's cursor) and one is invoked as an agent would."""

import json

import pytest
from langchain_mcp_adapters.client import MultiServerMCPClient

from conftest import TICKETS, catalogue_names, check_ticket_page

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


async def test_get_tools_loads_the_catalogue_and_a_tool_reads_the_sandbox(mcp_url, sandbox):
    client = MultiServerMCPClient({"bms": {"url": mcp_url, "transport": "streamable_http"}})
    tools = {tool.name: tool for tool in await client.get_tools()}
    assert set(tools) == catalogue_names()
    sandbox.clear_requests()
    result = await tools[TICKETS].ainvoke({"page_size": 3})
    # LangChain hands the model the result's content blocks: here one text block, the page.
    blocks = result if isinstance(result, list) else [result]
    texts = [b["text"] if isinstance(b, dict) else b for b in blocks]
    check_ticket_page(json.loads(texts[0]), sandbox, 3)
