//! JSON request bodies as ASP.NET binds them: property names matched case-insensitively to the
//! DTO's, unknown properties ignored, then the spec's request schema checked.

use jsonschema::error::ValidationErrorKind;
use serde_json::{Map, Value};

use crate::spec_model::BodyValidator;
use crate::wire::ApiError;

/// A bound body and the properties that were ignored because the DTO has no such member.
#[derive(Debug, Clone)]
pub struct BoundBody {
    pub value: Value,
    pub ignored: Vec<String>,
}

/// Parses, normalises and validates a JSON body.
pub fn bind(raw: &[u8], validator: &BodyValidator) -> Result<BoundBody, ApiError> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid("A non-empty request body is required."));
    }
    let parsed: Value = serde_json::from_slice(raw)
        .map_err(|e| ApiError::invalid(format!("The request body is not valid JSON: {e}.")))?;
    let mut ignored = Vec::new();
    let value = normalise(parsed, &validator.schema, "$", &mut ignored);
    let problems: Vec<String> = validator
        .validator
        .iter_errors(&value)
        .map(describe)
        .collect();
    match problems.first() {
        None => Ok(BoundBody { value, ignored }),
        Some(first) => Err(ApiError::validation(first.clone(), problems)),
    }
}

/// Renames keys to the schema's spelling (`title` → `Title`) and drops unknown ones.
fn normalise(value: Value, schema: &Value, at: &str, ignored: &mut Vec<String>) -> Value {
    match value {
        Value::Object(map) => {
            let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
                return Value::Object(map);
            };
            let mut out = Map::new();
            for (key, v) in map {
                match properties
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(&key))
                {
                    Some((name, sub)) => {
                        let path = format!("{at}.{name}");
                        out.insert(name.clone(), normalise(v, sub, &path, ignored));
                    }
                    None => ignored.push(format!("{at}.{key}")),
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => match schema.get("items") {
            Some(item_schema) => Value::Array(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| normalise(v, item_schema, &format!("{at}[{i}]"), ignored))
                    .collect(),
            ),
            None => Value::Array(items),
        },
        other => other,
    }
}

/// One validation error in ASP.NET's words where it has them, always naming the field.
fn describe(error: jsonschema::ValidationError<'_>) -> String {
    let path = dotted(error.instance_path().as_str());
    match error.kind() {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            let field = if path.is_empty() {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            };
            format!("The {field} field is required.")
        }
        _ => {
            let field = if path.is_empty() {
                "$".to_owned()
            } else {
                path
            };
            format!("The JSON value at {field} is invalid: {error}.")
        }
    }
}

/// `/Filter/Title` → `Filter.Title`, `/0/Id` → `[0].Id`.
fn dotted(pointer: &str) -> String {
    let mut out = String::new();
    for part in pointer.split('/').filter(|p| !p.is_empty()) {
        if part.chars().all(|c| c.is_ascii_digit()) {
            out.push_str(&format!("[{part}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec_model::SpecModel;
    use serde_json::json;

    fn validator(key: &str) -> &'static BodyValidator {
        let model = SpecModel::shared().expect("spec");
        let op = model.operation(key).expect("exists");
        model
            .body_validator(op)
            .expect("has body")
            .expect("compiles")
    }

    #[test]
    fn keys_in_any_casing_bind_to_the_dto_names() {
        let v = validator("POST /v2/crm/opportunities/{id}/notes");
        let bound = bind(br#"{"note": "hello", "extra": 1}"#, v).expect("valid");
        assert_eq!(bound.value, json!({"Note": "hello"}));
        assert_eq!(bound.ignored, vec!["$.extra"]);
    }

    #[test]
    fn a_missing_required_field_is_named() {
        let v = validator("POST /v2/crm/opportunities/{id}/notes");
        let err = bind(b"{}", v).expect_err("Note is required");
        assert_eq!(err.message, "The Note field is required.");
    }

    #[test]
    fn a_wrong_type_is_refused_naming_the_field() {
        let v = validator("POST /v2/servicedesk/tickets/merge");
        let err = bind(br#"{"destinationTicketId": "acme"}"#, v).expect_err("not an integer");
        assert!(
            err.message.contains("DestinationTicketId"),
            "{}",
            err.message
        );
    }

    #[test]
    fn an_empty_body_is_refused() {
        let v = validator("POST /v2/servicedesk/tickets/merge");
        let err = bind(b"  ", v).expect_err("empty");
        assert_eq!(err.message, "A non-empty request body is required.");
    }
}
