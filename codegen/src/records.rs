//! Documentation records: the TOML files in `spec/docs/` that turn spec operations into tools.
//! This module parses and checks their form; `catalogue` checks them against the spec.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;

use crate::error::{GenError, RecordLocation};

/// The tags a record may carry. MCP server configs filter on these, so a typo would silently
/// hide a tool: unknown tags are refused.
pub const KNOWN_TAGS: &[&str] = &[
    "servicedesk",
    "crm",
    "lookups",
    "itglue",
    "quickbooks",
    "finance",
    "inventory",
    "projects",
    "hr",
    "time",
    "contracts",
    "system",
    "clientportal",
    "admin",
    "rmm",
    "assets",
    "sales",
    "dashboard",
    "kaseya_one",
    "webhooks",
    "workflows",
];

/// The method classes an MCP server config can allow.
pub const METHOD_CLASSES: &[&str] = &["read", "write", "custom"];

/// One record file, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    record: Vec<RawRecord>,
    #[serde(default)]
    excluded: Vec<RawExclusion>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecord {
    operation: toml::Spanned<String>,
    resource: String,
    verb: Option<String>,
    class: Option<String>,
    title: String,
    tags: Vec<String>,
    description: String,
    body_arg: Option<String>,
    destructive: Option<bool>,
    #[serde(default)]
    args: IndexMap<String, String>,
    #[serde(default)]
    resolve: IndexMap<String, RawResolve>,
    #[serde(default)]
    defaults: IndexMap<String, String>,
    #[serde(default)]
    omit: IndexMap<String, String>,
}

/// `id_arg = "lookup_tool"` or `id_arg = { tool, args, name_arg, default_flag }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawResolve {
    Tool(String),
    Full {
        tool: String,
        #[serde(default)]
        args: IndexMap<String, String>,
        name_arg: Option<String>,
        default_flag: Option<String>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExclusion {
    operation: toml::Spanned<String>,
    reason: String,
}

/// A record that makes an operation a tool.
#[derive(Debug, Clone)]
pub struct Record {
    pub at: RecordLocation,
    /// File stem (`tickets` for `spec/docs/tickets.toml`): the generated module's name.
    pub group: String,
    pub method: String,
    pub path: String,
    pub resource: String,
    pub verb: Option<String>,
    pub class: Option<String>,
    pub title: String,
    pub tags: Vec<String>,
    pub description: String,
    pub body_arg: Option<String>,
    /// `destructive = true` marks a POST that changes or ends what exists (resolve, merge),
    /// which the HTTP method alone would call additive.
    pub destructive: Option<bool>,
    /// Argument name → description, in the order written.
    pub args: IndexMap<String, String>,
    /// ID arguments that also take a name, resolved through a lookup tool.
    pub resolve: Vec<ResolveSpec>,
    /// `[record.defaults]`: arguments the server fills in when the agent leaves them out.
    pub defaults: Vec<(String, ArgDefault)>,
    /// `[record.omit]`: argument name → why it is not shown to the agent.
    pub omit: IndexMap<String, String>,
}

/// A value the server supplies for an argument the agent left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgDefault {
    /// The current time, UTC, as an RFC 3339 date-time (`"now"` in a record).
    Now,
}

impl ArgDefault {
    /// The record spelling of every default, for messages.
    pub const SPELLINGS: &'static [&'static str] = &["now"];

    fn parse(text: &str) -> Option<ArgDefault> {
        match text {
            "now" => Some(ArgDefault::Now),
            _ => None,
        }
    }
}

/// A record's `[record.resolve]` entry: `id_arg` may be given as a name instead, looked up with
/// `tool` (called with the fixed `args`) and matched on the items' `name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveSpec {
    pub id_arg: String,
    pub tool: String,
    pub args: Vec<(String, String)>,
    /// The name argument; by default `id_arg` without its `_id` suffix.
    pub name_arg: Option<String>,
    /// The lookup items' boolean field that marks the tenant's default entry (`IsDefault`):
    /// when set, leaving out both forms means that entry.
    pub default_flag: Option<String>,
}

/// A record that keeps an operation out of the catalogue on purpose.
#[derive(Debug, Clone)]
pub struct Exclusion {
    pub at: RecordLocation,
    pub method: String,
    pub path: String,
    pub reason: String,
}

/// Every record and exclusion found in a folder, files in name order.
#[derive(Debug, Default)]
pub struct RecordSet {
    pub records: Vec<Record>,
    pub exclusions: Vec<Exclusion>,
}

