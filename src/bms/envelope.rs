//! BMS's answer envelope: `{success, error, result, totalRecords}`, in camelCase as live BMS
//! sends it or PascalCase as the spec writes it.
//!
//! Only the top level is read into parts. The result stays JSON text (`RawValue`): most calls
//! pass it on unchanged, and building a page of tickets into a `Value` tree, dropping it and
//! writing it out again was half of a list call's CPU time.

use std::borrow::Cow;

use serde::de::{Deserialize, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::projection::{self, KeepFields};
use super::quote::{MAX_PART_CHARS, MAX_SUB_ERROR_CHARS, MAX_SUB_ERRORS, quote};

/// A parsed BMS answer body.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub success: bool,
    /// The result as BMS wrote it (`null` when there was none), checked to be JSON.
    pub result: Box<RawValue>,
    pub total_records: Option<u64>,
    pub error: Option<BmsError>,
    /// Whether `result` holds only some fields of each item (`from_body_keeping`).
    pub projected: bool,
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
    /// One line for a person or a model: message, details and sub-errors, each capped and
    /// with control characters escaped (`quote`), at most `MAX_SUB_ERRORS` sub-errors.
    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        for part in [&self.message, &self.details].into_iter().flatten() {
            if !part.trim().is_empty() {
                parts.push(quote(part, MAX_PART_CHARS));
            }
        }
        parts.extend(
            self.sub_errors
                .iter()
                .take(MAX_SUB_ERRORS)
                .map(|sub| quote(sub, MAX_SUB_ERROR_CHARS)),
        );
        if self.sub_errors.len() > MAX_SUB_ERRORS {
            parts.push(format!(
                "and {} more sub-errors not shown",
                self.sub_errors.len() - MAX_SUB_ERRORS
            ));
        }
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
    /// Reads an answer body; `http_ok` says whether the status was 2xx. An empty body has a
    /// `null` result; a JSON body that is not an envelope is taken as the result itself. The
    /// error says the body is not JSON.
    pub fn from_body(body: &[u8], http_ok: bool) -> Result<Envelope, serde_json::Error> {
        let body = as_text(body)?;
        let bare = |result: Box<RawValue>| Envelope {
            success: http_ok,
            result,
            total_records: None,
            error: None,
            projected: false,
        };
        match body.bytes().find(|b| !b.is_ascii_whitespace()) {
            None => return Ok(bare(null())),
            Some(b'{') => {}
            Some(_) => return serde_json::from_str::<Box<RawValue>>(body).map(bare),
        }
        let Members(object) = serde_json::from_str(body)?;
        let read = |name: &str| find_member(&object, name).map(RawValue::get);
        if ["success", "result", "error"]
            .iter()
            .all(|k| read(k).is_none())
        {
            return serde_json::from_str::<Box<RawValue>>(body).map(bare);
        }
        let result = find_member(&object, "result").map_or_else(null, RawValue::to_owned);
        Ok(assemble(&read, result, http_ok))
    }

    /// `from_body`, with only `fields` kept in each object of the result (or in the result,
    /// when it is one object), read in the same pass: a tool call's `fields`.
    pub fn from_body_keeping(
        body: &[u8],
        http_ok: bool,
        fields: &[String],
    ) -> Result<Envelope, serde_json::Error> {
        let body = as_text(body)?;
        let kept_whole = |body: &str| -> Result<Envelope, serde_json::Error> {
            let mut deserializer = serde_json::Deserializer::from_str(body);
            let text = KeepFields(fields).deserialize(&mut deserializer)?;
            deserializer.end()?;
            Ok(Envelope {
                success: http_ok,
                result: RawValue::from_string(text)?,
                total_records: None,
                error: None,
                projected: true,
            })
        };
        match body.bytes().find(|b| !b.is_ascii_whitespace()) {
            None => return Envelope::from_body(body.as_bytes(), http_ok),
            Some(b'{') => {}
            Some(_) => return kept_whole(body),
        }
        let kept = projection::read_envelope(body, fields)?;
        let read = |name: &str| find_member(&kept.members, name).map(RawValue::get);
        if kept.results.is_empty() && read("success").is_none() && read("error").is_none() {
            return kept_whole(body);
        }
        // The exact spelling first, else any casing; the last of repeated names.
        let mut results = kept.results;
        let chosen = results
            .iter()
            .rposition(|(name, _)| name == "result")
            .or_else(|| results.len().checked_sub(1));
        let result = match chosen {
            Some(index) => RawValue::from_string(results.swap_remove(index).1)?,
            None => null(),
        };
        let mut envelope = assemble(&read, result, http_ok);
        envelope.projected = true;
        Ok(envelope)
    }

    /// The result as a `Value`, for the callers that look inside it (name lookups, sign-in,
    /// trimming a list).
    pub fn result_value(&self) -> Value {
        // The text was checked to be JSON when the body was read.
        serde_json::from_str(self.result.get()).unwrap_or(Value::Null)
    }

    /// How many items a list result holds (0 when it is no array), without building them.
    /// Whether the result is `null` or an empty array, read from its first bytes only.
    pub fn result_is_empty(&self) -> bool {
        let text = self.result.get().trim_start();
        text == "null"
            || text
                .strip_prefix('[')
                .is_some_and(|rest| rest.trim_start().starts_with(']'))
    }

    pub fn result_len(&self) -> usize {
        serde_json::from_str::<Vec<&RawValue>>(self.result.get()).map_or(0, |items| items.len())
    }
}

