//! MCP server tokens → what they give access to. Tokens are looked up by their SHA-256 hash,
//! so the raw token is never kept and lookups take the same time whatever the token.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::SystemTime;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::mcp::McpEndpoint;

/// Prefix of MCP server tokens, so secret scanners can find leaked ones.
pub const MCP_TOKEN_PREFIX: &str = "bmsm_";

/// A token's lookup key.
pub type TokenHash = [u8; 32];

/// SHA-256 of a token. Tokens carry 256 random bits, so a fast hash is the right one.
pub fn token_hash(token: &str) -> TokenHash {
    Sha256::digest(token.as_bytes()).into()
}

/// A new MCP server token: the prefix and 256 random bits.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{MCP_TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Whether a string has the shape of one of our tokens (checked before any lookup).
pub fn looks_like_token(token: &str) -> bool {
    token.strip_prefix(MCP_TOKEN_PREFIX).is_some_and(|rest| {
        rest.len() == 43
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// Why a token gives no access. Both read the same to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessError {
    Unknown,
    Expired,
}

struct Registered {
    endpoint: McpEndpoint,
    expires_at: Option<SystemTime>,
}

/// The live MCP servers of this process.
#[derive(Default)]
pub struct Directory {
    servers: RwLock<HashMap<TokenHash, Registered>>,
}

impl Directory {
    pub fn register(&self, token: &str, endpoint: McpEndpoint, expires_at: Option<SystemTime>) {
        let mut servers = self
            .servers
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        servers.insert(
            token_hash(token),
            Registered {
                endpoint,
                expires_at,
            },
        );
    }

    /// The endpoint a token opens, refused from its expiry instant on.
    pub fn resolve(&self, token: &str, now: SystemTime) -> Result<McpEndpoint, AccessError> {
        if !looks_like_token(token) {
            return Err(AccessError::Unknown);
        }
        let servers = self
            .servers
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let registered = servers
            .get(&token_hash(token))
            .ok_or(AccessError::Unknown)?;
        if registered.expires_at.is_some_and(|at| now >= at) {
            return Err(AccessError::Expired);
        }
        Ok(registered.endpoint.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_tokens_have_the_prefix_and_shape() {
        let token = new_token();
        assert!(token.starts_with("bmsm_"));
        assert!(looks_like_token(&token), "{token}");
        assert_ne!(token, new_token());
    }

    #[test]
    fn malformed_tokens_are_refused_before_lookup() {
        for bad in [
            "",
            "bmsm_",
            "bmsa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "bmsm_../../etc",
            &format!("{}x", new_token()),
        ] {
            assert!(!looks_like_token(bad), "{bad}");
        }
    }
}
