//! OpenAI's strict function-calling subset (Structured Outputs): every object lists all its
//! properties in `required` and sets `additionalProperties: false`; an optional property
//! becomes nullable (`anyOf` it or null) instead; only the keywords strict mode supports remain (string `pattern`
//! and a few formats; numeric bounds; array item counts).

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

/// A schema strict mode cannot express: an object whose properties are not fixed.
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
        let options = options
            .iter()
            .enumerate()
            .map(|(i, o)| adapt_node(o, &format!("{path}/anyOf/{i}"), false))
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = keep(node, &["description", "title"]);
        out.insert("anyOf".into(), Value::Array(options));
        return Ok(Value::Object(out));
    }
    match node.get("type").and_then(Value::as_str) {
        Some("object") => adapt_object(node, path, root),
        Some("array") => {
            let mut out = keep(node, ARRAY_KEYWORDS);
            if let Some(items) = node.get("items") {
                out.insert(
                    "items".into(),
                    adapt_node(items, &format!("{path}[]"), false)?,
                );
            }
            Ok(Value::Object(out))
        }
        Some("string") => {
            let mut out = keep(node, STRING_KEYWORDS);
            if let Some(format) = node.get("format").and_then(Value::as_str)
                && STRING_FORMATS.contains(&format)
            {
                out.insert("format".into(), format.into());
            }
            Ok(Value::Object(out))
        }
        Some("integer" | "number") => Ok(Value::Object(keep(node, NUMBER_KEYWORDS))),
        _ => Ok(Value::Object(keep(node, &[]))),
    }
}

fn adapt_object(
    node: &Map<String, Value>,
    path: &str,
    root: bool,
) -> Result<Value, FreeFormObject> {
    let properties = node.get("properties").and_then(Value::as_object);
    let closed = node.get("additionalProperties") == Some(&Value::Bool(false));
    // An object with no fixed properties takes any members: strict mode has no way to say so.
    // The root is the exception: no properties there means the tool takes no arguments.
    if !root && (properties.is_none_or(Map::is_empty) || !closed) {
        return Err(FreeFormObject {
            path: path.to_owned(),
        });
    }
    let required: Vec<&str> = node
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = keep(node, &[]);
    let mut strict_properties = Map::new();
    for (name, schema) in properties.into_iter().flatten() {
        let mut adapted = adapt_node(schema, &format!("{path}.{name}"), false)?;
        if !required.contains(&name.as_str()) {
            make_nullable(&mut adapted);
        }
        strict_properties.insert(name.clone(), adapted);
    }
    let all: Vec<Value> = strict_properties.keys().cloned().map(Value::from).collect();
    out.insert("properties".into(), Value::Object(strict_properties));
    out.insert("required".into(), Value::Array(all));
    out.insert("additionalProperties".into(), Value::Bool(false));
    Ok(Value::Object(out))
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
    fn every_expressible_schema_meets_the_strict_rules_and_the_rest_are_few() {
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
        // Free-form objects: company settings, the ten QuickBooks imports and the JSON Patch
        // `value` of the five patch tools (16 tools).
        assert!(unexpressible.len() <= 16, "{unexpressible:#?}");
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
                    "tags": {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}]}
                },
                "required": ["id", "status", "tags"],
                "additionalProperties": false
            })
        );
    }

    #[test]
    fn free_form_objects_are_named_not_guessed() {
        let schema = json!({"type": "object", "properties": {"settings": {"type": "object"}}});
        assert_eq!(
            adapt(&schema),
            Err(FreeFormObject {
                path: ".settings".into()
            })
        );
        let no_arguments = json!({"type": "object", "properties": {}});
        assert!(adapt(&no_arguments).is_ok());
    }
}
