//! Per-endpoint fixed-window budgets, like BMS's "1,500 calls per hour per endpoint".
//!
//! A window opens with an endpoint's first request and lasts the policy's window; requests
//! are counted under one lock, so the N+1st request is refused exactly, however concurrent.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::{HeaderMap, HeaderName, HeaderValue};

use crate::config::{RateLimitHeaders, RateLimitPolicy};

/// The outcome of counting one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u64,
    pub remaining: u64,
    /// Seconds until the window resets (at least 1).
    pub reset_after: u64,
    /// When the window resets, as Unix seconds.
    pub reset_at: i64,
    pub window_seconds: u64,
}

struct Window {
    started_ms: i64,
    count: u64,
}

/// Counters per endpoint key (`GET /v2/servicedesk/tickets`).
pub struct RateLimiter {
    inner: Mutex<(RateLimitPolicy, HashMap<String, Window>)>,
}

impl RateLimiter {
    /// A limiter with no requests counted yet.
    pub fn new(policy: RateLimitPolicy) -> RateLimiter {
        RateLimiter {
            inner: Mutex::new((policy, HashMap::new())),
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> RateLimitPolicy {
        self.lock().0
    }

    /// Replaces the policy and forgets all counts.
    pub fn set_policy(&self, policy: RateLimitPolicy) {
        *self.lock() = (policy, HashMap::new());
    }

    /// Forgets all counts.
    pub fn clear(&self) {
        self.lock().1.clear();
    }

    /// Counts one request to `endpoint` at `now_ms` and says whether it is within budget.
    pub fn check(&self, endpoint: &str, now_ms: i64) -> Decision {
        let mut guard = self.lock();
        let (policy, windows) = &mut *guard;
        let window_ms = i64::try_from(policy.window_seconds).unwrap_or(i64::MAX / 1000) * 1000;
        let window = windows.entry(endpoint.to_owned()).or_insert(Window {
            started_ms: now_ms,
            count: 0,
        });
        if now_ms >= window.started_ms + window_ms {
            *window = Window {
                started_ms: now_ms,
                count: 0,
            };
        }
        let allowed = window.count < policy.limit;
        if allowed {
            window.count += 1;
        }
        let reset_ms = window.started_ms + window_ms;
        let reset_after = u64::try_from((reset_ms - now_ms + 999) / 1000)
            .unwrap_or(1)
            .max(1);
        Decision {
            allowed,
            limit: policy.limit,
            remaining: policy.limit.saturating_sub(window.count),
            reset_after,
            reset_at: (reset_ms + 999) / 1000,
            window_seconds: policy.window_seconds,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (RateLimitPolicy, HashMap<String, Window>)> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The headers an answer carries for `decision` in `style`. `retry-after` goes on 429s only;
/// the informational styles go on every answer, as servers that send them do.
pub fn headers(style: RateLimitHeaders, decision: &Decision) -> HeaderMap {
    let mut map = HeaderMap::new();
    let mut put = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            map.insert(HeaderName::from_static(name), value);
        }
    };
    match style {
        RateLimitHeaders::None => {}
        RateLimitHeaders::RetryAfter if !decision.allowed => {
            put("retry-after", decision.reset_after.to_string());
        }
        RateLimitHeaders::RetryAfter => {}
        RateLimitHeaders::XRateLimit => {
            put("x-ratelimit-limit", decision.limit.to_string());
            put("x-ratelimit-remaining", decision.remaining.to_string());
            put("x-ratelimit-reset", decision.reset_at.to_string());
        }
        RateLimitHeaders::Ietf => {
            put(
                "ratelimit-policy",
                format!(
                    "\"default\";q={};w={}",
                    decision.limit, decision.window_seconds
                ),
            );
            put(
                "ratelimit",
                format!(
                    "\"default\";r={};t={}",
                    decision.remaining, decision.reset_after
                ),
            );
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(limit: u64) -> RateLimiter {
        RateLimiter::new(RateLimitPolicy {
            limit,
            window_seconds: 60,
        })
    }

    #[test]
    fn the_request_after_the_budget_is_refused() {
        let l = limiter(2);
        assert!(l.check("GET /a", 0).allowed);
        assert!(l.check("GET /a", 1).allowed);
        let third = l.check("GET /a", 2);
        assert!(!third.allowed);
        assert_eq!(third.reset_after, 60);
    }

    #[test]
    fn budgets_are_per_endpoint_and_reset_with_the_window() {
        let l = limiter(1);
        assert!(l.check("GET /a", 0).allowed);
        assert!(l.check("GET /b", 0).allowed);
        assert!(!l.check("GET /a", 59_999).allowed);
        assert!(l.check("GET /a", 60_000).allowed);
    }

    #[test]
    fn ietf_headers_follow_draft_10_syntax() {
        let l = limiter(1);
        l.check("GET /a", 0);
        let h = headers(RateLimitHeaders::Ietf, &l.check("GET /a", 10_000));
        assert_eq!(h["ratelimit-policy"], "\"default\";q=1;w=60");
        assert_eq!(h["ratelimit"], "\"default\";r=0;t=50");
    }
}
