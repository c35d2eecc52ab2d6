//! The service on a SQLite store in a temporary directory, with and without a directory.

use std::sync::Arc;
use std::time::SystemTime;

use super::{CreatedMcpServer, ManageError, Management};
use crate::access::directory::{Access, AccessError, Directory};
use crate::access::upstreams::Upstreams;
use crate::bms::{BmsClientConfig, http_client};
use crate::store::crypto::DataKey;
use crate::store::{
    AccountChanges, Actor, BmsLocation, IntegratedAccount, McpAuth, McpServerChanges,
    McpServerConfig, NewAccount, NewMcpServer, Store, StoreLocation,
};

struct Fixture {
    manage: Management,
    directory: Arc<Directory>,
    store: Store,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let location = StoreLocation::Sqlite(dir.path().join("bms-mcp.db"));
    let store = Store::open(&location, &DataKey::from_bytes([7; 32]))
        .await
        .expect("the store opens");
    let config = BmsClientConfig::default();
    let upstreams = Upstreams::new(http_client(&config).expect("an HTTP client"), config);
    let directory = Arc::new(Directory::new(store.clone(), upstreams));
    Fixture {
        manage: Management::with_directory(directory.clone()),
        directory,
        store,
        _dir: dir,
    }
}

fn admin() -> Actor {
    Actor {
        id: Some("admin-1".into()),
        name: "ops".into(),
    }
}

fn new_account() -> NewAccount {
    NewAccount {
        name: "Acme".into(),
        location: BmsLocation::Region("us".into()),
        username: "api".into(),
        password: "secret".into(),
        tenant: "acme".into(),
        totp_secret: None,
    }
}

fn new_server(account: &IntegratedAccount) -> NewMcpServer {
    NewMcpServer {
        account_id: account.id.clone(),
        name: "crm".into(),
        config: McpServerConfig::default(),
        expires_at: None,
    }
}

/// What the directory answers for `token` now, as a request presenting it would see it.
async fn resolve(f: &Fixture, token: &str) -> Result<Access, AccessError> {
    f.directory.resolve(token, SystemTime::now()).await
}

/// The audit rows as (actor, action, target), sorted: rows of the same second have no order.
async fn audit_rows(store: &Store) -> Vec<(String, String, Option<String>)> {
    let mut rows: Vec<_> = store
        .admin_actions(100)
        .await
        .expect("the audit log reads")
        .into_iter()
        .map(|row| (row.actor_name, row.action, row.target))
        .collect();
    rows.sort();
    rows
}

/// The account every test starts from, created by `admin()`.
async fn account(f: &Fixture) -> IntegratedAccount {
    f.manage
        .create_account(&admin(), new_account())
        .await
        .unwrap()
}

async fn account_and_server(f: &Fixture) -> (IntegratedAccount, CreatedMcpServer) {
    let account = account(f).await;
    let created = f
        .manage
        .create_mcp_server(&admin(), new_server(&account))
        .await
        .unwrap();
    (account, created)
}

#[tokio::test]
async fn an_update_applies_at_once_here_and_writes_one_audit_row() {
    let f = fixture().await;
    let (_, created) = account_and_server(&f).await;
    let before = resolve(&f, &created.token).await;
    assert!(
        !before
            .expect("the new server resolves")
            .require_api_token_auth
    );

    let config = McpServerConfig {
        require_api_token_auth: true,
        ..created.server.config.clone()
    };
    let changes = McpServerChanges {
        config: Some(config),
        ..McpServerChanges::default()
    };
    f.manage
        .update_mcp_server(&admin(), &created.server, changes)
        .await
        .unwrap();

    // Well within CACHE_TTL: only a forgotten entry shows the change already.
    let after = resolve(&f, &created.token).await;
    assert!(after.expect("still resolves").require_api_token_auth);
    let updates: Vec<_> = audit_rows(&f.store)
        .await
        .into_iter()
        .filter(|(_, action, _)| action == "mcp_server.update")
        .collect();
    assert_eq!(
        updates,
        [(
            "ops".to_owned(),
            "mcp_server.update".to_owned(),
            Some(created.server.id.clone())
        )]
    );
}

#[tokio::test]
async fn a_deleted_server_stops_resolving_at_once() {
    let f = fixture().await;
    let (account, created) = account_and_server(&f).await;
    assert!(resolve(&f, &created.token).await.is_ok());
    f.manage
        .delete_mcp_server(&admin(), Some(&account.id), &created.server.id)
        .await
        .unwrap();
    let after = resolve(&f, &created.token).await;
    assert_eq!(after.err(), Some(AccessError::Unknown));
}

#[tokio::test]
async fn a_deleted_account_takes_its_servers_with_it_at_once() {
    let f = fixture().await;
    let (account, created) = account_and_server(&f).await;
    assert!(resolve(&f, &created.token).await.is_ok());
    f.manage
        .delete_account(&admin(), &account.id)
        .await
        .unwrap();
    let after = resolve(&f, &created.token).await;
    assert_eq!(after.err(), Some(AccessError::Unknown));
    let actions: Vec<_> = audit_rows(&f.store)
        .await
        .into_iter()
        .map(|(_, action, _)| action)
        .collect();
    assert_eq!(
        actions,
        [
            "integrated_account.create",
            "integrated_account.delete",
            "mcp_server.create",
        ]
    );
}

