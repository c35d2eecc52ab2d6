//! MCP servers: create, look up, update, delete.

use super::{ManageError, Management};
use crate::store::servers::check_name_and_expiry;
use crate::store::{Actor, Invalid, McpServer, McpServerChanges, NewMcpServer, unix_now};

/// A server just created, with its token: the token exists only here (the store keeps its
/// hash), so the caller shows it, or the URL made from it, this once.
pub struct CreatedMcpServer {
    pub server: McpServer,
    pub token: String,
}

/// Refuses a change of `auth`: a server's URL and the clients set up with it depend on it.
fn check_auth_unchanged(current: &McpServer, changes: &McpServerChanges) -> Result<(), Invalid> {
    let Some(config) = &changes.config else {
        return Ok(());
    };
    if config.auth == current.config.auth {
        return Ok(());
    }
    Err(Invalid::new(
        "config.auth",
        format!(
            "is `{}` and cannot change: a server's URL and its clients depend on it; \
             create a new MCP server with auth `{}`",
            current.config.auth.as_str(),
            config.auth.as_str()
        ),
    ))
}

impl Management {
    /// Checks (name, expiry in the future, config) and stores a new server; audited as
    /// `mcp_server.create`. The directory's expiry task is told, as the server may expire
    /// before anything it waits for.
    pub async fn create_mcp_server(
        &self,
        actor: &Actor,
        new: NewMcpServer,
    ) -> Result<CreatedMcpServer, ManageError> {
        check_name_and_expiry(Some(&new.name), new.expires_at, unix_now())?;
        new.config.validate()?;
        let account_id = new.account_id.clone();
        let (server, token) = self
            .store
            .create_mcp_server(new)
            .await?
            .ok_or(ManageError::NoAccount(account_id))?;
        self.tell_directory(|directory| directory.expiry_changed());
        self.audit(actor, "mcp_server.create", Some(&server.id))
            .await;
        Ok(CreatedMcpServer { server, token })
    }

    /// A server of an account; which of the two is missing when it is not found.
    pub async fn mcp_server(&self, account_id: &str, id: &str) -> Result<McpServer, ManageError> {
        match self.store.mcp_server(account_id, id).await? {
            Some(server) => Ok(server),
            None => Err(self.missing_server(account_id, id).await),
        }
    }

    /// Applies `changes` to `current` (as found by `mcp_server`), checked as a new server's
    /// fields are, and refusing a change of `auth`; audited as `mcp_server.update`. The token
    /// stays the same; the directory forgets the server so the change applies at once.
    pub async fn update_mcp_server(
        &self,
        actor: &Actor,
        current: &McpServer,
        changes: McpServerChanges,
    ) -> Result<McpServer, ManageError> {
        check_name_and_expiry(changes.name.as_deref(), None, unix_now())?;
        check_auth_unchanged(current, &changes)?;
        if let Some(config) = &changes.config {
            config.validate()?;
        }
        if let Some(Some(at)) = changes.expires_at {
            check_name_and_expiry(None, Some(at), unix_now())?;
        }
        let id = current.id.as_str();
        let server = self
            .store
            .update_mcp_server(&current.account_id, id, changes)
            .await?
            .ok_or_else(|| ManageError::NoServer(id.to_owned()))?;
        self.tell_directory(|directory| directory.forget_server(id));
        self.audit(actor, "mcp_server.update", Some(id)).await;
        Ok(server)
    }

    /// Deletes a server (of that account, when given): its URL stops working at once here,
    /// within the directory's `CACHE_TTL` elsewhere. Audited as `mcp_server.delete`.
    pub async fn delete_mcp_server(
        &self,
        actor: &Actor,
        account_id: Option<&str>,
        id: &str,
    ) -> Result<(), ManageError> {
        if !self.store.delete_mcp_server(account_id, id).await? {
            return Err(match account_id {
                Some(account_id) => self.missing_server(account_id, id).await,
                None => ManageError::NoServer(id.to_owned()),
            });
        }
        self.tell_directory(|directory| directory.forget_server(id));
        self.audit(actor, "mcp_server.delete", Some(id)).await;
        Ok(())
    }

    /// Why a server of an account was not found: no such account, or no such server on it.
    async fn missing_server(&self, account_id: &str, id: &str) -> ManageError {
        match self.store.account(account_id).await {
            Ok(Some(_)) => ManageError::NoServer(id.to_owned()),
            Ok(None) => ManageError::NoAccount(account_id.to_owned()),
            Err(error) => ManageError::Store(error),
        }
    }
}
