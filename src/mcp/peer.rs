//! Requests the server sends to a client (MCP `elicitation/create`) and the client's answers.
//!
//! A transport that can carry a server→client message for the request being answered hands
//! the handler a `ClientLink`: where to write, and which session may answer. The answer comes
//! back as a JSON-RPC response through `Handler::handle`, in whatever message of the same
//! session carries it (a separate POST on Streamable HTTP and legacy SSE, a line on stdio), and
//! `PendingRequests::deliver` hands it to the call waiting for it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

/// The way back to the client of one message.
#[derive(Debug, Clone)]
pub struct ClientLink {
    /// The session answers must come from (a Streamable HTTP or legacy SSE session id, or the
    /// stdio process): an answer from any other session is ignored.
    pub owner: Arc<str>,
    /// Where server→client messages are written, when this message's transport can carry
    /// one (a Streamable HTTP POST answered as an event stream, the legacy SSE stream,
    /// stdout).
    pub outbound: Option<mpsc::Sender<String>>,
}

/// Why a server→client request got no usable answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PeerError {
    #[error("the connection to the client closed before it answered")]
    Closed,
    #[error("the client did not answer within {} seconds", .0.as_secs())]
    TimedOut(Duration),
    #[error("the client answered with an error: {0}")]
    Refused(String),
}

/// What a client sent back: its `result`, or its `error` object.
pub type ClientAnswer = Result<Value, Value>;

/// Server→client requests waiting for their answers, by JSON-RPC id.
#[derive(Debug, Default)]
pub struct PendingRequests {
    waiting: Mutex<HashMap<String, Waiting>>,
}

#[derive(Debug)]
struct Waiting {
    owner: Arc<str>,
    answer: oneshot::Sender<ClientAnswer>,
}

/// Forgets a request when its caller stops waiting (answered, timed out or cancelled because
/// the tool call's client hung up), so nothing waits in the map forever.
struct Forget<'a> {
    pending: &'a PendingRequests,
    id: &'a str,
}

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        self.pending.lock().remove(self.id);
    }
}

impl PendingRequests {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Waiting>> {
        self.waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How many requests are waiting for an answer.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no request is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sends `method` to the client behind `link` and waits up to `timeout` for its answer.
    pub async fn request(
        &self,
        link: &ClientLink,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> Result<Value, PeerError> {
        let Some(outbound) = &link.outbound else {
            return Err(PeerError::Closed);
        };
        // Unguessable, so a client cannot answer a request it was never sent.
        let id = format!(
            "bms-mcp-{}",
            URL_SAFE_NO_PAD.encode(rand::random::<[u8; 12]>())
        );
        let (answer, answered) = oneshot::channel();
        self.lock().insert(
            id.clone(),
            Waiting {
                owner: link.owner.clone(),
                answer,
            },
        );
        let _forget = Forget {
            pending: self,
            id: &id,
        };
        let message = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        if outbound.send(message.to_string()).await.is_err() {
            return Err(PeerError::Closed);
        }
        match tokio::time::timeout(timeout, answered).await {
            Ok(Ok(Ok(result))) => Ok(result),
            Ok(Ok(Err(error))) => Err(PeerError::Refused(
                error
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("no message")
                    .to_owned(),
            )),
            Ok(Err(_)) => Err(PeerError::Closed),
            Err(_) => {
                // Tell the client to take the question down; best effort, it may be gone.
                let cancelled = json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                    "params": {"requestId": id, "reason": "timed out"}});
                let _ = outbound.try_send(cancelled.to_string());
                Err(PeerError::TimedOut(timeout))
            }
        }
    }

    /// Hands a client's answer to the request waiting for it, if that request was sent to
    /// `owner`'s session. Returns whether one was waiting.
    pub fn deliver(&self, owner: &str, id: &Value, answer: ClientAnswer) -> bool {
        let Some(id) = id.as_str() else {
            return false;
        };
        let mut waiting = self.lock();
        if waiting.get(id).is_none_or(|w| &*w.owner != owner) {
            return false;
        }
        waiting
            .remove(id)
            .is_some_and(|w| w.answer.send(answer).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(owner: &str) -> (ClientLink, mpsc::Receiver<String>) {
        let (outbound, written) = mpsc::channel(4);
        let link = ClientLink {
            owner: owner.into(),
            outbound: Some(outbound),
        };
        (link, written)
    }

    fn id_of(message: &str) -> Value {
        serde_json::from_str::<Value>(message).expect("JSON")["id"].clone()
    }

    #[tokio::test]
    async fn an_answer_from_the_same_session_reaches_the_request() {
        let pending = PendingRequests::default();
        let (link, mut written) = link("session-a");
        let asking = pending.request(
            &link,
            "elicitation/create",
            json!({}),
            Duration::from_secs(5),
        );
        let answering = async {
            let id = id_of(&written.recv().await.expect("request written"));
            assert!(
                !pending.deliver("session-b", &id, Ok(json!({"action": "accept"}))),
                "another session cannot answer"
            );
            assert!(pending.deliver("session-a", &id, Ok(json!({"action": "accept"}))));
        };
        let (answer, ()) = tokio::join!(asking, answering);
        assert_eq!(answer, Ok(json!({"action": "accept"})));
        assert!(pending.is_empty());
    }

    #[tokio::test]
    async fn no_answer_times_out_cancels_the_request_and_forgets_it() {
        let pending = PendingRequests::default();
        let (link, mut written) = link("s");
        let answer = pending
            .request(
                &link,
                "elicitation/create",
                json!({}),
                Duration::from_millis(50),
            )
            .await;
        assert_eq!(answer, Err(PeerError::TimedOut(Duration::from_millis(50))));
        let request = written.recv().await.expect("request written");
        let cancelled: Value =
            serde_json::from_str(&written.recv().await.expect("cancellation")).expect("JSON");
        assert_eq!(cancelled["method"], "notifications/cancelled");
        assert_eq!(cancelled["params"]["requestId"], id_of(&request));
        assert!(pending.is_empty());
        assert!(!pending.deliver("s", &id_of(&request), Ok(json!({}))));
    }

    #[tokio::test]
    async fn an_error_answer_and_a_closed_stream_are_failures() {
        let pending = PendingRequests::default();
        let (link_a, mut written) = link("s");
        let asking = pending.request(&link_a, "x", json!({}), Duration::from_secs(5));
        let answering = async {
            let id = id_of(&written.recv().await.expect("request written"));
            pending.deliver("s", &id, Err(json!({"code": -1, "message": "no UI"})));
        };
        let (answer, ()) = tokio::join!(asking, answering);
        assert_eq!(answer, Err(PeerError::Refused("no UI".into())));

        let (closed, written) = link("s");
        drop(written);
        let answer = pending
            .request(&closed, "x", json!({}), Duration::from_secs(5))
            .await;
        assert_eq!(answer, Err(PeerError::Closed));
        assert!(pending.is_empty());
    }
}
