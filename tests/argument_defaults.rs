//! Arguments an agent may leave out because BMS has a sensible value for them: the tenant's
//! default note type, ticket type, source and priority (the lookup entry flagged `IsDefault`),
//! an account's main location (`IsMain`), and "now" for note and open dates. And names for the
//! IDs whose lookup is keyed by another argument (an account's locations).

mod common;

use common::Harness;
use serde_json::{Value, json};

/// The tenant's table rows, read the way the server reads them (through the lookup tool).
async fn table(h: &Harness, table_name: &str) -> Vec<Value> {
    let result = h
        .call(
            "list_all_kaseya_bms_system_table_lookup",
            json!({ "table_name": table_name }),
        )
        .await;
    assert_eq!(result["isError"], false, "{result}");
    result["structuredContent"]["items"]
        .as_array()
        .expect("items")
        .clone()
}

fn flagged(rows: &[Value]) -> &Value {
    rows.iter()
        .find(|r| r["isDefault"] == true)
        .expect("the tenant flags a default")
}

fn named<'a>(rows: &'a [Value], name: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {rows:?}"))
}

/// The body of the last request to `operation` that reached the sandbox.
async fn last_body(h: &Harness, operation: &str) -> Value {
    h.upstream_requests()
        .await
        .iter()
        .rev()
        .find(|r| r["operation"] == operation)
        .unwrap_or_else(|| panic!("no {operation} reached the sandbox"))["body"]
        .clone()
}

fn unix(text: &str) -> i64 {
    bms_mcp::store::parse_rfc3339(text).unwrap_or_else(|| panic!("not RFC 3339: {text}"))
}

#[tokio::test]
async fn a_note_without_type_or_date_gets_the_tenants_default_type_and_now() {
    let h = Harness::start().await;
    let default_type = flagged(&table(&h, "NoteTypes").await)["id"].clone();
    let before = bms_mcp::store::unix_now();
    let result = h
        .call(
            "create_a_kaseya_bms_servicedesk_ticket_note",
            json!({"ticket_id": 50001, "details": "Checked the logs.", "is_internal": true}),
        )
        .await;
    assert_eq!(result["isError"], false, "{result}");
    let body = last_body(&h, "POST /v2/servicedesk/tickets/{ticketId}/notes").await;
    assert_eq!(body["TypeId"], default_type);
    let sent = unix(body["NoteDate"].as_str().expect("NoteDate sent"));
    assert!(
        (before..=bms_mcp::store::unix_now()).contains(&sent),
        "NoteDate is the time of the call: {body}"
    );
}

#[tokio::test]
async fn a_given_note_type_and_date_win_over_the_defaults() {
    let h = Harness::start().await;
    let rows = table(&h, "NoteTypes").await;
    let chosen = rows
        .iter()
        .find(|r| r["isDefault"] != true)
        .expect("a non-default note type");
    let name = chosen["name"].as_str().expect("name").to_lowercase();
    let result = h
        .call(
            "create_a_kaseya_bms_servicedesk_ticket_note",
            json!({"ticket_id": 50001, "details": "Called back.", "is_internal": false,
                   "note_type": name, "note_date": "2026-11-26T09:00:00Z"}),
        )
        .await;
    assert_eq!(result["isError"], false, "{result}");
    let body = last_body(&h, "POST /v2/servicedesk/tickets/{ticketId}/notes").await;
    assert_eq!(body["TypeId"], chosen["id"]);
    assert_eq!(body["NoteDate"], "2026-11-26T09:00:00Z");
}

#[tokio::test]
async fn an_unknown_note_type_name_suggests_the_tenants_names() {
    let h = Harness::start().await;
    let rows = table(&h, "NoteTypes").await;
    let result = h
        .call(
            "create_a_kaseya_bms_assignticket",
            json!({"ticket_id": 50001, "details": "Handing over.", "is_internal": true,
                   "status_id": 302, "note_type": "Internal"}),
        )
        .await;
    assert_eq!(result["isError"], true);
    let text = Harness::text(&result);
    let internal = rows
        .iter()
        .find(|r| {
            r["name"]
                .as_str()
                .is_some_and(|n| n.to_lowercase().contains("internal"))
        })
        .expect("an internal note type");
    assert!(
        text.contains("no note type is named \"Internal\"; did you mean")
            && text.contains(internal["name"].as_str().expect("name")),
        "{text}"
    );
}

