//! `POST /oauth/token`: the token endpoint. `authorization_code` (PKCE S256, the exact
//! redirect URI, the `resource` the code was issued for) and `refresh_token` (rotated: each
//! refresh token is good once, and a second use revokes its grant). Clients are public
//! (`token_endpoint_auth_method: none`): a code is bound to its client by `client_id` and to
//! the browser that consented by PKCE.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::OAuthState;
use super::errors::{OAuthError, form_parameters, no_store_json, required};
use super::{SCOPE, authorize::is_pkce_value};
use crate::console::form::FormFields;
use crate::store::servers::oauth_url;
use crate::store::{Grant, Redemption, unix_now};

/// `POST /oauth/token`.
pub async fn exchange(
    State(state): State<OAuthState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = async {
        let fields = form_parameters(&headers, &body)?;
        let grant_type = required(&fields, "grant_type")?;
        let basic = basic_client_id(&headers);
        let client_id = match (fields.get("client_id").filter(|v| !v.is_empty()), &basic) {
            (Some(id), _) => id.to_owned(),
            (None, Some(id)) => id.clone(),
            (None, None) if matches!(grant_type, "authorization_code" | "refresh_token") => {
                required(&fields, "client_id")?.to_owned()
            }
            (None, None) => String::new(),
        };
        match grant_type {
            "authorization_code" => redeem_code(&state, &fields, &client_id).await,
            "refresh_token" => refresh(&state, &fields, &client_id).await,
            other => Err(OAuthError::unsupported_grant_type(format!(
                "grant_type `{other}` is not offered; use authorization_code or refresh_token"
            ))),
        }
    };
    match answer.await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn redeem_code(
    state: &OAuthState,
    fields: &FormFields,
    client_id: &str,
) -> Result<Response, OAuthError> {
    let code = required(fields, "code")?;
    let redirect_uri = required(fields, "redirect_uri")?;
    let verifier = required(fields, "code_verifier")?;
    let resource = required(fields, "resource")?;
    let store = state.gate.directory.store();
    let redeemed = match store.redeem_code(code).await? {
        Redemption::Fresh(redeemed) => redeemed,
        Redemption::Replayed => {
            return Err(OAuthError::invalid_grant(
                "this code was already used; the grant it came from is revoked. Sign in again",
            ));
        }
        Redemption::Unknown => {
            return Err(OAuthError::invalid_grant(
                "unknown code, or its grant was revoked",
            ));
        }
    };
    // The code is spent from here on, whichever check below fails.
    if redeemed.grant.client_id != client_id {
        return Err(OAuthError::invalid_grant(
            "this code was issued to another client",
        ));
    }
    if unix_now() >= redeemed.expires_at {
        return Err(OAuthError::invalid_grant(
            "this code has expired; sign in again",
        ));
    }
    if redeemed.redirect_uri != redirect_uri {
        return Err(OAuthError::invalid_grant(
            "redirect_uri differs from the authorization request's",
        ));
    }
    if !pkce_matches(verifier, &redeemed.code_challenge) {
        return Err(OAuthError::invalid_grant(
            "code_verifier does not match the code_challenge (PKCE S256)",
        ));
    }
    check_resource(state, &redeemed.grant, resource)?;
    issue(state, &redeemed.grant).await
}

async fn refresh(
    state: &OAuthState,
    fields: &FormFields,
    client_id: &str,
) -> Result<Response, OAuthError> {
    let token = required(fields, "refresh_token")?;
    let store = state.gate.directory.store();
    let grant = match store.redeem_refresh_token(token, unix_now()).await? {
        Redemption::Fresh(grant) => grant,
        Redemption::Replayed => {
            return Err(OAuthError::invalid_grant(
                "this refresh token was already used; every token of its grant is revoked. Sign in again",
            ));
        }
        Redemption::Unknown => {
            return Err(OAuthError::invalid_grant(
                "unknown or expired refresh token, or its grant was revoked; sign in again",
            ));
        }
    };
    if grant.client_id != client_id {
        // Another client holds this client's refresh token: nobody keeps the grant.
        store.revoke_grant(&grant.id).await?;
        return Err(OAuthError::invalid_grant(
            "this refresh token was issued to another client; its grant is revoked",
        ));
    }
    if let Some(resource) = fields.get("resource") {
        check_resource(state, &grant, resource)?;
    }
    issue(state, &grant).await
}

/// The client id of an `Authorization: Basic` header (RFC 6749 §2.3.1), which some clients
/// send even when registered without a secret. Clients are public, so any secret in it is
/// ignored: the code is bound by PKCE, not by a secret.
fn basic_client_id(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, _secret) = text.split_once(':')?;
    let id = percent_encoding::percent_decode_str(id)
        .decode_utf8()
        .ok()?
        .into_owned();
    (!id.is_empty()).then_some(id)
}

/// RFC 8707: the token is for the grant's MCP server and nothing else.
fn check_resource(state: &OAuthState, grant: &Grant, resource: &str) -> Result<(), OAuthError> {
    let expected = oauth_url(&state.gate.public_url, &grant.mcp_server_id);
    if resource == expected {
        Ok(())
    } else {
        Err(OAuthError::invalid_target(format!(
            "resource must be {expected}, the MCP server this grant is for"
        )))
    }
}

/// RFC 7636 §4.6: BASE64URL(SHA-256(verifier)) equals the challenge.
fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    if !is_pkce_value(verifier) {
        return false;
    }
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    bool::from(computed.as_bytes().ct_eq(challenge.as_bytes()))
}

async fn issue(state: &OAuthState, grant: &Grant) -> Result<Response, OAuthError> {
    let lifetimes = state.oauth.lifetimes;
    let now = unix_now();
    let pair = state
        .gate
        .directory
        .store()
        .issue_tokens(&grant.id, now + lifetimes.access, now + lifetimes.refresh)
        .await?;
    let body = serde_json::json!({
        "access_token": pair.access_token,
        "token_type": "Bearer",
        "expires_in": pair.access_expires_at - now,
        "refresh_token": pair.refresh_token,
        "scope": SCOPE,
    });
    Ok((no_store_json(), body.to_string()).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_basic_header_names_the_client_and_its_secret_is_ignored() {
        let mut headers = HeaderMap::new();
        let encoded = STANDARD.encode("client%3Aone:whatever");
        headers.insert(
            header::AUTHORIZATION,
            format!("Basic {encoded}").parse().unwrap(),
        );
        assert_eq!(basic_client_id(&headers).as_deref(), Some("client:one"));
        headers.insert(header::AUTHORIZATION, "Bearer x".parse().unwrap());
        assert_eq!(basic_client_id(&headers), None);
        headers.insert(header::AUTHORIZATION, "Basic !!!".parse().unwrap());
        assert_eq!(basic_client_id(&headers), None);
    }

    #[test]
    fn the_rfc_7636_example_verifier_matches_its_challenge() {
        // RFC 7636 Appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"
        ));
        assert!(!pkce_matches("short", challenge));
    }
}
