//! The "Create MCP Server" form: method classes and verbs, tags with the number of tools each
//! yields (updated live by `console.js`, or by the "Count tools" button without it), tool
//! exposure, the client profile, confirmation of writes, the admin-token requirement and an
//! expiry.

use maud::{Markup, html};

use super::form::FormFields;
use super::layout::{Page, csrf_field, page, problem};
use super::session::Session;
use super::tools::{CLASSES, scope_counts};
use crate::catalogue::ToolExposure;
use crate::catalogue::{Catalogue, ClientChoice};
use crate::store::{
    IntegratedAccount, Invalid, McpAuth, McpServerConfig, NewMcpServer, parse_rfc3339,
};

/// The form's values, as posted (or the defaults).
#[derive(Default)]
pub struct ServerForm {
    pub name: String,
    pub methods: Vec<String>,
    pub tags: Vec<String>,
    pub exposure: ToolExposure,
    pub client: ClientChoice,
    pub confirm_writes: bool,
    pub require_api_token_auth: bool,
    pub auth: McpAuth,
    /// `YYYY-MM-DDTHH:MM` in UTC, as a `datetime-local` input sends it; empty for never.
    pub expires: String,
}

impl ServerForm {
    /// The form a new server starts from: discovery, because the whole catalogue listed is
    /// about 300,000 tokens, more than most models' context (`cargo xtask bench --weight`).
    pub fn new_server() -> ServerForm {
        ServerForm {
            exposure: ToolExposure::Discovery,
            ..ServerForm::default()
        }
    }

    pub fn read(form: &FormFields) -> ServerForm {
        ServerForm {
            name: form.text("name").unwrap_or_default(),
            methods: form.all("methods"),
            tags: form.all("tags"),
            exposure: match form.get("tool_exposure") {
                Some("discovery") => ToolExposure::Discovery,
                _ => ToolExposure::All,
            },
            client: form
                .get("client")
                .and_then(ClientChoice::parse)
                .unwrap_or_default(),
            confirm_writes: form.checked("confirm_writes"),
            require_api_token_auth: form.checked("require_api_token_auth"),
            auth: match form.get("auth") {
                Some("oauth") => McpAuth::OAuth,
                _ => McpAuth::UrlToken,
            },
            expires: form.text("expires_at").unwrap_or_default(),
        }
    }

    /// The server the form describes for `account_id`, once its expiry reads as a time (the
    /// management service checks the rest, as for the admin API).
    pub fn to_new_server(&self, account_id: &str) -> Result<NewMcpServer, Invalid> {
        let expires_at = expiry(&self.expires)?;
        let config = McpServerConfig {
            methods: self.methods.clone(),
            tags: self.tags.clone(),
            require_api_token_auth: self.require_api_token_auth,
            tool_exposure: self.exposure,
            client: self.client,
            confirm_writes: self.confirm_writes,
            auth: self.auth,
        };
        Ok(NewMcpServer {
            account_id: account_id.to_owned(),
            name: self.name.clone(),
            config,
            expires_at,
        })
    }
}

/// A `datetime-local` value read as UTC (seconds optional), or a full RFC 3339 time.
fn expiry(text: &str) -> Result<Option<i64>, Invalid> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let full = match text.len() {
        16 => format!("{text}:00Z"),
        19 => format!("{text}Z"),
        _ => text.to_owned(),
    };
    parse_rfc3339(&full).map(Some).ok_or_else(|| {
        Invalid::new(
            "expires_at",
            "must be a date and time in UTC such as 2026-12-31T23:59",
        )
    })
}

/// The client profiles as the form offers them.
const CLIENT_CHOICES: &[(&str, &str)] = &[
    (
        "auto",
        "Automatic: short names for Cursor, Claude Code and VS Code; OpenAI strict for ChatGPT; standard for the rest",
    ),
    (
        "standard",
        "Standard: generated names and full JSON Schemas",
    ),
    (
        "short-names",
        "Short names (45 characters at most), for clients that cap or prefix tool names",
    ),
    (
        "openai-strict",
        "OpenAI strict: schemas in strict function-calling form (optional arguments nullable)",
    ),
    (
        "gemini",
        "Gemini: schemas in Gemini's function-declaration subset",
    ),
];

/// The labels people read for the fields the store's checks name.
fn field_label(field: &str) -> &str {
    match field {
        "name" => "Name",
        "expires_at" => "Expires",
        "config.methods" => "Methods",
        "config.tags" => "Tags",
        "config.require_api_token_auth" => "Require API token",
        other => other,
    }
}

