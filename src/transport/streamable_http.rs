//! Streamable HTTP (MCP 2025-03-26 and later) at `/mcp/{token}`, and at `/mcp/o/{server_id}` for
//! OAuth servers (no idle GET stream there); both opened by the `Opened` extractor.
//!
//! POST carries one message; requests are answered as `application/json`, or as a one-event
//! `text/event-stream` when the client accepts only that. A call that asks the client a
//! question (a confirmation, `elicitation/create`) answers as an event stream instead: the
//! question, then the result; the client's answer comes in a POST of its own with the same
//! session id, so it must reach this process. GET opens an idle event stream (we send nothing
//! unrelated to a request). DELETE ends a session. A session id is issued on `initialize` but
//! never required: clients that send none are served statelessly, and cannot be asked.

use std::convert::Infallible;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::McpState;
use super::endpoint::Opened;
use crate::mcp::McpEndpoint;
use crate::mcp::Reply;
use crate::mcp::dispatch::{ClientSession, SessionClient, dispatch};
use crate::mcp::era::{self, MirroredHeaders};
use crate::mcp::jsonrpc;
use crate::mcp::protocol;

pub const SESSION_HEADER: &str = "mcp-session-id";
pub const VERSION_HEADER: &str = "mcp-protocol-version";

/// Questions and notifications one call may have waiting to be written (a notification
/// that does not fit is dropped, never waited for).
const QUESTION_BUFFER: usize = 32;

/// `POST /mcp/{token}` and `POST /mcp/o/{server_id}`.
pub async fn post(
    State(state): State<McpState>,
    opened: Opened,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let revoked = super::revoked(state.gate.clone(), opened.door);
    post_to(state, opened.endpoint, headers, body, revoked).await
}

/// `GET /mcp/o/{server_id}`: 405. An OAuth server offers no idle event stream (we send no
/// server-initiated messages outside a request), which Streamable HTTP allows; such a stream
/// would outlive its access token.
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

/// One POSTed message (or batch) for an endpoint already authorised. `revoked` ends a
/// confirmation's event stream when the caller's access ends meanwhile.
async fn post_to(
    state: McpState,
    endpoint: McpEndpoint,
    headers: HeaderMap,
    body: Bytes,
    revoked: impl std::future::Future<Output = ()> + Send + 'static,
) -> Response {
    if !is_json_content_type(&headers) {
        return plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "POST bodies must be application/json",
        );
    }
    let accepts = Accepts::from(&headers);
    if !accepts.json && !accepts.event_stream {
        return plain(
            StatusCode::NOT_ACCEPTABLE,
            "Accept must include application/json or text/event-stream",
        );
    }
    let version = match header_version(&headers, &body) {
        Ok(version) => version,
        Err(response) => return response,
    };
    // 2026-07-28 has no sessions: a modern request's session header is ignored.
    let modern = protocol::is_modern(version);
    let live = if modern {
        None
    } else {
        match live_session(&state, &endpoint, &headers) {
            Ok(live) => live,
            Err(response) => return response,
        }
    };
    let allow_batch = matches!(version, "2025-03-26" | "2024-11-05");
    let mirrored = mirrored_headers(&headers);
    // Within a session, a call may ask the client a question on this POST's event stream
    // (when the client accepts one); answers to earlier questions are matched to the session.
    let (outbound, mut questions) = mpsc::channel::<String>(QUESTION_BUFFER);
    // Progress and log messages need only this POST's own stream, session or not.
    let notify = accepts.event_stream.then(|| outbound.clone());
    // The result goes through the same queue as what the call sent before it, so nothing
    // the call sent arrives after its result.
    let tail = outbound.clone();
    let session = ClientSession {
        remembered: live.as_ref().and_then(|l| l.client),
        link: live.map(|l| crate::mcp::peer::ClientLink {
            owner: l.id.into(),
            outbound: accepts.event_stream.then_some(outbound),
        }),
        notify,
    };
    let mut answering = Box::pin({
        let (state, endpoint) = (state.clone(), endpoint.clone());
        async move {
            dispatch(
                &state.handler,
                &endpoint,
                &body,
                allow_batch,
                Some(&mirrored),
                &session,
            )
            .await
        }
    });
    let dispatched = tokio::select! {
        biased;
        Some(question) = questions.recv() => {
            return questions_then_result(question, questions, answering, revoked, tail);
        }
        dispatched = &mut answering => dispatched,
    };
    // The call may have queued notifications in the poll that finished it.
    if let Some(first) = super::take_queued(&mut questions) {
        let done = async move { dispatched };
        return questions_then_result(first, questions, done, revoked, tail);
    }
    respond(&state, &endpoint, &accepts, dispatched)
}

