//! The HTTP server: routes, shared state, and the endpoints beside MCP (`/healthz`, `/readyz`,
//! `/metrics`, the admin API).

pub mod directory;
pub mod listener;
pub mod readiness;
pub mod upstreams;

use std::sync::Arc;
use std::time::SystemTime;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower::ServiceBuilder;

use crate::mcp::{Handler, McpEndpoint};
use crate::observe::Recorder;
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
    /// The metrics and audit recorder the handler reports calls to (rendered at `/metrics`).
    pub recorder: Arc<Recorder>,
    pub directory: Arc<Directory>,
    pub sessions: Arc<Sessions>,
    pub sse: Arc<SseHub>,
    /// The base clients reach this server at, without a trailing slash; MCP URLs start with it.
    /// Also the OAuth issuer.
    pub public_url: Arc<str>,
    /// The built-in OAuth authorization server's key and lifetimes.
    pub oauth: Arc<crate::oauth::AuthServer>,
}

impl AppState {
    /// The state of one server process (or one test's server), from its parts.
    pub fn new(
        handler: Handler,
        recorder: Arc<Recorder>,
        directory: Arc<Directory>,
        sessions: Sessions,
        public_url: &str,
        oauth: crate::oauth::AuthServer,
    ) -> AppState {
        AppState {
            handler: Arc::new(handler),
            recorder,
            directory,
            sessions: Arc::new(sessions),
            sse: Arc::new(SseHub::default()),
            public_url: public_url.into(),
            oauth: Arc::new(oauth),
        }
    }

    /// The management service, applying changes to this process's directory at once.
    pub fn manage(&self) -> crate::manage::Management {
        crate::manage::Management::with_directory(self.directory.clone())
    }

    /// The endpoint for a URL token, or the 401 owed for it. Unknown, revoked and expired
    /// tokens read the same apart from the reason, so a caller learns nothing by probing.
    /// A server with `require_api_token_auth` also needs an admin token as the bearer.
    pub async fn endpoint(
        &self,
        token: &str,
        headers: &HeaderMap,
    ) -> Result<McpEndpoint, Response> {
        let access = match self.directory.resolve(token, SystemTime::now()).await {
            Ok(access) => access,
            Err(AccessError::Unknown) => return Err(refused("is unknown or revoked")),
            Err(AccessError::Expired) => return Err(refused("expired")),
            Err(AccessError::Unavailable) => return Err(unavailable()),
        };
        if access.require_api_token_auth {
            let admin = match bearer_token(headers) {
                Some(bearer) => self.directory.admin_token(bearer).await,
                None => Ok(None),
            };
            match admin {
                Ok(Some(_)) => {}
                Ok(None) => {
                    return Err(unauthorized(
                        "invalid_token",
                        "This MCP server also requires an admin API token: send it as Authorization: Bearer <token>.",
                    ));
                }
                Err(error) => {
                    tracing::error!(%error, "the store did not answer an admin token lookup");
                    return Err(unavailable());
                }
            }
        }
        Ok(access.endpoint)
    }
}

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

fn refused(reason: &str) -> Response {
    unauthorized(
        "invalid_token",
        &format!("This MCP server URL {reason}. Ask your administrator for a new one."),
    )
}

/// 401 with `WWW-Authenticate` and an OAuth-style JSON body.
pub fn unauthorized(error: &str, description: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [
            (
                header::WWW_AUTHENTICATE,
                format!("Bearer realm=\"bms-mcp\", error=\"{error}\""),
            ),
            (header::CONTENT_TYPE, "application/json".to_owned()),
        ],
        serde_json::json!({"error": error, "error_description": description}).to_string(),
    )
        .into_response()
}

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "5")],
        "bms-mcp cannot reach its store or this account's BMS settings right now; try again shortly",
    )
        .into_response()
}

/// The router. Layers, outermost first: exactly one `Host`, then the Host/Origin guard
/// (except on `/healthz` and `/readyz`, which load balancers probe by IP address; both in
/// `guard::GuardLayer`, so nothing runs for a refused request), then the body limit (413
/// before any parsing), for MCP and admin routes alike.
///
/// The layers wrap the router as a service, once. `Router::layer` would wrap every route in
/// every layer, in boxes that each request clones: about thirty allocations a call.
pub fn app(state: AppState, guard: HostGuard, body_limit: usize) -> Router {
    let readyz = get(readiness::readyz).with_state(state.clone());
    let admin = crate::admin::routes(state.clone()).merge(crate::console::routes(state.clone()));
    let oauth = crate::oauth::routes(state.clone());
    let mcp = Router::new()
        .route(
            "/mcp/{token}",
            get(streamable_http::get)
                .post(streamable_http::post)
                .delete(streamable_http::delete),
        )
        .route("/mcp/{token}/sse", get(sse::open))
        .route("/mcp/{token}/messages", axum::routing::post(sse::message))
        .route(
            "/mcp/o/{server_id}",
            get(streamable_http::oauth_get)
                .post(streamable_http::oauth_post)
                .delete(streamable_http::oauth_delete),
        )
        .with_state(state.clone());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_read_from_authorization_only() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers), None);
        headers.insert(header::AUTHORIZATION, "Bearer bmsa_x".parse().unwrap());
        assert_eq!(bearer_token(&headers), Some("bmsa_x"));
        headers.insert(header::AUTHORIZATION, "bearer  bmsa_y ".parse().unwrap());
        assert_eq!(bearer_token(&headers), Some("bmsa_y"));
        headers.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer_token(&headers), None);
        headers.insert(header::AUTHORIZATION, "Bearer ".parse().unwrap());
        assert_eq!(bearer_token(&headers), None);
    }
}
