//! `OAuthError`: the RFC 6749 §5.2 error answer (`{"error", "error_description"}`, never
//! cached) of the token and registration endpoints, and the form parameters they read.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::console::form::FormFields;
use crate::store::StoreError;

/// An OAuth error code and a description a developer can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {description}")]
pub struct OAuthError {
    /// An RFC 6749, RFC 7591 or RFC 8707 error code.
    pub code: &'static str,
    pub description: String,
}

impl OAuthError {
    fn new(code: &'static str, description: impl Into<String>) -> OAuthError {
        OAuthError {
            code,
            description: description.into(),
        }
    }

    /// A parameter is missing, repeated or malformed.
    pub fn invalid_request(description: impl Into<String>) -> OAuthError {
        OAuthError::new("invalid_request", description)
    }

    /// The code or refresh token is unknown, spent, expired or not this client's.
    pub fn invalid_grant(description: impl Into<String>) -> OAuthError {
        OAuthError::new("invalid_grant", description)
    }

    /// The `resource` is not this grant's MCP server (RFC 8707 §2).
    pub fn invalid_target(description: impl Into<String>) -> OAuthError {
        OAuthError::new("invalid_target", description)
    }

    /// A grant type other than the two we issue.
    pub fn unsupported_grant_type(description: impl Into<String>) -> OAuthError {
        OAuthError::new("unsupported_grant_type", description)
    }

    /// A registration's redirect URI is refused (RFC 7591 §3.2.2).
    pub fn invalid_redirect_uri(description: impl Into<String>) -> OAuthError {
        OAuthError::new("invalid_redirect_uri", description)
    }

    /// Other registration metadata is refused (RFC 7591 §3.2.2).
    pub fn invalid_client_metadata(description: impl Into<String>) -> OAuthError {
        OAuthError::new("invalid_client_metadata", description)
    }

    /// The store did not answer; the client may retry.
    pub fn unavailable() -> OAuthError {
        OAuthError::new(
            "temporarily_unavailable",
            "the authorization server cannot reach its store right now; try again shortly",
        )
    }

    fn status(&self) -> StatusCode {
        match self.code {
            "temporarily_unavailable" => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl From<StoreError> for OAuthError {
    fn from(error: StoreError) -> OAuthError {
        tracing::error!(%error, "the store failed during an OAuth request");
        OAuthError::unavailable()
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": self.code, "error_description": self.description});
        (self.status(), no_store_json(), body.to_string()).into_response()
    }
}

/// The headers of every token-endpoint answer (RFC 6749 §5.1: never cached).
pub fn no_store_json() -> [(header::HeaderName, &'static str); 3] {
    [
        (header::CONTENT_TYPE, "application/json"),
        (header::CACHE_CONTROL, "no-store"),
        (header::PRAGMA, "no-cache"),
    ]
}

/// A form body's parameters, each at most once (RFC 6749 §3.2: "parameters MUST NOT be
/// included more than once").
pub fn form_parameters(headers: &HeaderMap, body: &[u8]) -> Result<FormFields, OAuthError> {
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form_type {
        return Err(OAuthError::invalid_request(
            "send the parameters as application/x-www-form-urlencoded",
        ));
    }
    single_parameters(FormFields::parse(body))
}

/// Refuses repeated parameters.
pub fn single_parameters(fields: FormFields) -> Result<FormFields, OAuthError> {
    match fields.repeated() {
        Some(name) => Err(OAuthError::invalid_request(format!(
            "parameter `{name}` is given more than once"
        ))),
        None => Ok(fields),
    }
}

/// A required parameter's value.
pub fn required<'a>(fields: &'a FormFields, name: &str) -> Result<&'a str, OAuthError> {
    fields
        .get(name)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| OAuthError::invalid_request(format!("parameter `{name}` is required")))
}
