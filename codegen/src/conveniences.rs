//! Arguments the runtime adds for agents, beyond what the spec declares:
//!
//! - **Names for IDs.** A record's `[record.resolve]` lets an ID argument (`queue_id`) also be
//!   given as a name (`queue`); the server looks the name up through a lookup tool. The input
//!   schema shows both forms; neither is then `required` by the schema, and the runtime insists
//!   on one of them.
//!   With a `default_flag`, leaving out both forms means the tenant's default entry.
//! - **Defaults.** `[record.defaults]` names arguments the server fills in when they are left
//!   out (`note_date = "now"`); the schema no longer requires them and says what is used.
//! - **`fields`** on list tools: keep only some properties of each item, to save context.

use serde_json::{Value, json};

use crate::catalogue::{ResultShape, ToolModel};
use crate::error::{GenError, RecordLocation};
use crate::records::{ArgDefault, Record};
use crate::schema::has_type;

/// The projection argument list tools gain.
pub const FIELDS_ARG: &str = "fields";

/// One ID argument that also takes a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolverModel {
    pub id_arg: String,
    pub name_arg: String,
    /// The lookup tool that turns names into IDs.
    pub lookup: String,
    /// Fixed arguments for the lookup (e.g. `table_name = "NoteTypes"`).
    pub lookup_args: Vec<(String, String)>,
    /// Whether the operation needs the ID: then one of the two forms must be given, unless
    /// `default_flag` picks an entry.
    pub required: bool,
    /// The lookup items' boolean field marking the default entry, used when neither form is
    /// given.
    pub default_flag: Option<String>,
    /// The record, for messages.
    pub at: RecordLocation,
}

/// Adds name arguments and `fields` to a built tool.
pub fn apply(record: &Record, tool: &mut ToolModel) -> Result<Vec<ResolverModel>, GenError> {
    let mut resolvers = Vec::new();
    for spec in &record.resolve {
        let field_error = |message: String| GenError::RecordField {
            at: record.at.clone(),
            field: "resolve",
            message,
        };
        let name_arg = spec.name_arg.clone().unwrap_or_else(|| {
            spec.id_arg
                .strip_suffix("_id")
                .unwrap_or(&spec.id_arg)
                .to_owned()
        });
        let properties = tool.input_schema["properties"]
            .as_object_mut()
            .ok_or_else(|| field_error("the tool has no arguments".into()))?;
        let Some(id_schema) = properties.get(&spec.id_arg) else {
            return Err(field_error(format!(
                "`{}` is not an argument of this tool",
                spec.id_arg
            )));
        };
        if id_schema["type"] != "integer" {
            return Err(field_error(format!(
                "`{}` is not an integer ID argument",
                spec.id_arg
            )));
        }
        if name_arg == spec.id_arg || properties.contains_key(&name_arg) {
            return Err(field_error(format!(
                "the name argument `{name_arg}` collides with an existing argument; set `name_arg`"
            )));
        }
        let mut description = format!(
            "The name instead of `{}`, e.g. as people say it; the server looks it up with {} (case-insensitive) and answers with the closest names if it finds none or several. Give `{}` or `{name_arg}`, not both.",
            spec.id_arg,
            spec.lookup_description(),
            spec.id_arg
        );
        if let Some(flag) = &spec.default_flag {
            let sentence =
                format!(" Leave both out for the default: the lookup's entry with {flag} true.");
            description.push_str(&sentence);
            if let Some(id_schema) = properties.get_mut(&spec.id_arg) {
                append_description(id_schema, &sentence);
            }
        }
        properties.insert(
            name_arg.clone(),
            json!({"type": "string", "minLength": 1, "description": description}),
        );
        let required = remove_required(&mut tool.input_schema, &spec.id_arg);
        resolvers.push(ResolverModel {
            id_arg: spec.id_arg.clone(),
            name_arg,
            lookup: spec.tool.clone(),
            lookup_args: spec.args.clone(),
            required,
            default_flag: spec.default_flag.clone(),
            at: record.at.clone(),
        });
    }
    if tool.result == ResultShape::List
        && tool.args.iter().all(|a| a.name != FIELDS_ARG)
        && !list_item_fields(tool).is_empty()
        && let Some(properties) = tool.input_schema["properties"].as_object_mut()
    {
        properties.insert(
            FIELDS_ARG.into(),
            json!({
                "type": "array",
                "items": {"type": "string"},
                "uniqueItems": true,
                // Repeated on every list tool: kept short, it is part of every model's context.
                "description": "Only these properties of each item (names as in the answer's items), e.g. [\"id\", \"name\"].",
            }),
        );
    }
    Ok(resolvers)
}

/// Applies `[record.defaults]`: each argument must exist and suit its default; it stops being
/// required, and its description says what the server sends when it is left out.
pub fn apply_defaults(
    record: &Record,
    tool: &mut ToolModel,
) -> Result<Vec<(String, ArgDefault)>, GenError> {
    for (arg, default) in &record.defaults {
        let error = |message: String| GenError::RecordField {
            at: record.at.clone(),
            field: "defaults",
            message,
        };
        let Some(schema) = tool.input_schema["properties"].get_mut(arg) else {
            return Err(error(format!("`{arg}` is not an argument of this tool")));
        };
        let sentence = match default {
            ArgDefault::Now => {
                if schema["type"] != "string" || schema["format"] != "date-time" {
                    return Err(error(format!(
                        "`{arg}` is not a date-time argument, so it cannot default to now"
                    )));
                }
                " Leave out for the current time (UTC)."
            }
        };
        append_description(schema, sentence);
        remove_required(&mut tool.input_schema, arg);
    }
    Ok(record.defaults.clone())
}

