//! The IT Glue sub-system: BMS contact/account → IT Glue id lookups, and IT Glue notes.

use serde_json::json;

use super::{Call, Handled, Reply};
use crate::store::Store;
use crate::wire::ApiError;

/// IT Glue operations the sandbox simulates.
pub fn dispatch(key: &str, call: &Call, store: &mut Store) -> Option<Handled> {
    Some(match key {
        "GET /v2/integrations/itglue/contacts/{contactId}/lookup" => contact_lookup(call, store),
        "GET /v2/integrations/itglue/accounts/{accountId}/lookup" => account_lookup(call, store),
        "GET /v2/integrations/itglue/contacts/{itgContactId}/notes" => {
            contact_notes(call, store, false)
        }
        "PUT /v2/integrations/itglue/contacts/{itgContactId}/notes" => {
            contact_notes(call, store, true)
        }
        "GET /v2/integrations/itglue/accounts/{itgAccountId}/notes" => {
            organization_notes(call, store, false)
        }
        "PUT /v2/integrations/itglue/accounts/{itgAccountId}/notes" => {
            organization_notes(call, store, true)
        }
        _ => return None,
    })
}

fn contact_lookup(call: &Call, store: &Store) -> Handled {
    let contact_id = call.path_i32("contactId")?;
    store
        .contact(contact_id)
        .ok_or_else(|| ApiError::not_found(format!("Contact {contact_id} was not found.")))?;
    let itg = store
        .itglue_contacts
        .iter()
        .find(|c| c.contact_id == contact_id)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Contact {contact_id} is not linked to an IT Glue contact."
            ))
        })?;
    Ok(Reply::Value(call.dto(
        "ITGLookupOutputDto",
        json!({"Id": itg.id, "Name": itg.name}),
    )))
}

fn account_lookup(call: &Call, store: &Store) -> Handled {
    let account_id = call.path_i32("accountId")?;
    store
        .account(account_id)
        .ok_or_else(|| ApiError::not_found(format!("Account {account_id} was not found.")))?;
    let org = store
        .itglue_organizations
        .iter()
        .find(|o| o.account_id == account_id)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Account {account_id} is not linked to an IT Glue organization."
            ))
        })?;
    Ok(Reply::Value(call.dto(
        "ITGLookupOutputDto",
        json!({"Id": org.id, "Name": org.name}),
    )))
}

fn contact_notes(call: &Call, store: &mut Store, write: bool) -> Handled {
    let id = call.path_i64("itgContactId")?;
    let contact = store
        .itglue_contacts
        .iter_mut()
        .find(|c| c.id == id)
        .ok_or_else(|| ApiError::not_found(format!("IT Glue contact {id} was not found.")))?;
    if write {
        contact.notes = call.body_str("Notes");
    }
    Ok(Reply::Value(call.dto(
        "ITGContactNotesOutputDto",
        json!({"Notes": contact.notes}),
    )))
}

fn organization_notes(call: &Call, store: &mut Store, write: bool) -> Handled {
    let id = call.path_i64("itgAccountId")?;
    let org = store
        .itglue_organizations
        .iter_mut()
        .find(|o| o.id == id)
        .ok_or_else(|| ApiError::not_found(format!("IT Glue organization {id} was not found.")))?;
    if write {
        org.notes = call.body_str("Notes");
    }
    Ok(Reply::Value(call.dto(
        "ITGOrganizationNotesOutputDto",
        json!({"Notes": org.notes}),
    )))
}
