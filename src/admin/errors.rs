//! The admin API's one error type. Every refusal is JSON `{"error": {"field", "message"}}`
//! with the status it deserves; store failures are logged here and reach the client only as
//! a 503 without details.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::manage::ManageError;
use crate::store::{Invalid, StoreError};

/// Why an admin request was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("missing or invalid admin token")]
    Unauthorized,
    /// A field of the request is not acceptable (400).
    #[error("{0}")]
    Invalid(#[from] Invalid),
    /// What the path names does not exist (404).
    #[error("{field}: {message}")]
    NotFound {
        field: &'static str,
        message: String,
    },
    /// The body could not be read at all (400 malformed, 413 too large, 415 not JSON).
    #[error("{message}")]
    Body { status: StatusCode, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AdminError {
    pub fn not_found(field: &'static str, message: impl Into<String>) -> AdminError {
        AdminError::NotFound {
            field,
            message: message.into(),
        }
    }

    /// 404 for an integrated account id of the path.
    pub fn no_account(id: &str) -> AdminError {
        AdminError::not_found(
            "integrated_account_id",
            format!("no integrated account with id `{id}`; list them with GET /integrated-account"),
        )
    }

    /// 404 for an MCP server id of the path.
    pub fn no_server(id: &str) -> AdminError {
        AdminError::not_found(
            "mcp_id",
            format!("no MCP server with id `{id}` on this integrated account"),
        )
    }

    pub fn malformed(message: impl Into<String>) -> AdminError {
        AdminError::Body {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
}

impl From<ManageError> for AdminError {
    fn from(error: ManageError) -> AdminError {
        match error {
            ManageError::Invalid(invalid) => AdminError::Invalid(invalid),
            ManageError::NoAccount(id) => AdminError::no_account(&id),
            ManageError::NoServer(id) => AdminError::no_server(&id),
            // The admin API names no admin tokens or users in its paths.
            error @ (ManageError::NoAdminToken(_) | ManageError::NoUser(_)) => {
                AdminError::not_found("id", error.to_string())
            }
            ManageError::Store(error) => AdminError::Store(error),
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let (status, field, message) = match self {
            AdminError::Unauthorized => {
                let body = json!({"error": {
                    "field": "authorization",
                    "message": "send an admin API token as Authorization: Bearer bmsa_...; create one with `bms-mcp admin-token create`",
                }});
                return (
                    StatusCode::UNAUTHORIZED,
                    [(
                        header::WWW_AUTHENTICATE,
                        "Bearer realm=\"bms-mcp-admin\", error=\"invalid_token\"",
                    )],
                    axum::Json(body),
                )
                    .into_response();
            }
            AdminError::Invalid(invalid) => (
                StatusCode::BAD_REQUEST,
                Some(invalid.field),
                invalid.message,
            ),
            AdminError::NotFound { field, message } => {
                (StatusCode::NOT_FOUND, Some(field.to_owned()), message)
            }
            AdminError::Body { status, message } => (status, Some("body".to_owned()), message),
            AdminError::Store(error) => {
                tracing::error!(%error, "admin request failed in the store");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    None,
                    "the store is unavailable; try again shortly".to_owned(),
                )
            }
        };
        (
            status,
            axum::Json(json!({"error": {"field": field, "message": message}})),
        )
            .into_response()
    }
}
