//! The `TicketFilterDto` filters, shared by `GET /v2/servicedesk/tickets` (`Filter.*` query
//! parameters) and `POST /v2/servicedesk/tickets/search` (the body's `Filter` object).
//!
//! Names filters (`QueueNames`, `PriorityNames`, ...) take comma-separated names matched
//! exactly but case-insensitively; text filters (`Title`, `Details`, `ContactName`, ...) match
//! substrings case-insensitively; ID lists take comma-separated integers.

use serde_json::Value;

use super::contains_ci;
use crate::store::{Store, Ticket, name_of};
use crate::wire::ApiError;
use crate::wire::params::Args;

/// Copies the body's `Filter` object into `Filter.*` arguments.
pub fn args_from_body(body: Option<&Value>, args: &mut Args) {
    let Some(filter) = body
        .and_then(|b| b.get("Filter"))
        .and_then(Value::as_object)
    else {
        return;
    };
    for (name, value) in filter {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => continue,
        };
        args.set(&format!("Filter.{name}"), text);
    }
}

/// A compiled filter.
pub struct TicketFilter<'a> {
    args: &'a Args,
    account_ids: Vec<i64>,
    source_ids: Vec<i64>,
    owner_ids: Vec<i64>,
}

impl<'a> TicketFilter<'a> {
    /// Checks the ID-list filters (declared as strings, so binding could not).
    pub fn new(args: &'a Args) -> Result<TicketFilter<'a>, ApiError> {
        Ok(TicketFilter {
            args,
            account_ids: id_list(args, "Filter.AccountIds")?,
            source_ids: id_list(args, "Filter.SourceIds")?,
            owner_ids: id_list(args, "Filter.OwnerIds")?,
        })
    }

    /// Whether `t` passes every filter given.
    pub fn matches(&self, t: &Ticket, store: &Store) -> bool {
        let a = self.args;
        let l = &store.lookups;
        let account = store.account(t.account_id);
        let location = store
            .location(t.location_id)
            .map(|(_, loc)| loc.name.clone());
        let contact = t
            .contact_id
            .and_then(|id| store.contact(id))
            .map(|c| c.full_name());
        let status = l.status(t.status_id);
        let closed = status.is_some_and(|s| s.closed);
        let assignee = t
            .assignee_id
            .and_then(|id| l.assignee(id))
            .map(|a| a.name.clone());
        let text = |name: &str, value: Option<&str>| {
            a.str(name)
                .is_none_or(|needle| value.is_some_and(|v| contains_ci(v, needle)))
        };
        let names = |name: &str, value: Option<&str>| {
            let wanted = a.list(name);
            wanted.is_empty()
                || value.is_some_and(|v| wanted.iter().any(|w| w.eq_ignore_ascii_case(v)))
        };
        let sub_issue = t
            .sub_issue_type_id
            .and_then(|id| l.sub_issue_type(id))
            .map(|s| s.name.as_str());
        text("Filter.Title", Some(&t.title))
            && text("Filter.Details", Some(&t.details))
            && text("Filter.Account", account.map(|a| a.name.as_str()))
            && text("Filter.AccountCode", account.map(|a| a.code.as_str()))
            && text("Filter.LocationName", location.as_deref())
            && text("Filter.AssigneeName", assignee.as_deref())
            && text("Filter.TicketNumber", Some(&t.number))
            && text(
                "Filter.CreatedByName",
                store.user_name(t.created_by).as_deref(),
            )
            && text("Filter.ContactName", contact.as_deref())
            && names("Filter.StatusNames", status.map(|s| s.name.as_str()))
            && names(
                "Filter.QueueNames",
                t.queue_id.and_then(|q| name_of(&l.queues, q)),
            )
            && names(
                "Filter.PriorityNames",
                l.priority(t.priority_id).map(|p| p.name.as_str()),
            )
            && names(
                "Filter.TicketTypeNames",
                name_of(&l.ticket_types, t.type_id),
            )
            && names(
                "Filter.IssueTypeNames",
                t.issue_type_id
                    .and_then(|i| l.issue_type(i))
                    .map(|i| i.name.as_str()),
            )
            && names("Filter.SubIssueTypeNames", sub_issue)
            && names(
                "Filter.ServiceLevelAgreementNames",
                t.sla_id.and_then(|s| name_of(&l.slas, s)),
            )
            && in_list(&self.account_ids, Some(t.account_id))
            && in_list(&self.source_ids, Some(t.source_id))
            && in_list(&self.owner_ids, t.assignee_id)
            && a.int("Filter.ExcludeCompleted")
                .is_none_or(|x| x == 0 || !closed)
            && a.int("Filter.IsScheduled").is_none_or(|x| x == 0)
            && a.int("Filter.ContactId")
                .is_none_or(|id| t.contact_id.map(i64::from) == Some(id))
            && a.int("Filter.AccountLocationId")
                .is_none_or(|id| i64::from(t.location_id) == id)
            && a.int("Filter.HardwareAssetId").is_none()
            && self.dates(t)
    }

    fn dates(&self, t: &Ticket) -> bool {
        let ranges: [(&str, Option<i64>); 8] = [
            ("OpenDate", Some(t.open_date)),
            ("CompletedDate", t.completed_date),
            ("LastActivityUpdate", Some(t.last_activity_update)),
            ("CreatedOn", Some(t.created_on)),
            ("LastStatusUpdate", Some(t.last_status_update)),
            ("LastPriorityUpdate", Some(t.last_priority_update)),
            ("LastQueueUpdate", Some(t.last_queue_update)),
            ("DueDate", t.due_date),
        ];
        ranges.iter().all(|(name, value)| {
            let from = self.args.date(&format!("Filter.{name}From"));
            let to = self.args.date(&format!("Filter.{name}To"));
            match (from, to, value) {
                (None, None, _) => true,
                (_, _, None) => false,
                (from, to, Some(v)) => from.is_none_or(|f| *v >= f) && to.is_none_or(|t| *v <= t),
            }
        })
    }
}

fn in_list(list: &[i64], value: Option<i32>) -> bool {
    list.is_empty() || value.is_some_and(|v| list.contains(&i64::from(v)))
}

/// A comma-separated ID filter; a name where IDs belong is refused like a bad integer.
fn id_list(args: &Args, name: &str) -> Result<Vec<i64>, ApiError> {
    args.list(name)
        .iter()
        .map(|item| {
            item.parse::<i64>().map_err(|_| {
                ApiError::invalid(format!(
                    "The value '{item}' is not valid for {name}. Expected comma-separated integer IDs."
                ))
            })
        })
        .collect()
}
