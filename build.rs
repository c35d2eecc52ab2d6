//! Refuses to build when `generated/` does not match `spec/`: the catalogue compiled into the
//! binary must be the one the spec and records describe. It checks, never writes: regenerating
//! is `cargo xtask gen`, so the diff is reviewed and committed.
//! It also records the git commit built, for `bms-mcp --version`.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo::rerun-if-changed=spec");
    println!("cargo::rerun-if-changed=generated");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    println!("cargo::rustc-env=BMS_MCP_GIT_COMMIT={}", git_commit(root));
    let files = match bms_mcp_codegen::generate(root) {
        Ok((_, files)) => files,
        Err(error) => {
            println!("cargo::error=spec/ has a problem: {error}");
            return;
        }
    };
    let stale = bms_mcp_codegen::stale_files(root, &files);
    if !stale.is_empty() {
        let list: Vec<String> = stale.iter().map(|p| p.display().to_string()).collect();
        println!(
            "cargo::error=generated/ is stale ({}); run `cargo xtask gen` and commit",
            list.join(", ")
        );
    }
}

/// `git rev-parse --short HEAD`, or "unknown" outside a git checkout (a source tarball).
fn git_commit(root: &Path) -> String {
    // Only paths that exist: a missing one would rerun this script on every build.
    for watched in [".git/HEAD", ".git/refs/heads", ".git/packed-refs"] {
        if root.join(watched).exists() {
            println!("cargo::rerun-if-changed={watched}");
        }
    }
    Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(root)
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|commit| commit.trim().to_owned())
        .filter(|commit| !commit.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}
