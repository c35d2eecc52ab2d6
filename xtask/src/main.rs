//! `cargo xtask <command>`: project automation that needs no shell scripts.
//!
//! - `gen [--check]`: regenerate `generated/` from the spec and records (or only check it).
//! - `test`: the whole test suite, including the real MCP clients it installs itself.

mod gen_cmd;
mod interop;
mod test_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  gen [--check]   regenerate generated/ from spec/ (--check: fail if it is stale)
  test            run the workspace tests, then the real-client interop suite";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = repo_root();
    let result = match args.first().map(String::as_str) {
        Some("gen") => gen_cmd::run(&root, &args[1..]),
        Some("test") => test_cmd::run(&root, &args[1..]),
        Some("-h" | "--help" | "help") | None => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(anyhow::anyhow!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: xtask lives one level below it.
fn repo_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
