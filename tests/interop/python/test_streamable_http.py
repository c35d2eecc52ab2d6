"""The official Python SDK against bms-mcp over Streamable HTTP: handshake, paging, calls,
errors, rate limits. Every successful result is validated by the SDK against the tool's
outputSchema, so a schema that lies about structuredContent fails here."""

import json
import subprocess
import os
import urllib.request
import urllib.error

import pytest
from mcp import Client

from conftest import by_name

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


async def list_all_tools(client):
    names, pages, cursor = [], 0, None
    while True:
        page = await client.list_tools(cursor=cursor)
        pages += 1
        names += [tool.name for tool in page.tools]
        cursor = page.next_cursor
        if cursor is None:
            return names, pages


def catalogue_size():
    out = subprocess.run([os.environ["BMS_MCP_BIN"], "tools", "--json"], check=True, capture_output=True, text=True)
    return len(json.loads(out.stdout))


async def test_initialize_negotiates_the_latest_revision(mcp_url):
    async with Client(mcp_url, mode="legacy") as client:
        assert client.protocol_version == "2025-11-25"
        assert client.server_info.name == "bms-mcp"
        assert client.server_capabilities.tools is not None
        assert "next_cursor" in client.instructions


async def test_auto_mode_falls_back_to_the_handshake(mcp_url):
    async with Client(mcp_url) as client:
        result = await client.list_tools()
        assert result.tools


async def test_tools_list_pages_through_the_whole_catalogue(mcp_url):
    async with Client(mcp_url, mode="legacy") as client:
        names, pages = await list_all_tools(client)
    assert pages >= 2, "the catalogue spans several pages"
    assert len(names) == len(set(names)), "no tool twice"
    assert len(names) == catalogue_size()
    for name in ["list_all_kaseya_bms_servicedesk_tickets", "create_a_kaseya_bms_opportunity_note"]:
        assert name in names


async def test_list_tools_follow_next_cursor_without_repeating(mcp_url, sandbox):
    async with Client(mcp_url, mode="legacy") as client:
        first = await client.call_tool("list_all_kaseya_bms_servicedesk_tickets", {"page_size": 3})
        assert not first.is_error, first.content
        page1 = first.structured_content
        assert len(page1["items"]) == 3 and page1["total_records"] > 3
        second = await client.call_tool("list_all_kaseya_bms_servicedesk_tickets", {"cursor": page1["next_cursor"]})
        assert not second.is_error, second.content
        ids1 = {t["id"] for t in page1["items"]}
        ids2 = {t["id"] for t in second.structured_content["items"]}
        assert ids2 and not ids1 & ids2


async def test_an_edited_cursor_is_refused_without_an_upstream_request(mcp_url, sandbox):
    async with Client(mcp_url, mode="legacy") as client:
        first = await client.call_tool("list_all_kaseya_bms_servicedesk_tickets", {"page_size": 2})
        cursor = first.structured_content["next_cursor"]
        sandbox.clear_requests()
        forged = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")
        result = await client.call_tool("list_all_kaseya_bms_servicedesk_tickets", {"cursor": forged})
    assert result.is_error
    assert "cursor" in result.content[0].text
    assert sandbox.requests() == []


async def test_a_bad_argument_is_named_and_nothing_is_sent(mcp_url, sandbox):
    sandbox.clear_requests()
    async with Client(mcp_url, mode="legacy") as client:
        result = await client.call_tool("get_single_kaseya_bms_servicedesk_ticket_by_id", {"ticket_id": "Acme printer"})
        missing = await client.call_tool("create_a_kaseya_bms_servicedesk_ticket_note", {"ticket_id": 50001})
        extra = await client.call_tool("list_all_kaseya_bms_queues_lookup", {"queue": "Security"})
    assert result.is_error and "ticket_id" in result.content[0].text and "integer" in result.content[0].text
    # note_date and the note type have defaults (now, the tenant's default note type).
    for field in ["details", "is_internal"]:
        assert field in missing.content[0].text, missing.content[0].text
    for field in ["note_date", "type_id"]:
        assert field not in missing.content[0].text, missing.content[0].text
    assert extra.is_error and "queue" in extra.content[0].text
    assert sandbox.requests() == [], "invalid calls never reach BMS"


async def test_an_unknown_tool_is_a_protocol_error(mcp_url):
    async with Client(mcp_url, mode="legacy") as client:
        with pytest.raises(Exception) as raised:
            await client.call_tool("drop_all_tables", {})
    assert "Unknown tool" in str(raised.value)


