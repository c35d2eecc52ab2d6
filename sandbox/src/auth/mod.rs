//! BMS authentication: `POST /v2/security/authenticate` and `/refreshtoken` issue bearer tokens;
//! every other operation checks one.
//!
//! Tokens look like JWTs (three base64url parts, with `exp` in the payload) because live BMS
//! issues JWTs, but the sandbox only ever looks them up in its own table.

pub mod totp;

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::clock;
use crate::wire::{ApiError, ErrorCode};

/// How long a refresh token lives, whatever the access-token TTL.
const REFRESH_TTL_SECONDS: i64 = 7 * 24 * 3600;

/// The API user the sandbox accepts.
#[derive(Clone, PartialEq, Eq)]
pub struct SandboxCredentials {
    pub username: String,
    pub password: String,
    /// BMS's `Tenant` form field: the company name.
    pub tenant: String,
    /// Base32 TOTP secret when MFA is on.
    pub totp_secret: Option<String>,
}

impl std::fmt::Debug for SandboxCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("tenant", &self.tenant)
            .field(
                "totp_secret",
                &self.totp_secret.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// What the access check learned about a caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub username: String,
}

struct Session {
    username: String,
    access_expires_ms: i64,
    refresh_token: String,
    refresh_expires_ms: i64,
}

/// Issued tokens. Survives `/_sandbox/reset` so a test's login stays valid across resets.
pub struct TokenStore {
    sessions: Mutex<HashMap<String, Session>>,
    ttl_seconds: i64,
}

/// A form post's fields, names lower-cased (ASP.NET binds form names case-insensitively).
pub type FormFields = HashMap<String, String>;

impl TokenStore {
    /// An empty store issuing access tokens valid for `ttl_seconds`.
    pub fn new(ttl_seconds: u64) -> TokenStore {
        TokenStore {
            sessions: Mutex::new(HashMap::new()),
            ttl_seconds: i64::try_from(ttl_seconds).unwrap_or(i64::MAX / 2000),
        }
    }

    /// `POST /v2/security/authenticate`: the password grant, with TOTP when configured.
    pub fn authenticate(
        &self,
        form: &FormFields,
        expected: &SandboxCredentials,
        totp_secret: Option<&[u8]>,
    ) -> Result<Value, ApiError> {
        let field = |name: &str| form.get(name).map(|s| s.trim()).filter(|s| !s.is_empty());
        let Some(grant) = field("granttype") else {
            return Err(ApiError::invalid("The GrantType field is required."));
        };
        if !grant.eq_ignore_ascii_case("password") {
            return Err(ApiError::invalid(format!(
                "GrantType '{grant}' is not supported here; use GrantType=password with UserName, Password and Tenant."
            )));
        }
        let user_ok = field("username").is_some_and(|u| u.eq_ignore_ascii_case(&expected.username));
        let password_ok = form
            .get("password")
            .is_some_and(|p| *p == expected.password);
        let tenant_ok = field("tenant").is_some_and(|t| t.eq_ignore_ascii_case(&expected.tenant));
        if !(user_ok && password_ok && tenant_ok) {
            return Err(ApiError::auth(
                ErrorCode::InvalidCredentials,
                "Invalid user name, password or tenant.",
            ));
        }
        if let Some(secret) = totp_secret {
            let Some(code) = field("mfacode") else {
                return Err(ApiError::auth(
                    ErrorCode::MfaRequired,
                    "Multi-factor authentication is required for this user; send the current authenticator code as MFACode.",
                ));
            };
            if !totp::verify(secret, code, clock::now_unix()) {
                return Err(ApiError::auth(
                    ErrorCode::MfaInvalid,
                    "The MFA code is invalid or has expired.",
                ));
            }
        }
        Ok(self.issue(&expected.username))
    }

    /// `POST /v2/security/refreshtoken`: a new pair for a known pair; the old pair stops working.
    pub fn refresh(&self, form: &FormFields) -> Result<Value, ApiError> {
        let field = |name: &str| form.get(name).map(|s| s.trim()).filter(|s| !s.is_empty());
        let Some(access) = field("accesstoken") else {
            return Err(ApiError::invalid("The AccessToken field is required."));
        };
        let refused = || {
            ApiError::auth(
                ErrorCode::RefreshInvalid,
                "The refresh token is invalid or has expired; authenticate again.",
            )
        };
        let username = {
            let mut sessions = self.lock();
            let session = sessions.get(access).ok_or_else(refused)?;
            let matches = field("refreshtoken").is_some_and(|r| r == session.refresh_token);
            if !matches || session.refresh_expires_ms <= clock::now_unix_millis() {
                return Err(refused());
            }
            let username = session.username.clone();
            sessions.remove(access);
            username
        };
        Ok(self.issue(&username))
    }

