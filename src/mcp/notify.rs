//! What a request may send back on its own stream while it runs: MCP log messages
//! (`notifications/message`, at or above the level the client asked for) and progress
//! (`notifications/progress`, only for a request that carried `_meta.progressToken`).
//!
//! Both cost nothing unless asked for: `CallNotices` holds `None` for each, and every method
//! returns before building a message. Messages are queued with `try_send`: a stream that cannot
//! take one at once loses it rather than slowing the call.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::handler::{ClientContext, Handler};
use super::jsonrpc::{RpcError, code};
use crate::call::CallObserver;

/// The logger name our log messages carry.
pub const LOGGER: &str = "bms-mcp";

/// The `_meta` key a 2026-07-28 request names its log level in (that revision has no
/// `logging/setLevel`: the level travels with each request).
pub const LOG_LEVEL_META_KEY: &str = "io.modelcontextprotocol/logLevel";

/// Sessions whose level one process remembers. Past it, the oldest settings are forgotten
/// (those sessions fall back to no log messages), so a client opening sessions in a loop
/// cannot grow the map without bound.
const MAX_SESSION_LEVELS: usize = 10_000;

/// The syslog severities of RFC 5424, least severe first, as MCP names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Debug,
    Info,
    Notice,
    Warning,
    Error,
    Critical,
    Alert,
    Emergency,
}

impl LogLevel {
    const ALL: [LogLevel; 8] = [
        LogLevel::Debug,
        LogLevel::Info,
        LogLevel::Notice,
        LogLevel::Warning,
        LogLevel::Error,
        LogLevel::Critical,
        LogLevel::Alert,
        LogLevel::Emergency,
    ];

    /// The level's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Notice => "notice",
            LogLevel::Warning => "warning",
            LogLevel::Error => "error",
            LogLevel::Critical => "critical",
            LogLevel::Alert => "alert",
            LogLevel::Emergency => "emergency",
        }
    }

    /// A level from its wire name.
    pub fn parse(name: &str) -> Option<LogLevel> {
        LogLevel::ALL.into_iter().find(|l| l.as_str() == name)
    }

    /// The names, for an error message.
    pub fn names() -> String {
        LogLevel::ALL.map(LogLevel::as_str).join(", ")
    }
}

/// The level each session asked for with `logging/setLevel`. A session that never asked gets
/// no log messages (the specification lets the server choose; unasked messages would turn
/// every JSON answer of such a session into an event stream).
#[derive(Debug, Default)]
pub struct SessionLogLevels {
    levels: Mutex<HashMap<Arc<str>, (u64, LogLevel)>>,
    /// Orders the settings, so the oldest can be found.
    serial: std::sync::atomic::AtomicU64,
    /// Whether any session ever set a level: until one does, a call's lookup takes no lock.
    any: std::sync::atomic::AtomicBool,
}

impl SessionLogLevels {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Arc<str>, (u64, LogLevel)>> {
        self.levels
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Remembers `level` for `session`.
    pub fn set(&self, session: &Arc<str>, level: LogLevel) {
        let serial = self
            .serial
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.any.store(true, std::sync::atomic::Ordering::Relaxed);
        let mut levels = self.lock();
        if levels.len() >= MAX_SESSION_LEVELS && !levels.contains_key(session) {
            // Forget the oldest setting: one linear pass, only when the map is full.
            if let Some(oldest) = levels
                .iter()
                .min_by_key(|(_, (s, _))| *s)
                .map(|(k, _)| k.clone())
            {
                levels.remove(&oldest);
            }
        }
        levels.insert(session.clone(), (serial, level));
    }

    /// The level `session` asked for, if it did.
    pub fn get(&self, session: &str) -> Option<LogLevel> {
        if !self.any.load(std::sync::atomic::Ordering::Relaxed) {
            return None;
        }
        self.lock().get(session).map(|(_, level)| *level)
    }

