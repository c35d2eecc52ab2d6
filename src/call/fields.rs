//! `fields` on list tools: keep only the item properties the agent asked for, and keep every
//! list answer within what a model's context can take.

use std::borrow::Cow;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::literal::push_string_literal;
use super::request::ArgProblem;
use crate::bms::object_members;
use crate::catalogue::{ResultShape, Tool};

pub const FIELDS_ARG: &str = "fields";

/// The largest `structuredContent` we hand a model, in bytes of JSON (about 15k tokens).
pub const MAX_ANSWER_BYTES: usize = 60_000;

/// Takes `fields` out of the arguments (it is ours, not BMS's) and checks each name.
pub fn take(tool: &Tool, args: &mut Map<String, Value>) -> Result<Option<Vec<String>>, ArgProblem> {
    let is_ours =
        tool.def.result == ResultShape::List && tool.def.args.iter().all(|b| b.name != FIELDS_ARG);
    if !is_ours {
        return Ok(None);
    }
    let Some(value) = args.remove(FIELDS_ARG) else {
        return Ok(None);
    };
    let names: Vec<String> = value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let known = tool.item_properties();
    let unknown: Vec<&String> = names.iter().filter(|n| !known.contains(n)).collect();
    if !unknown.is_empty() {
        return Err(ArgProblem {
            path: format!("/{FIELDS_ARG}"),
            message: format!(
                "unknown item properties {unknown:?}; the items have: {}",
                known.join(", ")
            ),
        });
    }
    Ok(Some(names))
}

/// Keeps only `fields` of each item.
pub fn project(items: &mut [Value], fields: &[String]) {
    for item in items {
        if let Value::Object(object) = item {
            object.retain(|key, _| fields.iter().any(|f| f == key));
        }
    }
}

/// The items of a list result (BMS's JSON text) as a JSON array with only `fields` kept in
/// each object item, written from the text without building values: a projected page costs
/// about what a page passed through does. `None` when the result cannot be read this way;
/// the caller then builds values.
pub fn project_text(result: &str, fields: &[String]) -> Option<String> {
    let items: Vec<&RawValue> = match result.trim_start().as_bytes().first() {
        Some(b'[') => serde_json::from_str(result).ok()?,
        Some(b'n') => Vec::new(),
        _ => vec![serde_json::from_str(result).ok()?],
    };
    let mut out = String::with_capacity(result.len() / 2 + 2);
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let text = item.get();
        if !text.starts_with('{') {
            out.push_str(text);
            continue;
        }
        // As a map would: a repeated name keeps its first place and its last value.
        let mut kept: Vec<(Cow<'_, str>, &RawValue)> = Vec::with_capacity(fields.len());
        for (name, value) in object_members(text).ok()? {
            if !fields.iter().any(|f| *f == name) {
                continue;
            }
            match kept.iter_mut().find(|(seen, _)| *seen == name) {
                Some(slot) => slot.1 = value,
                None => kept.push((name, value)),
            }
        }
        out.push('{');
        for (j, (name, value)) in kept.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            push_string_literal(&mut out, name);
            out.push(':');
            out.push_str(value.get());
        }
        out.push('}');
    }
    out.push(']');
    Some(out)
}

/// Drops items from the end until the list fits `budget` bytes; returns how many were kept.
pub fn fit(items: &mut Vec<Value>, budget: usize) -> usize {
    let mut total = 2;
    let mut kept = 0;
    for item in items.iter() {
        let size = item.to_string().len() + 1;
        if total + size > budget {
            break;
        }
        total += size;
        kept += 1;
    }
    items.truncate(kept);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn projection_keeps_only_the_named_fields() {
        let mut items = vec![json!({"id": 1, "title": "a", "details": "long"})];
        project(&mut items, &["id".into(), "title".into()]);
        assert_eq!(items, vec![json!({"id": 1, "title": "a"})]);
    }

    #[test]
    fn projection_from_text_matches_projection_of_values() {
        let fields: Vec<String> = vec!["id".into(), "title".into(), "missing".into()];
        for result in [
            r#"[{"id": 1, "title": "a \"b\"", "details": {"deep": [1]}}, {"title": "x", "id": 2}]"#,
            r#"[{"id": 1, "id": 3, "title": "first place, last value"}]"#,
            r#"[1, "two", null, {"id": 4}]"#,
            r#"{"id": 5, "other": true}"#,
            "[]",
            "null",
        ] {
            let value: Value = serde_json::from_str(result).expect("test JSON");
            let mut items = match value {
                Value::Array(items) => items,
                Value::Null => Vec::new(),
                other => vec![other],
            };
            project(&mut items, &fields);
            let text = project_text(result, &fields).expect("readable");
            assert_eq!(
                serde_json::from_str::<Value>(&text).expect("valid JSON"),
                Value::Array(items),
                "{result}"
            );
        }
        let text = project_text(r#"[{"title": 1, "id": 2}]"#, &fields).expect("readable");
        assert_eq!(text, r#"[{"title":1,"id":2}]"#, "the item's own order");
    }

    #[test]
    fn fitting_drops_items_from_the_end() {
        let mut items: Vec<Value> = (0..100)
            .map(|i| json!({"n": i, "pad": "x".repeat(100)}))
            .collect();
        let kept = fit(&mut items, 1_000);
        assert_eq!(items.len(), kept);
        assert!(kept > 0 && kept < 10);
        assert!(Value::Array(items).to_string().len() <= 1_000);
    }
}
