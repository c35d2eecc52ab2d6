//! Reference data one account's lookups answer (queues, statuses, note types...), kept briefly
//! so that turning a name into an ID does not cost a BMS call each time. These are
//! configuration lists, not customer records; nothing is written to disk.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// One lookup item: its ID, its name, and the names of its boolean fields that are true
/// (lowercased: `isdefault`, `ismain`), which is how a tenant marks its default entry.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupItem {
    pub id: Value,
    pub name: String,
    pub flags: Vec<String>,
}

/// How long lookup answers are reused unless configured otherwise.
pub const DEFAULT_REFERENCE_TTL: Duration = Duration::from_secs(300);

/// One cached lookup answer and when it was fetched.
type Entry = (Instant, Arc<Vec<LookupItem>>);

/// Lookup answers by lookup tool and fixed arguments.
#[derive(Debug)]
pub struct ReferenceCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

impl ReferenceCache {
    pub fn new(ttl: Duration) -> ReferenceCache {
        ReferenceCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, key: &str) -> Option<Arc<Vec<LookupItem>>> {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, items)| items.clone())
    }

    pub fn put(&self, key: String, items: Arc<Vec<LookupItem>>) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.retain(|_, (at, _)| at.elapsed() < self.ttl);
        entries.insert(key, (Instant::now(), items));
    }
}
