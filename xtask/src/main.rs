//! `cargo xtask <command>`: project automation that needs no shell scripts.
//!
//! - `gen [--check] [--deny-breaking] [--json]`: regenerate `generated/` from the spec and
//!   records (or only check it) and report what changed for agents.
//! - `spec diff OLD NEW` / `spec update PATH`: review a new BMS spec, and vendor it.
//! - `test`: the whole test suite, including the real MCP clients it installs itself.
//! - `bench [--quick]`: bms-mcp's per-call cost against a direct BMS call and FastMCP.
//! - `load [SESSIONS [CALLS]]`: many concurrent MCP sessions, every answer checked.
//! - `tokens [--requests N]`: time to refuse each kind of bad MCP token, beside a valid one.
//! - `crash [--rounds N]`: `kill -9` and restart during admin churn, on SQLite and PostgreSQL.
//!
//! Exit codes: 0 success, 1 failure, 2 a breaking change refused by `--deny-breaking`.

mod bench;
mod cli;
mod gen_cmd;
mod interop;
mod report;
mod served;
mod spec_cmd;
mod spec_readme;
mod test_cmd;
#[cfg(test)]
mod tests;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use report::{BreakingDenied, Console};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  gen [--check] [--deny-breaking] [--json]
        regenerate generated/ from spec/ and report what changed for agents
        (--check: only fail if generated/ is stale; --deny-breaking: exit 2 and
        write nothing when a change breaks agents; --json: the report as JSON)
  spec diff OLD NEW [--deny-breaking] [--json] [--markdown]
        the same report between two spec files (or two generated/catalogue.json
        snapshots), with the records in spec/docs/; writes nothing
  spec update PATH [--deny-breaking] [--json]
        validate a new spec, vendor it into spec/, record its sha256 and date in
        spec/README.md, regenerate and report
  test  run the workspace tests, then the real-client interop suite
  load [SESSIONS [CALLS_PER_SESSION]]
        1,000 concurrent MCP sessions × 20 tool calls by default against a release
        serve on the sandbox; every answer checked against its request; p50/p99, RSS,
        audit-log rows written and dropped
  tokens [--requests N]
        time to a 401 for unknown, tampered, truncated, revoked, expired and
        another tenant's MCP tokens, interleaved, against a release serve (3000
        per kind by default); writes BENCHMARKS.md
  crash [--rounds N]
        kill -9 serve while MCP servers are created and revoked, restart, check the
        store (SQLite and PostgreSQL; 15 rounds by default); writes BENCHMARKS.md
  bench [--quick]
        latency, throughput, CPU per call and memory of bms-mcp against a direct
        BMS call and FastMCP on the sandbox; writes BENCHMARKS.md and
        docs/bench.svg (--quick: shorter runs, written under target/bench/)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = repo_root();
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    let mut console = Console {
        out: &mut out,
        err: &mut err,
        colour,
    };
    let result = match args.first().map(String::as_str) {
        Some("gen") => gen_cmd::run(&root, &args[1..], &mut console),
        Some("spec") => spec_cmd::run(&root, &args[1..], &mut console),
        Some("test") => test_cmd::run(&root, &args[1..]),
        Some("bench") => bench::run(&root, &args[1..]),
        Some("load") => bench::soak::run(&root, &args[1..]),
        Some("crash") => bench::crash::run(&root, &args[1..]),
        Some("tokens") => bench::tokens::run(&root, &args[1..]),
        Some("-h" | "--help" | "help") | None => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(anyhow::anyhow!("unknown command `{other}`\n\n{USAGE}")),
    };
    if let Err(error) = &result {
        eprintln!("error: {error:#}");
    }
    ExitCode::from(exit_code(&result))
}

/// 0 on success, 2 when `--deny-breaking` refused a breaking change, 1 for any other failure.
fn exit_code(result: &anyhow::Result<()>) -> u8 {
    match result {
        Ok(()) => 0,
        Err(error) if error.chain().any(|e| e.is::<BreakingDenied>()) => 2,
        Err(_) => 1,
    }
}

/// The workspace root: xtask lives one level below it.
fn repo_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
