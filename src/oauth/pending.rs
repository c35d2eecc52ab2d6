//! The state an authorization request carries from page to page: the checked request, who
//! signed in (once someone has), when the page expires, and the browser it was opened in.
//! It rides in a hidden form field, signed with HMAC-SHA256, so any replica accepts it and
//! nothing is stored before consent. The browser binding is a random value also set as an
//! `HttpOnly`, `SameSite=Strict` cookie (double submit): a page's form posted from another
//! browser or another site carries no matching cookie and is refused (CSRF, login CSRF).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The cookie binding a page to its browser.
pub const BROWSER_COOKIE: &str = "bms_mcp_oauth";
/// Binds signatures to this use, so no other HMAC of the same key verifies as one.
const CONTEXT: &[u8] = b"bms-mcp oauth pending v1\n";

/// A checked authorization request (RFC 6749 §4.1.1 with PKCE and RFC 8707).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthRequest {
    pub client_id: String,
    /// Exactly as registered.
    pub redirect_uri: String,
    /// BASE64URL(SHA-256(code_verifier)).
    pub code_challenge: String,
    /// The MCP server the `resource` named.
    pub server_id: String,
    /// Returned to the client untouched.
    pub state: Option<String>,
}

/// A request between pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub request: AuthRequest,
    /// Set once the person has signed in: (user id, user name).
    pub user: Option<(String, String)>,
    /// Unix second from which the page is refused.
    pub expires_at: i64,
    /// The value of the browser cookie this page was served with.
    pub browser: String,
    /// Set while the person signs in at the OpenID Connect provider: the seed of that
    /// sign-in's PKCE verifier and nonce (`oidc::FlowSecrets`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oidc_seed: Option<String>,
}

/// Why a posted page's state was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PendingError {
    #[error("this sign-in page is not one bms-mcp served; start again from your client")]
    Forged,
    #[error("this sign-in page has expired; start again from your client")]
    Expired,
    #[error(
        "this sign-in page was opened in another browser or its cookie was blocked; allow cookies for this site and start again from your client"
    )]
    OtherBrowser,
}

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8; 32], payload: &str) -> HmacSha256 {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(CONTEXT);
    mac.update(payload.as_bytes());
    mac
}

impl Pending {
    /// The signed form value.
    pub fn seal(&self, key: &[u8; 32]) -> String {
        let json = serde_json::to_string(self)
            .unwrap_or_else(|_| unreachable!("strings and numbers always serialise"));
        let payload = URL_SAFE_NO_PAD.encode(json);
        let tag = URL_SAFE_NO_PAD.encode(mac(key, &payload).finalize().into_bytes());
        format!("{payload}.{tag}")
    }

    /// The state a posted form value holds, if bms-mcp signed it, it is still open at `now`
    /// and it was served to the browser holding `cookie`.
    pub fn open(
        key: &[u8; 32],
        value: &str,
        now: i64,
        cookie: Option<&str>,
    ) -> Result<Pending, PendingError> {
        let (payload, tag) = value.split_once('.').ok_or(PendingError::Forged)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| PendingError::Forged)?;
        // `verify_slice` compares in constant time.
        mac(key, payload)
            .verify_slice(&tag)
            .map_err(|_| PendingError::Forged)?;
        let json = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| PendingError::Forged)?;
        let pending: Pending = serde_json::from_slice(&json).map_err(|_| PendingError::Forged)?;
        if now >= pending.expires_at {
            return Err(PendingError::Expired);
        }
        let same_browser = cookie.is_some_and(|c| {
            use subtle::ConstantTimeEq;
            bool::from(c.as_bytes().ct_eq(pending.browser.as_bytes()))
        });
        if !same_browser {
            return Err(PendingError::OtherBrowser);
        }
        Ok(pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending() -> Pending {
        Pending {
            request: AuthRequest {
                client_id: "c".into(),
                redirect_uri: "http://127.0.0.1:9/cb".into(),
                code_challenge: "x".repeat(43),
                server_id: "s".into(),
                state: Some("st".into()),
            },
            user: None,
            expires_at: 100,
            browser: "b".into(),
            oidc_seed: None,
        }
    }

    #[test]
    fn a_sealed_page_opens_in_its_browser_until_it_expires() {
        let sealed = pending().seal(&[1; 32]);
        assert_eq!(
            Pending::open(&[1; 32], &sealed, 99, Some("b")),
            Ok(pending())
        );
        assert_eq!(
            Pending::open(&[1; 32], &sealed, 100, Some("b")),
            Err(PendingError::Expired)
        );
        assert_eq!(
            Pending::open(&[1; 32], &sealed, 99, Some("other")),
            Err(PendingError::OtherBrowser)
        );
        assert_eq!(
            Pending::open(&[1; 32], &sealed, 99, None),
            Err(PendingError::OtherBrowser)
        );
    }

    #[test]
    fn a_changed_or_foreign_page_is_forged() {
        let sealed = pending().seal(&[1; 32]);
        assert_eq!(
            Pending::open(&[2; 32], &sealed, 99, Some("b")),
            Err(PendingError::Forged)
        );
        let mut signed_in = pending();
        signed_in.user = Some(("u".into(), "mallory".into()));
        let (_, tag) = sealed.split_once('.').unwrap();
        let (payload, _) = signed_in
            .seal(&[2; 32])
            .split_once('.')
            .map(|(p, t)| (p.to_owned(), t.to_owned()))
            .unwrap();
        assert_eq!(
            Pending::open(&[1; 32], &format!("{payload}.{tag}"), 99, Some("b")),
            Err(PendingError::Forged)
        );
    }
}
