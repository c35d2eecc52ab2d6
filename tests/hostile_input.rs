//! Generated hostile input against a live gateway (over 10,000 cases in all): malformed
//! framing, wrong JSON-RPC shapes, huge and deep values, hostile tool arguments. The server
//! must answer every one with a JSON-RPC reply (or an HTTP refusal), never panic, and never
//! send invalid input to BMS.

mod common;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use bms_mcp::catalogue::Catalogue;
use common::Harness;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};

/// Counts panics on the server's runtime threads (test threads' own assertion failures are
/// not the server's). Installed once for the process.
fn count_panics() -> &'static AtomicUsize {
    static COUNT: OnceLock<&'static AtomicUsize> = OnceLock::new();
    COUNT.get_or_init(|| {
        let count: &'static AtomicUsize = Box::leak(Box::new(AtomicUsize::new(0)));
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current()
                .name()
                .is_none_or(|n| n.starts_with("tokio-runtime-worker"))
            {
                count.fetch_add(1, Ordering::SeqCst);
            }
            previous(info);
        }));
        count
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Any JSON value, nested a few levels, with hostile strings and numbers.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        hostile_string().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::hash_map("[a-zA-Z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("../admin".to_owned()),
        Just("%2e%2e%2f".to_owned()),
        Just("a/b?c=d#e".to_owned()),
        Just("..".to_owned()),
        Just("\u{0000}".to_owned()),
        Just("http://169.254.169.254/".to_owned()),
        Just("Acme Corp".to_owned()),
        "\\PC{0,40}",
        ".{0,20}",
    ]
}

fn id() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        "[a-z0-9-]{0,40}".prop_map(Value::from),
        Just(Value::Null),
        Just(json!(1.5)),
        Just(json!([1])),
        Just(json!({"id": 1})),
    ]
}

fn method() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("tools/call")),
        Just(json!("tools/list")),
        Just(json!("initialize")),
        Just(json!("ping")),
        Just(json!("server/discover")),
        "[a-z/]{0,20}".prop_map(Value::from),
        Just(json!(42)),
    ]
}

/// JSON-RPC-shaped messages with every field possibly wrong.
fn message() -> impl Strategy<Value = Value> {
    (
        prop_oneof![Just(json!("2.0")), Just(json!("1.0")), Just(json!(2)), Just(Value::Null)],
        id(),
        method(),
        prop_oneof![json_value(), Just(json!({"name": "list_all_kaseya_bms_queues_lookup", "arguments": "x"}))],
    )
        .prop_map(|(version, id, method, params)| json!({"jsonrpc": version, "id": id, "method": method, "params": params}))
}

async fn post_bytes(h: &Harness, body: Vec<u8>) -> Result<(u16, Option<Value>), TestCaseError> {
    let response = h
        .http
        .post(h.mcp_url())
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| TestCaseError::fail(format!("no answer: {e}")))?;
    let status = response.status().as_u16();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| TestCaseError::fail(format!("body cut: {e}")))?;
    Ok((status, serde_json::from_slice(&bytes).ok()))
}

fn is_json_rpc_reply(value: &Value) -> bool {
    let one = |v: &Value| {
        v.get("jsonrpc") == Some(&json!("2.0"))
            && (v.get("result").is_some() || v["error"]["code"].is_i64())
    };
    match value {
        Value::Array(items) => items.iter().all(one),
        other => one(other),
    }
}

