//! What a tool call returns: `structuredContent` shaped as the output schema says, the same
//! JSON as text in `content`, and errors the model can act on.

use serde_json::{Map, Value};

use crate::bms::{BmsAnswer, RateLimitHeaders, UpstreamError};
use crate::catalogue::{ResultShape, Tool};

use super::bounds;
use super::literal::{self, push_string_literal};
use super::request::ArgProblem;

/// A finished tool call, ready to serialise as `CallToolResult`.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutcome {
    /// The text content. When `structured` is set it is also the `structuredContent` JSON:
    /// the structured result is serialised once and written into the reply twice.
    pub text: String,
    /// Whether `text` is a JSON object to send as `structuredContent` as well.
    pub structured: bool,
    pub is_error: bool,
    /// `structuredContent` of an error whose text is prose for the model, such as a rate
    /// limit's figures (JSON object text). Never set together with `structured`.
    pub error_details: Option<String>,
    /// `text` already written as a JSON string literal, when that was done while checking
    /// the answer's depth (one pass over BMS's text instead of two).
    pub literal: Option<String>,
}

impl ToolOutcome {
    /// Structured content, serialised once.
    pub fn structured(value: &Value) -> ToolOutcome {
        ToolOutcome {
            text: value.to_string(),
            structured: true,
            is_error: false,
            error_details: None,
            literal: None,
        }
    }

    /// The `CallToolResult` object as JSON text, with `extra` members appended (the modern
    /// era's `resultType` and `_meta`). Written from pieces rather than through a `Value`,
    /// which would serialise the structured content a second time.
    pub fn into_result_json(self, extra: Option<&Map<String, Value>>) -> String {
        let mut out = String::with_capacity(self.result_json_capacity());
        self.write_result_json(&mut out, extra);
        out
    }

    /// About how many bytes `write_result_json` writes, to size its buffer once.
    pub fn result_json_capacity(&self) -> usize {
        self.literal
            .as_ref()
            .map_or(self.text.len() * 9 / 8, String::len)
            + self.text.len()
            + 96
    }

    /// `into_result_json`, appended to `out`: a reply can be written around it in one buffer
    /// rather than copied into another.
    pub fn write_result_json(self, out: &mut String, extra: Option<&Map<String, Value>>) {
        out.push_str("{\"content\":[{\"type\":\"text\",\"text\":");
        match &self.literal {
            Some(literal) => out.push_str(literal),
            None => push_string_literal(out, &self.text),
        }
        out.push_str("}]");
        if self.structured {
            out.push_str(",\"structuredContent\":");
            out.push_str(&self.text);
        } else if let Some(details) = &self.error_details {
            out.push_str(",\"structuredContent\":");
            out.push_str(details);
        }
        out.push_str(if self.is_error {
            ",\"isError\":true"
        } else {
            ",\"isError\":false"
        });
        for (key, value) in extra.into_iter().flatten() {
            out.push(',');
            push_string_literal(out, key);
            out.push(':');
            out.push_str(&value.to_string());
        }
        out.push('}');
    }

    /// A failure the model should read and act on.
    pub fn error(message: impl Into<String>) -> ToolOutcome {
        ToolOutcome {
            text: message.into(),
            structured: false,
            is_error: true,
            error_details: None,
            literal: None,
        }
    }

    /// Arguments that failed validation: nothing was sent to BMS.
    pub fn invalid_arguments(tool: &str, problems: &[ArgProblem]) -> ToolOutcome {
        let lines: Vec<String> = problems.iter().map(|p| format!("- {p}")).collect();
        ToolOutcome::error(format!(
            "Invalid arguments for {tool}; nothing was sent to BMS. Fix these and call again:\n{}",
            lines.join("\n")
        ))
    }

    /// A failure to get an answer from BMS. A rate limit also carries its figures as
    /// `structuredContent`, so a model (or the agent around it) can wait without parsing prose.
    pub fn upstream(error: &UpstreamError) -> ToolOutcome {
        let UpstreamError::RateLimited(limits) = error else {
            return ToolOutcome::error(format!(
                "BMS call failed (status {}): {error}",
                error.status()
            ));
        };
        let mut outcome = ToolOutcome::error(format!(
            "BMS rate limit reached (HTTP 429) for this endpoint. Retry after {} seconds; the call was not retried. Limit {} per window, {} remaining.",
            limits.reset_secs, limits.limit, limits.remaining
        ));
        outcome.error_details = Some(rate_limit_details(limits).to_string());
        outcome
    }
}

/// The `structuredContent` of a 429. Its members are top-level and named so that they cannot
/// clash with a BMS output schema: TypeScript clients (the MCP Inspector) check an error's
/// structured content against the tool's `outputSchema` too, and those schemas require no
/// member and allow extra ones (a test holds every output schema to accepting it).
pub fn rate_limit_details(limits: &RateLimitHeaders) -> Value {
    serde_json::json!({
        "error": "rate_limited",
        "retry_after_seconds": limits.reset_secs,
        "limit": limits.limit,
        "remaining": limits.remaining,
    })
}

