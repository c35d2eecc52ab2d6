//! `cargo xtask test`: the workspace tests, then the interop suite against real MCP clients
//! that this command installs itself, pinned, into ignored folders.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

use crate::interop::{self, Outcome};

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let mut run_workspace = true;
    let mut run_interop = true;
    for arg in args {
        match arg.as_str() {
            "--no-interop" => run_interop = false,
            "--interop-only" => run_workspace = false,
            other => bail!(
                "unknown flag `{other}`; usage: cargo xtask test [--no-interop | --interop-only]"
            ),
        }
    }
    let mut outcomes: Vec<Outcome> = Vec::new();
    if run_workspace {
        let passed = workspace_tests(root)?;
        outcomes.push(Outcome::new(
            "workspace tests (cargo)",
            passed,
            String::new(),
        ));
    }
    if run_interop {
        outcomes.extend(interop::run(root)?);
    }
    println!("\n== summary ==");
    for outcome in &outcomes {
        println!("{outcome}");
    }
    let failed = outcomes.iter().filter(|o| !o.passed).count();
    println!(
        "suites: {} passed, {} failed",
        outcomes.len() - failed,
        failed
    );
    if failed > 0 {
        bail!("{failed} suite(s) failed");
    }
    Ok(())
}

/// `cargo nextest run` when nextest is installed, `cargo test` otherwise.
fn workspace_tests(root: &Path) -> anyhow::Result<bool> {
    let nextest = Command::new("cargo")
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    let mut command = Command::new("cargo");
    if nextest {
        command.args([
            "nextest",
            "run",
            "--workspace",
            "--all-features",
            "--no-fail-fast",
        ]);
    } else {
        command.args(["test", "--workspace", "--all-features", "--no-fail-fast"]);
    }
    println!("== workspace tests: {:?} ==", command);
    let status = command
        .current_dir(root)
        .status()
        .context("running cargo")?;
    if nextest && status.success() {
        // nextest does not run doctests.
        let doc = Command::new("cargo")
            .args(["test", "--workspace", "--all-features", "--doc"])
            .current_dir(root)
            .status()
            .context("running doctests")?;
        return Ok(doc.success());
    }
    Ok(status.success())
}
