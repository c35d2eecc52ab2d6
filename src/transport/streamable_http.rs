//! Streamable HTTP (MCP 2025-03-26 and later) at `/mcp/{token}`.
//!
//! POST carries one message; requests are answered as `application/json`, or as a one-event
//! `text/event-stream` when the client accepts only that. GET opens an idle event stream (we
//! send no server-initiated messages). DELETE ends a session. A session id is issued on
//! `initialize` but never required: clients that send none are served statelessly.

use std::convert::Infallible;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

use super::dispatch::dispatch;
use crate::bms::RateLimitHeaders;
use crate::catalogue::ClientProfile;
use crate::mcp::McpEndpoint;
use crate::mcp::era::{self, MirroredHeaders};
use crate::mcp::jsonrpc;
use crate::mcp::protocol;
use crate::server::AppState;

pub const SESSION_HEADER: &str = "mcp-session-id";
pub const VERSION_HEADER: &str = "mcp-protocol-version";

/// `POST /mcp/{token}`.
pub async fn post(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match state.endpoint(&token, &headers).await {
        Ok(endpoint) => post_to(&state, &endpoint, &headers, &body).await,
        Err(response) => response,
    }
}

/// `POST /mcp/o/{server_id}`: an OAuth server, opened by the person's access token.
pub async fn oauth_post(
    State(state): State<AppState>,
    Path(server_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match state
        .oauth_endpoint(&server_id, query.as_deref(), &headers)
        .await
    {
        Ok(endpoint) => post_to(&state, &endpoint, &headers, &body).await,
        Err(response) => response,
    }
}

/// `GET /mcp/o/{server_id}`: 405. An OAuth server offers no event stream (we send no
/// server-initiated messages), which Streamable HTTP allows; an idle stream would outlive
/// its access token.
pub async fn oauth_get() -> Response {
    let mut response = plain(
        StatusCode::METHOD_NOT_ALLOWED,
        "this MCP server offers no event stream; POST messages to this URL",
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST, DELETE"));
    response
}

/// `DELETE /mcp/o/{server_id}`: the client ends its session.
pub async fn oauth_delete(
    State(state): State<AppState>,
    Path(server_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    match state
        .oauth_endpoint(&server_id, query.as_deref(), &headers)
        .await
    {
        Ok(endpoint) => end_session(&state, &endpoint, &headers),
        Err(response) => response,
    }
}

/// One POSTed message (or batch) for an endpoint already authorised.
async fn post_to(
    state: &AppState,
    endpoint: &McpEndpoint,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let (state, endpoint, headers, body) = (state, endpoint, headers, body.as_ref());
    if !is_json_content_type(headers) {
        return plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "POST bodies must be application/json",
        );
    }
    let accepts = Accepts::from(headers);
    if !accepts.json && !accepts.event_stream {
        return plain(
            StatusCode::NOT_ACCEPTABLE,
            "Accept must include application/json or text/event-stream",
        );
    }
    let version = match header_version(headers, body) {
        Ok(version) => version,
        Err(response) => return response,
    };
    // 2026-07-28 has no sessions: a modern request's session header is ignored.
    let modern = protocol::is_modern(version);
    let remembered = if modern {
        None
    } else {
        match check_session(state, endpoint, headers) {
            Ok(remembered) => remembered,
            Err(response) => return response,
        }
    };
    let allow_batch = matches!(version, "2025-03-26" | "2024-11-05");
    let mirrored = mirrored_headers(headers);
    let dispatched = dispatch(
        &state.handler,
        endpoint,
        body,
        allow_batch,
        Some(&mirrored),
        remembered,
    )
    .await;
    let Some(reply) = dispatched.reply else {
        return StatusCode::ACCEPTED.into_response();
    };
    let status = dispatched
        .http_status
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut response = if accepts.json || status != StatusCode::OK {
        (status, [(header::CONTENT_TYPE, "application/json")], reply).into_response()
    } else {
        let event = Event::default().event("message").data(reply);
        Sse::new(futures_util::stream::iter([Ok::<_, Infallible>(event)])).into_response()
    };
    if dispatched.negotiated.is_some() {
        let id = state.sessions.issue(&endpoint.server_id, dispatched.client);
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert(SESSION_HEADER, value);
        }
    }
    add_rate_limit_headers(response.headers_mut(), dispatched.rate_limit);
    response
}

/// `GET /mcp/{token}`: an event stream for server-initiated messages. We send none, so it
/// only carries keep-alive comments until the client closes it or the URL is revoked.
pub async fn get(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let endpoint = match state.endpoint(&token, &headers).await {
        Ok(endpoint) => endpoint,
        Err(response) => return response,
    };
    if !Accepts::from(&headers).event_stream {
        return plain(
            StatusCode::NOT_ACCEPTABLE,
            "GET opens an event stream: Accept must include text/event-stream",
        );
    }
    if let Err(response) = header_version(&headers, &[]) {
        return response;
    }
    if let Err(response) = check_session(&state, &endpoint, &headers) {
        return response;
    }
    let idle = futures_util::stream::pending::<Result<Event, Infallible>>()
        .take_until(super::revoked(state.clone(), token));
    Sse::new(idle)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// `DELETE /mcp/{token}`: the client ends its session.
pub async fn delete(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    match state.endpoint(&token, &headers).await {
        Ok(endpoint) => end_session(&state, &endpoint, &headers),
        Err(response) => response,
    }
}

fn end_session(state: &AppState, endpoint: &McpEndpoint, headers: &HeaderMap) -> Response {
    let Some(id) = headers.get(SESSION_HEADER).and_then(|v| v.to_str().ok()) else {
        return plain(
            StatusCode::BAD_REQUEST,
            "DELETE needs the Mcp-Session-Id header of the session to end",
        );
    };
    if state.sessions.terminate(&endpoint.server_id, id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        plain(StatusCode::NOT_FOUND, "unknown or already ended session")
    }
}

/// Refuses an unknown or ended session id; a live one yields the client profile it carries.
fn check_session(
    state: &AppState,
    endpoint: &McpEndpoint,
    headers: &HeaderMap,
) -> Result<Option<ClientProfile>, Response> {
    match headers.get(SESSION_HEADER) {
        None => Ok(None),
        Some(value) => match value.to_str() {
            Ok(id) if state.sessions.is_live(&endpoint.server_id, id) => {
                Ok(state.sessions.client(id))
            }
            _ => Err(plain(
                StatusCode::NOT_FOUND,
                "unknown or ended session; initialize a new one",
            )),
        },
    }
}

/// The revision a request says it speaks (legacy or modern); 400 with the JSON-RPC
/// "unsupported protocol version" error, naming the ones we speak, for any other.
fn header_version(headers: &HeaderMap, body: &[u8]) -> Result<&'static str, Response> {
    let Some(value) = headers.get(VERSION_HEADER) else {
        return Ok(protocol::ASSUMED_HTTP_VERSION);
    };
    let text = value.to_str().unwrap_or_default();
    if let Some(known) = protocol::all_versions().into_iter().find(|v| *v == text) {
        return Ok(known);
    }
    let id = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("id").cloned())
        .unwrap_or(serde_json::Value::Null);
    let reply = jsonrpc::error_reply(&id, &era::unsupported_version(text));
    Err((
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "application/json")],
        reply,
    )
        .into_response())
}

