//! `bms-mcp serve`: MCP over HTTP for every MCP server in the store, and the admin API.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use super::account::{AccountArgs, BuiltInSandbox, ScopeArgs, signing_keys};
use super::store_args::{StoreArgs, describe};
use crate::access::directory::Directory;
use crate::access::upstreams::Upstreams;
use crate::app::listener::{self, ConnectionLimits};
use crate::app::{AppState, DEFAULT_BODY_LIMIT, app};
use crate::bms::http_client;
use crate::call::CursorCodec;
use crate::catalogue::{McpScope, ToolExposure};
use crate::config::{self, ConfigError};
use crate::manage::{FirstRun, Management};
use crate::mcp::{DEFAULT_LIST_PAGE_SIZE, Handler};
use crate::observe::Recorder;
use crate::store::audit::spawn_retention;
use crate::store::{
    Actor, BmsLocation, IntegratedAccount, McpServerConfig, Store, StoreLocation, ToolCallLog,
};
use crate::transport::guard::HostGuard;
use crate::transport::session::Sessions;

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
    /// Seconds a connection may take to send a request's headers; also how long an idle
    /// keep-alive connection is kept.
    #[arg(long, env = "BMS_MCP_HEADER_READ_TIMEOUT_SECONDS", default_value_t = ConnectionLimits::DEFAULT_HEADER_READ_TIMEOUT_SECS)]
    header_read_timeout_seconds: u64,
    /// Seconds a request body may stall, or a client may stop reading its answer, before the
    /// connection is closed.
    #[arg(long, env = "BMS_MCP_IDLE_TIMEOUT_SECONDS", default_value_t = ConnectionLimits::DEFAULT_IDLE_TIMEOUT_SECS)]
    idle_timeout_seconds: u64,
    /// Connections served at once; further ones wait in the listen backlog.
    #[arg(long, env = "BMS_MCP_MAX_CONNECTIONS", default_value_t = ConnectionLimits::DEFAULT_MAX_CONNECTIONS)]
    max_connections: usize,
    /// Tools per tools/list page.
    #[arg(long, env = "BMS_MCP_LIST_PAGE_SIZE", default_value_t = DEFAULT_LIST_PAGE_SIZE)]
    list_page_size: usize,
    /// Days the audit log keeps admin actions and tool calls.
    #[arg(long, env = "BMS_MCP_AUDIT_RETENTION_DAYS", default_value_t = 30)]
    audit_retention_days: u32,
    /// On SIGTERM or Ctrl-C, seconds requests in flight may take to finish (open event
    /// streams included) before the process exits anyway.
    #[arg(long, env = "BMS_MCP_SHUTDOWN_GRACE_SECONDS", default_value_t = 30)]
    shutdown_grace_seconds: u64,
    #[command(flatten)]
    store: StoreArgs,
    /// With --bms-url, the account these flags describe is added to the store (or updated, matched
    /// by URL, user and tenant); without, the built-in sandbox account is created on first run.
    #[command(flatten)]
    account: AccountArgs,
    /// The scope of the MCP server created on first run.
    #[command(flatten)]
    scope: ScopeArgs,
    /// An OpenID Connect provider people may sign in with, beside local users (boxed: it
    /// would otherwise make `serve` the one large variant of `Command`).
    #[command(flatten)]
    oidc: Box<super::oidc_args::OidcArgs>,
    /// Test infrastructure: also serve the official MCP conformance suite's fixture tools,
    /// prompts and resources (test_simple_text, test://static-text, ...) on every MCP server.
    /// Hidden from --help, no configuration key or environment variable: never for a deployment.
    #[arg(long, hide = true)]
    conformance_fixtures: bool,
}

/// Marker in the store: the first run's account, admin token and MCP server were made.
const FIRST_RUN_KEY: &str = "first_run_at";

/// What `serve` takes from its configuration once checked.
pub(super) struct Checked {
    first_config: McpServerConfig,
    public_url: Option<String>,
    cursors: CursorCodec,
    sessions: Sessions,
    oauth_key: [u8; 32],
    oidc: Option<crate::oauth::oidc::OidcConfig>,
    /// Settings that work but are likely not what a deployment wants.
    pub warnings: Vec<String>,
}

