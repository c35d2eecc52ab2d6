//! A stand-alone entry point for the sandbox while the `bms-mcp sandbox` command is wired up:
//! `cargo run -p bms-mcp-sandbox -- --listen 127.0.0.1:8787`.

use clap::Parser;

/// Runs the Kaseya BMS v2 sandbox.
#[derive(Parser, Debug)]
#[command(name = "bms-mcp-sandbox", version, about)]
struct Cli {
    #[command(flatten)]
    sandbox: bms_mcp_sandbox::SandboxArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    bms_mcp_sandbox::run(Cli::parse().sandbox).await
}
