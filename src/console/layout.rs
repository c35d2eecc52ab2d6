//! The page shell every console page shares, the headers every page is sent with, and small
//! pieces of markup used on several pages.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use super::session::{CSRF_FIELD, Session};
use crate::store::rfc3339;

/// A whole HTML page, sent with headers that keep it out of caches, frames and other origins'
/// reach: it may hold an MCP URL shown once.
pub struct Page(pub Markup);

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut response = self.0.into_string().into_response();
        let headers = response.headers_mut();
        for (name, value) in [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                 connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            // Not `no-referrer`: with it, browsers send `Origin: null` on form POSTs, which the
            // Host/Origin guard refuses. `same-origin` still keeps URLs from other sites.
            (header::REFERRER_POLICY, "same-origin"),
            (header::X_FRAME_OPTIONS, "DENY"),
        ] {
            headers.insert(name, HeaderValue::from_static(value));
        }
        response
    }
}

/// A page: header with navigation (when signed in), main content, vendored script.
pub fn page(title: &str, session: Option<&Session>, body: Markup) -> Page {
    Page(html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · bms-mcp admin" }
                link rel="stylesheet" href="/admin/assets/console.css";
                script src="/admin/assets/console.js" defer {}
            }
            body {
                a class="skip" href="#main" { "Skip to content" }
                header class="top" {
                    span class="brand" { "bms-mcp" }
                    @if let Some(session) = session {
                        nav aria-label="Main" {
                            a href="/admin/accounts" { "Integrated accounts" }
                            a href="/admin/people" { "People" }
                            a href="/admin/tools" { "Tool browser" }
                        }
                        form method="post" action="/admin/sign-out" class="sign-out" {
                            (csrf_field(session))
                            span class="who" { "Signed in with admin token “" (session.admin.name) "”" }
                            button type="submit" class="secondary" { "Sign out" }
                        }
                    }
                }
                main id="main" { (body) }
            }
        }
    })
}

/// The hidden CSRF field every POST form carries.
pub fn csrf_field(session: &Session) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(session.csrf); }
}

/// A message about what just happened.
pub fn notice(text: &str) -> Markup {
    html! { p class="notice" role="status" { (text) } }
}

/// A message about what went wrong, read out at once by screen readers.
pub fn problem(text: &str) -> Markup {
    html! { p class="problem" role="alert" { (text) } }
}

/// A unix time as RFC 3339 in a `<time>` element.
pub fn time(seconds: i64) -> Markup {
    let text = rfc3339(seconds);
    html! { time datetime=(text) { (text.replace('T', " ").replace('Z', " UTC")) } }
}

/// A form whose submit asks for confirmation: with JavaScript, a dialog (`data-confirm`);
/// without, the handler answers with a confirmation page (no `confirmed` field yet).
pub fn confirm_form(session: &Session, action: &str, question: &str, label: &str) -> Markup {
    html! {
        form method="post" action=(action) data-confirm=(question) class="inline" {
            (csrf_field(session))
            input type="hidden" name="confirmed" value="";
            button type="submit" class="danger" { (label) }
        }
    }
}

/// The no-JavaScript confirmation page of a `confirm_form`.
pub fn confirm_page(
    session: &Session,
    title: &str,
    question: &str,
    action: &str,
    label: &str,
    back: &str,
) -> Page {
    page(
        title,
        Some(session),
        html! {
            h1 { (title) }
            p { (question) }
            form method="post" action=(action) {
                (csrf_field(session))
                input type="hidden" name="confirmed" value="yes";
                button type="submit" class="danger" { (label) }
                " "
                a href=(back) { "Cancel" }
            }
        },
    )
}