/// Everything `serve` can check before it listens; the first error names its key.
pub(super) fn preflight(args: &ServeArgs) -> Result<Checked, ConfigError> {
    let first_config = args.scope.config()?;
    let public_url = args
        .public_url
        .as_deref()
        .map(config::check_public_url)
        .transpose()?;
    for origin in super::split_list(&args.allowed_origins) {
        let valid = reqwest::Url::parse(&origin)
            .is_ok_and(|u| u.host_str().is_some() && u.path() == "/" && u.query().is_none());
        if !valid || origin.ends_with('/') {
            return Err(ConfigError::value(
                "allowed_origins",
                format!(
                    "{origin:?} is not an origin; give scheme://host[:port], e.g. https://console.example.com"
                ),
            ));
        }
    }
    let counts = [
        ("body_limit", args.body_limit as u64),
        ("list_page_size", args.list_page_size as u64),
        (
            "header_read_timeout_seconds",
            args.header_read_timeout_seconds,
        ),
        ("idle_timeout_seconds", args.idle_timeout_seconds),
        ("max_connections", args.max_connections as u64),
    ];
    if let Some((key, _)) = counts.iter().find(|(_, value)| *value == 0) {
        return Err(ConfigError::value(key, "must be at least 1"));
    }
    args.account.explicit()?;
    let oidc = args.oidc.config()?;
    let location = args.store.check()?;
    let (cursors, sessions, oauth_key) = signing_keys()?;
    if let Ok(filter) = std::env::var("BMS_MCP_LOG") {
        tracing_subscriber::EnvFilter::try_new(&filter).map_err(|error| {
            ConfigError::value("log", format!("{filter:?} is not a log filter ({error}); give e.g. \"info\" or \"warn,bms_mcp=debug\""))
        })?;
    }
    let warnings = warnings(args, public_url.as_deref(), &location);
    Ok(Checked {
        first_config,
        public_url,
        cursors,
        sessions,
        oauth_key,
        oidc,
        warnings,
    })
}

/// The authorization server, with the OpenID Connect provider when one is configured: its
/// discovery document is read now, so a wrong issuer stops the start instead of a sign-in.
async fn auth_server(
    key: [u8; 32],
    oidc: Option<crate::oauth::oidc::OidcConfig>,
) -> anyhow::Result<crate::oauth::AuthServer> {
    let server = crate::oauth::AuthServer::new(key, crate::oauth::Lifetimes::default());
    let Some(config) = oidc else {
        return Ok(server);
    };
    let provider = crate::oauth::oidc::Provider::discover(config, false)
        .await
        .context("oidc_issuer")?;
    tracing::info!(issuer = %provider.config.issuer, "people may sign in with an OpenID Connect provider");
    Ok(server.with_oidc(provider))
}

/// Working settings that a deployment most likely does not want.
fn warnings(args: &ServeArgs, public_url: Option<&str>, location: &StoreLocation) -> Vec<String> {
    let mut warnings = Vec::new();
    if matches!(location, StoreLocation::Postgres(_)) {
        if std::env::var_os("BMS_MCP_SECRET_KEY").is_none() {
            warnings.push("secret_key is not set: other replicas will refuse this one's cursors and session ids; give every replica the same secret_key".to_owned());
        }
        if std::env::var_os(crate::store::crypto::DATA_KEY_ENV).is_none() {
            warnings.push("data_key is not set: the key file under data_dir is used, and every replica on this database needs the same key; give every replica the same data_key".to_owned());
        }
    }
    match public_url.and_then(|url| reqwest::Url::parse(url).ok()) {
        Some(url)
            if url.scheme() == "http" && !is_loopback_host(url.host_str().unwrap_or_default()) =>
        {
            warnings.push(format!("public_url {url} is plain http on a non-loopback host: MCP URLs carry their token; serve them as https:// through a TLS terminator"));
        }
        None if !args.listen.ip().is_loopback() => {
            warnings.push(format!("listen {} is not loopback and public_url is not set: the MCP URLs handed out will name this address; set public_url to the URL clients use", args.listen));
        }
        _ => {}
    }
    warnings
}

fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let checked = preflight(&args)?;
    super::init_tracing();
    for warning in &checked.warnings {
        tracing::warn!("{warning}");
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let local = listener.local_addr()?;
    let public_url = checked
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{local}"));
    let guard = host_guard(&args, &public_url);

    let (store, location) = args.store.open().await?;
    // Nothing is cached yet: the directory comes later, with the sandbox's region.
    let manage = Management::new(store.clone());
    let flags_account = upsert_flags_account(&manage, &args.account).await?;
    let first_run = store
        .set_meta_if_absent(FIRST_RUN_KEY, &crate::store::unix_now().to_string())
        .await?;
    let mut accounts = store.accounts().await?;
    let mut sandbox = None;
    if first_run && accounts.is_empty() {
        let started = BuiltInSandbox::start().await?;
        let account = manage
            .create_sandbox_account(&Actor::system(), started.credentials())
            .await?;
        accounts.push(account);
        sandbox = Some(started);
    }
    if sandbox.is_none() && accounts.iter().any(is_sandbox) {
        sandbox = Some(BuiltInSandbox::start().await?);
    }

    let config = args.account.client_config();
    let mut upstreams = Upstreams::new(
        http_client(&config).context("building the HTTP client")?,
        config,
    );
    if let Some(sandbox) = &sandbox {
        upstreams = upstreams.with_region(
            BuiltInSandbox::REGION,
            &sandbox.base_url(),
            Some(sandbox.credentials()),
        );
    }
    let directory = Arc::new(Directory::new(store.clone(), upstreams));
    let reaper = directory.spawn_expiry_reaper();
    let retention = spawn_retention(store.clone(), args.audit_retention_days);
    let (call_log, call_writer) = ToolCallLog::start(store.clone());
    let recorder = Arc::new(Recorder::with_call_log(call_log.clone()));
    let handler = Handler::new(checked.cursors, args.list_page_size, recorder.clone())
        .with_conformance_fixtures(args.conformance_fixtures);
    let state = AppState::new(
        handler,
        recorder,
        directory,
        checked.sessions,
        &public_url,
        auth_server(checked.oauth_key, checked.oidc).await?,
    );

    println!(
        "bms-mcp {} (commit {}) listening on http://{local}",
        env!("CARGO_PKG_VERSION"),
        env!("BMS_MCP_GIT_COMMIT")
    );
    println!("Store: {}", describe(&location));
    if let Some(sandbox) = &sandbox {
        println!(
            "BMS: built-in sandbox at {} (demo data; no credentials needed)",
            sandbox.base_url()
        );
    }
    println!("Integrated accounts: {}", accounts.len());
    let home = flags_account.or_else(|| accounts.first().cloned());
    match (first_run, &home) {
        (true, Some(account)) => {
            first_run_output(&manage, account, checked.first_config, &public_url).await?;
        }
        (true, None) => println!(
            "No integrated account yet: add one with `bms-mcp accounts add` or POST {public_url}/integrated-account."
        ),
        (false, _) => later_run_output(&store, home.as_ref(), &public_url).await?,
    }

    let grace = Duration::from_secs(args.shutdown_grace_seconds);
    let limits = ConnectionLimits {
        header_read_timeout: Duration::from_secs(args.header_read_timeout_seconds),
        idle_timeout: Duration::from_secs(args.idle_timeout_seconds),
        max_connections: args.max_connections,
    };
    serve_until_stopped(listener, app(state, guard, args.body_limit), limits, grace).await;
    reaper.abort();
    retention.abort();
    // Bounded too: a request abandoned after the grace period may still hold a connection.
    let closing = async {
        call_log.flush().await;
        drop(call_log);
        call_writer.abort();
        store.close().await;
        if let Some(sandbox) = sandbox {
            sandbox.shutdown().await;
        }
    };
    if tokio::time::timeout(CLOSE_TIMEOUT, closing).await.is_err() {
        tracing::warn!("the store or the sandbox did not close within {CLOSE_TIMEOUT:?}");
    }
    tracing::info!("stopped");
    Ok(())
}