    /// Forgets an ended session.
    pub fn forget(&self, session: &str) {
        self.lock().remove(session);
    }
}

/// The level a 2026-07-28 request asks for in its `_meta`, if any.
pub fn level_in_meta(params: Option<&Value>) -> Option<LogLevel> {
    params?
        .get("_meta")?
        .get(LOG_LEVEL_META_KEY)?
        .as_str()
        .and_then(LogLevel::parse)
}

/// The progress token of a request, if it carried one (a string or an integer).
pub fn progress_token(params: Option<&Value>) -> Option<Value> {
    params?
        .get("_meta")?
        .get("progressToken")
        .filter(|t| t.is_string() || t.is_i64() || t.is_u64())
        .cloned()
}

/// The notifications one request may send, and where.
#[derive(Debug, Default)]
pub struct CallNotices {
    out: Option<mpsc::Sender<String>>,
    level: Option<LogLevel>,
    progress: Option<ProgressState>,
}

#[derive(Debug)]
struct ProgressState {
    token: Value,
    /// The last progress sent: each notification's must be greater.
    last: Mutex<f64>,
    /// Steps the call has: known once the tool is.
    total: Mutex<Option<f64>>,
}

impl CallNotices {
    /// Notices for a request answered on `out`, with the client's log level and progress
    /// token; without `out` nothing can be sent and nothing is.
    pub fn new(
        out: Option<mpsc::Sender<String>>,
        level: Option<LogLevel>,
        token: Option<Value>,
    ) -> CallNotices {
        let Some(out) = out else {
            return CallNotices::default();
        };
        if level.is_none() && token.is_none() {
            return CallNotices::default();
        }
        CallNotices {
            out: Some(out),
            level,
            progress: token.map(|token| ProgressState {
                token,
                last: Mutex::new(-1.0),
                total: Mutex::new(None),
            }),
        }
    }

    /// Whether a message at `level` would be sent.
    pub fn logs(&self, level: LogLevel) -> bool {
        self.level.is_some_and(|wanted| level >= wanted)
    }

    /// Whether the request carried a progress token.
    pub fn wants_progress(&self) -> bool {
        self.progress.is_some()
    }

    /// Sends a log message at `level` when the client wants that level; `data` is built only
    /// then. It must hold nothing the call's own result would not show the client.
    pub fn log(&self, level: LogLevel, data: impl FnOnce() -> Value) {
        if !self.logs(level) {
            return;
        }
        self.send(json!({
            "jsonrpc": "2.0",
            "method": "notifications/message",
            "params": {"level": level.as_str(), "logger": LOGGER, "data": data()},
        }));
    }

    /// Sets the number of steps progress counts towards.
    pub fn set_total(&self, total: f64) {
        if let Some(state) = &self.progress {
            *lock(&state.total) = Some(total);
        }
    }

    /// The progress sent last (−1 before any).
    pub fn last_progress(&self) -> f64 {
        self.progress.as_ref().map_or(-1.0, |s| *lock(&s.last))
    }

    /// Sends a progress notification when the request asked for progress and `progress` is
    /// greater than the last one sent (the specification requires it to increase).
    pub fn progress(&self, progress: f64, message: &str) {
        let Some(state) = &self.progress else {
            return;
        };
        {
            let mut last = lock(&state.last);
            if progress <= *last {
                return;
            }
            *last = progress;
        }
        let mut params = json!({
            "progressToken": state.token,
            "progress": progress,
            "message": message,
        });
        if let Some(total) = *lock(&state.total) {
            params["total"] = total.max(progress).into();
        }
        self.send(json!({"jsonrpc": "2.0", "method": "notifications/progress", "params": params}));
    }

