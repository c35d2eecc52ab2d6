//! `fields` on list tools: keep only the item properties the agent asked for, and keep every
//! list answer within what a model's context can take.

use serde_json::{Map, Value};

use super::request::ArgProblem;
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