/// The body as text, checked to be UTF-8 once: parsing text rather than bytes spares
/// `serde_json` checking every string it reads again. A body that is not UTF-8 gets the error
/// parsing its bytes gives.
fn as_text(body: &[u8]) -> Result<&str, serde_json::Error> {
    match std::str::from_utf8(body) {
        Ok(text) => Ok(text),
        Err(_) => serde_json::from_slice::<serde::de::IgnoredAny>(body).and_then(|_| {
            // Unreachable in practice: JSON that parses is UTF-8.
            Err(serde::de::Error::custom("the body is not UTF-8"))
        }),
    }
}

/// An envelope from its members (`read` gives a member's text by name) and its result.
fn assemble<'a>(
    read: &dyn Fn(&str) -> Option<&'a str>,
    result: Box<RawValue>,
    http_ok: bool,
) -> Envelope {
    let error = read("error")
        .and_then(|raw| serde_json::from_str::<Value>(raw).ok())
        .and_then(|value| parse_error(&value));
    let success = read("success")
        .and_then(|raw| serde_json::from_str::<bool>(raw).ok())
        .unwrap_or(http_ok && error.is_none());
    let total_records = read("totalRecords").and_then(|raw| serde_json::from_str(raw).ok());
    Envelope {
        success: success && http_ok,
        result,
        total_records,
        error,
        projected: false,
    }
}

fn null() -> Box<RawValue> {
    RawValue::NULL.to_owned()
}

/// The members of a JSON object, each name with its value's text, borrowed from the body:
/// an envelope is read without copying or building anything but the one member kept.
struct Members<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> Visitor<'de> for Visit {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members<'de>, A::Error> {
                let mut members = Vec::new();
                while let Some(MemberName(name)) = map.next_key()? {
                    members.push((name, map.next_value()?));
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(Visit)
    }
}

/// A member name: borrowed from the body unless it holds escapes.
pub(super) struct MemberName<'a>(pub(super) Cow<'a, str>);

impl<'de> Deserialize<'de> for MemberName<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> Visitor<'de> for Visit {
            type Value = MemberName<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, name: &'de str) -> Result<MemberName<'de>, E> {
                Ok(MemberName(Cow::Borrowed(name)))
            }
            fn visit_str<E>(self, name: &str) -> Result<MemberName<'de>, E> {
                Ok(MemberName(Cow::Owned(name.to_owned())))
            }
        }
        deserializer.deserialize_str(Visit)
    }
}

/// The value of member `name`: spelled exactly, else in any casing. As when an object is
/// read into a map, the last of repeated names counts.
fn find_member<'a>(members: &[(Cow<'_, str>, &'a RawValue)], name: &str) -> Option<&'a RawValue> {
    let last = |matches: &dyn Fn(&str) -> bool| {
        members
            .iter()
            .rev()
            .find(|(key, _)| matches(key))
            .map(|(_, value)| *value)
    };
    last(&|key| key == name).or_else(|| last(&|key| key.eq_ignore_ascii_case(name)))
}

