//! Bounds on what is forwarded from BMS. A result is passed on as BMS wrote it, so a broken or
//! hostile upstream decides its shape: an array nested 100,000 deep breaks clients' JSON
//! parsers, and a multi-megabyte record fills a model's context. Deep results are refused;
//! oversized objects are cut, with a note saying what was cut.

use memchr::memchr2;
use serde_json::{Map, Value};

/// Deepest nesting forwarded. BMS records nest a handful of levels; parsers give out in the
/// hundreds or thousands.
pub const MAX_RESULT_DEPTH: usize = 64;

/// Characters a string keeps when an oversized object is cut.
const CUT_STRING_CHARS: usize = 1_000;

/// Whether `json` (checked to be JSON) nests arrays and objects deeper than `max`. Strings are
/// skipped with `memchr`, so a page of records costs little more than one pass over it.
pub fn nests_deeper_than(json: &str, max: usize) -> bool {
    let bytes = json.as_bytes();
    let mut depth = 0usize;
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'"' => {
                // Find the closing quote, stepping over escapes.
                at += 1;
                loop {
                    match memchr2(b'"', b'\\', &bytes[at..]) {
                        Some(offset) if bytes[at + offset] == b'\\' => at += offset + 2,
                        Some(offset) => {
                            at += offset;
                            break;
                        }
                        None => return false,
                    }
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        at += 1;
    }
    false
}

/// Cuts `object` until its JSON fits `budget` bytes: long strings first, then the largest
/// arrays, halved in turn. Returns a description of what was cut, or `None` when it already
/// fitted. An object that still does not fit once nothing is left to cut is left as it is.
pub fn fit_object(object: &mut Map<String, Value>, budget: usize) -> Option<String> {
    let before = json_len(object);
    if before <= budget {
        return None;
    }
    let mut strings = 0;
    for value in object.values_mut() {
        strings += cut_strings(value);
    }
    let mut dropped = 0;
    while json_len(object) > budget {
        let Some(largest) = largest_array(object) else {
            break;
        };
        let keep = largest.len() / 2;
        dropped += largest.len() - keep;
        largest.truncate(keep);
    }
    let mut cuts = Vec::new();
    if strings > 0 {
        cuts.push(format!(
            "{strings} text fields cut to {CUT_STRING_CHARS} characters"
        ));
    }
    if dropped > 0 {
        cuts.push(format!("{dropped} list entries left out"));
    }
    Some(format!(
        "BMS's answer was {before} bytes, more than a model's context can take: {}. Ask for a narrower record (another tool, `fields`, or filters) to see the rest.",
        if cuts.is_empty() {
            "nothing could be cut".to_owned()
        } else {
            cuts.join(", ")
        }
    ))
}

fn json_len(object: &Map<String, Value>) -> usize {
    serde_json::to_string(object).map_or(usize::MAX, |text| text.len())
}

fn cut_strings(value: &mut Value) -> usize {
    match value {
        Value::String(text) => match text.char_indices().nth(CUT_STRING_CHARS) {
            Some((end, _)) => {
                text.truncate(end);
                text.push_str("… (cut)");
                1
            }
            None => 0,
        },
        Value::Array(items) => items.iter_mut().map(cut_strings).sum(),
        Value::Object(members) => members.values_mut().map(cut_strings).sum(),
        _ => 0,
    }
}

/// The array anywhere in `object` whose JSON is longest, if any has entries.
fn largest_array(object: &mut Map<String, Value>) -> Option<&mut Vec<Value>> {
    fn walk<'v>(value: &'v mut Value, best: &mut Option<(usize, &'v mut Vec<Value>)>) {
        match value {
            Value::Array(items) => {
                let size = serde_json::to_string(&*items).map_or(0, |t| t.len());
                if !items.is_empty() && best.as_ref().is_none_or(|(s, _)| size > *s) {
                    // Nested arrays are smaller than this one; no need to look inside.
                    *best = Some((size, items));
                } else {
                    items.iter_mut().for_each(|item| walk(item, best));
                }
            }
            Value::Object(members) => members.values_mut().for_each(|v| walk(v, best)),
            _ => {}
        }
    }
    let mut best = None;
    object.values_mut().for_each(|value| walk(value, &mut best));
    best.map(|(_, items)| items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nesting_is_counted_outside_strings_only() {
        assert!(!nests_deeper_than(r#"{"a": [1, {"b": "[[[[[[\"]]"}]}"#, 3));
        assert!(nests_deeper_than(r#"{"a": [1, {"b": [2]}]}"#, 3));
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(nests_deeper_than(&deep, MAX_RESULT_DEPTH));
        assert!(!nests_deeper_than(
            &json!({"id": 1, "t": "x\\\"y"}).to_string(),
            1
        ));
    }

    #[test]
    fn an_oversized_object_is_cut_to_fit_with_a_note() {
        let Value::Object(mut object) = json!({
            "id": 7,
            "details": "x".repeat(200_000),
            "lines": (0..5_000).map(|i| json!({"n": i, "text": "line"})).collect::<Vec<_>>(),
        }) else {
            unreachable!()
        };
        let note = fit_object(&mut object, 60_000).expect("cut");
        assert!(json_len(&object) <= 60_000, "{}", json_len(&object));
        assert_eq!(object["id"], 7);
        assert!(note.contains("1 text fields cut"), "{note}");
        assert!(note.contains("list entries left out"), "{note}");
    }

    #[test]
    fn an_object_that_fits_is_untouched() {
        let Value::Object(mut object) = json!({"id": 1, "lines": [1, 2]}) else {
            unreachable!()
        };
        assert_eq!(fit_object(&mut object, 1_000), None);
        assert_eq!(Value::Object(object), json!({"id": 1, "lines": [1, 2]}));
    }
}
