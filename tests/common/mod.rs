//! A gateway on a real loopback port in front of a real sandbox, for integration tests.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bms_mcp::bms::{BmsClient, BmsClientConfig, BmsCredentials, http_client};
use bms_mcp::call::CursorCodec;
use bms_mcp::catalogue::ToolFilter;
use bms_mcp::mcp::{Handler, McpEndpoint, McpScope, ToolExposure};
use bms_mcp::server::directory::{Directory, new_token};
use bms_mcp::server::metrics::Metrics;
use bms_mcp::server::{AppState, app};
use bms_mcp::transport::guard::HostGuard;
use bms_mcp::transport::session::Sessions;
use bms_mcp::transport::sse::SseHub;
use bms_mcp_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};

pub struct Harness {
    pub addr: SocketAddr,
    pub token: String,
    pub sandbox: Sandbox,
    pub directory: Arc<Directory>,
    pub client: Arc<BmsClient>,
    pub http: reqwest::Client,
    pub body_limit: usize,
}

pub struct Options {
    pub sandbox: SandboxConfig,
    pub client: BmsClientConfig,
    pub filter: ToolFilter,
    pub exposure: ToolExposure,
    pub body_limit: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            sandbox: SandboxConfig::default(),
            client: BmsClientConfig::default(),
            filter: ToolFilter::default(),
            exposure: ToolExposure::All,
            body_limit: 64 * 1024,
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
        let c = sandbox.credentials();
        let credentials = BmsCredentials {
            username: c.username,
            password: c.password,
            tenant: c.tenant,
            totp_secret: c.totp_secret,
        };
        let client = BmsClient::new(
            http_client(&options.client).expect("http client"),
            &sandbox.base_url(),
            credentials,
            options.client,
        );
        Harness::serve(
            sandbox,
            client,
            options.filter,
            options.exposure,
            options.body_limit,
        )
        .await
    }

    async fn serve(
        sandbox: Sandbox,
        client: Arc<BmsClient>,
        filter: ToolFilter,
        exposure: ToolExposure,
        body_limit: usize,
    ) -> Harness {
        let handler = Arc::new(Handler::new(
            CursorCodec::new([3; 32]),
            100,
            Arc::new(Metrics::default()),
        ));
        let directory = Arc::new(Directory::default());
        let token = new_token();
        let endpoint = McpEndpoint {
            server_id: "test".into(),
            scope: Arc::new(McpScope::new(filter, exposure)),
            client: client.clone(),
        };
        directory.register(&token, endpoint, None);
        let state = AppState {
            handler,
            directory: directory.clone(),
            sessions: Arc::new(Sessions::new([4; 32])),
            sse: Arc::new(SseHub::default()),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let router = app(state, HostGuard::new(&[], &[]), body_limit);
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Harness {
            addr,
            token,
            sandbox,
            directory,
            client,
            http: reqwest::Client::new(),
            body_limit,
        }
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

    /// Registers another MCP server on the same gateway, expiring at `expires_at`.
    pub fn register(&self, filter: ToolFilter, expires_at: Option<SystemTime>) -> String {
        let token = new_token();
        let endpoint = McpEndpoint {
            server_id: "other".into(),
            scope: Arc::new(McpScope::new(filter, ToolExposure::All)),
            client: self.client.clone(),
        };
        self.directory.register(&token, endpoint, expires_at);
        token
    }
}

/// A deadline for anything that must not hang.
pub const PROMPT: Duration = Duration::from_secs(10);
