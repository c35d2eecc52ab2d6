//! `bms-mcp mcp create|list|revoke`: MCP servers, straight on the store.

use anyhow::Context;

use super::account::ScopeArgs;
use super::refusal;
use super::store_args::StoreArgs;
use crate::admin::server_json;
use crate::manage::{CreatedMcpServer, Management};
use crate::store::{Actor, McpAuth, NewMcpServer, parse_rfc3339, rfc3339};

fn parse_auth(text: &str) -> Result<McpAuth, String> {
    match text {
        "url_token" => Ok(McpAuth::UrlToken),
        "oauth" => Ok(McpAuth::OAuth),
        other => Err(format!("unknown auth `{other}`; use url_token or oauth")),
    }
}

#[derive(Debug, clap::Args)]
pub struct McpArgs {
    #[command(subcommand)]
    command: McpCommand,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, clap::Subcommand)]
enum McpCommand {
    /// Create an MCP server and print its URL once (only the token's hash is stored).
    Create(CreateArgs),
    /// List MCP servers (URLs cannot be shown again).
    List {
        /// Only this integrated account's.
        #[arg(long)]
        account: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Revoke (delete) an MCP server: its URL stops working.
    Revoke { id: String },
}

#[derive(Debug, clap::Args)]
struct CreateArgs {
    /// The integrated account's id (see `bms-mcp accounts list`).
    #[arg(long)]
    account: String,
    #[arg(long)]
    name: String,
    #[command(flatten)]
    scope: ScopeArgs,
    /// When the URL stops working, RFC 3339 (2026-12-31T23:59:59Z).
    #[arg(long)]
    expires_at: Option<String>,
    /// Requests must also carry an admin API token (Authorization: Bearer).
    #[arg(long)]
    require_api_token_auth: bool,
    /// How clients reach it: `url_token` (a secret URL) or `oauth` (people sign in; the URL
    /// is `/mcp/o/{id}` and holds no secret).
    #[arg(long, default_value = "url_token", value_parser = parse_auth)]
    auth: McpAuth,
    /// The base of the printed URL: the server's public URL.
    #[arg(
        long,
        env = "BMS_MCP_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    public_url: String,
    /// Print the admin API's JSON answer (with `url` and `token`).
    #[arg(long)]
    json: bool,
}

pub async fn run(args: McpArgs) -> anyhow::Result<()> {
    let (store, _) = args.store.open().await?;
    let manage = Management::new(store.clone());
    match args.command {
        McpCommand::Create(create) => {
            let mut config = create.scope.config()?;
            config.require_api_token_auth = create.require_api_token_auth;
            config.auth = create.auth;
            let expires_at = create
                .expires_at
                .as_deref()
                .map(|text| {
                    parse_rfc3339(text).with_context(|| {
                        format!("--expires-at {text:?} is not an RFC 3339 time such as 2026-12-31T23:59:59Z")
                    })
                })
                .transpose()?;
            let new = NewMcpServer {
                account_id: create.account,
                name: create.name,
                config,
                expires_at,
            };
            let CreatedMcpServer { server, token } = manage
                .create_mcp_server(&Actor::cli(), new)
                .await
                .map_err(refusal)?;
            let url = server.url(&create.public_url, &token);
            if create.json {
                let mut answer = server_json(&server);
                answer["url"] = url.clone().into();
                if server.config.auth == McpAuth::UrlToken {
                    answer["token"] = token.into();
                }
                println!("{}", serde_json::to_string_pretty(&answer)?);
            } else {
                println!("MCP URL: {url}");
                println!(
                    "MCP server {} ({}). Shown only now: only the token's hash is stored.",
                    server.id,
                    super::shown(&server.name)
                );
            }
        }
        McpCommand::List { account, json } => {
            let servers = store.mcp_servers(account.as_deref()).await?;
            if json {
                let list: Vec<_> = servers.iter().map(server_json).collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for server in servers {
                    let expiry = server.expires_at.map_or_else(
                        || "no expiry".to_owned(),
                        |at| format!("expires {}", rfc3339(at)),
                    );
                    println!(
                        "{}  {}  account {}  methods [{}] tags [{}]  {expiry}",
                        server.id,
                        super::shown(&server.name),
                        server.account_id,
                        server.config.methods.join(","),
                        server.config.tags.join(",")
                    );
                }
            }
        }
        McpCommand::Revoke { id } => {
            manage
                .delete_mcp_server(&Actor::cli(), None, &id)
                .await
                .map_err(refusal)?;
            println!("Revoked MCP server {id}: its URL stops working within a second.");
        }
    }
    store.close().await;
    Ok(())
}
