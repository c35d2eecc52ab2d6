//! `Host` and `Origin` checks on every request, so a web page cannot reach a server on
//! localhost through DNS rebinding. Missing `Origin` (non-browser clients) passes; a present
//! one must name an allowed host.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::TryFutureExt;
use futures_util::future::{Either, Ready, TryFuture, ready};

/// The hosts requests may be addressed to and browser origins may come from.
#[derive(Debug, Clone)]
pub struct HostGuard {
    allowed_hosts: Vec<String>,
    allowed_origins: Vec<String>,
}

/// Loopback names, always allowed.
pub const LOOPBACK_HOSTS: &[&str] = &["localhost", "127.0.0.1", "::1"];

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuardRefusal {
    HostNotAllowed,
    OriginNotAllowed,
    MalformedOrigin,
}

impl HostGuard {
    /// `extra_hosts` adds names (the public URL's host, configured names); `extra_origins`
    /// adds origins as `scheme://host[:port]`, compared by host.
    pub fn new(extra_hosts: &[String], extra_origins: &[String]) -> HostGuard {
        let mut allowed_hosts: Vec<String> =
            LOOPBACK_HOSTS.iter().map(|h| (*h).to_owned()).collect();
        allowed_hosts.extend(extra_hosts.iter().map(|h| h.to_ascii_lowercase()));
        let mut allowed_origins = allowed_hosts.clone();
        allowed_origins.extend(extra_origins.iter().filter_map(|o| origin_host(o)));
        HostGuard {
            allowed_hosts,
            allowed_origins,
        }
    }

    /// Checks a request's headers.
    pub fn check(&self, headers: &HeaderMap) -> Result<(), GuardRefusal> {
        if let Some(host) = headers.get(header::HOST) {
            let host = host.to_str().map_err(|_| GuardRefusal::HostNotAllowed)?;
            if !self.allowed_hosts.iter().any(|h| *h == strip_port(host)) {
                return Err(GuardRefusal::HostNotAllowed);
            }
        }
        if let Some(origin) = headers.get(header::ORIGIN) {
            let origin = origin.to_str().map_err(|_| GuardRefusal::MalformedOrigin)?;
            if origin == "null" {
                return Err(GuardRefusal::OriginNotAllowed);
            }
            let host = origin_host(origin).ok_or(GuardRefusal::MalformedOrigin)?;
            if !self.allowed_origins.contains(&host) {
                return Err(GuardRefusal::OriginNotAllowed);
            }
        }
        Ok(())
    }
}

/// The lower-case host of `scheme://host[:port]`.
fn origin_host(origin: &str) -> Option<String> {
    let (scheme, rest) = origin.split_once("://")?;
    if scheme.is_empty() || rest.is_empty() || rest.contains(['/', '?', '#', '@']) {
        return None;
    }
    Some(strip_port(rest).to_ascii_lowercase())
}

/// `example.com:8080` → `example.com`, `[::1]:80` → `::1`.
fn strip_port(host: &str) -> String {
    let host = host.trim();
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest).to_ascii_lowercase();
    }
    host.rsplit_once(':')
        .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        .map_or(host, |(name, _)| name)
        .to_ascii_lowercase()
}

/// Paths answered to any `Host`: load balancers probe them by IP address, and they tell
/// nothing a DNS-rebinding page could use.
const PROBES: [&str; 2] = ["/healthz", "/readyz"];

