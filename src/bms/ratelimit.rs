//! Rate limits: reading whatever BMS (or anything in front of it) sends, tracking our own
//! per-endpoint budget when it sends nothing, and the IETF headers we hand to the client.
//!
//! Rule from the IETF RateLimit draft's section on intermediaries: we never make a quota look
//! more permissive than upstream said. Where upstream and our tracker disagree, the lower
//! `remaining` and the later `reset` win.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use http::HeaderMap;

/// The figures the client is told, as `ratelimit-limit`, `ratelimit-remaining` and
/// `ratelimit-reset` (seconds until the window resets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitHeaders {
    pub limit: u64,
    pub remaining: u64,
    pub reset_secs: u64,
}

impl RateLimitHeaders {
    /// The three `ratelimit-*` figures by header name, as numbers (the way HTTP responses take them).
    pub fn header_values(&self) -> [(http::HeaderName, u64); 3] {
        const LIMIT: http::HeaderName = http::HeaderName::from_static("ratelimit-limit");
        const REMAINING: http::HeaderName = http::HeaderName::from_static("ratelimit-remaining");
        const RESET: http::HeaderName = http::HeaderName::from_static("ratelimit-reset");
        [
            (LIMIT, self.limit),
            (REMAINING, self.remaining),
            (RESET, self.reset_secs),
        ]
    }

    /// The stricter of two readings.
    pub fn strictest(self, other: RateLimitHeaders) -> RateLimitHeaders {
        RateLimitHeaders {
            limit: self.limit.min(other.limit),
            remaining: self.remaining.min(other.remaining),
            reset_secs: self.reset_secs.max(other.reset_secs),
        }
    }
}

/// What upstream said about its limits, each figure only when it said it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpstreamLimits {
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    pub reset_secs: Option<u64>,
    pub retry_after_secs: Option<u64>,
}

impl UpstreamLimits {
    pub fn is_empty(&self) -> bool {
        *self == UpstreamLimits::default()
    }
}

/// Reads every rate-limit dialect we know of. Malformed values are ignored, never fatal.
pub fn parse_upstream(headers: &HeaderMap, now: SystemTime) -> UpstreamLimits {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let mut out = UpstreamLimits::default();

    // Legacy and X- forms; X-RateLimit-Reset is often an epoch time. The names are spelled
    // out rather than built per answer: every BMS answer is read here.
    for [limit, remaining, reset] in [
        [
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
        ],
        ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"],
    ] {
        if out.limit.is_none() {
            out.limit = text(limit).and_then(first_number);
        }
        if out.remaining.is_none() {
            out.remaining = text(remaining).and_then(first_number);
        }
        if out.reset_secs.is_none() {
            out.reset_secs = text(reset)
                .and_then(first_number)
                .map(|reset| epoch_or_delta(reset, now));
        }
    }
    // Draft-10 structured fields: `RateLimit-Policy: "p";q=100;w=60`, `RateLimit: "p";r=0;t=7`.
    if let Some(policy) = text("ratelimit-policy") {
        out.limit = out.limit.or_else(|| sf_param(policy, "q"));
    }
    if let Some(state) = text("ratelimit") {
        out.remaining = out.remaining.or_else(|| sf_param(state, "r"));
        out.reset_secs = out.reset_secs.or_else(|| sf_param(state, "t"));
        // Draft-07 dictionary form: `limit=100, remaining=0, reset=7`.
        out.limit = out.limit.or_else(|| dict_param(state, "limit"));
        out.remaining = out.remaining.or_else(|| dict_param(state, "remaining"));
        out.reset_secs = out.reset_secs.or_else(|| dict_param(state, "reset"));
    }
    out.retry_after_secs = text("retry-after").and_then(|v| retry_after(v, now));
    out
}

fn first_number(value: &str) -> Option<u64> {
    value.split([',', ';']).next()?.trim().parse().ok()
}

