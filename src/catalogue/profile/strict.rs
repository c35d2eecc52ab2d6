//! OpenAI's strict function-calling subset (Structured Outputs): every object lists all its
//! properties in `required` and sets `additionalProperties: false`; an optional property
//! becomes nullable (`anyOf` it or null) instead; only the keywords strict mode supports remain
//! (string `pattern` and a few formats; numeric bounds; array item counts). A dropped
//! constraint the server still checks (`minLength`, `uniqueItems`, a format such as
//! `date-span`) is said in the description, so the model can meet it.
//!
//! Strict mode has no way to say "an object with any keys". Such an object is shown as the
//! JSON text of the object where it is a tool argument (the call reads it back, for every
//! client: `call::json_text`) and dropped from an `anyOf` that has other branches; an optional
//! member that still holds one (a nested object, a list of them) is left out, and said so.
//! The OpenAI Agents SDK's `ensure_strict_json_schema` refuses any object that is not closed,
//! so this is what lets it convert every tool.

use serde_json::{Map, Value, json};

/// String formats strict mode supports.
const STRING_FORMATS: &[&str] = &[
    "date-time",
    "time",
    "date",
    "duration",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "uuid",
];

/// Keywords kept per type; everything else is dropped (the server still checks it).
const COMMON: &[&str] = &["type", "description", "title", "enum"];
const STRING_KEYWORDS: &[&str] = &["pattern"];
const NUMBER_KEYWORDS: &[&str] = &[
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
];
const ARRAY_KEYWORDS: &[&str] = &["minItems", "maxItems"];

/// A schema strict mode cannot express: a required member below the arguments' top level that
/// is, or holds, an object whose members are not fixed.
#[derive(Debug, PartialEq, Eq)]
pub struct FreeFormObject {
    pub path: String,
}

/// The strict form of an argument schema.
pub fn adapt(schema: &Value) -> Result<Value, FreeFormObject> {
    adapt_node(schema, "", true)
}

