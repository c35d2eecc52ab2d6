//! `/oauth/authorize`: the authorization endpoint. GET checks the request and shows the
//! sign-in page; POST signs the person in (then shows consent) or records their answer and
//! redirects back to the client with a code, `state` and `iss` (RFC 9207).
//!
//! Until the client and its redirect URI are known to match, problems are shown as a page;
//! after that they go back to the client as `error=` redirects (RFC 6749 §4.1.2.1).

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::OAuthState;
use super::client_metadata::{fetch, is_document_url};
use super::metadata::Endpoints;
use super::pages::{self, ConsentFacts};
use super::pending::{AuthRequest, BROWSER_COOKIE, Pending};
use crate::console::form::FormFields;
use crate::console::session::cookie;
use crate::console::tools::scope_counts;
use crate::store::{McpAuth, OAuthClient, unix_now};

/// The longest `state` we carry back (it rides in a signed form field and a URL).
const MAX_STATE_BYTES: usize = 1024;

/// A problem with a request and where to report it.
pub(crate) enum Refusal {
    /// Shown as a page: the client cannot be trusted with a redirect.
    Page(String),
    /// Sent back to the client's redirect URI.
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        code: &'static str,
        description: String,
    },
}

/// `GET /oauth/authorize?…`.
pub async fn start(State(state): State<OAuthState>, RawQuery(query): RawQuery) -> Response {
    let fields = FormFields::parse(query.unwrap_or_default().as_bytes());
    match check_request(&state, &fields).await {
        Ok((request, client)) => {
            let browser = crate::console::session::new_csrf_token();
            let pending = Pending {
                request,
                user: None,
                expires_at: unix_now() + state.oauth.lifetimes.page,
                browser: browser.clone(),
                oidc_seed: None,
            };
            let mut response = pages::sign_in(
                &client.name,
                &pending.seal(state.oauth.key()),
                None,
                state.oauth.oidc.as_ref(),
            );
            set_browser_cookie(&state, &mut response, &browser);
            response
        }
        Err(refusal) => refuse(&state, refusal),
    }
}

/// `POST /oauth/authorize`: `action` is `sign_in` (with `username`, `password`), `allow`
/// or `deny`; `pending` is the page's signed state.
pub async fn submit(State(state): State<OAuthState>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = FormFields::parse(&body);
    let sealed = fields.get("pending").unwrap_or_default();
    let browser = cookie(&headers, BROWSER_COOKIE);
    let pending = match Pending::open(state.oauth.key(), sealed, unix_now(), browser) {
        Ok(pending) => pending,
        Err(error) => return pages::problem(&error.to_string()),
    };
    // The client may have been removed, or its redirect URIs changed, since the page opened.
    let client = match registered_client(&state, &pending.request, Lookup::Stored).await {
        Ok(client) => client,
        Err(refusal) => return refuse(&state, refusal),
    };
    match (fields.get("action"), &pending.user) {
        (Some("sign_in"), _) => sign_in(&state, &fields, pending, &client).await,
        (Some("oidc"), None) => match state.oauth.oidc.as_ref() {
            Some(provider) => super::oidc::flow::redirect_to_provider(&state, provider, pending),
            None => {
                pages::problem("sign-in with an OpenID Connect provider is not configured here")
            }
        },
        (Some("allow"), Some(user)) => allow(&state, &pending.request, &user.0).await,
        (Some("deny"), Some(_)) => refuse(
            &state,
            Refusal::Redirect {
                redirect_uri: pending.request.redirect_uri.clone(),
                state: pending.request.state.clone(),
                code: "access_denied",
                description: "the person declined".into(),
            },
        ),
        _ => pages::problem("this form was not sent from a bms-mcp sign-in page; start again"),
    }
}

async fn sign_in(
    state: &OAuthState,
    fields: &FormFields,
    pending: Pending,
    client: &OAuthClient,
) -> Response {
    let store = state.gate.directory.store();
    let username = fields.get("username").unwrap_or_default().trim();
    let password = fields.get("password").unwrap_or_default();
    let now = unix_now();
    if let Some(until) = state.oauth.throttle.held_until(username, now) {
        let minutes = (until - now + 59) / 60;
        let page = pages::sign_in(
            &client.name,
            &pending.seal(state.oauth.key()),
            Some(&format!(
                "Too many failed sign-ins for this user name. Try again in {minutes} minute(s), or ask your administrator."
            )),
            state.oauth.oidc.as_ref(),
        );
        return (StatusCode::TOO_MANY_REQUESTS, page).into_response();
    }
    let user = match store.check_password(username, password).await {
        Ok(Some(user)) => {
            state.oauth.throttle.succeeded(username);
            user
        }
        Ok(None) => {
            state.oauth.throttle.failed(username, now);
            let again = pending.seal(state.oauth.key());
            let page = pages::sign_in(
                &client.name,
                &again,
                Some("That user name and password do not match a bms-mcp user."),
                state.oauth.oidc.as_ref(),
            );
            return (StatusCode::UNAUTHORIZED, page).into_response();
        }
        Err(error) => return unavailable(error),
    };
    consent_for(state, pending, client, (user.id, user.username)).await
}

