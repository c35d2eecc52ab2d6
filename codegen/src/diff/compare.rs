//! Comparing one tool with its earlier self: its metadata, its arguments (with their nested
//! fields) and its output fields.

use indexmap::IndexMap;
use serde_json::Value;

use super::{ChangeKind, Changes, Severity};
use crate::snapshot::{ArgSnapshot, FieldSnapshot, Shape, ToolSnapshot};

use ChangeKind as K;
use Severity::{Breaking, Compatible};

/// Which side of a call a shape is on: a narrower input breaks callers, a wider output does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Input,
    Output,
}

/// Everything that changed in a tool. `with_operation` is false for a renamed tool, whose
/// rename line already says where its operation went.
pub(super) fn tool(
    changes: &mut Changes,
    name: &str,
    old: &ToolSnapshot,
    new: &ToolSnapshot,
    with_operation: bool,
) {
    let mut push = |kind, severity, message: String| changes.push(name, kind, severity, message);
    if with_operation && old.operation != new.operation {
        push(
            K::OperationMoved,
            Compatible,
            format!("now calls `{}` (was `{}`)", new.operation, old.operation),
        );
    }
    if old.result != new.result {
        push(
            K::ResultChanged,
            Breaking,
            format!(
                "result changed from {} to {}",
                result_name(&old.result),
                result_name(&new.result)
            ),
        );
    }
    if old.class != new.class {
        push(
            K::ClassChanged,
            Breaking,
            format!(
                "method class changed from `{}` to `{}`; MCP URLs limited to `{}` lose it",
                old.class, new.class, old.class
            ),
        );
    }
    for tag in old.tags.iter().filter(|t| !new.tags.contains(t)) {
        push(
            K::TagsChanged,
            Breaking,
            format!("no longer tagged `{tag}`; MCP URLs limited to that tag lose it"),
        );
    }
    for tag in new.tags.iter().filter(|t| !old.tags.contains(t)) {
        push(K::TagsChanged, Compatible, format!("now tagged `{tag}`"));
    }
    if old.title != new.title {
        push(
            K::TitleChanged,
            Compatible,
            format!("title changed from \"{}\" to \"{}\"", old.title, new.title),
        );
    }
    if old.description != new.description {
        push(
            K::DescriptionChanged,
            Compatible,
            "description changed".into(),
        );
    }
    arguments(changes, name, &old.arguments, &new.arguments);
    if old.result == new.result {
        output(changes, name, old.output.as_ref(), new.output.as_ref());
    }
}

fn result_name(result: &str) -> &str {
    match result {
        "object" => "an object",
        "list" => "a paged list",
        "scalar" => "a single value",
        _ => "undeclared",
    }
}

fn arguments(
    changes: &mut Changes,
    tool: &str,
    old: &IndexMap<String, ArgSnapshot>,
    new: &IndexMap<String, ArgSnapshot>,
) {
    let mut added: Vec<&String> = new.keys().filter(|n| !old.contains_key(*n)).collect();
    for (name, arg) in old.iter().filter(|(n, _)| !new.contains_key(*n)) {
        // The same wire name under a new argument name (a collision prefix came or went), or
        // a path parameter renamed in the template with nothing else changed.
        let same_wire = added.iter().position(|a| {
            let other = &new[*a];
            let wire = !arg.wire.is_empty() && other.wire == arg.wire;
            let path = arg.location == "path" && other.shape == arg.shape;
            other.location == arg.location && (wire || path)
        });
        if let Some(index) = same_wire {
            let new_name = added.remove(index);
            changes.push(
                tool,
                K::ArgumentRenamed,
                Breaking,
                format!("argument `{name}` renamed to `{new_name}`"),
            );
            argument(changes, tool, new_name, arg, &new[new_name]);
        } else {
            changes.push(
                tool,
                K::ArgumentRemoved,
                Breaking,
                format!("argument `{name}` removed"),
            );
        }
    }
    for name in added {
        let (severity, message) = if new[name].required {
            (Breaking, format!("new required argument `{name}`"))
        } else {
            (Compatible, format!("new optional argument `{name}`"))
        };
        changes.push(tool, K::ArgumentAdded, severity, message);
    }
    for (name, old_arg) in old {
        if let Some(new_arg) = new.get(name) {
            argument(changes, tool, name, old_arg, new_arg);
        }
    }
}

