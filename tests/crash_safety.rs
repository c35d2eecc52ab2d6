//! `kill -9` of `serve` while MCP servers are created and revoked in a loop: after a restart
//! the store is consistent. Every server whose creation was answered works, unless its
//! revocation was answered too; nothing is half-written. On SQLite and PostgreSQL.
//!
//! `BMS_MCP_CRASH_ROUNDS` sets the rounds (3 by default); each test prints one
//! `crash-figures {json}` line, which `cargo xtask crash` runs this file for and reports.

mod common;
mod process;

use std::collections::HashMap;
use std::time::Duration;

use common::backends::TestDatabase;
use process::{Serve, client};
use serde_json::{Value, json};
use tokio::sync::Notify;

/// What the client knows of a server: created (answered), revocation sent but not answered
/// (it may or may not have happened), or revoked (answered).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    Live,
    RevocationInFlight,
    Revoked,
}

/// Creates and revokes servers through the admin API until the process dies under it;
/// `progress` is notified each time a creation is answered.
async fn churn(
    http: &reqwest::Client,
    base: &str,
    admin: &str,
    account: &str,
    answered: &mut HashMap<String, (String, Known)>,
    progress: &Notify,
) {
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
        progress.notify_one();
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

async fn ping(http: &reqwest::Client, base: &str, token: &str) -> u16 {
    http.post(format!("{base}/mcp/{token}"))
        .header("content-type", "application/json")
        .body(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string())
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

/// Rounds of churn, kill and restart: `BMS_MCP_CRASH_ROUNDS`, or 3 (quick enough for every CI
/// run; `cargo xtask crash` asks for more and reports the figures).
fn rounds() -> u32 {
    match std::env::var("BMS_MCP_CRASH_ROUNDS") {
        Ok(n) => n
            .parse()
            .unwrap_or_else(|_| panic!("BMS_MCP_CRASH_ROUNDS={n:?} is not a number of rounds")),
        Err(_) => 3,
    }
}

/// What one run did, printed as one `crash-figures {json}` line for `cargo xtask crash`.
#[derive(Debug, Default)]
struct Figures {
    rounds: u32,
    created: usize,
    revoked: usize,
    restarts: u32,
    verified: usize,
    inconsistencies: Vec<String>,
}

async fn crash_and_recover(backend: &str, database_url: Option<&str>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut serve = Serve::serve(dir.path(), database_url).await;
    let admin = serve.value_after("Admin token: ").await;
    let mut base = serve.base.clone();
    // Built once per run: loading the system's root certificates takes a good part of a round
    // in a debug build.
    let http = client();
    let accounts: Value = http
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
    let mut figures = Figures {
        rounds: rounds(),
        ..Figures::default()
    };
    for round in 0..figures.rounds {
        // Kill once the churn has made progress, at a different point of it each round.
        let progress = Notify::new();
        let killer = async {
            progress.notified().await;
            // A sleep is right here: the time the churn runs on is what moves the kill point.
            tokio::time::sleep(Duration::from_millis(300 + 170 * u64::from(round % 5))).await;
        };
        let before = answered.len();
        let killed_mid_churn = tokio::select! {
            () = churn(&http, &base, &admin, &account, &mut answered, &progress) => false,
            () = killer => true,
        };
        assert!(
            killed_mid_churn,
            "round {round}: the churn stopped before the kill (a request to the live server failed)"
        );
        assert!(
            answered.len() > before,
            "round {round}: no server was created before the kill"
        );
        // kill -9: the process dies wherever it is.
        serve.kill().await;
        serve = Serve::serve(dir.path(), database_url).await;
        serve.line_containing("MCP servers: ").await;
        figures.restarts += 1;
        // The restarted server listens on a new port; the next round churns against it.
        base = serve.base.clone();
        // Everything answered before the crash is as it was answered.
        for (id, (token, known)) in &answered {
            let status = ping(&http, &base, token).await;
            figures.verified += 1;
            let consistent = match known {
                Known::Live => status == 200,
                Known::Revoked => status == 401,
                // Either outcome is consistent; anything else is not.
                Known::RevocationInFlight => status == 200 || status == 401,
            };
            if !consistent {
                figures.inconsistencies.push(format!(
                    "server {id} ({known:?}) answered {status} after crash {round}"
                ));
            }
        }
        // And the store lists no server it cannot serve.
        let listed: Value = http
            .get(format!("{base}/integrated-account/{account}/mcp"))
            .bearer_auth(&admin)
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("json");
        for server in listed["result"].as_array().expect("servers") {
            if server["id"].as_str().is_none() || !server["config"].is_object() {
                figures
                    .inconsistencies
                    .push(format!("half-written server listed: {server}"));
            }
        }
        assert!(
            !answered.is_empty(),
            "the churn made progress before the crash"
        );
    }
    figures.created = answered.len();
    figures.revoked = answered
        .values()
        .filter(|(_, known)| *known == Known::Revoked)
        .count();
    println!(
        "crash-figures {}",
        json!({
            "backend": backend,
            "rounds": figures.rounds,
            "servers_created": figures.created,
            "revocations_answered": figures.revoked,
            "restarts": figures.restarts,
            "tokens_verified": figures.verified,
            "inconsistencies": figures.inconsistencies.len(),
        })
    );
    assert!(
        figures.inconsistencies.is_empty(),
        "{:#?}",
        figures.inconsistencies
    );
}

#[tokio::test]
async fn a_killed_server_restarts_with_a_consistent_sqlite_store() {
    crash_and_recover("sqlite", None).await;
}

#[tokio::test]
async fn a_killed_server_restarts_with_a_consistent_postgres_store() {
    let Some(database) = TestDatabase::create_or_skip().await else {
        return;
    };
    crash_and_recover("postgres", Some(&database.url)).await;
}
