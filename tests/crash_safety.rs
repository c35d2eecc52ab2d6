//! `kill -9` of `serve` while MCP servers are created and revoked in a loop: after a restart
//! the store is consistent. Every server whose creation was answered works, unless its
//! revocation was answered too; nothing is half-written. On SQLite and PostgreSQL.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::backends::TestDatabase;
use common::serve::Serve;
use serde_json::{Value, json};

/// What the client knows of a server: created (answered), revocation sent but not answered
/// (it may or may not have happened), or revoked (answered).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    Live,
    RevocationInFlight,
    Revoked,
}

/// Creates and revokes servers through the admin API until the process dies under it.
async fn churn(
    base: &str,
    admin: &str,
    account: &str,
    answered: &mut HashMap<String, (String, Known)>,
) {
    let http = client();
    for i in 0.. {
        let created = http
            .post(format!("{base}/integrated-account/{account}/mcp"))
            .bearer_auth(admin)
            .json(&json!({"name": format!("churn {i}"), "config": {"methods": ["read"], "tags": ["lookups"]}}))
            .send()
            .await;
        let Ok(response) = created else { return };
        let Ok(body) = response.json::<Value>().await else {
            return;
        };
        let (Some(id), Some(token)) = (body["id"].as_str(), body["token"].as_str()) else {
            return;
        };
        answered.insert(id.to_owned(), (token.to_owned(), Known::Live));
        if i % 3 == 0 {
            // Marked before sending: the churn may be cut off while the answer is on its way.
            answered.insert(id.to_owned(), (token.to_owned(), Known::RevocationInFlight));
            let revoked = http
                .delete(format!("{base}/integrated-account/{account}/mcp/{id}"))
                .bearer_auth(admin)
                .send()
                .await;
            match revoked {
                Ok(r) if r.status().as_u16() == 204 => {
                    answered.insert(id.to_owned(), (token.to_owned(), Known::Revoked));
                }
                _ => return,
            }
        }
    }
}

/// An HTTP client with the TLS provider the gateway installs.
fn client() -> reqwest::Client {
    bms_mcp::bms::http_client(&bms_mcp::bms::BmsClientConfig::default()).expect("client")
}

async fn ping(base: &str, token: &str) -> u16 {
    client()
        .post(format!("{base}/mcp/{token}"))
        .header("content-type", "application/json")
        .body(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string())
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

async fn crash_and_recover(database_url: Option<&str>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut serve = Serve::start(dir.path(), database_url);
    serve.until("MCP URL: ");
    let admin = serve.until("Admin token: ");
    let base = serve.base_url();
    let accounts: Value = client()
        .get(format!("{base}/integrated-account"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("accounts")
        .json()
        .await
        .expect("json");
    let account = accounts["result"][0]["id"]
        .as_str()
        .expect("the sandbox account")
        .to_owned();

    let mut answered = HashMap::new();
    for round in 0..3 {
        let killer = async {
            tokio::time::sleep(Duration::from_millis(300 + 170 * round)).await;
        };
        tokio::select! {
            () = churn(&base, &admin, &account, &mut answered) => {},
            () = killer => {},
        }
        let pid = serve.child.id();
        std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .expect("kill");
        serve.kill();
        serve = Serve::start(dir.path(), database_url);
        serve.until("MCP servers: ");
        let base_now = serve.base_url();
        // Everything answered before the crash is as it was answered.
        for (id, (token, known)) in &answered {
            let status = ping(&base_now, token).await;
            match known {
                Known::Live => assert_eq!(status, 200, "server {id} after crash {round}"),
                Known::Revoked => assert_eq!(status, 401, "server {id} after crash {round}"),
                // Either outcome is consistent; anything else is not.
                Known::RevocationInFlight => {
                    assert!(status == 200 || status == 401, "server {id}: {status}");
                }
            }
        }
        // And the store lists no server it cannot serve.
        let listed: Value = client()
            .get(format!("{base_now}/integrated-account/{account}/mcp"))
            .bearer_auth(&admin)
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("json");
        for server in listed["result"].as_array().expect("servers") {
            assert!(
                server["id"].as_str().is_some() && server["config"].is_object(),
                "{server}"
            );
        }
        assert!(
            !answered.is_empty(),
            "the churn made progress before the crash"
        );
    }
}

#[tokio::test]
async fn a_killed_server_restarts_with_a_consistent_sqlite_store() {
    crash_and_recover(None).await;
}

#[tokio::test]
async fn a_killed_server_restarts_with_a_consistent_postgres_store() {
    let database = TestDatabase::create().await;
    crash_and_recover(Some(&database.url)).await;
}
