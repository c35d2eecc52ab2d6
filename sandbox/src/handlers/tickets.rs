//! Service-desk tickets: reads and the rendering of ticket and note DTOs. Writes live in
//! [`super::ticket_actions`].

use serde_json::{Value, json};

use super::ticket_actions;
use super::ticket_filter::{self, TicketFilter};
use super::{Call, Handled, Reply, iso, page, paging_args_from_body};
use crate::config::DEFAULT_TENANT;
use crate::store::{Store, Ticket, TicketNote, name_of};
use crate::wire::ApiError;

/// Ticket operations the sandbox simulates.
pub fn dispatch(key: &str, call: &Call, store: &mut Store) -> Option<Handled> {
    Some(match key {
        "GET /v2/servicedesk/tickets" => list(call, store),
        "POST /v2/servicedesk/tickets/search" => search(call, store),
        "GET /v2/servicedesk/tickets/{ticketId}" => get(call, store),
        "POST /v2/servicedesk/tickets" => ticket_actions::create(call, store),
        "PUT /v2/servicedesk/tickets/{ticketId}" => ticket_actions::update(call, store),
        "GET /v2/servicedesk/tickets/{ticketId}/notes" => notes(call, store),
        "POST /v2/servicedesk/tickets/{ticketId}/notes" => ticket_actions::add_note(call, store),
        "GET /v2/servicedesk/tickets/{ticketId}/notes/{noteId}" => note(call, store),
        "POST /v2/servicedesk/tickets/{ticketId}/assignticket" => {
            ticket_actions::assign(call, store)
        }
        "POST /v2/servicedesk/tickets/{ticketId}/resolve" => ticket_actions::resolve(call, store),
        "POST /v2/servicedesk/tickets/merge" => ticket_actions::merge(call, store),
        "GET /v2/servicedesk/tickets/logs/{jobId}" => job_logs(call, store),
        _ => return None,
    })
}

fn list(call: &Call, store: &Store) -> Handled {
    filtered(call, store, &call.args)
}

fn search(call: &Call, store: &Store) -> Handled {
    let mut args = call.args.clone();
    ticket_filter::args_from_body(call.body.as_ref(), &mut args);
    paging_args_from_body(call.body.as_ref(), &mut args);
    filtered(call, store, &args)
}

fn filtered(call: &Call, store: &Store, args: &crate::wire::params::Args) -> Handled {
    let filter = TicketFilter::new(args)?;
    let items = store
        .tickets
        .iter()
        .filter(|t| filter.matches(t, store))
        .map(|t| render(call, store, t, "TicketListDto"))
        .collect();
    Ok(page(items, args))
}

fn get(call: &Call, store: &Store) -> Handled {
    let ticket = find(store, call.path_i32("ticketId")?)?;
    Ok(Reply::Value(render(call, store, ticket, "TicketOutputDto")))
}

fn notes(call: &Call, store: &Store) -> Handled {
    let ticket = find(store, call.path_i32("ticketId")?)?;
    let items = store
        .ticket_notes
        .iter()
        .filter(|n| n.ticket_id == ticket.id)
        .map(|n| render_note(call, store, n))
        .collect();
    Ok(page(items, &call.args))
}

fn note(call: &Call, store: &Store) -> Handled {
    let ticket = find(store, call.path_i32("ticketId")?)?;
    let note_id = call.path_i32("noteId")?;
    let note = store
        .ticket_notes
        .iter()
        .find(|n| n.id == note_id && n.ticket_id == ticket.id)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Note {note_id} was not found on ticket {}.",
                ticket.id
            ))
        })?;
    Ok(Reply::Value(render_note(call, store, note)))
}

fn job_logs(call: &Call, store: &Store) -> Handled {
    let job_id = call.path_i64("jobId")?;
    let merge = store
        .merges
        .iter()
        .find(|m| m.job_id == job_id)
        .ok_or_else(|| ApiError::not_found(format!("Job {job_id} was not found.")))?;
    let items = merge
        .logs
        .iter()
        .map(|log| {
            call.dto(
                "JobLogsDto",
                json!({"Id": log.id, "Type": log.log_type, "Action": log.action,
                       "Message": log.message, "Date": iso(Some(log.date))}),
            )
        })
        .collect();
    Ok(page(items, &call.args))
}

/// The ticket with `id`, or BMS's not-found answer.
pub fn find(store: &Store, id: i32) -> Result<&Ticket, ApiError> {
    store
        .ticket(id)
        .ok_or_else(|| ApiError::not_found(format!("Ticket {id} was not found.")))
}

