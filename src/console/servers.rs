//! An account's "MCP Servers" tab: the list, the create form, the URL shown once, revoking.
//! Configs are checked by the management service, as the admin API's are.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::accounts::{Notice, location_text, no_account, remove_question, test_button};
use super::errors::ConsoleError;
use super::layout::{Page, confirm_form, confirm_page, notice, page, problem, time};
use super::server_form::{self, ServerForm};
use super::session::{Posted, Session};
use super::snippets;
use super::tools::scope_counts;
use crate::access::Gate;
use crate::catalogue::ClientChoice;
use crate::catalogue::ToolExposure;
use crate::manage::{CreatedMcpServer, ManageError, Management};
use crate::store::{IntegratedAccount, McpAuth, McpServer};

/// `GET /admin/accounts/{id}`: the account and its MCP servers.
pub async fn show(
    State(state): State<Arc<Gate>>,
    Path(id): Path<String>,
    session: Session,
    Query(notice): Query<Notice>,
) -> Result<Page, ConsoleError> {
    let account = account(&state, &id).await?;
    let outcome = notice.text().map(|text| Ok(text.to_owned()));
    account_page(&state, &session, &account, outcome).await
}

async fn account(state: &Gate, id: &str) -> Result<IntegratedAccount, ConsoleError> {
    state
        .directory
        .store()
        .account(id)
        .await?
        .ok_or_else(|| no_account(id))
}

/// The account page; `outcome` is a message to show first (success or failure).
pub async fn account_page(
    state: &Gate,
    session: &Session,
    account: &IntegratedAccount,
    outcome: Option<Result<String, String>>,
) -> Result<Page, ConsoleError> {
    let store = state.directory.store();
    let servers = store.mcp_servers(Some(&account.id)).await?;
    let ids: Vec<String> = servers.iter().map(|s| s.id.clone()).collect();
    let last_used = store.last_tool_call_at(&ids).await?;
    let new_url = format!("/admin/accounts/{}/servers/new", account.id);
    let body = html! {
        nav aria-label="Breadcrumb" class="crumbs" { a href="/admin/accounts" { "Integrated accounts" } " › " (account.name) }
        h1 { (account.name) }
        @match &outcome {
            Some(Ok(message)) => (notice(message)),
            Some(Err(message)) => (problem(message)),
            None => {}
        }
        dl class="facts" {
            dt { "BMS" } dd { (location_text(account)) }
            dt { "Tenant" } dd { (account.tenant) }
            dt { "User" } dd { (account.username) }
            dt { "MFA (TOTP)" } dd { @if account.has_totp { "configured" } @else { "none" } }
            dt { "Created" } dd { (time(account.created_at)) }
        }
        div class="actions" {
            (test_button(session, account))
            (confirm_form(session, &format!("/admin/accounts/{}/remove", account.id),
                &remove_question(account),
                "Remove account"))
        }
        nav class="tabs" aria-label="Account" { a href=(format!("/admin/accounts/{}", account.id)) aria-current="page" { "MCP Servers" } }
        h2 { "MCP Servers" }
        p { a class="button" href=(new_url) { "Create MCP Server" } }
        @if servers.is_empty() {
            p { "No MCP server yet. Create one, then paste its URL into ChatGPT, Claude or any MCP client." }
        } @else {
            table {
                caption class="sr-only" { "MCP servers of " (account.name) }
                thead { tr {
                    th scope="col" { "Name" } th scope="col" { "Methods" } th scope="col" { "Tags" }
                    th scope="col" { "Tools" } th scope="col" { "Expires" } th scope="col" { "Created" }
                    th scope="col" { "Last used" } th scope="col" { span class="sr-only" { "Actions" } }
                } }
                tbody { @for server in &servers { (server_row(session, server, last_used.get(&server.id).copied())) } }
            }
        }
    };
    Ok(page(&account.name, Some(session), body))
}

fn list_or_all(items: &[String]) -> String {
    if items.is_empty() {
        "all".to_owned()
    } else {
        items.join(", ")
    }
}

/// The browser's link for a config's scope.
fn browse_link(methods: &[String], tags: &[String]) -> String {
    let mut query: Vec<String> = methods.iter().map(|m| format!("methods={m}")).collect();
    query.extend(tags.iter().map(|t| format!("tags={t}")));
    format!("/admin/tools?{}", query.join("&"))
}

/// What revoking a server asks first.
fn revoke_question(server: &McpServer) -> String {
    format!(
        "Revoke the MCP server “{}”? Its URL stops working at once and cannot be restored.",
        server.name
    )
}

fn server_row(session: &Session, server: &McpServer, last_used: Option<i64>) -> Markup {
    let config = &server.config;
    let tools = scope_counts(&config.methods, &config.tags).total;
    let revoke = format!(
        "/admin/accounts/{}/servers/{}/revoke",
        server.account_id, server.id
    );
    html! {
        tr {
            th scope="row" {
                (server.name)
                @if config.require_api_token_auth { br; small { "requires an admin token" } }
                @if config.auth == McpAuth::OAuth { br; small { "OAuth sign-in at /mcp/o/" (server.id) } }
                @if config.tool_exposure == ToolExposure::Discovery { br; small { "discovery tools" } }
                @if config.client != ClientChoice::Auto { br; small { (config.client.as_str()) " client profile" } }
                @if config.confirm_writes { br; small { "confirms writes" } }
            }
            td { (list_or_all(&config.methods)) }
            td { (list_or_all(&config.tags)) }
            td { a href=(browse_link(&config.methods, &config.tags)) { (tools) span class="sr-only" { " tools: browse them" } } }
            td { @match server.expires_at { Some(at) => (time(at)), None => "never" } }
            td { (time(server.created_at)) }
            td { @match last_used { Some(at) => (time(at)), None => "never" } }
            td {
                (confirm_form(session, &revoke,
                    &revoke_question(server),
                    "Revoke"))
            }
        }
    }
}

