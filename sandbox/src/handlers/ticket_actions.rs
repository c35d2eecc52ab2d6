//! Ticket writes: create, update, notes, assign, resolve and merge. IDs in bodies must name
//! existing objects (BMS refuses unknown IDs with a validation error naming the field).

use serde_json::json;

use super::tickets::{find, render, render_note};
use super::{Call, Handled, Reply, unknown_id};
use crate::clock;
use crate::store::seed::API_USER_ID;
use crate::store::{JobLog, Merge, Store, Ticket, TicketNote, name_of};
use crate::wire::ApiError;

/// The ticket `PUT` and `POST` take (`TicketInputDto`), checked against the store.
struct TicketInput {
    title: String,
    details: String,
    account_id: i32,
    location_id: i32,
    contact_id: Option<i32>,
    queue_id: Option<i32>,
    status_id: i32,
    priority_id: i32,
    type_id: i32,
    issue_type_id: Option<i32>,
    sub_issue_type_id: Option<i32>,
    assignee_id: Option<i32>,
    work_type_id: Option<i32>,
    source_id: i32,
    sla_id: Option<i32>,
    open_date: i64,
    due_date: Option<i64>,
}

fn ticket_input(call: &Call, store: &Store) -> Result<TicketInput, ApiError> {
    let l = &store.lookups;
    let input = TicketInput {
        title: call.body_str("Title").unwrap_or_default(),
        details: call.body_str("Details").unwrap_or_default(),
        account_id: call.body_i32("AccountId"),
        location_id: call.body_i32("LocationId"),
        contact_id: call.body_opt_i32("ContactId"),
        queue_id: call.body_opt_i32("QueueId"),
        status_id: call.body_i32("StatusId"),
        priority_id: call.body_i32("PriorityId"),
        type_id: call.body_i32("TypeId"),
        issue_type_id: call.body_opt_i32("IssueTypeId"),
        sub_issue_type_id: call.body_opt_i32("SubIssueTypeId"),
        assignee_id: call.body_opt_i32("AssigneeId"),
        work_type_id: call.body_opt_i32("WorkTypeId"),
        source_id: call.body_i32("SourceId"),
        sla_id: call.body_opt_i32("SLAId"),
        open_date: call.body_date("OpenDate")?.unwrap_or_else(clock::now_unix),
        due_date: call.body_date("DueDate")?,
    };
    if input.title.trim().is_empty() {
        return Err(ApiError::invalid("The Title field is required."));
    }
    store
        .account(input.account_id)
        .ok_or_else(|| unknown_id("AccountId", input.account_id))?;
    match store.location(input.location_id) {
        Some((account, _)) if account.id == input.account_id => {}
        Some(_) => {
            return Err(ApiError::invalid(format!(
                "LocationId {} does not belong to account {}.",
                input.location_id, input.account_id
            )));
        }
        None => return Err(unknown_id("LocationId", input.location_id)),
    }
    if let Some(id) = input.contact_id {
        match store.contact(id) {
            Some(c) if c.account_id == input.account_id => {}
            Some(_) => {
                return Err(ApiError::invalid(format!(
                    "ContactId {id} does not belong to account {}.",
                    input.account_id
                )));
            }
            None => return Err(unknown_id("ContactId", id)),
        }
    }
    let checks: [(&str, Option<i32>, bool); 9] = [
        (
            "QueueId",
            input.queue_id,
            input
                .queue_id
                .is_none_or(|id| name_of(&l.queues, id).is_some()),
        ),
        (
            "StatusId",
            Some(input.status_id),
            l.status(input.status_id).is_some(),
        ),
        (
            "PriorityId",
            Some(input.priority_id),
            l.priority(input.priority_id).is_some(),
        ),
        (
            "TypeId",
            Some(input.type_id),
            name_of(&l.ticket_types, input.type_id).is_some(),
        ),
        (
            "IssueTypeId",
            input.issue_type_id,
            input
                .issue_type_id
                .is_none_or(|id| l.issue_type(id).is_some()),
        ),
        (
            "SubIssueTypeId",
            input.sub_issue_type_id,
            input
                .sub_issue_type_id
                .is_none_or(|id| l.sub_issue_type(id).is_some()),
        ),
        (
            "AssigneeId",
            input.assignee_id,
            input.assignee_id.is_none_or(|id| l.assignee(id).is_some()),
        ),
        (
            "SourceId",
            Some(input.source_id),
            name_of(&l.sources, input.source_id).is_some(),
        ),
        (
            "SLAId",
            input.sla_id,
            input.sla_id.is_none_or(|id| name_of(&l.slas, id).is_some()),
        ),
    ];
    for (field, id, ok) in checks {
        if !ok {
            return Err(unknown_id(field, id.unwrap_or(0)));
        }
    }
    if let Some(id) = input
        .work_type_id
        .filter(|id| name_of(&l.work_types, *id).is_none())
    {
        return Err(unknown_id("WorkTypeId", id));
    }
    Ok(input)
}

