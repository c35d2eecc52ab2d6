//! Gemini's function-declaration schema: a subset of OpenAPI 3.0. No `additionalProperties`
//! or `uniqueItems`; formats only where Gemini knows them (`date-time` and `enum` on strings,
//! `int32`/`int64` on integers, `float`/`double` on numbers); `enum` only on strings, so an
//! integer enumeration moves into the description.

use serde_json::{Map, Value};

/// Keywords Gemini's `Schema` accepts, besides the ones handled one by one below.
const KEPT: &[&str] = &[
    "type",
    "title",
    "description",
    "nullable",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "pattern",
];

/// The Gemini form of an argument schema.
pub fn adapt(schema: &Value) -> Value {
    let Some(node) = schema.as_object() else {
        return schema.clone();
    };
    let mut out: Map<String, Value> = node
        .iter()
        .filter(|(k, _)| KEPT.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let kind = node.get("type").and_then(Value::as_str).unwrap_or_default();
    if let Some(format) = node.get("format").and_then(Value::as_str)
        && format_known(kind, format)
    {
        out.insert("format".into(), format.into());
    }
    if let Some(Value::Array(values)) = node.get("enum") {
        if kind == "string" {
            out.insert("enum".into(), Value::Array(values.clone()));
        } else {
            let listed: Vec<String> = values.iter().map(Value::to_string).collect();
            let note = format!("One of: {}.", listed.join(", "));
            let description = match node.get("description").and_then(Value::as_str) {
                Some(text) => format!("{text} {note}"),
                None => note,
            };
            out.insert("description".into(), description.into());
        }
    }
    if let Some(Value::Object(properties)) = node.get("properties") {
        let adapted: Map<String, Value> = properties
            .iter()
            .map(|(name, schema)| (name.clone(), adapt(schema)))
            .collect();
        out.insert("properties".into(), Value::Object(adapted));
        if let Some(required) = node.get("required") {
            out.insert("required".into(), required.clone());
        }
    }
    if let Some(items) = node.get("items") {
        out.insert("items".into(), adapt(items));
    }
    if let Some(Value::Array(options)) = node.get("anyOf") {
        out.insert(
            "anyOf".into(),
            Value::Array(options.iter().map(adapt).collect()),
        );
    }
    Value::Object(out)
}

fn format_known(kind: &str, format: &str) -> bool {
    matches!(
        (kind, format),
        ("string", "date-time" | "enum")
            | ("integer", "int32" | "int64")
            | ("number", "float" | "double")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;
    use serde_json::json;

    /// Keywords a Gemini `Schema` has; anything else in an adapted schema is an error.
    fn unknown_keywords(schema: &Value, path: &str, out: &mut Vec<String>) {
        let Some(node) = schema.as_object() else {
            return;
        };
        for key in node.keys() {
            let known = KEPT.contains(&key.as_str())
                || ["format", "enum", "properties", "required", "items", "anyOf"]
                    .contains(&key.as_str());
            if !known {
                out.push(format!("{path}: {key}"));
            }
        }
        if node.contains_key("enum") && node.get("type") != Some(&"string".into()) {
            out.push(format!("{path}: enum on a non-string"));
        }
        if let Some(Value::String(kind)) = node.get("type")
            && let Some(Value::String(format)) = node.get("format")
            && !format_known(kind, format)
        {
            out.push(format!("{path}: format {format} on {kind}"));
        }
        for (name, schema) in node
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            unknown_keywords(schema, &format!("{path}.{name}"), out);
        }
        if let Some(items) = node.get("items") {
            unknown_keywords(items, &format!("{path}[]"), out);
        }
    }

    #[test]
    fn every_tool_schema_uses_only_what_gemini_accepts() {
        for tool in Catalogue::global().tools() {
            let mut found = Vec::new();
            unknown_keywords(&adapt(&tool.input_schema()), "", &mut found);
            assert!(found.is_empty(), "{}: {found:?}", tool.name());
        }
    }

    #[test]
    fn integer_enumerations_move_into_the_description() {
        let schema = json!({
            "type": "object",
            "properties": {
                "kind": {"type": "integer", "format": "int32", "enum": [1, 2], "description": "Kind."},
                "when": {"type": "string", "format": "date-time"},
                "mail": {"type": "string", "format": "email"},
                "ids": {"type": "array", "items": {"type": "integer"}, "uniqueItems": true}
            },
            "required": ["kind"],
            "additionalProperties": false
        });
        assert_eq!(
            adapt(&schema),
            json!({
                "type": "object",
                "properties": {
                    "kind": {"type": "integer", "format": "int32", "description": "Kind. One of: 1, 2."},
                    "when": {"type": "string", "format": "date-time"},
                    "mail": {"type": "string"},
                    "ids": {"type": "array", "items": {"type": "integer"}}
                },
                "required": ["kind"]
            })
        );
    }
}
