//! Streamable HTTP session ids. An id is signed (HMAC-SHA256) over the MCP server it was issued
//! for, so any replica with the same key accepts it and no id works with another server's URL.
//! Only terminated ids are remembered, so sessions cost no memory while they live. An id carries
//! its issue time and lives `SESSION_LIFETIME`: a terminated id is remembered until then and
//! refused for its age after, so forgetting it never brings it back. The client profile
//! `initialize` settled on, and whether the client can be asked to confirm a call
//! (elicitation), travel inside the id, so every replica treats the session the same way.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::catalogue::ClientProfile;
use crate::mcp::dispatch::SessionClient;

/// Random bytes at the start of every id.
const NONCE_BYTES: usize = 16;

/// The flag bit for a client that declared the `elicitation` capability.
const ELICITATION_FLAG: u8 = 1;

/// How long a session id is accepted after it was issued; clients start a new session with
/// `initialize` when theirs is refused (404).
pub const SESSION_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Bytes of the issue time (unix seconds, big-endian) after the nonce.
const ISSUED_BYTES: usize = 8;

/// Issues and checks session ids.
pub struct Sessions {
    key: [u8; 32],
    /// Terminated ids, each with the unix second its lifetime ends.
    terminated: Mutex<HashMap<String, u64>>,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sessions(<key>)")
    }
}

impl Sessions {
    pub fn new(key: [u8; 32]) -> Sessions {
        Sessions {
            key,
            terminated: Mutex::new(HashMap::new()),
        }
    }

