//! The store, run identically on SQLite and PostgreSQL: accounts with sealed secrets, MCP
//! servers found by token hash only, admin tokens, expiry, the audit log.

mod common;

use std::sync::Arc;
use std::time::Duration;

use bms_mcp::access::directory::{AccessError, Directory, token_hash};
use bms_mcp::access::upstreams::Upstreams;
use bms_mcp::bms::{BmsClientConfig, http_client};
use bms_mcp::store::audit::ToolCall;
use bms_mcp::store::crypto::DataKey;
use bms_mcp::store::{
    AccountChanges, Actor, BmsLocation, McpServerChanges, McpServerConfig, NewAccount,
    NewMcpServer, Store, StoreError, ToolCallLog, unix_now,
};
use common::PROMPT;
use common::backends::{Backend, TestStore};

const PASSWORD: &str = "correct-horse-battery-staple-9431";
const TOTP: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn new_account() -> NewAccount {
    NewAccount {
        name: "Acme MSP".into(),
        location: BmsLocation::Region("us".into()),
        username: "api-user".into(),
        password: PASSWORD.into(),
        tenant: "acme".into(),
        totp_secret: Some(TOTP.into()),
    }
}

fn crm_read() -> McpServerConfig {
    McpServerConfig {
        methods: vec!["read".into()],
        tags: vec!["crm".into()],
        ..McpServerConfig::default()
    }
}

async fn server(store: &Store, account: &str, expires_at: Option<i64>) -> (String, String) {
    let (server, token) = store
        .create_mcp_server(NewMcpServer {
            account_id: account.into(),
            name: "crm reader".into(),
            config: crm_read(),
            expires_at,
        })
        .await
        .unwrap()
        .expect("account exists");
    (server.id, token)
}

/// Sleeps until just after the next whole second; that second. A sleep is right here: the
/// store keeps expiry to the second, and the tests need a whole second ahead of them.
async fn wait_for_next_second() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let left = Duration::from_secs(1) - Duration::from_nanos(u64::from(since.subsec_nanos()));
    tokio::time::sleep(left + Duration::from_millis(20)).await;
    unix_now()
}

