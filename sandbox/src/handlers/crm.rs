//! CRM accounts and contacts: summaries, lookups, search and contact creation.

use serde_json::{Value, json};

use super::{Call, Handled, Reply, contains_ci, in_range, iso, page};
use crate::clock;
use crate::config::DEFAULT_TENANT;
use crate::store::{Account, Contact, Location, Store, name_of};
use crate::wire::ApiError;

/// Account and contact operations the sandbox simulates.
pub fn dispatch(key: &str, call: &Call, store: &mut Store) -> Option<Handled> {
    Some(match key {
        "GET /v2/crm/accounts/summary" => account_summaries(call, store),
        "GET /v2/crm/accounts/summary/{id}" => account_summary(call, store),
        "GET /v2/crm/accounts/lookup" => account_lookup(call, store),
        "GET /v2/crm/accounts/{accountId}/contacts/lookup" => account_contacts(call, store),
        "GET /v2/crm/accounts/{accountId}/locations/lookup" => account_locations(call, store),
        "GET /v2/crm/contacts/summary" => contact_summaries(call, store),
        "GET /v2/crm/contacts/summary/{id}" => contact_summary(call, store),
        "GET /v2/crm/contacts/search" => contact_search(call, store),
        "POST /v2/crm/contacts/summary" => create_contact(call, store),
        _ => return None,
    })
}

fn find_account(store: &Store, id: i32) -> Result<&Account, ApiError> {
    store
        .account(id)
        .ok_or_else(|| ApiError::not_found(format!("Account {id} was not found.")))
}

fn render_location(call: &Call, account: &Account, l: &Location) -> Value {
    let address = call.dto(
        "AccountAddressOutputDto",
        json!({"Id": l.id, "Address1": l.address1, "City": l.city, "State": l.state,
               "ZipCode": l.zip, "CountryId": 1, "Country": "United States", "Phone": l.phone,
               "IsMain": true, "IsBilling": l.is_main, "CreatedOn": iso(Some(account.created_on))}),
    );
    call.dto(
        "AccountLocationOutputDto",
        json!({"Id": l.id, "LocationName": l.name, "IsMain": l.is_main, "IsActive": true,
               "CreatedOn": iso(Some(account.created_on)), "Addresses": [address]}),
    )
}

fn render_account(call: &Call, store: &Store, a: &Account) -> Value {
    let locations: Vec<Value> = a
        .locations
        .iter()
        .map(|l| render_location(call, a, l))
        .collect();
    call.dto(
        "AccountSummaryOutputDto",
        json!({"Id": a.id, "AccountCode": a.code, "AccountName": a.name,
               "AccountTypeId": a.type_id, "AccountType": name_of(&store.lookups.account_types, a.type_id),
               "IsActive": a.is_active, "IsBilling": true, "Website": a.website,
               "CreatedOn": iso(Some(a.created_on)), "ModifiedOn": iso(Some(a.created_on)),
               "TenantName": DEFAULT_TENANT, "CurrencyName": "USD", "Locations": locations}),
    )
}

fn account_summaries(call: &Call, store: &Store) -> Handled {
    let a = &call.args;
    let type_name =
        |acc: &Account| name_of(&store.lookups.account_types, acc.type_id).unwrap_or_default();
    let items = store
        .accounts
        .iter()
        .filter(|acc| {
            a.str("Filter.AccountName")
                .is_none_or(|n| contains_ci(&acc.name, n))
        })
        .filter(|acc| {
            a.str("Filter.AccountCode")
                .is_none_or(|n| contains_ci(&acc.code, n))
        })
        .filter(|acc| {
            a.int("Filter.AccountTypeId")
                .is_none_or(|id| i64::from(acc.type_id) == id)
        })
        .filter(|acc| {
            a.str("Filter.AccountTypeName")
                .is_none_or(|n| type_name(acc).eq_ignore_ascii_case(n))
        })
        .filter(|acc| a.bool("Filter.IsActive").is_none_or(|v| acc.is_active == v))
        .filter(|acc| in_range(a, "CreatedOn", acc.created_on))
        .filter(|acc| in_range(a, "ModifiedOn", acc.created_on))
        .map(|acc| render_account(call, store, acc))
        .collect();
    Ok(page(items, a))
}

fn account_summary(call: &Call, store: &Store) -> Handled {
    let account = find_account(store, call.path_i32("id")?)?;
    Ok(Reply::Value(render_account(call, store, account)))
}

