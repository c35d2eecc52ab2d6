//! A failing BMS: every fault becomes a readable tool error, promptly, and sign-in behaves
//! (including when BMS refuses the account altogether).

mod common;

use std::time::{Duration, Instant};

use bms_mcp::bms::BmsClientConfig;
use bms_mcp_sandbox::{Sandbox, SandboxConfig};
use common::{Harness, Options, PROMPT};
use serde_json::{Value, json};

async fn call_with_fault(h: &Harness, fault: Value) -> (Value, Duration) {
    // Sign in first, so the fault hits the tool call rather than the sign-in.
    let warm = h.call("list_all_kaseya_bms_queues_lookup", json!({})).await;
    assert_eq!(warm["isError"], false, "{warm}");
    h.sandbox_post("/_sandbox/faults", fault).await;
    let started = Instant::now();
    let result = tokio::time::timeout(
        PROMPT,
        h.call("list_all_kaseya_bms_priorities_lookup", json!({})),
    )
    .await
    .expect("answered within the deadline");
    (result, started.elapsed())
}

#[tokio::test]
async fn a_slow_bms_times_out_at_the_configured_deadline() {
    let h = Harness::with(Options {
        client: BmsClientConfig {
            request_timeout: Duration::from_millis(800),
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let (result, took) = call_with_fault(&h, json!({"latency_ms": 5000})).await;
    assert_eq!(result["isError"], true);
    assert!(
        Harness::text(&result).contains("did not answer within"),
        "{result}"
    );
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

#[tokio::test]
async fn a_5xx_is_a_readable_error_without_the_upstream_body() {
    let h = Harness::start().await;
    let (result, _) = call_with_fault(&h, json!({"error_rate": 1.0})).await;
    assert_eq!(result["isError"], true);
    let text = Harness::text(&result);
    assert!(text.contains("HTTP 5"), "{text}");
    assert!(!text.contains("127.0.0.1"), "no internal addresses: {text}");
}

#[tokio::test]
async fn malformed_json_is_reported_not_passed_on() {
    let h = Harness::start().await;
    let (result, _) = call_with_fault(&h, json!({"malformed_rate": 1.0})).await;
    assert_eq!(result["isError"], true);
    assert!(Harness::text(&result).contains("not JSON"), "{result}");
}

#[tokio::test]
async fn a_dropped_connection_is_reported_and_not_retried() {
    let h = Harness::start().await;
    h.clear_upstream_requests().await;
    let (result, _) = call_with_fault(&h, json!({"drop_rate": 1.0})).await;
    assert_eq!(result["isError"], true);
    let text = Harness::text(&result);
    assert!(
        text.contains("connection") || text.contains("broke"),
        "{text}"
    );
    let priorities: Vec<Value> = h
        .upstream_requests()
        .await
        .into_iter()
        .filter(|r| r["path"] == "/v2/system/priorities/lookup")
        .collect();
    assert_eq!(priorities.len(), 1, "sent once: {priorities:#?}");
}

#[tokio::test]
async fn an_unreachable_bms_fails_fast() {
    let h = Harness::start().await;
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        probe.local_addr().expect("addr").port()
    };
    let credentials = bms_mcp::bms::BmsCredentials {
        username: "u".into(),
        password: "p".into(),
        tenant: "t".into(),
        totp_secret: None,
    };
    let config = BmsClientConfig::default();
    let client = bms_mcp::bms::BmsClient::new(
        bms_mcp::bms::http_client(&config).expect("client"),
        &format!("http://127.0.0.1:{port}"),
        credentials,
        config,
    );
    let tool = bms_mcp::catalogue::Catalogue::global()
        .get("list_all_kaseya_bms_queues_lookup")
        .expect("tool");
    let started = Instant::now();
    let report = bms_mcp::call::call_tool(
        tool,
        None,
        &client,
        &bms_mcp::call::CursorCodec::new([1; 32]),
    )
    .await;
    assert!(report.outcome.is_error);
    assert!(
        report.outcome.text.contains("could not connect to BMS"),
        "{}",
        report.outcome.text
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(h);
}

#[tokio::test]
async fn concurrent_first_calls_sign_in_once() {
    let h = Harness::start().await;
    let calls = (0..20).map(|_| h.call("list_all_kaseya_bms_queues_lookup", json!({})));
    for result in futures_util::future::join_all(calls).await {
        assert_eq!(result["isError"], false, "{result}");
    }
    let sign_ins = h
        .all_upstream_requests()
        .await
        .into_iter()
        .filter(|r| r["path"] == "/v2/security/authenticate")
        .count();
    assert_eq!(sign_ins, 1, "single-flight sign-in");
}

#[tokio::test]
async fn an_expiring_token_is_renewed_without_failing_a_call() {
    const TOKEN_TTL: Duration = Duration::from_secs(1);
    let h = Harness::with(Options {
        sandbox: SandboxConfig {
            token_ttl_seconds: TOKEN_TTL.as_secs(),
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    assert_eq!(
        h.call("list_all_kaseya_bms_queues_lookup", json!({})).await["isError"],
        false
    );
    // A sleep is right here: what is under test is the sandbox's token expiring between two
    // calls, and only time passing gets there (300 ms of slack past its lifetime).
    tokio::time::sleep(TOKEN_TTL + Duration::from_millis(300)).await;
    let again = h.call("list_all_kaseya_bms_queues_lookup", json!({})).await;
    assert_eq!(again["isError"], false, "{again}");
    let renewals = h
        .all_upstream_requests()
        .await
        .into_iter()
        .filter(|r| {
            r["path"] == "/v2/security/refreshtoken" || r["path"] == "/v2/security/authenticate"
        })
        .count();
    assert_eq!(renewals, 2, "one sign-in, one renewal");
}

#[tokio::test]
async fn mfa_codes_are_sent_and_a_wrong_secret_is_a_readable_error() {
    let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    let mut sandbox = SandboxConfig::default();
    sandbox.credentials.totp_secret = Some(secret.into());
    let h = Harness::with(Options {
        sandbox,
        ..Default::default()
    })
    .await;
    let ok = h.call("list_all_kaseya_bms_queues_lookup", json!({})).await;
    assert_eq!(ok["isError"], false, "{ok}");

    let c = h.sandbox.credentials();
    let wrong = bms_mcp::bms::BmsCredentials {
        username: c.username,
        password: c.password,
        tenant: c.tenant,
        totp_secret: Some("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ".into()),
    };
    let config = BmsClientConfig::default();
    let client = bms_mcp::bms::BmsClient::new(
        bms_mcp::bms::http_client(&config).expect("client"),
        &h.sandbox.base_url(),
        wrong,
        config,
    );
    let tool = bms_mcp::catalogue::Catalogue::global()
        .get("list_all_kaseya_bms_queues_lookup")
        .expect("tool");
    let report = bms_mcp::call::call_tool(
        tool,
        None,
        &client,
        &bms_mcp::call::CursorCodec::new([1; 32]),
    )
    .await;
    assert!(report.outcome.is_error);
    assert!(
        report
            .outcome
            .text
            .contains("refused the integrated account's credentials"),
        "{}",
        report.outcome.text
    );
}

#[tokio::test]
async fn a_401_with_refresh_and_sign_in_refused_is_one_readable_error_not_a_retry_storm() {
    let timeout = Duration::from_secs(3);
    let h = Harness::with(Options {
        client: BmsClientConfig {
            request_timeout: timeout,
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let other_bms = Sandbox::start(SandboxConfig::default(), ([127, 0, 0, 1], 0).into())
        .await
        .expect("second sandbox starts");
    let other_url = h.another_account(&other_bms, "second").await;
    let call_other = || async {
        let (status, reply) = h
            .mcp_at(
                &other_url,
                None,
                "tools/call",
                json!({"name": "list_all_kaseya_bms_priorities_lookup", "arguments": {}}),
            )
            .await;
        assert_eq!(status, 200, "{reply}");
        assert_eq!(reply["result"]["isError"], false, "{reply}");
    };
    // Both accounts signed in, so the first request of the refused account is a tool call.
    let warm = h.call("list_all_kaseya_bms_queues_lookup", json!({})).await;
    assert_eq!(warm["isError"], false, "{warm}");
    call_other().await;
    h.clear_upstream_requests().await;

    // The API user is disabled in BMS: its token, refresh and sign-in are all refused.
    h.sandbox_post("/_sandbox/faults", json!({"refuse_auth": true}))
        .await;
    let started = Instant::now();
    let refused = futures_util::future::join_all(
        (0..10).map(|_| h.call("list_all_kaseya_bms_priorities_lookup", json!({}))),
    );
    let meanwhile = async {
        for _ in 0..5 {
            call_other().await;
        }
    };
    let (results, ()) =
        tokio::time::timeout(PROMPT, futures_util::future::join(refused, meanwhile))
            .await
            .expect("answered within the deadline");
    assert!(started.elapsed() < timeout, "took {:?}", started.elapsed());
    for result in &results {
        assert_eq!(result["isError"], true, "{result}");
        let text = Harness::text(result);
        assert!(
            text.contains("BMS refused the integrated account's credentials")
                && text.contains("update the integrated account"),
            "{text}"
        );
    }
    // A later call fails at once from memory, without asking BMS again.
    let later = h
        .call("list_all_kaseya_bms_priorities_lookup", json!({}))
        .await;
    assert_eq!(later["isError"], true, "{later}");

    let sent = h.all_upstream_requests().await;
    let count = |path: &str| sent.iter().filter(|r| r["path"] == path).count();
    assert_eq!(
        count("/v2/system/priorities/lookup"),
        10,
        "each call sent once, none resent: {sent:#?}"
    );
    assert_eq!(
        count("/v2/security/refreshtoken"),
        1,
        "one refresh: {sent:#?}"
    );
    assert_eq!(
        count("/v2/security/authenticate"),
        1,
        "one sign-in: {sent:#?}"
    );
    assert_eq!(sent.len(), 12, "nothing else: {sent:#?}");
}

#[tokio::test]
async fn a_429_gives_the_model_the_delay_and_budget_as_structured_content() {
    let h = Harness::start().await;
    h.sandbox_post(
        "/_sandbox/faults",
        json!({"rate_limit": "2/hour", "rate_limit_headers": "retry-after"}),
    )
    .await;
    for _ in 0..2 {
        let result = h.call("list_all_kaseya_bms_queues_lookup", json!({})).await;
        assert_eq!(result["isError"], false, "{result}");
    }
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "list_all_kaseya_bms_queues_lookup", "arguments": {}}});
    let response = h.post_raw(body.to_string()).await;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or_else(|| panic!("header {name}"))
    };
    let (limit, remaining, reset) = (
        header("ratelimit-limit"),
        header("ratelimit-remaining"),
        header("ratelimit-reset"),
    );
    let reply: Value = response.json().await.expect("JSON reply");
    let result = &reply["result"];
    assert_eq!(result["isError"], true, "{result}");
    let details = &result["structuredContent"];
    assert_eq!(details["error"], "rate_limited", "{result}");
    assert_eq!(details["retry_after_seconds"], reset);
    assert_eq!(details["limit"], limit);
    assert_eq!(details["remaining"], remaining);
    assert_eq!(remaining, 0);
    assert!(reset > 0 && limit > 0, "{details}");
    let text = Harness::text(result);
    assert!(
        text.contains(&format!("Retry after {reset} seconds")),
        "{text}"
    );
}
