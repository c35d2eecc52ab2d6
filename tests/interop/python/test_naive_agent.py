"""The seed's two workflows, played by a naive agent (naive_agent.py) that reads only what the
server shows it: tool names, titles, descriptions, schemas, results and error messages. The
requests are the user's words; no ID, lookup table or tool name is given. The sandbox's state is
checked afterwards against expectations derived from its own data."""

import time

import pytest
from mcp import Client

from conftest import by_name
from naive_agent import NaiveAgent, mentions

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


async def test_a_naive_agent_escalates_sso_password_resets_to_security(mcp_url, sandbox):
    before = sandbox.state()
    started = int(time.time())
    async with Client(mcp_url, mode="legacy") as client:
        agent = await NaiveAgent(client).start()
        # "Go through the unassigned password-reset tickets in Triage; where the contact's IT Glue
        # notes say they need an SSO bypass, add an internal note and move the ticket to Security."
        tickets = await agent.list_everything(
            "list service desk tickets", {"queue": "Triage", "title": "password"}
        )
        unassigned = [t for t in tickets if not t.get("assigneeId")]
        assert unassigned, "the demo tenant has unassigned password resets in Triage"
        escalated, left = [], []
        for ticket in unassigned:
            agent.work_on("ticket", ticket)
            agent.focus.pop("contact", None)
            contact = await agent.try_do("look up the itglue contact")
            notes = None
            if contact and contact.get("id"):
                agent.work_on("contact", contact)
                notes = await agent.try_do("list itglue contact notes")
            if not (notes and mentions(notes, "sso bypass")):
                left.append(ticket["id"])
                continue
            await agent.do("add an internal note to a service desk ticket", {
                "details": "IT Glue: this contact needs an SSO bypass for password resets. Escalating to Security.",
                "internal": True,
                # The user's word; the tenant calls it something longer, the server says what.
                "note type": "Internal",
            })
            await agent.do("assign ticket to a queue", {
                "queue": "Security",
                "details": "Assigned to Security: SSO bypass required.",
                "internal": True,
            })
            escalated.append(ticket["id"])
        # The checks below, not the agent, read the tenant's tables to know what to expect.
        note_types = (await client.call_tool("list_all_kaseya_bms_system_table_lookup", {"table_name": "NoteTypes"})).structured_content["items"]
        queues = (await client.call_tool("list_all_kaseya_bms_queues_lookup", {})).structured_content["items"]

    sso_contacts = {c["contact_id"] for c in before["itglue_contacts"] if "sso bypass" in (c["notes"] or "").lower()}
    triage, security = by_name(queues, "Triage")["id"], by_name(queues, "Security")["id"]
    expected = {
        t["id"] for t in before["tickets"]
        if t["queue_id"] == triage and t["assignee_id"] is None and "password" in t["title"].lower()
        and t["contact_id"] in sso_contacts
    }
    assert set(escalated) == expected and len(expected) >= 2, agent.transcript
    assert left, "some password resets need no bypass"

    default_type = next(n["id"] for n in note_types if n["isDefault"])
    internal_type = next(n["id"] for n in note_types if "internal" in n["name"].lower())
    after = sandbox.state()
    known = {n["id"] for n in before["ticket_notes"]}
    for ticket in after["tickets"]:
        added = [n for n in after["ticket_notes"] if n["ticket_id"] == ticket["id"] and n["id"] not in known]
        if ticket["id"] in expected:
            assert ticket["queue_id"] == security
            note = next(n for n in added if "SSO bypass" in n["details"] and "Escalating" in n["details"])
            assert note["is_internal"] and note["type_id"] == internal_type
            handover = next(n for n in added if n["details"].startswith("Assigned to Security"))
            assert handover["type_id"] == default_type, "no note type given: the tenant's default"
            assert started <= handover["note_date"] <= int(time.time()) + 1, "no date given: now"
        elif ticket["id"] in left:
            assert ticket["queue_id"] == triage and not added, "tickets without the requirement are left alone"


async def test_a_naive_agent_notes_acmes_urgent_tickets_on_the_q3_opportunity(mcp_url, sandbox):
    before = sandbox.state()
    async with Client(mcp_url, mode="legacy") as client:
        agent = await NaiveAgent(client).start()
        # "Put Acme Corp's open high and critical tickets on the Acme Corp Q3 Expansion deal."
        opportunities = await agent.list_everything("list opportunities")
        deal = next(o for o in opportunities if mentions(o, "Acme Corp Q3 Expansion"))
        agent.work_on("opportunity", deal)
        urgent = await agent.list_everything("list service desk tickets", {
            "account": "Acme Corp", "priority": "High,Critical", "exclude completed": 1,
        })
        assert urgent, "Acme has open high-priority tickets"
        lines = [f"- {t['ticketNumber']}: {t['title']} ({t['priorityName']}, {t['statusName']})" for t in urgent]
        note = "Open high-priority service desk tickets for Acme Corp:\n" + "\n".join(lines)
        await agent.do("add a note to an opportunity", {"note": note})
        priorities = (await client.call_tool("list_all_kaseya_bms_priorities_lookup", {})).structured_content["items"]

    acme = next(a for a in before["accounts"] if a["name"] == "Acme Corp")
    high = {p["id"] for p in priorities if p["name"] in ("High", "Critical")}
    expected = {
        t["number"] for t in before["tickets"]
        if t["account_id"] == acme["id"] and t["priority_id"] in high
        and t["completed_date"] is None and t["merged_into"] is None
    }
    assert {t["ticketNumber"] for t in urgent} == expected, agent.transcript
    added = [n for n in sandbox.state()["opportunity_notes"] if n["opportunity_id"] == deal["id"] and n["note"] == note]
    assert len(added) == 1, agent.transcript