/// Sleeps until `slack` after the start of a unix second.
async fn sleep_until_unix_second(second: i64, slack: Duration) {
    let at = std::time::UNIX_EPOCH + Duration::from_secs(u64::try_from(second).unwrap_or(0));
    let left = at
        .duration_since(std::time::SystemTime::now())
        .unwrap_or(Duration::ZERO);
    tokio::time::sleep(left + slack).await;
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

async fn tokens_and_secrets_are_stored_only_as_hashes_and_ciphertext(backend: Backend) {
    let t = TestStore::new(backend).await;
    let account = t.store.create_account(new_account()).await.unwrap();
    let (_, mcp_token) = server(&t.store, &account.id, None).await;
    let (_, admin_token) = t.store.create_admin_token("ci").await.unwrap();
    let raw = t.raw_contents().await;
    assert!(!raw.is_empty());
    for secret in [mcp_token.as_str(), admin_token.as_str(), PASSWORD, TOTP] {
        assert!(!contains(&raw, secret), "{secret} is stored in the clear");
    }
    let hash: String = token_hash(&mcp_token)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(contains(&raw, &hash), "the token's hash is what is stored");
    let (_, secrets) = t
        .store
        .account_with_secrets(&account.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(secrets.password, PASSWORD);
    assert_eq!(secrets.totp_secret.as_deref(), Some(TOTP));
}

async fn servers_are_found_by_token_hash_and_survive_a_restart(backend: Backend) {
    let t = TestStore::new(backend).await;
    let account = t.store.create_account(new_account()).await.unwrap();
    let (id, token) = server(&t.store, &account.id, None).await;
    let reopened = t.reopen().await;
    let (found, revision) = reopened
        .mcp_server_by_token(&token_hash(&token))
        .await
        .unwrap()
        .expect("found by hash");
    assert_eq!(found.id, id);
    assert_eq!(found.config, crm_read());
    assert_eq!(revision, 1);
    assert!(
        reopened
            .mcp_server_by_token(&token_hash("bmsm_not-a-real-token"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        reopened
            .delete_mcp_server(Some(&account.id), &id)
            .await
            .unwrap()
    );
    assert!(
        t.store
            .mcp_server_by_token(&token_hash(&token))
            .await
            .unwrap()
            .is_none(),
        "a revoked server is gone for every process"
    );
}

async fn account_updates_bump_the_revision_and_deletes_cascade(backend: Backend) {
    let t = TestStore::new(backend).await;
    let account = t.store.create_account(new_account()).await.unwrap();
    let (_, token) = server(&t.store, &account.id, None).await;
    let changes = AccountChanges {
        name: Some("Renamed".into()),
        password: Some("new-password".into()),
        totp_secret: Some(None),
        location: Some(BmsLocation::BaseUrl("https://bms.example.com".into())),
        ..AccountChanges::default()
    };
    let updated = t
        .store
        .update_account(&account.id, changes)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.name, "Renamed");
    assert_eq!(updated.revision, 2);
    assert!(!updated.has_totp);
    assert_eq!(
        updated.location,
        BmsLocation::BaseUrl("https://bms.example.com".into())
    );
    let (_, secrets) = t
        .store
        .account_with_secrets(&account.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(secrets.password, "new-password");
    assert!(
        t.store
            .update_account("no-such-id", AccountChanges::default())
            .await
            .unwrap()
            .is_none()
    );
    assert!(t.store.delete_account(&account.id).await.unwrap());
    assert!(
        t.store
            .mcp_server_by_token(&token_hash(&token))
            .await
            .unwrap()
            .is_none()
    );
    assert!(t.store.mcp_servers(None).await.unwrap().is_empty());
}

async fn servers_of_unknown_accounts_are_not_created(backend: Backend) {
    let t = TestStore::new(backend).await;
    let created = t
        .store
        .create_mcp_server(NewMcpServer {
            account_id: "missing".into(),
            name: "x".into(),
            config: McpServerConfig::default(),
            expires_at: None,
        })
        .await
        .unwrap();
    assert!(created.is_none());
}

async fn server_updates_keep_the_token_and_can_clear_the_expiry(backend: Backend) {
    let t = TestStore::new(backend).await;
    let account = t.store.create_account(new_account()).await.unwrap();
    let (id, token) = server(&t.store, &account.id, Some(unix_now() + 3600)).await;
    let changes = McpServerChanges {
        name: Some("renamed".into()),
        expires_at: Some(None),
        ..McpServerChanges::default()
    };
    let updated = t
        .store
        .update_mcp_server(&account.id, &id, changes)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.name, "renamed");
    assert_eq!(updated.expires_at, None);
    assert!(
        t.store
            .mcp_server_by_token(&token_hash(&token))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        t.store
            .update_mcp_server("other-account", &id, McpServerChanges::default())
            .await
            .unwrap()
            .is_none(),
        "a server is reached only through its own account"
    );
}

async fn admin_tokens_are_checked_by_hash_and_revoked(backend: Backend) {
    let t = TestStore::new(backend).await;
    let (admin, token) = t.store.create_admin_token("ops").await.unwrap();
    assert!(token.starts_with("bmsa_"));
    let found = t
        .store
        .admin_token_by_hash(&token_hash(&token))
        .await
        .unwrap();
    assert_eq!(
        found.as_ref().map(|a| a.id.as_str()),
        Some(admin.id.as_str())
    );
    assert_eq!(t.store.admin_tokens().await.unwrap(), vec![admin.clone()]);
    assert!(t.store.revoke_admin_token(&admin.id).await.unwrap());
    assert!(!t.store.revoke_admin_token(&admin.id).await.unwrap());
    assert!(
        t.store
            .admin_token_by_hash(&token_hash(&token))
            .await
            .unwrap()
            .is_none()
    );
}

async fn expired_servers_are_deleted_when_their_expiry_passes(backend: Backend) {
    let t = TestStore::new(backend).await;
    let account = t.store.create_account(new_account()).await.unwrap();
    // Start just after a second boundary, so "in n seconds" means n whole seconds.
    let now = wait_for_next_second().await;
    // One that expires "while the server is down", one due in three seconds, one later.
    let (past, _) = server(&t.store, &account.id, Some(now + 1)).await;
    let (soon, soon_token) = server(&t.store, &account.id, Some(now + 3)).await;
    let (later, _) = server(&t.store, &account.id, Some(now + 3600)).await;
    // A sleep is right here: `past` must have expired before the reaper starts, and only time
    // passing gets there (it expires from the start of its second, 100 ms of slack after it).
    sleep_until_unix_second(now + 1, Duration::from_millis(100)).await;
    let upstreams = Upstreams::new(
        http_client(&BmsClientConfig::default()).unwrap(),
        BmsClientConfig::default(),
    );
    let directory = Arc::new(Directory::new(t.store.clone(), upstreams));
    let reaper = directory.spawn_expiry_reaper();
    let ids = |servers: Vec<bms_mcp::store::McpServer>| -> Vec<String> {
        servers.into_iter().map(|s| s.id).collect()
    };
    // The reaper's first pass deletes `past`; its next is not due before `soon` expires, so
    // `past` gone while `soon` is still there means it went at start-up.
    let deadline = std::time::Instant::now() + PROMPT;
    let left = loop {
        let left = ids(t.store.mcp_servers(None).await.unwrap());
        if !left.contains(&past) {
            break left;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not deleted at start-up: {left:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(left.contains(&soon), "deleted before its expiry: {left:?}");
    let deadline = std::time::Instant::now() + Duration::from_secs(4);
    while ids(t.store.mcp_servers(None).await.unwrap()).contains(&soon) {
        assert!(
            std::time::Instant::now() < deadline,
            "not deleted at its expiry"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(unix_now() >= now + 3, "never deleted before its expiry");
    assert_eq!(ids(t.store.mcp_servers(None).await.unwrap()), vec![later]);
    assert_eq!(
        directory
            .resolve(&soon_token, std::time::SystemTime::now())
            .await
            .err(),
        Some(AccessError::Unknown)
    );
    // The reaper records the expiry in the audit log after deleting the server: wait for it.
    let deadline = std::time::Instant::now() + PROMPT;
    loop {
        let actions = t.store.admin_actions(10).await.unwrap();
        let recorded = actions
            .iter()
            .any(|a| a.action == "mcp_server.expire" && a.target.as_deref() == Some(soon.as_str()));
        if recorded {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no expiry in the audit log: {actions:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    reaper.abort();
}

async fn the_audit_log_keeps_admin_actions_and_tool_calls_until_pruned(backend: Backend) {
    let t = TestStore::new(backend).await;
    let actor = Actor {
        id: Some("admin-1".into()),
        name: "ops".into(),
    };
    t.store
        .record_admin_action(&actor, "mcp_server.create", Some("srv-1"))
        .await
        .unwrap();
    let (log, writer) = ToolCallLog::start(t.store.clone());
    for i in 0..300 {
        log.record(ToolCall {
            at: unix_now(),
            mcp_server_id: "srv-1".into(),
            // Half the calls come from a signed-in person (an OAuth server), half from a URL.
            subject: (i % 2 == 0).then(|| "alice".to_owned()),
            tool: format!("tool_{i}"),
            upstream_status: Some(200),
            latency_ms: Some(12),
        });
    }
    log.flush().await;
    assert_eq!(log.dropped(), 0);
    let calls = t.store.tool_calls(1000).await.unwrap();
    assert_eq!(calls.len(), 300);
    assert_eq!(calls[0].upstream_status, Some(200));
    assert_eq!(calls[0].latency_ms, Some(12));
    let by_alice = calls
        .iter()
        .filter(|c| c.subject.as_deref() == Some("alice"))
        .count();
    assert_eq!(by_alice, 150, "the subject column round-trips");
    assert_eq!(calls.iter().filter(|c| c.subject.is_none()).count(), 150);
    // Every row's values stay together: tool_{i} was written with alice exactly when i is even.
    let mut numbers: Vec<usize> = calls
        .iter()
        .map(|c| {
            let i: usize = c.tool.strip_prefix("tool_").unwrap().parse().unwrap();
            assert_eq!(
                c.subject.is_some(),
                i.is_multiple_of(2),
                "row of {}",
                c.tool
            );
            i
        })
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (0..300).collect::<Vec<_>>());
    let actions = t.store.admin_actions(10).await.unwrap();
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0].actor_name, "ops");
    assert_eq!(actions[0].actor_id.as_deref(), Some("admin-1"));
    assert_eq!(t.store.prune_audit(unix_now() - 60).await.unwrap(), 0);
    assert_eq!(t.store.prune_audit(unix_now() + 1).await.unwrap(), 301);
    drop(log);
    writer.await.unwrap();
}

async fn the_last_tool_call_of_each_server_asked_for_is_found(backend: Backend) {
    let t = TestStore::new(backend).await;
    let (log, writer) = ToolCallLog::start(t.store.clone());
    for (server, at) in [
        ("srv-a", 100),
        ("srv-a", 200),
        ("srv-b", 300),
        ("srv-d", 400),
    ] {
        log.record(ToolCall {
            at,
            mcp_server_id: server.into(),
            subject: None,
            tool: "list_tickets".into(),
            upstream_status: Some(200),
            latency_ms: Some(1),
        });
    }
    log.flush().await;
    let asked: Vec<String> = ["srv-a", "srv-b", "srv-c"].map(String::from).into();
    let last = t.store.last_tool_call_at(&asked).await.unwrap();
    let expected: std::collections::HashMap<String, i64> =
        [("srv-a".to_owned(), 200), ("srv-b".to_owned(), 300)].into();
    assert_eq!(
        last, expected,
        "srv-c has no calls; srv-d was not asked for"
    );
    drop(log);
    writer.await.unwrap();
}

/// `cargo xtask load`'s burst: 1,000 sessions × 20 calls logged at once, faster than any store
/// writes them. The queue holds them all and the writer's multi-row batches write them all.
async fn a_burst_of_twenty_thousand_tool_calls_is_logged_without_a_drop(backend: Backend) {
    let t = TestStore::new(backend).await;
    let (log, writer) = ToolCallLog::start(t.store.clone());
    let burst = 20_000;
    for i in 0..burst {
        log.record(ToolCall {
            at: unix_now(),
            mcp_server_id: format!("srv-{}", i % 1000),
            subject: None,
            tool: "get_single_kaseya_bms_servicedesk_ticket_by_id".into(),
            upstream_status: Some(200),
            latency_ms: Some(i % 50),
        });
    }
    log.flush().await;
    assert_eq!(log.dropped(), 0, "nothing dropped");
    assert_eq!(log.written(), burst, "every row committed");
    let stored = t.store.tool_calls(30_000).await.unwrap();
    assert_eq!(stored.len() as u64, burst);
    drop(log);
    writer.await.unwrap();
}

async fn a_store_refuses_a_different_data_key(backend: Backend) {
    let t = TestStore::new(backend).await;
    let wrong = DataKey::from_bytes([0xAB; 32]);
    let error = Store::open(&t.location, &wrong).await.unwrap_err();
    assert!(matches!(error, StoreError::WrongKey), "{error}");
    assert!(error.to_string().contains("BMS_MCP_DATA_KEY"));
}

on_both_backends!(
    tokens_and_secrets_are_stored_only_as_hashes_and_ciphertext,
    servers_are_found_by_token_hash_and_survive_a_restart,
    account_updates_bump_the_revision_and_deletes_cascade,
    servers_of_unknown_accounts_are_not_created,
    server_updates_keep_the_token_and_can_clear_the_expiry,
    admin_tokens_are_checked_by_hash_and_revoked,
    expired_servers_are_deleted_when_their_expiry_passes,
    the_audit_log_keeps_admin_actions_and_tool_calls_until_pruned,
    the_last_tool_call_of_each_server_asked_for_is_found,
    a_burst_of_twenty_thousand_tool_calls_is_logged_without_a_drop,
    a_store_refuses_a_different_data_key,
);

#[tokio::test]
async fn the_sqlite_store_is_in_wal_mode() {
    let t = TestStore::new(Backend::Sqlite).await;
    let dir = t.dir.path().to_owned();
    drop(t.store.create_account(new_account()).await.unwrap());
    assert!(
        dir.join("bms-mcp.db-wal").exists(),
        "a -wal file exists beside the database"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn the_sqlite_files_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let t = TestStore::new(Backend::Sqlite).await;
    let dir = t.dir.path().to_owned();
    drop(t.store.create_account(new_account()).await.unwrap());
    for file in ["bms-mcp.db", "bms-mcp.db-wal", "bms-mcp.db-shm"] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
    // A store created by an older version, world-readable, is narrowed when opened.
    t.store.close().await;
    let db = dir.join("bms-mcp.db");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let reopened = t.reopen().await;
    assert_eq!(mode(&db), 0o600);
    drop(reopened);
}
