//! The contract: every operation of the spec, called over real HTTP against a started demo
//! sandbox with its required path, query and body fields filled from the spec, answers 2xx,
//! and every JSON answer validates against the operation's response schema as converted for
//! MCP output (`SchemaConverter::new(&spec, Direction::Output)`).

mod common;

use std::path::Path;

use bms_mcp_codegen::Spec;
use bms_mcp_codegen::schema::{Direction, SchemaConverter};
use bms_mcp_codegen::spec::SpecOperation;
use bms_mcp_sandbox::{SandboxConfig, seed};
use common::{Answer, Harness, answer};
use openapiv3::ParameterSchemaOrContent;
use reqwest::{Method, multipart};
use serde_json::{Value, json};

const SPEC_TEXT: &str = include_str!("../../spec/kaseya-bms-openapi.json");

/// A value satisfying an input (wire-name) JSON schema: required properties only.
fn sample(schema: &Value) -> Value {
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    let kind = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("object")
            .to_owned(),
        _ => "object".to_owned(),
    };
    match kind.as_str() {
        "object" => {
            let mut out = serde_json::Map::new();
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for name in required {
                if let Some(prop) = schema.get("properties").and_then(|p| p.get(name)) {
                    out.insert(name.to_owned(), sample(prop));
                }
            }
            Value::Object(out)
        }
        "array" => json!([]),
        "integer" => json!(
            schema
                .get("minimum")
                .and_then(Value::as_i64)
                .map_or(1, |m| m.max(1))
        ),
        "number" => json!(1.5),
        "boolean" => json!(true),
        _ => match schema.get("format").and_then(Value::as_str) {
            Some("date-time") => json!("2026-07-01T09:00:00Z"),
            Some("date") => json!("2026-07-01"),
            Some("uuid") => json!("00000000-0000-4000-8000-000000000001"),
            _ => {
                let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
                json!("example".to_owned() + &"x".repeat(min.saturating_sub(7)))
            }
        },
    }
}

/// Path parameter values: seed objects where the sandbox keeps state, harmless IDs elsewhere.
fn path_value(op: &SpecOperation<'_>, name: &str, job_id: &str) -> String {
    let path = op.path;
    match name {
        "ticketId" => seed::PASSWORD_RESET_TICKET_ID.to_string(),
        "noteId" if path.contains("opportunities") => seed::ACME_Q3_NOTE_ID.to_string(),
        "noteId" => seed::PASSWORD_RESET_NOTE_ID.to_string(),
        "opportunityId" => seed::ACME_Q3_OPPORTUNITY_ID.to_string(),
        "id" if path.starts_with("/v2/crm/opportunities") => {
            seed::ACME_Q3_OPPORTUNITY_ID.to_string()
        }
        "id" if path.starts_with("/v2/crm/accounts") => seed::ACME_ACCOUNT_ID.to_string(),
        "id" if path.starts_with("/v2/crm/contacts") => seed::ALICE_CONTACT_ID.to_string(),
        "accountId" => seed::ACME_ACCOUNT_ID.to_string(),
        "contactId" => seed::ALICE_CONTACT_ID.to_string(),
        "itgContactId" => seed::ALICE_ITG_CONTACT_ID.to_string(),
        "itgAccountId" => seed::ACME_ITG_ORGANIZATION_ID.to_string(),
        "issueTypeId" => "401".into(),
        "tableName" => "NoteTypes".into(),
        "jobId" if path.starts_with("/v2/servicedesk/tickets/logs") => job_id.to_owned(),
        "accountAlertType" => "1".into(),
        _ => default_value(op, name),
    }
}

/// A value of the parameter's declared type.
fn default_value(op: &SpecOperation<'_>, name: &str) -> String {
    let schema = op
        .parameters
        .iter()
        .find(|p| p.parameter_data_ref().name == name)
        .and_then(|p| match &p.parameter_data_ref().format {
            ParameterSchemaOrContent::Schema(s) => s.as_item(),
            ParameterSchemaOrContent::Content(_) => None,
        });
    let text = schema
        .map(|s| serde_json::to_value(s).unwrap_or(Value::Null))
        .unwrap_or(Value::Null);
    match text.get("type").and_then(Value::as_str) {
        Some("integer") | Some("number") => "1".into(),
        Some("boolean") => "true".into(),
        _ => match text.get("format").and_then(Value::as_str) {
            Some("uuid") => "00000000-0000-4000-8000-000000000001".into(),
            Some("date-time") => "2026-07-01T09:00:00Z".into(),
            _ => "example".into(),
        },
    }
}

