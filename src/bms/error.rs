//! Ways a call to BMS can fail before BMS has given an answer we can read.

use std::time::Duration;

use super::ratelimit::RateLimitHeaders;

/// A failure to get a readable answer from BMS. Messages are written for the agent reading the
/// tool result and for the engineer reading logs: what happened and what to do. They never
/// echo upstream bodies (an HTML error page may name internal hosts).
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    #[error(
        "could not connect to BMS at {host}: {reason}. Check the integrated account's BMS URL; try again later if BMS is down"
    )]
    Connect { host: String, reason: String },
    #[error(
        "BMS did not answer within {0:?}; the request may or may not have taken effect. Check before repeating a write"
    )]
    Timeout(Duration),
    #[error(
        "the connection to BMS broke before the answer was complete ({0}); the request may or may not have taken effect"
    )]
    Interrupted(String),
    #[error(
        "BMS's answer is larger than the {limit_bytes}-byte limit; ask for fewer records (smaller page_size, narrower filters)"
    )]
    TooLarge { limit_bytes: usize },
    #[error(
        "BMS answered HTTP {status} with a body that is not JSON ({content_type}, {bytes} bytes)"
    )]
    NotJson {
        status: u16,
        content_type: String,
        bytes: usize,
    },
    #[error("BMS answered HTTP {status} and a redirect, which is not followed")]
    Redirect { status: u16 },
    #[error("BMS rate limit reached for this endpoint: retry after {} seconds. The call was not sent again", .0.reset_secs)]
    RateLimited(RateLimitHeaders),
    #[error(
        "BMS refused the integrated account's credentials ({0}). An administrator should check the account's BMS user name, password, tenant and TOTP secret, and that its API user is active in BMS, then update the integrated account (or use Test connection); until then every call to this account fails"
    )]
    Auth(String),
}

impl UpstreamError {
    /// The HTTP-like status class the failure reads as (for metrics and the tool error).
    pub fn status(&self) -> u16 {
        match self {
            UpstreamError::Connect { .. }
            | UpstreamError::Interrupted(_)
            | UpstreamError::NotJson { .. }
            | UpstreamError::Redirect { .. } => 502,
            UpstreamError::Timeout(_) => 504,
            UpstreamError::TooLarge { .. } => 502,
            UpstreamError::RateLimited(_) => 429,
            UpstreamError::Auth(_) => 401,
        }
    }
}