/// The answer to a POST whose call ran to the end without asking anything.
fn respond(
    state: &McpState,
    endpoint: &McpEndpoint,
    accepts: &Accepts,
    mut dispatched: Reply,
) -> Response {
    let Some(reply) = dispatched.message.take() else {
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
    add_rate_limit_headers(response.headers_mut(), &dispatched);
    response
}

/// The event stream of a POST whose call asked the client something or sent notifications:
/// those, in order, then the result (queued behind them through `tail`). The call runs inside the stream, not on a task of its own,
/// so it still ends when the client hangs up, and when the URL is revoked while the user
/// thinks (a yes then would reach BMS through a revoked URL). Its rate-limit figures cannot
/// be headers any more (those were sent with the first event); a 429 result carries them in
/// its content.
fn questions_then_result(
    first: String,
    questions: mpsc::Receiver<String>,
    answering: impl std::future::Future<Output = Reply> + Send + 'static,
    revoked: impl std::future::Future<Output = ()> + Send + 'static,
    tail: mpsc::Sender<String>,
) -> Response {
    let event =
        |message: String| Ok::<_, Infallible>(Event::default().event("message").data(message));
    // The stream ends when the call's end has dropped the senders it held and `tail` has
    // queued the result.
    let asked = futures_util::stream::once(async move { first })
        .chain(ReceiverStream::new(questions))
        .map(event);
    let result = futures_util::stream::once(async move {
        if let Some(reply) = answering.await.message {
            let _ = tail.send(reply).await;
        }
    })
    .filter_map(|()| async { None::<Result<Event, Infallible>> });
    Sse::new(futures_util::stream::select(asked, result).take_until(revoked))
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// `GET /mcp/{token}`: an event stream for server-initiated messages. We send none, so it
/// only carries keep-alive comments until the client closes it or the URL is revoked.
pub async fn get(State(state): State<McpState>, opened: Opened, headers: HeaderMap) -> Response {
    if !Accepts::from(&headers).event_stream {
        return plain(
            StatusCode::NOT_ACCEPTABLE,
            "GET opens an event stream: Accept must include text/event-stream",
        );
    }
    if let Err(response) = header_version(&headers, &[]) {
        return response;
    }
    if let Err(response) = live_session(&state, &opened.endpoint, &headers) {
        return response;
    }
    let idle = futures_util::stream::pending::<Result<Event, Infallible>>()
        .take_until(super::revoked(state.gate.clone(), opened.door));
    Sse::new(idle)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// `DELETE /mcp/{token}` and `DELETE /mcp/o/{server_id}`: the client ends its session.
pub async fn delete(State(state): State<McpState>, opened: Opened, headers: HeaderMap) -> Response {
    end_session(&state, &opened.endpoint, &headers)
}

fn end_session(state: &McpState, endpoint: &McpEndpoint, headers: &HeaderMap) -> Response {
    let Some(id) = headers.get(SESSION_HEADER).and_then(|v| v.to_str().ok()) else {
        return plain(
            StatusCode::BAD_REQUEST,
            "DELETE needs the Mcp-Session-Id header of the session to end",
        );
    };
    if state.sessions.terminate(&endpoint.server_id, id) {
        state.handler.log_levels().forget(id);
        StatusCode::NO_CONTENT.into_response()
    } else {
        plain(StatusCode::NOT_FOUND, "unknown or already ended session")
    }
}

/// A live session a request names.
struct LiveSession {
    id: String,
    /// What its id carries of the client.
    client: Option<SessionClient>,
}

/// Refuses an unknown or ended session id; a live one yields what it carries.
fn live_session(
    state: &McpState,
    endpoint: &McpEndpoint,
    headers: &HeaderMap,
) -> Result<Option<LiveSession>, Response> {
    match headers.get(SESSION_HEADER) {
        None => Ok(None),
        Some(value) => match value.to_str() {
            Ok(id) if state.sessions.is_live(&endpoint.server_id, id) => Ok(Some(LiveSession {
                id: id.to_owned(),
                client: state.sessions.client(id),
            })),
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
        // Media ranges, parameters dropped; compared without copying (every POST is read here).
        let mut ranges = headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|v| v.split(';').next().unwrap_or_default().trim())
            .peekable();
        if ranges.peek().is_none() {
            return Accepts {
                json: true,
                event_stream: true,
            };
        }
        let mut accepts = Accepts {
            json: false,
            event_stream: false,
        };
        for range in ranges {
            let is = |name: &str| range.eq_ignore_ascii_case(name);
            if is("*/*") {
                accepts.json = true;
                accepts.event_stream = true;
            }
            accepts.json |= is("application/json") || is("application/*");
            accepts.event_stream |= is("text/event-stream") || is("text/*");
        }
        accepts
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
pub(crate) fn add_rate_limit_headers(headers: &mut HeaderMap, reply: &Reply) {
    for (name, value) in reply.rate_limit_headers() {
        headers.insert(name, HeaderValue::from(value));
    }
}
