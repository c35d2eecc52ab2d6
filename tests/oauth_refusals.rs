//! What the OAuth front door refuses (MCP authorization 2025-11-25, OAuth 2.1, RFC 8707,
//! RFC 7591): tokens for another MCP server, replayed codes, PKCE mismatches, expired and
//! replayed refresh tokens, unregistered redirect URIs, tokens in a query string, requests
//! without a resource, sign-in forms posted without their browser cookie.

mod common;
mod oauth_support;

use std::time::Duration;

use bms_mcp::oauth::Lifetimes;
use common::backends::Backend;
use common::{Harness, Options};
use oauth_support::*;
use serde_json::json;

#[tokio::test]
async fn a_token_for_one_mcp_server_is_refused_by_another() {
    let h = Harness::start().await;
    person(&h).await;
    let crm = oauth_server(&h, "crm", &[]).await;
    let other = oauth_server(&h, "other", &[]).await;
    let tokens = sign_in_fully(&h, &crm).await;
    let access = tokens["access_token"].as_str();
    let (status, body) = h.mcp_at(&other.url, access, "tools/list", json!({})).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "invalid_token");
    assert_eq!(
        h.mcp_at(&crm.url, access, "tools/list", json!({})).await.0,
        200
    );
}

async fn a_code_is_good_once_and_its_replay_revokes_what_it_gave(backend: Backend) {
    let h = Harness::with(Options {
        backend,
        ..Options::default()
    })
    .await;
    person(&h).await;
    let server = oauth_server(&h, "crm", &[]).await;
    let client_id = register(&h, REDIRECT).await;
    let pkce = Pkce::new();
    let code = authorize(&h, &client_id, &pkce, &server.url).await;
    let (status, tokens) = exchange(&h, &client_id, &code, &pkce, &server.url).await;
    assert_eq!(status, 200);
    let (status, replay) = exchange(&h, &client_id, &code, &pkce, &server.url).await;
    assert_eq!(status, 400);
    assert_eq!(replay["error"], "invalid_grant");
    let (status, _) = h
        .mcp_at(
            &server.url,
            tokens["access_token"].as_str(),
            "tools/list",
            json!({}),
        )
        .await;
    assert_eq!(
        status, 401,
        "the tokens from the replayed code's grant are revoked"
    );
}

#[tokio::test]
async fn a_code_verifier_that_does_not_match_the_challenge_is_refused() {
    let h = Harness::start().await;
    person(&h).await;
    let server = oauth_server(&h, "crm", &[]).await;
    let client_id = register(&h, REDIRECT).await;
    let pkce = Pkce::new();
    let code = authorize(&h, &client_id, &pkce, &server.url).await;
    let (status, answer) = exchange(&h, &client_id, &code, &Pkce::new(), &server.url).await;
    assert_eq!(status, 400);
    assert_eq!(answer["error"], "invalid_grant");
    assert!(
        answer["error_description"]
            .as_str()
            .unwrap()
            .contains("PKCE")
    );
    let (status, _) = exchange(&h, &client_id, &code, &pkce, &server.url).await;
    assert_eq!(status, 400, "the code was spent by the failed attempt");
}

#[tokio::test]
async fn a_code_exchanged_for_another_resource_is_refused() {
    let h = Harness::start().await;
    person(&h).await;
    let server = oauth_server(&h, "crm", &[]).await;
    let other = oauth_server(&h, "other", &[]).await;
    let client_id = register(&h, REDIRECT).await;
    let pkce = Pkce::new();
    let code = authorize(&h, &client_id, &pkce, &server.url).await;
    let (status, answer) = exchange(&h, &client_id, &code, &pkce, &other.url).await;
    assert_eq!(status, 400);
    assert_eq!(answer["error"], "invalid_target");
}