/// A ticket as `TicketOutputDto` or `TicketListDto` (the DTO drops what it lacks).
pub fn render(call: &Call, store: &Store, t: &Ticket, schema: &str) -> Value {
    let l = &store.lookups;
    let account = store.account(t.account_id);
    let location = store.location(t.location_id).map(|(_, loc)| loc);
    let contact = t.contact_id.and_then(|id| store.contact(id));
    let status = l.status(t.status_id);
    let priority = l.priority(t.priority_id);
    let issue = t.issue_type_id.and_then(|id| l.issue_type(id));
    let mut overlay = json!({
        "Id": t.id, "TicketNumber": t.number, "Title": t.title, "Details": t.details,
        "CreatedBy": t.created_by, "CreatedOn": iso(Some(t.created_on)),
        "CreatedByName": store.user_name(t.created_by),
        "ModifiedBy": t.created_by, "ModifiedOn": iso(Some(t.modified_on)),
        "AccountId": t.account_id, "AccountName": account.map(|a| a.name.clone()),
        "AccountCode": account.map(|a| a.code.clone()),
        "LocationId": t.location_id, "LocationName": location.map(|l| l.name.clone()),
        "ContactId": t.contact_id, "ContactName": contact.map(|c| c.full_name()),
        "QueueId": t.queue_id, "QueueName": t.queue_id.and_then(|q| name_of(&l.queues, q)),
        "StatusId": t.status_id, "StatusName": status.map(|s| s.name.clone()),
        "StatusColor": status.map(|s| s.color.clone()),
        "StatusForeColor": status.map(|s| s.font_color.clone()),
        "StatusOrder": status.map_or(0, |s| s.order),
        "PriorityId": t.priority_id, "PriorityName": priority.map(|p| p.name.clone()),
        "PriorityColor": priority.map(|p| p.color.clone()),
        "TypeId": t.type_id, "TypeName": name_of(&l.ticket_types, t.type_id),
        "IssueTypeId": t.issue_type_id, "IssueTypeName": issue.map(|i| i.name.clone()),
        "SubIssueTypeId": t.sub_issue_type_id,
        "SubIssueTypeName": t.sub_issue_type_id.and_then(|id| l.sub_issue_type(id)).map(|s| s.name.clone()),
        "AssigneeId": t.assignee_id,
        "AssigneeName": t.assignee_id.and_then(|id| l.assignee(id)).map(|a| a.name.clone()),
        "WorkTypeId": t.work_type_id,
        "WorkTypeName": t.work_type_id.and_then(|id| name_of(&l.work_types, id)),
        "SourceId": t.source_id, "SLAId": t.sla_id,
        "SLAName": t.sla_id.and_then(|id| name_of(&l.slas, id)),
        "OpenDate": iso(Some(t.open_date)), "DueDate": iso(t.due_date),
        "CompletedDate": iso(t.completed_date),
        "LastActivityUpdate": iso(Some(t.last_activity_update)),
        "LastStatusUpdate": iso(Some(t.last_status_update)),
        "LastPriorityUpdate": iso(Some(t.last_priority_update)),
        "LastQueueUpdate": iso(Some(t.last_queue_update)),
    });
    if let Some(map) = overlay.as_object_mut() {
        if schema == "TicketListDto" {
            map.insert("TenantName".into(), json!(DEFAULT_TENANT));
        } else {
            map.insert("SourceName".into(), json!(name_of(&l.sources, t.source_id)));
            map.insert(
                "LocationPhone".into(),
                json!(location.map(|l| l.phone.clone())),
            );
            map.insert(
                "ContactPhone".into(),
                json!(contact.and_then(|c| c.phone.clone())),
            );
            map.insert(
                "ContactEmail".into(),
                json!(contact.and_then(|c| c.email.clone())),
            );
            map.insert("TenantId".into(), json!(1));
            map.insert("CCs".into(), json!([]));
            map.insert("SecondaryAssignees".into(), json!([]));
        }
    }
    call.dto(schema, overlay)
}

/// A note as `TicketNoteOutputDto`.
pub fn render_note(call: &Call, store: &Store, n: &TicketNote) -> Value {
    let author = store.lookups.assignee(n.created_by);
    call.dto(
        "TicketNoteOutputDto",
        json!({
            "Id": n.id, "Details": n.details, "IsInternal": n.is_internal,
            "TypeId": n.type_id, "TypeName": name_of(&store.lookups.note_types, n.type_id),
            "CreatedBy": n.created_by, "CreatedOn": iso(Some(n.created_on)),
            "ModifiedBy": n.created_by, "ModifiedOn": iso(Some(n.created_on)),
            "CreatedByName": store.user_name(n.created_by),
            "CreatedByEmail": author.map_or_else(|| crate::config::DEFAULT_USERNAME.to_owned(), |a| a.email.clone()),
            "ModifiedByName": store.user_name(n.created_by),
            "Attachments": [],
        }),
    )
}
