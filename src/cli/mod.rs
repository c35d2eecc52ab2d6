//! The `bms-mcp` command line.

mod account;
mod accounts;
mod admin_token;
mod mcp;
mod serve;
mod stdio;
mod store_args;
mod tools;

use clap::{Parser, Subcommand};

/// MCP gateway for Kaseya BMS.
#[derive(Debug, Parser)]
#[command(name = "bms-mcp", version = version_text(), about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve every MCP server in the store over HTTP (Streamable HTTP and legacy SSE), with the
    /// admin API beside it. The first run creates the built-in sandbox account, an admin token
    /// and one MCP server, and prints them once.
    Serve(serve::ServeArgs),
    /// Serve one MCP server over stdin/stdout, for desktop clients that start a process.
    Stdio(stdio::StdioArgs),
    /// Run the BMS sandbox alone: a simulator of the Kaseya BMS v2 API for demos and tests.
    #[cfg(feature = "sandbox")]
    Sandbox(bms_mcp_sandbox::SandboxArgs),
    /// Print the tool catalogue, filtered as an MCP server's scope would be.
    Tools(tools::ToolsArgs),
    /// Admin API tokens: create (printed once), list, revoke.
    AdminToken(admin_token::AdminTokenArgs),
    /// Integrated accounts (BMS tenants): add, list, remove.
    Accounts(accounts::AccountsArgs),
    /// MCP servers of integrated accounts: create (URL printed once), list, revoke.
    Mcp(mcp::McpArgs),
}

fn version_text() -> String {
    format!(
        "{} (spec sha256 {})",
        env!("CARGO_PKG_VERSION"),
        crate::catalogue::SPEC_SHA256
    )
}

/// Runs the command line; the exit code is the process's.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Tools(args) => tools::run(&args),
        Command::Serve(args) => runtime().and_then(|rt| rt.block_on(serve::run(args))),
        Command::Stdio(args) => runtime().and_then(|rt| rt.block_on(stdio::run(args))),
        Command::AdminToken(args) => runtime().and_then(|rt| rt.block_on(admin_token::run(args))),
        Command::Accounts(args) => runtime().and_then(|rt| rt.block_on(accounts::run(args))),
        Command::Mcp(args) => runtime().and_then(|rt| rt.block_on(mcp::run(args))),
        #[cfg(feature = "sandbox")]
        Command::Sandbox(args) => runtime().and_then(|rt| {
            rt.block_on(async {
                init_tracing();
                bms_mcp_sandbox::run(args).await
            })
        }),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Logs to stderr (stdout belongs to stdio MCP), filtered by `BMS_MCP_LOG` (default `info`).
pub(crate) fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("BMS_MCP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Splits comma-separated flag values: `--tags crm,lookups` and `--tags crm --tags lookups`.
pub(crate) fn split_list(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}
