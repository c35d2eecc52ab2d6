//! QuickBooks Desktop reads under `/v2/integration/qbd/`. Binding has already refused calls
//! without `ExternalTenantId`; clients come from the tenant's accounts, the other reads answer
//! the spec's examples.

use serde_json::json;

use super::{Call, Handled, contains_ci, page};
use crate::store::Store;

/// QuickBooks operations the sandbox simulates.
pub fn dispatch(key: &str, call: &Call, store: &mut Store) -> Option<Handled> {
    match key {
        "GET /v2/integration/qbd/clients" => Some(clients(call, store)),
        _ => None,
    }
}

fn clients(call: &Call, store: &Store) -> Handled {
    let items = store
        .accounts
        .iter()
        .filter(|a| call.args.str("Filter.AccountName").is_none_or(|n| contains_ci(&a.name, n)))
        .map(|a| {
            let address = a.locations.iter().find(|l| l.is_main).map(|l| {
                call.dto(
                    "QbAddressDto",
                    json!({"Address1": l.address1, "City": l.city, "State": l.state, "ZipCode": l.zip,
                           "PhoneNumber": l.phone, "Country": "United States"}),
                )
            });
            call.dto(
                "QbAccountExportDto",
                json!({"Id": a.id, "Name": a.name, "Website": a.website, "IsActive": a.is_active,
                       "AccountCode": a.code, "AccountType": "Customer", "CurrencyCode": "USD",
                       "ExternalAccountId": format!("QB-{}", a.id),
                       "ShipAddress": address.clone(), "BillAddress": address}),
            )
        })
        .collect();
    Ok(page(items, &call.args))
}
