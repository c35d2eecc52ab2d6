//! The management service: every change an admin makes (integrated accounts, MCP servers,
//! admin tokens, users, grants, console sessions, the first run's setup) goes through
//! `Management`, whoever asks: the admin API, the console or the CLI. Each action checks its
//! input the same way for every caller, writes the store, tells this process's `Directory`
//! (so the change applies here at once rather than within its `CACHE_TTL`) and records one
//! audit row under the acting `Actor`.
//!
//! The CLI runs in its own process and has no directory: other processes see its changes
//! within `CACHE_TTL`, as they see another replica's.
//!
//! Audit rows are written after the action: when writing one fails, the action has happened
//! anyway, so the failure is logged and the action still succeeds.

mod accounts;
mod admin_tokens;
mod bootstrap;
mod console;
mod errors;
mod people;
mod servers;
#[cfg(test)]
mod tests;

use std::sync::Arc;

pub use admin_tokens::CreatedAdminToken;
pub use bootstrap::FirstRun;
pub use errors::ManageError;
pub use servers::CreatedMcpServer;

use crate::access::Gate;
use crate::access::directory::Directory;
use crate::access::upstreams::{BMS_REGIONS, SANDBOX_REGION};
use crate::store::{Actor, Store};

/// Management actions on the store, with the directory of the server process when there is
/// one. Cheap to clone.
#[derive(Clone)]
pub struct Management {
    store: Store,
    directory: Option<Arc<Directory>>,
}

impl Management {
    /// For a process without a directory (the CLI, `serve` before it listens).
    pub fn new(store: Store) -> Management {
        Management {
            store,
            directory: None,
        }
    }

    /// For a request the server process handles: changes are also applied to the directory
    /// behind `gate` at once. (Defined here, not on `Gate`, so `access` stays below `manage`.)
    pub fn of(gate: &Gate) -> Management {
        Management::with_directory(gate.directory.clone())
    }

    /// For the server process: changes are also applied to its directory at once.
    pub fn with_directory(directory: Arc<Directory>) -> Management {
        Management {
            store: directory.store().clone(),
            directory: Some(directory),
        }
    }

    /// The store, for reads.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The regions an integrated account may name: those the server's upstreams know; without
    /// a directory (the CLI), every BMS region and the built-in sandbox, which `serve` starts
    /// for an account that names it.
    pub fn regions(&self) -> Vec<String> {
        match &self.directory {
            Some(directory) => directory.upstreams().region_names(),
            None => BMS_REGIONS
                .iter()
                .map(|(region, _)| (*region).to_owned())
                .chain([SANDBOX_REGION.to_owned()])
                .collect(),
        }
    }

    /// Runs `tell` on this process's directory, when it has one.
    fn tell_directory(&self, tell: impl FnOnce(&Directory)) {
        if let Some(directory) = &self.directory {
            tell(directory);
        }
    }

    /// Records an action that has happened. A failure to record it is logged, not returned:
    /// the action cannot be undone by then, and its caller must learn that it succeeded.
    async fn audit(&self, actor: &Actor, action: &str, target: Option<&str>) {
        if let Err(error) = self.store.record_admin_action(actor, action, target).await {
            tracing::error!(%error, action, target, actor = %actor.name, "could not record an admin action in the audit log");
        }
    }
}