/// Values above ~2001-09-09 in seconds are epoch times, not deltas.
fn epoch_or_delta(value: u64, now: SystemTime) -> u64 {
    const EPOCH_THRESHOLD: u64 = 1_000_000_000;
    if value < EPOCH_THRESHOLD {
        return value;
    }
    let now = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    value.saturating_sub(now)
}

fn sf_param(value: &str, key: &str) -> Option<u64> {
    value
        .split(';')
        .skip(1)
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.trim() == key)
        .and_then(|(_, v)| v.trim().parse().ok())
}

fn dict_param(value: &str, key: &str) -> Option<u64> {
    value
        .split(',')
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.trim().parse().ok())
}

fn retry_after(value: &str, now: SystemTime) -> Option<u64> {
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(seconds);
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).map_or(0, |d| d.as_secs()))
}

/// Our own count of calls per endpoint in fixed windows, for upstreams that send no headers
/// (live BMS documents none). Seeded with a configured budget, by default the lower figure
/// Kaseya has published (500 per hour per endpoint). Fresh answers correct it: a figure
/// upstream sends replaces our count, and an answer that is not a 429 after one proves the
/// refusal is over, so one 429 never reports "0 remaining" for the rest of an hour.
#[derive(Debug)]
pub struct EndpointBudgets {
    limit: u64,
    window: Duration,
    windows: Mutex<HashMap<String, Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    resets_at: Instant,
    used: u64,
}

/// The default budget per endpoint and hour.
pub const DEFAULT_BUDGET_PER_HOUR: u64 = 500;

/// The longest wait reported to a client. BMS counts per hour, so no honest `Retry-After` or
/// reset is longer; a hostile one (`Retry-After: 18446744073709551615`) would tell an agent to
/// give up on the account for good.
pub const MAX_REPORTED_WAIT_SECS: u64 = 3600;

