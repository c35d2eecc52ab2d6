//! A scripted OAuth client for the built-in authorization server: registers (RFC 7591), walks
//! the authorize pages like a browser (cookie kept, forms posted), exchanges codes and
//! refresh tokens. Each step returns what the server said, so tests can check refusals.
#![allow(dead_code)]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bms_mcp::store::{McpAuth, McpServerConfig, NewMcpServer};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::Harness;

pub const REDIRECT: &str = "http://127.0.0.1:9/callback";
pub const USER: &str = "alice";
pub const PASSWORD: &str = "correct horse battery";

/// An OAuth MCP server of the harness's account, and a person who may use it.
pub struct OAuthServer {
    pub id: String,
    /// Its URL: also its RFC 8707 resource.
    pub url: String,
}

/// PKCE values: a verifier and its S256 challenge.
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Pkce {
        let verifier = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Pkce {
            verifier,
            challenge,
        }
    }
}

/// A browser-like client: no redirects followed, the authorize cookie carried by hand.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Adds an OAuth server (tools tagged `tags`, all methods) to the harness's account.
pub async fn oauth_server(h: &Harness, name: &str, tags: &[&str]) -> OAuthServer {
    let (server, _) = h
        .store
        .create_mcp_server(NewMcpServer {
            account_id: h.account_id.clone(),
            name: name.into(),
            config: McpServerConfig {
                tags: tags.iter().map(|t| t.to_string()).collect(),
                auth: McpAuth::OAuth,
                ..McpServerConfig::default()
            },
            expires_at: None,
        })
        .await
        .expect("store answers")
        .expect("account exists");
    OAuthServer {
        url: h.url(&format!("/mcp/o/{}", server.id)),
        id: server.id,
    }
}

/// Adds the test's person.
pub async fn person(h: &Harness) {
    h.store
        .create_user(USER, PASSWORD)
        .await
        .expect("store answers")
        .expect("user accepted");
}

