//! Why a management action did not happen. Callers turn these into their own answers (a 400
//! or 404 of the admin API, a console page, a CLI message naming the command to list ids),
//! so the variants carry what was named rather than a finished sentence for one of them.

use crate::store::{Invalid, StoreError};

/// Why a management action was refused or failed. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum ManageError {
    /// A field of the request is not acceptable; `field` is named as the admin API names it.
    #[error("{0}")]
    Invalid(#[from] Invalid),
    #[error("no integrated account with id `{0}`; list the integrated accounts to find its id")]
    NoAccount(String),
    #[error(
        "no MCP server with id `{0}` on this integrated account; list its MCP servers to find the id"
    )]
    NoServer(String),
    #[error("no admin token with id `{0}`; list the admin tokens to find its id")]
    NoAdminToken(String),
    #[error("no user named `{0}`; list the users to find the name")]
    NoUser(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}
