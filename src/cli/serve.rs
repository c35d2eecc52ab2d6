//! `bms-mcp serve`: MCP over HTTP for one BMS account.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;

use super::account::{AccountArgs, ScopeArgs, signing_keys};
use crate::mcp::{DEFAULT_LIST_PAGE_SIZE, Handler, McpEndpoint};
use crate::server::directory::{Directory, new_token};
use crate::server::metrics::Metrics;
use crate::server::{AppState, DEFAULT_BODY_LIMIT, app};
use crate::transport::guard::HostGuard;
use crate::transport::sse::SseHub;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on. Loopback by default: expose it through a reverse proxy.
    #[arg(long, env = "BMS_MCP_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The public base URL clients reach this server at (default: from --listen).
    #[arg(long, env = "BMS_MCP_PUBLIC_URL")]
    public_url: Option<String>,
    /// Extra host names requests may be addressed to (loopback and the public URL's host are allowed).
    #[arg(long, env = "BMS_MCP_ALLOWED_HOSTS", value_name = "LIST")]
    allowed_hosts: Vec<String>,
    /// Browser origins allowed to call the server, e.g. https://console.example.com.
    #[arg(long, env = "BMS_MCP_ALLOWED_ORIGINS", value_name = "LIST")]
    allowed_origins: Vec<String>,
    /// Largest request body in bytes; larger ones get 413.
    #[arg(long, env = "BMS_MCP_BODY_LIMIT", default_value_t = DEFAULT_BODY_LIMIT)]
    body_limit: usize,
    /// Tools per tools/list page.
    #[arg(long, env = "BMS_MCP_LIST_PAGE_SIZE", default_value_t = DEFAULT_LIST_PAGE_SIZE)]
    list_page_size: usize,
    #[command(flatten)]
    account: AccountArgs,
    #[command(flatten)]
    scope: ScopeArgs,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    super::init_tracing();
    let scope = args.scope.scope()?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let local = listener.local_addr()?;
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{local}"))
        .trim_end_matches('/')
        .to_owned();
    let mut hosts = super::split_list(&args.allowed_hosts);
    if let Some(host) = reqwest::Url::parse(&public_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
    {
        hosts.push(
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
        );
    }
    let guard = HostGuard::new(&hosts, &super::split_list(&args.allowed_origins));

    let upstream = args.account.connect().await?;
    let (cursors, sessions) = signing_keys()?;
    let handler = Arc::new(Handler::new(
        cursors,
        args.list_page_size,
        Arc::new(Metrics::default()),
    ));
    let directory = Arc::new(Directory::default());
    let token = new_token();
    let tool_count = scope.tools().len();
    let endpoint = McpEndpoint {
        server_id: "default".into(),
        scope: Arc::new(scope),
        client: upstream.client.clone(),
    };
    directory.register(&token, endpoint, None);
    let state = AppState {
        handler,
        directory,
        sessions: Arc::new(sessions),
        sse: Arc::new(SseHub::default()),
    };

    println!(
        "bms-mcp {} listening on http://{local}",
        env!("CARGO_PKG_VERSION")
    );
    match upstream.sandbox_url() {
        Some(url) => println!("BMS: built-in sandbox at {url} (demo data; no credentials needed)"),
        None => println!("BMS: {}", upstream.client.base_url()),
    }
    println!("Tools in scope: {tool_count}");
    println!("MCP URL: {public_url}/mcp/{token}");
    println!(
        "Paste that URL into your MCP client (Streamable HTTP; legacy SSE at .../sse). It is a secret: anyone with it can use these tools."
    );

    axum::serve(listener, app(state, guard, args.body_limit))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving HTTP")?;
    upstream.shutdown().await;
    Ok(())
}

/// Ctrl-C or SIGTERM: stop accepting, let in-flight requests finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
