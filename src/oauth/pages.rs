//! The authorize endpoint's pages: sign-in, consent and the error shown when a request
//! cannot be sent back to its client. Server-rendered with maud (every value escaped), sent
//! with the console's security headers (`no-store`, CSP, no framing).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use super::oidc::Provider;
use crate::console::layout::Page;

/// What the consent page says is being granted.
pub struct ConsentFacts<'a> {
    pub client_name: &'a str,
    pub redirect_uri: &'a str,
    pub username: &'a str,
    pub account_name: &'a str,
    pub server_name: &'a str,
    pub methods: &'a [String],
    pub tags: &'a [String],
    pub tools: usize,
}

fn shell(title: &str, body: Markup) -> Page {
    Page(html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · bms-mcp" }
                link rel="stylesheet" href="/admin/assets/console.css";
            }
            body {
                header class="top" { span class="brand" { "bms-mcp" } }
                main id="main" { (body) }
            }
        }
    })
}

/// The sign-in form; `problem` says why the last attempt failed. With an OpenID Connect
/// provider, a "Sign in with …" button beside it; the page's CSP then lets that form's
/// redirect go to the provider (browsers apply `form-action` to the redirect after a POST).
pub fn sign_in(
    client_name: &str,
    pending: &str,
    problem: Option<&str>,
    provider: Option<&Provider>,
) -> Response {
    let page = shell(
        "Sign in",
        html! {
            h1 { "Sign in to connect “" (client_name) "”" }
            @if let Some(problem) = problem {
                p class="problem" role="alert" { (problem) }
            }
            form method="post" action="/oauth/authorize" class="card" {
                input type="hidden" name="pending" value=(pending);
                div class="field" {
                    label for="username" { "User name" }
                    input id="username" name="username" type="text" required autocomplete="username" autofocus;
                }
                div class="field" {
                    label for="password" { "Password" }
                    input id="password" name="password" type="password" required autocomplete="current-password";
                }
                button type="submit" name="action" value="sign_in" { "Sign in" }
            }
            @if let Some(provider) = provider {
                form method="post" action="/oauth/authorize" class="card" {
                    input type="hidden" name="pending" value=(pending);
                    button type="submit" name="action" value="oidc" { "Sign in with " (provider.name) }
                }
            }
        },
    );
    let mut response = page.into_response();
    if let Some(provider) = provider {
        let csp = format!(
            "default-src 'none'; style-src 'self'; form-action 'self' {}; frame-ancestors 'none'; base-uri 'none'",
            provider.authorization_origin()
        );
        if let Ok(value) = HeaderValue::from_str(&csp) {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    response
}

/// The consent screen: which client, as whom, on which integrated account, with which scope.
/// Its CSP lets the form's answer redirect to the client (browsers apply `form-action` to
/// the redirect after a POST).
pub fn consent(facts: &ConsentFacts<'_>, pending: &str) -> Response {
    let all = |list: &[String]| {
        if list.is_empty() {
            "all".to_owned()
        } else {
            list.join(", ")
        }
    };
    let page = shell(
        "Allow access",
        html! {
            h1 { "Allow “" (facts.client_name) "” to use Kaseya BMS as " (facts.username) "?" }
            div class="card" {
                p { "It will be able to call " strong { (facts.tools) " tools" } " of the MCP server “" (facts.server_name) "” on the integrated account " strong { (facts.account_name) } ":" }
                ul {
                    li { "Methods: " (all(facts.methods)) }
                    li { "Tags: " (all(facts.tags)) }
                }
                p class="help" { "After you allow it, you are sent back to " code { (facts.redirect_uri) } "." }
                form method="post" action="/oauth/authorize" {
                    input type="hidden" name="pending" value=(pending);
                    button type="submit" name="action" value="allow" { "Allow" }
                    " "
                    button type="submit" name="action" value="deny" class="secondary" { "Deny" }
                }
            }
        },
    );
    let mut response = page.into_response();
    let csp = format!(
        "default-src 'none'; style-src 'self'; form-action 'self' {}; frame-ancestors 'none'; base-uri 'none'",
        redirect_source(facts.redirect_uri)
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// A CSP source for a redirect URI: its origin, or its scheme for a private-use one
/// (`cursor:`).
fn redirect_source(redirect_uri: &str) -> String {
    match reqwest::Url::parse(redirect_uri) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => url.origin().ascii_serialization(),
        Ok(url) => format!("{}:", url.scheme()),
        Err(_) => "'none'".to_owned(),
    }
}

/// A request that cannot go back to its client (unknown client, unregistered redirect URI):
/// shown here, never redirected (RFC 6749 §4.1.2.1).
pub fn problem(message: &str) -> Response {
    let page = shell(
        "Cannot connect",
        html! {
            h1 { "This connection request cannot be completed" }
            p class="problem" role="alert" { (message) }
            p { "Start again from your AI client's connector settings, or ask your bms-mcp administrator." }
        },
    );
    (axum::http::StatusCode::BAD_REQUEST, page).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_consent_form_may_redirect_to_its_client_only() {
        assert_eq!(
            redirect_source("https://claude.ai/api/mcp/auth_callback"),
            "https://claude.ai"
        );
        assert_eq!(
            redirect_source("cursor://anysphere.cursor-retrieval/oauth/x/callback"),
            "cursor:"
        );
        assert_eq!(redirect_source("not a url"), "'none'");
    }
}
