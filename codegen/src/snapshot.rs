//! `generated/catalogue.json`: the tool catalogue as data, so that two catalogues can be
//! compared tool by tool (`diff`) rather than as generated Rust or as a raw spec diff.
//!
//! It holds what an agent sees and what decides whether a change breaks it: per tool the
//! operation, verb, class, tags, title, a hash of the description, each argument's location,
//! type, format, enum values and required-ness (nested body fields too), and the output schema's
//! fields; per spec operation what became of it. Output is deterministic: tools sorted by name,
//! arguments and operations in spec order, pretty-printed.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::catalogue::{ArgLocation, Catalogue, Coverage, ResultShape, ToolModel, UnbuiltRecord};
use crate::schema::root_object;

/// The snapshot's file name in `generated/`.
pub const SNAPSHOT_FILE: &str = "catalogue.json";
/// Bumped when the snapshot's form changes; an older snapshot is then treated as absent.
pub const SNAPSHOT_FORMAT: u32 = 1;

/// A whole catalogue, as compared by [`crate::diff`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogueSnapshot {
    /// The preamble: JSON has no comments.
    pub generated_by: String,
    pub format: u32,
    /// sha256 of the spec file the catalogue was made from.
    pub spec_sha256: String,
    /// Every tool, by name.
    pub tools: BTreeMap<String, ToolSnapshot>,
    /// Every spec operation (`GET /v2/...`), in spec order, and what became of it.
    pub operations: IndexMap<String, OperationStatus>,
    /// Records a lenient build set aside (never in a committed snapshot: `gen` refuses them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unbuilt: Vec<UnbuiltSnapshot>,
}

/// One tool as an agent sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSnapshot {
    /// `METHOD /path`.
    pub operation: String,
    pub verb: String,
    pub class: String,
    pub tags: Vec<String>,
    pub title: String,
    /// `sha256:` and the first 16 hex digits of the description's hash.
    pub description: String,
    /// `object`, `list`, `scalar` or `unknown`: the shape of `structuredContent`.
    pub result: String,
    /// Arguments in the order the input schema lists them.
    pub arguments: IndexMap<String, ArgSnapshot>,
    /// Output field paths (`items[].account.name`) and their types; absent without a schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<IndexMap<String, String>>,
}

/// One flat tool argument.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArgSnapshot {
    /// `path`, `query`, `body`, `whole_body`, or `runtime` for the server's own `cursor`.
    #[serde(rename = "in")]
    pub location: String,
    /// The wire name (empty for the whole body and the cursor).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub wire: String,
    pub required: bool,
    #[serde(flatten)]
    pub shape: Shape,
    /// Hash of the record's description of the argument, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Nested fields of an object or array argument, by path relative to the argument
    /// (`Address.City`, `[].op`).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub fields: IndexMap<String, FieldSnapshot>,
}

/// A nested input field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldSnapshot {
    #[serde(flatten)]
    pub shape: Shape,
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
}

/// What values a schema accepts, as far as change reports compare it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shape {
    /// `integer`, `string | null`, `array of (string | number)`, `any`, ...
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default, rename = "enum", skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<Value>>,
}

/// What became of a spec operation: `tool:<name>`, `excluded` or `undocumented`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum OperationStatus {
    Tool(String),
    Excluded,
    Undocumented,
}

/// A record set aside by a lenient build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnbuiltSnapshot {
    /// `spec/docs/x.toml line 12`.
    pub record: String,
    /// The record's operation as written.
    pub operation: String,
    pub tool: Option<String>,
    pub operation_missing: bool,
    pub reason: String,
}

/// A `catalogue.json` that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("{path} is not a catalogue snapshot: {source}")]
    Parse {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{path} has snapshot format {found}; this generator writes format {SNAPSHOT_FORMAT}")]
    Format { path: String, found: u32 },
}