/// Turns a readable BMS answer into the tool result. `next_cursor` is given for list tools
/// when more pages exist. A call's `fields` were applied while the answer was read
/// (`UpstreamRequest::keep_fields`).
pub fn from_answer(tool: &Tool, answer: BmsAnswer, next_cursor: Option<String>) -> ToolOutcome {
    let envelope = answer.envelope;
    if !envelope.success {
        let error = envelope.error.unwrap_or_default();
        let code = error
            .code
            .map_or_else(String::new, |c| format!(", BMS code {c}"));
        let text = format!(
            "BMS refused the call (HTTP {}{code}): {}",
            answer.status,
            error.summary()
        );
        return ToolOutcome::error(text);
    }
    let total_records = envelope.total_records;
    let raw = envelope.result.get();
    let too_deep = || {
        ToolOutcome::error(format!(
            "{} reached BMS, but BMS's answer nests more than {} levels deep, which no BMS record does and many clients cannot parse, so it was not forwarded. If this was a write, check its effect with a read tool before repeating it.",
            tool.name(),
            bounds::MAX_RESULT_DEPTH
        ))
    };
    // The text, and how many levels it wraps BMS's result in.
    let (text, wrapping) = match (tool.def.result, first_byte(raw)) {
        (ResultShape::Object, b'{') => (raw.to_owned(), 0),
        (ResultShape::Object, b'n') => ("{}".to_owned(), 0),
        (ResultShape::List, first) => {
            let mut list = String::with_capacity(raw.len() + 160);
            list.push_str("{\"items\":");
            match first {
                b'[' => list.push_str(raw),
                b'n' => list.push_str("[]"),
                _ => {
                    list.push('[');
                    list.push_str(raw);
                    list.push(']');
                }
            }
            if let Some(total) = total_records {
                list.push_str(",\"total_records\":");
                list.push_str(&total.to_string());
            }
            if let Some(cursor) = &next_cursor {
                list.push_str(",\"next_cursor\":");
                push_string_literal(&mut list, cursor);
            }
            list.push('}');
            (list, 1)
        }
        _ => {
            let mut wrapped = String::with_capacity(raw.len() + 12);
            wrapped.push_str("{\"result\":");
            wrapped.push_str(raw);
            wrapped.push('}');
            (wrapped, 1)
        }
    };
    // BMS's text is passed on as it came; only an answer too large for a model's context is
    // built into values, to be cut: a list at an item boundary, anything else by `bounds`.
    if text.len() > super::fields::MAX_ANSWER_BYTES {
        // Checked before parsing; answers that fit are checked while their text content is
        // written.
        if bounds::nests_deeper_than(raw, bounds::MAX_RESULT_DEPTH) {
            return too_deep();
        }
        if tool.def.result == ResultShape::List {
            return from_value(envelope.result_value(), total_records, next_cursor);
        }
        return fit_oversized(&text);
    }
    let mut literal = String::new();
    if literal::push_json_literal(&mut literal, &text, bounds::MAX_RESULT_DEPTH + wrapping).is_err()
    {
        return too_deep();
    }
    ToolOutcome {
        text,
        structured: true,
        is_error: false,
        error_details: None,
        literal: Some(literal),
    }
}

/// An object (or wrapped scalar) answer cut to fit a model's context, marked `truncated` with
/// a note of what was cut.
fn fit_oversized(text: &str) -> ToolOutcome {
    let Ok(mut object) = serde_json::from_str::<Map<String, Value>>(text) else {
        return ToolOutcome::error("BMS's answer could not be read back as an object");
    };
    let budget = super::fields::MAX_ANSWER_BYTES - 1_000;
    if let Some(note) = bounds::fit_object(&mut object, budget) {
        object.insert("truncated".into(), true.into());
        object.insert("truncation_note".into(), note.into());
    }
    ToolOutcome::structured(&Value::Object(object))
}

/// The first byte of a JSON text that is not whitespace.
fn first_byte(json: &str) -> u8 {
    json.bytes()
        .find(|b| !b.is_ascii_whitespace())
        .unwrap_or(b'n')
}

/// A list result built as values, for cutting a list that would not fit a model's context.
fn from_value(
    result: Value,
    total_records: Option<u64>,
    next_cursor: Option<String>,
) -> ToolOutcome {
    let items = match result {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        other => vec![other],
    };
    let mut list = Map::new();
    list.insert("items".into(), Value::Array(items));
    if let Some(total) = total_records {
        list.insert("total_records".into(), total.into());
    }
    if let Some(cursor) = next_cursor {
        list.insert("next_cursor".into(), cursor.into());
    }
    let structured = Value::Object(list);
    let text = structured.to_string();
    if text.len() > super::fields::MAX_ANSWER_BYTES
        && let Value::Object(mut list) = structured
    {
        fit_list(&mut list);
        return ToolOutcome::structured(&Value::Object(list));
    }
    ToolOutcome {
        text,
        structured: true,
        is_error: false,
        error_details: None,
        literal: None,
    }
}

