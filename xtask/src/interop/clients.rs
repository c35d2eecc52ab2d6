//! The clients a new user reaches for first, each pinned: the OpenAI Agents SDK, LangChain's
//! MCP adapters and FastMCP's client (Python, one venv and one test file each under
//! `tests/interop/python/clients/`, since they pin `mcp` releases of their own), the
//! TypeScript SDK's 1.x and v2 clients (`tests/interop/node/ts_sdk_client.mjs`,
//! `ts_client_v2.mjs`) and Claude Code (`claude mcp add` + `claude mcp get`, which connects and
//! reports the server's health; a model run needs an Anthropic key, which CI has not).

use std::path::Path;
use std::process::{Command, Output};

use anyhow::Context;

use super::node::NodeEnv;
use super::{Outcome, venv};
use crate::served::Server;

/// One Python client: its venv, requirements file, test file and name in the summary.
struct PythonClient {
    venv: &'static str,
    requirements: &'static str,
    test: &'static str,
    name: &'static str,
}

const PYTHON_CLIENTS: [PythonClient; 3] = [
    PythonClient {
        venv: "venv-openai-agents",
        requirements: "requirements-openai-agents.txt",
        test: "test_openai_agents.py",
        name: "openai agents sdk (0.24.0, strict)",
    },
    PythonClient {
        venv: "venv-langchain-mcp-adapters",
        requirements: "requirements-langchain-mcp-adapters.txt",
        test: "test_langchain_mcp_adapters.py",
        name: "langchain-mcp-adapters (0.3.2)",
    },
    PythonClient {
        venv: "venv-fastmcp",
        requirements: "requirements-fastmcp.txt",
        test: "test_fastmcp_client.py",
        name: "fastmcp client (3.4.11)",
    },
];

/// Each Python client's test file, run by pytest from the client's own venv.
pub fn python_clients(root: &Path, binary: &Path, server: &Server) -> anyhow::Result<Vec<Outcome>> {
    let mut outcomes = Vec::new();
    for client in &PYTHON_CLIENTS {
        let python = venv(root, client.venv, client.requirements, client.name)?;
        println!("== {} (pytest) ==", client.name);
        let status = Command::new(python)
            .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
            // The suite's conftest.py (sandbox and admin helpers) sits one folder up.
            .args(["--rootdir", "tests/interop/python"])
            .arg(format!("tests/interop/python/clients/{}", client.test))
            .current_dir(root)
            .env("BMS_MCP_URL", &server.mcp_url)
            .env("BMS_SANDBOX_URL", &server.sandbox_url)
            .env("BMS_MCP_BIN", binary)
            .env("BMS_ADMIN_TOKEN", &server.admin_token)
            .status()
            .with_context(|| format!("running pytest for {}", client.name))?;
        outcomes.push(Outcome::new(client.name, status.success(), String::new()));
    }
    Ok(outcomes)
}

/// The TypeScript SDK's 1.x client and its v2 client: every page of tools/list and one read.
pub fn typescript_clients(
    node: &NodeEnv,
    binary: &Path,
    server: &Server,
) -> anyhow::Result<Vec<Outcome>> {
    println!("== TypeScript SDK clients (1.x and v2) ==");
    [
        ("typescript sdk client (1.32.2)", "node/ts_sdk_client.mjs"),
        (
            "typescript client v2 (2.4.0, 2026-07-28)",
            "node/ts_client_v2.mjs",
        ),
    ]
    .into_iter()
    .map(|(name, script)| {
        let output = Command::new("node")
            .arg(script)
            .current_dir(&node.dir)
            .env("PATH", &node.path_var)
            .env("BMS_MCP_URL", &server.mcp_url)
            .env("BMS_SANDBOX_URL", &server.sandbox_url)
            .env("BMS_MCP_BIN", binary)
            .output()
            .with_context(|| format!("running {script}"))?;
        let ok = output.status.success()
            && serde_json::from_slice::<serde_json::Value>(&output.stdout)
                .is_ok_and(|v| v["ok"] == serde_json::Value::Bool(true));
        if !ok {
            print_failure(name, &output);
        }
        Ok(Outcome::new(name, ok, String::new()))
    })
    .collect()
}

/// Claude Code adds the server (`claude mcp add --transport http`) and checks its health with
/// `claude mcp get`, in a HOME of its own so no user's settings are read or touched. A URL
/// with an unknown token must not come out connected, so the check can fail.
pub fn claude_code(node: &NodeEnv, server: &Server) -> anyhow::Result<Outcome> {
    println!("== Claude Code (claude mcp) ==");
    let home = std::env::temp_dir().join(format!("bms-mcp-claude-{}", std::process::id()));
    std::fs::create_dir_all(&home).context("creating Claude Code's HOME")?;
    let claude = |args: &[&str]| -> anyhow::Result<Output> {
        Command::new(node.bin("claude"))
            .args(args)
            .current_dir(&home)
            .env("HOME", &home)
            .env("PATH", &node.path_var)
            // Nothing but the server under test is reachable, and nothing else is wanted.
            .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
            .env("DISABLE_AUTOUPDATER", "1")
            .env("DISABLE_TELEMETRY", "1")
            .output()
            .context("running claude")
    };
    let unknown = format!("{}/mcp/bmsm_{}", server.base_url(), "A".repeat(43));
    let result = (|| {
        claude(&["mcp", "add", "--transport", "http", "bms", &server.mcp_url])?;
        claude(&["mcp", "add", "--transport", "http", "unknown", &unknown])?;
        Ok::<_, anyhow::Error>((
            claude(&["mcp", "get", "bms"])?,
            claude(&["mcp", "get", "unknown"])?,
        ))
    })();
    // Best effort: the folder is in the temporary directory either way.
    let _ = std::fs::remove_dir_all(&home);
    let (good, bad) = result?;
    let connected =
        |output: &Output| String::from_utf8_lossy(&output.stdout).contains("✔ Connected");
    let ok = good.status.success() && connected(&good) && !connected(&bad);
    if !ok {
        print_failure("claude mcp get bms", &good);
        print_failure("claude mcp get unknown", &bad);
    }
    Ok(Outcome::new(
        "claude code (2.1.332, mcp get)",
        ok,
        "health check only: no model without a key".into(),
    ))
}

fn print_failure(name: &str, output: &Output) {
    println!(
        "{name} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
