//! BMS's answer envelope: `{success, error, result, totalRecords}`, in camelCase as live BMS
//! sends it or PascalCase as the spec writes it.

use serde_json::{Map, Value};

/// A parsed BMS answer body.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub success: bool,
    pub result: Value,
    pub total_records: Option<u64>,
    pub error: Option<BmsError>,
}

/// BMS's `ErrorInfo`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BmsError {
    pub code: Option<i64>,
    pub message: Option<String>,
    pub details: Option<String>,
    pub sub_errors: Vec<String>,
}

impl BmsError {
    /// One line for a person or a model: message, details and sub-errors.
    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(message) = self.message.as_deref().filter(|m| !m.is_empty()) {
            parts.push(message.to_owned());
        }
        if let Some(details) = self.details.as_deref().filter(|d| !d.is_empty()) {
            parts.push(details.to_owned());
        }
        parts.extend(self.sub_errors.iter().cloned());
        if parts.is_empty() {
            "no message".to_owned()
        } else {
            parts.join("; ")
        }
    }
}

/// The BMS error code of an expired access token.
pub const TOKEN_EXPIRED_CODE: i64 = 978001;

impl Envelope {
    /// Reads an envelope; `http_ok` says whether the status was 2xx. A JSON body that is not an
    /// envelope is taken as the result itself.
    pub fn from_json(body: Value, http_ok: bool) -> Envelope {
        let Value::Object(object) = body else {
            return Envelope {
                success: http_ok,
                result: body,
                total_records: None,
                error: None,
            };
        };
        let field = |name: &str| find_key(&object, name);
        let has_envelope = ["success", "result", "error"]
            .iter()
            .any(|k| field(k).is_some());
        if !has_envelope {
            return Envelope {
                success: http_ok,
                result: Value::Object(object),
                total_records: None,
                error: None,
            };
        }
        let error = field("error").and_then(parse_error);
        let success = field("success")
            .and_then(Value::as_bool)
            .unwrap_or(http_ok && error.is_none());
        Envelope {
            success: success && http_ok,
            result: field("result").cloned().unwrap_or(Value::Null),
            total_records: field("totalRecords").and_then(Value::as_u64),
            error,
        }
    }
}

fn find_key<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn parse_error(value: &Value) -> Option<BmsError> {
    let object = value.as_object()?;
    let text = |name: &str| {
        find_key(object, name)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let sub_errors = find_key(object, "subErrors")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Some(BmsError {
        code: find_key(object, "code").and_then(Value::as_i64),
        message: text("message"),
        details: text("details"),
        sub_errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn camel_and_pascal_case_envelopes_read_the_same() {
        let camel = Envelope::from_json(
            json!({"success": true, "result": [1], "totalRecords": 9}),
            true,
        );
        let pascal = Envelope::from_json(
            json!({"Success": true, "Result": [1], "TotalRecords": 9}),
            true,
        );
        assert_eq!(camel, pascal);
        assert_eq!(camel.total_records, Some(9));
    }

    #[test]
    fn success_false_inside_http_200_is_a_failure() {
        let e = Envelope::from_json(
            json!({"success": false, "error": {"code": 42, "message": "Ticket is closed", "subErrors": ["x"]}, "result": null}),
            true,
        );
        assert!(!e.success);
        let error = e.error.expect("error parsed");
        assert_eq!(error.code, Some(42));
        assert_eq!(error.summary(), "Ticket is closed; x");
    }

    #[test]
    fn an_http_error_is_a_failure_even_without_success_false() {
        let e = Envelope::from_json(json!({"result": {"id": 1}}), false);
        assert!(!e.success);
    }

    #[test]
    fn a_bare_json_body_is_the_result() {
        let e = Envelope::from_json(json!([1, 2]), true);
        assert!(e.success);
        assert_eq!(e.result, json!([1, 2]));
    }
}
