//! The BMS response envelope (`{"success","error","result","totalRecords"}`, camelCase as live
//! BMS sends it) and the errors the sandbox answers with.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The `error.code` values the sandbox uses. BMS documents only 978001 (expired token); the
/// others are the sandbox's own, chosen in the same six-digit style so clients that branch on
/// codes see realistic values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// No bearer token, or one the sandbox never issued (HTTP 401).
    Unauthorized = 978_000,
    /// The access token has expired (HTTP 401); refresh it or log in again.
    TokenExpired = 978_001,
    /// Wrong user name, password or tenant on authenticate (HTTP 401).
    InvalidCredentials = 978_002,
    /// The API user needs MFA and no `MFACode` was sent (HTTP 401).
    MfaRequired = 978_003,
    /// The `MFACode` is not the current TOTP code (HTTP 401).
    MfaInvalid = 978_004,
    /// The refresh token does not belong to the access token, or has expired (HTTP 401).
    RefreshInvalid = 978_005,
    /// A path, query or body value failed binding or validation (HTTP 400).
    Validation = 400,
    /// The object named in the path does not exist (HTTP 404).
    NotFound = 404,
    /// The path exists but not with this method (HTTP 405).
    MethodNotAllowed = 405,
    /// The body's content type is not one the operation takes (HTTP 415).
    UnsupportedMediaType = 415,
    /// The per-endpoint budget is spent (HTTP 429).
    RateLimited = 429,
    /// A business rule refused the change; answered as HTTP 200 with `success: false`.
    BusinessRule = 422,
    /// An injected server fault (HTTP 500).
    Internal = 500,
}

/// A refusal, rendered as the BMS error envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    pub details: Option<String>,
    pub sub_errors: Vec<String>,
}

impl ApiError {
    fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            details: None,
            sub_errors: Vec::new(),
        }
    }

    /// Missing, unknown or malformed bearer token.
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, message)
    }

    /// The one BMS documents: code 978001.
    pub fn token_expired() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::TokenExpired,
            "The access token has expired. Refresh it with /v2/security/refreshtoken or authenticate again.",
        )
    }

    /// An authentication refusal with its own code.
    pub fn auth(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// A binding or validation failure; `sub_errors` lists every problem found.
    pub fn validation(message: impl Into<String>, sub_errors: Vec<String>) -> ApiError {
        let mut e = ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::Validation, message);
        e.sub_errors = sub_errors;
        e
    }

    /// A single validation problem.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        let message = message.into();
        ApiError::validation(message.clone(), vec![message])
    }

    /// The object does not exist.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, message)
    }

    /// No such path in BMS v2.
    pub fn no_route(method: &str, path: &str) -> ApiError {
        ApiError::not_found(format!("No BMS v2 operation matches {method} {path}."))
    }

    /// The path exists with other methods.
    pub fn method_not_allowed(method: &str, path: &str, allowed: &[&str]) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::MethodNotAllowed,
            format!("{path} does not accept {method}."),
        );
        e.details = Some(format!("Allowed: {}", allowed.join(", ")));
        e
    }

    /// The body is not in a content type the operation binds.
    pub fn unsupported_media_type(expected: &str) -> ApiError {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            format!("Unsupported content type; send {expected}."),
        )
    }

    /// The endpoint's budget is spent.
    pub fn rate_limited(limit: u64, window: &str) -> ApiError {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            format!("API rate limit exceeded: {limit} requests per {window} for this endpoint."),
        )
    }

    /// A refused state change, answered as HTTP 200 with `success: false` as live BMS does.
    pub fn business_rule(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::OK, ErrorCode::BusinessRule, message)
    }

    /// An injected 5xx.
    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "An unexpected error occurred. Please try again later.",
        )
    }

    /// Adds a `details` text.
    pub fn with_details(mut self, details: impl Into<String>) -> ApiError {
        self.details = Some(details.into());
        self
    }

    /// The envelope body.
    pub fn envelope(&self) -> Value {
        json!({
            "success": false,
            "error": {
                "code": self.code as i32,
                "message": self.message,
                "details": self.details,
                "subErrors": self.sub_errors,
            },
            "result": null,
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(self.status, &self.envelope())
    }
}

/// A success envelope; `total` only for operations whose schema is a paged response.
pub fn success(result: Value, total: Option<usize>) -> Value {
    let mut body = json!({ "success": true, "error": null, "result": result });
    if let (Some(total), Some(map)) = (total, body.as_object_mut()) {
        map.insert("totalRecords".into(), json!(total));
    }
    body
}

/// A JSON answer with the content type ASP.NET sends.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_envelope_is_camel_case_with_null_result() {
        let e = ApiError::invalid("The Title field is required.");
        assert_eq!(
            e.envelope(),
            json!({"success": false, "error": {"code": 400, "message": "The Title field is required.",
                "details": null, "subErrors": ["The Title field is required."]}, "result": null})
        );
    }

    #[test]
    fn paged_success_carries_total_records() {
        assert_eq!(
            success(json!([1]), Some(7)),
            json!({"success": true, "error": null, "result": [1], "totalRecords": 7})
        );
        assert!(success(json!({}), None).get("totalRecords").is_none());
    }
}