#[test]
fn arbitrary_bytes_and_messages_always_get_a_well_formed_answer() {
    let panics = count_panics();
    let rt = runtime();
    let h = rt.block_on(Harness::start());
    let mut runner = TestRunner::new(Config {
        cases: 3500,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&prop::collection::vec(any::<u8>(), 0..200), |bytes| {
            let (status, reply) = rt.block_on(post_bytes(&h, bytes))?;
            prop_assert!(
                status == 200 || status == 202 || status == 400 || status == 404,
                "status {status}"
            );
            if status == 200 {
                prop_assert!(reply.as_ref().is_some_and(is_json_rpc_reply), "{reply:?}");
            }
            Ok(())
        })
        .expect("bytes");
    let mut runner = TestRunner::new(Config {
        cases: 3500,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&message(), |message| {
            let (status, reply) = rt.block_on(post_bytes(&h, message.to_string().into_bytes()))?;
            prop_assert!(status < 500, "status {status} for {message}");
            if status == 200 || status == 400 || status == 404 {
                prop_assert!(
                    reply.as_ref().is_some_and(is_json_rpc_reply),
                    "{message} -> {reply:?}"
                );
            }
            Ok(())
        })
        .expect("messages");
    assert_eq!(panics.load(Ordering::SeqCst), 0, "the server panicked");
}

/// Arguments invalid by construction (an integer argument given as text, or an unknown
/// property) for tools drawn from the whole catalogue: every one refused, none sent.
#[test]
fn invalid_arguments_for_any_tool_never_reach_bms() {
    let panics = count_panics();
    let rt = runtime();
    let h = rt.block_on(Harness::start());
    rt.block_on(h.clear_upstream_requests());
    let tools: Vec<_> = Catalogue::global().tools().iter().collect();
    // A null would be dropped as "absent" (and then be valid), so the extra value is never null.
    let not_null = json_value().prop_filter("not null", |v| !v.is_null());
    let strategy = (0..tools.len(), hostile_string(), not_null, any::<bool>());
    let mut runner = TestRunner::new(Config {
        cases: 3000,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |(index, text, value, use_extra)| {
            let tool = tools[index];
            let integer_arg = tool.input_schema()["properties"]
                .as_object()
                .and_then(|p| p.iter().find(|(_, s)| s["type"] == "integer").map(|(k, _)| k.clone()));
            let arguments = match (integer_arg, use_extra) {
                (Some(arg), false) => json!({ arg: format!("x{text}") }),
                _ => json!({"definitely_not_an_argument": value}),
            };
            let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool.name(), "arguments": arguments}});
            let (status, reply) = rt.block_on(post_bytes(&h, body.to_string().into_bytes()))?;
            prop_assert_eq!(status, 200);
            let reply = reply.unwrap_or_default();
            prop_assert_eq!(&reply["result"]["isError"], &json!(true), "{} {}", tool.name(), reply);
            let text = reply["result"]["content"][0]["text"].as_str().unwrap_or_default();
            prop_assert!(text.contains("nothing was sent to BMS"), "{}", text);
            Ok(())
        })
        .expect("invalid arguments");
    let sent = rt.block_on(h.upstream_requests());
    assert!(sent.is_empty(), "invalid input reached BMS: {sent:#?}");
    assert_eq!(panics.load(Ordering::SeqCst), 0, "the server panicked");
}

#[test]
fn huge_ids_deep_nesting_and_big_bodies_are_handled() {
    let rt = runtime();
    let h = rt.block_on(Harness::start());
    let huge_id = format!(
        r#"{{"jsonrpc":"2.0","id":{},"method":"ping"}}"#,
        "9".repeat(400)
    );
    let (status, reply) = rt
        .block_on(post_bytes(&h, huge_id.into_bytes()))
        .expect("answered");
    assert_eq!(status, 200);
    assert!(reply.is_some_and(|r| is_json_rpc_reply(&r)));
    let deep = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"list_all_kaseya_bms_queues_lookup","arguments":{{"x":{}{}}}}}}}"#,
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let (status, reply) = rt
        .block_on(post_bytes(&h, deep.into_bytes()))
        .expect("answered");
    assert_eq!(status, 200);
    assert_eq!(
        reply.expect("reply")["error"]["code"],
        -32700,
        "too deep to parse is a parse error"
    );
    let status = rt.block_on(declared_size_status(&h, 10 * 1024 * 1024));
    assert_eq!(
        status, "413",
        "refused from the declared size, before the body is read"
    );
}

/// Sends only the headers of a POST declaring `length` bytes and reads the status line.
async fn declared_size_status(h: &Harness, length: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(h.addr)
        .await
        .expect("connect");
    let head = format!(
        "POST /mcp/{} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n",
        h.token
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut buffer = vec![0u8; 256];
    let n = tokio::time::timeout(common::PROMPT, stream.read(&mut buffer))
        .await
        .expect("answered in time")
        .expect("read");
    let text = String::from_utf8_lossy(&buffer[..n]).to_string();
    text.split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned()
}
