//! Integrated accounts: list, add, remove, test the connection. Accounts are checked by the
//! management service, as the admin API's are; passwords and TOTP secrets go in and are never
//! shown again.

use std::sync::Arc;

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::errors::ConsoleError;
use super::form::FormFields;
use super::layout::{Page, confirm_form, confirm_page, csrf_field, notice, page, problem, time};
use super::session::{Posted, Session};
use crate::access::Gate;
use crate::manage::ManageError;
use crate::manage::Management;
use crate::store::{BmsLocation, IntegratedAccount, Invalid, NewAccount};

/// What `?notice=` may announce (fixed texts: nothing from the URL is echoed).
#[derive(Deserialize)]
pub struct Notice {
    notice: Option<String>,
}

impl Notice {
    pub fn text(&self) -> Option<&'static str> {
        match self.notice.as_deref()? {
            "account-added" => Some("Integrated account added."),
            "account-removed" => Some("Integrated account and its MCP servers removed."),
            "server-revoked" => Some("MCP server revoked: its URL no longer works."),
            "grant-revoked" => Some("Grant revoked: its tokens no longer work."),
            _ => None,
        }
    }
}

/// Where an account's BMS is, as people read it.
pub fn location_text(account: &IntegratedAccount) -> String {
    match &account.location {
        BmsLocation::Region(region) => format!("region {region}"),
        BmsLocation::BaseUrl(url) => url.clone(),
    }
}

/// What removing an account asks first.
pub fn remove_question(account: &IntegratedAccount) -> String {
    format!(
        "Remove the integrated account “{}” and all its MCP servers? Their URLs stop working at once.",
        account.name
    )
}

/// `GET /admin/accounts`.
pub async fn list(
    State(state): State<Arc<Gate>>,
    session: Session,
    Query(notice): Query<Notice>,
) -> Result<Page, ConsoleError> {
    accounts_page(
        &state,
        &session,
        notice.text(),
        None,
        &FormFields::default(),
    )
    .await
}

async fn accounts_page(
    state: &Gate,
    session: &Session,
    message: Option<&str>,
    error: Option<&Invalid>,
    values: &FormFields,
) -> Result<Page, ConsoleError> {
    let store = state.directory.store();
    let accounts = store.accounts().await?;
    let mut servers: HashMap<String, usize> = HashMap::new();
    for server in store.mcp_servers(None).await? {
        *servers.entry(server.account_id).or_default() += 1;
    }
    let body = html! {
        h1 { "Integrated accounts" }
        @if let Some(message) = message { (notice(message)) }
        p { "Each integrated account is one connected BMS tenant. Open one to create MCP servers for it." }
        @if accounts.is_empty() {
            p { "No integrated account yet: add one below." }
        } @else {
            table {
                caption class="sr-only" { "Integrated accounts" }
                thead { tr {
                    th scope="col" { "Name" } th scope="col" { "BMS" } th scope="col" { "Tenant" }
                    th scope="col" { "User" } th scope="col" { "MCP servers" }
                    th scope="col" { "Created" } th scope="col" { span class="sr-only" { "Actions" } }
                } }
                tbody {
                    @for account in &accounts {
                        tr {
                            th scope="row" {
                                a href=(format!("/admin/accounts/{}", account.id)) { (account.name) }
                            }
                            td { (location_text(account)) }
                            td { (account.tenant) }
                            td { (account.username) }
                            td { (servers.get(&account.id).copied().unwrap_or(0)) }
                            td { (time(account.created_at)) }
                            td { div class="actions" {
                                a class="button secondary" href=(format!("/admin/accounts/{}", account.id)) {
                                    "MCP Servers" span class="sr-only" { " of " (account.name) }
                                }
                                (test_button(session, account))
                                (confirm_form(session,
                                    &format!("/admin/accounts/{}/remove", account.id),
                                    &remove_question(account),
                                    "Remove"))
                            } }
                        }
                    }
                }
            }
        }
        (add_form(state, session, error, values))
    };
    Ok(page("Integrated accounts", Some(session), body))
}

/// The "Test connection" button of an account.
pub fn test_button(session: &Session, account: &IntegratedAccount) -> Markup {
    html! {
        form method="post" action=(format!("/admin/accounts/{}/test", account.id)) class="inline" {
            (csrf_field(session))
            button type="submit" class="secondary" {
                "Test connection" span class="sr-only" { " of " (account.name) }
            }
        }
    }
}

/// One labelled text input, refilled from `values` unless it holds a secret.
fn field(id: &str, label: &str, kind: &str, values: &FormFields, help: Option<Markup>) -> Markup {
    let value = if kind == "password" {
        None
    } else {
        values.get(id).map(str::to_owned)
    };
    let help_id = format!("{id}_help");
    html! {
        div class="field" {
            label for=(id) { (label) }
            input id=(id) name=(id) type=(kind) value=[value]
                autocomplete=(if kind == "password" { "new-password" } else { "off" })
                aria-describedby=[help.as_ref().map(|_| &help_id)];
            @if let Some(help) = help { p id=(help_id) class="help" { (help) } }
        }
    }
}