/// Registers a client with one redirect URI; its client_id.
pub async fn register(h: &Harness, redirect: &str) -> String {
    let response = browser()
        .post(h.url("/oauth/register"))
        .json(&json!({"client_name": "Test client", "redirect_uris": [redirect]}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["token_endpoint_auth_method"], "none");
    body["client_id"].as_str().expect("client_id").to_owned()
}

/// The `pending` field of an authorize page.
pub fn pending_of(html: &str) -> String {
    let start = html
        .find("name=\"pending\" value=\"")
        .unwrap_or_else(|| panic!("no pending field in {html}"))
        + "name=\"pending\" value=\"".len();
    let end = html[start..].find('"').expect("closing quote") + start;
    html[start..end].to_owned()
}

/// The `bms_mcp_oauth` cookie an authorize page set, as a `Cookie` header value.
pub fn cookie_of(response: &reqwest::Response) -> String {
    let set = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a cookie is set");
    set.split(';').next().expect("name=value").to_owned()
}

/// The authorize URL for a request.
pub fn authorize_url(
    h: &Harness,
    client_id: &str,
    redirect: &str,
    pkce: &Pkce,
    resource: Option<&str>,
) -> String {
    let mut url = reqwest::Url::parse(&h.url("/oauth/authorize")).expect("URL");
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", client_id)
            .append_pair("redirect_uri", redirect)
            .append_pair("code_challenge", &pkce.challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("state", "st-1");
        if let Some(resource) = resource {
            q.append_pair("resource", resource);
        }
    }
    url.to_string()
}

/// The query of a redirect's `Location`, as pairs.
pub fn redirect_query(response: &reqwest::Response) -> Vec<(String, String)> {
    assert_eq!(response.status(), 303, "a redirect back to the client");
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("Location");
    let url = reqwest::Url::parse(location).expect("absolute Location");
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The authorize page's sign-in form as a browser first gets it.
pub struct SignInForm {
    /// The browser-binding cookie the form's POSTs must carry.
    pub cookie: String,
    /// The signed pending authorization the form carries.
    pub pending: String,
    /// The page's Content-Security-Policy.
    pub csp: String,
}

/// Opens the authorize page for `client_id` and `resource` in `http`, as a browser would.
pub async fn open_sign_in(
    h: &Harness,
    http: &reqwest::Client,
    client_id: &str,
    pkce: &Pkce,
    resource: &str,
) -> SignInForm {
    let page = http
        .get(authorize_url(h, client_id, REDIRECT, pkce, Some(resource)))
        .send()
        .await
        .expect("sent");
    assert_eq!(page.status(), 200);
    let cookie = cookie_of(&page);
    let csp = page
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let pending = pending_of(&page.text().await.expect("page"));
    SignInForm {
        cookie,
        pending,
        csp,
    }
}

/// Signs in and allows: the code the client gets back (after checking `state` and `iss`).
pub async fn authorize(h: &Harness, client_id: &str, pkce: &Pkce, resource: &str) -> String {
    let http = browser();
    let SignInForm {
        cookie, pending, ..
    } = open_sign_in(h, &http, client_id, pkce, resource).await;
    let consent = http
        .post(h.url("/oauth/authorize"))
        .header("cookie", &cookie)
        .form_pairs(&[
            ("pending", pending.as_str()),
            ("action", "sign_in"),
            ("username", USER),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(consent.status(), 200, "the consent page");
    let consent_html = consent.text().await.expect("page");
    assert!(consent_html.contains("Allow"), "{consent_html}");
    let pending = pending_of(&consent_html);
    let allowed = http
        .post(h.url("/oauth/authorize"))
        .header("cookie", &cookie)
        .form_pairs(&[("pending", pending.as_str()), ("action", "allow")])
        .send()
        .await
        .expect("sent");
    let query = redirect_query(&allowed);
    assert_eq!(param(&query, "state"), Some("st-1"));
    assert_eq!(
        param(&query, "iss"),
        Some(h.url("").as_str()),
        "RFC 9207 iss is the issuer"
    );
    param(&query, "code").expect("a code").to_owned()
}

/// One token request: status and JSON.
pub async fn token(h: &Harness, form: &[(&str, &str)]) -> (u16, Value) {
    let response = browser()
        .post(h.url("/oauth/token"))
        .form_pairs(form)
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON answer"))
}

/// Exchanges a code as the client would.
pub async fn exchange(
    h: &Harness,
    client_id: &str,
    code: &str,
    pkce: &Pkce,
    resource: &str,
) -> (u16, Value) {
    token(
        h,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", client_id),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &pkce.verifier),
            ("resource", resource),
        ],
    )
    .await
}

/// Registration, sign-in, consent and code exchange: the token answer.
pub async fn sign_in_fully(h: &Harness, server: &OAuthServer) -> Value {
    let client_id = register(h, REDIRECT).await;
    let pkce = Pkce::new();
    let code = authorize(h, &client_id, &pkce, &server.url).await;
    let (status, tokens) = exchange(h, &client_id, &code, &pkce, &server.url).await;
    assert_eq!(status, 200, "{tokens}");
    let mut tokens = tokens;
    tokens["client_id"] = client_id.into();
    tokens
}

/// URL-encoded form bodies (reqwest is built without its `form` feature).
pub trait FormPairs {
    fn form_pairs(self, pairs: &[(&str, &str)]) -> Self;
}

impl FormPairs for reqwest::RequestBuilder {
    fn form_pairs(self, pairs: &[(&str, &str)]) -> Self {
        let mut url = reqwest::Url::parse("form:").expect("URL");
        url.query_pairs_mut().extend_pairs(pairs);
        let body = url.query().unwrap_or_default().to_owned();
        self.header("content-type", "application/x-www-form-urlencoded")
            .body(body)
    }
}