def raw_call(url, name, arguments):
    """One tools/call as plain HTTP, to read the response headers."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": arguments}})
    request = urllib.request.Request(url, data=body.encode(), method="POST")
    request.add_header("content-type", "application/json")
    request.add_header("accept", "application/json, text/event-stream")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers, json.loads(response.read())


@pytest.mark.parametrize("style", ["none", "retry-after", "x-ratelimit", "ietf"])
def test_a_429_is_passed_back_at_once_with_ietf_headers(mcp_url, sandbox, style):
    sandbox.faults(rate_limit="2/hour", rate_limit_headers=style)
    for _ in range(2):
        headers, reply = raw_call(mcp_url, "list_all_kaseya_bms_queues_lookup", {})
        assert not reply["result"]["isError"], reply
    sandbox.clear_requests()
    headers, reply = raw_call(mcp_url, "list_all_kaseya_bms_queues_lookup", {})
    result = reply["result"]
    assert result["isError"]
    assert "429" in result["content"][0]["text"] and "Retry after" in result["content"][0]["text"]
    assert headers["ratelimit-remaining"] == "0"
    assert int(headers["ratelimit-limit"]) > 0
    assert int(headers["ratelimit-reset"]) > 0
    details = result["structuredContent"]
    assert details["error"] == "rate_limited"
    assert details["retry_after_seconds"] == int(headers["ratelimit-reset"])
    assert details["limit"] == int(headers["ratelimit-limit"]) and details["remaining"] == 0
    reached = sandbox.requests()
    assert len(reached) == 1 and reached[0]["status"] == 429, "exactly one upstream request, never retried"


async def test_the_eight_seed_tools_work_end_to_end(mcp_url, sandbox):
    async with Client(mcp_url, mode="legacy") as client:
        tickets = await client.call_tool("list_all_kaseya_bms_servicedesk_tickets", {"filter_queue_names": "Triage"})
        assert not tickets.is_error, tickets.content
        ticket = tickets.structured_content["items"][0]
        assert ticket["queueName"] == "Triage"

        opportunities = await client.call_tool("list_all_kaseya_bms_crm_opportunities", {"page_size": 50})
        assert not opportunities.is_error, opportunities.content
        q3 = next(o for o in opportunities.structured_content["items"] if o.get("subject") == "Acme Corp Q3 Expansion")
        single = await client.call_tool("get_single_kaseya_bms_crm_opportunity_by_id", {"id": q3["id"]})
        assert not single.is_error and single.structured_content["subject"] == "Acme Corp Q3 Expansion"

        itg = await client.call_tool("get_single_kaseya_bms_itglue_contact_lookup_by_id", {"contact_id": ticket["contactId"]})
        assert not itg.is_error, itg.content
        notes = await client.call_tool("list_all_kaseya_bms_itglue_contact_notes", {"itg_contact_id": itg.structured_content["id"]})
        assert not notes.is_error, notes.content

        note_types = await client.call_tool("list_all_kaseya_bms_system_table_lookup", {"table_name": "NoteTypes"})
        internal = by_name(note_types.structured_content["items"], "Internal Note")
        note = await client.call_tool("create_a_kaseya_bms_servicedesk_ticket_note", {
            "ticket_id": ticket["id"], "details": "Checked the IT Glue notes.", "is_internal": True,
            "type_id": internal["id"], "note_date": "2026-11-26T10:00:00Z",
        })
        assert not note.is_error, note.content

        queues = await client.call_tool("list_all_kaseya_bms_queues_lookup", {})
        security = by_name(queues.structured_content["items"], "Security")
        assigned = await client.call_tool("create_a_kaseya_bms_assignticket", {
            "ticket_id": ticket["id"], "details": "Moving to Security.", "is_internal": True, "type_id": internal["id"],
            "status_id": ticket["statusId"], "note_date": "2026-11-26T10:05:00Z", "queue_id": security["id"],
        })
        assert not assigned.is_error, assigned.content

        statuses = await client.call_tool("list_all_kaseya_bms_statuses_lookup", {})
        resolved = by_name(statuses.structured_content["items"], "Resolved")
        other = tickets.structured_content["items"][1]
        resolve = await client.call_tool("create_a_kaseya_bms_resolve", {
            "ticket_id": other["id"], "comment": "Fixed.", "status_id": resolved["id"], "is_internal": True,
        })
        assert not resolve.is_error, resolve.content

        opp_note = await client.call_tool("create_a_kaseya_bms_opportunity_note", {"id": q3["id"], "note": "Follow up next week."})
        assert not opp_note.is_error, opp_note.content

    state = sandbox.state()
    moved = next(t for t in state["tickets"] if t["id"] == ticket["id"])
    assert moved["queue_id"] == security["id"]
    assert any(n["ticket_id"] == ticket["id"] and n["details"] == "Checked the IT Glue notes." for n in state["ticket_notes"])
    closed = next(t for t in state["tickets"] if t["id"] == other["id"])
    assert closed["status_id"] == resolved["id"]
    assert any(n["opportunity_id"] == q3["id"] and n["note"] == "Follow up next week." for n in state["opportunity_notes"])