/// The consent page for a person who has signed in, locally or at the OpenID Connect
/// provider: `user` is (user id, the name the page shows).
pub(crate) async fn consent_for(
    state: &OAuthState,
    mut pending: Pending,
    client: &OAuthClient,
    user: (String, String),
) -> Response {
    let store = state.gate.directory.store();
    let found = store.mcp_server_by_id(&pending.request.server_id).await;
    let server = match found {
        Ok(Some((server, _))) if server.config.auth == McpAuth::OAuth => server,
        Ok(_) => return pages::problem("this MCP server no longer exists"),
        Err(error) => return unavailable(error),
    };
    let account = match store.account(&server.account_id).await {
        Ok(Some(account)) => account,
        Ok(None) => return pages::problem("this MCP server's integrated account no longer exists"),
        Err(error) => return unavailable(error),
    };
    pending.user = Some(user);
    pending.expires_at = unix_now() + state.oauth.lifetimes.page;
    let config = &server.config;
    let facts = ConsentFacts {
        client_name: &client.name,
        redirect_uri: &pending.request.redirect_uri,
        username: pending.user.as_ref().map_or("", |(_, name)| name.as_str()),
        account_name: &account.name,
        server_name: &server.name,
        methods: &config.methods,
        tags: &config.tags,
        tools: scope_counts(&config.methods, &config.tags).total,
    };
    pages::consent(&facts, &pending.seal(state.oauth.key()))
}

/// Records the grant, issues a code and sends the browser back to the client.
async fn allow(state: &OAuthState, request: &AuthRequest, user_id: &str) -> Response {
    let store = state.gate.directory.store();
    let issued = async {
        let grant = store
            .create_grant(user_id, &request.client_id, &request.server_id)
            .await?;
        let expires_at = unix_now() + state.oauth.lifetimes.code;
        store
            .issue_code(
                &grant,
                &request.redirect_uri,
                &request.code_challenge,
                expires_at,
            )
            .await
    };
    match issued.await {
        Ok(code) => redirect(
            state,
            &request.redirect_uri,
            request.state.as_deref(),
            &[("code", &code)],
        ),
        Err(error) => unavailable(error),
    }
}

/// Checks a GET's parameters; the request to carry and its client.
async fn check_request(
    state: &OAuthState,
    fields: &FormFields,
) -> Result<(AuthRequest, OAuthClient), Refusal> {
    if let Some(name) = fields.repeated() {
        return Err(Refusal::Page(format!(
            "parameter `{name}` is given more than once"
        )));
    }
    let client_id = fields.get("client_id").unwrap_or_default();
    let redirect_uri = fields.get("redirect_uri").unwrap_or_default();
    let request = AuthRequest {
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        code_challenge: String::new(),
        server_id: String::new(),
        state: fields.get("state").map(str::to_owned),
    };
    let client = registered_client(state, &request, Lookup::Fresh).await?;
    let back = |code: &'static str, description: &str| Refusal::Redirect {
        redirect_uri: request.redirect_uri.clone(),
        state: request.state.clone(),
        code,
        description: description.to_owned(),
    };
    if request
        .state
        .as_ref()
        .is_some_and(|s| s.len() > MAX_STATE_BYTES)
    {
        return Err(back("invalid_request", "state is longer than 1024 bytes"));
    }
    if fields.get("response_type") != Some("code") {
        return Err(back(
            "unsupported_response_type",
            "response_type must be `code`",
        ));
    }
    if fields.get("code_challenge_method") != Some("S256") {
        return Err(back(
            "invalid_request",
            "PKCE is required with code_challenge_method=S256",
        ));
    }
    let challenge = fields.get("code_challenge").unwrap_or_default();
    if !is_pkce_value(challenge) {
        return Err(back(
            "invalid_request",
            "code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~",
        ));
    }
    let Some(resource) = fields.get("resource") else {
        return Err(back(
            "invalid_target",
            "resource is required: the MCP server's URL (RFC 8707)",
        ));
    };
    let server_id = oauth_server_of(state, resource).await.ok_or_else(|| {
        back(
            "invalid_target",
            "resource is not the URL of an OAuth-protected MCP server here",
        )
    })?;
    Ok((
        AuthRequest {
            code_challenge: challenge.to_owned(),
            server_id,
            ..request
        },
        client,
    ))
}

