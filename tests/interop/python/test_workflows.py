"""The seed's two workflows, scripted the way an agent drives the tools: names are turned into
IDs through lookup tools, lists are paged with next_cursor, and the sandbox's state is checked
afterwards. Expected outcomes are derived from the sandbox's own data, not hard-coded."""

import pytest
from mcp import Client

from conftest import by_name

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


async def call(client, tool, arguments):
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, f"{tool}: {result.content[0].text}"
    return result.structured_content


async def all_items(client, tool, arguments):
    """Every item of a paged list tool, following next_cursor."""
    page = await call(client, tool, arguments)
    items = list(page["items"])
    while page.get("next_cursor"):
        page = await call(client, tool, {"cursor": page["next_cursor"]})
        items += page["items"]
    return items


async def test_helpdesk_triage_escalates_sso_password_resets_to_security(mcp_url, sandbox):
    before = sandbox.state()
    async with Client(mcp_url, mode="legacy") as client:
        queues = (await call(client, "list_all_kaseya_bms_queues_lookup", {}))["items"]
        security = by_name(queues, "Security")
        note_types = (await call(client, "list_all_kaseya_bms_system_table_lookup", {"table_name": "NoteTypes"}))["items"]
        internal = by_name(note_types, "Internal Note")

        tickets = await all_items(client, "list_all_kaseya_bms_servicedesk_tickets", {
            "filter_queue_names": "Triage", "filter_title": "password", "page_size": 2,
        })
        unassigned = [t for t in tickets if t["assigneeId"] is None]
        assert unassigned, "the demo tenant has unassigned password resets in Triage"

        escalated, left = [], []
        for ticket in unassigned:
            lookup = await client.call_tool("get_single_kaseya_bms_itglue_contact_lookup_by_id", {"contact_id": ticket["contactId"]})
            notes = ""
            if not lookup.is_error and lookup.structured_content.get("id"):
                found = await call(client, "list_all_kaseya_bms_itglue_contact_notes", {"itg_contact_id": lookup.structured_content["id"]})
                notes = found.get("notes") or ""
            if "sso bypass" not in notes.lower():
                left.append(ticket["id"])
                continue
            await call(client, "create_a_kaseya_bms_servicedesk_ticket_note", {
                "ticket_id": ticket["id"], "is_internal": True, "type_id": internal["id"],
                "note_date": "2026-11-26T09:00:00Z",
                "details": "IT Glue: this contact needs an SSO bypass for password resets. Escalating to Security.",
            })
            # The queue by name: the server resolves "Security" through the queues lookup.
            await call(client, "create_a_kaseya_bms_assignticket", {
                "ticket_id": ticket["id"], "is_internal": True, "type_id": internal["id"],
                "note_date": "2026-11-26T09:01:00Z", "status_id": ticket["statusId"], "queue": "Security",
                "details": "Assigned to Security: SSO bypass required.",
            })
            escalated.append(ticket["id"])

    # What the demo data says should happen, computed from the sandbox's own state.
    sso_contacts = {c["contact_id"] for c in before["itglue_contacts"] if "sso bypass" in (c["notes"] or "").lower()}
    triage_id = by_name(queues, "Triage")["id"]
    expected = {
        t["id"] for t in before["tickets"]
        if t["queue_id"] == triage_id and t["assignee_id"] is None and "password" in t["title"].lower()
        and t["contact_id"] in sso_contacts
    }
    assert set(escalated) == expected and len(expected) >= 2
    assert left, "some password resets need no bypass"

    after = sandbox.state()
    notes_before = {n["id"] for n in before["ticket_notes"]}
    for ticket in after["tickets"]:
        added = [n for n in after["ticket_notes"] if n["ticket_id"] == ticket["id"] and n["id"] not in notes_before]
        if ticket["id"] in expected:
            assert ticket["queue_id"] == security["id"]
            assert any("SSO bypass" in n["details"] and n["is_internal"] for n in added)
        elif ticket["id"] in left:
            assert ticket["queue_id"] == triage_id and not added, "tickets without the requirement are left alone"


async def test_pipeline_sync_notes_acmes_urgent_tickets_on_the_q3_opportunity(mcp_url, sandbox):
    before = sandbox.state()
    async with Client(mcp_url, mode="legacy") as client:
        opportunities = await all_items(client, "list_all_kaseya_bms_crm_opportunities", {"page_size": 2})
        q3 = next(o for o in opportunities if o["subject"] == "Acme Corp Q3 Expansion")
        urgent = await all_items(client, "list_all_kaseya_bms_servicedesk_tickets", {
            "filter_account": "Acme Corp", "filter_priority_names": "High,Critical", "filter_exclude_completed": 1,
            "page_size": 2,
        })
        assert urgent, "Acme has open high-priority tickets"
        lines = [f"- {t['ticketNumber']}: {t['title']} ({t['priorityName']}, {t['statusName']})" for t in urgent]
        note = "Open high-priority service desk tickets for Acme Corp:\n" + "\n".join(lines)
        await call(client, "create_a_kaseya_bms_opportunity_note", {"id": q3["id"], "note": note})
        priorities = (await call(client, "list_all_kaseya_bms_priorities_lookup", {}))["items"]

    acme = next(a for a in before["accounts"] if a["name"] == "Acme Corp")
    high = {p["id"] for p in priorities if p["name"] in ("High", "Critical")}
    expected = {
        t["number"] for t in before["tickets"]
        if t["account_id"] == acme["id"] and t["priority_id"] in high
        and t["completed_date"] is None and t["merged_into"] is None
    }
    assert {t["ticketNumber"] for t in urgent} == expected
    added = [n for n in sandbox.state()["opportunity_notes"] if n["opportunity_id"] == q3["id"] and n["note"] == note]
    assert len(added) == 1
    for number in expected:
        assert number in added[0]["note"]