    /// Checks an `Authorization` header value.
    pub fn check(&self, authorization: Option<&str>) -> Result<Caller, ApiError> {
        let token = authorization
            .and_then(|h| {
                let (scheme, token) = h.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then_some(token.trim())
            })
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "Authorization has been denied for this request: send Authorization: Bearer <accessToken>.",
                )
            })?;
        let sessions = self.lock();
        let session = sessions.get(token).ok_or_else(|| {
            ApiError::unauthorized(
                "Authorization has been denied for this request: unknown access token.",
            )
        })?;
        if session.access_expires_ms <= clock::now_unix_millis() {
            return Err(ApiError::token_expired());
        }
        Ok(Caller {
            username: session.username.clone(),
        })
    }

    fn issue(&self, username: &str) -> Value {
        let now_ms = clock::now_unix_millis();
        let access_expires_ms = now_ms.saturating_add(self.ttl_seconds.saturating_mul(1000));
        let refresh_expires_ms = now_ms + REFRESH_TTL_SECONDS * 1000;
        let access = jwt_like(username, access_expires_ms / 1000);
        let refresh = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        self.lock().insert(
            access.clone(),
            Session {
                username: username.to_owned(),
                access_expires_ms,
                refresh_token: refresh.clone(),
                refresh_expires_ms,
            },
        );
        json!({
            "accessToken": access,
            "refreshToken": refresh,
            "accessTokenExpireOn": clock::format_iso(access_expires_ms / 1000),
            "refreshTokenExpireOn": clock::format_iso(refresh_expires_ms / 1000),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        // A panic while holding the lock leaves the map consistent (single inserts/removes).
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `header.payload.signature`, base64url, with a random id so every token is unique.
fn jwt_like(username: &str, exp: i64) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = json!({
        "sub": username,
        "exp": exp,
        "iss": "bms-mcp-sandbox",
        "jti": URL_SAFE_NO_PAD.encode(rand::random::<[u8; 12]>()),
    });
    let payload = URL_SAFE_NO_PAD.encode(payload.to_string());
    let signature = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    format!("{header}.{payload}.{signature}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials() -> SandboxCredentials {
        SandboxCredentials {
            username: "u@example.com".into(),
            password: "pw".into(),
            tenant: "T".into(),
            totp_secret: None,
        }
    }

    fn form(pairs: &[(&str, &str)]) -> FormFields {
        pairs
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn issued_tokens_pass_the_check_and_refresh_rotates_them() {
        let store = TokenStore::new(60);
        let login = form(&[
            ("GrantType", "password"),
            ("UserName", "u@example.com"),
            ("Password", "pw"),
            ("Tenant", "t"),
        ]);
        let tokens = store
            .authenticate(&login, &credentials(), None)
            .expect("valid login");
        let access = tokens["accessToken"].as_str().expect("string").to_owned();
        assert!(store.check(Some(&format!("Bearer {access}"))).is_ok());
        let refresh = tokens["refreshToken"].as_str().expect("string");
        let renewed = store
            .refresh(&form(&[
                ("AccessToken", &access),
                ("RefreshToken", refresh),
            ]))
            .expect("refresh works");
        assert_ne!(renewed["accessToken"], tokens["accessToken"]);
        assert!(store.check(Some(&format!("Bearer {access}"))).is_err());
    }

    #[test]
    fn a_zero_ttl_token_is_expired_with_code_978001() {
        let store = TokenStore::new(0);
        let login = form(&[
            ("GrantType", "password"),
            ("UserName", "u@example.com"),
            ("Password", "pw"),
            ("Tenant", "T"),
        ]);
        let tokens = store
            .authenticate(&login, &credentials(), None)
            .expect("valid login");
        let header = format!("Bearer {}", tokens["accessToken"].as_str().expect("string"));
        let err = store.check(Some(&header)).expect_err("expired");
        assert_eq!(err.code, ErrorCode::TokenExpired);
    }
}
