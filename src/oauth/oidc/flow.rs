//! The two browser hops of an OpenID Connect sign-in. The sign-in page's "Sign in with …"
//! button posts `action=oidc`; `redirect_to_provider` sends the browser to the provider with
//! our pending authorization, sealed, as `state`. The provider sends it back to
//! `GET /oauth/oidc/callback`, which checks that state, exchanges the code, checks the ID
//! token and the allow lists, and shows the same consent page a local user sees.
//!
//! The page's browser binding rides in a second cookie, `SameSite=Lax`: the provider's
//! redirect back is a cross-site navigation, on which browsers withhold the `Strict` one.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{CALLBACK_PATH, FlowSecrets, Provider};
use crate::console::form::FormFields;
use crate::console::session::{cookie, new_csrf_token};
use crate::oauth::OAuthState;
use crate::oauth::authorize::{self, Lookup};
use crate::oauth::pages;
use crate::oauth::pending::Pending;
use crate::store::unix_now;

/// The cookie carrying a page's browser binding back from the provider.
pub const RETURN_COOKIE: &str = "bms_mcp_oidc";

/// The redirect URI registered with the provider.
pub fn redirect_uri(state: &OAuthState) -> String {
    format!(
        "{}{CALLBACK_PATH}",
        state.gate.public_url.trim_end_matches('/')
    )
}

/// Sends the browser of a pending request to the provider to sign in.
pub fn redirect_to_provider(
    state: &OAuthState,
    provider: &Provider,
    mut pending: Pending,
) -> Response {
    let seed = new_csrf_token();
    let secrets = FlowSecrets::derive(state.oauth.key(), &seed);
    pending.oidc_seed = Some(seed);
    pending.expires_at = unix_now() + state.oauth.lifetimes.page;
    let url = provider.authorization_url(
        &redirect_uri(state),
        &pending.seal(state.oauth.key()),
        &secrets,
    );
    let Ok(location) = HeaderValue::from_str(url.as_str()) else {
        return pages::problem("the provider's sign-in URL cannot be sent to the browser");
    };
    let secure = if state.gate.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{RETURN_COOKIE}={}; Path={CALLBACK_PATH}; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        pending.browser, state.oauth.lifetimes.page
    );
    let mut response = (
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
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `GET /oauth/oidc/callback?code=…&state=…` (or `error=…`): the provider's answer.
pub async fn callback(
    State(state): State<OAuthState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(provider) = state.oauth.oidc.as_ref() else {
        return pages::problem("sign-in with an OpenID Connect provider is not configured here");
    };
    let fields = FormFields::parse(query.unwrap_or_default().as_bytes());
    let sealed = fields.get("state").unwrap_or_default();
    let browser = cookie(&headers, RETURN_COOKIE);
    let mut pending = match Pending::open(state.oauth.key(), sealed, unix_now(), browser) {
        Ok(pending) => pending,
        Err(error) => return pages::problem(&error.to_string()),
    };
    let (Some(seed), None) = (pending.oidc_seed.take(), &pending.user) else {
        return pages::problem("this answer is not from a sign-in bms-mcp started; start again");
    };
    if let Some(error) = fields.get("error") {
        let description = fields.get("error_description").unwrap_or_default();
        return pages::problem(&format!(
            "{} did not sign you in ({error}{}{description})",
            provider.name,
            if description.is_empty() { "" } else { ": " }
        ));
    }
    let Some(code) = fields.get("code").filter(|c| !c.is_empty()) else {
        return pages::problem("the provider sent no authorization code; start again");
    };
    let client = match authorize::registered_client(&state, &pending.request, Lookup::Stored).await
    {
        Ok(client) => client,
        Err(refusal) => return authorize::refuse(&state, refusal),
    };
    let secrets = FlowSecrets::derive(state.oauth.key(), &seed);
    let person = match provider
        .sign_in(code, &redirect_uri(&state), &secrets)
        .await
    {
        Ok(person) => person,
        Err(error) => {
            tracing::info!(%error, "an OpenID Connect sign-in was refused");
            return pages::problem(&error.to_string());
        }
    };
    if !provider.config.admits(person.email.as_deref()) {
        let who = person
            .email
            .as_deref()
            .unwrap_or("an account without a verified email");
        return pages::problem(&format!(
            "{who} may not sign in here; ask your bms-mcp administrator to allow your email or domain"
        ));
    }
    let subject = provider.subject(&person);
    let user = match state.gate.directory.store().oidc_user(&subject).await {
        Ok(user) => user,
        Err(error) => return authorize::unavailable(error),
    };
    let shown = person.email.unwrap_or(subject);
    authorize::consent_for(&state, pending, &client, (user.id, shown)).await
}
