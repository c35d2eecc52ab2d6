//! Streamable HTTP session ids. An id is signed (HMAC-SHA256) over the MCP server it was issued
//! for, so any replica with the same key accepts it and no id works with another server's URL.
//! Only terminated ids are remembered, so sessions cost no memory while they live. The client
//! profile `initialize` settled on, and whether the client can be asked to confirm a call
//! (elicitation), travel inside the id, so every replica treats the session the same way.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::dispatch::SessionClient;
use crate::catalogue::ClientProfile;

/// Random bytes at the start of every id.
const NONCE_BYTES: usize = 16;

/// The flag bit for a client that declared the `elicitation` capability.
const ELICITATION_FLAG: u8 = 1;

/// How long a terminated id is remembered (sessions older than this are refused anyway).
const TERMINATED_MEMORY: Duration = Duration::from_secs(24 * 3600);

/// Issues and checks session ids.
pub struct Sessions {
    key: [u8; 32],
    terminated: Mutex<HashMap<String, Instant>>,
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

    /// Whether `id` was issued for `server_id` and has not been terminated.
    pub fn is_live(&self, server_id: &str, id: &str) -> bool {
        let Some((payload, tag)) = id.split_once('.') else {
            return false;
        };
        let Ok(tag) = URL_SAFE_NO_PAD.decode(tag) else {
            return false;
        };
        let mut mac = self.mac();
        mac.update(server_id.as_bytes());
        mac.update(b"\0");
        mac.update(payload.as_bytes());
        if tag.len() != 16 || mac.verify_truncated_left(&tag).is_err() {
            return false;
        }
        !self.lock().contains_key(id)
    }

    /// What a live id carries of its client (check `is_live` first: this only reads it). Ids
    /// issued before the flags byte existed read as a client that cannot be asked.
    pub fn client(&self, id: &str) -> Option<SessionClient> {
        let (payload, _) = id.split_once('.')?;
        let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let index = *bytes.get(NONCE_BYTES)?;
        let flags = bytes.get(NONCE_BYTES + 1).copied().unwrap_or(0);
        Some(SessionClient {
            profile: ClientProfile::ALL.get(usize::from(index)).copied()?,
            elicitation: flags & ELICITATION_FLAG != 0,
        })
    }

    /// Ends a session. Returns false when the id was not live.
    pub fn terminate(&self, server_id: &str, id: &str) -> bool {
        if !self.is_live(server_id, id) {
            return false;
        }
        let now = Instant::now();
        let mut terminated = self.lock();
        terminated.retain(|_, at| now.duration_since(*at) < TERMINATED_MEMORY);
        terminated.insert(id.to_owned(), now);
        true
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
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

    #[test]
    fn forged_ids_are_dead() {
        let sessions = Sessions::new([1; 32]);
        for id in ["", "x", "a.b", "AAAA.AAAAAAAAAAAAAAAAAAAAAA"] {
            assert!(!sessions.is_live("srv_a", id), "{id}");
        }
    }
}
