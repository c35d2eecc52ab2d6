//! The people who sign in on OAuth MCP servers, and the grants they gave. Nothing here is
//! cached by the directory: grants and their tokens are checked against the store on every
//! request.

use super::{ManageError, Management};
use crate::store::{Actor, User};

impl Management {
    /// Adds a user (name and password checked by the store's rules, the name unused);
    /// audited as `user.create`.
    pub async fn create_user(
        &self,
        actor: &Actor,
        username: &str,
        password: &str,
    ) -> Result<User, ManageError> {
        let user = self.store.create_user(username, password).await??;
        self.audit(actor, "user.create", Some(&user.id)).await;
        Ok(user)
    }

    /// Removes a user: every grant they gave, and every token of those grants, stops
    /// working. Audited as `user.delete`, with the user name as the target.
    pub async fn delete_user(&self, actor: &Actor, username: &str) -> Result<(), ManageError> {
        if !self.store.delete_user(username).await? {
            return Err(ManageError::NoUser(username.to_owned()));
        }
        self.audit(actor, "user.delete", Some(username)).await;
        Ok(())
    }

    /// Revokes a grant: its access and refresh tokens stop working at once. Audited as
    /// `oauth_grant.revoke`.
    pub async fn revoke_grant(&self, actor: &Actor, grant_id: &str) -> Result<(), ManageError> {
        self.store.revoke_grant(grant_id).await?;
        self.audit(actor, "oauth_grant.revoke", Some(grant_id))
            .await;
        Ok(())
    }
}
