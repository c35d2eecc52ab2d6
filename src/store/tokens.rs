//! Bearer secrets: MCP server tokens (`bmsm_`), admin API tokens (`bmsa_`) and OAuth access
//! tokens, refresh tokens and codes (`bmso_`, `bmsr_`, `bmsc_`). Each is a
//! recognisable prefix and 256 random bits; only its SHA-256 is ever stored or compared.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Prefix of MCP server tokens, so secret scanners can find leaked ones.
pub const MCP_TOKEN_PREFIX: &str = "bmsm_";

/// Prefix of admin API tokens.
pub const ADMIN_TOKEN_PREFIX: &str = "bmsa_";

/// Prefix of OAuth access tokens.
pub const ACCESS_TOKEN_PREFIX: &str = "bmso_";
/// Prefix of OAuth refresh tokens.
pub const REFRESH_TOKEN_PREFIX: &str = "bmsr_";
/// Prefix of OAuth authorization codes.
pub const CODE_PREFIX: &str = "bmsc_";

/// A token's lookup key.
pub type TokenHash = [u8; 32];

/// SHA-256 of a token. Tokens carry 256 random bits, so a fast hash is the right one.
pub fn token_hash(token: &str) -> TokenHash {
    Sha256::digest(token.as_bytes()).into()
}

/// A token hash as stored: lowercase hex.
pub fn hash_hex(hash: &TokenHash) -> String {
    let mut hex = String::with_capacity(64);
    super::push_hex(&mut hex, hash);
    hex
}

/// A new MCP server token: the prefix and 256 random bits.
pub fn new_token() -> String {
    random_token(MCP_TOKEN_PREFIX)
}

/// A new admin API token.
pub fn new_admin_token() -> String {
    random_token(ADMIN_TOKEN_PREFIX)
}

/// A new random secret with `prefix`: 256 random bits, URL-safe base64.
pub fn random_token(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Whether a string has the shape of an MCP server token (checked before any lookup).
pub fn looks_like_token(token: &str) -> bool {
    has_shape(token, MCP_TOKEN_PREFIX)
}

/// Whether a string has the shape of an admin API token.
pub fn looks_like_admin_token(token: &str) -> bool {
    has_shape(token, ADMIN_TOKEN_PREFIX)
}

/// Whether a string is `prefix` followed by what `random_token` makes (checked before any
/// lookup, so junk never reaches the store).
pub fn has_shape(token: &str, prefix: &str) -> bool {
    token.strip_prefix(prefix).is_some_and(|rest| {
        rest.len() == 43
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
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
        let admin = new_admin_token();
        assert!(looks_like_admin_token(&admin), "{admin}");
        assert!(
            !looks_like_token(&admin),
            "an admin token never opens an MCP URL"
        );
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

    #[test]
    fn hashes_are_stored_as_64_hex_digits() {
        let hex = hash_hex(&token_hash("bmsm_x"));
        assert_eq!(hex.len(), 64);
        assert!(
            hex.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
    }
}
