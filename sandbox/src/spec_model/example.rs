//! Deterministic JSON values built from spec schemas, with the camelCase property names live
//! BMS sends: full examples for operations the sandbox does not simulate, and blank DTOs that
//! stateful handlers fill in.

use bms_mcp_codegen::Spec;
use bms_mcp_codegen::naming::dotnet_camel_case;
use bms_mcp_codegen::schema::{SchemaRef, boxed_ref, schema_ref};
use openapiv3::{
    AdditionalProperties, ReferenceOr, Schema, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};
use serde_json::{Map, Value, json};

/// How many `$ref` hops deep a value is built; deeper objects are `{}` and arrays `[]`,
/// which every output schema accepts (nothing is required in them).
const MAX_DEPTH: usize = 5;

/// The date-time every example carries, so answers are byte-for-byte reproducible.
pub const EXAMPLE_DATE_TIME: &str = "2026-07-01T09:00:00Z";

/// What to put in leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// Plausible values everywhere: "example", 1, true, one-item arrays.
    Example,
    /// Null where the schema allows it, otherwise zero values and empty arrays.
    Blank,
}

/// Builds a value for `schema`.
pub fn generate(spec: &Spec, schema: &ReferenceOr<Schema>, fill: Fill) -> Value {
    let mut stack = Vec::new();
    walk_ref(spec, schema_ref(schema), fill, &mut stack)
}

fn walk_ref(spec: &Spec, schema: SchemaRef<'_>, fill: Fill, stack: &mut Vec<String>) -> Value {
    match schema {
        SchemaRef::Item(s) => walk(spec, s, fill, stack),
        SchemaRef::Reference(reference) => {
            let Some(resolved) = spec.schema_by_ref(reference) else {
                return json!({});
            };
            let name = reference.rsplit('/').next().unwrap_or(reference).to_owned();
            if stack.contains(&name) || stack.len() >= MAX_DEPTH {
                return cut(resolved);
            }
            stack.push(name);
            let value = walk(spec, resolved, fill, stack);
            stack.pop();
            value
        }
    }
}

/// The stand-in for a schema not expanded further: an empty container of the right kind.
fn cut(schema: &Schema) -> Value {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Array(_)) => json!([]),
        SchemaKind::Type(Type::String(_)) => json!(""),
        SchemaKind::Type(Type::Integer(_) | Type::Number(_)) => json!(0),
        SchemaKind::Type(Type::Boolean(_)) => json!(false),
        _ => json!({}),
    }
}

fn walk(spec: &Spec, schema: &Schema, fill: Fill, stack: &mut Vec<String>) -> Value {
    let nullable = schema.schema_data.nullable;
    let is_object = matches!(
        schema.schema_kind,
        SchemaKind::Type(Type::Object(_)) | SchemaKind::Any(_)
    );
    if fill == Fill::Blank && nullable && !is_object {
        return Value::Null;
    }
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => {
            if let Some(Some(first)) = s.enumeration.first() {
                return json!(first);
            }
            string_leaf(&s.format, fill)
        }
        SchemaKind::Type(Type::Integer(i)) => {
            if let Some(Some(first)) = i.enumeration.first() {
                return json!(first);
            }
            let base = if fill == Fill::Example { 1 } else { 0 };
            json!(i.minimum.map_or(base, |min| min.max(base)))
        }
        SchemaKind::Type(Type::Number(n)) => {
            let base = if fill == Fill::Example { 1.5 } else { 0.0 };
            json!(n.minimum.map_or(base, |min| min.max(base)))
        }
        SchemaKind::Type(Type::Boolean(_)) => json!(fill == Fill::Example),
        SchemaKind::Type(Type::Array(a)) => match (fill, &a.items) {
            (Fill::Example, Some(items)) => {
                let item = walk_ref(spec, boxed_ref(items), fill, stack);
                Value::Array(vec![item])
            }
            _ => json!([]),
        },
        SchemaKind::Type(Type::Object(o)) => object(
            spec,
            &o.properties,
            o.additional_properties.as_ref(),
            fill,
            stack,
        ),
        SchemaKind::Any(any) if !any.properties.is_empty() => object(
            spec,
            &any.properties,
            any.additional_properties.as_ref(),
            fill,
            stack,
        ),
        // An untyped schema (`value: {nullable: true}`): any JSON is valid.
        SchemaKind::Any(_) if fill == Fill::Blank => Value::Null,
        SchemaKind::Any(_) => json!("example"),
        SchemaKind::OneOf { one_of: list }
        | SchemaKind::AnyOf { any_of: list }
        | SchemaKind::AllOf { all_of: list } => list.first().map_or(json!({}), |first| {
            walk_ref(spec, schema_ref(first), fill, stack)
        }),
        SchemaKind::Not { .. } => Value::Null,
    }
}

fn string_leaf(format: &VariantOrUnknownOrEmpty<StringFormat>, fill: Fill) -> Value {
    let value = match format {
        VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => EXAMPLE_DATE_TIME,
        VariantOrUnknownOrEmpty::Item(StringFormat::Date) => "2026-07-01",
        VariantOrUnknownOrEmpty::Unknown(f) if f == "uuid" => {
            "00000000-0000-4000-8000-000000000001"
        }
        VariantOrUnknownOrEmpty::Item(StringFormat::Byte) if fill == Fill::Example => {
            "ZXhhbXBsZQ=="
        }
        _ if fill == Fill::Example => "example",
        _ => "",
    };
    json!(value)
}

fn object(
    spec: &Spec,
    properties: &indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
    additional: Option<&AdditionalProperties>,
    fill: Fill,
    stack: &mut Vec<String>,
) -> Value {
    let mut out = Map::new();
    for (name, schema) in properties {
        out.insert(
            dotnet_camel_case(name),
            walk_ref(spec, boxed_ref(schema), fill, stack),
        );
    }
    if let (Fill::Example, Some(AdditionalProperties::Schema(values))) = (fill, additional) {
        out.insert(
            "example".into(),
            walk_ref(spec, schema_ref(values), fill, stack),
        );
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::super::SpecModel;
    use super::*;

    #[test]
    fn blank_dtos_have_every_property_in_camel_case() {
        let model = SpecModel::shared().expect("spec parses");
        let blank = model.blank("TicketNoteOutputDto");
        assert_eq!(blank["id"], json!(0));
        assert_eq!(blank["details"], Value::Null);
        assert_eq!(blank["isInternal"], json!(false));
        assert!(blank.get("createdByEmail").is_some());
    }

    #[test]
    fn examples_are_deterministic_and_filled() {
        let model = SpecModel::shared().expect("spec parses");
        let op = model
            .operation("GET /v2/system/priorities/lookup")
            .expect("exists");
        let a = model.example_response(op).expect("has schema");
        let b = model.example_response(op).expect("has schema");
        assert_eq!(a, b);
        assert_eq!(a["result"][0]["name"], json!("example"));
    }
}
