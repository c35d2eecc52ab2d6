//! Secrets never leave: a whole admin and MCP flow runs with every log event captured
//! (debug level, every crate), and neither the logs nor any API answer holds the BMS password,
//! the TOTP secret, or a token except in the one answer that creates it.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use reqwest::Method;
use serde_json::json;

use bms_mcp_sandbox::{SandboxConfig, SandboxCredentials};
use common::{Harness, Options};

const PASSWORD: &str = "Pw-6f1c2d-never-logged";
const TOTP_SECRET: &str = "KRUGS4ZANFZSAYLTMVRXEZLUEBZWK5DSMV2A";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .init();
        captured
    })
}

#[tokio::test]
async fn no_password_totp_secret_or_token_appears_in_logs_or_later_answers() {
    let logs = logs();
    let h = Harness::with(Options {
        sandbox: SandboxConfig {
            credentials: SandboxCredentials {
                username: "mfa-user".into(),
                password: PASSWORD.into(),
                tenant: "Secret Tenant".into(),
                totp_secret: Some(TOTP_SECRET.into()),
            },
            ..SandboxConfig::default()
        },
        ..Options::default()
    })
    .await;
    let admin = h.admin_token().await;
    let mut answers = Vec::new();

    let (status, _, account) = h
        .admin(
            Method::POST,
            "/integrated-account",
            Some(&admin),
            Some(json!({
                "name": "MFA tenant",
                "base_url": h.sandbox.base_url(),
                "username": "mfa-user",
                "password": PASSWORD,
                "tenant": "Secret Tenant",
                "totp_secret": TOTP_SECRET,
            })),
        )
        .await;
    assert_eq!(status, 201, "{account}");
    assert_eq!(account["has_totp_secret"], true);
    let account_id = account["id"].as_str().unwrap().to_owned();
    answers.push(account);

    let (status, _, created) = h
        .admin(
            Method::POST,
            &format!("/integrated-account/{account_id}/mcp"),
            Some(&admin),
            Some(json!({"name": "locked", "config": {"require_api_token_auth": true, "tags": ["crm"]}})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let mcp_token = created["token"].as_str().unwrap().to_owned();
    let url = created["url"].as_str().unwrap().to_owned();

    // Use it: a sign-in with password and TOTP happens upstream.
    let (status, called) = h
        .mcp_at(
            &url,
            Some(&admin),
            "tools/call",
            json!({"name": "list_all_kaseya_bms_crm_accounts", "arguments": {}}),
        )
        .await;
    assert_eq!(status, 200, "{called}");
    assert_eq!(called["result"]["isError"], false, "{called}");
    answers.push(called);
    // Refusals: no admin token, a wrong one, a malformed body.
    answers.push(h.mcp_at(&url, None, "ping", json!({})).await.1);
    answers.push(
        h.mcp_at(
            &url,
            Some(&format!("bmsa_{}", "B".repeat(43))),
            "ping",
            json!({}),
        )
        .await
        .1,
    );
    for path in [
        "/integrated-account".to_owned(),
        format!("/integrated-account/{account_id}"),
        format!("/integrated-account/{account_id}/mcp"),
    ] {
        answers.push(h.admin(Method::GET, &path, Some(&admin), None).await.2);
    }
    answers.push(
        h.admin(
            Method::PATCH,
            &format!("/integrated-account/{account_id}"),
            Some(&admin),
            Some(json!({"password": PASSWORD, "totp_secret": 12})),
        )
        .await
        .2,
    );
    let id = created["id"].as_str().unwrap();
    h.admin(
        Method::DELETE,
        &format!("/integrated-account/{account_id}/mcp/{id}"),
        Some(&admin),
        None,
    )
    .await;
    answers.push(h.mcp_at(&url, Some(&admin), "ping", json!({})).await.1);
    h.call_log.flush().await;

    let token_body = |t: &str| t.split_once('_').map(|(_, b)| b.to_owned()).unwrap();
    let secrets = [
        PASSWORD.to_owned(),
        TOTP_SECRET.to_owned(),
        mcp_token.clone(),
        token_body(&mcp_token),
        admin.clone(),
        token_body(&admin),
    ];
    for answer in &answers {
        let text = answer.to_string();
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "an answer holds a secret: {text}"
            );
        }
    }
    let captured = String::from_utf8_lossy(
        &logs
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    )
    .into_owned();
    assert!(
        captured.contains("tool call"),
        "logs were captured: {captured}"
    );
    for secret in &secrets {
        assert!(
            !captured.contains(secret.as_str()),
            "the logs hold a secret ({} chars)",
            secret.len()
        );
    }
}
