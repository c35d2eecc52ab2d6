//! Integrated accounts: create, update, delete.

use super::{ManageError, Management};
use crate::store::{AccountChanges, Actor, IntegratedAccount, NewAccount};

impl Management {
    /// Checks and stores a new account; audited as `integrated_account.create`.
    pub async fn create_account(
        &self,
        actor: &Actor,
        new: NewAccount,
    ) -> Result<IntegratedAccount, ManageError> {
        new.validate(&self.regions())?;
        self.store_account(actor, new).await
    }

    /// Stores an account as given (checked by the caller, or supplied by this process) and
    /// records it. A new account has nothing cached anywhere: the directory is not told.
    pub(super) async fn store_account(
        &self,
        actor: &Actor,
        new: NewAccount,
    ) -> Result<IntegratedAccount, ManageError> {
        let account = self.store.create_account(new).await?;
        self.audit(actor, "integrated_account.create", Some(&account.id))
            .await;
        Ok(account)
    }

    /// Applies the fields given; audited as `integrated_account.update`. The account's
    /// servers and BMS client are forgotten here, so the next call signs in with the new
    /// credentials.
    pub async fn update_account(
        &self,
        actor: &Actor,
        id: &str,
        changes: AccountChanges,
    ) -> Result<IntegratedAccount, ManageError> {
        changes.validate(&self.regions())?;
        let account = self
            .store
            .update_account(id, changes)
            .await?
            .ok_or_else(|| ManageError::NoAccount(id.to_owned()))?;
        self.tell_directory(|directory| directory.forget_account(id));
        self.audit(actor, "integrated_account.update", Some(id))
            .await;
        Ok(account)
    }

    /// Deletes an account and all its MCP servers, whose URLs stop working at once;
    /// audited as `integrated_account.delete`.
    pub async fn delete_account(&self, actor: &Actor, id: &str) -> Result<(), ManageError> {
        if !self.store.delete_account(id).await? {
            return Err(ManageError::NoAccount(id.to_owned()));
        }
        self.tell_directory(|directory| directory.forget_account(id));
        self.audit(actor, "integrated_account.delete", Some(id))
            .await;
        Ok(())
    }
}
