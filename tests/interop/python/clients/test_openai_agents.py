"""The OpenAI Agents SDK (openai-agents, pinned in ../requirements-openai-agents.txt) against
bms-mcp, without a model: its MCP layer lists the tools, turns each into a strict function tool
with its own conversion (`convert_schemas_to_strict=True`, `ensure_strict_json_schema`), and
runs one the way an agent's tool call would, with the arguments strict mode makes a model send
(every optional one null).

The SDK names itself `mcp` (the Python SDK's default) in clientInfo, so `auto` cannot tell it
from other Python clients: the MCP server here pins `client: openai-strict`, as the README says
to do for it."""

import json
import logging

import pytest
from agents.mcp import MCPServerStreamableHttp, MCPUtil
from agents.tool_context import ToolContext

from conftest import TICKETS, check_ticket_page, mcp_server

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def strict_url():
    with mcp_server("openai agents", {"client": "openai-strict", "tool_exposure": "all"}) as url:
        yield url


def agents_server(url):
    return MCPServerStreamableHttp(params={"url": url, "timeout": 30}, client_session_timeout_seconds=30, name="bms")


async def test_every_tool_converts_to_a_strict_function_tool(strict_url, caplog):
    caplog.set_level(logging.INFO, logger="openai.agents")
    async with agents_server(strict_url) as server:
        tools = await server.list_tools()
    converted = [MCPUtil.to_function_tool(tool, server, convert_schemas_to_strict=True) for tool in tools]
    fell_back = [tool.name for tool in converted if not tool.strict_json_schema]
    assert len(tools) > 400, len(tools)
    assert fell_back == [], f"{len(fell_back)} tools fell back to non-strict: {fell_back}"
    assert "Error converting MCP schema to strict mode" not in caplog.text
    settings = next(tool for tool in converted if tool.name == "set_kaseya_bms_company_settings")
    assert settings.params_json_schema["properties"]["settings"]["type"] == "string"


async def test_a_strict_tool_call_with_every_optional_argument_null_reads_the_sandbox(strict_url, sandbox):
    async with agents_server(strict_url) as server:
        tools = {tool.name: tool for tool in await server.list_tools()}
        tool = MCPUtil.to_function_tool(tools[TICKETS], server, convert_schemas_to_strict=True)
        assert tool.strict_json_schema
        schema = tool.params_json_schema
        assert set(schema["required"]) == set(schema["properties"]), "strict: every property required"
        arguments = {name: None for name in schema["properties"]}
        arguments["page_size"] = 3
        sandbox.clear_requests()
        raw = json.dumps(arguments)
        context = ToolContext(context=None, tool_name=TICKETS, tool_call_id="call_1", tool_arguments=raw)
        output = await tool.on_invoke_tool(context, raw)
    # The SDK hands the model the result's text content: the page's JSON.
    assert isinstance(output, dict) and output.get("type") == "text", output
    check_ticket_page(json.loads(output["text"]), sandbox, 3)


async def test_a_free_form_object_given_as_json_text_reaches_bms_as_the_object(strict_url, sandbox):
    name = "set_kaseya_bms_company_settings"
    async with agents_server(strict_url) as server:
        tools = {tool.name: tool for tool in await server.list_tools()}
        tool = MCPUtil.to_function_tool(tools[name], server, convert_schemas_to_strict=True)
        sandbox.clear_requests()
        raw = json.dumps({"module_id": 7, "settings": json.dumps({"DefaultTimeZone": "UTC", "WeekStartsOn": 1})})
        context = ToolContext(context=None, tool_name=name, tool_call_id="call_2", tool_arguments=raw)
        output = await tool.on_invoke_tool(context, raw)
    sent = [r for r in sandbox.requests() if r["path"] == "/v2/admin/companysettings"]
    assert len(sent) == 1 and sent[0]["method"] == "PUT", (sent, output)
    assert sent[0]["body"] == {"ModuleId": 7, "Settings": {"DefaultTimeZone": "UTC", "WeekStartsOn": 1}}, sent[0]