#[tokio::test]
async fn a_ticket_is_created_from_names_with_the_tenants_defaults() {
    let h = Harness::start().await;
    let state = h.sandbox_get("/_sandbox/state").await;
    let acme = state["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .find(|a| a["name"] == "Acme Corp")
        .expect("Acme")
        .clone();
    let main = acme["locations"]
        .as_array()
        .expect("locations")
        .iter()
        .find(|l| l["is_main"] == true)
        .expect("a main location")["id"]
        .clone();
    let before = bms_mcp::store::unix_now();
    let result = h
        .call(
            "create_a_kaseya_bms_servicedesk_ticket",
            json!({"title": "Printer offline", "details": "The 3rd floor printer is offline.",
                   "account": "acme corp", "status": "New", "queue": "Service Desk"}),
        )
        .await;
    assert_eq!(result["isError"], false, "{result}");
    let body = last_body(&h, "POST /v2/servicedesk/tickets").await;
    assert_eq!(body["AccountId"], acme["id"]);
    assert_eq!(body["LocationId"], main, "the account's main location");
    assert_eq!(
        body["TypeId"],
        flagged(&table(&h, "TicketTypes").await)["id"]
    );
    assert_eq!(
        body["SourceId"],
        flagged(&table(&h, "TicketSources").await)["id"]
    );
    let priorities = h
        .call("list_all_kaseya_bms_priorities_lookup", json!({}))
        .await;
    let priorities = priorities["structuredContent"]["items"]
        .as_array()
        .expect("priorities")
        .clone();
    assert_eq!(body["PriorityId"], flagged(&priorities)["id"]);
    assert!(unix(body["OpenDate"].as_str().expect("OpenDate")) >= before);
}

#[tokio::test]
async fn a_location_is_named_among_the_accounts_own_locations() {
    let h = Harness::start().await;
    let state = h.sandbox_get("/_sandbox/state").await;
    let accounts = state["accounts"].as_array().expect("accounts");
    let (account, location) = accounts
        .iter()
        .find_map(|a| {
            let other = a["locations"]
                .as_array()?
                .iter()
                .find(|l| l["is_main"] != true)?;
            Some((a.clone(), other.clone()))
        })
        .expect("an account with a second location");
    let result = h
        .call(
            "create_a_kaseya_bms_servicedesk_ticket",
            json!({"title": "VPN down", "details": "No VPN at the branch.",
                   "account_id": account["id"], "location": location["name"],
                   "status": "New", "ticket_type": named(&table(&h, "TicketTypes").await, "Incident")["name"]}),
        )
        .await;
    assert_eq!(result["isError"], false, "{result}");
    let body = last_body(&h, "POST /v2/servicedesk/tickets").await;
    assert_eq!(body["LocationId"], location["id"]);
    let lookups: Vec<String> = h
        .upstream_requests()
        .await
        .iter()
        .filter_map(|r| r["path"].as_str().map(str::to_owned))
        .filter(|p| p.ends_with("/locations/lookup"))
        .collect();
    assert_eq!(
        lookups,
        [format!(
            "/v2/crm/accounts/{}/locations/lookup",
            account["id"]
        )]
    );
}

#[tokio::test]
async fn a_location_name_without_an_account_is_refused_before_any_lookup() {
    let h = Harness::start().await;
    h.clear_upstream_requests().await;
    let result = h
        .call(
            "create_a_kaseya_bms_servicedesk_ticket",
            json!({"title": "VPN down", "details": "No VPN.", "location": "Main Office", "status": "New"}),
        )
        .await;
    assert_eq!(result["isError"], true);
    assert!(
        Harness::text(&result)
            .contains("account_id: is required: give the ID, or its name as `account`"),
        "{result}"
    );
    assert!(h.upstream_requests().await.is_empty(), "nothing was sent");
}
