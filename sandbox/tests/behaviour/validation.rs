//! Binding and validation as ASP.NET does it, answered with the BMS error envelope.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::Harness;

#[tokio::test]
async fn a_name_where_an_id_belongs_is_refused_with_400_naming_the_parameter() {
    let h = Harness::demo().await;
    let a = h.get("/v2/servicedesk/tickets/Acme").await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.json["success"], json!(false));
    assert!(
        a.json["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("ticketId")),
        "{}",
        a.text
    );
    let q = h
        .get("/v2/servicedesk/tickets?Filter.AccountIds=Acme")
        .await;
    assert_eq!(q.status, StatusCode::BAD_REQUEST);
    assert!(
        q.json["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Filter.AccountIds"))
    );
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_missing_required_body_field_is_refused_naming_it() {
    let h = Harness::demo().await;
    let a = h
        .post(
            "/v2/servicedesk/tickets/50001/notes",
            json!({"IsInternal": true, "TypeId": 601, "NoteDate": "2026-06-22T10:00:00Z"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        a.json["error"]["message"],
        json!("The Details field is required.")
    );
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_body_field_of_the_wrong_type_is_refused_naming_it() {
    let h = Harness::demo().await;
    let a = h
        .post("/v2/crm/opportunities/80001/notes", json!({"Note": 42}))
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(
        a.json["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Note")),
        "{}",
        a.text
    );
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn quickbooks_operations_refuse_calls_without_external_tenant_id() {
    let h = Harness::demo().await;
    let without = h.get("/v2/integration/qbd/clients").await;
    assert_eq!(without.status, StatusCode::BAD_REQUEST);
    assert!(
        without.json["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("ExternalTenantId"))
    );
    let with = h
        .get("/v2/integration/qbd/clients?ExternalTenantId=qb-1")
        .await;
    assert_eq!(with.status, StatusCode::OK);
    assert_eq!(with.json["result"][0]["name"], json!("Acme Corp"));
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn an_unknown_ticket_is_404_in_the_envelope() {
    let h = Harness::demo().await;
    let a = h.get("/v2/servicedesk/tickets/99999").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.json["success"], json!(false));
    assert_eq!(a.json["result"], json!(null));
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn paths_match_case_insensitively_and_unknown_paths_are_404() {
    let h = Harness::demo().await;
    assert_eq!(
        h.get("/v2/CRM/Opportunities/Statuses/lookup").await.status,
        StatusCode::OK
    );
    assert_eq!(
        h.get("/v2/servicedesk/tikets").await.status,
        StatusCode::NOT_FOUND
    );
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn unknown_body_properties_are_ignored_and_logged() {
    let h = Harness::demo().await;
    let a = h
        .post(
            "/v2/crm/opportunities/80001/notes",
            json!({"note": "Hi", "colour": "blue"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let log = h
        .control(reqwest::Method::GET, "/_sandbox/requests", None)
        .await
        .json;
    let last = log
        .as_array()
        .and_then(|l| l.last())
        .cloned()
        .expect("logged");
    assert_eq!(last["ignored_body_properties"], json!(["$.colour"]));
    h.sandbox.shutdown().await;
}
