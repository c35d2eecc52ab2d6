//! Why the gate refused a request, and the HTTP answer each reason is owed.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::bearer::{SCOPE, resource_metadata_url};

/// Why a request may not use the MCP endpoint it addressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The URL token is unknown or revoked (401).
    UnknownUrl,
    /// The URL token's server has expired (401, worded like `UnknownUrl` apart from the reason).
    ExpiredUrl,
    /// The server requires an admin API token as the bearer, and none valid was sent (401).
    AdminTokenRequired,
    /// No OAuth server has this id, or it has expired (404).
    NoOAuthServer,
    /// The OAuth server needs a valid access token for `resource`: none was sent
    /// (`problem` is `None`), or the one sent is unknown, expired or for another server (401
    /// with the RFC 9728 `resource_metadata` challenge).
    SignIn {
        resource: String,
        problem: Option<&'static str>,
    },
    /// An access token was put in the URL's query string (400).
    TokenInQuery,
    /// The store or the account's BMS settings cannot be had right now (503).
    Unavailable,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::UnknownUrl => url_refused("is unknown or revoked"),
            Refusal::ExpiredUrl => url_refused("expired"),
            Refusal::AdminTokenRequired => unauthorized(
                "invalid_token",
                "This MCP server also requires an admin API token: send it as Authorization: Bearer <token>.",
            ),
            Refusal::NoOAuthServer => (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "no OAuth-protected MCP server at this address",
            )
                .into_response(),
            Refusal::SignIn { resource, problem } => challenge(&resource, problem),
            Refusal::TokenInQuery => json_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "access tokens are never accepted in the URL; send Authorization: Bearer <token>",
            ),
            Refusal::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "5")],
                "bms-mcp cannot reach its store or this account's BMS settings right now; try again shortly",
            )
                .into_response(),
        }
    }
}

fn url_refused(reason: &str) -> Response {
    unauthorized(
        "invalid_token",
        &format!("This MCP server URL {reason}. Ask your administrator for a new one."),
    )
}

/// 401 with `WWW-Authenticate` and an OAuth-style JSON body.
pub fn unauthorized(error: &str, description: &str) -> Response {
    let mut response = json_error(StatusCode::UNAUTHORIZED, error, description);
    let value = format!("Bearer realm=\"bms-mcp\", error=\"{error}\"");
    if let Ok(value) = HeaderValue::from_str(&value) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// 401 pointing at the resource's metadata; `problem` set when a token was sent (RFC 6750
/// §3: `invalid_token`), absent when none was.
fn challenge(resource: &str, problem: Option<&str>) -> Response {
    let metadata = resource_metadata_url(resource);
    let mut value = format!("Bearer resource_metadata=\"{metadata}\", scope=\"{SCOPE}\"");
    if let Some(problem) = problem {
        value.push_str(&format!(
            ", error=\"invalid_token\", error_description=\"{problem}\""
        ));
    }
    let mut response = match problem {
        Some(problem) => json_error(StatusCode::UNAUTHORIZED, "invalid_token", problem),
        None => json_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "this MCP server needs you to sign in: connect with an OAuth-capable client, which will discover how from resource_metadata",
        ),
    };
    if let Ok(value) = HeaderValue::from_str(&value) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

fn json_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = serde_json::json!({"error": error, "error_description": description});
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authenticate(refusal: Refusal) -> (StatusCode, String) {
        let response = refusal.into_response();
        let value = response
            .headers()
            .get(header::WWW_AUTHENTICATE)
            .map(|v| v.to_str().unwrap_or_default().to_owned())
            .unwrap_or_default();
        (response.status(), value)
    }

    #[test]
    fn url_token_refusals_are_401_bearer_challenges() {
        for refusal in [
            Refusal::UnknownUrl,
            Refusal::ExpiredUrl,
            Refusal::AdminTokenRequired,
        ] {
            let (status, value) = authenticate(refusal);
            assert_eq!(status, StatusCode::UNAUTHORIZED);
            assert_eq!(value, "Bearer realm=\"bms-mcp\", error=\"invalid_token\"");
        }
    }

    #[test]
    fn a_sign_in_challenge_names_the_resource_metadata() {
        let resource = "https://mcp.example.com/mcp/o/abc".to_owned();
        let (status, value) = authenticate(Refusal::SignIn {
            resource: resource.clone(),
            problem: None,
        });
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            value,
            "Bearer resource_metadata=\"https://mcp.example.com/.well-known/oauth-protected-resource/mcp/o/abc\", scope=\"mcp:tools\""
        );
        let (_, value) = authenticate(Refusal::SignIn {
            resource,
            problem: Some("the access token has expired"),
        });
        assert!(value.ends_with(
            ", error=\"invalid_token\", error_description=\"the access token has expired\""
        ));
    }

    #[test]
    fn other_refusals_have_their_own_status() {
        assert_eq!(
            authenticate(Refusal::NoOAuthServer).0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            authenticate(Refusal::TokenInQuery).0,
            StatusCode::BAD_REQUEST
        );
        let unavailable = Refusal::Unavailable.into_response();
        assert_eq!(unavailable.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(unavailable.headers()[header::RETRY_AFTER], "5");
    }
}