/// The headers a modern request mirrors its body in.
fn mirrored_headers(headers: &HeaderMap) -> MirroredHeaders {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    MirroredHeaders {
        protocol_version: text(VERSION_HEADER),
        method: text("mcp-method"),
        name: text("mcp-name"),
    }
}

/// What an `Accept` header allows. No header accepts anything.
struct Accepts {
    json: bool,
    event_stream: bool,
}

impl From<&HeaderMap> for Accepts {
    fn from(headers: &HeaderMap) -> Accepts {
        let values: Vec<String> = headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase()
            })
            .collect();
        if values.is_empty() {
            return Accepts {
                json: true,
                event_stream: true,
            };
        }
        let any = values.iter().any(|v| v == "*/*");
        Accepts {
            json: any
                || values
                    .iter()
                    .any(|v| v == "application/json" || v == "application/*"),
            event_stream: any
                || values
                    .iter()
                    .any(|v| v == "text/event-stream" || v == "text/*"),
        }
    }
}

fn is_json_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .eq_ignore_ascii_case("application/json")
        })
        .unwrap_or(false)
}

pub(crate) fn plain(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.to_owned(),
    )
        .into_response()
}

/// Adds the IETF `ratelimit-*` headers.
pub(crate) fn add_rate_limit_headers(
    headers: &mut HeaderMap,
    rate_limit: Option<RateLimitHeaders>,
) {
    let Some(limits) = rate_limit else { return };
    for (name, value) in limits.pairs() {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
}
