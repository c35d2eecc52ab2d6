//! The lookup operations that turn names into the tenant-specific IDs bodies need.

use serde_json::{Value, json};

use super::{Call, Handled, contains_ci, page};
use crate::store::{LOOKUP_TABLES, LookupItem, Store};
use crate::wire::ApiError;

/// Lookup operations the sandbox simulates.
pub fn dispatch(key: &str, call: &Call, store: &mut Store) -> Option<Handled> {
    let l = &store.lookups;
    let plain = |schema: &str, rows: &[LookupItem]| -> Vec<Value> {
        rows.iter()
            .map(|r| {
                call.dto_subset(
                    schema,
                    json!({"Id": r.id, "Name": r.name, "IsActive": r.is_active, "IsDefault": r.is_default}),
                )
            })
            .collect()
    };
    let items: Vec<Value> = match key {
        "GET /v2/system/queues/lookup" => plain("QueueLookupOutputDto", &l.queues),
        "GET /v2/system/worktypes/lookup" => plain("WorkTypeLookupOutputDto", &l.work_types),
        "GET /v2/system/slas/lookup" => plain("SLALookupOutputDto", &l.slas),
        "GET /v2/admin/finance/accountcodes/lookup" => {
            filter_name(call, plain("AccountCodeLookupOutputDto", &l.account_codes))
        }
        "GET /v2/system/lookup/{tableName}" => {
            let name = call.args.str("tableName").unwrap_or_default();
            let Some(rows) = l.table(name) else {
                return Some(Err(ApiError::invalid(format!("Lookup table '{name}' does not exist."))
                    .with_details(format!("Known tables: {}", LOOKUP_TABLES.join(", ")))));
            };
            plain("LookupOutputDto", &rows)
        }
        "GET /v2/system/statuses/lookup" => l
            .statuses
            .iter()
            .map(|s| {
                call.dto(
                    "StatusLookupOutputDto",
                    json!({"Id": s.id, "Name": s.name, "Color": s.color, "FontColor": s.font_color,
                           "StatusOrder": s.order, "TypeId": if s.closed { 2 } else { 1 },
                           "IsSystemStatus": 0, "IsActive": true}),
                )
            })
            .collect(),
        "GET /v2/system/priorities/lookup" => l
            .priorities
            .iter()
            .map(|p| {
                call.dto(
                    "PriorityLookupOutputDto",
                    json!({"Id": p.id, "Name": p.name, "Color": p.color, "IsDefault": p.is_default}),
                )
            })
            .collect(),
        "GET /v2/system/issuetypes/lookup" => {
            let rows: Vec<Value> = l
                .issue_types
                .iter()
                .map(|i| call.dto("IssueTypeLookupOutputDto", json!({"Id": i.id, "Name": i.name, "IsActive": true})))
                .collect();
            filter_name(call, rows)
        }
        "GET /v2/system/issuetypes/{issueTypeId}/issuesubtypes/lookup" => {
            let id = call.args.int("issueTypeId").unwrap_or_default();
            let Some(issue) = l.issue_types.iter().find(|i| i64::from(i.id) == id) else {
                return Some(Err(ApiError::not_found(format!("Issue type {id} was not found."))));
            };
            issue
                .sub_types
                .iter()
                .map(|s| call.dto("IssueSubTypeLookupOutputDto", json!({"Id": s.id, "Name": s.name})))
                .collect()
        }
        "GET /v2/system/accounttypes/lookup" => l
            .account_types
            .iter()
            .map(|t| {
                call.dto(
                    "AccountTypeLookupOutputDto",
                    json!({"Id": t.id, "Name": t.name, "IsActive": true,
                           "IsClient": t.name == "Customer", "IsVendor": t.name == "Vendor"}),
                )
            })
            .collect(),
        "GET /v2/hr/assignees/lookup" => {
            let ids = call.args.int_list("Filter.Ids");
            let excluded = call.args.list("Filter.ExcludedIds");
            let rows: Vec<Value> = l
                .assignees
                .iter()
                .filter(|a| ids.is_empty() || ids.contains(&i64::from(a.id)))
                .filter(|a| !excluded.contains(&a.id.to_string()))
                .map(|a| {
                    call.dto(
                        "AssigneeLookupOutputDto",
                        json!({"Id": a.id, "Name": a.name, "EmailAddress": a.email, "JobTitle": a.job_title}),
                    )
                })
                .collect();
            filter_name(call, rows)
        }
        _ => return None,
    };
    Some(Ok(page(items, &call.args)))
}

/// `Filter.Name`: case-insensitive substring of the row's name.
fn filter_name(call: &Call, rows: Vec<Value>) -> Vec<Value> {
    match call.args.str("Filter.Name") {
        None => rows,
        Some(needle) => rows
            .into_iter()
            .filter(|r| r["name"].as_str().is_some_and(|n| contains_ci(n, needle)))
            .collect(),
    }
}