impl EndpointBudgets {
    pub fn new(limit: u64, window: Duration) -> Self {
        EndpointBudgets {
            limit,
            window,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one call to `endpoint` that BMS answered (not with 429), and returns the budget
    /// left after it. `upstream` is what that answer said about its limits.
    pub fn record(
        &self,
        endpoint: &str,
        now: Instant,
        upstream: &UpstreamLimits,
    ) -> RateLimitHeaders {
        let (limit, window) = (self.limit, self.window);
        self.update(endpoint, now, |w| {
            if w.used >= limit {
                // We counted the window spent (a 429, or our guess), yet BMS answered: its
                // window has moved on. Count afresh from here.
                *w = Window {
                    resets_at: now + window,
                    used: 0,
                };
            }
            w.used = match upstream.remaining {
                Some(remaining) => limit.saturating_sub(remaining),
                None => w.used.saturating_add(1),
            };
            if let Some(reset) = upstream.reset_secs {
                w.resets_at = now + Duration::from_secs(reset.min(MAX_REPORTED_WAIT_SECS));
            }
        })
    }

    /// Upstream refused with 429: the window is spent until `wait_secs` from now when upstream
    /// said how long to wait (capped at `MAX_REPORTED_WAIT_SECS`), else until it ends.
    pub fn exhaust(
        &self,
        endpoint: &str,
        now: Instant,
        wait_secs: Option<u64>,
    ) -> RateLimitHeaders {
        let limit = self.limit;
        self.update(endpoint, now, |w| {
            w.used = w.used.max(limit);
            if let Some(wait) = wait_secs {
                w.resets_at = now + Duration::from_secs(wait.min(MAX_REPORTED_WAIT_SECS));
            }
        })
    }

    fn update(
        &self,
        endpoint: &str,
        now: Instant,
        change: impl FnOnce(&mut Window),
    ) -> RateLimitHeaders {
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let fresh = Window {
            resets_at: now + self.window,
            used: 0,
        };
        // Looked up before inserting: the key is copied only for an endpoint's first call.
        let window = match windows.get_mut(endpoint) {
            Some(window) if now >= window.resets_at => {
                *window = fresh;
                window
            }
            Some(window) => window,
            None => windows.entry(endpoint.to_owned()).or_insert(fresh),
        };
        change(window);
        RateLimitHeaders {
            limit: self.limit,
            remaining: self.limit.saturating_sub(window.used),
            reset_secs: window
                .resets_at
                .saturating_duration_since(now)
                .as_secs()
                .max(1),
        }
    }
}

impl UpstreamLimits {
    /// How long upstream asked us to wait: `Retry-After`, else its reset.
    pub fn wait_secs(&self) -> Option<u64> {
        self.retry_after_secs.or(self.reset_secs)
    }
}

/// What the client is told after an answer: upstream's figures where it gave them, bounded by
/// our tracker so the quota never looks more permissive than either says, with waits capped at
/// `MAX_REPORTED_WAIT_SECS` and `remaining` never above `limit`.
pub fn combine(
    upstream: &UpstreamLimits,
    tracked: RateLimitHeaders,
    refused: bool,
) -> RateLimitHeaders {
    let from_upstream = RateLimitHeaders {
        limit: upstream.limit.unwrap_or(tracked.limit),
        remaining: upstream.remaining.unwrap_or(tracked.remaining),
        reset_secs: upstream
            .reset_secs
            .or(upstream.retry_after_secs)
            .unwrap_or(tracked.reset_secs),
    };
    let mut headers = if upstream.is_empty() {
        tracked
    } else {
        // When upstream says how long to wait, that is the reset; our window is a guess.
        let mut h = from_upstream;
        h.remaining = h.remaining.min(tracked.remaining);
        h
    };
    if refused {
        headers.remaining = 0;
        if let Some(retry) = upstream.retry_after_secs {
            headers.reset_secs = headers.reset_secs.max(retry);
        }
    }
    headers.reset_secs = headers.reset_secs.min(MAX_REPORTED_WAIT_SECS);
    headers.remaining = headers.remaining.min(headers.limit);
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().expect("header value"));
        }
        map
    }

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }

    #[test]
    fn every_dialect_parses_to_the_same_figures() {
        let want = UpstreamLimits {
            limit: Some(100),
            remaining: Some(0),
            reset_secs: Some(7),
            retry_after_secs: None,
        };
        let cases = [
            headers(&[
                ("ratelimit-policy", "\"default\";q=100;w=3600"),
                ("ratelimit", "\"default\";r=0;t=7"),
            ]),
            headers(&[("ratelimit", "limit=100, remaining=0, reset=7")]),
            headers(&[
                ("ratelimit-limit", "100"),
                ("ratelimit-remaining", "0"),
                ("ratelimit-reset", "7"),
            ]),
            headers(&[
                ("x-ratelimit-limit", "100"),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1800000007"),
            ]),
        ];
        for case in cases {
            assert_eq!(parse_upstream(&case, now()), want, "{case:?}");
        }
    }

    #[test]
    fn retry_after_takes_seconds_or_an_http_date() {
        let seconds = parse_upstream(&headers(&[("retry-after", "7")]), now());
        assert_eq!(seconds.retry_after_secs, Some(7));
        let date = httpdate::fmt_http_date(now() + Duration::from_secs(30));
        let dated = parse_upstream(&headers(&[("retry-after", &date)]), now());
        assert_eq!(dated.retry_after_secs, Some(30));
    }

    #[test]
    fn malformed_values_are_ignored() {
        let parsed = parse_upstream(
            &headers(&[
                ("retry-after", "soon"),
                ("x-ratelimit-limit", "lots"),
                ("ratelimit", "\"d\";r=x"),
            ]),
            now(),
        );
        assert!(parsed.is_empty(), "{parsed:?}");
    }

    #[test]
    fn the_budget_counts_down_and_resets_with_its_window() {
        let budgets = EndpointBudgets::new(3, Duration::from_secs(60));
        let start = Instant::now();
        let none = UpstreamLimits::default();
        assert_eq!(budgets.record("GET /x", start, &none).remaining, 2);
        assert_eq!(budgets.record("GET /x", start, &none).remaining, 1);
        assert_eq!(
            budgets.record("GET /y", start, &none).remaining,
            2,
            "endpoints count apart"
        );
        assert_eq!(
            budgets
                .record("GET /x", start + Duration::from_secs(61), &none)
                .remaining,
            2
        );
    }

    #[test]
    fn a_refusal_spends_the_window() {
        let budgets = EndpointBudgets::new(500, Duration::from_secs(3600));
        let start = Instant::now();
        budgets.record("GET /x", start, &UpstreamLimits::default());
        let after = budgets.exhaust("GET /x", start + Duration::from_secs(600), None);
        assert_eq!(after.remaining, 0);
        assert_eq!(after.reset_secs, 3000);
    }

    #[test]
    fn an_answer_after_a_refusal_restores_the_budget() {
        let budgets = EndpointBudgets::new(500, Duration::from_secs(3600));
        let start = Instant::now();
        let refused = budgets.exhaust("GET /x", start, Some(30));
        assert_eq!((refused.remaining, refused.reset_secs), (0, 30));
        let later = start + Duration::from_secs(31);
        let answered = budgets.record("GET /x", later, &UpstreamLimits::default());
        assert_eq!((answered.remaining, answered.reset_secs), (499, 3600));
        let told = UpstreamLimits {
            remaining: Some(42),
            ..Default::default()
        };
        let synced = budgets.record("GET /x", later, &told);
        assert_eq!(synced.remaining, 42, "upstream's fresh count replaces ours");
    }

    #[test]
    fn a_hostile_wait_is_capped_and_remaining_never_exceeds_limit() {
        let budgets = EndpointBudgets::new(500, Duration::from_secs(3600));
        let upstream = parse_upstream(
            &headers(&[
                ("retry-after", "18446744073709551615"),
                ("x-ratelimit-limit", "10"),
                ("x-ratelimit-remaining", "99999"),
            ]),
            now(),
        );
        let tracked = budgets.exhaust("GET /x", Instant::now(), upstream.wait_secs());
        assert_eq!(tracked.reset_secs, MAX_REPORTED_WAIT_SECS);
        let told = combine(&upstream, tracked, true);
        assert_eq!(told.reset_secs, MAX_REPORTED_WAIT_SECS);
        let answered = combine(
            &upstream,
            budgets.record("GET /y", Instant::now(), &upstream),
            false,
        );
        assert!(answered.remaining <= answered.limit, "{answered:?}");
    }

    #[test]
    fn the_client_never_sees_more_remaining_than_upstream_or_tracker() {
        let tracked = RateLimitHeaders {
            limit: 500,
            remaining: 10,
            reset_secs: 100,
        };
        let upstream = UpstreamLimits {
            limit: Some(1500),
            remaining: Some(900),
            reset_secs: Some(50),
            retry_after_secs: None,
        };
        let told = combine(&upstream, tracked, false);
        assert_eq!(told.remaining, 10);
        let upstream = UpstreamLimits {
            remaining: Some(3),
            ..upstream
        };
        assert_eq!(combine(&upstream, tracked, false).remaining, 3);
    }

    #[test]
    fn a_refusal_reports_nothing_remaining_and_the_retry_delay() {
        let tracked = RateLimitHeaders {
            limit: 500,
            remaining: 420,
            reset_secs: 100,
        };
        let upstream = UpstreamLimits {
            retry_after_secs: Some(700),
            ..Default::default()
        };
        let told = combine(&upstream, tracked, true);
        assert_eq!(
            told,
            RateLimitHeaders {
                limit: 500,
                remaining: 0,
                reset_secs: 700
            }
        );
        let silent = combine(&UpstreamLimits::default(), tracked, true);
        assert_eq!(
            silent,
            RateLimitHeaders {
                limit: 500,
                remaining: 0,
                reset_secs: 100
            }
        );
    }
}
