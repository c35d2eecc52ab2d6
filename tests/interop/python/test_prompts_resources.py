"""The workflows as prompts, the reference data as resources, and argument completion, through
the official Python SDK in both eras (a legacy session and stateless 2026-07-28 requests)."""

import json

import pytest
from mcp import Client
from mcp.types import PromptReference

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_a_person_picks_the_triage_prompt_with_a_completed_queue(mcp_url, mode):
    async with Client(mcp_url, mode=mode) as client:
        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
        assert {"triage_queue", "prepare_account_review"} <= set(prompts)
        assert [a.name for a in prompts["triage_queue"].arguments] == ["queue", "topic"]

        completed = await client.complete(PromptReference(type="ref/prompt", name="triage_queue"), {"name": "queue", "value": "Tri"})
        assert "Triage" in completed.completion.values

        prompt = await client.get_prompt("triage_queue", {"queue": "Triage"})
        text = prompt.messages[0].content.text
        assert '"Triage" service desk queue' in text
        tools = {t.name for t in (await client.list_tools()).tools}
        named = [name for name in tools if name in text]
        assert named, "the prompt names tools this server lists"


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_the_note_types_resource_holds_the_tenants_note_types(mcp_url, sandbox, mode):
    async with Client(mcp_url, mode=mode) as client:
        resources = {str(r.uri): r for r in (await client.list_resources()).resources}
        assert "bms://lookups/note-types" in resources
        read = await client.read_resource("bms://lookups/note-types")
        items = json.loads(read.contents[0].text)["items"]
        assert any(item["name"] == "Internal Note" for item in items), items