impl CatalogueSnapshot {
    /// The snapshot of a built catalogue; `unbuilt` comes from a lenient build.
    pub fn of(catalogue: &Catalogue, unbuilt: &[UnbuiltRecord], spec_sha256: &str) -> Self {
        let tools = catalogue
            .tools
            .iter()
            .map(|tool| (tool.name.clone(), ToolSnapshot::of(tool)))
            .collect();
        let operations = catalogue
            .operations
            .iter()
            .map(|op| {
                let status = match &op.coverage {
                    Coverage::Tool(name) => OperationStatus::Tool(name.clone()),
                    Coverage::Excluded(_) => OperationStatus::Excluded,
                    Coverage::Undocumented => OperationStatus::Undocumented,
                };
                (format!("{} {}", op.method, op.path), status)
            })
            .collect();
        let unbuilt = unbuilt
            .iter()
            .map(|u| UnbuiltSnapshot {
                record: format!("{} line {}", u.at.file.display(), u.at.line),
                operation: u.at.operation.clone(),
                tool: u.tool.clone(),
                operation_missing: u.operation_missing,
                reason: u.reason.clone(),
            })
            .collect();
        CatalogueSnapshot {
            generated_by: "cargo xtask gen; do not edit".to_owned(),
            format: SNAPSHOT_FORMAT,
            spec_sha256: spec_sha256.to_owned(),
            tools,
            operations,
            unbuilt,
        }
    }

    /// Pretty-printed JSON with a final newline, as written to `generated/`.
    pub fn to_json(&self) -> String {
        // Serialising plain maps, strings and numbers cannot fail.
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads a snapshot; `path` is only used in messages.
    pub fn from_json(text: &str, path: &str) -> Result<Self, SnapshotError> {
        #[derive(Deserialize)]
        struct Version {
            format: u32,
        }
        let version: Version =
            serde_json::from_str(text).map_err(|source| SnapshotError::Parse {
                path: path.to_owned(),
                source,
            })?;
        if version.format != SNAPSHOT_FORMAT {
            return Err(SnapshotError::Format {
                path: path.to_owned(),
                found: version.format,
            });
        }
        serde_json::from_str(text).map_err(|source| SnapshotError::Parse {
            path: path.to_owned(),
            source,
        })
    }

    /// Whether `text` looks like a snapshot rather than an OpenAPI document.
    pub fn is_snapshot(text: &str) -> bool {
        serde_json::from_str::<Value>(text).is_ok_and(|v| {
            v.get("format").is_some() && v.get("tools").is_some() && v.get("openapi").is_none()
        })
    }
}

impl ToolSnapshot {
    fn of(tool: &ToolModel) -> Self {
        let required: Vec<&str> = tool.input_schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut arguments = IndexMap::new();
        if let Some(properties) = tool.input_schema["properties"].as_object() {
            for (name, schema) in properties {
                let model = tool.args.iter().find(|a| &a.name == name);
                let mut fields = IndexMap::new();
                input_fields("", schema, &mut fields);
                arguments.insert(
                    name.clone(),
                    ArgSnapshot {
                        location: model
                            .map_or("runtime", |m| location_name(m.location))
                            .into(),
                        wire: model.map(|m| m.wire.clone()).unwrap_or_default(),
                        required: required.contains(&name.as_str()),
                        shape: shape_of(schema),
                        description: schema["description"].as_str().map(text_hash),
                        fields,
                    },
                );
            }
        }
        let output = tool.output_schema.as_ref().map(|schema| {
            let mut fields = IndexMap::new();
            output_fields("", schema, &mut fields);
            fields
        });
        ToolSnapshot {
            operation: format!("{} {}", tool.method, tool.path),
            verb: tool.verb.as_str().to_owned(),
            class: tool.class.clone(),
            tags: tool.tags.clone(),
            title: tool.title.clone(),
            description: text_hash(&tool.description),
            result: match tool.result {
                ResultShape::Object => "object",
                ResultShape::List => "list",
                ResultShape::Scalar => "scalar",
                ResultShape::Unknown => "unknown",
            }
            .to_owned(),
            arguments,
            output,
        }
    }
}

impl From<OperationStatus> for String {
    fn from(status: OperationStatus) -> String {
        match status {
            OperationStatus::Tool(name) => format!("tool:{name}"),
            OperationStatus::Excluded => "excluded".to_owned(),
            OperationStatus::Undocumented => "undocumented".to_owned(),
        }
    }
}

impl TryFrom<String> for OperationStatus {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        match text.as_str() {
            "excluded" => Ok(OperationStatus::Excluded),
            "undocumented" => Ok(OperationStatus::Undocumented),
            other => other
                .strip_prefix("tool:")
                .map(|name| OperationStatus::Tool(name.to_owned()))
                .ok_or_else(|| format!("`{other}` is not tool:<name>, excluded or undocumented")),
        }
    }
}

