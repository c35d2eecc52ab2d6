//! `bms-mcp stdio`: one MCP server on stdin/stdout.

use std::sync::Arc;

use super::account::{AccountArgs, ScopeArgs, signing_keys};
use crate::call::NotRecorded;
use crate::mcp::{DEFAULT_LIST_PAGE_SIZE, Handler, McpEndpoint};

#[derive(Debug, clap::Args)]
pub struct StdioArgs {
    #[command(flatten)]
    account: AccountArgs,
    #[command(flatten)]
    scope: ScopeArgs,
}

pub async fn run(args: StdioArgs) -> anyhow::Result<()> {
    super::init_tracing();
    let scope = args.scope.scope()?;
    let upstream = args.account.connect().await?;
    let (cursors, _, _) = signing_keys()?;
    let handler = Handler::new(cursors, DEFAULT_LIST_PAGE_SIZE, Arc::new(NotRecorded));
    let endpoint = McpEndpoint {
        server_id: "stdio".into(),
        scope: Arc::new(scope),
        client: upstream.client.clone(),
        subject: None,
    };
    crate::transport::stdio::serve(&handler, &endpoint).await?;
    upstream.shutdown().await;
    Ok(())
}
