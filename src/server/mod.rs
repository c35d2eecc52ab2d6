//! The HTTP server: routes, shared state, and the endpoints beside MCP (`/healthz`, `/metrics`).

pub mod directory;
pub mod metrics;

use std::sync::Arc;
use std::time::SystemTime;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::mcp::{Handler, McpEndpoint};
use crate::transport::guard::{self, HostGuard};
use crate::transport::session::Sessions;
use crate::transport::sse::{self, SseHub};
use crate::transport::streamable_http;
use directory::{AccessError, Directory};

/// Request bodies larger than this are refused with 413 unless configured otherwise.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    pub handler: Arc<Handler>,
    pub directory: Arc<Directory>,
    pub sessions: Arc<Sessions>,
    pub sse: Arc<SseHub>,
}

impl AppState {
    /// The endpoint for a URL token, or the 401 owed for it. Unknown, revoked and expired
    /// tokens read the same, so a caller learns nothing by probing.
    pub fn endpoint(&self, token: &str) -> Result<McpEndpoint, Response> {
        self.directory.resolve(token, SystemTime::now()).map_err(|error| {
            let reason = match error {
                AccessError::Unknown => "unknown or revoked",
                AccessError::Expired => "expired",
            };
            (
                StatusCode::UNAUTHORIZED,
                [
                    (header::WWW_AUTHENTICATE, "Bearer realm=\"bms-mcp\", error=\"invalid_token\"".to_owned()),
                    (header::CONTENT_TYPE, "application/json".to_owned()),
                ],
                serde_json::json!({
                    "error": "invalid_token",
                    "error_description": format!("This MCP server URL is {reason}. Ask your administrator for a new one."),
                })
                .to_string(),
            )
                .into_response()
        })
    }
}

/// The router. Layers, outermost first: the Host/Origin guard (nothing runs for a refused
/// request), then the body limit (413 before any parsing).
pub fn app(state: AppState, guard: HostGuard, body_limit: usize) -> Router {
    let metrics = state.handler.metrics().clone();
    let mcp = Router::new()
        .route(
            "/mcp/{token}",
            get(streamable_http::get)
                .post(streamable_http::post)
                .delete(streamable_http::delete),
        )
        .route("/mcp/{token}/sse", get(sse::open))
        .route("/mcp/{token}/messages", axum::routing::post(sse::message))
        .with_state(state);
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(render_metrics).with_state(metrics))
        .merge(mcp)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(guard),
            guard::enforce,
        ))
}

async fn render_metrics(State(metrics): State<Arc<metrics::Metrics>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        metrics.render(),
    )
}
