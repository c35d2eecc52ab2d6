//! What `serve` sets up itself: the built-in sandbox's account, the account its `--bms-url`
//! flags describe, and on the first run an admin token and the MCP server "default".

use super::{CreatedAdminToken, CreatedMcpServer, ManageError, Management};
use crate::access::upstreams::SANDBOX_REGION;
use crate::bms::BmsCredentials;
use crate::store::{
    AccountChanges, Actor, BmsLocation, IntegratedAccount, McpServerConfig, NewAccount,
    NewMcpServer,
};

/// What the first run made; both tokens are shown once, then only their hashes exist.
pub struct FirstRun {
    pub admin_token: CreatedAdminToken,
    pub server: CreatedMcpServer,
}

impl Management {
    /// Stores the built-in sandbox's account. Its login is the sandbox's, which the process
    /// supplies again at each start (the sandbox's port changes), so it is stored as given.
    pub async fn create_sandbox_account(
        &self,
        actor: &Actor,
        login: BmsCredentials,
    ) -> Result<IntegratedAccount, ManageError> {
        let new = NewAccount {
            name: "Built-in sandbox".into(),
            location: BmsLocation::Region(SANDBOX_REGION.into()),
            username: login.username,
            password: login.password,
            tenant: login.tenant,
            totp_secret: login.totp_secret,
        };
        self.store_account(actor, new).await
    }

    /// The account `serve`'s `--bms-url` flags describe (checked when the flags were read),
    /// matched by URL, user and tenant: created (audited as `integrated_account.create`), or
    /// given the flags' password and TOTP secret. That refresh repeats at every start with
    /// what the operator configured, so it is not an admin action and is not audited.
    pub async fn upsert_configured_account(
        &self,
        actor: &Actor,
        url: &str,
        login: BmsCredentials,
    ) -> Result<IntegratedAccount, ManageError> {
        let location = BmsLocation::BaseUrl(url.to_owned());
        let existing = self.store.accounts().await?.into_iter().find(|a| {
            a.location == location && a.username == login.username && a.tenant == login.tenant
        });
        let Some(account) = existing else {
            let new = NewAccount {
                name: format!("{} at {url}", login.tenant),
                location,
                username: login.username,
                password: login.password,
                tenant: login.tenant,
                totp_secret: login.totp_secret,
            };
            return self.store_account(actor, new).await;
        };
        let changes = AccountChanges {
            password: Some(login.password),
            totp_secret: Some(login.totp_secret),
            ..AccountChanges::default()
        };
        let updated = self.store.update_account(&account.id, changes).await?;
        self.tell_directory(|directory| directory.forget_account(&account.id));
        Ok(updated.unwrap_or(account))
    }

    /// The first run's admin token ("first run") and MCP server ("default", with `config`)
    /// for `account`, each audited as any other.
    pub async fn first_run(
        &self,
        actor: &Actor,
        account: &IntegratedAccount,
        config: McpServerConfig,
    ) -> Result<FirstRun, ManageError> {
        let admin_token = self.create_admin_token(actor, "first run").await?;
        let new = NewMcpServer {
            account_id: account.id.clone(),
            name: "default".into(),
            config,
            expires_at: None,
        };
        let server = self.create_mcp_server(actor, new).await?;
        Ok(FirstRun {
            admin_token,
            server,
        })
    }
}