async fn a_rotated_refresh_token_used_again_is_refused_and_revokes_its_grant(backend: Backend) {
    let h = Harness::with(Options {
        backend,
        ..Options::default()
    })
    .await;
    person(&h).await;
    let server = oauth_server(&h, "crm", &[]).await;
    let tokens = sign_in_fully(&h, &server).await;
    let client_id = tokens["client_id"].as_str().unwrap();
    let refresh = |refresh_token: String| {
        let h = &h;
        let client_id = client_id.to_owned();
        async move {
            token(
                h,
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &refresh_token),
                    ("client_id", &client_id),
                ],
            )
            .await
        }
    };
    let old = tokens["refresh_token"].as_str().unwrap().to_owned();
    let (status, fresh) = refresh(old.clone()).await;
    assert_eq!(status, 200);
    let (status, replay) = refresh(old).await;
    assert_eq!(status, 400);
    assert_eq!(replay["error"], "invalid_grant");
    let (status, _) = refresh(fresh["refresh_token"].as_str().unwrap().to_owned()).await;
    assert_eq!(status, 400, "the successor dies with the grant");
    let (status, _) = h
        .mcp_at(
            &server.url,
            fresh["access_token"].as_str(),
            "tools/list",
            json!({}),
        )
        .await;
    assert_eq!(status, 401, "so does the successor's access token");
}