/// The form page.
pub fn form_page(
    session: &Session,
    account: &IntegratedAccount,
    form: &ServerForm,
    error: Option<&Invalid>,
) -> Page {
    let counts = scope_counts(&form.methods, &form.tags);
    let catalogue = Catalogue::global();
    let body = html! {
        nav aria-label="Breadcrumb" class="crumbs" {
            a href="/admin/accounts" { "Integrated accounts" } " › "
            a href=(format!("/admin/accounts/{}", account.id)) { (account.name) } " › Create MCP Server"
        }
        h1 { "Create MCP Server for " (account.name) }
        @if let Some(error) = error {
            (problem(&format!("{}: {}", field_label(&error.field), error.message)))
        }
        form method="post" action=(format!("/admin/accounts/{}/servers", account.id)) id="create-server" class="card" {
            (csrf_field(session))
            div class="field" {
                label for="name" { "Name" }
                input id="name" name="name" type="text" required maxlength="200" value=(form.name)
                    aria-describedby="name_help";
                p id="name_help" class="help" { "e.g. “CRM read-only for ChatGPT”." }
            }
            fieldset {
                legend { "Methods" }
                p class="help" { "Tick none for every method. Classes and single verbs combine (OR)." }
                @for (class, meaning) in CLASSES {
                    (check("methods", class, meaning, form.methods.iter().any(|m| m == class), counts.methods.get(class).copied()))
                }
                details open[form.methods.iter().any(|m| !CLASSES.iter().any(|(c, _)| c == m))] {
                    summary { "Individual verbs" }
                    @for verb in catalogue.verbs() {
                        (check("methods", verb, verb, form.methods.iter().any(|m| m == verb), counts.methods.get(verb).copied()))
                    }
                }
            }
            fieldset {
                legend { "Tags" }
                p class="help" { "Tick none for every area of BMS. The number beside a tag is how many tools it has with the methods chosen." }
                div class="tags" {
                    @for tag in catalogue.tags() {
                        (check("tags", tag, tag, form.tags.iter().any(|t| t == tag), counts.tags.get(tag).copied()))
                    }
                }
            }
            p class="total" {
                "This server will expose "
                output id="tool-count" for="create-server" aria-live="polite" { (counts.total) }
                " tools. "
                button type="submit" name="preview" value="1" class="secondary" formnovalidate data-no-js-only { "Count tools" }
            }
            fieldset {
                legend { "Tool exposure" }
                (choice("tool_exposure", "all", "All tools: every tool in scope is listed to the model", form.exposure == ToolExposure::All))
                (choice("tool_exposure", "discovery", "Discovery: three tools (search, schema, call) stand in for a long list", form.exposure == ToolExposure::Discovery))
            }
            div class="field" {
                label for="client" { "Client profile" }
                select id="client" name="client" aria-describedby="client_help" {
                    @for (value, label) in CLIENT_CHOICES {
                        option value=(value) selected[form.client.as_str() == *value] { (label) }
                    }
                }
                p id="client_help" class="help" { "How tool names and argument schemas are shown. Calls are checked the same way whatever you pick." }
            }
            fieldset {
                legend { "Sign-in" }
                (choice("auth", "url_token", "Secret URL: the URL is the credential (Cursor, Claude Desktop, scripts)", form.auth == McpAuth::UrlToken))
                (choice("auth", "oauth", "OAuth: each person signs in with a bms-mcp user (Claude.ai, ChatGPT connectors); the URL holds no secret", form.auth == McpAuth::OAuth))
            }
            div class="field" {
                span class="check" {
                    input type="checkbox" id="confirm_writes" name="confirm_writes" value="true" checked[form.confirm_writes] aria-describedby="confirm_writes_help";
                    label for="confirm_writes" { "Confirm writes: ask the user before calls that change or notify" }
                }
                p id="confirm_writes_help" class="help" { "Resolving, merging, deleting, updating and customer-visible notes wait for the user's yes in the MCP client (elicitation). Clients that cannot ask are refused those calls." }
            }
            div class="field" {
                span class="check" {
                    input type="checkbox" id="require_api_token_auth" name="require_api_token_auth" value="true" checked[form.require_api_token_auth];
                    label for="require_api_token_auth" { "Require API token: clients must also send an admin API token as a bearer token" }
                }
            }
            div class="field" {
                label for="expires_at" { "Expires (UTC, optional)" }
                input id="expires_at" name="expires_at" type="datetime-local" value=(form.expires) aria-describedby="expires_help";
                p id="expires_help" class="help" { "Leave empty for a server that never expires. It is deleted at this time." }
            }
            button type="submit" { "Create MCP Server" }
        }
    };
    page("Create MCP Server", Some(session), body)
}

fn check(name: &str, value: &str, label: &str, checked: bool, count: Option<usize>) -> Markup {
    let id = format!("{name}-{value}");
    html! {
        span class="check" {
            input type="checkbox" id=(id) name=(name) value=(value) checked[checked];
            label for=(id) {
                (label)
                @if let Some(count) = count {
                    " " span class="count" data-count-for=(format!("{name}:{value}")) { "(" (count) ")" }
                }
            }
        }
    }
}

fn choice(name: &str, value: &str, label: &str, checked: bool) -> Markup {
    let id = format!("{name}-{value}");
    html! {
        span class="check" {
            input type="radio" id=(id) name=(name) value=(value) checked[checked];
            label for=(id) { (label) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_local_values_are_read_as_utc() {
        assert_eq!(expiry("2026-12-31T23:59"), Ok(Some(1_798_761_540)));
        assert_eq!(expiry("2026-12-31T23:59:59"), Ok(Some(1_798_761_599)));
        assert_eq!(expiry(" "), Ok(None));
        assert_eq!(expiry("soon").unwrap_err().field, "expires_at");
    }
}
