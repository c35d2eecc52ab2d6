//! Injected faults: latency, 5xx, dropped connections, truncated JSON; by config or through
//! `POST /_sandbox/faults`, deterministic by count.

use std::time::{Duration, Instant};

use bms_mcp_sandbox::{FaultSettings, SandboxConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::Harness;

const PATH: &str = "/v2/system/priorities/lookup";

#[tokio::test]
async fn latency_delays_every_answer() {
    let h = Harness::demo().await;
    h.faults(json!({"latency_ms": 300})).await;
    let started = Instant::now();
    assert_eq!(h.get(PATH).await.status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn an_error_rate_of_one_answers_500_every_time() {
    let h = Harness::demo().await;
    h.faults(json!({"error_rate": 1.0})).await;
    for _ in 0..3 {
        let a = h.get(PATH).await;
        assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(a.json["success"], json!(false));
    }
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn an_error_rate_of_a_half_fails_every_second_request() {
    let config = SandboxConfig {
        faults: FaultSettings {
            error_rate: 0.5,
            ..FaultSettings::default()
        },
        ..SandboxConfig::default()
    };
    // The login is the first counted request, so the next one fails.
    let h = Harness::start(config).await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(h.get(PATH).await.status.as_u16());
    }
    assert_eq!(statuses, vec![500, 200, 500, 200]);
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_drop_rate_of_one_closes_the_connection_without_an_answer() {
    let h = Harness::demo().await;
    h.faults(json!({"drop_rate": 1.0})).await;
    let result = h
        .http
        .get(format!("{}{}", h.base, PATH))
        .bearer_auth(&h.token)
        .send()
        .await;
    let error = result.expect_err("no answer arrives");
    assert!(!error.is_status() && !error.is_timeout(), "{error:?}");
    let log = h
        .control(Method::GET, "/_sandbox/requests", None)
        .await
        .json;
    let last = log
        .as_array()
        .and_then(|l| l.last())
        .cloned()
        .expect("logged");
    assert_eq!(
        (last["status"].clone(), last["fault"].clone()),
        (json!(0), json!("drop"))
    );
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_malformed_rate_of_one_truncates_the_json() {
    let h = Harness::demo().await;
    h.faults(json!({"malformed_rate": 1.0})).await;
    let a = h.get(PATH).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(!a.text.is_empty());
    assert!(
        serde_json::from_str::<Value>(&a.text).is_err(),
        "{}",
        a.text
    );
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn fault_settings_read_back_and_bad_rates_are_refused() {
    let h = Harness::demo().await;
    h.faults(json!({"error_rate": 0.25, "rate_limit": "100/minute", "rate_limit_headers": "ietf"}))
        .await;
    let read = h.control(Method::GET, "/_sandbox/faults", None).await.json;
    assert_eq!(read["error_rate"], json!(0.25));
    assert_eq!(read["rate_limit"], json!("100/minute"));
    assert_eq!(read["rate_limit_headers"], json!("ietf"));
    let bad = h
        .control(
            Method::POST,
            "/_sandbox/faults",
            Some(json!({"drop_rate": 2.0})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let typo = h
        .control(
            Method::POST,
            "/_sandbox/faults",
            Some(json!({"eror_rate": 1.0})),
        )
        .await;
    assert_eq!(typo.status, StatusCode::BAD_REQUEST);
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn refused_auth_rejects_issued_tokens_sign_in_and_refresh_until_cleared() {
    let h = Harness::demo().await;
    assert_eq!(h.get(PATH).await.status, StatusCode::OK);
    h.faults(json!({"refuse_auth": true})).await;
    let call = h.get(PATH).await;
    assert_eq!(call.status, StatusCode::UNAUTHORIZED, "{}", call.text);
    let sign_in = crate::common::authenticate(&h.http, &h.sandbox, None).await;
    assert_eq!(sign_in.status, StatusCode::UNAUTHORIZED, "{}", sign_in.text);
    assert_eq!(sign_in.json["success"], json!(false));
    let refresh = h
        .http
        .post(format!("{}/v2/security/refreshtoken", h.base))
        .multipart(
            reqwest::multipart::Form::new()
                .text("AccessToken", h.token.clone())
                .text("RefreshToken", "anything"),
        )
        .send()
        .await
        .expect("refresh answers");
    assert_eq!(refresh.status(), StatusCode::UNAUTHORIZED);
    let read = h.control(Method::GET, "/_sandbox/faults", None).await.json;
    assert_eq!(read["refuse_auth"], json!(true));
    h.faults(json!({"refuse_auth": false})).await;
    assert_eq!(
        h.get(PATH).await.status,
        StatusCode::OK,
        "the token works again"
    );
    h.sandbox.shutdown().await;
}
