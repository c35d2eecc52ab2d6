//! The legacy HTTP+SSE transport (MCP 2024-11-05), for clients that have not moved to
//! Streamable HTTP: `GET /mcp/{token}/sse` opens the stream and names the message endpoint;
//! `POST /mcp/{token}/messages?session_id=...` carries messages, answered on the stream.
//! Its sessions live in this process: a client must reach the same replica for both.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::McpState;
use super::endpoint::Opened;
use super::streamable_http::{add_rate_limit_headers, plain};
use crate::access::Door;
use crate::mcp::Reply;
use crate::mcp::dispatch::{ClientSession, SessionClient, dispatch};
use crate::mcp::peer::ClientLink;

/// How many replies may wait on one stream before the sender waits.
const STREAM_BUFFER: usize = 64;

/// Questions to the client one call may have waiting to be forwarded to the stream.
const QUESTION_BUFFER: usize = 32;

/// One open legacy stream: which MCP server it belongs to, and where its replies go.
struct OpenStream {
    server_id: Arc<str>,
    sender: mpsc::Sender<String>,
    /// What the session's `initialize` settled on.
    client: Option<SessionClient>,
}

/// Open legacy SSE streams by session id.
#[derive(Default)]
pub struct SseHub {
    streams: Mutex<HashMap<String, OpenStream>>,
}

impl SseHub {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, OpenStream>> {
        self.streams
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How many streams are open.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Removes a stream from the hub when the client goes away.
struct Deregister {
    hub: Arc<SseHub>,
    id: String,
}

impl Drop for Deregister {
    fn drop(&mut self) {
        self.hub.lock().remove(&self.id);
    }
}

/// `GET /mcp/{token}/sse`.
pub async fn open(State(state): State<McpState>, opened: Opened) -> Response {
    let Opened { endpoint, door } = opened;
    let Door::UrlToken { token, .. } = &door else {
        // The legacy transport is mounted under URL tokens only.
        return plain(StatusCode::NOT_FOUND, "no event stream at this address");
    };
    let id = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
    let (sender, receiver) = mpsc::channel::<String>(STREAM_BUFFER);
    state.sse.lock().insert(
        id.clone(),
        OpenStream {
            server_id: endpoint.server_id.clone(),
            sender,
            client: None,
        },
    );
    let guard = Deregister {
        hub: state.sse.clone(),
        id: id.clone(),
    };
    let first = Event::default()
        .event("endpoint")
        .data(format!("/mcp/{token}/messages?session_id={id}"));
    let messages = ReceiverStream::new(receiver).map(move |message| {
        // The guard lives as long as the stream; dropping the stream deregisters it.
        let _alive = &guard;
        Ok::<_, Infallible>(Event::default().event("message").data(message))
    });
    let stream = futures_util::stream::once(async { Ok::<_, Infallible>(first) })
        .chain(messages)
        .take_until(super::revoked(state.gate.clone(), door));
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

#[derive(serde::Deserialize)]
pub struct SessionQuery {
    session_id: String,
}

/// `POST /mcp/{token}/messages?session_id=...`.
pub async fn message(
    State(state): State<McpState>,
    Opened { endpoint, .. }: Opened,
    Query(query): Query<SessionQuery>,
    body: Bytes,
) -> Response {
    let (sender, remembered) = match state.sse.lock().get(&query.session_id) {
        Some(stream) if stream.server_id == endpoint.server_id => {
            (stream.sender.clone(), stream.client)
        }
        _ => {
            return plain(
                StatusCode::NOT_FOUND,
                "unknown session: open the event stream at /sse first",
            );
        }
    };
    // Questions to the client (confirmations) go out on the session's stream, like replies;
    // the client answers them in later POSTs of the same session.
    let (outbound, mut questions) = mpsc::channel::<String>(QUESTION_BUFFER);
    let session = ClientSession {
        remembered,
        link: Some(ClientLink {
            owner: query.session_id.as_str().into(),
            outbound: Some(outbound.clone()),
        }),
        notify: Some(outbound),
    };
    let mut answering = Box::pin({
        let (state, endpoint) = (state.clone(), endpoint.clone());
        async move { dispatch(&state.handler, &endpoint, &body, true, None, &session).await }
    });
    let mut dispatched = tokio::select! {
        biased;
        Some(question) = questions.recv() => {
            // Clients send one POST at a time and would not send the answer while this one
            // is open, so it is acknowledged now and the call finishes on the stream.
            if sender.send(question).await.is_err() {
                return plain(StatusCode::GONE, "the event stream for this session has closed");
            }
            tokio::spawn(finish_on_stream(answering, questions, sender));
            return StatusCode::ACCEPTED.into_response();
        }
        dispatched = &mut answering => dispatched,
    };
    // Notifications the call queued as it finished go before its reply.
    while let Some(notice) = super::take_queued(&mut questions) {
        if sender.send(notice).await.is_err() {
            return plain(
                StatusCode::GONE,
                "the event stream for this session has closed",
            );
        }
    }
    if let Some(client) = dispatched.client
        && let Some(stream) = state.sse.lock().get_mut(&query.session_id)
    {
        stream.client = Some(client);
    }
    if let Some(reply) = dispatched.message.take()
        && sender.send(reply).await.is_err()
    {
        return plain(
            StatusCode::GONE,
            "the event stream for this session has closed",
        );
    }
    let mut response = StatusCode::ACCEPTED.into_response();
    add_rate_limit_headers(response.headers_mut(), &dispatched);
    response
}

/// Drives a call that asked the client something after its POST was answered: its further
/// questions and its result go to the stream. The call is dropped (and with it its BMS
/// request) as soon as the stream closes, so it still lives no longer than its client's
/// connection.
async fn finish_on_stream(
    mut answering: std::pin::Pin<Box<impl std::future::Future<Output = Reply>>>,
    mut questions: mpsc::Receiver<String>,
    stream: mpsc::Sender<String>,
) {
    loop {
        tokio::select! {
            dispatched = &mut answering => {
                while let Ok(notice) = questions.try_recv() {
                    if stream.send(notice).await.is_err() {
                        return;
                    }
                }
                if let Some(reply) = dispatched.message {
                    let _ = stream.send(reply).await;
                }
                return;
            }
            Some(question) = questions.recv() => {
                if stream.send(question).await.is_err() {
                    return;
                }
            }
            () = stream.closed() => return,
        }
    }
}
