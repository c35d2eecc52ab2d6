//! `cargo xtask crash [--rounds N]`: the `kill -9` / restart loop of `tests/crash_safety.rs`,
//! for N rounds on SQLite and on PostgreSQL, with figures in `BENCHMARKS.md`. The test file
//! holds the logic; this runs its binary with `BMS_MCP_CRASH_ROUNDS` and reads the
//! `crash-figures {json}` line each test prints, so CI's quick run and this long one check the
//! same things.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::Value;

use super::sections;
use crate::cli::count_flag;
use crate::served::cargo;

const USAGE: &str = "usage: cargo xtask crash [--rounds N] (default 15)";
/// About a minute for both backends on the 2-core machine BENCHMARKS.md describes. A round's
/// checks grow with every server created before it (about 100 a round), so the run's time
/// grows with the square of the rounds.
const DEFAULT_ROUNDS: u32 = 15;
/// The tests of `tests/crash_safety.rs`, one per backend.
const TESTS: &[(&str, &str)] = &[
    (
        "SQLite",
        "a_killed_server_restarts_with_a_consistent_sqlite_store",
    ),
    (
        "PostgreSQL",
        "a_killed_server_restarts_with_a_consistent_postgres_store",
    ),
];

/// One backend's run.
struct Run {
    backend: &'static str,
    figures: Value,
    took: Duration,
}

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let rounds = count_flag(args, "--rounds", DEFAULT_ROUNDS, USAGE)?;
    let binary = build_test(root)?;
    let mut runs = Vec::new();
    for (backend, test) in TESTS {
        println!("== {backend}: {rounds} rounds of churn, kill -9, restart ==");
        let started = Instant::now();
        let output = Command::new(&binary)
            .args([test, "--exact", "--nocapture", "--test-threads=1"])
            .env("BMS_MCP_CRASH_ROUNDS", rounds.to_string())
            // The PostgreSQL run must not skip for want of a database: fail it instead.
            .env("CI", "1")
            .current_dir(root)
            .output()
            .with_context(|| format!("running {}", binary.display()))?;
        let took = started.elapsed();
        let stdout = String::from_utf8_lossy(&output.stdout);
        // libtest writes `test NAME ... ` before the test's own output, on the same line.
        let figures = stdout
            .lines()
            .find_map(|l| l.split_once("crash-figures ").map(|(_, json)| json))
            .map(serde_json::from_str::<Value>)
            .transpose()
            .context("reading the crash-figures line")?;
        let Some(figures) = figures.filter(|_| output.status.success()) else {
            bail!(
                "{backend}: the crash test failed\n{stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        };
        println!("{figures}  ({:.1} s)", took.as_secs_f64());
        runs.push(Run {
            backend,
            figures,
            took,
        });
    }
    let markdown = markdown(root, rounds, &runs);
    println!("\n{markdown}");
    sections::write(root, "crash", &markdown)?;
    println!("wrote the crash section of BENCHMARKS.md");
    Ok(())
}

/// Builds `tests/crash_safety.rs` (and the `bms-mcp` binary it starts); the test binary's path.
fn build_test(root: &Path) -> anyhow::Result<PathBuf> {
    println!("== building tests/crash_safety.rs ==");
    let output = cargo()
        .args([
            "test",
            "--package",
            "bms-mcp",
            "--test",
            "crash_safety",
            "--no-run",
            "--message-format=json",
        ])
        .current_dir(root)
        .output()
        .context("running cargo test --no-run")?;
    if !output.status.success() {
        bail!(
            "building tests/crash_safety.rs failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|m| m["target"]["name"] == "crash_safety" && m["executable"].is_string())
        .and_then(|m| m["executable"].as_str().map(PathBuf::from))
        .context("cargo named no crash_safety test binary")
}

fn markdown(root: &Path, rounds: u32, runs: &[Run]) -> String {
    let mut md = String::from("## Crash safety (`cargo xtask crash`)\n\n");
    md.push_str(&format!(
        "- **Date:** {}; **commit:** {}; **machine:** {}\n- {rounds} rounds per backend: create \
         and revoke MCP servers through the admin API, `kill -9` the debug build of `serve` \
         300–980 ms into the churn (a different point each round), restart it on the same store, \
         then check every token whose creation or revocation was answered (all of them, every \
         round) and that the listing holds no half-written server.\n\n",
        super::command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        super::commit(root),
        super::machine(),
    ));
    md.push_str(
        "| backend | rounds | servers created (answered) | revocations answered | restarts | tokens verified | inconsistencies | time per round |\n|---|---|---|---|---|---|---|---|\n",
    );
    for run in runs {
        let f = &run.figures;
        let per_round = run.took.as_secs_f64() / f64::from(rounds);
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | **{}** | {:.2} s |\n",
            run.backend,
            f["rounds"],
            f["servers_created"],
            f["revocations_answered"],
            f["restarts"],
            f["tokens_verified"],
            f["inconsistencies"],
            per_round,
        ));
    }
    md.push_str(
        "\nTime per round is the test process's wall time divided by the rounds: churn, kill, \
         restart (migrations checked) and the checks, which grow with the servers created so far. \
         CI runs the same test with 3 rounds.\n",
    );
    md
}
