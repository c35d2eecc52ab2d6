//! Client ID Metadata Documents (the MCP specification's preferred registration): a client
//! whose `client_id` is the URL of its metadata document signs a person in without
//! registering; documents that lie about their URL, leave out the redirect URI, are too large
//! or sit on a non-public address are refused with a page, never a redirect.

mod common;
mod oauth_support;

use axum::routing::get;
use common::backends::Backend;
use common::{Harness, Options};
use oauth_support::*;
use serde_json::json;

/// Serves `body` at `/client.json` on loopback; the document's URL.
async fn publish(body: impl Fn(&str) -> String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/client.json", listener.local_addr().unwrap());
    let text = body(&url);
    let app = axum::Router::new().route(
        "/client.json",
        get(move || async move { ([("content-type", "application/json")], text) }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

fn document(url: &str) -> String {
    json!({"client_id": url, "client_name": "Metadata client", "redirect_uris": [REDIRECT]})
        .to_string()
}

async fn harness(backend: Backend) -> Harness {
    Harness::with(Options {
        loopback_client_metadata: true,
        backend,
        ..Options::default()
    })
    .await
}

async fn a_client_known_by_its_metadata_document_signs_a_person_in_without_registering(
    backend: Backend,
) {
    let h = harness(backend).await;
    person(&h).await;
    let server = oauth_server(&h, "crm", &[]).await;
    let client_id = publish(document).await;
    let issuer: serde_json::Value = h
        .http
        .get(h.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(issuer["client_id_metadata_document_supported"], true);
    let pkce = Pkce::new();
    let code = authorize(&h, &client_id, &pkce, &server.url).await;
    let (status, tokens) = exchange(&h, &client_id, &code, &pkce, &server.url).await;
    assert_eq!(status, 200, "{tokens}");
    let (status, _) = h
        .mcp_at(
            &server.url,
            tokens["access_token"].as_str(),
            "tools/list",
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
}

async fn refused(h: &Harness, client_id: &str, server_url: &str) -> String {
    let page = browser()
        .get(authorize_url(
            h,
            client_id,
            REDIRECT,
            &Pkce::new(),
            Some(server_url),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 400);
    assert!(page.headers().get("location").is_none(), "never redirected");
    page.text().await.unwrap()
}

#[tokio::test]
async fn documents_that_lie_about_their_url_omit_the_redirect_or_are_too_large_are_refused() {
    let h = harness(Backend::Sqlite).await;
    let server = oauth_server(&h, "crm", &[]).await;
    let liar = publish(|_| {
        json!({"client_id": "https://claude.ai/x.json", "redirect_uris": [REDIRECT]}).to_string()
    })
    .await;
    assert!(
        refused(&h, &liar, &server.url)
            .await
            .contains("not the URL it was fetched from")
    );
    let other_redirect = publish(|url| {
        json!({"client_id": url, "redirect_uris": ["http://127.0.0.1:9/other"]}).to_string()
    })
    .await;
    assert!(
        refused(&h, &other_redirect, &server.url)
            .await
            .contains("redirect_uri is not one")
    );
    let huge = publish(|url| {
        json!({"client_id": url, "redirect_uris": [REDIRECT], "padding": "x".repeat(6000)})
            .to_string()
    })
    .await;
    assert!(
        refused(&h, &huge, &server.url)
            .await
            .contains("larger than")
    );
}

#[tokio::test]
async fn a_plain_http_document_is_refused_unless_loopback_is_allowed_for_tests() {
    let h = Harness::start().await;
    let server = oauth_server(&h, "crm", &[]).await;
    let client_id = publish(document).await;
    assert!(
        refused(&h, &client_id, &server.url)
            .await
            .contains("not an https URL")
    );
}

on_both_backends!(a_client_known_by_its_metadata_document_signs_a_person_in_without_registering);
