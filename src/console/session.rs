//! Console sessions. Signing in with an admin API token records a session in the store and
//! sets one cookie holding the session id, the token, a CSRF token and an expiry, sealed
//! (XChaCha20-Poly1305, so signed and unreadable) with the store's data key under its own
//! associated data: every replica sharing the store accepts it, and it survives restarts.
//! Each request opens it, looks the admin token up again (cached like the admin API's bearer
//! tokens) and checks the session is still recorded, so revoking the token ends its sessions
//! and signing out ends that one, even for a copy of the cookie taken before.
//!
//! The cookie is `HttpOnly`, `SameSite=Strict`, scoped to `/admin`, and `Secure` when the
//! public URL is https. Every POST carries the session's CSRF token in a form field
//! (`Posted`); the sign-in form, which has no session yet, uses a double-submit cookie.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use subtle::ConstantTimeEq;

use super::errors::ConsoleError;
use super::form::FormFields;
use crate::access::Gate;
use crate::store::{Actor, AdminToken, Store, unix_now};

/// The session cookie.
pub const SESSION_COOKIE: &str = "bms_mcp_console";
/// The sign-in form's CSRF cookie (double submit: the form field must match it).
pub const SIGN_IN_COOKIE: &str = "bms_mcp_console_sign_in";
/// The form field every POST carries its CSRF token in.
pub const CSRF_FIELD: &str = "csrf";
/// How long a session lasts, in seconds, whatever happens in it.
pub const SESSION_SECONDS: i64 = 12 * 3600;
/// Binds sealed cookies to this use, so no other sealed value of the store opens as one.
/// (v2: the cookie names a session recorded in the store; v1 cookies no longer open.)
const SEAL_CONTEXT: &str = "admin console session v2";

/// A signed-in admin: the admin token the session holds (looked up afresh) and its CSRF token.
pub struct Session {
    pub admin: AdminToken,
    pub csrf: String,
    /// The id of the session's row in the store, which sign-out deletes.
    pub id: String,
}

/// What a sealed session cookie holds.
#[derive(Debug, PartialEq, Eq)]
pub struct Sealed {
    pub session_id: String,
    pub admin_token: String,
    pub csrf: String,
}

impl Session {
    /// The audit log's "who".
    pub fn actor(&self) -> Actor {
        Actor::from(&self.admin)
    }
}

/// A new random token for CSRF fields.
pub fn new_csrf_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// A new random session id.
pub fn new_session_id() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// The sealed cookie value for a session; it expires `SESSION_SECONDS` after `now`.
pub fn seal(store: &Store, session: &Sealed, now: i64) -> String {
    let expires = now + SESSION_SECONDS;
    store.secrets().seal(
        &format!(
            "{expires}\n{}\n{}\n{}",
            session.csrf, session.session_id, session.admin_token
        ),
        SEAL_CONTEXT,
    )
}

/// What a sealed cookie that opens and has not expired holds.
pub fn open(store: &Store, sealed: &str, now: i64) -> Option<Sealed> {
    let plain = store.secrets().open(sealed, SEAL_CONTEXT).ok()?;
    let mut lines = plain.splitn(4, '\n');
    let expires: i64 = lines.next()?.parse().ok()?;
    let csrf = lines.next()?.to_owned();
    let session_id = lines.next()?.to_owned();
    let admin_token = lines.next()?.to_owned();
    (now < expires).then_some(Sealed {
        session_id,
        admin_token,
        csrf,
    })
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` value for the console: `HttpOnly`, `SameSite=Strict`, path `/admin`,
/// `Secure` on https. `max_age` 0 deletes the cookie.
pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!(
        "{name}={value}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Whether cookies must be `Secure`: the console is reached over https.
pub fn secure_cookies(state: &Gate) -> bool {
    state.public_url.starts_with("https://")
}

/// Constant-time comparison of CSRF tokens.
pub fn same_token(given: &str, expected: &str) -> bool {
    !expected.is_empty() && bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

impl FromRequestParts<Arc<Gate>> for Session {
    type Rejection = ConsoleError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<Gate>,
    ) -> Result<Self, Self::Rejection> {
        let sealed = cookie(&parts.headers, SESSION_COOKIE).ok_or(ConsoleError::SignIn)?;
        let store = state.directory.store();
        let opened = open(store, sealed, unix_now()).ok_or(ConsoleError::SignIn)?;
        let Some(admin) = state.directory.admin_token(&opened.admin_token).await? else {
            return Err(ConsoleError::SignIn);
        };
        if !store
            .console_session_is_live(&opened.session_id, &admin.id)
            .await?
        {
            return Err(ConsoleError::SignIn);
        }
        Ok(Session {
            admin,
            csrf: opened.csrf,
            id: opened.session_id,
        })
    }
}

/// A POSTed form from a signed-in admin whose CSRF field matches the session. Handlers that
/// change anything take this, so none can skip the check.
pub struct Posted {
    pub session: Session,
    pub form: FormFields,
}

impl FromRequest<Arc<Gate>> for Posted {
    type Rejection = ConsoleError;

    async fn from_request(request: Request, state: &Arc<Gate>) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let session = Session::from_request_parts(&mut parts, state).await?;
        let request = Request::from_parts(parts, body);
        let form = read_form(request, state).await?;
        if !same_token(form.get(CSRF_FIELD).unwrap_or_default(), &session.csrf) {
            return Err(ConsoleError::Csrf);
        }
        Ok(Posted { session, form })
    }
}

/// The sign-in form: no session yet, so its CSRF field must match the sign-in cookie.
pub struct SignInPosted {
    pub form: FormFields,
}

impl FromRequest<Arc<Gate>> for SignInPosted {
    type Rejection = ConsoleError;

    async fn from_request(request: Request, state: &Arc<Gate>) -> Result<Self, Self::Rejection> {
        let expected = cookie(request.headers(), SIGN_IN_COOKIE)
            .unwrap_or_default()
            .to_owned();
        let form = read_form(request, state).await?;
        if !same_token(form.get(CSRF_FIELD).unwrap_or_default(), &expected) {
            return Err(ConsoleError::Csrf);
        }
        Ok(SignInPosted { form })
    }
}

/// An `application/x-www-form-urlencoded` body, read within the server's body limit.
async fn read_form(request: Request, state: &Gate) -> Result<FormFields, ConsoleError> {
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(ConsoleError::BadForm(
            "send the form as application/x-www-form-urlencoded".into(),
        ));
    }
    let bytes = Bytes::from_request(request, state)
        .await
        .map_err(|rejection| ConsoleError::BadForm(rejection.body_text()))?;
    Ok(FormFields::parse(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; bms_mcp_console_sign_in=x; bms_mcp_console=y"
                .parse()
                .unwrap(),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("y"));
        assert_eq!(cookie(&headers, SIGN_IN_COOKIE), Some("x"));
        assert_eq!(cookie(&headers, "b"), None);
    }

    #[test]
    fn session_cookies_are_strict_http_only_and_secure_on_https() {
        let plain = set_cookie(SESSION_COOKIE, "v", 60, false);
        assert_eq!(
            plain.to_str().unwrap(),
            "bms_mcp_console=v; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=60"
        );
        let secure = set_cookie(SESSION_COOKIE, "v", 60, true);
        assert!(secure.to_str().unwrap().ends_with("; Secure"));
    }

    #[test]
    fn csrf_tokens_compare_exactly_and_never_match_empty() {
        let token = new_csrf_token();
        assert!(same_token(&token, &token));
        assert!(!same_token("", ""));
        assert!(!same_token(&token[1..], &token));
    }
}