fn adapt_node(node: &Value, path: &str, root: bool) -> Result<Value, FreeFormObject> {
    let Some(node) = node.as_object() else {
        return Ok(node.clone());
    };
    if let Some(Value::Array(options)) = node.get("anyOf") {
        return adapt_any_of(node, options, path);
    }
    match node.get("type").and_then(Value::as_str) {
        Some("object") => adapt_object(node, path, root),
        Some("array") => {
            let mut out = keep(node, ARRAY_KEYWORDS);
            let items = match node.get("items") {
                Some(items) => adapt_node(items, &format!("{path}[]"), false)?,
                // Strict mode wants every array's items described: any JSON scalar.
                None => {
                    json!({"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]})
                }
            };
            out.insert("items".into(), items);
            if node.get("uniqueItems") == Some(&Value::Bool(true)) {
                add_note(&mut out, "No item may repeat.");
            }
            Ok(Value::Object(out))
        }
        Some("string") => {
            let mut out = keep(node, STRING_KEYWORDS);
            match node.get("format").and_then(Value::as_str) {
                Some(format) if STRING_FORMATS.contains(&format) => {
                    out.insert("format".into(), format.into());
                }
                Some("date-span") => add_note(&mut out, "A time span, hh:mm:ss."),
                Some(format) => add_note(&mut out, &format!("Format: {format}.")),
                None => {}
            }
            match (node.get("minLength"), node.get("maxLength")) {
                (Some(min), Some(max)) => {
                    add_note(&mut out, &format!("{min} to {max} characters."));
                }
                (Some(min), None) if min == 1 => add_note(&mut out, "Not empty."),
                (Some(min), None) => add_note(&mut out, &format!("At least {min} characters.")),
                (None, Some(max)) => add_note(&mut out, &format!("At most {max} characters.")),
                (None, None) => {}
            }
            Ok(Value::Object(out))
        }
        Some("integer" | "number") => Ok(Value::Object(keep(node, NUMBER_KEYWORDS))),
        _ => Ok(Value::Object(keep(node, &[]))),
    }
}

/// `anyOf` with its branches adapted; free-form object branches are dropped while another
/// branch remains.
fn adapt_any_of(
    node: &Map<String, Value>,
    options: &[Value],
    path: &str,
) -> Result<Value, FreeFormObject> {
    let (free, fixed): (Vec<&Value>, Vec<&Value>) = options
        .iter()
        .partition(|o| o.as_object().is_some_and(is_free_form));
    if fixed.is_empty() {
        return Err(FreeFormObject {
            path: path.to_owned(),
        });
    }
    let options = fixed
        .into_iter()
        .enumerate()
        .map(|(i, o)| adapt_node(o, &format!("{path}/anyOf/{i}"), false))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = keep(node, &["description", "title"]);
    out.insert("anyOf".into(), Value::Array(options));
    if !free.is_empty() {
        add_note(
            &mut out,
            "An object cannot be given here in this client profile.",
        );
    }
    Ok(Value::Object(out))
}

fn adapt_object(
    node: &Map<String, Value>,
    path: &str,
    root: bool,
) -> Result<Value, FreeFormObject> {
    // The root is the exception: no properties there means the tool takes no arguments.
    if !root && is_free_form(node) {
        return Err(FreeFormObject {
            path: path.to_owned(),
        });
    }
    let properties = node.get("properties").and_then(Value::as_object);
    let required: Vec<&str> = node
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = keep(node, &[]);
    let mut strict_properties = Map::new();
    let mut left_out = Vec::new();
    for (name, schema) in properties.into_iter().flatten() {
        let optional = !required.contains(&name.as_str());
        let free_form = schema.as_object().is_some_and(is_free_form);
        let adapted = if free_form && root {
            Ok(json_text(schema))
        } else {
            adapt_node(schema, &format!("{path}.{name}"), false)
        };
        let mut adapted = match adapted {
            Ok(adapted) => adapted,
            // An optional member strict mode cannot describe is not shown: the model can
            // still do without it, and the description says it is missing.
            Err(_) if optional => {
                left_out.push(name.as_str());
                continue;
            }
            Err(error) => return Err(error),
        };
        if optional {
            make_nullable(&mut adapted);
        }
        strict_properties.insert(name.clone(), adapted);
    }
    if !left_out.is_empty() {
        add_note(
            &mut out,
            &format!(
                "{} cannot be given in this client profile.",
                left_out.join(", ")
            ),
        );
    }
    let all: Vec<Value> = strict_properties.keys().cloned().map(Value::from).collect();
    out.insert("properties".into(), Value::Object(strict_properties));
    out.insert("required".into(), Value::Array(all));
    out.insert("additionalProperties".into(), Value::Bool(false));
    Ok(Value::Object(out))
}

/// An object whose members are not all fixed: no `properties`, or extra members allowed.
fn is_free_form(node: &Map<String, Value>) -> bool {
    let is_object = node.get("type").and_then(Value::as_str) == Some("object");
    let no_properties = node
        .get("properties")
        .and_then(Value::as_object)
        .is_none_or(Map::is_empty);
    let closed = node.get("additionalProperties") == Some(&Value::Bool(false));
    is_object && (no_properties || !closed)
}

/// A free-form object argument as a string holding its JSON text.
fn json_text(schema: &Value) -> Value {
    let mut out = Map::new();
    if let Some(description) = schema.get("description") {
        out.insert("description".into(), description.clone());
    }
    out.insert("type".into(), "string".into());
    add_note(&mut out, "Give it as the JSON text of the object.");
    Value::Object(out)
}

/// Appends `note` to a node's description (or makes it the description).
fn add_note(node: &mut Map<String, Value>, note: &str) {
    let text = match node.get("description").and_then(Value::as_str) {
        Some(description) => format!("{description} {note}"),
        None => note.to_owned(),
    };
    node.insert("description".into(), text.into());
}

/// Lets `null` stand for "not given": `anyOf` the schema or null. Strict mode takes a type
/// array too, but single-type branches are the portable form (the MCP Inspector's `--strict`
/// lint warns about type arrays).
fn make_nullable(schema: &mut Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if let Some(Value::Array(options)) = object.get_mut("anyOf") {
        options.push(json!({"type": "null"}));
        return;
    }
    let mut outer = Map::new();
    for key in ["description", "title"] {
        if let Some(value) = object.remove(key) {
            outer.insert(key.into(), value);
        }
    }
    let inner = std::mem::take(object);
    outer.insert(
        "anyOf".into(),
        json!([Value::Object(inner), {"type": "null"}]),
    );
    *object = outer;
}

/// The common keywords and `extra` ones of a node.
fn keep(node: &Map<String, Value>, extra: &[&str]) -> Map<String, Value> {
    node.iter()
        .filter(|(k, _)| COMMON.contains(&k.as_str()) || extra.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;

    /// The strict-mode rules, checked on an adapted schema: every object closed and fully
    /// required, and no keyword outside the supported subset.
    fn violations(schema: &Value, path: &str, out: &mut Vec<String>) {
        let Some(node) = schema.as_object() else {
            return;
        };
        const ALLOWED: &[&str] = &[
            "type",
            "description",
            "title",
            "enum",
            "pattern",
            "format",
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
            "minItems",
            "maxItems",
            "items",
            "properties",
            "required",
            "additionalProperties",
            "anyOf",
        ];
        for key in node.keys() {
            if !ALLOWED.contains(&key.as_str()) {
                out.push(format!("{path}: keyword {key}"));
            }
        }
        if let Some(format) = node.get("format").and_then(Value::as_str)
            && !STRING_FORMATS.contains(&format)
        {
            out.push(format!("{path}: format {format}"));
        }
        let is_object = node.get("type").is_some_and(|t| {
            t == "object" || t.as_array().is_some_and(|a| a.contains(&"object".into()))
        });
        if is_object {
            let properties = node.get("properties").and_then(Value::as_object);
            let required = node.get("required").and_then(Value::as_array);
            if node.get("additionalProperties") != Some(&Value::Bool(false)) {
                out.push(format!("{path}: object not closed"));
            }
            let names: Vec<&String> = properties.into_iter().flat_map(|p| p.keys()).collect();
            let listed = required.map_or(0, Vec::len);
            if listed != names.len() {
                out.push(format!("{path}: not every property required"));
            }
            for (name, schema) in properties.into_iter().flatten() {
                violations(schema, &format!("{path}.{name}"), out);
            }
        }
        if let Some(items) = node.get("items") {
            violations(items, &format!("{path}[]"), out);
        } else if node.get("type").is_some_and(|t| t == "array") {
            out.push(format!("{path}: array without items"));
        }
        for (i, option) in node
            .get("anyOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            violations(option, &format!("{path}/anyOf/{i}"), out);
        }
    }

    #[test]
    fn every_tool_has_a_strict_schema_that_meets_the_rules() {
        let mut unexpressible = Vec::new();
        for tool in Catalogue::global().tools() {
            match adapt(&tool.input_schema()) {
                Ok(strict) => {
                    let mut found = Vec::new();
                    violations(&strict, "", &mut found);
                    assert!(found.is_empty(), "{}: {found:?}", tool.name());
                }
                Err(free) => unexpressible.push(format!("{}{}", tool.name(), free.path)),
            }
        }
        assert!(unexpressible.is_empty(), "{unexpressible:#?}");
    }

    #[test]
    fn optional_properties_become_nullable_and_required_ones_stay() {
        let schema = json!({
            "type": "object",
            "properties": {
                "id": {"type": "integer", "format": "int32", "minimum": 0},
                "status": {"type": "integer", "enum": [1, 2]},
                "tags": {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": true}
            },
            "required": ["id"],
            "additionalProperties": false
        });
        let strict = adapt(&schema).unwrap();
        assert_eq!(
            strict,
            json!({
                "type": "object",
                "properties": {
                    "id": {"type": "integer", "minimum": 0},
                    "status": {"anyOf": [{"type": "integer", "enum": [1, 2]}, {"type": "null"}]},
                    "tags": {
                        "description": "No item may repeat.",
                        "anyOf": [
                            {"type": "array", "items": {"type": "string", "description": "Not empty."}},
                            {"type": "null"}
                        ]
                    }
                },
                "required": ["id", "status", "tags"],
                "additionalProperties": false
            })
        );
    }

    #[test]
    fn dropped_string_constraints_are_said_in_the_description() {
        let schema = json!({
            "type": "object",
            "properties": {
                "start": {"type": "string", "format": "date-span", "description": "Start time."},
                "code": {"type": "string", "minLength": 2, "maxLength": 8},
                "when": {"type": "string", "format": "date-time"}
            },
            "required": ["start", "code", "when"],
            "additionalProperties": false
        });
        let strict = adapt(&schema).unwrap();
        assert_eq!(
            strict["properties"]["start"],
            json!({"type": "string", "description": "Start time. A time span, hh:mm:ss."})
        );
        assert_eq!(
            strict["properties"]["code"],
            json!({"type": "string", "description": "2 to 8 characters."})
        );
        assert_eq!(
            strict["properties"]["when"],
            json!({"type": "string", "format": "date-time"})
        );
    }

    #[test]
    fn a_free_form_argument_is_shown_as_json_text() {
        let schema = json!({
            "type": "object",
            "properties": {
                "settings": {"type": "object", "description": "Key-value pairs.", "additionalProperties": {"type": "string"}},
                "extra": {"type": "object"}
            },
            "required": ["settings"],
            "additionalProperties": false
        });
        let strict = adapt(&schema).unwrap();
        assert_eq!(
            strict["properties"]["settings"],
            json!({
                "type": "string",
                "description": "Key-value pairs. Give it as the JSON text of the object."
            })
        );
        assert_eq!(strict["properties"]["extra"]["anyOf"][0]["type"], "string");
        assert_eq!(strict["required"], json!(["settings", "extra"]));
    }

    #[test]
    fn members_holding_free_form_objects_are_left_out_when_optional_and_named_when_required() {
        let member = |required: &[&str]| {
            json!({
                "type": "object",
                "properties": {
                    "rows": {"type": "array", "items": {
                        "type": "object",
                        "properties": {"Name": {"type": "string"}, "Parent": {"type": "object"}},
                        "required": required,
                        "additionalProperties": false
                    }}
                },
                "required": ["rows"],
                "additionalProperties": false
            })
        };
        let strict = adapt(&member(&[])).unwrap();
        let row = &strict["properties"]["rows"]["items"];
        assert_eq!(row["required"], json!(["Name"]));
        assert_eq!(
            row["description"],
            "Parent cannot be given in this client profile."
        );
        assert_eq!(
            adapt(&member(&["Parent"])),
            Err(FreeFormObject {
                path: ".rows[].Parent".into()
            })
        );
        let no_arguments = json!({"type": "object", "properties": {}});
        assert!(adapt(&no_arguments).is_ok());
    }

    #[test]
    fn an_any_of_keeps_its_expressible_branches() {
        let schema = json!({
            "type": "object",
            "properties": {"value": {"anyOf": [{"type": "string"}, {"type": "object"}, {"type": "array"}]}},
            "required": ["value"],
            "additionalProperties": false
        });
        let strict = adapt(&schema).unwrap();
        assert_eq!(
            strict["properties"]["value"],
            json!({
                "description": "An object cannot be given here in this client profile.",
                "anyOf": [
                    {"type": "string"},
                    {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]}}
                ]
            })
        );
    }
}
