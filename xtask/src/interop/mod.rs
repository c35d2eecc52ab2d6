//! The interop suite: real, externally written MCP clients against `bms-mcp serve` on the
//! built-in sandbox. Each client is pinned and installed here, into ignored folders: the Python
//! SDK into `.tools/venv` (`tests/interop/python/requirements.txt`); the OpenAI Agents SDK,
//! LangChain's MCP adapters and FastMCP each into a venv of its own (`clients.rs`,
//! `requirements-*.txt`); the conformance suite (0.1.16 and 0.2.0-alpha.12, each with its
//! baseline of expected failures), the MCP Inspector, mcp-remote, supergateway, the
//! TypeScript SDK 1.x and v2 clients, Claude Code and a Node 22 runtime into
//! `tests/interop/node_modules` (`tests/interop/package.json` and its lockfile).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::served::{Profile, Server, build_binary};

mod clients;
mod console;
mod node;

/// One suite's result for the summary.
pub struct Outcome {
    pub name: String,
    pub passed: bool,
    pub detail: String,
}

impl Outcome {
    pub fn new(name: &str, passed: bool, detail: String) -> Outcome {
        Outcome {
            name: name.to_owned(),
            passed,
            detail,
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let verdict = if self.passed { "passed" } else { "FAILED" };
        write!(f, "{:40} {verdict}", self.name)?;
        if !self.detail.is_empty() {
            write!(f, "  ({})", self.detail)?;
        }
        Ok(())
    }
}

pub fn run(root: &Path) -> anyhow::Result<Vec<Outcome>> {
    let binary = build_binary(root, Profile::Debug)?;
    let python = python_env(root)?;
    let node = node_env(root)?;
    let mut outcomes = Vec::new();

    // The clients' suites call tools by name: the first run's server lists them all.
    let server = Server::start(&binary, &["--tool-exposure", "all"])?;
    outcomes.push(python_suite(root, &python, &binary, &server)?);
    outcomes.extend(node::inspector_suites(&node, &binary, &server)?);
    outcomes.push(node::rate_limited_call(&node, &server)?);
    outcomes.push(node::mcp_remote_suite(&node, &server)?);
    outcomes.extend(node::supergateway_suite(&node, &server)?);
    outcomes.push(node::oauth_suite(&node, &binary, &server)?);
    outcomes.extend(clients::python_clients(root, &binary, &server)?);
    outcomes.extend(clients::typescript_clients(&node, &binary, &server)?);
    outcomes.push(clients::claude_code(&node, &server)?);
    outcomes.push(console::browser_suite(root, &python, &binary, &server)?);
    drop(server);
    // The conformance suites call their own fixture tools, prompts and resources by name: a
    // server of their own serves them beside the catalogue (test infrastructure, a hidden flag).
    let fixtures = Server::start(
        &binary,
        &["--tool-exposure", "all", "--conformance-fixtures"],
    )?;
    outcomes.extend(node::conformance_suites(&node, &fixtures)?);
    drop(fixtures);
    Ok(outcomes)
}

/// `.tools/venv` with the suite's pinned requirements.
fn python_env(root: &Path) -> anyhow::Result<PathBuf> {
    venv(root, "venv", "requirements.txt", "the Python MCP SDK")
}

/// `.tools/<name>` with `tests/interop/python/<requirements>` installed, reinstalled when the
/// file changes; `what` names it in the progress line.
pub(crate) fn venv(
    root: &Path,
    name: &str,
    requirements: &str,
    what: &str,
) -> anyhow::Result<PathBuf> {
    let venv = root.join(".tools").join(name);
    let python = venv.join("bin/python");
    let file = root.join("tests/interop/python").join(requirements);
    let wanted =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let stamp = venv.join("requirements.installed");
    if python.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(python);
    }
    println!("== installing {what} (pinned) into .tools/{name} ==");
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
            "-r",
        ])
        .arg(&file)
        .status()
        .context("pip install")?;
    if !status.success() {
        bail!("pip install -r tests/interop/python/{requirements} failed");
    }
    std::fs::write(&stamp, wanted).context("writing the install stamp")?;
    Ok(python)
}

/// `tests/interop/node_modules` from the lockfile, reinstalled when the lockfile changes.
fn node_env(root: &Path) -> anyhow::Result<node::NodeEnv> {
    let dir = root.join("tests/interop");
    let lock = std::fs::read_to_string(dir.join("package-lock.json"))
        .context("reading tests/interop/package-lock.json")?;
    let stamp = dir.join("node_modules/.installed-lock");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(lock.as_str()) {
        println!("== installing the Node MCP clients (pinned) into tests/interop/node_modules ==");
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .status()
            .context("running npm ci (is Node.js with npm installed?)")?;
        if !status.success() {
            bail!("npm ci in tests/interop failed");
        }
        std::fs::write(&stamp, lock).context("writing the install stamp")?;
    }
    node::NodeEnv::new(&dir)
}

fn python_suite(
    root: &Path,
    python: &Path,
    binary: &Path,
    server: &Server,
) -> anyhow::Result<Outcome> {
    println!("== Python MCP SDK (pytest) ==");
    let status = Command::new(python)
        .args([
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            // Each client there has a venv of its own (`clients::python_clients`).
            "--ignore=tests/interop/python/clients",
            "tests/interop/python",
        ])
        .current_dir(root)
        .env("BMS_MCP_URL", &server.mcp_url)
        .env("BMS_SANDBOX_URL", &server.sandbox_url)
        .env("BMS_MCP_BIN", binary)
        // For fixtures that make MCP servers of their own (test_confirm_writes.py).
        .env("BMS_ADMIN_TOKEN", &server.admin_token)
        // test_oauth.py creates an OAuth server through the admin API and a user with
        // `bms-mcp users add` on the same store.
        .env("BMS_MCP_ADMIN_TOKEN", &server.admin_token)
        .env("BMS_MCP_DATA_DIR", server.data_dir())
        .status()
        .context("running pytest")?;
    Ok(Outcome::new(
        "python sdk (mcp 2.3.0)",
        status.success(),
        String::new(),
    ))
}
