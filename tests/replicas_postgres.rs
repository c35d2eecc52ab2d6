//! Several `serve` replicas on one PostgreSQL: an MCP server created or revoked through one is
//! seen by the others within a second, whatever they had cached.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use bms_mcp::access::directory::Directory;
use bms_mcp::access::upstreams::Upstreams;
use bms_mcp::app::{AppState, app};
use bms_mcp::bms::{BmsClientConfig, http_client};
use bms_mcp::call::CursorCodec;
use bms_mcp::mcp::Handler;
use bms_mcp::oauth::{AuthServer, Lifetimes};
use bms_mcp::observe::Recorder;
use bms_mcp::store::Store;
use bms_mcp::transport::guard::HostGuard;
use bms_mcp::transport::session::Sessions;
use common::backends::{Backend, postgres_or_skip};
use common::{Harness, Options};

/// A second replica: its own `app()`, `Directory` and pool on the same database. Its address.
async fn second_replica(store: Store) -> String {
    let upstreams = Upstreams::new(
        http_client(&BmsClientConfig::default()).unwrap(),
        BmsClientConfig::default(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let recorder = Arc::new(Recorder::metrics_only());
    let state = AppState::new(
        Handler::new(CursorCodec::new([3; 32]), 100, recorder.clone()),
        recorder,
        Arc::new(Directory::new(store, upstreams)),
        Sessions::new([4; 32]),
        &format!("http://{addr}"),
        AuthServer::new([5; 32], Lifetimes::default()),
    );
    let router = app(state, HostGuard::new(&[], &[]), 64 * 1024);
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

/// How long until `url` answers a ping with `status`, polling every 25 ms for up to 3 s.
async fn time_until_status(h: &Harness, url: &str, status: u16) -> Duration {
    let started = Instant::now();
    loop {
        if h.mcp_at(url, None, "ping", json!({})).await.0 == status {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(3), "never {status}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn a_server_created_on_one_replica_works_on_another_and_its_revocation_is_seen_within_a_second()
 {
    if !postgres_or_skip().await {
        return;
    }
    let a = Harness::with(Options {
        backend: Backend::Postgres,
        ..Options::default()
    })
    .await;
    let b = second_replica(a.backing.reopen().await).await;
    let admin = a.admin_token().await;

    let (status, _, created) = a
        .admin(
            Method::POST,
            &format!("/integrated-account/{}/mcp", a.account_id),
            Some(&admin),
            Some(json!({"name": "shared"})),
        )
        .await;
    assert_eq!(status, 201);
    let token = created["token"].as_str().unwrap();
    let id = created["id"].as_str().unwrap();
    let on_b = format!("{b}/mcp/{token}");
    let seen = time_until_status(&a, &on_b, 200).await;
    assert!(
        seen < Duration::from_secs(1),
        "new server seen on B after {seen:?}"
    );
    // Warm B's cache, then revoke through A.
    assert_eq!(a.mcp_at(&on_b, None, "ping", json!({})).await.0, 200);
    let (status, _, _) = a
        .admin(
            Method::DELETE,
            &format!("/integrated-account/{}/mcp/{id}", a.account_id),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let revoked = time_until_status(&a, &on_b, 401).await;
    assert!(
        revoked < Duration::from_secs(1),
        "revocation seen on B after {revoked:?}"
    );
    println!("new server seen on B after {seen:?}; revocation after {revoked:?}");

    // B's admin API sees A's data too: an admin token created through the store works on B.
    let (status, _, listed) = a
        .admin(Method::GET, "/integrated-account", Some(&admin), None)
        .await;
    assert_eq!(status, 200);
    let response = a
        .http
        .get(format!("{b}/integrated-account"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let on_b: serde_json::Value = response.json().await.unwrap();
    assert_eq!(on_b, listed);
}