/// Why `request` is refused before routing, as the answer to send; `None` lets it through.
///
/// First RFC 9112 §3.2: an HTTP/1.1 request with no `Host` or more than one is answered 400,
/// probes included, so no check reads the first of several. Then, except on the probes, the
/// `Host` and `Origin` guard.
fn refusal(guard: &HostGuard, request: &Request) -> Option<Response> {
    let hosts = request.headers().get_all(header::HOST).iter().count();
    let needs_host = request.version() >= axum::http::Version::HTTP_11;
    let refused =
        |status: StatusCode, message: &'static str| Some((status, message).into_response());
    match hosts {
        0 if needs_host => {
            return refused(
                StatusCode::BAD_REQUEST,
                "an HTTP/1.1 request needs a Host header",
            );
        }
        0 | 1 => {}
        _ => return refused(StatusCode::BAD_REQUEST, "more than one Host header"),
    }
    if PROBES.contains(&request.uri().path()) {
        return None;
    }
    match guard.check(request.headers()) {
        Ok(()) => None,
        Err(GuardRefusal::MalformedOrigin) => {
            refused(StatusCode::BAD_REQUEST, "malformed Origin header")
        }
        Err(GuardRefusal::HostNotAllowed) => refused(StatusCode::FORBIDDEN, "Host not allowed"),
        Err(GuardRefusal::OriginNotAllowed) => refused(StatusCode::FORBIDDEN, "Origin not allowed"),
    }
}

/// The guard as a tower layer around the whole router. A plain service rather than
/// `axum::middleware::from_fn`, which boxes a future and clones the inner service per
/// request: this runs on every call.
#[derive(Clone)]
pub struct GuardLayer {
    guard: Arc<HostGuard>,
}

impl GuardLayer {
    pub fn new(guard: HostGuard) -> GuardLayer {
        GuardLayer {
            guard: Arc::new(guard),
        }
    }
}

impl<S> tower::Layer<S> for GuardLayer {
    type Service = Guarded<S>;

    fn layer(&self, inner: S) -> Guarded<S> {
        Guarded {
            guard: self.guard.clone(),
            inner,
        }
    }
}

/// A service behind the guard (`GuardLayer`).
#[derive(Clone)]
pub struct Guarded<S> {
    guard: Arc<HostGuard>,
    inner: S,
}

type Answered<F> = Either<
    Ready<Result<Response, Infallible>>,
    futures_util::future::MapOk<F, fn(<F as TryFuture>::Ok) -> Response>,
>;

impl<S> tower::Service<Request> for Guarded<S>
where
    S: tower::Service<Request, Error = Infallible>,
    S::Response: IntoResponse,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Answered<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match refusal(&self.guard, &request) {
            Some(response) => Either::Left(ready(Ok(response))),
            None => Either::Right(
                self.inner
                    .call(request)
                    .map_ok(IntoResponse::into_response as fn(S::Response) -> Response),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().expect("header"));
        }
        map
    }

    #[test]
    fn loopback_hosts_and_no_origin_pass() {
        let guard = HostGuard::new(&[], &[]);
        for host in ["localhost:8080", "127.0.0.1:1", "[::1]:9", "LOCALHOST"] {
            assert_eq!(guard.check(&headers(&[("host", host)])), Ok(()), "{host}");
        }
        assert_eq!(
            guard.check(&headers(&[
                ("host", "localhost"),
                ("origin", "http://localhost:6274")
            ])),
            Ok(())
        );
    }

    #[test]
    fn rebinding_hosts_and_foreign_origins_are_refused() {
        let guard = HostGuard::new(&[], &[]);
        assert_eq!(
            guard.check(&headers(&[("host", "evil.example")])),
            Err(GuardRefusal::HostNotAllowed)
        );
        assert_eq!(
            guard.check(&headers(&[
                ("host", "localhost"),
                ("origin", "https://evil.example")
            ])),
            Err(GuardRefusal::OriginNotAllowed)
        );
        assert_eq!(
            guard.check(&headers(&[("origin", "null")])),
            Err(GuardRefusal::OriginNotAllowed)
        );
        assert_eq!(
            guard.check(&headers(&[("origin", "not a url")])),
            Err(GuardRefusal::MalformedOrigin)
        );
    }

    #[test]
    fn configured_hosts_and_origins_pass() {
        let guard = HostGuard::new(
            &["mcp.example.com".into()],
            &["https://console.example.com".into()],
        );
        assert_eq!(
            guard.check(&headers(&[("host", "mcp.example.com")])),
            Ok(())
        );
        assert_eq!(
            guard.check(&headers(&[
                ("host", "mcp.example.com"),
                ("origin", "https://console.example.com")
            ])),
            Ok(())
        );
    }
}
