//! `bms-mcp stdio --confirm-writes`: the confirmation question goes out on stdout while the call
//! waits, the answer comes back on stdin, and a client that goes away instead ends the process
//! at once, with nothing sent. Progress and log messages of the call go out on stdout too,
//! before its result.

mod process;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Long enough for a debug build to start its sandbox and answer; far below the 120 s a
/// confirmation waits.
const PROMPT: Duration = Duration::from_secs(20);

struct StdioServer {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
}

impl StdioServer {
    fn start() -> StdioServer {
        let mut child = process::bms_mcp_blocking()
            .args(["stdio", "--confirm-writes", "--tool-exposure", "all"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("bms-mcp stdio starts");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        let stdin = child.stdin.take();
        StdioServer {
            child,
            stdin,
            lines,
        }
    }

    fn send(&mut self, message: &Value) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{message}").expect("written");
        stdin.flush().expect("flushed");
    }

    fn next(&self) -> Value {
        let line = self.lines.recv_timeout(PROMPT).expect("a line in time");
        serde_json::from_str(&line).expect("stdout carries JSON only")
    }

    /// Initializes, declaring elicitation, and asks for a customer-visible note; the question.
    fn ask_for_a_visible_note(&mut self) -> Value {
        self.send(
            &json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {"elicitation": {}},
            "clientInfo": {"name": "stdio-test", "version": "1"}}}),
        );
        assert_eq!(self.next()["id"], 0);
        self.send(
            &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
            "name": "create_a_kaseya_bms_servicedesk_ticket_note",
            "arguments": {"ticket_id": 50001, "details": "On our way.", "is_internal": false,
                "type_id": 601, "note_date": "2026-11-26T10:00:00Z"}}}),
        );
        let question = self.next();
        assert_eq!(question["method"], "elicitation/create", "{question}");
        question
    }
}

impl Drop for StdioServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_answer_comes_back_on_stdin_while_the_call_waits() {
    let mut stdio = StdioServer::start();
    let question = stdio.ask_for_a_visible_note();
    // A message sent while the call waits is answered after it, in order.
    stdio.send(&json!({"jsonrpc": "2.0", "id": 2, "method": "ping"}));
    stdio.send(&json!({"jsonrpc": "2.0", "id": question["id"], "result": {"action": "decline"}}));
    let result = stdio.next();
    assert_eq!(result["id"], 1, "{result}");
    assert_eq!(result["result"]["isError"], true, "{result}");
    assert!(
        result["result"]["content"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("the user declined")),
        "{result}"
    );
    assert_eq!(stdio.next()["id"], 2);
}

#[test]
fn progress_and_the_confirmation_notice_go_out_on_stdout_before_the_result() {
    let mut stdio = StdioServer::start();
    stdio.send(
        &json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {"elicitation": {}},
        "clientInfo": {"name": "stdio-test", "version": "1"}}}),
    );
    assert_eq!(stdio.next()["id"], 0);
    stdio.send(
        &json!({"jsonrpc": "2.0", "id": 1, "method": "logging/setLevel",
        "params": {"level": "notice"}}),
    );
    assert_eq!(stdio.next()["result"], json!({}));
    stdio.send(
        &json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "name": "create_a_kaseya_bms_servicedesk_ticket_note",
        "arguments": {"ticket_id": 50001, "details": "On our way.", "is_internal": false,
            "type_id": 601, "note_date": "2026-11-26T10:00:00Z"},
        "_meta": {"progressToken": 42}}}),
    );
    let waiting = stdio.next();
    assert_eq!(waiting["method"], "notifications/progress", "{waiting}");
    assert_eq!(waiting["params"]["progressToken"], 42);
    let question = stdio.next();
    assert_eq!(question["method"], "elicitation/create", "{question}");
    stdio.send(&json!({"jsonrpc": "2.0", "id": question["id"], "result": {"action": "accept"}}));
    let mut before_result = Vec::new();
    let result = loop {
        let message = stdio.next();
        if message["id"] == 2 {
            break message;
        }
        before_result.push(message);
    };
    assert_eq!(result["result"]["isError"], false, "{result}");
    assert!(
        before_result
            .iter()
            .any(|m| m["method"] == "notifications/message"
                && m["params"]["level"] == "notice"
                && m["params"]["data"]["message"]
                    .as_str()
                    .is_some_and(|t| t.contains("confirmed"))),
        "{before_result:?}"
    );
    assert!(
        before_result
            .iter()
            .all(|m| m["params"]["level"] != "info" && m["params"]["level"] != "debug"),
        "nothing below notice: {before_result:?}"
    );
    assert!(
        before_result
            .iter()
            .any(|m| m["method"] == "notifications/progress"),
        "{before_result:?}"
    );
}

#[test]
fn a_client_that_closes_stdin_during_a_question_ends_the_process_at_once() {
    let mut stdio = StdioServer::start();
    stdio.ask_for_a_visible_note();
    let closed = Instant::now();
    drop(stdio.stdin.take());
    let status = loop {
        if let Some(status) = stdio.child.try_wait().expect("waitable") {
            break status;
        }
        assert!(
            closed.elapsed() < PROMPT,
            "still running after stdin closed"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
}