#[tokio::test]
async fn a_revoked_admin_token_stops_working_at_once() {
    let f = fixture().await;
    let created = f.manage.create_admin_token(&admin(), "ci").await.unwrap();
    let found = f.directory.admin_token(&created.token).await.unwrap();
    assert_eq!(found.map(|a| a.id), Some(created.admin.id.clone()));
    f.manage
        .revoke_admin_token(&admin(), &created.admin.id)
        .await
        .unwrap();
    assert!(
        f.directory
            .admin_token(&created.token)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn what_is_missing_is_named() {
    let f = fixture().await;
    let account = account(&f).await;
    let on_account = f
        .manage
        .delete_mcp_server(&admin(), Some(&account.id), "nope")
        .await;
    assert!(matches!(on_account, Err(ManageError::NoServer(id)) if id == "nope"));
    let no_account = f
        .manage
        .delete_mcp_server(&admin(), Some("gone"), "nope")
        .await;
    assert!(matches!(no_account, Err(ManageError::NoAccount(id)) if id == "gone"));
    let lookup = f.manage.mcp_server("gone", "nope").await;
    assert!(matches!(lookup, Err(ManageError::NoAccount(_))));
    let update = f
        .manage
        .update_account(&admin(), "gone", AccountChanges::default())
        .await;
    assert!(matches!(update, Err(ManageError::NoAccount(_))));
    let token = f.manage.revoke_admin_token(&admin(), "gone").await;
    assert!(matches!(token, Err(ManageError::NoAdminToken(_))));
    let user = f.manage.delete_user(&admin(), "nobody").await;
    assert!(matches!(user, Err(ManageError::NoUser(_))));
}

#[tokio::test]
async fn refused_input_changes_nothing_and_records_nothing() {
    let f = fixture().await;
    let mut mars = new_account();
    mars.location = BmsLocation::Region("mars".into());
    let refused = f.manage.create_account(&admin(), mars).await;
    assert!(matches!(refused, Err(ManageError::Invalid(i)) if i.field == "region"));

    let account = account(&f).await;
    let mut server = new_server(&account);
    server.config.tags = vec!["nope".into()];
    let refused = f.manage.create_mcp_server(&admin(), server).await;
    assert!(matches!(refused, Err(ManageError::Invalid(i)) if i.field == "config.tags"));

    let mut server = new_server(&account);
    server.expires_at = Some(1);
    let refused = f.manage.create_mcp_server(&admin(), server).await;
    assert!(matches!(refused, Err(ManageError::Invalid(i)) if i.field == "expires_at"));

    let refused = f.manage.create_admin_token(&admin(), " ").await;
    assert!(matches!(refused, Err(ManageError::Invalid(i)) if i.field == "name"));

    assert_eq!(f.store.accounts().await.unwrap().len(), 1);
    assert!(f.store.mcp_servers(None).await.unwrap().is_empty());
    assert_eq!(audit_rows(&f.store).await.len(), 1);
}

#[tokio::test]
async fn a_servers_auth_cannot_change() {
    let f = fixture().await;
    let (_, created) = account_and_server(&f).await;
    let config = McpServerConfig {
        auth: McpAuth::OAuth,
        ..created.server.config.clone()
    };
    let changes = McpServerChanges {
        config: Some(config),
        ..McpServerChanges::default()
    };
    let refused = f
        .manage
        .update_mcp_server(&admin(), &created.server, changes)
        .await;
    assert!(matches!(refused, Err(ManageError::Invalid(i)) if i.field == "config.auth"));
}

#[tokio::test]
async fn without_a_directory_the_cli_knows_every_region_and_the_sandbox() {
    let f = fixture().await;
    let cli = Management::new(f.store.clone());
    let mut sandbox = new_account();
    sandbox.location = BmsLocation::Region("sandbox".into());
    let account = cli.create_account(&Actor::cli(), sandbox).await.unwrap();
    for region in ["us", "emea", "apac", "sandbox"] {
        assert!(cli.regions().iter().any(|r| r == region), "{region}");
    }
    cli.delete_account(&Actor::cli(), &account.id)
        .await
        .unwrap();
    let rows = audit_rows(&f.store).await;
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|(actor, _, _)| actor == "cli"));
}

#[tokio::test]
async fn an_action_succeeds_when_its_audit_row_cannot_be_written() {
    let f = fixture().await;
    let account = account(&f).await;
    sqlx::query("DROP TABLE admin_actions")
        .execute(f.store.pool())
        .await
        .unwrap();
    f.manage
        .delete_account(&admin(), &account.id)
        .await
        .unwrap();
    assert!(f.store.account(&account.id).await.unwrap().is_none());
}

#[tokio::test]
async fn the_first_run_makes_an_admin_token_and_the_default_server() {
    let f = fixture().await;
    let account = account(&f).await;
    let first = f
        .manage
        .first_run(&Actor::system(), &account, McpServerConfig::default())
        .await
        .unwrap();
    assert_eq!(first.admin_token.admin.name, "first run");
    assert_eq!(first.server.server.name, "default");
    let rows: Vec<_> = audit_rows(&f.store)
        .await
        .into_iter()
        .filter(|(actor, _, _)| actor == "system")
        .collect();
    assert_eq!(
        rows,
        [
            (
                "system".to_owned(),
                "admin_token.create".to_owned(),
                Some(first.admin_token.admin.id.clone())
            ),
            (
                "system".to_owned(),
                "mcp_server.create".to_owned(),
                Some(first.server.server.id.clone())
            ),
        ]
    );
}