/// `POST /v2/servicedesk/tickets`. A ticket without a queue lands in Triage, unassigned ones
/// included, as the demo tenant's routing rule says.
pub fn create(call: &Call, store: &mut Store) -> Handled {
    let input = ticket_input(call, store)?;
    let now = clock::now_unix();
    let id = store.next_ticket_id();
    let day = clock::format_iso(input.open_date);
    let number = format!(
        "T{}{}{}.{:04}",
        &day[0..4],
        &day[5..7],
        &day[8..10],
        id % 10_000
    );
    let closed = store
        .lookups
        .status(input.status_id)
        .is_some_and(|s| s.closed);
    let ticket = Ticket {
        id,
        number,
        title: input.title,
        details: input.details,
        account_id: input.account_id,
        location_id: input.location_id,
        contact_id: input.contact_id,
        queue_id: input.queue_id.or(Some(crate::store::seed::TRIAGE_QUEUE_ID)),
        status_id: input.status_id,
        priority_id: input.priority_id,
        type_id: input.type_id,
        issue_type_id: input.issue_type_id,
        sub_issue_type_id: input.sub_issue_type_id,
        assignee_id: input.assignee_id,
        work_type_id: input.work_type_id,
        source_id: input.source_id,
        sla_id: input.sla_id,
        open_date: input.open_date,
        due_date: input.due_date,
        completed_date: closed.then_some(now),
        created_by: API_USER_ID,
        created_on: now,
        modified_on: now,
        last_status_update: now,
        last_priority_update: now,
        last_queue_update: now,
        last_activity_update: now,
        merged_into: None,
    };
    store.tickets.push(ticket);
    let ticket = find(store, id)?;
    Ok(Reply::Value(render(call, store, ticket, "TicketOutputDto")))
}

/// `PUT /v2/servicedesk/tickets/{ticketId}`: replaces the editable fields.
pub fn update(call: &Call, store: &mut Store) -> Handled {
    let id = call.path_i32("ticketId")?;
    find(store, id)?;
    let input = ticket_input(call, store)?;
    let now = clock::now_unix();
    let closed = store
        .lookups
        .status(input.status_id)
        .is_some_and(|s| s.closed);
    let ticket = store
        .ticket_mut(id)
        .ok_or_else(|| ApiError::not_found(format!("Ticket {id} was not found.")))?;
    if ticket.status_id != input.status_id {
        ticket.last_status_update = now;
        ticket.completed_date = closed.then_some(now);
    }
    if ticket.priority_id != input.priority_id {
        ticket.last_priority_update = now;
    }
    if ticket.queue_id != input.queue_id {
        ticket.last_queue_update = now;
    }
    ticket.title = input.title;
    ticket.details = input.details;
    ticket.account_id = input.account_id;
    ticket.location_id = input.location_id;
    ticket.contact_id = input.contact_id;
    ticket.queue_id = input.queue_id;
    ticket.status_id = input.status_id;
    ticket.priority_id = input.priority_id;
    ticket.type_id = input.type_id;
    ticket.issue_type_id = input.issue_type_id;
    ticket.sub_issue_type_id = input.sub_issue_type_id;
    ticket.assignee_id = input.assignee_id;
    ticket.work_type_id = input.work_type_id;
    ticket.source_id = input.source_id;
    ticket.sla_id = input.sla_id;
    ticket.open_date = input.open_date;
    ticket.due_date = input.due_date;
    ticket.modified_on = now;
    ticket.last_activity_update = now;
    let ticket = find(store, id)?;
    Ok(Reply::Value(render(call, store, ticket, "TicketOutputDto")))
}

