//! Injected faults, deterministic so tests are reproducible: a rate r faults request n exactly
//! when ⌊n·r⌋ > ⌊(n−1)·r⌋, so 0.5 faults every second request and 1.0 faults every one.

use std::sync::Mutex;

use crate::config::FaultSettings;

/// The kinds of fault, each with its own request counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Close the connection without answering.
    Drop,
    /// Answer HTTP 500.
    Error,
    /// Send a truncated JSON body.
    Malformed,
}

/// Current settings and counters.
pub struct FaultPlan {
    inner: Mutex<(FaultSettings, [u64; 3])>,
}

impl FaultPlan {
    /// A plan with counters at zero.
    pub fn new(settings: FaultSettings) -> FaultPlan {
        FaultPlan {
            inner: Mutex::new((settings, [0; 3])),
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> FaultSettings {
        self.lock().0
    }

    /// Replaces the settings and restarts the counters.
    pub fn set(&self, settings: FaultSettings) {
        *self.lock() = (settings, [0; 3]);
    }

    /// Restarts the counters.
    pub fn restart(&self) {
        self.lock().1 = [0; 3];
    }

    /// Counts one request for `fault` and says whether this one is faulted.
    pub fn hits(&self, fault: Fault) -> bool {
        let mut guard = self.lock();
        let (settings, counters) = &mut *guard;
        let (rate, slot) = match fault {
            Fault::Drop => (settings.drop_rate, 0),
            Fault::Error => (settings.error_rate, 1),
            Fault::Malformed => (settings.malformed_rate, 2),
        };
        if rate <= 0.0 {
            return false;
        }
        counters[slot] += 1;
        let n = counters[slot] as f64;
        (n * rate).floor() > ((n - 1.0) * rate).floor()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (FaultSettings, [u64; 3])> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The body cut in half: what a client sees when a proxy or the server dies mid-answer.
pub fn truncate(body: &[u8]) -> Vec<u8> {
    let keep = (body.len() / 2).max(1).min(body.len());
    body[..keep].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(rate: f64) -> FaultPlan {
        FaultPlan::new(FaultSettings {
            error_rate: rate,
            ..FaultSettings::default()
        })
    }

    #[test]
    fn a_rate_of_one_faults_every_request() {
        let p = plan(1.0);
        assert!((0..100).all(|_| p.hits(Fault::Error)));
    }

    #[test]
    fn a_rate_of_a_half_faults_every_second_request() {
        let p = plan(0.5);
        let hits: Vec<bool> = (0..6).map(|_| p.hits(Fault::Error)).collect();
        assert_eq!(hits, [false, true, false, true, false, true]);
    }

    #[test]
    fn a_rate_of_zero_never_faults() {
        let p = plan(0.0);
        assert!((0..100).all(|_| !p.hits(Fault::Error)));
        assert!(!p.hits(Fault::Drop));
    }

    #[test]
    fn truncated_json_does_not_parse() {
        let body = br#"{"success":true,"result":[1,2,3]}"#;
        assert!(serde_json::from_slice::<serde_json::Value>(&truncate(body)).is_err());
    }
}
