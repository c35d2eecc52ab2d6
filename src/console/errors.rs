//! The console's one error type: each refusal is a page (or the sign-in redirect), never a
//! detail of the store.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::layout;
use crate::manage::ManageError;
use crate::store::StoreError;

/// Why a console request was not served.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// No session, an expired one, or one whose admin token was revoked.
    #[error("sign in first")]
    SignIn,
    /// A POST without the session's CSRF token.
    #[error("the form's security token is missing or wrong")]
    Csrf,
    /// What the path names does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The body is not a form, or is too large.
    #[error("{0}")]
    BadForm(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ManageError> for ConsoleError {
    /// For the actions whose input is not a form shown again (those handle `Invalid` first).
    fn from(error: ManageError) -> ConsoleError {
        match error {
            ManageError::Invalid(invalid) => ConsoleError::BadForm(invalid.to_string()),
            ManageError::NoAccount(id) => {
                ConsoleError::NotFound(format!("There is no integrated account with id {id}."))
            }
            ManageError::NoServer(id) => ConsoleError::NotFound(format!(
                "There is no MCP server with id {id} on this integrated account."
            )),
            error @ (ManageError::NoAdminToken(_) | ManageError::NoUser(_)) => {
                ConsoleError::NotFound(error.to_string())
            }
            ManageError::Store(error) => ConsoleError::Store(error),
        }
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            ConsoleError::SignIn => return Redirect::to("/admin/sign-in").into_response(),
            ConsoleError::Csrf => (
                StatusCode::FORBIDDEN,
                "Form expired",
                "This form's security token is missing or does not match your session. \
                 Go back, reload the page and try again."
                    .to_owned(),
            ),
            ConsoleError::NotFound(message) => (StatusCode::NOT_FOUND, "Not found", message),
            ConsoleError::BadForm(message) => (StatusCode::BAD_REQUEST, "Bad request", message),
            ConsoleError::Store(error) => {
                tracing::error!(%error, "admin console request failed in the store");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Store unavailable",
                    "The store is unavailable; try again shortly.".to_owned(),
                )
            }
        };
        let body = html! {
            h1 { (title) }
            p { (message) }
            p { a href="/admin/accounts" { "Back to integrated accounts" } }
        };
        (status, layout::page(title, None, body)).into_response()
    }
}
