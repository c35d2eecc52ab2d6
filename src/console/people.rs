//! The People page: the users who may sign in on OAuth MCP servers and, per person, the
//! grants they gave (client, MCP server, integrated account, since when), each revocable.
//! Revoking a grant ends its access and refresh tokens at once (they are checked against the
//! store on every request). Users are added with `bms-mcp users add`.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::accounts::Notice;
use super::errors::ConsoleError;
use super::layout::{Page, confirm_form, confirm_page, notice, page, time};
use super::session::{Posted, Session};
use crate::access::Gate;
use crate::manage::Management;

/// `GET /admin/people`.
pub async fn list(
    State(state): State<Arc<Gate>>,
    session: Session,
    Query(message): Query<Notice>,
) -> Result<Page, ConsoleError> {
    let store = state.directory.store();
    let users = store.users().await?;
    let grants = store.live_grants().await?;
    let body = html! {
        h1 { "People" }
        @if let Some(message) = message.text() { (notice(message)) }
        p class="help" { "People sign in with these names on OAuth MCP servers. Add one with " code { "bms-mcp users add NAME" } " (the password on standard input)." }
        @if users.is_empty() {
            p { "No users yet." }
        }
        @for user in &users {
            section class="card" aria-labelledby=(format!("user-{}", user.id)) {
                h2 id=(format!("user-{}", user.id)) { (user.username) }
                @let theirs: Vec<_> = grants.iter().filter(|g| g.username == user.username).collect();
                @if theirs.is_empty() {
                    p { "No grants." }
                } @else {
                    table {
                        thead { tr { th scope="col" { "Client" } th scope="col" { "MCP server" } th scope="col" { "Integrated account" } th scope="col" { "Since" } th scope="col" { span class="sr-only" { "Actions" } } } }
                        tbody {
                            @for grant in theirs {
                                tr {
                                    td { (grant.client_name) }
                                    td { (grant.server_name) }
                                    td { (grant.account_name) }
                                    td { (time(grant.created_at)) }
                                    td { (confirm_form(&session, &format!("/admin/people/grants/{}/revoke", grant.id), &revoke_question(&grant.username, &grant.client_name), "Revoke")) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page("People", Some(&session), body))
}

fn revoke_question(username: &str, client: &str) -> String {
    format!(
        "Revoke {username}'s grant to “{client}”? Its tokens stop working at once; the client must sign in again."
    )
}

/// `POST /admin/people/grants/{id}/revoke`.
pub async fn revoke(
    State(state): State<Arc<Gate>>,
    Path(id): Path<String>,
    Posted { session, form }: Posted,
) -> Result<Response, ConsoleError> {
    let store = state.directory.store();
    let Some(grant) = store.live_grants().await?.into_iter().find(|g| g.id == id) else {
        return Err(ConsoleError::NotFound(format!(
            "There is no live grant with id {id}."
        )));
    };
    if form.get("confirmed") != Some("yes") {
        let question = revoke_question(&grant.username, &grant.client_name);
        let action = format!("/admin/people/grants/{id}/revoke");
        return Ok(confirm_page(
            &session,
            "Revoke grant",
            &question,
            &action,
            "Revoke",
            "/admin/people",
        )
        .into_response());
    }
    Management::of(&state)
        .revoke_grant(&session.actor(), &id)
        .await?;
    Ok(Redirect::to("/admin/people?notice=grant-revoked").into_response())
}