/// Bodies for the stateful operations, naming objects that exist so they succeed.
fn stateful_body(key: &str) -> Option<Value> {
    let ticket = json!({
        "Title": "Contract test ticket", "Details": "Created by the contract test.",
        "AccountId": seed::ACME_ACCOUNT_ID, "LocationId": seed::ACME_HQ_LOCATION_ID,
        "StatusId": seed::NEW_STATUS_ID, "PriorityId": 202, "TypeId": 1201, "SourceId": 1302,
        "OpenDate": "2026-07-01T09:00:00Z",
    });
    let opportunity = json!({
        "Subject": "Contract test opportunity", "StatusId": 1401, "AccountId": seed::ACME_ACCOUNT_ID,
        "AccountLocationId": seed::ACME_HQ_LOCATION_ID, "TypeId": 1501, "Probability": 10.0,
        "RatingId": 1602, "SalesRepresentativeUserId": 705, "Amount": 1000.0,
        "CloseDate": "2026-09-30T00:00:00Z",
    });
    let note = json!({"Details": "Contract test note.", "IsInternal": true,
        "TypeId": seed::INTERNAL_NOTE_TYPE_ID, "NoteDate": "2026-07-01T09:00:00Z"});
    Some(match key {
        "POST /v2/servicedesk/tickets" | "PUT /v2/servicedesk/tickets/{ticketId}" => ticket,
        "POST /v2/crm/opportunities" | "PUT /v2/crm/opportunities/{id}" => opportunity,
        "POST /v2/servicedesk/tickets/{ticketId}/notes" => note,
        "POST /v2/servicedesk/tickets/{ticketId}/assignticket" => json!({
            "Details": "Contract test assignment.", "IsInternal": true,
            "TypeId": seed::INTERNAL_NOTE_TYPE_ID, "StatusId": seed::IN_PROGRESS_STATUS_ID,
            "NoteDate": "2026-07-01T09:00:00Z", "QueueId": seed::SECURITY_QUEUE_ID,
            "AssigneeId": seed::JORDAN_KIM_ASSIGNEE_ID}),
        "POST /v2/servicedesk/tickets/{ticketId}/resolve" => {
            json!({"Comment": "Resolved by the contract test."})
        }
        "POST /v2/servicedesk/tickets/merge" => {
            json!({"DestinationTicketId": 50003, "SourceTicketIds": [50004], "IsMerge": true})
        }
        "POST /v2/crm/contacts/summary" => json!({"FirstName": "Contract", "LastName": "Tester",
            "AccountId": seed::ACME_ACCOUNT_ID, "LocationId": seed::ACME_HQ_LOCATION_ID}),
        _ => return None,
    })
}

struct Walk {
    harness: Harness,
    token: String,
    refresh: String,
    job_id: String,
}

