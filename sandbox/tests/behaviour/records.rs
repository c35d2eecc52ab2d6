//! Accounts, contacts, opportunities, IT Glue and lookups: the reads agents chain together.

use reqwest::{Method, StatusCode};
use serde_json::json;

use bms_mcp_sandbox::seed;

use crate::common::Harness;

#[tokio::test]
async fn an_itglue_contact_lookup_leads_to_notes_requiring_an_sso_bypass() {
    let h = Harness::demo().await;
    let lookup = h
        .get(&format!(
            "/v2/integrations/itglue/contacts/{}/lookup",
            seed::ALICE_CONTACT_ID
        ))
        .await;
    let itg_id = lookup.json["result"]["id"].as_i64().expect("an int64 id");
    assert!(itg_id > i64::from(i32::MAX), "IT Glue ids exceed int32");
    let notes = h
        .get(&format!("/v2/integrations/itglue/contacts/{itg_id}/notes"))
        .await;
    assert!(
        notes.json["result"]["notes"]
            .as_str()
            .is_some_and(|n| n.contains("SSO bypass required"))
    );
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn itglue_contact_notes_can_be_replaced() {
    let h = Harness::demo().await;
    let path = format!(
        "/v2/integrations/itglue/contacts/{}/notes",
        seed::ALICE_ITG_CONTACT_ID
    );
    let put = h
        .send(
            Method::PUT,
            &path,
            Some(json!({"notes": "Updated by test."})),
        )
        .await;
    assert_eq!(put.json["result"]["notes"], json!("Updated by test."));
    assert_eq!(
        h.get(&path).await.json["result"]["notes"],
        json!("Updated by test.")
    );
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn account_summary_by_id_is_the_bare_dto_without_envelope() {
    let h = Harness::demo().await;
    let a = h
        .get(&format!(
            "/v2/crm/accounts/summary/{}",
            seed::ACME_ACCOUNT_ID
        ))
        .await;
    assert_eq!(a.json["accountName"], json!("Acme Corp"));
    assert!(a.json.get("success").is_none());
    assert_eq!(
        a.json["locations"][0]["addresses"][0]["city"],
        json!("Springfield")
    );
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_accounts_lookup_hides_inactive_accounts_unless_asked() {
    let h = Harness::demo().await;
    let active = h.get("/v2/crm/accounts/lookup").await.json["result"]
        .as_array()
        .map(Vec::len);
    let all = h
        .get("/v2/crm/accounts/lookup?Filter.WithInactiveAccounts=true")
        .await
        .json["result"]
        .as_array()
        .map(Vec::len);
    assert_eq!((active, all), (Some(4), Some(5)));
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_contact_created_through_summary_can_be_read_back() {
    let h = Harness::demo().await;
    let created = h
        .post(
            "/v2/crm/contacts/summary",
            json!({"FirstName": "Wile", "LastName": "Coyote", "AccountId": seed::ACME_ACCOUNT_ID,
                   "LocationId": seed::ACME_HQ_LOCATION_ID,
                   "Emails": [{"EmailAddress": "wile@acme.example", "EmailTypeId": 1, "IsDefault": true}]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let id = created.json["result"]["id"].as_i64().expect("an id");
    let read = h.get(&format!("/v2/crm/contacts/summary/{id}")).await;
    assert_eq!(read.json["firstName"], json!("Wile"));
    assert_eq!(
        read.json["emails"][0]["emailAddress"],
        json!("wile@acme.example")
    );
    let found = h
        .get("/v2/crm/contacts/search?Filter.LastName=coyote")
        .await;
    assert_eq!(found.json["result"].as_array().map(Vec::len), Some(1));
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn opportunities_filter_by_pipeline_and_take_notes() {
    let h = Harness::demo().await;
    let open = h
        .get("/v2/crm/opportunities?Filter.InPipeline=true&Filter.AccountId=10001")
        .await;
    let subjects: Vec<&str> = open.json["result"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|o| o["subject"].as_str())
        .collect();
    assert_eq!(subjects, vec!["Acme Corp Q3 Expansion"]);
    let path = format!(
        "/v2/crm/opportunities/{}/notes",
        seed::ACME_Q3_OPPORTUNITY_ID
    );
    let added = h
        .post(&path, json!({"note": "Call scheduled with Alice."}))
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    let notes = h.get(&path).await;
    assert_eq!(notes.json["totalRecords"], json!(3));
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn note_types_come_from_the_generic_lookup_table() {
    let h = Harness::demo().await;
    let a = h.get("/v2/system/lookup/notetypes").await;
    let names: Vec<&str> = a.json["result"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(names, vec!["Internal Note", "Customer Note", "Resolution"]);
    let unknown = h.get("/v2/system/lookup/Nonsense").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_empty_seed_has_lookups_but_no_tickets() {
    let config = bms_mcp_sandbox::SandboxConfig {
        seed: bms_mcp_sandbox::Seed::Empty,
        ..Default::default()
    };
    let h = Harness::start(config).await;
    assert_eq!(
        h.get("/v2/servicedesk/tickets").await.json["totalRecords"],
        json!(0)
    );
    assert_eq!(
        h.get("/v2/system/queues/lookup").await.json["result"][0]["name"],
        json!("Triage")
    );
    h.sandbox.shutdown().await;
}