fn account_lookup(call: &Call, store: &Store) -> Handled {
    let a = &call.args;
    let ids = a.int_list("Filter.Ids");
    let with_inactive = a.bool("Filter.WithInactiveAccounts").unwrap_or(false);
    let items = store
        .accounts
        .iter()
        .filter(|acc| ids.is_empty() || ids.contains(&i64::from(acc.id)))
        .filter(|acc| a.str("Filter.Name").is_none_or(|n| contains_ci(&acc.name, n)))
        .filter(|acc| with_inactive || acc.is_active)
        .map(|acc| {
            call.dto(
                "AccountLookupOutputDto",
                json!({"Id": acc.id, "Name": acc.name, "TenantName": DEFAULT_TENANT, "IsActive": acc.is_active}),
            )
        })
        .collect();
    Ok(page(items, a))
}

fn account_contacts(call: &Call, store: &Store) -> Handled {
    let account = find_account(store, call.path_i32("accountId")?)?;
    let a = &call.args;
    let items = store
        .contacts
        .iter()
        .filter(|c| c.account_id == account.id && c.is_active)
        .filter(|c| {
            a.str("Filter.Name")
                .is_none_or(|n| contains_ci(&c.full_name(), n))
        })
        .filter(|c| {
            a.int("Filter.LocationId")
                .is_none_or(|id| i64::from(c.location_id) == id)
        })
        .map(|c| {
            let location = store.location(c.location_id).map(|(_, l)| l.name.clone());
            call.dto(
                "ContactLookupOutputDto",
                json!({"Id": c.id, "Name": c.full_name(), "LocationId": c.location_id,
                       "LocationName": location, "Phone": c.phone, "EmailAddress": c.email}),
            )
        })
        .collect();
    Ok(page(items, a))
}

fn account_locations(call: &Call, store: &Store) -> Handled {
    let account = find_account(store, call.path_i32("accountId")?)?;
    let items = account
        .locations
        .iter()
        .map(|l| {
            call.dto(
                "AccountLocationLookupOutputDto",
                json!({"Id": l.id, "Name": l.name, "AccountId": account.id, "IsMain": l.is_main}),
            )
        })
        .collect();
    Ok(page(items, &call.args))
}

fn render_contact(call: &Call, store: &Store, c: &Contact) -> Value {
    let account = store.account(c.account_id);
    let location = store.location(c.location_id).map(|(_, l)| l.name.clone());
    let emails: Vec<Value> = c
        .email
        .iter()
        .map(|e| {
            call.dto(
                "ContactEmailOutputDto",
                json!({"Id": c.id, "EmailAddress": e, "EmailTypeId": 1, "EmailType": "Work", "IsDefault": true}),
            )
        })
        .collect();
    let phones: Vec<Value> = c
        .phone
        .iter()
        .map(|p| {
            call.dto(
                "ContactPhoneOutputDto",
                json!({"Id": c.id, "Phone": p, "PhoneTypeId": 1, "PhoneType": "Work", "IsDefault": true}),
            )
        })
        .collect();
    call.dto(
        "ContactsSummaryOutputDto",
        json!({"Id": c.id, "AccountId": c.account_id, "AccountName": account.map(|a| a.name.clone()),
               "LocationId": c.location_id, "LocationName": location,
               "FirstName": c.first_name, "LastName": c.last_name, "JobTitle": c.job_title,
               "IsPoc": c.is_poc, "IsActive": c.is_active, "IsBillable": false,
               "CreatedOn": iso(Some(c.created_on)), "ModifiedOn": iso(Some(c.created_on)),
               "Emails": emails, "Phones": phones, "CanRecieveInvoices": c.is_poc}),
    )
}

fn contact_summaries(call: &Call, store: &Store) -> Handled {
    let a = &call.args;
    let account_name = |c: &Contact| {
        store
            .account(c.account_id)
            .map(|acc| acc.name.clone())
            .unwrap_or_default()
    };
    let items = store
        .contacts
        .iter()
        .filter(|c| {
            a.int("Filter.AccountId")
                .is_none_or(|id| i64::from(c.account_id) == id)
        })
        .filter(|c| {
            a.str("Filter.AccountName")
                .is_none_or(|n| contains_ci(&account_name(c), n))
        })
        .filter(|c| {
            a.str("Filter.FirstName")
                .is_none_or(|n| contains_ci(&c.first_name, n))
        })
        .filter(|c| {
            a.str("Filter.LastName")
                .is_none_or(|n| contains_ci(&c.last_name, n))
        })
        .filter(|c| {
            a.str("Filter.Phone")
                .is_none_or(|n| c.phone.as_deref().is_some_and(|p| contains_ci(p, n)))
        })
        .filter(|c| {
            a.str("Filter.Email")
                .is_none_or(|n| c.email.as_deref().is_some_and(|e| contains_ci(e, n)))
        })
        .filter(|c| a.bool("Filter.IsActive").is_none_or(|v| c.is_active == v))
        .filter(|c| in_range(a, "CreatedOn", c.created_on))
        .filter(|c| in_range(a, "ModifiedOn", c.created_on))
        .map(|c| render_contact(call, store, c))
        .collect();
    Ok(page(items, a))
}