fn add_form(
    state: &Gate,
    session: &Session,
    error: Option<&Invalid>,
    values: &FormFields,
) -> Markup {
    let regions = state.directory.upstreams().region_names();
    let chosen = values.get("region").unwrap_or("us");
    html! {
        section class="card" aria-labelledby="add-heading" {
            h2 id="add-heading" { "Add an integrated account" }
            @if let Some(error) = error { (problem(&format!("{}: {}", error.field, error.message))) }
            form method="post" action="/admin/accounts" {
                (csrf_field(session))
                (field("name", "Name", "text", values, Some(html! { "How this console and the logs call the tenant, e.g. “Contoso MSP”." })))
                div class="field" {
                    label for="region" { "BMS region" }
                    select id="region" name="region" aria-describedby="region_help" {
                        @for region in &regions {
                            option value=(region) selected[chosen == region] { (region) }
                        }
                    }
                    p id="region_help" class="help" { "Ignored when a base URL is given below." }
                }
                (field("base_url", "Base URL (instead of a region)", "url", values, Some(html! { "Only for a BMS API at its own address, e.g. https://api.bms.kaseya.com." })))
                (field("username", "BMS API user name", "text", values, None))
                (field("password", "Password", "password", values, Some(html! { "Stored sealed; never shown again." })))
                (field("tenant", "Tenant (BMS company name)", "text", values, None))
                (field("totp_secret", "TOTP secret (only if the API user has MFA)", "password", values, Some(html! { "The base32 secret shown when MFA was set up. Stored sealed; never shown again." })))
                button type="submit" { "Add account" }
            }
        }
    }
}

/// The account a form describes (the management service checks it).
fn new_account(form: &FormFields) -> NewAccount {
    let location = match form.text("base_url") {
        Some(url) => BmsLocation::BaseUrl(url.trim_end_matches('/').to_owned()),
        None => BmsLocation::Region(form.text("region").unwrap_or_default()),
    };
    NewAccount {
        name: form.text("name").unwrap_or_default(),
        location,
        username: form.text("username").unwrap_or_default(),
        password: form.get("password").unwrap_or_default().to_owned(),
        tenant: form.text("tenant").unwrap_or_default(),
        totp_secret: form.text("totp_secret").map(|s| s.replace(' ', "")),
    }
}

/// `POST /admin/accounts`.
pub async fn create(
    State(state): State<Arc<Gate>>,
    Posted { session, form }: Posted,
) -> Result<Response, ConsoleError> {
    let created = Management::of(&state)
        .create_account(&session.actor(), new_account(&form))
        .await;
    let account = match created {
        Ok(account) => account,
        Err(ManageError::Invalid(invalid)) => {
            let page = accounts_page(&state, &session, None, Some(&invalid), &form).await?;
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
        Err(error) => return Err(error.into()),
    };
    let to = format!("/admin/accounts/{}?notice=account-added", account.id);
    Ok(Redirect::to(&to).into_response())
}

/// `POST /admin/accounts/{id}/remove`: asks first unless `confirmed=yes`.
pub async fn remove(
    State(state): State<Arc<Gate>>,
    Path(id): Path<String>,
    Posted { session, form }: Posted,
) -> Result<Response, ConsoleError> {
    let store = state.directory.store();
    let account = store.account(&id).await?.ok_or_else(|| no_account(&id))?;
    if form.get("confirmed") != Some("yes") {
        let action = format!("/admin/accounts/{id}/remove");
        let question = remove_question(&account);
        return Ok(confirm_page(
            &session,
            "Remove integrated account",
            &question,
            &action,
            "Remove account",
            "/admin/accounts",
        )
        .into_response());
    }
    match Management::of(&state)
        .delete_account(&session.actor(), &id)
        .await
    {
        // Removed meanwhile (another tab, the CLI): what the admin asked for holds.
        Ok(()) | Err(ManageError::NoAccount(_)) => {}
        Err(error) => return Err(error.into()),
    }
    Ok(Redirect::to("/admin/accounts?notice=account-removed").into_response())
}

/// `POST /admin/accounts/{id}/test`: signs in to BMS with the account's credentials (a new
/// client, so nothing cached answers for it) and shows the outcome on the account's page.
pub async fn test_connection(
    State(state): State<Arc<Gate>>,
    Path(id): Path<String>,
    Posted { session, .. }: Posted,
) -> Result<Response, ConsoleError> {
    let store = state.directory.store();
    let (account, secrets) = store
        .account_with_secrets(&id)
        .await?
        .ok_or_else(|| no_account(&id))?;
    let outcome = match state.directory.upstreams().client_for(&account, secrets) {
        Ok(client) => match client.test_connection().await {
            Ok(()) => Ok(format!(
                "Connected: signed in to BMS at {} as {}, tenant “{}”.",
                client.base_url(),
                account.username,
                account.tenant
            )),
            Err(error) => Err(format!("The connection failed: {error}.")),
        },
        Err(error) => Err(format!("The connection failed: {error}.")),
    };
    let page = super::servers::account_page(&state, &session, &account, Some(outcome)).await?;
    Ok(page.into_response())
}

/// 404 for an account id.
pub fn no_account(id: &str) -> ConsoleError {
    ConsoleError::NotFound(format!("There is no integrated account with id {id}."))
}
