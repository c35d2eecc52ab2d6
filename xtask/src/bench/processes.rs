//! The processes the bench starts besides `bms-mcp serve`: the sandbox, the minimal proxy
//! (`bench-floor/src/main.rs`) and FastMCP. Each is killed when its handle is dropped, also
//! when the bench fails half-way.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use serde_json::Value;

use super::http;
use super::workloads;
use crate::served::{Server, spawn_reading_lines};

/// The FastMCP release the bench compares with.
pub const FASTMCP_PIN: &str = "fastmcp==4.2.3";

/// A child process killed on drop.
pub struct Spawned {
    child: Child,
}

impl Spawned {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn child(&mut self) -> &mut Child {
        &mut self.child
    }
}

impl From<Child> for Spawned {
    fn from(child: Child) -> Spawned {
        Spawned { child }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `bms-mcp sandbox` with no rate limit to speak of and no faults.
pub struct Sandbox {
    pub process: Spawned,
    pub base_url: String,
}

impl Sandbox {
    pub fn start(binary: &Path) -> anyhow::Result<Sandbox> {
        let (child, lines) = spawn_reading_lines(
            Command::new(binary)
                .args(["sandbox", "--listen", "127.0.0.1:0"])
                .args(["--rate-limit", "1000000000/hour"])
                .stderr(Stdio::inherit()),
        )?;
        let process = Spawned { child };
        let base_url = line_after(&lines, "BMS sandbox listening on ", "bms-mcp sandbox")?;
        Ok(Sandbox { process, base_url })
    }

    /// `bms-mcp serve` in front of this sandbox, signed in with its demo login (first run: its
    /// MCP server lists every tool).
    pub fn serve(&self, binary: &Path) -> anyhow::Result<Server> {
        Server::start(
            binary,
            &[
                "--bms-url",
                &self.base_url,
                "--bms-username",
                "sandbox@example.com",
                "--bms-password",
                "sandbox",
                "--bms-tenant",
                "Sandbox MSP",
                "--tool-exposure",
                "all",
            ],
        )
    }

    /// A bearer token from `POST /v2/security/authenticate` with the demo login.
    pub fn sign_in(&self) -> anyhow::Result<String> {
        let form = "GrantType=password&UserName=sandbox%40example.com&Password=sandbox\
                    &Tenant=Sandbox+MSP";
        let reply = http::send(
            "POST",
            &format!("{}/v2/security/authenticate", self.base_url),
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Accept", "application/json"),
            ],
            form.as_bytes(),
        )?;
        let json = reply.json()?;
        json.pointer("/result/accessToken")
            .and_then(|t| t.as_str())
            .map(str::to_owned)
            .with_context(|| format!("the sandbox's sign-in answer has no token: {json}"))
    }
}

/// The `bench-floor` crate: axum + reqwest + serde_json and nothing else, in front of the
/// sandbox with the bench's bearer token.
pub struct Floor {
    pub process: Spawned,
    pub url: String,
}

impl Floor {
    pub fn start(binary: &Path, sandbox: &Sandbox, bms_token: &str) -> anyhow::Result<Floor> {
        let (child, lines) = spawn_reading_lines(
            Command::new(binary)
                .args([&sandbox.base_url, bms_token])
                .stderr(Stdio::inherit()),
        )?;
        let process = Spawned { child };
        let url = line_after(&lines, "bench floor listening on ", "bench-floor")?;
        Ok(Floor { process, url })
    }
}

/// `FastMCP.from_openapi` on the vendored spec (`xtask/bench/fastmcp_server.py`).
pub struct FastMcp {
    pub process: Spawned,
    pub url: String,
    /// From spawning Python to the first `tools/list` answer.
    pub cold_start: Duration,
}

impl FastMcp {
    pub fn start(root: &Path, sandbox: &Sandbox, bms_token: &str) -> anyhow::Result<FastMcp> {
        let python = fastmcp_env(root)?;
        let port = free_port()?;
        let url = format!("http://127.0.0.1:{port}/mcp");
        let started = Instant::now();
        let child = Command::new(python)
            .arg(root.join("xtask/bench/fastmcp_server.py"))
            .env("BENCH_SPEC", root.join("spec/kaseya-bms-openapi.json"))
            .env("BENCH_SANDBOX_URL", &sandbox.base_url)
            .env("BENCH_BMS_TOKEN", bms_token)
            .env("BENCH_PORT", port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting the FastMCP server")?;
        let mut process = Spawned { child };
        let cold_start = wait_for_first_answer(&mut process.child, &url, started, 120)?;
        Ok(FastMcp {
            process,
            url,
            cold_start,
        })
    }
}

/// Polls `tools/list` at `url` until it answers 200, and returns the time since `started`.
pub fn wait_for_first_answer(
    child: &mut Child,
    url: &str,
    started: Instant,
    limit_seconds: u64,
) -> anyhow::Result<Duration> {
    let list = workloads::tools_list(url);
    let headers = list.header_refs();
    loop {
        if let Ok(reply) = http::send("POST", url, &headers, &list.body)
            && reply.status == 200
        {
            return Ok(started.elapsed());
        }
        if let Some(status) = child.try_wait()? {
            bail!("the server at {url} exited ({status}) before it answered");
        }
        if started.elapsed() > Duration::from_secs(limit_seconds) {
            bail!("{url} did not answer tools/list within {limit_seconds} s");
        }
        std::thread::sleep(Duration::from_micros(500));
    }
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// `.tools/bench-venv` with the pinned FastMCP, installed when missing or when the pin changed.
fn fastmcp_env(root: &Path) -> anyhow::Result<PathBuf> {
    let venv = root.join(".tools/bench-venv");
    let python = venv.join("bin/python");
    let stamp = venv.join("fastmcp.installed");
    if python.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(FASTMCP_PIN) {
        return Ok(python);
    }
    println!("== installing {FASTMCP_PIN} into .tools/bench-venv ==");
    let status = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .context("python3 -m venv")?;
    if !status.success() {
        bail!("python3 -m venv failed; install python3 with the venv module");
    }
    let status = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            FASTMCP_PIN,
        ])
        .status()
        .context("pip install")?;
    if !status.success() {
        bail!("pip install {FASTMCP_PIN} failed");
    }
    std::fs::write(&stamp, FASTMCP_PIN).context("writing the install stamp")?;
    Ok(python)
}

/// What a child prints after `prefix` on a line of its own, waiting up to 30 s for it.
fn line_after(
    lines: &std::sync::mpsc::Receiver<String>,
    prefix: &str,
    what: &str,
) -> anyhow::Result<String> {
    loop {
        let line = lines
            .recv_timeout(Duration::from_secs(30))
            .with_context(|| format!("{what} printed no `{prefix}` line within 30 s"))?;
        if let Some(rest) = line.strip_prefix(prefix) {
            return Ok(rest.trim().to_owned());
        }
    }
}

/// One admin API request to `server` with its first run's admin token: the JSON answer
/// (`null` when the body is empty). Any status but 2xx is an error naming the route.
pub fn admin_call(
    server: &Server,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> anyhow::Result<Value> {
    let bearer = format!("Bearer {}", server.admin_token);
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut headers = vec![("Authorization", bearer.as_str())];
    if !body.is_empty() {
        headers.push(("Content-Type", "application/json"));
    }
    let url = format!("{}{path}", server.base_url());
    let reply = http::send(method, &url, &headers, body.as_bytes())?;
    if !(200..300).contains(&reply.status) {
        bail!(
            "{method} {path} answered {}: {}",
            reply.status,
            reply.text_start()
        );
    }
    if reply.body.is_empty() {
        return Ok(Value::Null);
    }
    reply.json()
}

/// The id of the integrated account `server`'s first run created.
pub fn first_account(server: &Server) -> anyhow::Result<String> {
    let accounts = admin_call(server, "GET", "/integrated-account", None)?;
    accounts
        .pointer("/result/0/id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .with_context(|| format!("the admin API lists no account: {accounts}"))
}
