//! A gateway on a real loopback port in front of a real sandbox, for integration tests. Its
//! MCP servers live in a real store (SQLite in a temporary directory unless told otherwise).
#![allow(dead_code)]

pub mod backends;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bms_mcp::access::directory::Directory;
use bms_mcp::access::upstreams::Upstreams;
use bms_mcp::app::listener::{self, ConnectionLimits};
use bms_mcp::app::{AppState, app};
use bms_mcp::bms::{BmsClientConfig, http_client};
use bms_mcp::call::CursorCodec;
use bms_mcp::catalogue::ToolExposure;
use bms_mcp::catalogue::ToolFilter;
use bms_mcp::mcp::Handler;
use bms_mcp::oauth::{AuthServer, Lifetimes};
use bms_mcp::observe::Recorder;
use bms_mcp::store::{
    BmsLocation, IntegratedAccount, McpServerConfig, NewAccount, NewMcpServer, Store, ToolCallLog,
};
use bms_mcp::transport::guard::HostGuard;
use bms_mcp::transport::session::Sessions;
use bms_mcp_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};

pub struct Harness {
    pub addr: SocketAddr,
    pub token: String,
    pub sandbox: Sandbox,
    pub directory: Arc<Directory>,
    pub store: Store,
    /// The integrated account (the sandbox) every MCP server of the harness belongs to.
    pub account_id: String,
    pub call_log: ToolCallLog,
    pub http: reqwest::Client,
    pub body_limit: usize,
    /// Keeps the store alive (and removes it) with the harness.
    pub backing: backends::TestStore,
}

pub struct Options {
    pub sandbox: SandboxConfig,
    pub client: BmsClientConfig,
    pub filter: ToolFilter,
    pub exposure: ToolExposure,
    pub body_limit: usize,
    pub backend: backends::Backend,
    pub limits: ConnectionLimits,
    pub oauth_lifetimes: Lifetimes,
    /// Client metadata documents may be served from loopback over http.
    pub loopback_client_metadata: bool,
    /// An OpenID Connect provider people may also sign in with.
    pub oidc: Option<bms_mcp::oauth::oidc::Provider>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            sandbox: SandboxConfig::default(),
            client: BmsClientConfig::default(),
            filter: ToolFilter::default(),
            exposure: ToolExposure::All,
            body_limit: 64 * 1024,
            backend: backends::Backend::Sqlite,
            limits: ConnectionLimits::default(),
            oauth_lifetimes: Lifetimes::default(),
            loopback_client_metadata: false,
            oidc: None,
        }
    }
}

impl Harness {
    pub async fn start() -> Harness {
        Harness::with(Options::default()).await
    }

    pub async fn with(options: Options) -> Harness {
        let sandbox = Sandbox::start(options.sandbox, ([127, 0, 0, 1], 0).into())
            .await
            .expect("sandbox starts");
        let backing = backends::TestStore::new(options.backend).await;
        let store = backing.store.clone();
        let account = store_account(&store, &sandbox, "sandbox").await;
        let upstreams = Upstreams::new(
            http_client(&options.client).expect("http client"),
            options.client,
        );
        let directory = Arc::new(Directory::new(store.clone(), upstreams));
        let (call_log, _writer) = ToolCallLog::start(store.clone());
        let recorder = Arc::new(Recorder::with_call_log(call_log.clone()));
        let handler = Handler::new(CursorCodec::new([3; 32]), 100, recorder.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut oauth = AuthServer::new([5; 32], options.oauth_lifetimes);
        if options.loopback_client_metadata {
            oauth = oauth.with_loopback_client_metadata();
        }
        if let Some(provider) = options.oidc {
            oauth = oauth.with_oidc(provider);
        }
        let state = AppState::new(
            handler,
            recorder,
            directory.clone(),
            Sessions::new([4; 32]),
            &format!("http://{addr}"),
            oauth,
        );
        let router = app(state, HostGuard::new(&[], &[]), options.body_limit);
        tokio::spawn(listener::serve(
            listener,
            router,
            options.limits,
            std::future::pending(),
        ));
        let mut harness = Harness {
            addr,
            token: String::new(),
            sandbox,
            directory,
            store,
            account_id: account.id,
            call_log,
            http: reqwest::Client::new(),
            body_limit: options.body_limit,
            backing,
        };
        harness.token = harness
            .register_with(
                McpServerConfig {
                    methods: options.filter.methods,
                    tags: options.filter.tags,
                    require_api_token_auth: false,
                    tool_exposure: options.exposure,
                    ..McpServerConfig::default()
                },
                None,
            )
            .await;
        harness
    }

    /// Another integrated account, signing in to `sandbox`, with an MCP server of its own on
    /// this gateway (every tool in scope); that server's MCP URL.
    pub async fn another_account(&self, sandbox: &Sandbox, name: &str) -> String {
        let account = store_account(&self.store, sandbox, name).await;
        let (_, token) = self
            .store
            .create_mcp_server(NewMcpServer {
                account_id: account.id,
                name: name.into(),
                config: McpServerConfig::default(),
                expires_at: None,
            })
            .await
            .expect("store answers")
            .expect("account exists");
        self.url(&format!("/mcp/{token}"))
    }

    pub fn mcp_url(&self) -> String {
        format!("http://{}/mcp/{}", self.addr, self.token)
    }

    /// POSTs a raw body to the MCP endpoint with the usual headers.
    pub async fn post_raw(&self, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.http
            .post(self.mcp_url())
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body)
            .send()
            .await
            .expect("request sent")
    }