fn argument(changes: &mut Changes, tool: &str, name: &str, old: &ArgSnapshot, new: &ArgSnapshot) {
    let label = format!("argument `{name}`");
    required(changes, tool, &label, old.required, new.required);
    if old.location != new.location {
        changes.push(
            tool,
            K::LocationChanged,
            Compatible,
            format!(
                "{label} is now sent in the {} (was the {})",
                location_name(&new.location),
                location_name(&old.location)
            ),
        );
    }
    shape(changes, tool, &label, &old.shape, &new.shape, Side::Input);
    if old.description != new.description {
        changes.push(
            tool,
            K::DescriptionChanged,
            Compatible,
            format!("{label}: description changed"),
        );
    }
    fields(changes, tool, &label, &old.fields, &new.fields);
}

fn location_name(location: &str) -> &str {
    match location {
        "path" => "path",
        "query" => "query string",
        "whole_body" => "request body",
        "runtime" => "server's own handling",
        _ => "body",
    }
}

fn required(changes: &mut Changes, tool: &str, label: &str, old: bool, new: bool) {
    match (old, new) {
        (false, true) => changes.push(
            tool,
            K::RequiredChanged,
            Breaking,
            format!("{label} became required"),
        ),
        (true, false) => changes.push(
            tool,
            K::RequiredChanged,
            Compatible,
            format!("{label} is no longer required"),
        ),
        _ => {}
    }
}

/// Nested fields of an argument. A field whose parent came or went with it is not listed.
fn fields(
    changes: &mut Changes,
    tool: &str,
    label: &str,
    old: &IndexMap<String, FieldSnapshot>,
    new: &IndexMap<String, FieldSnapshot>,
) {
    for path in old.keys().filter(|p| !new.contains_key(*p)) {
        if !parent_in(path, old, new) {
            changes.push(
                tool,
                K::FieldRemoved,
                Breaking,
                format!("{label}: field `{path}` removed"),
            );
        }
    }
    for (path, field) in new.iter().filter(|(p, _)| !old.contains_key(*p)) {
        if parent_in(path, new, old) {
            continue;
        }
        let (severity, message) = if field.required {
            (Breaking, format!("{label}: new required field `{path}`"))
        } else {
            (Compatible, format!("{label}: new optional field `{path}`"))
        };
        changes.push(tool, K::FieldAdded, severity, message);
    }
    for (path, old_field) in old {
        if let Some(new_field) = new.get(path) {
            let field_label = format!("{label}: field `{path}`");
            required(
                changes,
                tool,
                &field_label,
                old_field.required,
                new_field.required,
            );
            shape(
                changes,
                tool,
                &field_label,
                &old_field.shape,
                &new_field.shape,
                Side::Input,
            );
        }
    }
}

/// Whether `path`'s parent field is in `here` but not in `there` (it came or went as a whole).
fn parent_in<V>(path: &str, here: &IndexMap<String, V>, there: &IndexMap<String, V>) -> bool {
    let Some((parent, _)) = path.rsplit_once('.') else {
        return false;
    };
    let parent = parent.trim_end_matches("[]");
    here.contains_key(parent) && !there.contains_key(parent)
}

fn output(
    changes: &mut Changes,
    tool: &str,
    old: Option<&IndexMap<String, String>>,
    new: Option<&IndexMap<String, String>>,
) {
    let (old, new) = match (old, new) {
        (Some(old), Some(new)) => (old, new),
        (None, Some(_)) => {
            changes.push(
                tool,
                K::OutputChanged,
                Compatible,
                "now declares its output",
            );
            return;
        }
        (Some(_), None) => {
            changes.push(
                tool,
                K::OutputChanged,
                Breaking,
                "no longer declares its output",
            );
            return;
        }
        (None, None) => return,
    };
    for path in old.keys().filter(|p| !new.contains_key(*p)) {
        if !parent_in(path, old, new) {
            changes.push(
                tool,
                K::OutputFieldRemoved,
                Breaking,
                format!("output field `{path}` removed"),
            );
        }
    }
    for path in new.keys().filter(|p| !old.contains_key(*p)) {
        if !parent_in(path, new, old) {
            changes.push(
                tool,
                K::OutputFieldAdded,
                Compatible,
                format!("new output field `{path}`"),
            );
        }
    }
    for (path, old_type) in old {
        if let Some(new_type) = new.get(path) {
            let shape_of = |kind: &String| Shape {
                kind: kind.clone(),
                format: None,
                values: None,
            };
            let label = format!("output field `{path}`");
            shape(
                changes,
                tool,
                &label,
                &shape_of(old_type),
                &shape_of(new_type),
                Side::Output,
            );
        }
    }
}

