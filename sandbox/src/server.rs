//! Serving over real TCP. The accept loop is our own (hyper's HTTP/1 connection driver under
//! the axum router) so that a "drop" fault can close a connection without writing a response:
//! returning an error from the connection's service makes hyper hang up, and the client sees
//! the connection closed before any answer.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;

use crate::app::{AppState, DropConnection, router_for};
use crate::auth::SandboxCredentials;
use crate::config::SandboxConfig;

/// A running sandbox.
pub struct Sandbox {
    addr: SocketAddr,
    credentials: SandboxCredentials,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// The error that tells hyper to close a connection without answering.
#[derive(Debug)]
struct DroppedOnPurpose;

impl std::fmt::Display for DroppedOnPurpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by the sandbox's drop fault")
    }
}

impl std::error::Error for DroppedOnPurpose {}

impl Sandbox {
    /// Binds, spawns the server on the current tokio runtime, returns at once.
    pub async fn start(config: SandboxConfig, listen: SocketAddr) -> anyhow::Result<Sandbox> {
        let credentials = config.credentials.clone();
        let state = Arc::new(AppState::new(config)?);
        let listener = TcpListener::bind(listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
        let addr = listener.local_addr()?;
        let (shutdown, stop) = oneshot::channel();
        let task = tokio::spawn(accept_loop(listener, router_for(state), stop));
        Ok(Sandbox {
            addr,
            credentials,
            shutdown,
            task,
        })
    }

    /// `http://127.0.0.1:PORT`: no trailing slash, no `/v2`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The login the sandbox accepts.
    pub fn credentials(&self) -> SandboxCredentials {
        self.credentials.clone()
    }

    /// Stops accepting, closes open connections and waits for the server task.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(());
        let _ = self.task.await;
    }
}

async fn accept_loop(listener: TcpListener, router: Router, mut stop: oneshot::Receiver<()>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, router.clone()));
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!("sandbox accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
}

async fn serve_connection(stream: tokio::net::TcpStream, router: Router) {
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let router = router.clone();
        async move {
            let response = match router.oneshot(request.map(axum::body::Body::new)).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            if response.extensions().get::<DropConnection>().is_some() {
                return Err(DroppedOnPurpose);
            }
            Ok::<_, DroppedOnPurpose>(response)
        }
    });
    let _: Result<(), hyper::Error> = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}
