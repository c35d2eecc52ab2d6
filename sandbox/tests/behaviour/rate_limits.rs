//! Per-endpoint budgets: the request after the budget answers 429 in the envelope, with the
//! headers the configured style names.

use bms_mcp_sandbox::{RateLimitHeaders, SandboxConfig};
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Answer, Harness};

const PATH: &str = "/v2/system/priorities/lookup";

async fn exhaust(style: RateLimitHeaders) -> (Harness, Answer, Answer) {
    let config = SandboxConfig {
        rate_limit: "3/minute".parse().expect("valid policy"),
        rate_limit_headers: style,
        ..SandboxConfig::default()
    };
    let h = Harness::start(config).await;
    let mut last_ok = None;
    for _ in 0..3 {
        let a = h.get(PATH).await;
        assert_eq!(a.status, StatusCode::OK);
        last_ok = Some(a);
    }
    let limited = h.get(PATH).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.json["success"], json!(false));
    assert_eq!(limited.json["error"]["code"], json!(429));
    (h, last_ok.expect("three answers"), limited)
}

fn header(a: &Answer, name: &str) -> Option<String> {
    a.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[tokio::test]
async fn by_default_a_429_carries_no_rate_limit_headers() {
    let (h, _, limited) = exhaust(RateLimitHeaders::None).await;
    for name in [
        "retry-after",
        "x-ratelimit-limit",
        "ratelimit",
        "ratelimit-policy",
    ] {
        assert_eq!(header(&limited, name), None, "{name}");
    }
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn retry_after_style_says_how_many_seconds_to_wait() {
    let (h, ok, limited) = exhaust(RateLimitHeaders::RetryAfter).await;
    let seconds: u64 = header(&limited, "retry-after")
        .expect("present")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&seconds));
    assert_eq!(header(&ok, "retry-after"), None);
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn x_ratelimit_style_reports_limit_remaining_and_reset_epoch() {
    let (h, ok, limited) = exhaust(RateLimitHeaders::XRateLimit).await;
    assert_eq!(header(&ok, "x-ratelimit-remaining").as_deref(), Some("0"));
    assert_eq!(header(&limited, "x-ratelimit-limit").as_deref(), Some("3"));
    assert_eq!(
        header(&limited, "x-ratelimit-remaining").as_deref(),
        Some("0")
    );
    let reset: u64 = header(&limited, "x-ratelimit-reset")
        .expect("present")
        .parse()
        .expect("epoch");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs();
    assert!(reset > now && reset <= now + 61);
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn ietf_style_sends_draft_10_structured_fields() {
    let (h, _, limited) = exhaust(RateLimitHeaders::Ietf).await;
    assert_eq!(
        header(&limited, "ratelimit-policy").as_deref(),
        Some("\"default\";q=3;w=60")
    );
    let rl = header(&limited, "ratelimit").expect("present");
    assert!(rl.starts_with("\"default\";r=0;t="), "{rl}");
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn budgets_are_per_endpoint() {
    let (h, _, _) = exhaust(RateLimitHeaders::None).await;
    assert_eq!(
        h.get("/v2/system/queues/lookup").await.status,
        StatusCode::OK
    );
    h.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counting_is_exact_under_concurrency() {
    let config = SandboxConfig {
        rate_limit: "10/hour".parse().expect("valid policy"),
        ..SandboxConfig::default()
    };
    let h = std::sync::Arc::new(Harness::start(config).await);
    let mut tasks = Vec::new();
    for _ in 0..25 {
        let h = h.clone();
        tasks.push(tokio::spawn(async move { h.get(PATH).await.status }));
    }
    let mut ok = 0;
    let mut limited = 0;
    for t in tasks {
        match t.await.expect("task completes") {
            StatusCode::OK => ok += 1,
            StatusCode::TOO_MANY_REQUESTS => limited += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((ok, limited), (10, 15));
}
