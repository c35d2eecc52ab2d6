//! `POST /oauth/register`: Dynamic Client Registration (RFC 7591), open as the MCP
//! specification expects, so connectors can register themselves. Clients are public: they
//! get a `client_id` and no secret (`token_endpoint_auth_method: none`, which RFC 7591 §3.2.1
//! lets us substitute for whatever was asked). Redirect URIs are checked here and later
//! compared exactly.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::OAuthState;
use super::errors::{OAuthError, no_store_json};

/// Redirect URIs per client at most.
const MAX_REDIRECT_URIS: usize = 10;
/// Bytes per redirect URI at most.
const MAX_REDIRECT_URI_BYTES: usize = 2000;

/// The registration request fields we read; others (logo_uri, contacts, …) are ignored.
#[derive(Deserialize)]
struct Registration {
    redirect_uris: Option<Vec<String>>,
    client_name: Option<String>,
    grant_types: Option<Vec<String>>,
    response_types: Option<Vec<String>>,
}

/// `POST /oauth/register`.
pub async fn register(
    State(state): State<OAuthState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match registered(&state, &headers, &body).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn registered(
    state: &OAuthState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, OAuthError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(OAuthError::invalid_client_metadata(
            "send the client metadata as application/json",
        ));
    }
    let registration: Registration = serde_json::from_slice(body).map_err(|e| {
        OAuthError::invalid_client_metadata(format!("the client metadata is not valid: {e}"))
    })?;
    let uris = registration.redirect_uris.unwrap_or_default();
    if uris.is_empty() || uris.len() > MAX_REDIRECT_URIS {
        return Err(OAuthError::invalid_redirect_uri(format!(
            "give 1 to {MAX_REDIRECT_URIS} redirect_uris"
        )));
    }
    for uri in &uris {
        check_redirect_uri(uri)?;
    }
    let allowed = |list: &Option<Vec<String>>, offered: &[&str]| {
        list.as_ref()
            .is_none_or(|list| list.iter().all(|v| offered.contains(&v.as_str())))
    };
    if !allowed(
        &registration.grant_types,
        &["authorization_code", "refresh_token"],
    ) {
        return Err(OAuthError::invalid_client_metadata(
            "grant_types may only be authorization_code and refresh_token",
        ));
    }
    if !allowed(&registration.response_types, &["code"]) {
        return Err(OAuthError::invalid_client_metadata(
            "response_types may only be code",
        ));
    }
    let name = registration
        .client_name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "an unnamed client".to_owned());
    if let Err(invalid) = crate::store::check_line("client_name", &name, 200) {
        return Err(OAuthError::invalid_client_metadata(invalid.to_string()));
    }
    let client = state
        .gate
        .directory
        .store()
        .create_oauth_client(&name, uris)
        .await?;
    let body = serde_json::json!({
        "client_id": client.id,
        "client_id_issued_at": client.created_at,
        "client_name": client.name,
        "redirect_uris": client.redirect_uris,
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
    });
    Ok((StatusCode::CREATED, no_store_json(), body.to_string()).into_response())
}

/// A redirect URI we accept: absolute, no fragment; `https`, `http` only to a loopback host
/// (RFC 8252 §7.3, native apps), or a private-use scheme such as `cursor:` (RFC 8252 §7.1).
/// Schemes a browser would run or read locally are refused.
pub fn check_redirect_uri(uri: &str) -> Result<(), OAuthError> {
    if uri.len() > MAX_REDIRECT_URI_BYTES {
        return Err(OAuthError::invalid_redirect_uri(format!(
            "a redirect URI is longer than {MAX_REDIRECT_URI_BYTES} bytes"
        )));
    }
    let url = reqwest::Url::parse(uri)
        .map_err(|_| OAuthError::invalid_redirect_uri(format!("`{uri}` is not an absolute URI")))?;
    if url.fragment().is_some() {
        return Err(OAuthError::invalid_redirect_uri(format!(
            "`{uri}` has a fragment, which redirect URIs must not have"
        )));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" => {
            let host = url.host_str().unwrap_or_default();
            let loopback = host == "localhost"
                || host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if loopback {
                Ok(())
            } else {
                Err(OAuthError::invalid_redirect_uri(format!(
                    "`{uri}` is plain http to a host other than loopback; use https"
                )))
            }
        }
        "javascript" | "data" | "file" | "vbscript" | "blob" | "about" | "ftp" | "ws" | "wss" => {
            Err(OAuthError::invalid_redirect_uri(format!(
                "`{uri}` uses a scheme that cannot receive a code"
            )))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_are_https_loopback_http_or_private_use() {
        for good in [
            "https://claude.ai/api/mcp/auth_callback",
            "https://chatgpt.com/connector_platform_oauth_redirect",
            "http://127.0.0.1:33418/callback",
            "http://localhost:6274/oauth/callback",
            "http://[::1]:9/cb",
            "cursor://anysphere.cursor-retrieval/oauth/user-bms/callback",
        ] {
            assert!(check_redirect_uri(good).is_ok(), "{good}");
        }
        for bad in [
            "http://evil.example/cb",
            "https://claude.ai/cb#frag",
            "javascript:alert(1)",
            "data:text/html,hi",
            "/relative/cb",
        ] {
            assert_eq!(
                check_redirect_uri(bad).unwrap_err().code,
                "invalid_redirect_uri",
                "{bad}"
            );
        }
    }
}
