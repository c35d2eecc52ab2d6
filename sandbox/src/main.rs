//! The sandbox as a binary of its own: `cargo run -p bms-mcp-sandbox -- --listen 127.0.0.1:8787`.
//! It takes the same flags as `bms-mcp sandbox` (both parse `SandboxArgs`) and builds without
//! the gateway, which is quicker when working on the sandbox alone.

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
