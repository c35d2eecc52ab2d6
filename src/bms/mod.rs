//! The BMS side: signing in, sending requests, reading answers and rate limits.

mod auth;
mod client;
mod envelope;
mod error;
mod projection;
pub mod quote;
pub mod ratelimit;
mod reference;

pub use auth::{BmsCredentials, parse_datetime_epoch};
pub use client::{
    AUTH_RENEWALS, BmsAnswer, BmsClient, BmsClientConfig, UpstreamRequest, http_client,
};
pub use envelope::{BmsError, Envelope, TOKEN_EXPIRED_CODE};
pub use error::UpstreamError;
pub use ratelimit::RateLimitHeaders;
pub use reference::{DEFAULT_REFERENCE_TTL, LookupItem, ReferenceCache};
