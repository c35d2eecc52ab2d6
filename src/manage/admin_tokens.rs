//! Admin API tokens: create, revoke.

use super::{ManageError, Management};
use crate::store::{Actor, AdminToken, check_line};

/// A token just created: the token exists only here (the store keeps its hash).
pub struct CreatedAdminToken {
    pub admin: AdminToken,
    pub token: String,
}

/// The longest admin token name accepted, in bytes.
const MAX_NAME_BYTES: usize = 200;

impl Management {
    /// Creates an admin token named `name` (what it is for, shown in listings and the audit
    /// log); audited as `admin_token.create`.
    pub async fn create_admin_token(
        &self,
        actor: &Actor,
        name: &str,
    ) -> Result<CreatedAdminToken, ManageError> {
        check_line("name", name, MAX_NAME_BYTES)?;
        let (admin, token) = self.store.create_admin_token(name).await?;
        self.audit(actor, "admin_token.create", Some(&admin.id))
            .await;
        Ok(CreatedAdminToken { admin, token })
    }

    /// Revokes an admin token: it stops working at once here, within the directory's
    /// `CACHE_TTL` elsewhere, and so do the console sessions opened with it. Audited as
    /// `admin_token.revoke`.
    pub async fn revoke_admin_token(&self, actor: &Actor, id: &str) -> Result<(), ManageError> {
        if !self.store.revoke_admin_token(id).await? {
            return Err(ManageError::NoAdminToken(id.to_owned()));
        }
        self.tell_directory(|directory| directory.forget_admin_token(id));
        self.audit(actor, "admin_token.revoke", Some(id)).await;
        Ok(())
    }
}
