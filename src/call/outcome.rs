//! What a tool call returns: `structuredContent` shaped as the output schema says, the same
//! JSON as text in `content`, and errors the model can act on.

use serde_json::{Map, Value, json};

use crate::bms::{BmsAnswer, UpstreamError};
use crate::catalogue::{ResultShape, Tool};

use super::request::ArgProblem;

/// A finished tool call, ready to serialise as `CallToolResult`.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutcome {
    pub structured: Option<Value>,
    pub text: String,
    pub is_error: bool,
}

impl ToolOutcome {
    /// The `CallToolResult` object.
    pub fn into_json(self) -> Value {
        let mut result = Map::new();
        result.insert(
            "content".into(),
            json!([{"type": "text", "text": self.text}]),
        );
        if let Some(structured) = self.structured {
            result.insert("structuredContent".into(), structured);
        }
        result.insert("isError".into(), self.is_error.into());
        Value::Object(result)
    }

    /// A failure the model should read and act on.
    pub fn error(message: impl Into<String>) -> ToolOutcome {
        ToolOutcome {
            structured: None,
            text: message.into(),
            is_error: true,
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

    pub fn upstream(error: &UpstreamError) -> ToolOutcome {
        let mut text = format!("BMS call failed (status {}): {error}", error.status());
        if let UpstreamError::RateLimited(limits) = error {
            text = format!(
                "BMS rate limit reached (HTTP 429) for this endpoint. Retry after {} seconds; the call was not retried. Limit {} per window, {} remaining.",
                limits.reset_secs, limits.limit, limits.remaining
            );
        }
        ToolOutcome::error(text)
    }
}

/// Turns a readable BMS answer into the tool result. `next_cursor` is given for list tools
/// when more pages exist.
pub fn from_answer(
    tool: &Tool,
    answer: BmsAnswer,
    next_cursor: Option<String>,
    fields: Option<&[String]>,
) -> ToolOutcome {
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
    let structured = match tool.def.result {
        ResultShape::Object => match envelope.result {
            Value::Object(object) => Value::Object(object),
            Value::Null => json!({}),
            other => json!({ "result": other }),
        },
        ResultShape::List => {
            let mut items = match envelope.result {
                Value::Array(items) => items,
                Value::Null => Vec::new(),
                other => vec![other],
            };
            if let Some(fields) = fields {
                super::fields::project(&mut items, fields);
            }
            let mut list = Map::new();
            list.insert("items".into(), Value::Array(items));
            if let Some(total) = envelope.total_records {
                list.insert("total_records".into(), total.into());
            }
            if let Some(cursor) = next_cursor {
                list.insert("next_cursor".into(), cursor.into());
            }
            Value::Object(list)
        }
        ResultShape::Scalar | ResultShape::Unknown => json!({ "result": envelope.result }),
    };
    let mut text = structured.to_string();
    if text.len() > super::fields::MAX_ANSWER_BYTES
        && let Value::Object(mut list) = structured
    {
        fit_list(&mut list);
        text = Value::Object(list.clone()).to_string();
        return ToolOutcome {
            structured: Some(Value::Object(list)),
            text,
            is_error: false,
        };
    }
    ToolOutcome {
        structured: Some(structured),
        text,
        is_error: false,
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
    fn a_list_that_fits_is_left_whole() {
        let mut list = Map::new();
        list.insert("items".into(), json!([{"id": 1}]));
        fit_list(&mut list);
        assert!(list.get("truncated").is_none());
    }
}
