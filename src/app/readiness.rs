//! `/readyz`: whether this replica can serve MCP calls now (its store answers, the tool
//! catalogue is loaded), for load balancers and orchestrators. `/healthz` stays liveness only:
//! a replica whose database is away is alive but not ready, and must not be restarted for it.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::access::Gate;
use crate::catalogue::Catalogue;

/// How long the store may take to answer the readiness query.
const STORE_TIMEOUT: Duration = Duration::from_secs(2);

/// 200 `{"status": "ready", …}`, or 503 `{"status": "not ready", "reason": …}`.
pub async fn readyz(State(state): State<Arc<Gate>>) -> Response {
    let tools = Catalogue::global().tools().len();
    if tools == 0 {
        return not_ready("the tool catalogue is empty");
    }
    let ping = sqlx::query("SELECT 1").execute(state.directory.store().pool());
    match tokio::time::timeout(STORE_TIMEOUT, ping).await {
        Ok(Ok(_)) => (
            StatusCode::OK,
            [(header::CACHE_CONTROL, "no-store")],
            axum::Json(json!({"status": "ready", "store": "ok", "tools": tools})),
        )
            .into_response(),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: the store did not answer");
            not_ready("the store does not answer")
        }
        Err(_) => not_ready("the store did not answer within 2 s"),
    }
}

fn not_ready(reason: &str) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::RETRY_AFTER, "5"),
        ],
        axum::Json(json!({"status": "not ready", "reason": reason})),
    )
        .into_response()
}
