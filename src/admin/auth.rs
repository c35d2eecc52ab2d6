//! The admin extractor: a handler that takes `Admin` runs only for a valid admin token.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::errors::AdminError;
use crate::access::{Gate, bearer_token};
use crate::store::{Actor, AdminToken};

/// The admin token a request was made with.
pub struct Admin(pub AdminToken);

impl Admin {
    /// The audit log's "who".
    pub fn actor(&self) -> Actor {
        Actor::from(&self.0)
    }
}

impl FromRequestParts<Arc<Gate>> for Admin {
    type Rejection = AdminError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<Gate>,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers).ok_or(AdminError::Unauthorized)?;
        match state.directory.admin_token(token).await? {
            Some(admin) => Ok(Admin(admin)),
            None => Err(AdminError::Unauthorized),
        }
    }
}
