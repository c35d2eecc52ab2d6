//! `bms-mcp users add|list|remove`: the people who may sign in on OAuth MCP servers, straight
//! on the store. Passwords are read from standard input (never from a flag, which `ps` and
//! shell history would show) and stored only as Argon2id hashes.

use std::io::BufRead;

use super::refusal;
use super::store_args::StoreArgs;
use crate::manage::{ManageError, Management};
use crate::store::{Actor, rfc3339};

#[derive(Debug, clap::Args)]
pub struct UsersArgs {
    #[command(subcommand)]
    command: UsersCommand,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, clap::Subcommand)]
enum UsersCommand {
    /// Add a user; the password is the first line of standard input (at least 12 characters).
    Add {
        /// What the person types to sign in; also the audit log's subject.
        username: String,
    },
    /// List users (names and when they were added).
    List,
    /// Remove a user: every grant they gave, and every token of those grants, stops working.
    Remove { username: String },
}

pub async fn run(args: UsersArgs) -> anyhow::Result<()> {
    let (store, _) = args.store.open().await?;
    let manage = Management::new(store.clone());
    match args.command {
        UsersCommand::Add { username } => {
            let password = read_password()?;
            let user = match manage
                .create_user(&Actor::cli(), &username, &password)
                .await
            {
                Ok(user) => user,
                // The name is an argument and the password comes on stdin: no flag to name.
                Err(ManageError::Invalid(invalid)) => anyhow::bail!("{invalid}"),
                Err(error) => return Err(refusal(error)),
            };
            println!(
                "User {} added. They sign in with it on OAuth MCP servers.",
                super::shown(&user.username)
            );
        }
        UsersCommand::List => {
            for user in store.users().await? {
                println!(
                    "{}  {}  added {}",
                    user.id,
                    super::shown(&user.username),
                    rfc3339(user.created_at)
                );
            }
        }
        UsersCommand::Remove { username } => {
            manage
                .delete_user(&Actor::cli(), &username)
                .await
                .map_err(refusal)?;
            println!(
                "User {} removed; their grants are revoked.",
                super::shown(&username)
            );
        }
    }
    Ok(())
}

/// The first line of standard input, without its line ending.
fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        anyhow::bail!(
            "give the password on standard input, e.g. `bms-mcp users add alice < password.txt`"
        );
    }
    Ok(password)
}
