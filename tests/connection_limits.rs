//! The listener's bounds against clients that hold connections without finishing requests: a
//! slowloris (headers sent a byte at a time, never finished), a request body that stalls, and
//! more sockets than the connection limit. A normal call still gets through.

mod common;

use std::time::Duration;

use bms_mcp::app::listener::ConnectionLimits;
use common::{Harness, Options};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn harness() -> Harness {
    Harness::with(Options {
        limits: ConnectionLimits {
            header_read_timeout: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(2),
            max_connections: 64,
        },
        ..Options::default()
    })
    .await
}

/// Reads until the server closes the connection; what it sent, or `None` if it kept the
/// connection open past `within`.
async fn closed_by_server(socket: &mut TcpStream, within: Duration) -> Option<String> {
    let mut answer = Vec::new();
    let read = tokio::time::timeout(within, socket.read_to_end(&mut answer)).await;
    match read {
        Ok(_) => Some(String::from_utf8_lossy(&answer).into_owned()),
        Err(_) => None,
    }
}

#[tokio::test]
async fn hundreds_of_half_sent_requests_are_cut_off_and_a_normal_call_gets_through() {
    let h = harness().await;
    let mut slow = Vec::new();
    for _ in 0..300 {
        let mut socket = TcpStream::connect(h.addr).await.expect("connects");
        socket
            .write_all(b"POST /mcp/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            .await
            .expect("partial head sent");
        slow.push(socket);
    }
    // 300 sockets against a limit of 64: the rest wait in the backlog, and each slot frees
    // when its socket's header time runs out.
    let ping = tokio::time::timeout(Duration::from_secs(30), h.rpc("ping", json!({}))).await;
    let reply = ping.expect("a normal call gets through while the slow sockets are open");
    assert_eq!(reply["result"], json!({}), "{reply}");
    for socket in slow.iter_mut().take(20) {
        // Trickling more header bytes does not buy time.
        let _ = socket.write_all(b"a").await;
        assert!(
            closed_by_server(socket, Duration::from_secs(30))
                .await
                .is_some(),
            "a half-sent request was left open"
        );
    }
}

#[tokio::test]
async fn a_request_body_that_stalls_is_cut_off() {
    let h = harness().await;
    let mut socket = TcpStream::connect(h.addr).await.expect("connects");
    let head = format!(
        "POST /mcp/{} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: 1000\r\n\r\n{{\"jsonrpc\":",
        h.token
    );
    socket.write_all(head.as_bytes()).await.expect("sent");
    let answer = closed_by_server(&mut socket, Duration::from_secs(30)).await;
    assert!(answer.is_some(), "a stalled body held the connection open");
}

async fn raw_status(h: &Harness, request: &str) -> String {
    let mut socket = TcpStream::connect(h.addr).await.expect("connects");
    socket.write_all(request.as_bytes()).await.expect("sent");
    let answer = closed_by_server(&mut socket, Duration::from_secs(10))
        .await
        .expect("answered and closed");
    answer.lines().next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn an_http_1_1_request_without_host_or_with_two_is_answered_400() {
    let h = harness().await;
    let missing = raw_status(&h, "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n").await;
    assert!(missing.starts_with("HTTP/1.1 400"), "{missing}");
    let twice = raw_status(
        &h,
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(twice.starts_with("HTTP/1.1 400"), "{twice}");
    let one = raw_status(
        &h,
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(one.starts_with("HTTP/1.1 200"), "{one}");
}
