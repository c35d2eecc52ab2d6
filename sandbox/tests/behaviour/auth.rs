//! Authentication as BMS does it: multipart password grant, optional TOTP, expiring bearer
//! tokens (401 + 978001), refresh.

use std::time::{SystemTime, UNIX_EPOCH};

use bms_mcp_sandbox::{ErrorCode, SandboxConfig};
use reqwest::{StatusCode, multipart};
use serde_json::json;

use crate::common::{Harness, answer, authenticate, client, start};

const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn mfa_config() -> SandboxConfig {
    let mut config = SandboxConfig::default();
    config.credentials.totp_secret = Some(SECRET.into());
    config
}

fn totp_now() -> String {
    let bytes = totp_rs::Secret::Encoded(SECRET.into())
        .to_bytes()
        .expect("valid base32");
    let totp = totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    totp.generate(now)
}

#[tokio::test]
async fn authenticate_answers_camel_case_tokens_in_the_envelope() {
    let sandbox = start(SandboxConfig::default()).await;
    let a = authenticate(&client(), &sandbox, None).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json["success"], json!(true));
    assert_eq!(a.json["error"], json!(null));
    let result = &a.json["result"];
    assert_eq!(
        result["accessToken"].as_str().map(|t| t.split('.').count()),
        Some(3),
        "JWT-shaped"
    );
    assert!(
        result["refreshToken"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    assert!(
        result["accessTokenExpireOn"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    assert!(result["refreshTokenExpireOn"].is_string());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_401_and_success_false() {
    let sandbox = start(SandboxConfig::default()).await;
    let form = multipart::Form::new()
        .text("GrantType", "password")
        .text("UserName", bms_mcp_sandbox::DEFAULT_USERNAME)
        .text("Password", "not-the-password")
        .text("Tenant", bms_mcp_sandbox::DEFAULT_TENANT);
    let response = client()
        .post(format!("{}/v2/security/authenticate", sandbox.base_url()))
        .multipart(form)
        .send()
        .await
        .expect("answers");
    let a = answer(response).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.json["success"], json!(false));
    assert_eq!(
        a.json["error"]["code"],
        json!(ErrorCode::InvalidCredentials as i32)
    );
    assert_eq!(a.json["result"], json!(null));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn with_a_totp_secret_a_login_without_mfa_code_is_refused() {
    let sandbox = start(mfa_config()).await;
    let a = authenticate(&client(), &sandbox, None).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        a.json["error"]["code"],
        json!(ErrorCode::MfaRequired as i32)
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn with_a_totp_secret_a_wrong_mfa_code_is_refused() {
    let sandbox = start(mfa_config()).await;
    let wrong = if totp_now() == "000000" {
        "111111"
    } else {
        "000000"
    };
    let a = authenticate(&client(), &sandbox, Some(wrong)).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.json["error"]["code"], json!(ErrorCode::MfaInvalid as i32));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn with_a_totp_secret_the_current_code_logs_in() {
    let sandbox = start(mfa_config()).await;
    let a = authenticate(&client(), &sandbox, Some(&totp_now())).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert!(a.json["result"]["accessToken"].is_string());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_expired_access_token_answers_401_with_code_978001() {
    // A TTL of 0 issues tokens that are expired when they arrive: the expiry path without
    // waiting for a clock. Tokens that have not expired are what every other test uses.
    let config = SandboxConfig {
        token_ttl_seconds: 0,
        ..SandboxConfig::default()
    };
    let h = Harness::start(config).await;
    let a = h.get("/v2/system/priorities/lookup").await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.json["error"]["code"], json!(978001));
    assert_eq!(a.json["success"], json!(false));
    h.sandbox.shutdown().await;
}

#[tokio::test]
async fn refresh_issues_a_new_pair_and_retires_the_old_access_token() {
    let sandbox = start(SandboxConfig::default()).await;
    let http = client();
    let login = authenticate(&http, &sandbox, None).await;
    let access = login.json["result"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned();
    let refresh = login.json["result"]["refreshToken"]
        .as_str()
        .expect("token")
        .to_owned();
    let form = multipart::Form::new()
        .text("AccessToken", access.clone())
        .text("RefreshToken", refresh);
    let renewed = answer(
        http.post(format!("{}/v2/security/refreshtoken", sandbox.base_url()))
            .multipart(form)
            .send()
            .await
            .expect("answers"),
    )
    .await;
    assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.text);
    let new_access = renewed.json["result"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_ne!(new_access, access);
    let url = format!("{}/v2/system/queues/lookup", sandbox.base_url());
    let old = http
        .get(&url)
        .bearer_auth(&access)
        .send()
        .await
        .expect("answers");
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let new = http
        .get(&url)
        .bearer_auth(&new_access)
        .send()
        .await
        .expect("answers");
    assert_eq!(new.status(), StatusCode::OK);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_request_without_a_token_is_refused_with_401() {
    let sandbox = start(SandboxConfig::default()).await;
    let a = answer(
        client()
            .get(format!("{}/v2/servicedesk/tickets", sandbox.base_url()))
            .send()
            .await
            .expect("answers"),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        a.json["error"]["code"],
        json!(ErrorCode::Unauthorized as i32)
    );
    sandbox.shutdown().await;
}