/// sha256 of a file, as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A short, stable stand-in for a text that is compared but not shown.
fn text_hash(text: &str) -> String {
    let mut hex = sha256_hex(text.trim().as_bytes());
    hex.truncate(16);
    format!("sha256:{hex}")
}

fn location_name(location: ArgLocation) -> &'static str {
    match location {
        ArgLocation::Path => "path",
        ArgLocation::Query => "query",
        ArgLocation::Body => "body",
        ArgLocation::WholeBody => "whole_body",
    }
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// The compared part of a schema.
pub fn shape_of(schema: &Value) -> Shape {
    Shape {
        kind: type_of(schema),
        format: schema["format"].as_str().map(str::to_owned),
        values: schema["enum"].as_array().cloned(),
    }
}

/// A schema's type as one string: `integer`, `string | null`, `array of integer`,
/// `array of (string | null)`, `any`.
pub fn type_of(schema: &Value) -> String {
    match &schema["type"] {
        Value::String(kind) if kind == "array" => {
            let items = type_of(&schema["items"]);
            if items.contains(" | ") {
                format!("array of ({items})")
            } else {
                format!("array of {items}")
            }
        }
        Value::String(kind) => kind.clone(),
        Value::Array(kinds) => {
            join_types(kinds.iter().filter_map(Value::as_str).map(str::to_owned))
        }
        _ => {
            let branches = ["anyOf", "oneOf", "allOf"]
                .iter()
                .find_map(|k| schema[*k].as_array());
            match branches {
                Some(list) if schema["allOf"].is_array() && list.len() > 1 => "object".to_owned(),
                Some(list) => join_types(list.iter().map(type_of)),
                None => "any".to_owned(),
            }
        }
    }
}

fn join_types(kinds: impl Iterator<Item = String>) -> String {
    let mut seen: Vec<String> = Vec::new();
    for kind in kinds {
        if !seen.contains(&kind) {
            seen.push(kind);
        }
    }
    seen.join(" | ")
}

/// Nested fields of an input schema, by path relative to the argument.
fn input_fields(prefix: &str, schema: &Value, out: &mut IndexMap<String, FieldSnapshot>) {
    if schema["type"] == "array" {
        input_fields(&format!("{prefix}[]"), &schema["items"], out);
        return;
    }
    let Some(properties) = schema["properties"].as_object() else {
        return;
    };
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (name, property) in properties {
        let path = join_path(prefix, name);
        out.insert(
            path.clone(),
            FieldSnapshot {
                shape: shape_of(property),
                required: required.contains(&name.as_str()),
            },
        );
        input_fields(&path, property, out);
    }
}

/// Fields of an output schema: path → type. Nullable wrappers are seen through.
fn output_fields(prefix: &str, schema: &Value, out: &mut IndexMap<String, String>) {
    let inner = root_object(schema.clone());
    if inner["type"] == "array" {
        output_fields(&format!("{prefix}[]"), &inner["items"], out);
        return;
    }
    let Some(properties) = inner["properties"].as_object() else {
        return;
    };
    for (name, property) in properties {
        let path = join_path(prefix, name);
        out.insert(path.clone(), type_of(property));
        output_fields(&path, property, out);
    }
}

fn join_path(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}
