//! The `bms-mcp` binary Cargo built, run as a deployment runs it: a real process with its own
//! environment, start-up output, signals and exit code. The one harness for every test that
//! needs the binary (first-run output, restarts, replicas, crashes, shutdown).
#![allow(dead_code)]

use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// How long a process may take to start, answer or stop.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// `bms-mcp` with none of the configuration this test run's environment may hold, and quiet
/// logs.
pub fn bms_mcp() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bms-mcp"));
    for key in bms_mcp::config::KEYS {
        command.env_remove(key.env);
    }
    command
        .env_remove(bms_mcp::config::CONFIG_ENV)
        .env("BMS_MCP_LOG", "warn")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    command
}

/// `bms_mcp()` as a blocking `std::process::Command`, for the tests that talk to the process
/// over its stdin and stdout from plain threads (`stdio_confirm.rs`, `users_cli.rs`). Stdin is
/// left to the caller.
pub fn bms_mcp_blocking() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_bms-mcp"));
    for key in bms_mcp::config::KEYS {
        command.env_remove(key.env);
    }
    command
        .env_remove(bms_mcp::config::CONFIG_ENV)
        .env("BMS_MCP_LOG", "warn");
    command
}

/// A `bms-mcp serve` process, ready (its `/readyz` answered 200).
pub struct Serve {
    child: Child,
    /// `http://127.0.0.1:PORT`, where it listens.
    pub base: String,
    lines: Arc<Mutex<Vec<String>>>,
    pub http: reqwest::Client,
}

impl Serve {
    /// Starts `command` (a `serve` with `--listen 127.0.0.1:0`) and waits until it is ready.
    pub async fn start(mut command: Command) -> Serve {
        command.stdout(Stdio::piped()).stderr(Stdio::inherit());
        let mut child = command.spawn().expect("bms-mcp starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let lines: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = lines.clone();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                sink.lock().unwrap().push(line);
            }
        });
        let mut serve = Serve {
            child,
            base: String::new(),
            lines,
            http: client(),
        };
        let banner = serve.line_containing(" listening on ").await;
        serve.base = banner
            .split(" listening on ")
            .nth(1)
            .expect("address after `listening on`")
            .trim()
            .to_owned();
        serve.wait_ready().await;
        serve
    }

    /// `bms-mcp serve` on a free loopback port with its data in `data_dir`, on SQLite there
    /// unless `database_url` names a PostgreSQL database; ready.
    pub async fn serve(data_dir: &Path, database_url: Option<&str>) -> Serve {
        let mut command = bms_mcp();
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir);
        if let Some(url) = database_url {
            command.args(["--database-url", url]);
        }
        Serve::start(command).await
    }

    /// Everything printed on standard output so far, one line each.
    pub fn printed(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    /// The first line of standard output that contains `text`, waiting for it.
    pub async fn line_containing(&mut self, text: &str) -> String {
        let started = Instant::now();
        loop {
            if let Some(line) = self.lines.lock().unwrap().iter().find(|l| l.contains(text)) {
                return line.clone();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "bms-mcp exited ({status}) before printing {text:?}; it printed {:?}",
                    self.lines.lock().unwrap()
                );
            }
            assert!(started.elapsed() < PATIENCE, "no line with {text:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// What follows `prefix` on the line starting with it (e.g. `"MCP URL: "`).
    pub async fn value_after(&mut self, prefix: &str) -> String {
        let line = self.line_containing(prefix).await;
        line.split_once(prefix)
            .map(|(_, value)| value.trim().to_owned())
            .expect("prefix in line")
    }

    async fn wait_ready(&mut self) {
        let started = Instant::now();
        loop {
            let ready = self.http.get(format!("{}/readyz", self.base)).send().await;
            if ready.is_ok_and(|r| r.status() == 200) {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("bms-mcp exited ({status}) before it was ready");
            }
            assert!(started.elapsed() < PATIENCE, "bms-mcp never became ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("still running")
    }

    /// Sends SIGTERM, as systemd and container runtimes do to stop a service.
    pub fn terminate(&self) {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits for the process to exit (at most `PATIENCE`): its status.
    pub async fn exit_status(&mut self) -> ExitStatus {
        tokio::time::timeout(PATIENCE, self.child.wait())
            .await
            .expect("bms-mcp exits in time")
            .expect("wait works")
    }

    /// SIGTERM, then the exit: the graceful path (flush the audit log, close the store) must
    /// end in exit status 0.
    pub async fn stop(mut self) {
        self.terminate();
        let status = self.exit_status().await;
        assert!(status.success(), "serve exited with {status}");
    }

    /// SIGKILL, then the exit: the process dies wherever it is (crash tests).
    pub async fn kill(mut self) {
        self.child.kill().await.expect("SIGKILL delivered");
    }

    /// One JSON-RPC request to an MCP URL: HTTP status and JSON body.
    pub async fn mcp(&self, url: &str, method: &str, params: Value) -> (u16, Value) {
        mcp(&self.http, url, method, params).await
    }
}

/// One JSON-RPC request to an MCP URL: HTTP status and JSON body (a string when not JSON).
pub async fn mcp(http: &reqwest::Client, url: &str, method: &str, params: Value) -> (u16, Value) {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let response = tokio::time::timeout(
        PATIENCE,
        http.post(url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body.to_string())
            .send(),
    )
    .await
    .expect("answered in time")
    .expect("sent");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// An HTTP client for talking to the process (the crate's, with its TLS provider installed).
pub fn client() -> reqwest::Client {
    bms_mcp::bms::http_client(&bms_mcp::bms::BmsClientConfig::default()).expect("HTTP client")
}

/// 64 random hex digits: a data key or secret key.
pub fn hex_key() -> String {
    rand::random::<[u8; 32]>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
