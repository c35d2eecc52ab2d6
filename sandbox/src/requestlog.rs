//! The log of /v2/ requests the sandbox received, so a test can prove what was (and was not)
//! sent upstream. The `Authorization` header is never recorded, nor bodies of the security
//! operations (they carry passwords and tokens).

use std::sync::Mutex;

use serde::Serialize;
use serde_json::Value;

/// How many entries are kept; the oldest go first.
const CAPACITY: usize = 10_000;

/// One received request.
#[derive(Debug, Clone, Serialize)]
pub struct LoggedRequest {
    /// 1-based, increasing for the sandbox's lifetime (not reset by clearing).
    pub seq: u64,
    /// When it arrived (ISO 8601, UTC).
    pub time: String,
    pub method: String,
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// The spec operation it matched (`GET /v2/servicedesk/tickets/{ticketId}`).
    pub operation: Option<String>,
    /// HTTP status answered; 0 when the connection was dropped on purpose or by the client.
    pub status: u16,
    /// `drop`, `error`, `malformed`, `rate_limited` or `auth_refused` when the answer was not a
    /// normal one; `abandoned` when the client closed the connection before the answer was
    /// ready.
    pub fault: Option<&'static str>,
    /// The JSON body as received (security operations excluded).
    pub body: Option<Value>,
    /// Body properties the DTO has no member for (ignored, as ASP.NET does).
    pub ignored_body_properties: Vec<String>,
}

/// The log.
pub struct RequestLog {
    inner: Mutex<(u64, Vec<LoggedRequest>)>,
}

impl Default for RequestLog {
    fn default() -> Self {
        RequestLog {
            inner: Mutex::new((0, Vec::new())),
        }
    }
}

impl RequestLog {
    /// Appends an entry, numbering it.
    pub fn push(&self, mut entry: LoggedRequest) {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        guard.0 += 1;
        entry.seq = guard.0;
        if guard.1.len() >= CAPACITY {
            guard.1.remove(0);
        }
        guard.1.push(entry);
    }

    /// Every entry, oldest first.
    pub fn entries(&self) -> Vec<LoggedRequest> {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .clone()
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .clear();
    }
}
