//! `bms-mcp admin-token create|list|revoke`: tokens for the admin API, straight on the store.

use super::refusal;
use super::store_args::StoreArgs;
use crate::manage::{CreatedAdminToken, Management};
use crate::store::{Actor, rfc3339};

#[derive(Debug, clap::Args)]
pub struct AdminTokenArgs {
    #[command(subcommand)]
    command: AdminTokenCommand,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, clap::Subcommand)]
enum AdminTokenCommand {
    /// Create a token and print it once (only its hash is stored).
    Create {
        /// What the token is for, shown in `list` and the audit log.
        #[arg(long, default_value = "admin")]
        name: String,
    },
    /// List tokens (ids and names; tokens cannot be shown again).
    List,
    /// Revoke a token by id: it stops working at once on this host, within a second elsewhere.
    Revoke { id: String },
}

pub async fn run(args: AdminTokenArgs) -> anyhow::Result<()> {
    let (store, _) = args.store.open().await?;
    let manage = Management::new(store.clone());
    match args.command {
        AdminTokenCommand::Create { name } => {
            let CreatedAdminToken { admin, token } = manage
                .create_admin_token(&Actor::cli(), &name)
                .await
                .map_err(refusal)?;
            println!("Admin token: {token}");
            println!(
                "id {} ({}). Shown only now: only its hash is stored. Send it as Authorization: Bearer <token>.",
                admin.id,
                super::shown(&admin.name)
            );
        }
        AdminTokenCommand::List => {
            for admin in store.admin_tokens().await? {
                println!(
                    "{}  {}  created {}",
                    admin.id,
                    super::shown(&admin.name),
                    rfc3339(admin.created_at)
                );
            }
        }
        AdminTokenCommand::Revoke { id } => {
            manage
                .revoke_admin_token(&Actor::cli(), &id)
                .await
                .map_err(refusal)?;
            println!("Revoked admin token {id}.");
        }
    }
    store.close().await;
    Ok(())
}