/// Cuts a list answer that would not fit a model's context at an item boundary, and says so.
fn fit_list(list: &mut Map<String, Value>) {
    let Some(Value::Array(items)) = list.get_mut("items") else {
        return;
    };
    let received = items.len();
    // Leave room for the other members and the note.
    let kept = super::fields::fit(items, super::fields::MAX_ANSWER_BYTES - 2_000);
    if kept < received {
        list.insert("truncated".into(), true.into());
        list.insert(
            "note".into(),
            format!(
                "Showing {kept} of the {received} items on this page: the rest would not fit a model's context. Ask again with `fields` (fewer properties) or a smaller page_size to see them."
            )
            .into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_oversized_list_is_cut_at_an_item_boundary_with_a_note() {
        let items: Vec<Value> = (0..200)
            .map(|i| json!({"id": i, "details": "x".repeat(1_000)}))
            .collect();
        let mut list = Map::new();
        list.insert("items".into(), Value::Array(items));
        list.insert("total_records".into(), 200.into());
        fit_list(&mut list);
        let kept = list["items"].as_array().map_or(0, Vec::len);
        assert!(kept > 0 && kept < 200, "{kept}");
        assert_eq!(list["truncated"], true);
        assert!(
            list["note"]
                .as_str()
                .is_some_and(|n| n.contains(&format!("Showing {kept} of the 200")))
        );
        assert!(Value::Object(list).to_string().len() <= super::super::fields::MAX_ANSWER_BYTES);
    }

    #[test]
    fn structured_content_and_its_text_are_the_same_json() {
        let outcome = ToolOutcome::structured(&json!({"id": 7, "title": "Printer \"down\""}));
        let mut extra = Map::new();
        extra.insert("resultType".into(), "complete".into());
        let result: Value =
            serde_json::from_str(&outcome.into_result_json(Some(&extra))).expect("valid JSON");
        assert_eq!(
            result["structuredContent"],
            json!({"id": 7, "title": "Printer \"down\""})
        );
        let text = result["content"][0]["text"].as_str().expect("text content");
        assert_eq!(
            serde_json::from_str::<Value>(text).expect("text is JSON"),
            result["structuredContent"]
        );
        assert_eq!(result["isError"], false);
        assert_eq!(result["resultType"], "complete");
    }

    #[test]
    fn an_error_has_text_and_no_structured_content() {
        let result: Value =
            serde_json::from_str(&ToolOutcome::error("BMS said \"no\"\n").into_result_json(None))
                .expect("valid JSON");
        assert_eq!(
            result,
            json!({"content": [{"type": "text", "text": "BMS said \"no\"\n"}], "isError": true})
        );
    }

    fn refused(limits: RateLimitHeaders) -> Value {
        let outcome = ToolOutcome::upstream(&UpstreamError::RateLimited(limits));
        serde_json::from_str(&outcome.into_result_json(None)).expect("valid JSON")
    }

    #[test]
    fn a_rate_limit_carries_its_figures_as_structured_content_and_text() {
        let result = refused(RateLimitHeaders {
            limit: 500,
            remaining: 0,
            reset_secs: 42,
        });
        assert_eq!(result["isError"], true);
        assert_eq!(
            result["structuredContent"],
            json!({"error": "rate_limited", "retry_after_seconds": 42, "limit": 500, "remaining": 0})
        );
        let text = result["content"][0]["text"].as_str().expect("text content");
        assert!(
            text.contains("Retry after 42 seconds") && text.contains("Limit 500"),
            "{text}"
        );
    }

    #[test]
    fn every_output_schema_accepts_a_rate_limit_error() {
        // Clients built on the TypeScript SDK validate an error's structured content against
        // the tool's output schema; an error they reject would hide the delay from the model.
        let details = rate_limit_details(&RateLimitHeaders {
            limit: 500,
            remaining: 0,
            reset_secs: 42,
        });
        for tool in crate::catalogue::Catalogue::global().tools() {
            let Some(schema) = tool.output_schema() else {
                continue;
            };
            let validator = jsonschema::validator_for(&schema).expect("output schema compiles");
            assert!(
                validator.is_valid(&details),
                "{}: {:?}",
                tool.name(),
                validator
                    .iter_errors(&details)
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn a_list_that_fits_is_left_whole() {
        let mut list = Map::new();
        list.insert("items".into(), json!([{"id": 1}]));
        fit_list(&mut list);
        assert!(list.get("truncated").is_none());
    }
}