/// Where a client's registration is read from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// A URL client_id's metadata document is fetched again (and recorded): a request starts.
    Fresh,
    /// The recorded registration: a page of a request already checked is posted.
    Stored,
}

/// The client of a request, if its redirect URI is one it registered (compared exactly):
/// a client registered here (RFC 7591), or one whose client_id is the URL of its metadata
/// document.
pub(crate) async fn registered_client(
    state: &OAuthState,
    request: &AuthRequest,
    lookup: Lookup,
) -> Result<OAuthClient, Refusal> {
    let store = state.gate.directory.store();
    let found = if lookup == Lookup::Fresh && is_document_url(&request.client_id) {
        let document = fetch(&request.client_id, state.oauth.loopback_client_metadata)
            .await
            .map_err(|e| Refusal::Page(e.to_string()))?;
        store
            .record_metadata_client(&request.client_id, &document.name, document.redirect_uris)
            .await
            .map(Some)
    } else {
        store.oauth_client(&request.client_id).await
    };
    let client = match found {
        Ok(Some(client)) => client,
        Ok(None) => {
            return Err(Refusal::Page(
                "this client is not registered with bms-mcp (unknown client_id)".into(),
            ));
        }
        Err(error) => {
            tracing::error!(%error, "the store did not answer a client lookup");
            return Err(Refusal::Page(
                "bms-mcp cannot reach its store right now; try again shortly".into(),
            ));
        }
    };
    if !client.redirect_uris.contains(&request.redirect_uri) {
        return Err(Refusal::Page(
            "redirect_uri is not one this client registered".into(),
        ));
    }
    Ok(client)
}

/// The id of the OAuth server whose URL `resource` is, if it exists and has not expired.
pub async fn oauth_server_of(state: &OAuthState, resource: &str) -> Option<String> {
    let prefix = format!("{}/mcp/o/", state.gate.public_url.trim_end_matches('/'));
    let id = resource.strip_prefix(&prefix)?;
    if id.is_empty() || id.contains(['/', '?', '#']) {
        return None;
    }
    let found = state
        .gate
        .directory
        .store()
        .mcp_server_by_id(id)
        .await
        .ok()??;
    let server = found.0;
    let live = server.expires_at.is_none_or(|at| unix_now() < at);
    (server.config.auth == McpAuth::OAuth && live).then_some(server.id)
}

/// RFC 7636 §4.1: 43 to 128 unreserved characters (verifiers and S256 challenges alike).
pub fn is_pkce_value(text: &str) -> bool {
    (43..=128).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

pub(crate) fn refuse(state: &OAuthState, refusal: Refusal) -> Response {
    match refusal {
        Refusal::Page(message) => pages::problem(&message),
        Refusal::Redirect {
            redirect_uri,
            state: client_state,
            code,
            description,
        } => redirect(
            state,
            &redirect_uri,
            client_state.as_deref(),
            &[("error", code), ("error_description", &description)],
        ),
    }
}

/// 303 to the client's redirect URI with `pairs`, `state` and `iss` added to its query.
fn redirect(
    state: &OAuthState,
    redirect_uri: &str,
    client_state: Option<&str>,
    pairs: &[(&str, &str)],
) -> Response {
    let Ok(mut url) = reqwest::Url::parse(redirect_uri) else {
        return pages::problem("redirect_uri is not a URL");
    };
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
        if let Some(client_state) = client_state {
            query.append_pair("state", client_state);
        }
        query.append_pair("iss", &Endpoints::of(&state.gate.public_url).issuer);
    }
    let Ok(location) = HeaderValue::from_str(url.as_str()) else {
        return pages::problem("redirect_uri cannot be sent back");
    };
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, location),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
        ],
    )
        .into_response()
}

fn set_browser_cookie(state: &OAuthState, response: &mut Response, value: &str) {
    let secure = if state.gate.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let text = format!(
        "{BROWSER_COOKIE}={value}; Path=/oauth; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        state.oauth.lifetimes.page
    );
    if let Ok(value) = HeaderValue::from_str(&text) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

pub(crate) fn unavailable(error: crate::store::StoreError) -> Response {
    tracing::error!(%error, "the store failed during sign-in");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "5")],
        "bms-mcp cannot reach its store right now; try again shortly",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_values_are_43_to_128_unreserved_characters() {
        assert!(is_pkce_value(&"a".repeat(43)));
        assert!(is_pkce_value(&"A-._~9".repeat(20)));
        assert!(!is_pkce_value(&"a".repeat(42)));
        assert!(!is_pkce_value(&"a".repeat(129)));
        assert!(!is_pkce_value(&format!("{}+", "a".repeat(42))));
    }
}