#[tokio::test]
async fn access_and_refresh_tokens_are_refused_from_their_expiry_on() {
    let lifetimes = Lifetimes {
        access: 1,
        refresh: 2,
        ..Lifetimes::default()
    };
    let h = Harness::with(Options {
        oauth_lifetimes: lifetimes,
        ..Options::default()
    })
    .await;
    person(&h).await;
    let server = oauth_server(&h, "crm", &[]).await;
    let tokens = sign_in_fully(&h, &server).await;
    // A sleep is right here: what is under test is both expiry instants passing (each at most
    // its lifetime after issue, the store keeping whole seconds), and only time gets there.
    let longest = u64::try_from(lifetimes.access.max(lifetimes.refresh)).unwrap_or(0);
    tokio::time::sleep(Duration::from_secs(longest) + Duration::from_millis(100)).await;
    let (status, body) = h
        .mcp_at(
            &server.url,
            tokens["access_token"].as_str(),
            "tools/list",
            json!({}),
        )
        .await;
    assert_eq!(status, 401);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{body}"
    );
    let (status, answer) = token(
        &h,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ("client_id", tokens["client_id"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(answer["error"], "invalid_grant");
}

#[tokio::test]
async fn a_redirect_uri_the_client_did_not_register_is_refused_without_a_redirect() {
    let h = Harness::start().await;
    let server = oauth_server(&h, "crm", &[]).await;
    let client_id = register(&h, REDIRECT).await;
    for other in [
        "http://127.0.0.1:9/callback/",
        "http://127.0.0.1:9/other",
        "https://evil.example/cb",
    ] {
        let page = browser()
            .get(authorize_url(
                &h,
                &client_id,
                other,
                &Pkce::new(),
                Some(&server.url),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 400, "{other}");
        assert!(
            page.headers().get("location").is_none(),
            "never redirected to {other}"
        );
    }
    let registered = browser()
        .post(h.url("/oauth/register"))
        .json(&json!({"redirect_uris": ["http://evil.example/cb"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 400);
    let body: serde_json::Value = registered.json().await.unwrap();
    assert_eq!(body["error"], "invalid_redirect_uri");
}

#[tokio::test]
async fn an_authorization_request_without_a_resource_goes_back_as_invalid_target() {
    let h = Harness::start().await;
    let client_id = register(&h, REDIRECT).await;
    let page = browser()
        .get(authorize_url(&h, &client_id, REDIRECT, &Pkce::new(), None))
        .send()
        .await
        .unwrap();
    let query = redirect_query(&page);
    assert_eq!(param(&query, "error"), Some("invalid_target"));
    assert_eq!(param(&query, "state"), Some("st-1"));
    assert_eq!(param(&query, "iss"), Some(h.url("").as_str()));
}

#[tokio::test]
async fn an_access_token_in_the_query_string_is_refused_even_beside_a_valid_header() {
    let h = Harness::start().await;
    person(&h).await;
    let server = oauth_server(&h, "crm", &[]).await;
    let tokens = sign_in_fully(&h, &server).await;
    let access = tokens["access_token"].as_str().unwrap();
    let (status, body) = h
        .mcp_at(
            &format!("{}?access_token={access}", server.url),
            None,
            "tools/list",
            json!({}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = h
        .mcp_at(
            &format!("{}?access_token={access}", server.url),
            Some(access),
            "tools/list",
            json!({}),
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_url_token_of_an_oauth_server_opens_nothing() {
    let h = Harness::start().await;
    let (server, token) = h
        .store
        .create_mcp_server(bms_mcp::store::NewMcpServer {
            account_id: h.account_id.clone(),
            name: "oauth".into(),
            config: bms_mcp::store::McpServerConfig {
                auth: bms_mcp::store::McpAuth::OAuth,
                ..Default::default()
            },
            expires_at: None,
        })
        .await
        .unwrap()
        .unwrap();
    let (status, _) = h
        .mcp_at(
            &h.url(&format!("/mcp/{token}")),
            None,
            "tools/list",
            json!({}),
        )
        .await;
    assert_eq!(status, 401, "server {} is OAuth only", server.id);
}

#[tokio::test]
async fn a_sign_in_form_posted_without_its_browser_cookie_or_with_a_wrong_password_gives_no_code() {
    let h = Harness::start().await;
    person(&h).await;
    let server = oauth_server(&h, "crm", &[]).await;
    let client_id = register(&h, REDIRECT).await;
    let http = browser();
    let SignInForm {
        cookie, pending, ..
    } = open_sign_in(&h, &http, &client_id, &Pkce::new(), &server.url).await;
    let form = [
        ("pending", pending.as_str()),
        ("action", "sign_in"),
        ("username", USER),
        ("password", PASSWORD),
    ];
    let forged = http
        .post(h.url("/oauth/authorize"))
        .form_pairs(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400, "no cookie: another site posted it");
    let wrong = [
        ("pending", pending.as_str()),
        ("action", "sign_in"),
        ("username", USER),
        ("password", "not the password"),
    ];
    let refused = http
        .post(h.url("/oauth/authorize"))
        .header("cookie", &cookie)
        .form_pairs(&wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    assert!(refused.text().await.unwrap().contains("do not match"));
    // Allowing straight from the sign-in page (nobody signed in) is refused too.
    let skipped = http
        .post(h.url("/oauth/authorize"))
        .header("cookie", &cookie)
        .form_pairs(&[("pending", pending.as_str()), ("action", "allow")])
        .send()
        .await
        .unwrap();
    assert_eq!(skipped.status(), 400);
    assert!(skipped.headers().get("location").is_none());
}

on_both_backends!(
    a_code_is_good_once_and_its_replay_revokes_what_it_gave,
    a_rotated_refresh_token_used_again_is_refused_and_revokes_its_grant,
);

#[tokio::test]
async fn after_five_wrong_passwords_even_the_right_one_is_refused_for_a_while() {
    let h = Harness::start().await;
    person(&h).await;
    let server = oauth_server(&h, "crm", &[]).await;
    let client_id = register(&h, REDIRECT).await;
    let http = browser();
    let SignInForm {
        cookie, pending, ..
    } = open_sign_in(&h, &http, &client_id, &Pkce::new(), &server.url).await;
    let attempt = |password: &'static str| {
        let (http, h, cookie, pending) = (&http, &h, &cookie, &pending);
        async move {
            http.post(h.url("/oauth/authorize"))
                .header("cookie", cookie)
                .form_pairs(&[
                    ("pending", pending.as_str()),
                    ("action", "sign_in"),
                    ("username", USER),
                    ("password", password),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    for _ in 0..5 {
        assert_eq!(attempt("wrong password!").await.status(), 401);
    }
    let held = attempt(PASSWORD).await;
    assert_eq!(held.status(), 429);
    let html = held.text().await.unwrap();
    assert!(html.contains("Too many failed sign-ins"), "{html}");
    assert!(!html.contains("Allow"), "no consent page");
}