/// `GET /admin/accounts/{id}/servers/new`.
pub async fn new(
    State(state): State<Arc<Gate>>,
    Path(id): Path<String>,
    session: Session,
) -> Result<Page, ConsoleError> {
    let account = account(&state, &id).await?;
    let form = ServerForm::new_server();
    Ok(server_form::form_page(&session, &account, &form, None))
}

/// `POST /admin/accounts/{id}/servers`: creates the server and shows its URL, once. With the
/// `preview` button (no JavaScript), shows the form again with the counts of its choices.
pub async fn create(
    State(state): State<Arc<Gate>>,
    Path(id): Path<String>,
    Posted { session, form }: Posted,
) -> Result<Response, ConsoleError> {
    let account = account(&state, &id).await?;
    let chosen = ServerForm::read(&form);
    if form.checked("preview") {
        return Ok(server_form::form_page(&session, &account, &chosen, None).into_response());
    }
    let created = match chosen.to_new_server(&account.id) {
        Ok(new) => {
            Management::of(&state)
                .create_mcp_server(&session.actor(), new)
                .await
        }
        Err(invalid) => Err(ManageError::Invalid(invalid)),
    };
    let CreatedMcpServer { server, token } = match created {
        Ok(created) => created,
        Err(ManageError::Invalid(invalid)) => {
            let page = server_form::form_page(&session, &account, &chosen, Some(&invalid));
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
        Err(error) => return Err(error.into()),
    };
    let url = server.url(&state.public_url, &token);
    Ok(created_page(&session, &account, &server, &url).into_response())
}

/// The new server's URL with a copy button and client snippets. The token exists nowhere
/// else: this page is sent with `Cache-Control: no-store`.
fn created_page(
    session: &Session,
    account: &IntegratedAccount,
    server: &McpServer,
    url: &str,
) -> Page {
    let config = &server.config;
    let snippets = match config.auth {
        McpAuth::OAuth => snippets::for_oauth_url(&server.name, url),
        McpAuth::UrlToken => snippets::for_url(&server.name, url, config.require_api_token_auth),
    };
    let tools = scope_counts(&config.methods, &config.tags).total;
    let body = html! {
        nav aria-label="Breadcrumb" class="crumbs" {
            a href="/admin/accounts" { "Integrated accounts" } " › "
            a href=(format!("/admin/accounts/{}", account.id)) { (account.name) } " › " (server.name)
        }
        h1 { "MCP server “" (server.name) "” created" }
        @if config.auth == McpAuth::OAuth {
            p class="notice" role="status" {
                "This URL holds no secret: whoever connects signs in as a bms-mcp user (`bms-mcp users add`) and consents to these "
                (tools) " tools on " (account.name) "."
            }
        } @else {
            p class="warning" role="alert" {
                strong { "Copy the URL now: it is shown only this once." }
                " Only its hash is stored. The URL is a secret: whoever has it can use these "
                (tools) " tools on " (account.name) "."
            }
        }
        div class="field" {
            label for="mcp-url" { "MCP server URL" }
            div class="copyrow" {
                input id="mcp-url" type="text" readonly value=(url) spellcheck="false";
                button type="button" data-copy="mcp-url" { "Copy URL" }
            }
            span class="copied" role="status" data-copied-for="mcp-url" {}
        }
        h2 { "Connect a client" }
        @for snippet in &snippets {
            section class="card snippet" aria-labelledby=(format!("{}-h", snippet.id)) {
                h3 id=(format!("{}-h", snippet.id)) { (snippet.client) }
                p { (snippet.how) }
                pre { code id=(snippet.id) { (snippet.text) } }
                button type="button" class="secondary" data-copy=(snippet.id) { "Copy" span class="sr-only" { " the " (snippet.client) " snippet" } }
                span class="copied" role="status" data-copied-for=(snippet.id) {}
            }
        }
        p {
            a href=(browse_link(&config.methods, &config.tags)) { "Browse its " (tools) " tools" } " · "
            a href=(format!("/admin/accounts/{}", account.id)) { "Back to the MCP servers of " (account.name) }
        }
    };
    page("MCP server created", Some(session), body)
}

/// `POST /admin/accounts/{id}/servers/{server_id}/revoke`: asks first unless `confirmed=yes`.
pub async fn revoke(
    State(state): State<Arc<Gate>>,
    Path((id, server_id)): Path<(String, String)>,
    Posted { session, form }: Posted,
) -> Result<Response, ConsoleError> {
    let store = state.directory.store();
    let Some(server) = store.mcp_server(&id, &server_id).await? else {
        return Err(ConsoleError::NotFound(format!(
            "There is no MCP server with id {server_id} on this integrated account."
        )));
    };
    let back = format!("/admin/accounts/{id}");
    if form.get("confirmed") != Some("yes") {
        let question = revoke_question(&server);
        let action = format!("/admin/accounts/{id}/servers/{server_id}/revoke");
        return Ok(confirm_page(
            &session,
            "Revoke MCP server",
            &question,
            &action,
            "Revoke",
            &back,
        )
        .into_response());
    }
    let revoked = Management::of(&state)
        .delete_mcp_server(&session.actor(), Some(&id), &server_id)
        .await;
    match revoked {
        // Revoked meanwhile (another tab, the CLI, its expiry): its URL is dead as asked.
        Ok(()) | Err(ManageError::NoServer(_) | ManageError::NoAccount(_)) => {}
        Err(error) => return Err(error.into()),
    }
    Ok(Redirect::to(&format!("{back}?notice=server-revoked")).into_response())
}