    fn send(&self, message: Value) {
        if let Some(out) = &self.out {
            // Never wait: a notification that does not fit is lost, the call goes on.
            let _ = out.try_send(message.to_string());
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A BMS tool call's steps as progress and log messages: each name lookup, then the request.
pub struct ToolCallSteps<'a> {
    pub notices: &'a CallNotices,
    pub tool: &'static str,
}

impl CallObserver for ToolCallSteps<'_> {
    fn resolving(&self, name_arg: &'static str) {
        if self.notices.wants_progress() {
            let step = self.notices.last_progress().floor() + 1.0;
            self.notices
                .progress(step, &format!("looking up `{name_arg}` in BMS"));
        }
    }

    fn resolved(&self, name_arg: &'static str, id_arg: &'static str, id: &Value) {
        self.notices.log(LogLevel::Info, || {
            json!({
                "message": format!("{}: resolved `{name_arg}` to {id_arg} {id}", self.tool),
                "tool": self.tool,
                "argument": name_arg,
                id_arg: id,
            })
        });
    }

    fn sending(&self) {
        if self.notices.wants_progress() {
            let step = self.notices.last_progress().floor() + 1.0;
            self.notices.progress(step, "waiting for BMS");
        }
        self.notices.log(
            LogLevel::Debug,
            || json!({"message": format!("{}: request sent to BMS", self.tool), "tool": self.tool}),
        );
    }
}

/// How long a call runs before its client hears that it is still waiting, and how often then.
pub const SLOW_CALL_TICK: std::time::Duration = std::time::Duration::from_secs(1);

/// Awaits `call`, sending a progress notification every `SLOW_CALL_TICK` while it runs, each a
/// little further within the current step (halfway to the next, then half the rest, …) so
/// progress keeps increasing without reaching the next step.
pub async fn while_slow<T>(call: impl std::future::Future<Output = T>, notices: &CallNotices) -> T {
    let mut call = std::pin::pin!(call);
    let mut waited = 0u32;
    loop {
        match tokio::time::timeout(SLOW_CALL_TICK, &mut call).await {
            Ok(done) => return done,
            Err(_) => {
                waited += 1;
                let last = notices.last_progress().max(0.0);
                let step = last.floor();
                let next = last + (step + 1.0 - last) / 2.0;
                notices.progress(next, &format!("still waiting for BMS ({waited} s)"));
            }
        }
    }
}

/// The rate-limit budget left, as a share of the limit, under which the client is warned.
const LOW_BUDGET_SHARE: u64 = 10;

/// What an operator or agent should hear of how BMS answered: an error status, a rate limit,
/// a budget running low. Status and figures only, never BMS's body.
pub fn log_report(notices: &CallNotices, tool: &'static str, report: &crate::call::CallReport) {
    if let Some(status) = report.upstream_status.filter(|s| *s >= 400) {
        let level = if status >= 500 {
            LogLevel::Error
        } else {
            LogLevel::Warning
        };
        notices.log(level, || {
            let mut data = json!({
                "message": format!("{tool}: BMS answered HTTP {status}"),
                "tool": tool,
                "status": status,
            });
            if status == 429
                && let Some(limits) = report.rate_limit
            {
                data["retry_after_seconds"] = limits.reset_secs.into();
            }
            data
        });
    }
    if let Some(limits) = report.rate_limit
        && limits.limit > 0
        && limits.remaining * 100 <= limits.limit * LOW_BUDGET_SHARE
        && report.upstream_status.is_some_and(|s| s < 400)
    {
        notices.log(LogLevel::Warning, || {
            json!({
                "message": format!(
                    "BMS rate-limit budget low: {} of {} requests left, resets in {} s",
                    limits.remaining, limits.limit, limits.reset_secs
                ),
                "tool": tool,
                "remaining": limits.remaining,
                "limit": limits.limit,
                "reset_seconds": limits.reset_secs,
            })
        });
    }
    if notices.wants_progress() && report.upstream_status.is_some() {
        notices.progress(notices.last_progress().floor() + 1.0, "BMS answered");
    }
}

impl Handler {
    /// `logging/setLevel`: remembered for the session it came in; a message outside a session
    /// is accepted and changes nothing (such requests get the default: no log messages).
    pub(super) fn set_log_level(
        &self,
        params: Option<&Value>,
        client: &ClientContext,
    ) -> Result<Value, RpcError> {
        let name = params.and_then(|p| p.get("level")).and_then(Value::as_str);
        let Some(level) = name.and_then(LogLevel::parse) else {
            return Err(RpcError::invalid_params(format!(
                "logging/setLevel needs params.level, one of: {}",
                LogLevel::names()
            )));
        };
        if let Some(link) = &client.link {
            self.log_levels().set(&link.owner, level);
        }
        Ok(json!({}))
    }

