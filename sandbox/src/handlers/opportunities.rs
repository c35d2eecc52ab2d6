//! CRM opportunities and their notes.

use serde_json::{Value, json};

use super::{Call, Handled, Reply, in_range, iso, page, unknown_id};
use crate::clock;
use crate::store::seed::API_USER_ID;
use crate::store::{Opportunity, OpportunityNote, Store, name_of};
use crate::wire::ApiError;

/// Opportunity operations the sandbox simulates.
pub fn dispatch(key: &str, call: &Call, store: &mut Store) -> Option<Handled> {
    Some(match key {
        "GET /v2/crm/opportunities" => list(call, store),
        "GET /v2/crm/opportunities/{id}" => get(call, store),
        "POST /v2/crm/opportunities" => save(call, store, None),
        "PUT /v2/crm/opportunities/{id}" => match call.path_i32("id") {
            Ok(id) => save(call, store, Some(id)),
            Err(e) => Err(e),
        },
        "GET /v2/crm/opportunities/{id}/notes" => notes(call, store),
        "POST /v2/crm/opportunities/{id}/notes" => add_note(call, store),
        "PUT /v2/crm/opportunities/{opportunityId}/notes/{noteId}" => edit_note(call, store),
        "GET /v2/crm/opportunities/statuses/Lookup" => statuses(call, store),
        _ => return None,
    })
}

fn find(store: &Store, id: i32) -> Result<&Opportunity, ApiError> {
    store
        .opportunity(id)
        .ok_or_else(|| ApiError::not_found(format!("Opportunity {id} was not found.")))
}

fn in_pipeline(store: &Store, o: &Opportunity) -> bool {
    store
        .lookups
        .opp_status(o.status_id)
        .is_some_and(|s| s.in_pipeline)
}

fn render(call: &Call, store: &Store, o: &Opportunity) -> Value {
    let l = &store.lookups;
    let account = store.account(o.account_id);
    let location = store
        .location(o.location_id)
        .map(|(_, loc)| loc.name.clone());
    let contact = o.contact_id.and_then(|id| store.contact(id));
    let rep = l
        .assignee(o.sales_rep_id)
        .map(|a| a.name.clone())
        .unwrap_or_default();
    let (rep_first, rep_last) = rep.split_once(' ').unwrap_or((&rep, ""));
    call.dto(
        "OpportunityOutputDto",
        json!({
            "Id": o.id, "Subject": o.subject, "StatusId": o.status_id,
            "Status": l.opp_status(o.status_id).map(|s| s.name.clone()),
            "AccountId": o.account_id, "AccountName": account.map(|a| a.name.clone()),
            "AccountLocationId": o.location_id, "AccountLocationName": location,
            "ContactId": o.contact_id, "ContactFirstName": contact.map(|c| c.first_name.clone()),
            "ContactLastName": contact.map(|c| c.last_name.clone()),
            "TypeId": o.type_id, "Type": name_of(&l.opp_types, o.type_id),
            "Probability": o.probability, "RatingId": o.rating_id,
            "Rating": name_of(&l.ratings, o.rating_id),
            "LeadSourceId": o.lead_source_id,
            "LeadSource": o.lead_source_id.and_then(|id| name_of(&l.lead_sources, id)),
            "SalesRepresentativeUserId": o.sales_rep_id,
            "SalesRepresentativeFirstName": rep_first, "SalesRepresentativeLastName": rep_last,
            "Amount": o.amount, "InPipeline": in_pipeline(store, o),
            "Description": o.description, "CustomerPO": o.customer_po,
            "CloseDate": iso(Some(o.close_date)),
            "ProbabilityAdjustedRevenue": o.amount * o.probability / 100.0,
            "CreatedBy": API_USER_ID, "CreatedOn": iso(Some(o.created_on)),
            "ModifiedBy": API_USER_ID, "ModifiedOn": iso(Some(o.modified_on)),
        }),
    )
}

fn list(call: &Call, store: &Store) -> Handled {
    let a = &call.args;
    let items = store
        .opportunities
        .iter()
        .filter(|o| {
            a.int("Filter.StatusId")
                .is_none_or(|id| i64::from(o.status_id) == id)
        })
        .filter(|o| {
            a.int("Filter.AccountId")
                .is_none_or(|id| i64::from(o.account_id) == id)
        })
        .filter(|o| {
            a.int("Filter.TypeId")
                .is_none_or(|id| i64::from(o.type_id) == id)
        })
        .filter(|o| {
            a.int("Filter.SalesRepresentativeUserId")
                .is_none_or(|id| i64::from(o.sales_rep_id) == id)
        })
        .filter(|o| {
            a.bool("Filter.InPipeline")
                .is_none_or(|v| in_pipeline(store, o) == v)
        })
        .filter(|o| {
            in_range(a, "CreatedOn", o.created_on) && in_range(a, "ModifiedOn", o.modified_on)
        })
        .map(|o| render(call, store, o))
        .collect();
    Ok(page(items, a))
}

fn get(call: &Call, store: &Store) -> Handled {
    let o = find(store, call.path_i32("id")?)?;
    Ok(Reply::Value(render(call, store, o)))
}

