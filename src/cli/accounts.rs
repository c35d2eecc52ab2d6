//! `bms-mcp accounts add|list|remove`: integrated accounts, straight on the store (through
//! the management service, without a directory: this process serves nothing).

use std::io::BufRead;

use anyhow::Context;

use super::refusal;
use super::store_args::StoreArgs;
use crate::admin::account_json;
use crate::manage::Management;
use crate::store::{Actor, BmsLocation, NewAccount};

#[derive(Debug, clap::Args)]
pub struct AccountsArgs {
    #[command(subcommand)]
    command: AccountsCommand,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, clap::Subcommand)]
enum AccountsCommand {
    /// Add a BMS tenant. The password (and TOTP secret) are stored encrypted, never shown again.
    Add(AddArgs),
    /// List accounts (never their secrets).
    List {
        /// Print JSON, as the admin API answers.
        #[arg(long)]
        json: bool,
    },
    /// Remove an account and all its MCP servers.
    Remove { id: String },
}

#[derive(Debug, clap::Args)]
struct AddArgs {
    #[arg(long)]
    name: String,
    /// BMS region: us, emea or apac (or `sandbox`, the built-in sandbox `serve` runs).
    #[arg(
        long,
        conflicts_with = "base_url",
        required_unless_present = "base_url"
    )]
    region: Option<String>,
    /// BMS API base URL, instead of a region.
    #[arg(long)]
    base_url: Option<String>,
    #[arg(long)]
    username: String,
    /// The API user's password. When not given, it is read from the first line of stdin.
    #[arg(long, env = "BMS_MCP_ACCOUNT_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// The BMS company (tenant) name.
    #[arg(long)]
    tenant: String,
    /// Base32 TOTP secret when the API user has MFA.
    #[arg(long, env = "BMS_MCP_ACCOUNT_TOTP_SECRET", hide_env_values = true)]
    totp_secret: Option<String>,
}

pub async fn run(args: AccountsArgs) -> anyhow::Result<()> {
    let (store, _) = args.store.open().await?;
    let manage = Management::new(store.clone());
    match args.command {
        AccountsCommand::Add(add) => {
            let password = match add.password {
                Some(password) => password,
                None => read_password()?,
            };
            let location = match (add.region, add.base_url) {
                (Some(region), _) => BmsLocation::Region(region),
                (None, Some(url)) => BmsLocation::BaseUrl(url.trim_end_matches('/').to_owned()),
                (None, None) => anyhow::bail!("give --region or --base-url"),
            };
            let new = NewAccount {
                name: add.name,
                location,
                username: add.username,
                password,
                tenant: add.tenant,
                totp_secret: add.totp_secret,
            };
            let account = manage
                .create_account(&Actor::cli(), new)
                .await
                .map_err(refusal)?;
            println!(
                "Added integrated account {} ({}).",
                account.id,
                super::shown(&account.name)
            );
            println!(
                "Give it an MCP server: bms-mcp mcp create --account {} --name NAME",
                account.id
            );
        }
        AccountsCommand::List { json } => {
            let accounts = store.accounts().await?;
            if json {
                let list: Vec<_> = accounts.iter().map(account_json).collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for account in accounts {
                    let location = match &account.location {
                        BmsLocation::Region(region) => format!("region {region}"),
                        BmsLocation::BaseUrl(url) => url.clone(),
                    };
                    println!(
                        "{}  {}  ({}, {}@{})",
                        account.id,
                        super::shown(&account.name),
                        location,
                        super::shown(&account.username),
                        super::shown(&account.tenant)
                    );
                }
            }
        }
        AccountsCommand::Remove { id } => {
            manage
                .delete_account(&Actor::cli(), &id)
                .await
                .map_err(refusal)?;
            println!("Removed integrated account {id} and its MCP servers.");
        }
    }
    store.close().await;
    Ok(())
}

fn read_password() -> anyhow::Result<String> {
    eprintln!("BMS password (one line on stdin):");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
