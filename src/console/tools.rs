//! The tool browser (the catalogue a scope exposes, searchable, each tool's description and
//! arguments readable) and the live tool counts of the create form.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::RawQuery;
use maud::{Markup, html};
use serde::Serialize;
use serde_json::Value;

use super::form::FormFields;
use super::layout::{Page, page};
use super::session::Session;
use crate::catalogue::{Catalogue, Tool, ToolFilter};

/// Tools per page of the browser.
const PAGE_SIZE: usize = 25;

/// The method classes, with what each means.
pub const CLASSES: &[(&str, &str)] = &[
    ("read", "Read: list, get, search and other lookups"),
    ("write", "Write: create, update, delete"),
    ("custom", "Custom actions (e.g. convert, assign)"),
];

/// How many tools a scope exposes, and what each further choice would yield.
#[derive(Serialize)]
pub struct ScopeCounts {
    /// Tools the scope exposes.
    pub total: usize,
    /// Per tag: tools with that tag among those the chosen methods allow.
    pub tags: BTreeMap<&'static str, usize>,
    /// Per method class or verb: tools it allows among those the chosen tags allow.
    pub methods: BTreeMap<&'static str, usize>,
}

/// Counts for a scope of `methods` and `tags` (empty lists do not filter).
pub fn scope_counts(methods: &[String], tags: &[String]) -> ScopeCounts {
    let catalogue = Catalogue::global();
    let by_methods = ToolFilter {
        methods: methods.to_vec(),
        tags: Vec::new(),
    };
    let by_tags = ToolFilter {
        methods: Vec::new(),
        tags: tags.to_vec(),
    };
    let scope = ToolFilter {
        methods: methods.to_vec(),
        tags: tags.to_vec(),
    };
    let mut counts = ScopeCounts {
        total: catalogue.filtered(&scope).count(),
        tags: catalogue.tags().into_iter().map(|t| (t, 0)).collect(),
        methods: CLASSES
            .iter()
            .map(|(class, _)| *class)
            .chain(catalogue.verbs())
            .map(|m| (m, 0))
            .collect(),
    };
    for tool in catalogue.filtered(&by_methods) {
        for tag in tool.def.tags {
            *counts.tags.entry(tag).or_default() += 1;
        }
    }
    for tool in catalogue.filtered(&by_tags) {
        *counts.methods.entry(tool.def.class.as_str()).or_default() += 1;
        if tool.def.verb != tool.def.class.as_str() {
            *counts.methods.entry(tool.def.verb).or_default() += 1;
        }
    }
    counts
}

/// `GET /admin/tool-count?methods=read&tags=crm`: the create form's live counts.
pub async fn count(_session: Session, RawQuery(query): RawQuery) -> Json<ScopeCounts> {
    let query = FormFields::parse(query.unwrap_or_default().as_bytes());
    Json(scope_counts(&query.all("methods"), &query.all("tags")))
}

/// Whether a tool matches every word of a search.
fn matches(tool: &Tool, words: &[String]) -> bool {
    let def = tool.def;
    words.iter().all(|word| {
        def.name.contains(word.as_str())
            || def.title.to_lowercase().contains(word.as_str())
            || def.description.to_lowercase().contains(word.as_str())
            || def.tags.iter().any(|t| t.contains(word.as_str()))
    })
}

/// `GET /admin/tools?q=&methods=&tags=&page=`.
pub async fn browse(session: Session, RawQuery(query): RawQuery) -> Page {
    let query = FormFields::parse(query.unwrap_or_default().as_bytes());
    let filter = ToolFilter {
        methods: query.all("methods"),
        tags: query.all("tags"),
    };
    let search = query.text("q").unwrap_or_default();
    let words: Vec<String> = search.split_whitespace().map(str::to_lowercase).collect();
    let found: Vec<&Tool> = Catalogue::global()
        .filtered(&filter)
        .filter(|t| matches(t, &words))
        .collect();
    let pages = found.len().div_ceil(PAGE_SIZE).max(1);
    let current = query
        .text("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let shown = found.iter().skip((current - 1) * PAGE_SIZE).take(PAGE_SIZE);
    let body = html! {
        h1 { "Tool browser" }
        p { "The tools an MCP server exposes, for the methods and tags it was created with. Search by name, description or tag." }
        (filter_form(&filter, &search))
        p role="status" { (found.len()) " tools" @if pages > 1 { ", page " (current) " of " (pages) } "." }
        @for tool in shown { (tool_entry(tool)) }
        @if pages > 1 { (pager(&filter, &search, current, pages)) }
    };
    page("Tool browser", Some(&session), body)
}

fn filter_form(filter: &ToolFilter, search: &str) -> Markup {
    let catalogue = Catalogue::global();
    let open = !filter.methods.is_empty() || !filter.tags.is_empty();
    html! {
        form method="get" action="/admin/tools" class="card" role="search" {
            div class="field" {
                label for="q" { "Search tools" }
                input id="q" name="q" type="search" value=(search);
            }
            details open[open] {
                summary { "Scope: methods and tags" }
                fieldset {
                    legend { "Methods" }
                    @for (class, _) in CLASSES { (checkbox("methods", class, filter.methods.iter().any(|m| m == class))) }
                    @for verb in catalogue.verbs() { (checkbox("methods", verb, filter.methods.iter().any(|m| m == verb))) }
                }
                fieldset {
                    legend { "Tags" }
                    @for tag in catalogue.tags() { (checkbox("tags", tag, filter.tags.iter().any(|t| t == tag))) }
                }
            }
            button type="submit" { "Search" }
        }
    }
}

fn checkbox(name: &str, value: &str, checked: bool) -> Markup {
    let id = format!("browse-{name}-{value}");
    html! {
        span class="check" {
            input type="checkbox" id=(id) name=(name) value=(value) checked[checked];
            label for=(id) { (value) }
        }
    }
}

fn pager(filter: &ToolFilter, search: &str, current: usize, pages: usize) -> Markup {
    let link = |page: usize| {
        let mut query = vec![("q", search.to_owned()), ("page", page.to_string())];
        query.extend(filter.methods.iter().map(|m| ("methods", m.clone())));
        query.extend(filter.tags.iter().map(|t| ("tags", t.clone())));
        let encoded: Vec<String> = query
            .iter()
            .map(|(k, v)| {
                let v =
                    percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC);
                format!("{k}={v}")
            })
            .collect();
        format!("/admin/tools?{}", encoded.join("&"))
    };
    html! {
        nav aria-label="Pages" class="pager" {
            @if current > 1 { a href=(link(current - 1)) rel="prev" { "← Previous" } }
            @if current < pages { a href=(link(current + 1)) rel="next" { "Next →" } }
        }
    }
}

