//! Tickets: paging, filters, search, and the workflows that change state.

use reqwest::StatusCode;
use serde_json::{Value, json};

use bms_mcp_sandbox::seed;

use crate::common::Harness;

fn ids(a: &crate::common::Answer) -> Vec<i64> {
    a.json["result"]
        .as_array()
        .map(|items| items.iter().filter_map(|t| t["id"].as_i64()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn lists_are_paged_with_total_records() {
    let h = Harness::demo().await;
    let page2 = h
        .get("/v2/servicedesk/tickets?PageSize=5&PageNumber=2")
        .await;
    assert_eq!(page2.status, StatusCode::OK);
    assert_eq!(ids(&page2), vec![50006, 50007, 50008, 50009, 50010]);
    let total = page2.json["totalRecords"]
        .as_u64()
        .expect("paged answers carry totalRecords");
    let last = h
        .get(&format!(
            "/v2/servicedesk/tickets?PageSize=5&PageNumber={}",
            total.div_ceil(5)
        ))
        .await;
    assert_eq!(ids(&last).len() as u64, total - 5 * (total.div_ceil(5) - 1));
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_queue_names_filter_returns_only_those_queues() {
    let h = Harness::demo().await;
    let a = h
        .get("/v2/servicedesk/tickets?Filter.QueueNames=triage")
        .await;
    let items = a.json["result"].as_array().expect("a list");
    assert_eq!(items.len(), 6);
    assert!(
        items
            .iter()
            .all(|t| t["queueName"] == json!("Triage") && t["assigneeId"].is_null())
    );
    assert_eq!(a.json["totalRecords"], json!(6));
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn priority_names_take_comma_separated_values_and_combine_with_other_filters() {
    let h = Harness::demo().await;
    let a = h
        .get("/v2/servicedesk/tickets?Filter.PriorityNames=High,Critical&Filter.Account=Acme&Filter.ExcludeCompleted=1")
        .await;
    assert_eq!(ids(&a), vec![50007, 50008, 50009, 50017]);
    let with_closed = h
        .get("/v2/servicedesk/tickets?Filter.PriorityNames=Critical&Filter.AccountIds=10001")
        .await;
    assert_eq!(ids(&with_closed), vec![50007, 50011, 50017]);
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_title_filter_matches_substrings_case_insensitively() {
    let h = Harness::demo().await;
    let a = h.get("/v2/servicedesk/tickets?Filter.Title=PASSWORD").await;
    assert_eq!(ids(&a), vec![50001, 50002, 50003, 50004, 50005, 50006]);
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn search_takes_filters_and_paging_from_the_body_in_any_casing() {
    let h = Harness::demo().await;
    let a = h
        .post(
            "/v2/servicedesk/tickets/search",
            json!({"filter": {"queueNames": "Security"}, "pageSize": 2}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(ids(&a), vec![50008, 50011]);
    assert_eq!(a.json["totalRecords"], json!(3));
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn assignticket_moves_the_ticket_and_adds_its_note_visibly() {
    let h = Harness::demo().await;
    let path = format!("/v2/servicedesk/tickets/{}", seed::PASSWORD_RESET_TICKET_ID);
    let a = h
        .post(
            &format!("{path}/assignticket"),
            json!({"Details": "SSO bypass needed: escalating to Security.", "IsInternal": true,
                   "TypeId": seed::INTERNAL_NOTE_TYPE_ID, "StatusId": seed::IN_PROGRESS_STATUS_ID,
                   "NoteDate": "2026-06-22T10:00:00Z", "QueueId": seed::SECURITY_QUEUE_ID,
                   "AssigneeId": seed::JORDAN_KIM_ASSIGNEE_ID}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert!(
        a.text.is_empty(),
        "the spec declares no body for assignticket"
    );
    let ticket = h.get(&path).await.json["result"].clone();
    assert_eq!(ticket["queueName"], json!("Security"));
    assert_eq!(ticket["assigneeName"], json!("Jordan Kim"));
    assert_eq!(ticket["statusName"], json!("In Progress"));
    let notes = h.get(&format!("{path}/notes")).await.json["result"].clone();
    assert!(
        notes
            .as_array()
            .expect("a list")
            .iter()
            .any(|n| n["details"] == json!("SSO bypass needed: escalating to Security."))
    );
    let state = h
        .control(reqwest::Method::GET, "/_sandbox/state", None)
        .await
        .json;
    let stored = state["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .find(|t| t["id"] == json!(seed::PASSWORD_RESET_TICKET_ID))
        .cloned()
        .expect("present");
    assert_eq!(stored["queue_id"], json!(seed::SECURITY_QUEUE_ID));
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_new_note_can_be_read_back_by_id() {
    let h = Harness::demo().await;
    let created = h
        .post(
            "/v2/servicedesk/tickets/50003/notes",
            json!({"details": "Reset done.", "isInternal": false, "typeId": 602, "noteDate": "2026-06-22T11:00:00Z"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let id = created.json["result"]["id"].as_i64().expect("an id");
    let read = h
        .get(&format!("/v2/servicedesk/tickets/50003/notes/{id}"))
        .await;
    assert_eq!(read.json["result"]["details"], json!("Reset done."));
    assert_eq!(read.json["result"]["typeName"], json!("Customer Note"));
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn resolve_closes_the_ticket_and_resolving_again_fails_with_http_200() {
    let h = Harness::demo().await;
    let resolved = h
        .post(
            "/v2/servicedesk/tickets/50003/resolve",
            json!({"comment": "Password reset completed."}),
        )
        .await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.text);
    assert_eq!(resolved.json["result"]["statusName"], json!("Resolved"));
    assert!(resolved.json["result"]["completedDate"].is_string());
    let again = h
        .post(
            "/v2/servicedesk/tickets/50003/resolve",
            json!({"comment": "Again."}),
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::OK,
        "business-rule failures come as HTTP 200"
    );
    assert_eq!(again.json["success"], json!(false));
    assert!(
        again.json["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("already"))
    );
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn merge_answers_a_job_id_whose_log_lists_the_merged_tickets() {
    let h = Harness::demo().await;
    let merged = h
        .post(
            "/v2/servicedesk/tickets/merge",
            json!({"DestinationTicketId": 50001, "SourceTicketIds": [50003], "IsMerge": true}),
        )
        .await;
    let job_id = merged.json["result"]["jobId"]
        .as_str()
        .expect("a job id")
        .to_owned();
    let logs = h
        .get(&format!("/v2/servicedesk/tickets/logs/{job_id}"))
        .await;
    assert_eq!(logs.status, StatusCode::OK);
    assert_eq!(logs.json["totalRecords"], json!(1));
    assert!(
        logs.json["result"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("merged into"))
    );
    let source = h.get("/v2/servicedesk/tickets/50003").await;
    assert_eq!(source.json["result"]["statusName"], json!("Closed"));
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_created_ticket_without_queue_lands_in_triage() {
    let h = Harness::demo().await;
    let created = h
        .post(
            "/v2/servicedesk/tickets",
            json!({"Title": "Cannot print", "Details": "Printer offline.", "AccountId": seed::ACME_ACCOUNT_ID,
                   "LocationId": seed::ACME_HQ_LOCATION_ID, "StatusId": seed::NEW_STATUS_ID, "PriorityId": 201,
                   "TypeId": 1201, "SourceId": 1301, "OpenDate": "2026-06-23T09:00:00Z"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let id = created.json["result"]["id"].as_i64().expect("an id");
    let read: Value = h.get(&format!("/v2/servicedesk/tickets/{id}")).await.json;
    assert_eq!(read["result"]["queueName"], json!("Triage"));
    assert_eq!(read["result"]["accountName"], json!("Acme Corp"));
    h.sandbox.shutdown().await;
}
