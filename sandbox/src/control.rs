//! The control plane outside /v2/: fault settings, the request log, state inspection and
//! reset. No token is needed, which is why the sandbox listens on loopback by default.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::app::AppState;
use crate::config::{FaultSettings, RateLimitHeaders, RateLimitPolicy};
use crate::store::Store;
use crate::wire::envelope::json_response;

/// The `/_sandbox/*` routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/_sandbox/faults", get(read_faults).post(write_faults))
        .route(
            "/_sandbox/requests",
            get(read_requests).delete(clear_requests),
        )
        .route("/_sandbox/state", get(read_state))
        .route("/_sandbox/in-flight", get(read_in_flight))
        .route("/_sandbox/reset", post(reset))
}

/// What `GET /_sandbox/faults` shows and `POST` accepts (every field optional on `POST`).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FaultsView {
    pub latency_ms: Option<u64>,
    pub error_rate: Option<f64>,
    pub drop_rate: Option<f64>,
    pub malformed_rate: Option<f64>,
    pub refuse_auth: Option<bool>,
    /// `N/hour` or `N/minute`; changing it restarts every endpoint's window.
    pub rate_limit: Option<String>,
    pub rate_limit_headers: Option<RateLimitHeaders>,
}

fn current(app: &AppState) -> FaultsView {
    let f = app.faults.settings();
    FaultsView {
        latency_ms: Some(f.latency_ms),
        error_rate: Some(f.error_rate),
        drop_rate: Some(f.drop_rate),
        malformed_rate: Some(f.malformed_rate),
        refuse_auth: Some(f.refuse_auth),
        rate_limit: Some(app.limiter.policy().to_string()),
        rate_limit_headers: Some(app.header_style()),
    }
}

fn refuse(message: impl Into<String>) -> Response {
    json_response(StatusCode::BAD_REQUEST, &json!({ "error": message.into() }))
}

fn as_json<T: Serialize>(value: &T) -> Response {
    match serde_json::to_value(value) {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn read_faults(State(app): State<Arc<AppState>>) -> Response {
    as_json(&current(&app))
}

async fn write_faults(State(app): State<Arc<AppState>>, body: Bytes) -> Response {
    let update: FaultsView = match serde_json::from_slice(&body) {
        Ok(u) => u,
        Err(e) => return refuse(format!("fault settings: {e}")),
    };
    let old = app.faults.settings();
    let settings = FaultSettings {
        latency_ms: update.latency_ms.unwrap_or(old.latency_ms),
        error_rate: update.error_rate.unwrap_or(old.error_rate),
        drop_rate: update.drop_rate.unwrap_or(old.drop_rate),
        malformed_rate: update.malformed_rate.unwrap_or(old.malformed_rate),
        refuse_auth: update.refuse_auth.unwrap_or(old.refuse_auth),
    };
    if let Err(e) = settings.check() {
        return refuse(e);
    }
    let policy = match update
        .rate_limit
        .as_deref()
        .map(str::parse::<RateLimitPolicy>)
    {
        Some(Err(e)) => return refuse(e),
        Some(Ok(p)) => Some(p),
        None => None,
    };
    app.faults.set(settings);
    if let Some(policy) = policy {
        app.limiter.set_policy(policy);
    }
    if let Some(style) = update.rate_limit_headers {
        *app.rate_limit_headers
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = style;
    }
    as_json(&current(&app))
}

async fn read_requests(State(app): State<Arc<AppState>>) -> Response {
    as_json(&app.log.entries())
}

/// `{"in_flight": n}`: /v2/ requests received and not yet answered, so a test can wait until
/// a request has arrived before it acts on it.
async fn read_in_flight(State(app): State<Arc<AppState>>) -> Response {
    let n = app.in_flight.load(std::sync::atomic::Ordering::Relaxed);
    json_response(StatusCode::OK, &json!({ "in_flight": n }))
}

async fn clear_requests(State(app): State<Arc<AppState>>) -> StatusCode {
    app.log.clear();
    StatusCode::NO_CONTENT
}

async fn read_state(State(app): State<Arc<AppState>>) -> Response {
    let snapshot: Value = match serde_json::to_value(&*app.store()) {
        Ok(v) => v,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    json_response(StatusCode::OK, &snapshot)
}

/// Back to the seed: data, request log, rate-limit windows and fault counters. Fault settings
/// and issued tokens stay, so a test can reset between steps without logging in again.
async fn reset(State(app): State<Arc<AppState>>) -> StatusCode {
    *app.store() = Store::seeded(app.config.seed);
    app.log.clear();
    app.limiter.clear();
    app.faults.restart();
    StatusCode::NO_CONTENT
}