/// One tool: what the model reads, where it goes, and its arguments.
fn tool_entry(tool: &Tool) -> Markup {
    let def = tool.def;
    let schema = serde_json::to_string_pretty(&tool.input_schema()).unwrap_or_default();
    html! {
        article class="tool card" id=(def.name) {
            h2 { code { (def.name) } }
            p class="meta" {
                strong { (def.title) } " · "
                code { (def.method.as_str()) " " (def.path) } " · "
                (def.class.as_str()) " / " (def.verb)
                @for tag in def.tags { " " span class="tag" { (tag) } }
            }
            div class="description" { @for paragraph in def.description.split("\n\n") { p { (paragraph) } } }
            (arguments(&tool.input_schema()))
            details {
                summary { "Input schema (JSON Schema)" }
                pre { code { (schema) } }
            }
        }
    }
}

/// The schema's top-level properties as a table a person can read.
fn arguments(schema: &Value) -> Markup {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return html! {};
    };
    if properties.is_empty() {
        return html! { p { "No arguments." } };
    }
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    html! {
        table class="arguments" {
            caption { "Arguments" }
            thead { tr { th scope="col" { "Name" } th scope="col" { "Type" } th scope="col" { "Required" } th scope="col" { "Description" } } }
            tbody {
                @for (name, property) in properties {
                    tr {
                        th scope="row" { code { (name) } }
                        td { (type_text(property)) }
                        td { @if required.contains(&name.as_str()) { "yes" } @else { "no" } }
                        td { (property.get("description").and_then(Value::as_str).unwrap_or_default()) }
                    }
                }
            }
        }
    }
}

/// `string (date-time)`, `integer`, `one of: A, B, C`, `array of integer`.
fn type_text(property: &Value) -> String {
    if let Some(values) = property.get("enum").and_then(Value::as_array) {
        let values: Vec<String> = values
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect();
        return format!("one of: {}", values.join(", "));
    }
    let kind = match property.get("type") {
        Some(Value::String(kind)) => kind.clone(),
        Some(Value::Array(kinds)) => kinds
            .iter()
            .filter_map(Value::as_str)
            .filter(|k| *k != "null")
            .collect::<Vec<_>>()
            .join(" or "),
        _ => "any".to_owned(),
    };
    let kind = match (kind.as_str(), property.get("items")) {
        ("array", Some(items)) => format!("array of {}", type_text(items)),
        _ => kind,
    };
    match property.get("format").and_then(Value::as_str) {
        Some(format) => format!("{kind} ({format})"),
        None => kind,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_follow_the_scope_filter() {
        let all = scope_counts(&[], &[]);
        assert_eq!(all.total, Catalogue::global().tools().len());
        let crm = scope_counts(&["read".into()], &["crm".into()]);
        assert!(crm.total > 0 && crm.total < all.total);
        assert_eq!(crm.tags["crm"], crm.total, "the crm count is the crm scope");
        assert!(crm.methods["read"] >= crm.total);
    }

    #[test]
    fn argument_types_read_as_words() {
        assert_eq!(
            type_text(&json!({"type": "string", "format": "date-time"})),
            "string (date-time)"
        );
        assert_eq!(type_text(&json!({"type": ["integer", "null"]})), "integer");
        assert_eq!(type_text(&json!({"enum": ["A", 1]})), "one of: A, 1");
        assert_eq!(
            type_text(&json!({"type": "array", "items": {"type": "integer"}})),
            "array of integer"
        );
    }
}
