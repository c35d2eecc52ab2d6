//! The ways MCP messages reach the handler: Streamable HTTP, the legacy SSE transport, stdio.
//! The HTTP transports share [`McpState`] and mount their routes with [`routes`]; each request
//! is opened by the [`endpoint::Opened`] extractor, which asks the access gate.

pub mod endpoint;
pub mod guard;
pub mod session;
pub mod sse;
pub mod stdio;
pub mod streamable_http;

use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use tokio::sync::mpsc;

use crate::access::{Door, Gate};
use crate::mcp::Handler;
use session::Sessions;
use sse::SseHub;

/// How often an open event stream checks that its URL still opens its MCP server.
pub const REVOCATION_CHECK: Duration = Duration::from_secs(2);

/// What the HTTP transports share.
#[derive(Clone)]
pub struct McpState {
    pub handler: Arc<Handler>,
    pub gate: Arc<Gate>,
    pub sessions: Arc<Sessions>,
    pub sse: Arc<SseHub>,
}

/// The MCP routes: Streamable HTTP at `/mcp/{token}` and `/mcp/o/{server_id}`, the legacy
/// SSE transport under `/mcp/{token}`.
pub fn routes(state: McpState) -> Router {
    Router::new()
        .route(
            "/mcp/{token}",
            get(streamable_http::get)
                .post(streamable_http::post)
                .delete(streamable_http::delete),
        )
        .route("/mcp/{token}/sse", get(sse::open))
        .route("/mcp/{token}/messages", post(sse::message))
        .route(
            endpoint::OAUTH_ROUTE,
            get(streamable_http::oauth_get)
                .post(streamable_http::post)
                .delete(streamable_http::delete),
        )
        .with_state(state)
}

/// Resolves once `door` no longer opens its MCP server: revoked, expired, or its account
/// removed, on this replica or another. Open event streams end with it, so a revoked URL or
/// access token keeps no stream (and no session) alive. While the store cannot be reached,
/// streams stay.
pub async fn revoked(gate: Arc<Gate>, door: Door) {
    loop {
        tokio::time::sleep(REVOCATION_CHECK).await;
        if gate.is_closed(&door).await {
            return;
        }
    }
}

/// The next message already on a call's outbound queue, if any, leaving the queue without
/// this task's waker.
///
/// The transports wait for a call's result and its outbound queue together (`select!`), so
/// the queue holds the connection task's waker. Once the call has finished, dropping the
/// queue's last sender would wake the task that is running: tokio then polls it once more for
/// nothing, and first wakes the runtime's other worker to look for work, a park and an unpark
/// on every call (`strace -f -c` on `serve`). Polling the queue once with a no-op waker takes
/// the task's waker out.
pub(crate) fn take_queued(queue: &mut mpsc::Receiver<String>) -> Option<String> {
    if let Ok(message) = queue.try_recv() {
        return Some(message);
    }
    match queue.poll_recv(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(message) => message,
        // Empty (or out of tokio's cooperative budget, when the waker stays: a spare poll).
        Poll::Pending => None,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Poll, Wake, Waker};

    use tokio::sync::mpsc;

    use super::take_queued;

    #[derive(Default)]
    struct CountingWaker(AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// An empty queue whose receiver was polled by a task, as `select!` does while a call
    /// runs: the queue keeps that task's waker.
    fn waited_on_queue() -> (
        mpsc::Sender<String>,
        mpsc::Receiver<String>,
        Arc<CountingWaker>,
    ) {
        let (sender, mut queue) = mpsc::channel::<String>(4);
        let task = Arc::new(CountingWaker::default());
        let waker = Waker::from(task.clone());
        assert!(matches!(
            queue.poll_recv(&mut Context::from_waker(&waker)),
            Poll::Pending
        ));
        (sender, queue, task)
    }

    #[test]
    fn a_queued_message_is_taken_in_order() {
        let (sender, mut queue) = mpsc::channel::<String>(4);
        sender.try_send("first".into()).unwrap();
        sender.try_send("second".into()).unwrap();
        assert_eq!(take_queued(&mut queue).as_deref(), Some("first"));
        assert_eq!(take_queued(&mut queue).as_deref(), Some("second"));
        assert_eq!(take_queued(&mut queue), None);
    }

    #[test]
    fn dropping_the_senders_afterwards_does_not_wake_the_task_that_waited() {
        let (sender, mut queue, task) = waited_on_queue();
        assert_eq!(take_queued(&mut queue), None);
        drop(sender);
        assert_eq!(
            task.0.load(Ordering::SeqCst),
            0,
            "the finished task was woken"
        );
    }

    #[test]
    fn without_take_queued_the_last_sender_wakes_the_task() {
        // The behaviour `take_queued` exists to avoid; if tokio stops doing this, the helper
        // can go.
        let (sender, _queue, task) = waited_on_queue();
        drop(sender);
        assert_eq!(task.0.load(Ordering::SeqCst), 1);
    }
}
