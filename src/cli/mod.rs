//! The `bms-mcp` command line.

mod account;
mod accounts;
mod admin_token;
mod config_cmd;
mod mcp;
mod oidc_args;
mod serve;
mod stdio;
mod store_args;
mod tools;
mod users;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::config::{self, ConfigError};
use crate::manage::ManageError;
use crate::store::Invalid;

/// MCP gateway for Kaseya BMS.
#[derive(Debug, Parser)]
#[command(name = "bms-mcp", version = version_text(), about)]
pub struct Cli {
    /// TOML config file; environment variables and flags override its keys
    /// (`bms-mcp config keys` lists them).
    #[arg(long, env = config::CONFIG_ENV, value_name = "PATH", global = true)]
    config: Option<std::path::PathBuf>,
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
    /// People who sign in on OAuth MCP servers: add (password on stdin), list, remove.
    Users(users::UsersArgs),
    /// The configuration: `check` validates it and prints it (secrets masked), `keys` lists
    /// every key.
    Config(config_cmd::ConfigArgs),
}

/// `0.1.0 (commit 1a2b3c4, spec sha256 …)`.
pub fn version_text() -> String {
    format!(
        "{} (commit {}, spec sha256 {})",
        env!("CARGO_PKG_VERSION"),
        env!("BMS_MCP_GIT_COMMIT"),
        crate::catalogue::SPEC_SHA256
    )
}

/// Runs the command line; the exit code is the process's: 2 for a configuration error
/// (nothing was started), 1 for any other failure.
pub fn main() -> std::process::ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let file = match config::path_from(&args).map(|path| config::read_file(&path)) {
        Some(Ok(file)) => Some(file),
        Some(Err(error)) => return config_failure(&error),
        None => None,
    };
    let from_file = file.as_ref().map(config::apply_to_env).unwrap_or_default();
    let matches = Cli::command().get_matches_from(args);
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    let result = match cli.command {
        Command::Config(args) => {
            let sources = config_cmd::Sources {
                matches: &matches,
                file: file.as_ref(),
                from_file: &from_file,
            };
            config_cmd::run(&args, &sources)
        }
        Command::Tools(args) => tools::run(&args),
        Command::Serve(args) => runtime().and_then(|rt| rt.block_on(serve::run(args))),
        Command::Stdio(args) => runtime().and_then(|rt| rt.block_on(stdio::run(args))),
        Command::AdminToken(args) => run_management(admin_token::run(args)),
        Command::Accounts(args) => run_management(accounts::run(args)),
        Command::Mcp(args) => run_management(mcp::run(args)),
        Command::Users(args) => run_management(users::run(args)),
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
        Err(error) => match error.downcast_ref::<ConfigError>() {
            Some(config) => config_failure(config),
            None => {
                eprintln!("error: {error:#}");
                std::process::ExitCode::FAILURE
            }
        },
    }
}

fn config_failure(error: &ConfigError) -> std::process::ExitCode {
    eprintln!("error: {error}");
    std::process::ExitCode::from(config::EXIT_CODE)
}

/// Runs a command that changes the store, with logging on: the management service logs a
/// failed audit write (the change has happened) instead of failing the command.
fn run_management(
    command: impl std::future::Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<()> {
    runtime().and_then(|rt| {
        rt.block_on(async {
            init_tracing();
            command.await
        })
    })
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// A refusal of the management service as the CLI says it: fields named as the flags that
/// set them, and the command that lists the ids or names there are.
pub(crate) fn refusal(error: ManageError) -> anyhow::Error {
    match error {
        ManageError::Invalid(invalid) => anyhow::anyhow!("{}", as_flag(&invalid)),
        ManageError::NoAccount(id) => {
            anyhow::anyhow!("no integrated account with id `{id}`; see `bms-mcp accounts list`")
        }
        ManageError::NoServer(id) => {
            anyhow::anyhow!("no MCP server with id `{id}`; see `bms-mcp mcp list`")
        }
        ManageError::NoAdminToken(id) => {
            anyhow::anyhow!("no admin token with id `{id}`; see `bms-mcp admin-token list`")
        }
        ManageError::NoUser(username) => {
            anyhow::anyhow!("no user named `{username}`; see `bms-mcp users list`")
        }
        ManageError::Store(error) => error.into(),
    }
}

/// `name` as `--name`, `expires_at` as `--expires-at`; a config field (`config.tags`) keeps
/// its name, as the scope flags set it indirectly.
fn as_flag(invalid: &Invalid) -> String {
    if invalid.field.contains('.') {
        invalid.to_string()
    } else {
        format!("--{}: {}", invalid.field.replace('_', "-"), invalid.message)
    }
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
/// A stored name as the CLI prints it: control characters escaped, so a name stored before
/// names were checked (or edited in the database) cannot drive the terminal.
pub(crate) fn shown(text: &str) -> String {
    crate::bms::quote::quote(text, usize::MAX)
}

pub(crate) fn split_list(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}
