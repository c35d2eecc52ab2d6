//! Failed sign-ins per user name: after `MAX_FAILURES` within `WINDOW_SECONDS`, that name's
//! sign-ins are refused until the window ends, without checking the password, so passwords
//! cannot be guessed at the speed Argon2 allows. Kept per process (each replica counts its
//! own), bounded to `MAX_NAMES` names so made-up names cannot grow it without limit.

use std::collections::HashMap;
use std::sync::Mutex;

/// Failures allowed per name per window.
pub const MAX_FAILURES: u32 = 5;
/// The window, from a name's first failure.
pub const WINDOW_SECONDS: i64 = 15 * 60;
/// Names tracked at most; beyond it, failures of new names are not counted.
const MAX_NAMES: usize = 10_000;

/// Failed sign-ins by user name: (failures, window start in unix seconds).
#[derive(Default)]
pub struct SignInThrottle {
    failures: Mutex<HashMap<String, (u32, i64)>>,
}

impl SignInThrottle {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u32, i64)>> {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The unix second until which `username` may not sign in, if it is held now.
    pub fn held_until(&self, username: &str, now: i64) -> Option<i64> {
        let failures = self.lock();
        let (count, start) = failures.get(username)?;
        let until = start + WINDOW_SECONDS;
        (*count >= MAX_FAILURES && now < until).then_some(until)
    }

    /// Counts a failed sign-in.
    pub fn failed(&self, username: &str, now: i64) {
        let mut failures = self.lock();
        if failures.len() >= MAX_NAMES && !failures.contains_key(username) {
            failures.retain(|_, (_, start)| now < *start + WINDOW_SECONDS);
            if failures.len() >= MAX_NAMES {
                return;
            }
        }
        let entry = failures.entry(username.to_owned()).or_insert((0, now));
        if now >= entry.1 + WINDOW_SECONDS {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    /// Forgets a name's failures once it signs in.
    pub fn succeeded(&self, username: &str) {
        self.lock().remove(username);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_held_after_five_failures_until_its_window_ends() {
        let throttle = SignInThrottle::default();
        for _ in 0..4 {
            throttle.failed("alice", 100);
        }
        assert_eq!(throttle.held_until("alice", 100), None);
        throttle.failed("alice", 101);
        assert_eq!(
            throttle.held_until("alice", 101),
            Some(100 + WINDOW_SECONDS)
        );
        assert_eq!(
            throttle.held_until("bob", 101),
            None,
            "other names are free"
        );
        assert_eq!(throttle.held_until("alice", 100 + WINDOW_SECONDS), None);
        throttle.failed("alice", 100 + WINDOW_SECONDS);
        assert_eq!(
            throttle.held_until("alice", 100 + WINDOW_SECONDS),
            None,
            "a new window starts counting again"
        );
    }

    #[test]
    fn a_successful_sign_in_clears_the_count() {
        let throttle = SignInThrottle::default();
        for _ in 0..4 {
            throttle.failed("alice", 100);
        }
        throttle.succeeded("alice");
        throttle.failed("alice", 100);
        assert_eq!(throttle.held_until("alice", 100), None);
    }
}