fn find_value<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
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
        find_value(object, name)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let sub_errors = find_value(object, "subErrors")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Some(BmsError {
        code: find_value(object, "code").and_then(Value::as_i64),
        message: text("message"),
        details: text("details"),
        sub_errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn read(body: &str, http_ok: bool) -> Envelope {
        Envelope::from_body(body.as_bytes(), http_ok).expect("test body is JSON")
    }

    #[test]
    fn camel_and_pascal_case_envelopes_read_the_same() {
        let camel = read(
            r#"{"success": true, "result": [1], "totalRecords": 9}"#,
            true,
        );
        let pascal = read(
            r#"{"Success": true, "Result": [1], "TotalRecords": 9}"#,
            true,
        );
        for e in [&camel, &pascal] {
            assert!(e.success);
            assert_eq!(e.result.get(), "[1]");
            assert_eq!(e.total_records, Some(9));
            assert_eq!(e.result_len(), 1);
        }
    }

    #[test]
    fn member_names_with_escapes_and_repeats_read_as_a_map_would() {
        let e = read(
            r#"{"res\u0075lt": [1], "success": false, "success": true}"#,
            true,
        );
        assert!(e.success);
        assert_eq!(e.result.get(), "[1]");
        let e = read(r#"{"RESULT": 1, "result": 2, "Result": 3}"#, true);
        assert_eq!(
            e.result.get(),
            "2",
            "the exact spelling wins over other casings"
        );
    }

    #[test]
    fn kept_fields_are_read_with_the_envelope_in_either_casing() {
        let fields = vec!["id".to_owned()];
        let keep =
            |body: &str| Envelope::from_body_keeping(body.as_bytes(), true, &fields).expect("JSON");
        for body in [
            r#"{"success": true, "result": [{"id": 1, "x": 2}], "totalRecords": 9}"#,
            r#"{"Result": [{"x": 2, "id": 1}], "Success": true, "TotalRecords": 9}"#,
        ] {
            let e = keep(body);
            assert!(e.success && e.projected);
            assert_eq!(e.result.get(), r#"[{"id":1}]"#);
            assert_eq!(e.total_records, Some(9));
        }
        let bare = keep(r#"[{"id": 3, "y": 1}]"#);
        assert_eq!((bare.result.get(), bare.projected), (r#"[{"id":3}]"#, true));
        let not_an_envelope = keep(r#"{"id": 4, "y": 1}"#);
        assert_eq!(not_an_envelope.result.get(), r#"{"id":4}"#);
        let failed = keep(r#"{"success": false, "error": {"message": "no"}, "result": null}"#);
        assert!(!failed.success);
        assert_eq!(failed.result.get(), "null");
        assert_eq!(failed.error.map(|e| e.summary()).as_deref(), Some("no"));
        assert!(Envelope::from_body_keeping(br#"{"result": [1,"#, true, &fields).is_err());
        assert!(Envelope::from_body_keeping(br#"{"result": []} x"#, true, &fields).is_err());
    }

    #[test]
    fn success_false_inside_http_200_is_a_failure() {
        let e = read(
            r#"{"success": false, "error": {"code": 42, "message": "Ticket is closed", "subErrors": ["x"]}, "result": null}"#,
            true,
        );
        assert!(!e.success);
        let error = e.error.expect("error parsed");
        assert_eq!(error.code, Some(42));
        assert_eq!(error.summary(), "Ticket is closed; x");
    }

    #[test]
    fn a_hostile_error_is_quoted_capped_and_without_control_characters() {
        let subs: Vec<String> = (0..5_000).map(|i| format!("\"sub {i}\"")).collect();
        let body = format!(
            r#"{{"success": false, "error": {{"message": "{}\r\nInjected\u001b[31m\u0000", "subErrors": [{}]}}}}"#,
            "m".repeat(5_000_000),
            subs.join(",")
        );
        let summary = read(&body, false).error.expect("error parsed").summary();
        assert!(summary.len() < 4_000, "{} bytes", summary.len());
        assert!(summary.contains("more characters not shown"));
        assert!(summary.contains("sub 9; and 4990 more sub-errors not shown"));
        assert!(!summary.chars().any(char::is_control), "{summary:?}");
    }

    #[test]
    fn an_http_error_is_a_failure_even_without_success_false() {
        let e = read(r#"{"result": {"id": 1}}"#, false);
        assert!(!e.success);
        assert_eq!(e.result_value(), serde_json::json!({"id": 1}));
    }

    #[test]
    fn a_bare_json_body_is_the_result() {
        let e = read("[1, 2]", true);
        assert!(e.success);
        assert_eq!(e.result_value(), serde_json::json!([1, 2]));
        let e = read(r#"{"id": 7}"#, true);
        assert_eq!(e.result_value(), serde_json::json!({"id": 7}));
    }

    #[test]
    fn an_empty_body_has_a_null_result_and_a_broken_one_is_refused() {
        let e = read(" ", true);
        assert!(e.success);
        assert_eq!(e.result.get(), "null");
        assert!(Envelope::from_body(br#"{"result": [1,"#, true).is_err());
        assert!(Envelope::from_body(b"{\"result\": \"\xff\"}", true).is_err());
        assert!(Envelope::from_body_keeping(b"[\"\xc3\"]", true, &[]).is_err());
    }
}
