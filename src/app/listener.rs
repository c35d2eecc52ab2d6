//! The accept loop: every connection is served by hyper's HTTP/1.1 driver under the bounds a
//! listener facing the public needs. `axum::serve` sets none of them: without a timer hyper
//! never times out a request head, so sockets that send half a request and wait (a slowloris)
//! pile up until the process runs out of file descriptors.
//!
//! - **Header read timeout**: a request's headers must arrive within `header_read_timeout` of
//!   the connection being ready for them (just opened, or its previous response sent). This is
//!   also how long an idle keep-alive connection is kept.
//! - **Idle timeout**: a connection whose request body stops arriving, or whose client stops
//!   reading the response, for `idle_timeout` is closed. Time a handler spends working (a slow
//!   BMS call) is not idle: only waiting on the client is.
//! - **Connection limit**: at most `max_connections` at once. Past that the loop stops
//!   accepting; new connections wait in the kernel's backlog until one closes, so the
//!   process never runs out of descriptors and a slot frees as soon as a stalled socket times out.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;
use tower_http::timeout::RequestBodyTimeoutLayer;

/// The bounds every accepted connection is served under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

impl ConnectionLimits {
    pub const DEFAULT_HEADER_READ_TIMEOUT_SECS: u64 = 10;
    pub const DEFAULT_IDLE_TIMEOUT_SECS: u64 = 60;
    /// Enough for the 1,000 held event streams the bench measures, with room for calls.
    pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(Self::DEFAULT_HEADER_READ_TIMEOUT_SECS),
            idle_timeout: Duration::from_secs(Self::DEFAULT_IDLE_TIMEOUT_SECS),
            max_connections: Self::DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// Serves `router` on `listener` until `stop` resolves, then stops accepting, asks every open
/// connection to finish its request in flight and close, and returns once all have closed.
/// Callers bound that wait (open event streams never finish by themselves).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    stop: impl Future<Output = ()>,
) {
    let router = router.layer(RequestBodyTimeoutLayer::new(limits.idle_timeout));
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (closing, closing_seen) = watch::channel(false);
    let mut stop = std::pin::pin!(stop);
    loop {
        // A slot first: at the limit, connections wait in the backlog rather than being
        // accepted and refused.
        let slot = tokio::select! {
            () = &mut stop => break,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
        };
        let stream = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let router = router.clone();
        let closing = closing_seen.clone();
        tokio::spawn(async move {
            serve_connection(stream, router, limits, closing).await;
            drop(slot);
        });
    }
    let _ = closing.send(true);
    // Every slot back means every connection has closed.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = slots.acquire_many(all).await;
}

async fn serve_connection(
    stream: TcpStream,
    router: Router,
    limits: ConnectionLimits,
    mut closing: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let stalls = Arc::new(WriteStalls::default());
    let io = TokioIo::new(StallTrackedIo {
        inner: stream,
        stalls: stalls.clone(),
    });
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        router.clone().oneshot(request.map(axum::body::Body::new))
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .serve_connection(io, service);
    let mut connection = std::pin::pin!(connection);
    let mut shutting_down = false;
    loop {
        tokio::select! {
            _ = connection.as_mut() => return,
            () = stalls.outlast(limits.idle_timeout) => {
                tracing::debug!("closing a connection whose client stopped reading");
                return;
            }
            changed = closing.wait_for(|closing| *closing), if !shutting_down => {
                shutting_down = true;
                if changed.is_ok() {
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// When a write to the client last stopped making progress, as milliseconds since `base`
/// (0: writes are flowing).
#[derive(Debug)]
struct WriteStalls {
    base: Instant,
    since_ms: AtomicU64,
}

impl Default for WriteStalls {
    fn default() -> Self {
        WriteStalls {
            base: Instant::now(),
            since_ms: AtomicU64::new(0),
        }
    }
}

impl WriteStalls {
    fn now_ms(&self) -> u64 {
        // +1 so that a stall starting in the first millisecond is not read as "none".
        u64::try_from(self.base.elapsed().as_millis()).unwrap_or(u64::MAX) + 1
    }

    fn blocked(&self) {
        let _ =
            self.since_ms
                .compare_exchange(0, self.now_ms(), Ordering::Relaxed, Ordering::Relaxed);
    }

    fn flowing(&self) {
        self.since_ms.store(0, Ordering::Relaxed);
    }

    /// Resolves once a write has been blocked for `limit`; checks four times per `limit`.
    async fn outlast(&self, limit: Duration) {
        let limit_ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX);
        let tick = (limit / 4).max(Duration::from_millis(10));
        loop {
            tokio::time::sleep(tick).await;
            let since = self.since_ms.load(Ordering::Relaxed);
            if since != 0 && self.now_ms().saturating_sub(since) >= limit_ms {
                return;
            }
        }
    }
}

/// A TCP stream that notes when writes block, so the connection's task can tell a client that
/// stopped reading from one that is merely slow.
struct StallTrackedIo {
    inner: TcpStream,
    stalls: Arc<WriteStalls>,
}

impl StallTrackedIo {
    fn track<T>(&self, poll: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match poll {
            Poll::Pending => self.stalls.blocked(),
            Poll::Ready(_) => self.stalls.flowing(),
        }
        poll
    }
}

impl AsyncRead for StallTrackedIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for StallTrackedIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.track(poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.track(poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_flush(cx);
        self.track(poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