/// Appends a note and touches the ticket's activity time; returns the note id.
fn push_note(
    store: &mut Store,
    ticket_id: i32,
    details: String,
    is_internal: bool,
    type_id: i32,
    note_date: i64,
) -> i32 {
    let id = store.next_ticket_note_id();
    let now = clock::now_unix();
    store.ticket_notes.push(TicketNote {
        id,
        ticket_id,
        details,
        is_internal,
        type_id,
        note_date,
        created_by: API_USER_ID,
        created_on: now,
    });
    if let Some(t) = store.ticket_mut(ticket_id) {
        t.last_activity_update = now;
        t.modified_on = now;
    }
    id
}

fn check_note_type(store: &Store, type_id: i32) -> Result<(), ApiError> {
    match name_of(&store.lookups.note_types, type_id) {
        Some(_) => Ok(()),
        None => Err(ApiError::invalid(format!(
            "TypeId {type_id} is not a note type; find note types with GET /v2/system/lookup/NoteTypes."
        ))),
    }
}

fn set_status(store: &mut Store, ticket_id: i32, status_id: i32) -> Result<(), ApiError> {
    let closed = store
        .lookups
        .status(status_id)
        .ok_or_else(|| unknown_id("StatusId", status_id))?
        .closed;
    let now = clock::now_unix();
    if let Some(t) = store.ticket_mut(ticket_id)
        && t.status_id != status_id
    {
        t.status_id = status_id;
        t.last_status_update = now;
        t.completed_date = closed.then_some(now);
    }
    Ok(())
}

/// `POST .../{ticketId}/notes`: adds a note, optionally changing the status.
pub fn add_note(call: &Call, store: &mut Store) -> Handled {
    let ticket_id = find(store, call.path_i32("ticketId")?)?.id;
    let type_id = call.body_i32("TypeId");
    check_note_type(store, type_id)?;
    if let Some(status_id) = call.body_opt_i32("StatusId").filter(|s| *s != 0) {
        set_status(store, ticket_id, status_id)?;
    }
    let note_date = call.body_date("NoteDate")?.unwrap_or_else(clock::now_unix);
    let details = call.body_str("Details").unwrap_or_default();
    let id = push_note(
        store,
        ticket_id,
        details,
        call.body_bool("IsInternal"),
        type_id,
        note_date,
    );
    // The note just added is the last one.
    let note = store
        .ticket_notes
        .last()
        .filter(|n| n.id == id)
        .ok_or_else(ApiError::internal)?;
    Ok(Reply::Value(render_note(call, store, note)))
}

/// `POST .../{ticketId}/assignticket`: sets status, queue and assignee, adds the body's note.
/// Answers HTTP 200 with no body, as the spec declares.
pub fn assign(call: &Call, store: &mut Store) -> Handled {
    let ticket_id = find(store, call.path_i32("ticketId")?)?.id;
    let type_id = call.body_i32("TypeId");
    check_note_type(store, type_id)?;
    let status_id = call.body_i32("StatusId");
    store
        .lookups
        .status(status_id)
        .ok_or_else(|| unknown_id("StatusId", status_id))?;
    let queue_id = call.body_opt_i32("QueueId").filter(|q| *q != 0);
    if let Some(q) = queue_id.filter(|q| name_of(&store.lookups.queues, *q).is_none()) {
        return Err(unknown_id("QueueId", q));
    }
    let assignee_id = call.body_opt_i32("AssigneeId").filter(|a| *a != 0);
    if let Some(a) = assignee_id.filter(|a| store.lookups.assignee(*a).is_none()) {
        return Err(unknown_id("AssigneeId", a));
    }
    let note_date = call.body_date("NoteDate")?.unwrap_or_else(clock::now_unix);
    set_status(store, ticket_id, status_id)?;
    let now = clock::now_unix();
    if let Some(t) = store.ticket_mut(ticket_id) {
        if let Some(q) = queue_id.filter(|q| t.queue_id != Some(*q)) {
            t.queue_id = Some(q);
            t.last_queue_update = now;
        }
        t.assignee_id = assignee_id;
    }
    let details = call.body_str("Details").unwrap_or_default();
    push_note(
        store,
        ticket_id,
        details,
        call.body_bool("IsInternal"),
        type_id,
        note_date,
    );
    Ok(Reply::Empty)
}