/// Reads every `*.toml` file in `dir`. `display_root` shortens the paths in messages.
pub fn load_dir(dir: &Path, display_root: &Path) -> Result<RecordSet, GenError> {
    let entries = std::fs::read_dir(dir).map_err(|e| GenError::io(dir, e))?;
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| GenError::io(dir, e))?.path();
        if path.extension().is_some_and(|ext| ext == "toml") {
            files.push(path);
        }
    }
    files.sort();
    let mut set = RecordSet::default();
    for path in files {
        let text = std::fs::read_to_string(&path).map_err(|e| GenError::io(&path, e))?;
        let shown = path.strip_prefix(display_root).unwrap_or(&path);
        parse_file(&text, shown, &mut set)?;
    }
    Ok(set)
}

/// Parses one record file's text into `set`. `path` is only used in messages and for the group.
pub fn parse_file(text: &str, path: &Path, set: &mut RecordSet) -> Result<(), GenError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| GenError::RecordSyntax {
        path: path.to_owned(),
        message: syntax_message(text, &e),
    })?;
    let group = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    for record in raw.record {
        let at = locate(path, text, &record.operation);
        let (method, op_path) = split_operation(&at, record.operation.get_ref())?;
        let defaults = parse_defaults(&at, record.defaults)?;
        let record = Record {
            at,
            group: group.clone(),
            method,
            path: op_path,
            resource: record.resource,
            verb: record.verb,
            class: record.class,
            title: record.title,
            tags: record.tags,
            description: record.description.trim().to_owned(),
            body_arg: record.body_arg,
            destructive: record.destructive,
            args: record.args,
            resolve: record
                .resolve
                .into_iter()
                .map(|(id_arg, raw)| match raw {
                    RawResolve::Tool(tool) => ResolveSpec {
                        id_arg,
                        tool,
                        args: Vec::new(),
                        name_arg: None,
                        default_flag: None,
                    },
                    RawResolve::Full {
                        tool,
                        args,
                        name_arg,
                        default_flag,
                    } => ResolveSpec {
                        id_arg,
                        tool,
                        args: args.into_iter().collect(),
                        name_arg,
                        default_flag,
                    },
                })
                .collect(),
            defaults,
            omit: record.omit,
        };
        check_form(&record)?;
        set.records.push(record);
    }
    for exclusion in raw.excluded {
        let at = locate(path, text, &exclusion.operation);
        let (method, op_path) = split_operation(&at, exclusion.operation.get_ref())?;
        if exclusion.reason.trim().is_empty() {
            return Err(field_error(
                &at,
                "reason",
                "say why the operation is excluded",
            ));
        }
        set.exclusions.push(Exclusion {
            at,
            method,
            path: op_path,
            reason: exclusion.reason.trim().to_owned(),
        });
    }
    Ok(())
}

fn parse_defaults(
    at: &RecordLocation,
    raw: IndexMap<String, String>,
) -> Result<Vec<(String, ArgDefault)>, GenError> {
    raw.into_iter()
        .map(|(arg, text)| match ArgDefault::parse(text.trim()) {
            Some(default) => Ok((arg, default)),
            None => Err(field_error(
                at,
                "defaults",
                format!(
                    "`{arg} = {text:?}`: the server knows these defaults: {}",
                    ArgDefault::SPELLINGS.join(", ")
                ),
            )),
        })
        .collect()
}

fn syntax_message(text: &str, error: &toml::de::Error) -> String {
    match error.span() {
        Some(span) => format!("line {}: {}", line_of(text, span.start), error.message()),
        None => error.message().to_owned(),
    }
}

