//! Sign-in through an upstream OpenID Connect provider (issue 18), end to end against a
//! stand-in provider on 127.0.0.1: the authorize page's "Sign in with …" button, the
//! provider's code flow with PKCE S256, `state` and `nonce`, the callback's ID token checks
//! (OpenID Connect Core §3.1.3.7), then the same consent, code, token and tool calls as a
//! local user. Each wrong ID token is refused with a page and leaves no grant.

mod common;
mod oauth_support;
mod oidc_support;

use common::{Harness, Options};
use oauth_support::*;
use oidc_support::{EMAIL, Mint, SUB, StandIn};
use serde_json::json;

async fn harness(stand: &StandIn, allowed_domains: &[&str]) -> Harness {
    Harness::with(Options {
        oidc: Some(stand.provider(allowed_domains).await),
        ..Options::default()
    })
    .await
}

/// Where a sign-in at the provider ends: the callback's answer, with what the client needs
/// to go on.
struct Returned {
    response: reqwest::Response,
    cookie: String,
    client_id: String,
    pkce: Pkce,
}

fn location(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), 303, "a redirect");
    response.headers()["location"]
        .to_str()
        .expect("Location")
        .to_owned()
}

fn set_cookie(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie"))
        .to_owned()
}

/// Opens the authorize page, presses "Sign in with …", lets the provider sign the person in
/// and follows its redirect back to the callback.
async fn sign_in_at_provider(h: &Harness, stand: &StandIn, server: &OAuthServer) -> Returned {
    let client_id = register(h, REDIRECT).await;
    let pkce = Pkce::new();
    let http = browser();
    let page = http
        .get(authorize_url(
            h,
            &client_id,
            REDIRECT,
            &pkce,
            Some(&server.url),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains(&format!("form-action 'self' {}", stand.issuer)),
        "{csp}"
    );
    let cookie = cookie_of(&page);
    let html = page.text().await.unwrap();
    assert!(html.contains("Sign in with 127.0.0.1"), "{html}");
    let pending = pending_of(&html);
    let to_provider = http
        .post(h.url("/oauth/authorize"))
        .header("cookie", &cookie)
        .form_pairs(&[("pending", pending.as_str()), ("action", "oidc")])
        .send()
        .await
        .unwrap();
    let return_cookie = set_cookie(&to_provider, "bms_mcp_oidc");
    assert!(return_cookie.contains("SameSite=Lax"), "{return_cookie}");
    assert!(
        return_cookie.contains("Path=/oauth/oidc/callback"),
        "{return_cookie}"
    );
    let at_provider = reqwest::Url::parse(&location(&to_provider)).unwrap();
    assert!(
        at_provider
            .as_str()
            .starts_with(&format!("{}/authorize?", stand.issuer))
    );
    let query: Vec<(String, String)> = at_provider.query_pairs().into_owned().collect();
    assert_eq!(param(&query, "code_challenge_method"), Some("S256"));
    assert_eq!(
        param(&query, "redirect_uri"),
        Some(h.url("/oauth/oidc/callback").as_str())
    );
    assert!(param(&query, "nonce").is_some_and(|n| n.len() >= 32));
    let back = http.get(at_provider).send().await.unwrap();
    let callback = location(&back);
    assert!(
        callback.starts_with(&h.url("/oauth/oidc/callback?")),
        "{callback}"
    );
    let return_value = return_cookie.split(';').next().unwrap();
    let response = http
        .get(callback)
        .header("cookie", format!("{cookie}; {return_value}"))
        .send()
        .await
        .unwrap();
    Returned {
        response,
        cookie,
        client_id,
        pkce,
    }
}

#[tokio::test]
async fn a_person_signed_in_by_the_provider_consents_and_their_client_lists_and_calls_tools() {
    let stand = StandIn::start().await;
    let h = harness(&stand, &["example.com"]).await;
    let server = oauth_server(&h, "crm", &[]).await;
    let returned = sign_in_at_provider(&h, &stand, &server).await;
    assert_eq!(returned.response.status(), 200);
    let consent = returned.response.text().await.unwrap();
    assert!(
        consent.contains(&format!("to use Kaseya BMS as {EMAIL}?")),
        "{consent}"
    );
    let allowed = browser()
        .post(h.url("/oauth/authorize"))
        .header("cookie", &returned.cookie)
        .form_pairs(&[
            ("pending", pending_of(&consent).as_str()),
            ("action", "allow"),
        ])
        .send()
        .await
        .unwrap();
    let query = redirect_query(&allowed);
    assert_eq!(param(&query, "state"), Some("st-1"));
    let code = param(&query, "code").expect("a code");
    let (status, tokens) =
        exchange(&h, &returned.client_id, code, &returned.pkce, &server.url).await;
    assert_eq!(status, 200, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap();
    let (status, listed) = h
        .mcp_at(&server.url, Some(access), "tools/list", json!({}))
        .await;
    assert_eq!(status, 200, "{listed}");
    assert!(!listed["result"]["tools"].as_array().unwrap().is_empty());
    let (status, called) = h
        .mcp_at(
            &server.url,
            Some(access),
            "tools/call",
            json!({"name": "list_all_kaseya_bms_queues_lookup", "arguments": {}}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(called["result"]["isError"], false, "{called}");
    h.call_log.flush().await;
    let subject = format!("oidc:{}#{SUB}", stand.issuer);
    let calls = h.store.tool_calls(10).await.unwrap();
    let call = calls
        .iter()
        .find(|c| c.mcp_server_id == server.id)
        .expect("logged");
    assert_eq!(
        call.subject.as_deref(),
        Some(subject.as_str()),
        "the audit names the person"
    );
    let grants = h.store.live_grants().await.unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].username, subject);
    assert_eq!(
        h.store.check_password(&subject, "").await.unwrap(),
        None,
        "a provider's person has no password to sign in with locally"
    );
}

/// Signs in with the ID token `mint` describes: refused with a page saying `says`, no grant.
async fn check_refused(mint: Mint, allowed_domains: &[&str], says: &'static str) {
    let stand = StandIn::start().await;
    stand.mint(mint);
    let h = harness(&stand, allowed_domains).await;
    let server = oauth_server(&h, "crm", &[]).await;
    let returned = sign_in_at_provider(&h, &stand, &server).await;
    assert_eq!(returned.response.status(), 400);
    let page = returned.response.text().await.unwrap();
    assert!(page.contains(says), "expected {says:?} in {page}");
    assert!(h.store.live_grants().await.unwrap().is_empty(), "no grant");
}

#[tokio::test]
async fn an_id_token_for_another_client_is_refused() {
    let mint = Mint {
        aud: Some("someone-else".into()),
        ..Mint::default()
    };
    check_refused(mint, &[], "is for another client").await;
}

#[tokio::test]
async fn an_id_token_from_another_issuer_is_refused() {
    let mint = Mint {
        iss: Some("https://evil.example".into()),
        ..Mint::default()
    };
    check_refused(mint, &[], "issued by another issuer").await;
}

#[tokio::test]
async fn an_expired_id_token_is_refused() {
    let mint = Mint {
        expires_in: Some(-600),
        ..Mint::default()
    };
    check_refused(mint, &[], "has expired").await;
}

#[tokio::test]
async fn an_id_token_signed_by_a_key_not_in_the_jwks_is_refused() {
    let mint = Mint {
        sign_with_other_key: true,
        ..Mint::default()
    };
    check_refused(mint, &[], "signature does not verify").await;
}

#[tokio::test]
async fn an_id_token_with_another_sign_ins_nonce_is_refused() {
    let mint = Mint {
        nonce: Some("replayed-from-elsewhere".into()),
        ..Mint::default()
    };
    check_refused(mint, &[], "nonce mismatch").await;
}

#[tokio::test]
async fn a_person_outside_the_allowed_domains_is_refused() {
    let mint = Mint {
        email: Some("mallory@other.test".into()),
        ..Mint::default()
    };
    check_refused(
        mint,
        &["example.com"],
        "mallory@other.test may not sign in here",
    )
    .await;
}

#[tokio::test]
async fn a_callback_without_the_browsers_cookie_is_refused() {
    let stand = StandIn::start().await;
    let h = harness(&stand, &[]).await;
    let server = oauth_server(&h, "crm", &[]).await;
    let client_id = register(&h, REDIRECT).await;
    let http = browser();
    let SignInForm {
        cookie, pending, ..
    } = open_sign_in(&h, &http, &client_id, &Pkce::new(), &server.url).await;
    let to_provider = http
        .post(h.url("/oauth/authorize"))
        .header("cookie", &cookie)
        .form_pairs(&[("pending", pending.as_str()), ("action", "oidc")])
        .send()
        .await
        .unwrap();
    let back = http.get(location(&to_provider)).send().await.unwrap();
    // Another browser (an attacker's link to the callback) carries no return cookie.
    let answer = http.get(location(&back)).send().await.unwrap();
    assert_eq!(answer.status(), 400);
    let text = answer.text().await.unwrap();
    assert!(text.contains("opened in another browser"), "{text}");
    assert!(h.store.live_grants().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_provider_whose_discovery_names_another_issuer_is_not_used() {
    let stand = StandIn::advertising(Some("https://login.example.com")).await;
    let error = bms_mcp::oauth::oidc::Provider::discover(stand.config(&[]), true)
        .await
        .expect_err("refused");
    assert!(
        error.to_string().contains("not the configured oidc_issuer"),
        "{error}"
    );
}