fn contact_summary(call: &Call, store: &Store) -> Handled {
    let id = call.path_i32("id")?;
    let contact = store
        .contact(id)
        .ok_or_else(|| ApiError::not_found(format!("Contact {id} was not found.")))?;
    Ok(Reply::Value(render_contact(call, store, contact)))
}

fn contact_search(call: &Call, store: &Store) -> Handled {
    let a = &call.args;
    let ids = a.int_list("Filter.Ids");
    let account_ids = a.int_list("Filter.AccountIds");
    let items = store
        .contacts
        .iter()
        .filter(|c| ids.is_empty() || ids.contains(&i64::from(c.id)))
        .filter(|c| account_ids.is_empty() || account_ids.contains(&i64::from(c.account_id)))
        .filter_map(|c| {
            let account = store.account(c.account_id)?;
            let location = store.location(c.location_id).map(|(_, l)| l.name.clone()).unwrap_or_default();
            let text_ok = [
                ("Filter.AccountName", account.name.as_str()),
                ("Filter.LocationName", location.as_str()),
                ("Filter.FirstName", c.first_name.as_str()),
                ("Filter.LastName", c.last_name.as_str()),
                ("Filter.EmailAddress", c.email.as_deref().unwrap_or_default()),
                ("Filter.JobTitle", c.job_title.as_deref().unwrap_or_default()),
            ]
            .iter()
            .all(|(name, value)| a.str(name).is_none_or(|n| contains_ci(value, n)));
            let ok = text_ok
                && a.int("Filter.LocationId").is_none_or(|id| i64::from(c.location_id) == id)
                && a.bool("Filter.IsPoc").is_none_or(|v| c.is_poc == v)
                && a.bool("Filter.HasClientPortalAccess").is_none_or(|v| !v)
                && a.bool("Filter.IsActive").is_none_or(|v| c.is_active == v);
            ok.then(|| {
                call.dto(
                    "ContactsSearchSelectOutputDto",
                    json!({"Id": c.id, "AccountId": c.account_id, "AccountName": account.name,
                           "LocationId": c.location_id, "LocationName": location,
                           "FirstName": c.first_name, "LastName": c.last_name, "JobTitle": c.job_title,
                           "EmailAddress": c.email, "IsPoc": c.is_poc, "IsActive": c.is_active,
                           "HasClientPortalAccess": false}),
                )
            })
        })
        .collect();
    Ok(page(items, a))
}

fn create_contact(call: &Call, store: &mut Store) -> Handled {
    let account_id = call.body_i32("AccountId");
    let location_id = call.body_i32("LocationId");
    let account = find_account(store, account_id).map_err(|_| {
        ApiError::invalid(format!(
            "AccountId {account_id} does not exist in this tenant; look it up first."
        ))
    })?;
    if !account.locations.iter().any(|l| l.id == location_id) {
        return Err(ApiError::invalid(format!(
            "LocationId {location_id} is not a location of account {account_id}; see GET /v2/crm/accounts/{account_id}/locations/lookup."
        )));
    }
    let first_of = |list: &str, field: &str| {
        call.body
            .as_ref()
            .and_then(|b| b.get(list))
            .and_then(Value::as_array)
            .and_then(|items| {
                items
                    .iter()
                    .find(|i| i.get("IsDefault") == Some(&Value::Bool(true)))
                    .or(items.first())
            })
            .and_then(|i| i.get(field))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let contact = Contact {
        id: store.next_contact_id(),
        account_id,
        location_id,
        first_name: call.body_str("FirstName").unwrap_or_default(),
        last_name: call.body_str("LastName").unwrap_or_default(),
        job_title: None,
        email: first_of("Emails", "EmailAddress"),
        phone: first_of("Phones", "PhoneNumber"),
        is_poc: false,
        is_active: true,
        created_on: clock::now_unix(),
    };
    let account_name = account.name.clone();
    let location = store.location(location_id).map(|(_, l)| l.name.clone());
    let result = call.dto(
        "ContactSummaryOutputDto",
        json!({"Id": contact.id, "FirstName": contact.first_name, "LastName": contact.last_name,
               "AccountId": account_id, "AccountName": account_name, "LocationId": location_id,
               "LocationName": location, "PhoneNumber": contact.phone, "EmailAddress": contact.email,
               "CustomFieldsData": []}),
    );
    store.contacts.push(contact);
    Ok(Reply::Value(result))
}