/// How long closing the store and the sandbox may take after serving stopped.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// Serves until SIGTERM or Ctrl-C, then stops accepting and lets requests in flight finish,
/// for at most `grace`: open event streams never finish by themselves, and a stop must not
/// wait for them past what the service manager allows.
async fn serve_until_stopped(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    limits: ConnectionLimits,
    grace: Duration,
) {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    });
    let signalled = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    };
    let serving = listener::serve(listener, router, limits, signalled(stopped.clone()));
    let deadline = async {
        signalled(stopped).await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        () = serving => {}
        () = deadline => {
            tracing::warn!("requests still in flight after {grace:?}; exiting without them");
        }
    }
}

fn host_guard(args: &ServeArgs, public_url: &str) -> HostGuard {
    let mut hosts = super::split_list(&args.allowed_hosts);
    if let Some(host) = reqwest::Url::parse(public_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
    {
        hosts.push(
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
        );
    }
    HostGuard::new(&hosts, &super::split_list(&args.allowed_origins))
}

fn is_sandbox(account: &IntegratedAccount) -> bool {
    account.location == BmsLocation::Region(BuiltInSandbox::REGION.into())
}

/// `--bms-url` and friends: the account they describe, added or brought up to date.
async fn upsert_flags_account(
    manage: &Management,
    flags: &AccountArgs,
) -> anyhow::Result<Option<IntegratedAccount>> {
    let Some((url, login)) = flags.explicit()? else {
        return Ok(None);
    };
    let account = manage
        .upsert_configured_account(&Actor::cli(), &url, login)
        .await?;
    Ok(Some(account))
}

async fn first_run_output(
    manage: &Management,
    account: &IntegratedAccount,
    config: McpServerConfig,
    public_url: &str,
) -> anyhow::Result<()> {
    let tool_count = McpScope::new(config.filter(), config.tool_exposure)
        .tools()
        .len();
    let offered = match config.tool_exposure {
        ToolExposure::Discovery => {
            " (discovery: listed as search_tools, get_tool_schema and call_tool, so a model's context holds them; `--tool-exposure all` lists every one)"
        }
        ToolExposure::All => "",
    };
    let FirstRun {
        admin_token,
        server,
    } = manage
        .first_run(&Actor::system(), account, config)
        .await
        .context("setting up the first run's admin token and MCP server")?;
    let (admin_token, token) = (admin_token.token, server.token);
    println!(
        "First run: created an admin token and the MCP server \"default\" for the integrated account \"{}\" ({}).",
        super::shown(&account.name),
        account.id
    );
    println!("Tools in scope: {tool_count}{offered}");
    println!("MCP URL: {public_url}/mcp/{token}");
    println!("Admin token: {admin_token}");
    println!("Admin console: {public_url}/admin (sign in with the admin token)");
    println!(
        "Both are shown only this once (only their hashes are stored). The MCP URL is a secret: paste it into your MCP client (Streamable HTTP; legacy SSE at .../sse)."
    );
    print_how_to_make_more(&account.id, public_url);
    Ok(())
}

async fn later_run_output(
    store: &Store,
    home: Option<&IntegratedAccount>,
    public_url: &str,
) -> anyhow::Result<()> {
    let servers = store.mcp_servers(None).await?.len();
    println!(
        "MCP servers: {servers}. Their URLs were shown when they were created and cannot be shown again: only their hashes are stored."
    );
    println!("Admin console: {public_url}/admin");
    match home {
        Some(account) => print_how_to_make_more(&account.id, public_url),
        None => println!("Add an integrated account with `bms-mcp accounts add`."),
    }
    Ok(())
}

fn print_how_to_make_more(account_id: &str, public_url: &str) {
    println!(
        "New MCP server: bms-mcp mcp create --account {account_id} --name NAME [--methods read --tags crm]"
    );
    println!(
        "  or: curl -X POST {public_url}/integrated-account/{account_id}/mcp -H \"Authorization: Bearer $ADMIN_TOKEN\" -H 'Content-Type: application/json' -d '{{\"name\": \"NAME\"}}'"
    );
    println!("New admin token: bms-mcp admin-token create --name NAME");
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