/// Adds a sentence the runtime makes true to an argument's description (or starts one).
fn append_description(schema: &mut Value, sentence: &str) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    let text = match object.get("description").and_then(Value::as_str) {
        Some(text) => format!("{text}{sentence}"),
        None => sentence.trim_start().to_owned(),
    };
    object.insert("description".into(), text.into());
}

/// The property names of a list tool's items, from its output schema.
pub fn list_item_fields(tool: &ToolModel) -> Vec<String> {
    tool.output_schema
        .as_ref()
        .and_then(|o| o["properties"]["items"]["items"]["properties"].as_object())
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

impl crate::records::ResolveSpec {
    fn lookup_description(&self) -> String {
        if self.args.is_empty() {
            return self.tool.clone();
        }
        let args: Vec<String> = self
            .args
            .iter()
            .map(
                |(k, v)| match v.strip_prefix('{').and_then(|v| v.strip_suffix('}')) {
                    Some(arg) => format!("{k} = this call's `{arg}`"),
                    None => format!("{k} = {v:?}"),
                },
            )
            .collect();
        format!("{} ({})", self.tool, args.join(", "))
    }
}

/// `{arg}` in a resolver's lookup arguments: `arg` must be an argument of the tool. The runtime
/// resolves plain lookups before keyed ones, so when `arg` is itself resolved from a name, its
/// own lookup must not be keyed.
fn check_reference(tool: &ToolModel, resolver: &ResolverModel, arg: &str) -> Result<(), String> {
    if tool.args.iter().all(|a| a.name != arg) {
        return Err(format!(
            "`{{{arg}}}` names no argument of this tool; write `{{argument}}` or a fixed value"
        ));
    }
    if let Some(theirs) = tool.resolvers.iter().find(|r| r.id_arg == arg)
        && theirs.is_keyed()
    {
        return Err(format!(
            "`{}` is looked up with `{arg}`, whose own lookup is keyed by another argument; only one level is resolved",
            resolver.id_arg
        ));
    }
    Ok(())
}

impl ResolverModel {
    /// Whether the lookup takes a value from another argument (`{arg}`).
    pub fn is_keyed(&self) -> bool {
        self.lookup_args
            .iter()
            .any(|(_, v)| v.starts_with('{') && v.ends_with('}'))
    }
}

fn remove_required(schema: &mut Value, arg: &str) -> bool {
    let Some(required) = schema.get_mut("required").and_then(Value::as_array_mut) else {
        return false;
    };
    let before = required.len();
    required.retain(|r| r != arg);
    let removed = required.len() != before;
    if required.is_empty()
        && let Some(object) = schema.as_object_mut()
    {
        object.remove("required");
    }
    removed
}

/// Checks every resolver against the finished catalogue: the lookup tool exists, lists items,
/// and the fixed arguments cover its required ones.
pub fn check_lookups(tools: &[ToolModel]) -> Result<(), GenError> {
    for tool in tools {
        for resolver in &tool.resolvers {
            let error = |message: String| GenError::RecordField {
                at: resolver.at.clone(),
                field: "resolve",
                message,
            };
            let Some(lookup) = tools.iter().find(|t| t.name == resolver.lookup) else {
                return Err(error(format!(
                    "lookup tool `{}` is not in the catalogue",
                    resolver.lookup
                )));
            };
            if lookup.result != ResultShape::List {
                return Err(error(format!(
                    "`{}` does not answer a list of items",
                    lookup.name
                )));
            }
            for (key, value) in &resolver.lookup_args {
                if lookup.args.iter().all(|a| &a.name != key) {
                    return Err(error(format!(
                        "`{key}` is not an argument of `{}`",
                        lookup.name
                    )));
                }
                if let Some(arg) = value.strip_prefix('{').and_then(|v| v.strip_suffix('}')) {
                    check_reference(tool, resolver, arg).map_err(error)?;
                }
            }
            if let Some(flag) = &resolver.default_flag {
                let field = crate::naming::dotnet_camel_case(flag);
                let items = &lookup.output_schema.as_ref().map_or(Value::Null, |o| {
                    o["properties"]["items"]["items"]["properties"].clone()
                });
                if !has_type(&items[&field], "boolean") {
                    return Err(error(format!(
                        "`{}` items have no boolean `{flag}` to mark the default entry",
                        lookup.name
                    )));
                }
            }
            for arg in lookup.args.iter().filter(|a| a.required) {
                if resolver.lookup_args.iter().all(|(k, _)| k != &arg.name) {
                    return Err(error(format!(
                        "`{}` needs `{}`; give it in `args`, as a fixed value or as `{{argument}}` of this tool",
                        lookup.name, arg.name
                    )));
                }
            }
        }
    }
    Ok(())
}