fn locate(path: &Path, text: &str, operation: &toml::Spanned<String>) -> RecordLocation {
    RecordLocation {
        file: path.to_owned(),
        line: line_of(text, operation.span().start),
        operation: operation.get_ref().clone(),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(0, |before| before.matches('\n').count())
        + 1
}

fn field_error(at: &RecordLocation, field: &'static str, message: impl Into<String>) -> GenError {
    GenError::RecordField {
        at: at.clone(),
        field,
        message: message.into(),
    }
}

/// `"GET /v2/x"` → (`GET`, `/v2/x`).
fn split_operation(at: &RecordLocation, operation: &str) -> Result<(String, String), GenError> {
    let mut parts = operation.split_whitespace();
    let (Some(method), Some(path), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(field_error(
            at,
            "operation",
            "write the HTTP method and the spec path, e.g. `GET /v2/servicedesk/tickets`",
        ));
    };
    let method = method.to_ascii_uppercase();
    if !matches!(method.as_str(), "GET" | "POST" | "PUT" | "PATCH" | "DELETE") {
        return Err(field_error(
            at,
            "operation",
            format!(
                "`{method}` is not an HTTP method the spec uses (GET, POST, PUT, PATCH, DELETE)"
            ),
        ));
    }
    Ok((method, path.to_owned()))
}

/// Checks of a record that need no spec.
fn check_form(record: &Record) -> Result<(), GenError> {
    let at = &record.at;
    let is_word = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    if !is_word(&record.resource) {
        return Err(field_error(
            at,
            "resource",
            format!(
                "`{}` must be snake_case (a-z, 0-9, _), e.g. `servicedesk_ticket_note`",
                record.resource
            ),
        ));
    }
    if let Some(verb) = &record.verb
        && !is_word(verb)
    {
        return Err(field_error(
            at,
            "verb",
            format!("`{verb}` must be one lowercase word such as `list`, `get` or `search`"),
        ));
    }
    if let Some(class) = &record.class
        && !METHOD_CLASSES.contains(&class.as_str())
    {
        return Err(field_error(
            at,
            "class",
            format!(
                "`{class}` is not a method class; use one of: {}",
                METHOD_CLASSES.join(", ")
            ),
        ));
    }
    // The hint may only say more than the method: a read is never destructive and a DELETE
    // always is.
    match (record.method.as_str(), record.destructive) {
        ("GET", Some(true)) => {
            return Err(field_error(
                at,
                "destructive",
                "a GET only reads; remove `destructive`",
            ));
        }
        (_, Some(true)) if record.class.as_deref() == Some("read") => {
            return Err(field_error(
                at,
                "destructive",
                "a tool of the read class only reads; remove `destructive` or the class",
            ));
        }
        ("DELETE", Some(false)) => {
            return Err(field_error(
                at,
                "destructive",
                "a DELETE removes data, so it is always destructive; remove `destructive`",
            ));
        }
        _ => {}
    }
    if record.title.trim().is_empty() {
        return Err(field_error(
            at,
            "title",
            "give the tool a short human title",
        ));
    }
    if record.description.is_empty() {
        return Err(field_error(
            at,
            "description",
            "write what the tool does and when to use it; it is the only manual the model reads",
        ));
    }
    if record.tags.is_empty() {
        return Err(field_error(at, "tags", "give at least one tag"));
    }
    for tag in &record.tags {
        if !KNOWN_TAGS.contains(&tag.as_str()) {
            return Err(field_error(
                at,
                "tags",
                format!("unknown tag `{tag}`; known tags: {}", KNOWN_TAGS.join(", ")),
            ));
        }
    }
    if let Some(body_arg) = &record.body_arg
        && !is_word(body_arg)
    {
        return Err(field_error(
            at,
            "body_arg",
            format!("`{body_arg}` must be snake_case"),
        ));
    }
    for (name, reason) in &record.omit {
        if reason.trim().is_empty() {
            return Err(field_error(
                at,
                "omit",
                format!("say why argument `{name}` is kept from the agent"),
            ));
        }
        if record.args.contains_key(name) {
            return Err(field_error(
                at,
                "omit",
                format!("argument `{name}` is both described and omitted; keep one"),
            ));
        }
    }
    for (name, description) in &record.args {
        if description.trim().is_empty() {
            return Err(field_error(
                at,
                "args",
                format!(
                    "argument `{name}` has an empty description; describe it or remove the line"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RecordSet, GenError> {
        let mut set = RecordSet::default();
        parse_file(text, Path::new("spec/docs/tickets.toml"), &mut set)?;
        Ok(set)
    }

    #[track_caller]
    fn check_error(text: &str, expect: &str) {
        let message = parse(text)
            .expect_err("the record should be refused")
            .to_string();
        assert_eq!(message, expect);
    }

    const GOOD: &str = r#"
[[record]]
operation = "GET /v2/servicedesk/tickets"
resource = "servicedesk_tickets"
title = "List tickets"
tags = ["servicedesk"]
description = """
Lists tickets.
"""
[record.args]
filter_queue_names = "Comma-separated queue names."

[[excluded]]
operation = "GET /v2/integrations/itglue/passwords/{passwordId}"
reason = "Clear-text password."
"#;

    #[test]
    fn a_good_file_parses_with_locations_and_group() {
        let set = parse(GOOD).expect("parses");
        let record = &set.records[0];
        assert_eq!(record.method, "GET");
        assert_eq!(record.path, "/v2/servicedesk/tickets");
        assert_eq!(record.group, "tickets");
        assert_eq!(record.at.line, 3);
        assert_eq!(record.description, "Lists tickets.");
        assert_eq!(set.exclusions[0].at.line, 14);
    }

    #[test]
    fn unknown_tag_is_refused_with_the_known_list() {
        let text = GOOD.replace("[\"servicedesk\"]", "[\"helpdesk\"]");
        let message = parse(&text).expect_err("refused").to_string();
        assert!(
            message.starts_with("spec/docs/tickets.toml line 3 (`GET /v2/servicedesk/tickets`): field `tags`: unknown tag `helpdesk`; known tags: servicedesk, crm"),
            "{message}"
        );
    }

    #[test]
    fn malformed_operation_says_how_to_write_it() {
        check_error(
            &GOOD.replace("GET /v2/servicedesk/tickets\"", "/v2/servicedesk/tickets\""),
            "spec/docs/tickets.toml line 3 (`/v2/servicedesk/tickets`): field `operation`: write the HTTP method and the spec path, e.g. `GET /v2/servicedesk/tickets`",
        );
        check_error(
            &GOOD.replace(
                "GET /v2/servicedesk/tickets\"",
                "FETCH /v2/servicedesk/tickets\"",
            ),
            "spec/docs/tickets.toml line 3 (`FETCH /v2/servicedesk/tickets`): field `operation`: `FETCH` is not an HTTP method the spec uses (GET, POST, PUT, PATCH, DELETE)",
        );
    }

    #[test]
    fn resource_must_be_snake_case() {
        check_error(
            &GOOD.replace("\"servicedesk_tickets\"", "\"ServiceDesk\""),
            "spec/docs/tickets.toml line 3 (`GET /v2/servicedesk/tickets`): field `resource`: `ServiceDesk` must be snake_case (a-z, 0-9, _), e.g. `servicedesk_ticket_note`",
        );
    }

    #[test]
    fn empty_description_and_missing_reason_are_refused() {
        let text = GOOD.replace("Lists tickets.", "  ");
        let message = parse(&text).expect_err("refused").to_string();
        assert!(message.contains("field `description`"), "{message}");
        let text = GOOD.replace("Clear-text password.", "");
        let message = parse(&text).expect_err("refused").to_string();
        assert!(
            message.contains("line 14") && message.contains("field `reason`"),
            "{message}"
        );
    }

    #[test]
    fn a_destructive_hint_that_contradicts_the_method_is_refused() {
        let text = GOOD.replace("title =", "destructive = true\ntitle =");
        let message = parse(&text).expect_err("refused").to_string();
        assert!(message.contains("a GET only reads"), "{message}");
        let text = GOOD
            .replace(
                "\"GET /v2/servicedesk/tickets\"",
                "\"DELETE /v2/servicedesk/tickets\"",
            )
            .replace("title =", "destructive = false\ntitle =");
        let message = parse(&text).expect_err("refused").to_string();
        assert!(message.contains("always destructive"), "{message}");
        let text = GOOD
            .replace(
                "\"GET /v2/servicedesk/tickets\"",
                "\"POST /v2/servicedesk/tickets\"",
            )
            .replace("title =", "destructive = true\ntitle =");
        assert!(parse(&text).is_ok(), "a POST may say it is destructive");
    }

    #[test]
    fn unknown_class_and_bad_verb_are_refused() {
        let text = GOOD.replace("title =", "class = \"admin\"\ntitle =");
        let message = parse(&text).expect_err("refused").to_string();
        assert!(
            message.contains("`admin` is not a method class; use one of: read, write, custom"),
            "{message}"
        );
        let text = GOOD.replace("title =", "verb = \"Search\"\ntitle =");
        let message = parse(&text).expect_err("refused").to_string();
        assert!(message.contains("field `verb`"), "{message}");
    }

    #[test]
    fn unknown_keys_and_toml_errors_name_the_line() {
        let text = GOOD.replace("title =", "summary = \"x\"\ntitle =");
        let message = parse(&text).expect_err("refused").to_string();
        assert!(
            message.starts_with("spec/docs/tickets.toml: line 5: unknown field `summary`"),
            "{message}"
        );
    }
}