    /// A new session id for the MCP server `server_id`, carrying what it remembers of the
    /// client.
    pub fn issue(&self, server_id: &str, client: Option<SessionClient>) -> String {
        let nonce: [u8; NONCE_BYTES] = rand::random();
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&unix_seconds().to_be_bytes());
        if let Some(client) = client {
            bytes.push(u8::try_from(client.profile.index()).unwrap_or(0));
            bytes.push(if client.elicitation {
                ELICITATION_FLAG
            } else {
                0
            });
        }
        let payload = URL_SAFE_NO_PAD.encode(bytes);
        let tag = URL_SAFE_NO_PAD.encode(self.tag(server_id, &payload));
        format!("{payload}.{tag}")
    }

    /// Whether `id` was issued for `server_id`, is younger than `SESSION_LIFETIME` and has not
    /// been terminated.
    pub fn is_live(&self, server_id: &str, id: &str) -> bool {
        self.expiry(server_id, id)
            .is_some_and(|ends| !self.lock().contains_key(id) && ends > unix_seconds())
    }

    /// When a genuine id's lifetime ends (unix seconds), whatever its state.
    fn expiry(&self, server_id: &str, id: &str) -> Option<u64> {
        let (payload, tag) = id.split_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        let mut mac = self.mac();
        mac.update(server_id.as_bytes());
        mac.update(b"\0");
        mac.update(payload.as_bytes());
        if tag.len() != 16 || mac.verify_truncated_left(&tag).is_err() {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let issued = bytes.get(NONCE_BYTES..NONCE_BYTES + ISSUED_BYTES)?;
        let issued = u64::from_be_bytes(issued.try_into().ok()?);
        Some(issued.saturating_add(SESSION_LIFETIME.as_secs()))
    }

    /// What a live id carries of its client (check `is_live` first: this only reads it). Ids
    /// issued before the flags byte existed read as a client that cannot be asked.
    pub fn client(&self, id: &str) -> Option<SessionClient> {
        let (payload, _) = id.split_once('.')?;
        let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let index = *bytes.get(NONCE_BYTES + ISSUED_BYTES)?;
        let flags = bytes
            .get(NONCE_BYTES + ISSUED_BYTES + 1)
            .copied()
            .unwrap_or(0);
        Some(SessionClient {
            profile: ClientProfile::ALL.get(usize::from(index)).copied()?,
            elicitation: flags & ELICITATION_FLAG != 0,
        })
    }

    /// Ends a session. Returns false when the id was not live.
    pub fn terminate(&self, server_id: &str, id: &str) -> bool {
        let Some(ends) = self.expiry(server_id, id) else {
            return false;
        };
        let now = unix_seconds();
        let mut terminated = self.lock();
        if ends <= now || terminated.contains_key(id) {
            return false;
        }
        // Ids past their lifetime are refused for their age: no need to remember them.
        terminated.retain(|_, ends| *ends > now);
        terminated.insert(id.to_owned(), ends);
        true
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, u64>> {
        self.terminated
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn mac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"))
    }

    fn tag(&self, server_id: &str, payload: &str) -> Vec<u8> {
        let mut mac = self.mac();
        mac.update(server_id.as_bytes());
        mac.update(b"\0");
        mac.update(payload.as_bytes());
        mac.finalize().into_bytes()[..16].to_vec()
    }
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issued_id_is_live_for_its_server_only() {
        let sessions = Sessions::new([1; 32]);
        let id = sessions.issue("srv_a", None);
        assert!(sessions.is_live("srv_a", &id));
        assert!(!sessions.is_live("srv_b", &id));
        assert!(
            !Sessions::new([2; 32]).is_live("srv_a", &id),
            "another key refuses it"
        );
    }

    #[test]
    fn a_terminated_id_is_dead() {
        let sessions = Sessions::new([1; 32]);
        let id = sessions.issue("srv_a", None);
        assert!(sessions.terminate("srv_a", &id));
        assert!(!sessions.is_live("srv_a", &id));
        assert!(
            !sessions.terminate("srv_a", &id),
            "terminating twice reports the id dead"
        );
    }

    #[test]
    fn an_id_carries_the_clients_profile_and_elicitation() {
        let sessions = Sessions::new([1; 32]);
        for elicitation in [false, true] {
            let client = SessionClient {
                profile: ClientProfile::ShortNames,
                elicitation,
            };
            let id = sessions.issue("srv_a", Some(client));
            assert!(sessions.is_live("srv_a", &id));
            assert_eq!(sessions.client(&id), Some(client));
        }
        assert_eq!(sessions.client(&sessions.issue("srv_a", None)), None);
    }

    /// An id issued `age` ago, signed as `issue` would sign it.
    fn issued_ago(sessions: &Sessions, server_id: &str, age: Duration) -> String {
        let mut bytes = vec![9; NONCE_BYTES];
        bytes.extend_from_slice(&(unix_seconds() - age.as_secs()).to_be_bytes());
        let payload = URL_SAFE_NO_PAD.encode(bytes);
        let tag = URL_SAFE_NO_PAD.encode(sessions.tag(server_id, &payload));
        format!("{payload}.{tag}")
    }

    #[test]
    fn an_id_older_than_its_lifetime_is_dead_so_a_forgotten_termination_cannot_revive_it() {
        let sessions = Sessions::new([1; 32]);
        let young = issued_ago(&sessions, "srv_a", Duration::from_secs(60));
        assert!(sessions.is_live("srv_a", &young));
        let old = issued_ago(
            &sessions,
            "srv_a",
            SESSION_LIFETIME + Duration::from_secs(1),
        );
        assert!(!sessions.is_live("srv_a", &old));
        assert!(!sessions.terminate("srv_a", &old), "nothing to remember");
        assert!(sessions.lock().is_empty());
    }

    #[test]
    fn an_id_without_an_issue_time_is_dead() {
        let sessions = Sessions::new([1; 32]);
        let payload = URL_SAFE_NO_PAD.encode([9; NONCE_BYTES]);
        let tag = URL_SAFE_NO_PAD.encode(sessions.tag("srv_a", &payload));
        assert!(!sessions.is_live("srv_a", &format!("{payload}.{tag}")));
    }

    #[test]
    fn forged_ids_are_dead() {
        let sessions = Sessions::new([1; 32]);
        for id in ["", "x", "a.b", "AAAA.AAAAAAAAAAAAAAAAAAAAAA"] {
            assert!(!sessions.is_live("srv_a", id), "{id}");
        }
    }
}
