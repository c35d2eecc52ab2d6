//! The composition root: the state one server process shares, and the router that mounts
//! every surface (MCP transports, the admin API, the console, OAuth) beside `/healthz`,
//! `/readyz` and `/metrics`. Nothing below this module imports it.

pub mod listener;
pub mod readiness;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use tower::ServiceBuilder;

use crate::access::{Directory, Gate};
use crate::manage::Management;
use crate::mcp::Handler;
use crate::oauth::{AuthServer, OAuthState};
use crate::observe::Recorder;
use crate::transport::McpState;
use crate::transport::guard::{self, HostGuard};
use crate::transport::session::Sessions;
use crate::transport::sse::SseHub;

/// Request bodies larger than this are refused with 413 unless configured otherwise.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// What every request handler shares. Each surface is handed only its part: transport
/// `McpState`, the admin API and the console the gate, OAuth `OAuthState`.
#[derive(Clone)]
pub struct AppState {
    pub handler: Arc<Handler>,
    /// The metrics and audit recorder the handler reports calls to (rendered at `/metrics`).
    pub recorder: Arc<Recorder>,
    /// The token directory and the public URL.
    pub gate: Arc<Gate>,
    pub sessions: Arc<Sessions>,
    pub sse: Arc<SseHub>,
    /// The built-in OAuth authorization server's key and lifetimes.
    pub oauth: Arc<AuthServer>,
}

impl AppState {
    /// The state of one server process (or one test's server), from its parts.
    pub fn new(
        handler: Handler,
        recorder: Arc<Recorder>,
        directory: Arc<Directory>,
        sessions: Sessions,
        public_url: &str,
        oauth: AuthServer,
    ) -> AppState {
        AppState {
            handler: Arc::new(handler),
            recorder,
            gate: Arc::new(Gate::new(directory, public_url)),
            sessions: Arc::new(sessions),
            sse: Arc::new(SseHub::default()),
            oauth: Arc::new(oauth),
        }
    }

    /// The management service, applying changes to this process's directory at once.
    pub fn manage(&self) -> crate::manage::Management {
        Management::of(&self.gate)
    }

    /// What the MCP transports share.
    pub fn mcp(&self) -> McpState {
        McpState {
            handler: self.handler.clone(),
            gate: self.gate.clone(),
            sessions: self.sessions.clone(),
            sse: self.sse.clone(),
        }
    }

    /// What the OAuth authorization server's handlers share.
    pub fn oauth_state(&self) -> OAuthState {
        OAuthState {
            gate: self.gate.clone(),
            oauth: self.oauth.clone(),
        }
    }
}

/// The router. Layers, outermost first: exactly one `Host`, then the Host/Origin guard
/// (except on `/healthz` and `/readyz`, which load balancers probe by IP address; both in
/// `guard::GuardLayer`, so nothing runs for a refused request), then the body limit (413
/// before any parsing), for MCP and admin routes alike.
///
/// The layers wrap the router as a service, once. `Router::layer` would wrap every route in
/// every layer, in boxes that each request clones: about thirty allocations a call.
pub fn app(state: AppState, guard: HostGuard, body_limit: usize) -> Router {
    let readyz = get(readiness::readyz).with_state(state.gate.clone());
    let admin =
        crate::admin::routes(state.gate.clone()).merge(crate::console::routes(state.gate.clone()));
    let oauth = crate::oauth::routes(state.oauth_state());
    let mcp = crate::transport::routes(state.mcp());
    let routes = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", readyz)
        .route(
            "/metrics",
            get(render_metrics).with_state(state.recorder.clone()),
        )
        .merge(mcp)
        .merge(admin)
        .merge(oauth);
    Router::new().fallback_service(
        ServiceBuilder::new()
            .layer(guard::GuardLayer::new(guard))
            // The limit is checked against Content-Length before any body is read (413 at
            // once), and enforced while reading chunked bodies; axum's own extractor limit is
            // replaced.
            .layer(tower_http::limit::RequestBodyLimitLayer::new(body_limit))
            .layer(DefaultBodyLimit::disable())
            .service(routes),
    )
}

async fn render_metrics(State(recorder): State<Arc<Recorder>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        recorder.render(),
    )
}