    /// One JSON-RPC request; the reply's JSON.
    pub async fn rpc(&self, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        self.post_raw(body.to_string())
            .await
            .json()
            .await
            .expect("JSON reply")
    }

    /// One tools/call; the `result` object.
    pub async fn call(&self, tool: &str, arguments: Value) -> Value {
        let reply = self
            .rpc("tools/call", json!({"name": tool, "arguments": arguments}))
            .await;
        reply
            .get("result")
            .cloned()
            .unwrap_or_else(|| panic!("no result: {reply}"))
    }

    /// The text of a tool result's first content block.
    pub fn text(result: &Value) -> &str {
        result["content"][0]["text"].as_str().unwrap_or_default()
    }

    pub async fn sandbox_get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.sandbox.base_url()))
            .send()
            .await
            .expect("sandbox")
            .json()
            .await
            .expect("json")
    }

    pub async fn sandbox_post(&self, path: &str, body: Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.sandbox.base_url()))
            .json(&body)
            .send()
            .await
            .expect("sandbox");
        assert!(
            response.status().is_success(),
            "sandbox refused {path}: {}",
            response.text().await.unwrap_or_default()
        );
    }

    /// Requests that reached the sandbox's API, sign-in excluded.
    pub async fn upstream_requests(&self) -> Vec<Value> {
        let all = self.sandbox_get("/_sandbox/requests").await;
        all.as_array()
            .expect("request log is a list")
            .iter()
            .filter(|r| {
                !r["path"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with("/v2/security/")
            })
            .cloned()
            .collect()
    }

    pub async fn all_upstream_requests(&self) -> Vec<Value> {
        self.sandbox_get("/_sandbox/requests")
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub async fn clear_upstream_requests(&self) {
        self.http
            .delete(format!("{}/_sandbox/requests", self.sandbox.base_url()))
            .send()
            .await
            .expect("sandbox");
    }

    /// Registers another MCP server on the same gateway, expiring at `expires_at` (rounded up
    /// to the second, as the store keeps it).
    pub async fn register(&self, filter: ToolFilter, expires_at: Option<SystemTime>) -> String {
        let config = McpServerConfig {
            methods: filter.methods,
            tags: filter.tags,
            ..McpServerConfig::default()
        };
        let expires_at = expires_at.map(|at| {
            let since = at
                .duration_since(SystemTime::UNIX_EPOCH)
                .expect("after 1970");
            since.as_secs() as i64 + i64::from(since.subsec_nanos() > 0)
        });
        self.register_with(config, expires_at).await
    }

    /// Stores an MCP server for the sandbox account; its token.
    pub async fn register_with(&self, config: McpServerConfig, expires_at: Option<i64>) -> String {
        let (_, token) = self
            .store
            .create_mcp_server(NewMcpServer {
                account_id: self.account_id.clone(),
                name: "test".into(),
                config,
                expires_at,
            })
            .await
            .expect("store answers")
            .expect("account exists");
        token
    }

    /// A new admin token.
    pub async fn admin_token(&self) -> String {
        self.store
            .create_admin_token("test")
            .await
            .expect("admin token stored")
            .1
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The Prometheus text on `/metrics`.
    pub async fn metrics(&self) -> String {
        self.http
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("metrics answered")
            .text()
            .await
            .expect("text")
    }

    /// The value of an unlabelled sample on `/metrics`; `None` when it is absent.
    pub async fn metric(&self, name: &str) -> Option<u64> {
        self.metrics()
            .await
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
    }

    /// One admin API request: status, `WWW-Authenticate`, JSON body (`Null` when empty).
    pub async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Option<String>, Value) {
        let mut request = self.http.request(method, self.url(path));
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = tokio::time::timeout(PROMPT, request.send())
            .await
            .expect("answered in time")
            .expect("sent");
        let status = response.status().as_u16();
        let challenge = response
            .headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap_or_default().to_owned());
        let text = response.text().await.unwrap_or_default();
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text))
        };
        (status, challenge, json)
    }

    /// One JSON-RPC request to an MCP URL, optionally with a bearer: status and JSON body.
    pub async fn mcp_at(
        &self,
        url: &str,
        bearer: Option<&str>,
        method: &str,
        params: Value,
    ) -> (u16, Value) {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let mut request = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body.to_string());
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        let response = tokio::time::timeout(PROMPT, request.send())
            .await
            .expect("answered in time")
            .expect("sent");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

/// Stores an integrated account with `sandbox`'s login.
async fn store_account(store: &Store, sandbox: &Sandbox, name: &str) -> IntegratedAccount {
    let c = sandbox.credentials();
    store
        .create_account(NewAccount {
            name: name.into(),
            location: BmsLocation::BaseUrl(sandbox.base_url()),
            username: c.username,
            password: c.password,
            tenant: c.tenant,
            totp_secret: c.totp_secret,
        })
        .await
        .expect("account stored")
}

/// A deadline for anything that must not hang.
pub const PROMPT: Duration = Duration::from_secs(10);

/// A BMS client signing in to a scripted upstream at `url` with a fixed test login.
pub fn scripted_bms_client(url: &str) -> Arc<bms_mcp::bms::BmsClient> {
    let credentials = bms_mcp::bms::BmsCredentials {
        username: "api@msp".into(),
        password: "secret-password".into(),
        tenant: "MSP".into(),
        totp_secret: None,
    };
    let config = BmsClientConfig::default();
    bms_mcp::bms::BmsClient::new(
        http_client(&config).expect("client"),
        url,
        credentials,
        config,
    )
}