/// `POST` (no id) and `PUT` (id) of an `OpportunityInputDto`.
fn save(call: &Call, store: &mut Store, id: Option<i32>) -> Handled {
    if let Some(id) = id {
        find(store, id)?;
    }
    let l = &store.lookups;
    let account_id = call.body_i32("AccountId");
    let location_id = call.body_i32("AccountLocationId");
    store
        .account(account_id)
        .ok_or_else(|| unknown_id("AccountId", account_id))?;
    if store
        .location(location_id)
        .is_none_or(|(a, _)| a.id != account_id)
    {
        return Err(ApiError::invalid(format!(
            "AccountLocationId {location_id} is not a location of account {account_id}."
        )));
    }
    let contact_id = call.body_opt_i32("ContactId").filter(|c| *c != 0);
    if let Some(c) =
        contact_id.filter(|c| store.contact(*c).is_none_or(|c| c.account_id != account_id))
    {
        return Err(ApiError::invalid(format!(
            "ContactId {c} is not a contact of account {account_id}."
        )));
    }
    let checks = [
        (
            "StatusId",
            call.body_i32("StatusId"),
            l.opp_status(call.body_i32("StatusId")).is_some(),
        ),
        (
            "TypeId",
            call.body_i32("TypeId"),
            name_of(&l.opp_types, call.body_i32("TypeId")).is_some(),
        ),
        (
            "RatingId",
            call.body_i32("RatingId"),
            name_of(&l.ratings, call.body_i32("RatingId")).is_some(),
        ),
        (
            "SalesRepresentativeUserId",
            call.body_i32("SalesRepresentativeUserId"),
            l.assignee(call.body_i32("SalesRepresentativeUserId"))
                .is_some(),
        ),
    ];
    if let Some((field, id, _)) = checks.iter().find(|(_, _, ok)| !ok) {
        return Err(unknown_id(field, *id));
    }
    let lead_source_id = call.body_opt_i32("LeadSourceId").filter(|s| *s != 0);
    if let Some(s) = lead_source_id.filter(|s| name_of(&l.lead_sources, *s).is_none()) {
        return Err(unknown_id("LeadSourceId", s));
    }
    let now = clock::now_unix();
    let new_id = id.unwrap_or_else(|| store.next_opportunity_id());
    let created_on = id
        .and_then(|id| store.opportunity(id))
        .map_or(now, |o| o.created_on);
    let opportunity = Opportunity {
        id: new_id,
        subject: call.body_str("Subject").unwrap_or_default(),
        status_id: call.body_i32("StatusId"),
        account_id,
        location_id,
        contact_id,
        type_id: call.body_i32("TypeId"),
        probability: call.body_f64("Probability"),
        rating_id: call.body_i32("RatingId"),
        lead_source_id,
        sales_rep_id: call.body_i32("SalesRepresentativeUserId"),
        amount: call.body_f64("Amount"),
        description: call.body_str("Description"),
        customer_po: call.body_str("CustomerPO"),
        close_date: call.body_date("CloseDate")?.unwrap_or(now),
        created_on,
        modified_on: now,
    };
    store.opportunities.retain(|o| o.id != new_id);
    store.opportunities.push(opportunity);
    store.opportunities.sort_by_key(|o| o.id);
    let o = find(store, new_id)?;
    Ok(Reply::Value(render(call, store, o)))
}

fn render_note(call: &Call, store: &Store, n: &OpportunityNote) -> Value {
    call.dto(
        "OpportunityNoteOutputDto",
        json!({"Id": n.id, "Note": n.note, "CreatedBy": n.created_by,
               "CreatedOn": iso(Some(n.created_on)), "ModifiedBy": n.created_by,
               "ModifiedOn": iso(Some(n.modified_on)),
               "CreatedByName": store.user_name(n.created_by),
               "ModifiedByName": store.user_name(n.created_by)}),
    )
}

fn notes(call: &Call, store: &Store) -> Handled {
    let o = find(store, call.path_i32("id")?)?;
    let items = store
        .opportunity_notes
        .iter()
        .filter(|n| n.opportunity_id == o.id)
        .map(|n| render_note(call, store, n))
        .collect();
    Ok(page(items, &call.args))
}

fn add_note(call: &Call, store: &mut Store) -> Handled {
    let opportunity_id = find(store, call.path_i32("id")?)?.id;
    let now = clock::now_unix();
    let note = OpportunityNote {
        id: store.next_opportunity_note_id(),
        opportunity_id,
        note: call.body_str("Note").unwrap_or_default(),
        created_by: API_USER_ID,
        created_on: now,
        modified_on: now,
    };
    let rendered = render_note(call, store, &note);
    store.opportunity_notes.push(note);
    Ok(Reply::Value(rendered))
}

fn edit_note(call: &Call, store: &mut Store) -> Handled {
    let opportunity_id = find(store, call.path_i32("opportunityId")?)?.id;
    let note_id = call.path_i32("noteId")?;
    let text = call.body_str("Note").unwrap_or_default();
    let note = store
        .opportunity_notes
        .iter_mut()
        .find(|n| n.id == note_id && n.opportunity_id == opportunity_id)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Note {note_id} was not found on opportunity {opportunity_id}."
            ))
        })?;
    note.note = text;
    note.modified_on = clock::now_unix();
    let note = note.clone();
    Ok(Reply::Value(render_note(call, store, &note)))
}

fn statuses(call: &Call, store: &Store) -> Handled {
    let items = store
        .lookups
        .opp_statuses
        .iter()
        .map(|s| {
            call.dto(
                "OpportunityStatusLookupOutputDto",
                json!({"Id": s.id, "Name": s.name, "Probability": s.probability, "IsActive": true,
                       "IsPipeline": s.in_pipeline, "StatusActionId": s.action_id,
                       "StatusActionName": s.action_name}),
            )
        })
        .collect();
    Ok(page(items, &call.args))
}