impl Walk {
    async fn call(&mut self, spec: &Spec, op: &SpecOperation<'_>) -> Answer {
        let key = op.key();
        let mut path = op.path.to_owned();
        let mut query = Vec::new();
        for p in &op.parameters {
            let data = p.parameter_data_ref();
            if let openapiv3::Parameter::Path { .. } = p {
                path = path.replace(
                    &format!("{{{}}}", data.name),
                    &path_value(op, &data.name, &self.job_id),
                );
            } else if data.required {
                let value = if data.name == "ExternalTenantId" {
                    "qbd-tenant-1".to_owned()
                } else {
                    default_value(op, &data.name)
                };
                query.push((data.name.clone(), value));
            }
        }
        let url = format!("{}{}", self.harness.base, path);
        let method = Method::from_bytes(op.method.as_bytes()).expect("valid method");
        let mut request = self.harness.http.request(method, url).query(&query);
        if key != "POST /v2/security/authenticate" && key != "POST /v2/security/refreshtoken" {
            request = request.bearer_auth(&self.token);
        }
        let body = spec.request_body(op).expect("body resolves");
        if let Some(body) = body {
            if body.content.contains_key("multipart/form-data") {
                let creds = self.harness.sandbox.credentials();
                let form = match key.as_str() {
                    "POST /v2/security/authenticate" => multipart::Form::new()
                        .text("GrantType", "password")
                        .text("UserName", creds.username)
                        .text("Password", creds.password)
                        .text("Tenant", creds.tenant),
                    "POST /v2/security/refreshtoken" => multipart::Form::new()
                        .text("AccessToken", self.token.clone())
                        .text("RefreshToken", self.refresh.clone()),
                    _ => multipart::Form::new().part(
                        "File",
                        multipart::Part::bytes(b"hello".to_vec()).file_name("hello.txt"),
                    ),
                };
                request = request.multipart(form);
            } else {
                let json_body = stateful_body(&key).unwrap_or_else(|| {
                    let schema = bms_mcp_codegen::spec::json_media_schema(&body.content)
                        .expect("a JSON body schema");
                    let input = SchemaConverter::new(spec, Direction::Input)
                        .convert(schema, &key)
                        .expect("converts");
                    sample(&input)
                });
                request = request.json(&json_body);
            }
        }
        let a = answer(request.send().await.expect("the sandbox answers")).await;
        if key == "POST /v2/security/refreshtoken" && a.status.is_success() {
            self.token = a.json["result"]["accessToken"]
                .as_str()
                .expect("token")
                .to_owned();
            self.refresh = a.json["result"]["refreshToken"]
                .as_str()
                .expect("token")
                .to_owned();
        }
        if key == "POST /v2/servicedesk/tickets/merge" {
            self.job_id = a.json["result"]["jobId"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
        }
        a
    }
}

#[tokio::test]
async fn every_operation_answers_2xx_with_a_body_that_matches_its_response_schema() {
    let spec =
        Spec::parse(SPEC_TEXT, Path::new("spec/kaseya-bms-openapi.json")).expect("spec parses");
    let harness = Harness::start(SandboxConfig::default()).await;
    let login = common::authenticate(&harness.http, &harness.sandbox, None).await;
    let mut walk = Walk {
        token: login.json["result"]["accessToken"]
            .as_str()
            .expect("token")
            .to_owned(),
        refresh: login.json["result"]["refreshToken"]
            .as_str()
            .expect("token")
            .to_owned(),
        job_id: seed::FIRST_MERGE_JOB_ID.to_string(),
        harness,
    };
    let converter = SchemaConverter::new(&spec, Direction::Output);
    let mut failures = Vec::new();
    let mut checked = 0;
    let operations = spec.operations().expect("operations resolve");
    for op in &operations {
        let key = op.key();
        let a = walk.call(&spec, op).await;
        if !a.status.is_success() {
            failures.push(format!("{key}: HTTP {} {}", a.status, a.text));
            continue;
        }
        match spec.success_schema(op) {
            None => {
                if !a.text.is_empty() {
                    failures.push(format!("{key}: the spec declares no body, got {}", a.text));
                }
            }
            Some(schema) => {
                let output = converter
                    .convert(schema, &key)
                    .expect("output schema converts");
                let validator = jsonschema::validator_for(&output).expect("output schema compiles");
                if a.json.is_null() {
                    failures.push(format!("{key}: expected JSON, got {:?}", a.text));
                    continue;
                }
                let errors: Vec<String> = validator
                    .iter_errors(&a.json)
                    .map(|e| format!("{} at {}", e, e.instance_path()))
                    .collect();
                if !errors.is_empty() {
                    failures.push(format!("{key}: {}", errors.join("; ")));
                    continue;
                }
                if a.json.get("success") == Some(&Value::Bool(false)) {
                    failures.push(format!("{key}: success false: {}", a.text));
                    continue;
                }
            }
        }
        checked += 1;
    }
    println!("{checked} operations checked");
    assert!(
        failures.is_empty(),
        "{} of {} operations failed:\n{}",
        failures.len(),
        operations.len(),
        failures.join("\n")
    );
    assert_eq!(checked, 435);
    walk.harness.sandbox.shutdown().await;
}