/// Type, format and enum of one value. A changed type is one line that names the formats too.
fn shape(changes: &mut Changes, tool: &str, label: &str, old: &Shape, new: &Shape, side: Side) {
    if old.kind != new.kind {
        let wider = covers(&new.kind, &old.kind);
        let narrower = covers(&old.kind, &new.kind);
        let (word, severity) = match (wider, narrower, side) {
            (true, false, Side::Input) => ("widened", Compatible),
            (false, true, Side::Output) => ("narrowed", Compatible),
            (true, false, Side::Output) => ("widened", Breaking),
            (false, true, Side::Input) => ("narrowed", Breaking),
            _ => ("changed", Breaking),
        };
        let message = format!(
            "{label}: type {word} from `{}` to `{}`",
            describe(old),
            describe(new)
        );
        changes.push(tool, K::TypeChanged, severity, message);
        return;
    }
    match (&old.format, &new.format) {
        (None, Some(format)) => changes.push(
            tool,
            K::FormatChanged,
            Breaking,
            format!("{label}: now requires format `{format}`"),
        ),
        (Some(format), None) => changes.push(
            tool,
            K::FormatChanged,
            Compatible,
            format!("{label}: format `{format}` no longer required"),
        ),
        (Some(a), Some(b)) if a != b => {
            let severity = if a == "int32" && b == "int64" {
                Compatible
            } else {
                Breaking
            };
            changes.push(
                tool,
                K::FormatChanged,
                severity,
                format!("{label}: format changed from `{a}` to `{b}`"),
            );
        }
        _ => {}
    }
    enum_values(
        changes,
        tool,
        label,
        old.values.as_deref(),
        new.values.as_deref(),
    );
}

fn enum_values(
    changes: &mut Changes,
    tool: &str,
    label: &str,
    old: Option<&[Value]>,
    new: Option<&[Value]>,
) {
    match (old, new) {
        (None, Some(values)) => changes.push(
            tool,
            K::EnumChanged,
            Breaking,
            format!("{label}: now limited to {}", list(values.iter())),
        ),
        (Some(_), None) => changes.push(
            tool,
            K::EnumChanged,
            Compatible,
            format!("{label}: no longer limited to a list of values"),
        ),
        (Some(old), Some(new)) => {
            let removed: Vec<&Value> = old.iter().filter(|v| !new.contains(v)).collect();
            let added: Vec<&Value> = new.iter().filter(|v| !old.contains(v)).collect();
            if !removed.is_empty() {
                changes.push(
                    tool,
                    K::EnumChanged,
                    Breaking,
                    format!("{label}: {} removed", enum_words(&removed)),
                );
            }
            if !added.is_empty() {
                changes.push(
                    tool,
                    K::EnumChanged,
                    Compatible,
                    format!("{label}: {} added", enum_words(&added)),
                );
            }
        }
        (None, None) => {}
    }
}

fn enum_words(values: &[&Value]) -> String {
    let noun = if values.len() == 1 {
        "enum value"
    } else {
        "enum values"
    };
    format!("{noun} {}", list(values.iter().copied()))
}

fn list<'a>(values: impl Iterator<Item = &'a Value>) -> String {
    values
        .map(|v| match v {
            Value::String(s) => format!("`{s}`"),
            other => format!("`{other}`"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe(shape: &Shape) -> String {
    match &shape.format {
        Some(format) => format!("{} ({format})", shape.kind),
        None => shape.kind.clone(),
    }
}

/// Whether every value of type `b` is also a value of type `a` (`number` covers `integer`,
/// `any` covers everything, unions and arrays element-wise).
pub(crate) fn covers(a: &str, b: &str) -> bool {
    let a_parts = union_parts(a);
    union_parts(b)
        .iter()
        .all(|b_part| a_parts.iter().any(|a_part| covers_one(a_part, b_part)))
}

fn covers_one(a: &str, b: &str) -> bool {
    if a == b || a == "any" || (a == "number" && b == "integer") {
        return true;
    }
    match (a.strip_prefix("array of "), b.strip_prefix("array of ")) {
        (Some(a_items), Some(b_items)) => covers(unwrap_parens(a_items), unwrap_parens(b_items)),
        _ => false,
    }
}

fn unwrap_parens(text: &str) -> &str {
    text.strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(text)
}

/// `a | (b | c) | d` → `a`, `(b | c)`, `d`: splits at the top level only.
fn union_parts(kind: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    let bytes = kind.as_bytes();
    for (i, byte) in bytes.iter().enumerate() {
        match byte {
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b'|' if depth == 0 => {
                parts.push(kind[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(kind[start..].trim());
    parts
}

#[cfg(test)]
mod tests {
    use super::covers;

    #[test]
    fn number_covers_integer_and_unions_cover_their_members() {
        assert!(covers("number", "integer"));
        assert!(!covers("integer", "number"));
        assert!(covers("string | null", "string"));
        assert!(!covers("string", "string | null"));
        assert!(covers("any", "array of string"));
        assert!(covers("array of (string | null)", "array of string"));
        assert!(!covers("array of string", "array of integer"));
    }
}