    /// What a `tools/call` may send on its own stream: log messages at the session's level (a
    /// modern request's own `_meta` level), progress for a request with a token.
    pub(super) fn notices_for(
        &self,
        params: Option<&Value>,
        client: &ClientContext,
        modern: bool,
    ) -> CallNotices {
        if client.notify.is_none() {
            return CallNotices::default();
        }
        let level = if modern {
            level_in_meta(params)
        } else {
            client
                .link
                .as_ref()
                .and_then(|link| self.log_levels().get(&link.owner))
        };
        CallNotices::new(client.notify.clone(), level, progress_token(params))
    }
}

/// The extension `tasks/*` belong to; we do not offer it.
const TASKS_EXTENSION: &str = "io.modelcontextprotocol/tasks";

/// The answer to a `tasks/*` request: `MissingRequiredClientCapability` (-32021, HTTP 400 on
/// the modern binding), as SEP-2663 asks of a request that did not negotiate the tasks
/// extension. No request here can have: the server does not advertise it, and every call
/// answers synchronously.
pub(super) fn tasks_not_negotiated(method: &str, modern: bool) -> RpcError {
    let error = RpcError::new(
        code::MISSING_REQUIRED_CLIENT_CAPABILITY,
        format!(
            "{method} needs the {TASKS_EXTENSION} extension, which this request did not negotiate; this server does not offer tasks: every tools/call answers with its result"
        ),
    )
    .with_data(json!({"requiredCapabilities": {"extensions": {TASKS_EXTENSION: {}}}}));
    if modern {
        error.with_status(400)
    } else {
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notices(
        level: Option<LogLevel>,
        token: Option<Value>,
    ) -> (CallNotices, mpsc::Receiver<String>) {
        let (out, written) = mpsc::channel(16);
        (CallNotices::new(Some(out), level, token), written)
    }

    fn drain(written: &mut mpsc::Receiver<String>) -> Vec<Value> {
        let mut all = Vec::new();
        while let Ok(message) = written.try_recv() {
            all.push(serde_json::from_str(&message).expect("JSON"));
        }
        all
    }

    #[test]
    fn levels_order_as_rfc_5424_and_parse_by_name() {
        assert!(LogLevel::Debug < LogLevel::Info && LogLevel::Alert < LogLevel::Emergency);
        assert_eq!(LogLevel::parse("warning"), Some(LogLevel::Warning));
        assert_eq!(LogLevel::parse("WARN"), None);
    }

    #[test]
    fn only_messages_at_or_above_the_level_are_sent() {
        let (notices, mut written) = notices(Some(LogLevel::Warning), None);
        notices.log(LogLevel::Info, || panic!("not built below the level"));
        notices.log(LogLevel::Error, || json!({"message": "x"}));
        let sent = drain(&mut written);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0]["method"], "notifications/message");
        assert_eq!(sent[0]["params"]["level"], "error");
        assert_eq!(sent[0]["params"]["logger"], LOGGER);
    }

    #[test]
    fn progress_needs_a_token_and_only_increases() {
        let (silent, mut written) = notices(Some(LogLevel::Debug), None);
        silent.progress(1.0, "x");
        assert!(drain(&mut written).is_empty());

        let (notices, mut written) = notices(None, Some(json!("t1")));
        notices.set_total(2.0);
        notices.progress(1.0, "a");
        notices.progress(1.0, "again");
        notices.progress(0.5, "back");
        notices.progress(2.0, "b");
        let sent = drain(&mut written);
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0]["params"]["progressToken"], "t1");
        assert_eq!(sent[0]["params"]["total"], 2.0);
        assert_eq!(sent[1]["params"]["progress"], 2.0);
    }

    #[test]
    fn without_a_stream_nothing_is_kept() {
        let notices = CallNotices::new(None, Some(LogLevel::Debug), Some(json!(1)));
        assert!(!notices.wants_progress() && !notices.logs(LogLevel::Emergency));
    }

    #[test]
    fn a_full_session_map_forgets_its_oldest_setting() {
        let levels = SessionLogLevels::default();
        for i in 0..MAX_SESSION_LEVELS + 1 {
            levels.set(&Arc::from(format!("s{i}")), LogLevel::Info);
        }
        assert_eq!(levels.get("s0"), None);
        assert_eq!(
            levels.get(&format!("s{MAX_SESSION_LEVELS}")),
            Some(LogLevel::Info)
        );
    }
}