/// `POST .../{ticketId}/resolve`: sets a closed status and adds the resolution note.
/// Resolving a ticket that is already closed is refused with HTTP 200 and `success: false`,
/// the way live BMS reports business-rule failures.
pub fn resolve(call: &Call, store: &mut Store) -> Handled {
    let ticket = find(store, call.path_i32("ticketId")?)?;
    let ticket_id = ticket.id;
    if let Some(status) = store.lookups.status(ticket.status_id).filter(|s| s.closed) {
        return Ok(Reply::Refused(ApiError::business_rule(format!(
            "Ticket {} is already {}; reopen it before resolving it again.",
            ticket.number, status.name
        ))));
    }
    let status_id = match call.body_opt_i32("StatusId").filter(|s| *s != 0) {
        Some(id) => {
            let status = store
                .lookups
                .status(id)
                .ok_or_else(|| unknown_id("StatusId", id))?;
            if !status.closed {
                return Err(ApiError::invalid(format!(
                    "StatusId {id} ({}) is not a closed status; resolve needs a closed status such as Resolved.",
                    status.name
                )));
            }
            id
        }
        None => store.lookups.resolved_status().map_or(0, |s| s.id),
    };
    set_status(store, ticket_id, status_id)?;
    let note_type = store
        .lookups
        .note_types
        .iter()
        .find(|t| t.name == "Resolution")
        .or(store.lookups.note_types.first())
        .map_or(0, |t| t.id);
    let comment = call.body_str("Comment").unwrap_or_default();
    push_note(
        store,
        ticket_id,
        comment,
        call.body_bool("IsInternal"),
        note_type,
        clock::now_unix(),
    );
    let ticket = find(store, ticket_id)?;
    Ok(Reply::Value(render(call, store, ticket, "TicketOutputDto")))
}

/// `POST /v2/servicedesk/tickets/merge`: closes the source tickets into the destination and
/// answers a job id whose log `GET /v2/servicedesk/tickets/logs/{jobId}` serves.
pub fn merge(call: &Call, store: &mut Store) -> Handled {
    let destination = call.body_i32("DestinationTicketId");
    let sources = call.body_i32_list("SourceTicketIds");
    let dest = store
        .ticket(destination)
        .ok_or_else(|| unknown_id("DestinationTicketId", destination))?
        .number
        .clone();
    if sources.is_empty() {
        return Err(ApiError::invalid(
            "The SourceTicketIds field is required: name at least one ticket to merge.",
        ));
    }
    if sources.contains(&destination) {
        return Err(ApiError::invalid("A ticket cannot be merged into itself."));
    }
    if let Some(missing) = sources.iter().find(|id| store.ticket(**id).is_none()) {
        return Err(unknown_id("SourceTicketIds", *missing));
    }
    let job_id = store.next_job_id();
    let closed = store
        .lookups
        .statuses
        .iter()
        .rev()
        .find(|s| s.closed)
        .map_or(0, |s| s.id);
    let now = clock::now_unix();
    let mut logs = Vec::new();
    for (i, source) in sources.iter().enumerate() {
        let number = store
            .ticket(*source)
            .map(|t| t.number.clone())
            .unwrap_or_default();
        set_status(store, *source, closed)?;
        if let Some(t) = store.ticket_mut(*source) {
            t.merged_into = Some(destination);
        }
        let text = format!("Ticket {number} was merged into {dest}.");
        push_note(store, *source, text.clone(), true, 601, now);
        push_note(store, destination, text.clone(), true, 601, now);
        logs.push(JobLog {
            id: format!("00000000-0000-4000-8000-{:06}{:06}", job_id, i + 1),
            log_type: 0,
            action: "Merge".into(),
            message: text,
            date: now,
        });
    }
    store.merges.push(Merge {
        job_id,
        destination_ticket_id: destination,
        source_ticket_ids: sources,
        logs,
    });
    Ok(Reply::Value(call.dto(
        "TicketMergeOutputDto",
        json!({"JobId": job_id.to_string()}),
    )))
}
