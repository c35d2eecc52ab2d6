//! Two real `bms-mcp serve` processes on one PostgreSQL database, sharing `BMS_MCP_DATA_KEY`
//! and `BMS_MCP_SECRET_KEY` as `deploy/README.md` tells, with nothing else in common: no
//! sticky sessions, no shared memory. Whichever replica a load balancer picks, an MCP URL
//! works the same, a revocation applies within a second, and expiry applies to the second.

mod common;
mod process;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use common::backends::TestDatabase;
use process::{Serve, bms_mcp, hex_key};

/// Two replicas of one deployment, and what the first run printed.
struct Deployment {
    a: Serve,
    b: Serve,
    admin: String,
    account: String,
    // Dropped after the processes (fields drop in order), so the database is free to drop.
    _dirs: (tempfile::TempDir, tempfile::TempDir),
    _database: TestDatabase,
}

async fn replica(
    database: &TestDatabase,
    dir: &tempfile::TempDir,
    keys: &(String, String),
) -> Serve {
    let mut command = bms_mcp();
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--list-page-size", "5"])
        .args(["--database-url", &database.url, "--data-dir"])
        .arg(dir.path())
        .env("BMS_MCP_DATA_KEY", &keys.0)
        .env("BMS_MCP_SECRET_KEY", &keys.1);
    Serve::start(command).await
}

/// A deployment on a fresh database; `None` when the test is skipped (no PostgreSQL here).
async fn deployment() -> Option<Deployment> {
    let database = TestDatabase::create_or_skip().await?;
    let keys = (hex_key(), hex_key());
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = replica(&database, &dirs.0, &keys).await;
    let admin = a.value_after("Admin token: ").await;
    let b = replica(&database, &dirs.1, &keys).await;
    let (status, accounts) = admin_call(
        &a,
        reqwest::Method::GET,
        "/integrated-account",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200, "{accounts}");
    let account = accounts["result"][0]["id"]
        .as_str()
        .expect("the first run's account")
        .to_owned();
    Some(Deployment {
        a,
        b,
        admin,
        account,
        _dirs: dirs,
        _database: database,
    })
}

async fn admin_call(
    replica: &Serve,
    method: reqwest::Method,
    path: &str,
    admin: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = replica
        .http
        .request(method, format!("{}{path}", replica.base))
        .bearer_auth(admin);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("admin API answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

impl Deployment {
    /// Creates an MCP server through replica A: its id and token.
    async fn create_server(&self, body: Value) -> (String, String) {
        let path = format!("/integrated-account/{}/mcp", self.account);
        let (status, created) = admin_call(
            &self.a,
            reqwest::Method::POST,
            &path,
            &self.admin,
            Some(body),
        )
        .await;
        assert_eq!(status, 201, "{created}");
        assert!(
            created["url"].as_str().unwrap().starts_with(&self.a.base),
            "{created}"
        );
        (
            created["id"].as_str().unwrap().to_owned(),
            created["token"].as_str().unwrap().to_owned(),
        )
    }

    fn urls(&self, token: &str) -> (String, String) {
        (
            format!("{}/mcp/{token}", self.a.base),
            format!("{}/mcp/{token}", self.b.base),
        )
    }
}

async fn ping(replica: &Serve, url: &str) -> u16 {
    replica.mcp(url, "ping", json!({})).await.0
}

#[tokio::test]
async fn a_server_created_through_one_replica_works_through_the_other_cursors_included() {
    let Some(d) = deployment().await else {
        return;
    };
    let (_, token) = d.create_server(json!({"name": "shared"})).await;
    let (on_a, on_b) = d.urls(&token);

    let (status, first) = d.a.mcp(&on_a, "tools/list", json!({})).await;
    assert_eq!(status, 200, "{first}");
    let cursor = first["result"]["nextCursor"]
        .as_str()
        .expect("a second page");
    let (status, second) =
        d.b.mcp(&on_b, "tools/list", json!({"cursor": cursor}))
            .await;
    assert_eq!(status, 200, "{second}");
    let names = |page: &Value| -> Vec<String> {
        page["result"]["tools"]
            .as_array()
            .expect("tools")
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&second).len(), 5, "{second}");
    assert!(
        names(&first).iter().all(|n| !names(&second).contains(n)),
        "B continued A's listing where A left off"
    );

    let (status, called) =
        d.b.mcp(
            &on_b,
            "tools/call",
            json!({"name": "list_all_kaseya_bms_queues_lookup", "arguments": {}}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(called["result"]["isError"], false, "{called}");
}

#[tokio::test]
async fn a_revocation_through_one_replica_is_refused_by_the_other_within_a_second() {
    let Some(d) = deployment().await else {
        return;
    };
    let (id, token) = d.create_server(json!({"name": "revoked soon"})).await;
    let (on_a, on_b) = d.urls(&token);
    // Both replicas have the server cached when it is revoked.
    assert_eq!(ping(&d.a, &on_a).await, 200);
    assert_eq!(ping(&d.b, &on_b).await, 200);

    let path = format!("/integrated-account/{}/mcp/{id}", d.account);
    let (status, _) = admin_call(&d.b, reqwest::Method::DELETE, &path, &d.admin, None).await;
    assert_eq!(status, 204);
    let revoked = Instant::now();
    assert_eq!(ping(&d.b, &on_b).await, 401, "B refuses at once");
    loop {
        let status = ping(&d.a, &on_a).await;
        if status == 401 {
            break;
        }
        assert_eq!(status, 200);
        assert!(
            revoked.elapsed() < Duration::from_secs(1),
            "A still serves the revoked URL after {:?}",
            revoked.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "revocation through B refused by A after {:?}",
        revoked.elapsed()
    );
}

#[tokio::test]
async fn both_replicas_refuse_an_expired_server_from_its_expiry_second() {
    let Some(d) = deployment().await else {
        return;
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let expires_at = now + 3;
    let (_, token) = d
        .create_server(json!({
            "name": "expiring",
            "expires_at": bms_mcp::store::rfc3339(expires_at as i64),
        }))
        .await;
    let (on_a, on_b) = d.urls(&token);
    assert_eq!(ping(&d.a, &on_a).await, 200);
    assert_eq!(ping(&d.b, &on_b).await, 200);

    let expiry = UNIX_EPOCH + Duration::from_secs(expires_at);
    let wait = expiry
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO);
    // A sleep is right here: what is under test is the expiry instant passing, nothing to poll.
    tokio::time::sleep(wait + Duration::from_millis(20)).await;
    assert_eq!(
        ping(&d.a, &on_a).await,
        401,
        "A refuses from the expiry second"
    );
    assert_eq!(
        ping(&d.b, &on_b).await,
        401,
        "B refuses from the expiry second"
    );
}
