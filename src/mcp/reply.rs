//! What came of one message or body, the one type the handler returns and every transport
//! reads: the serialised reply and what HTTP should say around it.

use http::HeaderName;

use super::dispatch::SessionClient;
use super::era::Era;
use crate::bms::RateLimitHeaders;

/// A reply and what the transport should know about it.
#[derive(Debug, Default)]
pub struct Reply {
    /// The serialised JSON-RPC reply (one message, or a JSON array for a batch); `None` when
    /// the body held only notifications or responses.
    pub message: Option<String>,
    /// BMS's rate-limit figures, sent as `ratelimit-*` headers.
    pub(super) rate_limit: Option<RateLimitHeaders>,
    /// Set when the message was a successful `initialize`.
    pub negotiated: Option<&'static str>,
    /// Whether the body contained at least one request.
    pub had_request: bool,
    /// The HTTP status owed for the reply, when not 200 (modern-era errors).
    pub http_status: Option<u16>,
    /// The era of the (single) message; batches are legacy.
    pub era: Option<Era>,
    /// Set by `initialize`: what the transport should remember of the client with the session.
    pub client: Option<SessionClient>,
}

impl Reply {
    /// The IETF `ratelimit-*` headers owed with the reply, by name.
    pub fn rate_limit_headers(&self) -> impl Iterator<Item = (HeaderName, u64)> + use<> {
        self.rate_limit.into_iter().flat_map(|l| l.header_values())
    }
}
