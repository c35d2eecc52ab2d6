//! Signing in with an admin API token, and out.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use maud::html;

use super::errors::ConsoleError;
use super::layout::{page, problem};
use super::session::{
    self, CSRF_FIELD, Posted, SESSION_COOKIE, SESSION_SECONDS, SIGN_IN_COOKIE, Session,
    SignInPosted,
};
use crate::access::Gate;
use crate::manage::Management;
use crate::store::unix_now;

/// `GET /admin`: the accounts when signed in, else the sign-in page.
pub async fn home(session: Result<Session, ConsoleError>) -> Redirect {
    match session {
        Ok(_) => Redirect::to("/admin/accounts"),
        Err(_) => Redirect::to("/admin/sign-in"),
    }
}

/// `GET /admin/sign-in`.
pub async fn form(
    State(state): State<Arc<Gate>>,
    session: Result<Session, ConsoleError>,
) -> Response {
    if session.is_ok() {
        return Redirect::to("/admin/accounts").into_response();
    }
    sign_in_page(&state, StatusCode::OK, None)
}

/// The sign-in page with a new double-submit CSRF token.
fn sign_in_page(state: &Gate, status: StatusCode, error: Option<&str>) -> Response {
    let csrf = session::new_csrf_token();
    let cookie = session::set_cookie(SIGN_IN_COOKIE, &csrf, 3600, session::secure_cookies(state));
    let body = html! {
        h1 { "Sign in to the bms-mcp admin console" }
        @if let Some(error) = error { (problem(error)) }
        form method="post" action="/admin/sign-in" class="card narrow" {
            input type="hidden" name=(CSRF_FIELD) value=(csrf);
            label for="admin_token" { "Admin API token" }
            input id="admin_token" name="admin_token" type="password" required
                autocomplete="current-password" spellcheck="false"
                aria-describedby="admin_token_help" autofocus;
            p id="admin_token_help" class="help" {
                "The " code { "bmsa_…" } " token " code { "bms-mcp serve" }
                " printed on its first run, or a new one from "
                code { "bms-mcp admin-token create --name NAME" } "."
            }
            button type="submit" { "Sign in" }
        }
    };
    (
        status,
        [(header::SET_COOKIE, cookie)],
        page("Sign in", None, body),
    )
        .into_response()
}

/// `POST /admin/sign-in`.
pub async fn submit(
    State(state): State<Arc<Gate>>,
    SignInPosted { form }: SignInPosted,
) -> Result<Response, ConsoleError> {
    let token = form.text("admin_token").unwrap_or_default();
    let Some(admin) = state.directory.admin_token(&token).await? else {
        return Ok(sign_in_page(
            &state,
            StatusCode::UNAUTHORIZED,
            Some(
                "That is not a valid admin API token. Check it, or create a new one with `bms-mcp admin-token create`.",
            ),
        ));
    };
    let now = unix_now();
    let opened = session::Sealed {
        session_id: session::new_session_id(),
        admin_token: token,
        csrf: session::new_csrf_token(),
    };
    Management::of(&state)
        .start_console_session(&admin, &opened.session_id, now + SESSION_SECONDS)
        .await?;
    let sealed = session::seal(state.directory.store(), &opened, now);
    let secure = session::secure_cookies(&state);
    Ok((
        AppendHeaders([
            (
                header::SET_COOKIE,
                session::set_cookie(SESSION_COOKIE, &sealed, SESSION_SECONDS, secure),
            ),
            (
                header::SET_COOKIE,
                session::set_cookie(SIGN_IN_COOKIE, "", 0, secure),
            ),
        ]),
        Redirect::to("/admin/accounts"),
    )
        .into_response())
}

/// `POST /admin/sign-out`: ends the session in the store, so no copy of its cookie works any
/// more, and deletes the cookie. (The admin token stays valid: revoke it with
/// `bms-mcp admin-token revoke` to end every session made with it.)
pub async fn sign_out(
    State(state): State<Arc<Gate>>,
    posted: Posted,
) -> Result<Response, ConsoleError> {
    Management::of(&state)
        .end_console_session(&posted.session.actor(), &posted.session.id)
        .await?;
    let cookie = session::set_cookie(SESSION_COOKIE, "", 0, session::secure_cookies(&state));
    Ok((
        [(header::SET_COOKIE, cookie)],
        Redirect::to("/admin/sign-in"),
    )
        .into_response())
}
