//! OpenAPI 3.0 schemas → self-contained JSON Schema (2020-12) for MCP tool definitions.
//!
//! Every `$ref` is inlined (clients such as Gemini reject `$ref`/`$defs`), and recursion is cut:
//! a schema already being expanded, or one nested deeper than [`MAX_NESTING`] objects, becomes
//! an unexpanded object that says so in its description.
//!
//! `nullable` is spelled for portability. In input schemas it is dropped: to ASP.NET a `null`
//! and an absent property are the same, so "optional" says it, and single-`type` dialects
//! (Gemini's function declarations) accept it; the runtime drops `null` members a client sends
//! before validating. In output schemas it becomes `anyOf: [schema, {type: null}]`, which every
//! JSON Schema validator reads.

use openapiv3::{
    AdditionalProperties, ReferenceOr, Schema, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};
use serde_json::{Map, Value, json};

use crate::error::GenError;
use crate::naming::dotnet_camel_case;
use crate::spec::Spec;

/// How many objects deep a schema is expanded before it is cut.
pub const MAX_NESTING: usize = 6;

/// Which side of a call a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// What the model sends: wire names, `readOnly` properties dropped, `required` and
    /// `additionalProperties: false` kept, integer formats turned into bounds.
    Input,
    /// What BMS answers: camelCase names (as live BMS sends), nothing required, extra
    /// properties allowed, so that a schema never rejects a real answer.
    Output,
}

/// Converts spec schemas for one direction.
pub struct SchemaConverter<'a> {
    spec: &'a Spec,
    direction: Direction,
}

/// A schema and whether the spec marks it read-only (properties the client may not send).
pub struct Converted {
    pub schema: Value,
    pub read_only: bool,
}

impl<'a> SchemaConverter<'a> {
    pub fn new(spec: &'a Spec, direction: Direction) -> Self {
        SchemaConverter { spec, direction }
    }

    /// Converts a schema or reference; `context` names the operation in errors.
    pub fn convert(&self, schema: &ReferenceOr<Schema>, context: &str) -> Result<Value, GenError> {
        let mut stack = Vec::new();
        Ok(self
            .walk_ref(schema_ref(schema), context, &mut stack)?
            .schema)
    }

    fn walk_ref(
        &self,
        schema: SchemaRef<'_>,
        context: &str,
        stack: &mut Vec<String>,
    ) -> Result<Converted, GenError> {
        match schema {
            SchemaRef::Item(item) => self.walk(item, context, stack),
            SchemaRef::Reference(reference) => {
                let resolved =
                    self.spec
                        .schema_by_ref(reference)
                        .ok_or_else(|| GenError::UnresolvedRef {
                            context: context.to_owned(),
                            reference: reference.to_owned(),
                        })?;
                let name = reference.rsplit('/').next().unwrap_or(reference);
                if stack.iter().any(|seen| seen == name) {
                    return Ok(self.cut(name, "recursive structure"));
                }
                if stack.len() >= MAX_NESTING {
                    return Ok(self.cut(name, "nesting limit reached"));
                }
                stack.push(name.to_owned());
                let converted = self.walk(resolved, context, stack);
                stack.pop();
                converted
            }
        }
    }

    /// What stands in for a schema that is not expanded further.
    fn cut(&self, name: &str, why: &str) -> Converted {
        let schema = match self.direction {
            Direction::Input => json!({
                "type": "object",
                "description": format!("A nested {name} object ({why}; not expanded further)."),
            }),
            Direction::Output => Value::Object(any_value(Direction::Output)),
        };
        Converted {
            schema,
            read_only: false,
        }
    }

    fn walk(
        &self,
        schema: &Schema,
        context: &str,
        stack: &mut Vec<String>,
    ) -> Result<Converted, GenError> {
        let data = &schema.schema_data;
        let mut out = match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                let mut o = object(json!({"type": "string"}));
                // Output schemas carry no formats: validating clients (ajv) reject unknown
                // formats, and a format adds nothing to what the model reads back.
                if self.direction == Direction::Input {
                    insert_opt(&mut o, "format", string_format(&s.format).map(Value::from));
                    insert_opt(&mut o, "pattern", s.pattern.clone().map(Value::from));
                    insert_opt(&mut o, "minLength", s.min_length.map(Value::from));
                    insert_opt(&mut o, "maxLength", s.max_length.map(Value::from));
                    insert_enum(&mut o, &s.enumeration);
                }
                o
            }
            SchemaKind::Type(Type::Integer(i)) => {
                let mut o = object(json!({"type": "integer"}));
                let format = match &i.format {
                    VariantOrUnknownOrEmpty::Item(f) => Some(format!("{f:?}").to_lowercase()),
                    VariantOrUnknownOrEmpty::Unknown(f) => Some(f.clone()),
                    VariantOrUnknownOrEmpty::Empty => None,
                };
                if self.direction == Direction::Input {
                    let (low, high) = match format.as_deref() {
                        Some("int32") => (Some(i64::from(i32::MIN)), Some(i64::from(i32::MAX))),
                        Some("int64") => (Some(i64::MIN), Some(i64::MAX)),
                        _ => (None, None),
                    };
                    insert_opt(&mut o, "minimum", i.minimum.or(low).map(Value::from));
                    insert_opt(&mut o, "maximum", i.maximum.or(high).map(Value::from));
                    insert_enum(&mut o, &i.enumeration);
                    insert_opt(&mut o, "format", format.map(Value::from));
                }
                o
            }
            SchemaKind::Type(Type::Number(n)) => {
                let mut o = object(json!({"type": "number"}));
                if self.direction == Direction::Input {
                    insert_opt(&mut o, "minimum", n.minimum.map(Value::from));
                    insert_opt(&mut o, "maximum", n.maximum.map(Value::from));
                    insert_enum(&mut o, &n.enumeration);
                }
                o
            }
            SchemaKind::Type(Type::Boolean(_)) => object(json!({"type": "boolean"})),
            SchemaKind::Type(Type::Array(a)) => {
                let mut o = object(json!({"type": "array"}));
                if let Some(items) = &a.items {
                    let items = self.walk_ref(boxed_ref(items), context, stack)?;
                    o.insert("items".into(), items.schema);
                }
                if self.direction == Direction::Input {
                    insert_opt(&mut o, "minItems", a.min_items.map(Value::from));
                    insert_opt(&mut o, "maxItems", a.max_items.map(Value::from));
                    if a.unique_items {
                        o.insert("uniqueItems".into(), true.into());
                    }
                }
                o
            }
            SchemaKind::Type(Type::Object(obj)) => self.object(
                &obj.properties,
                &obj.required,
                obj.additional_properties.as_ref(),
                context,
                stack,
            )?,
            SchemaKind::Any(any) if !any.properties.is_empty() => self.object(
                &any.properties,
                &any.required,
                any.additional_properties.as_ref(),
                context,
                stack,
            )?,
            // "Any value" (the `value` of a JSON Patch operation). Spelled out, since schema
            // linters flag an empty schema and some clients drop it.
            SchemaKind::Any(_) => any_value(self.direction),
            SchemaKind::OneOf { one_of: list }
            | SchemaKind::AnyOf { any_of: list }
            | SchemaKind::AllOf { all_of: list } => {
                let keyword = match &schema.schema_kind {
                    SchemaKind::AllOf { .. } => "allOf",
                    SchemaKind::OneOf { .. } => "oneOf",
                    _ => "anyOf",
                };
                let mut parts = Vec::new();
                for part in list {
                    parts.push(self.walk_ref(schema_ref(part), context, stack)?.schema);
                }
                object(json!({ keyword: parts }))
            }
            SchemaKind::Not { .. } => Map::new(),
        };
        if let Some(description) = &data.description {
            out.insert("description".into(), description.clone().into());
        }
        if data.nullable && self.direction == Direction::Output {
            out = nullable_output(out);
        }
        Ok(Converted {
            schema: Value::Object(out),
            read_only: data.read_only,
        })
    }

    fn object(
        &self,
        properties: &indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &[String],
        additional: Option<&AdditionalProperties>,
        context: &str,
        stack: &mut Vec<String>,
    ) -> Result<Map<String, Value>, GenError> {
        let mut props = Map::new();
        let mut kept_required = Vec::new();
        for (name, schema) in properties {
            let converted = self.walk_ref(boxed_ref(schema), context, stack)?;
            let read_only = converted.read_only || self.is_read_only_ref(schema);
            match self.direction {
                Direction::Input if read_only => continue,
                Direction::Input => {
                    if required.contains(name) {
                        kept_required.push(Value::from(name.clone()));
                    }
                    props.insert(name.clone(), converted.schema);
                }
                Direction::Output => {
                    // OpenAPI 3.0 cannot mark a `$ref` nullable, but ASP.NET sends a missing
                    // nested object as `null`: allow it, or real answers fail validation.
                    let schema = match (schema, converted.schema) {
                        (ReferenceOr::Reference { .. }, Value::Object(o))
                            if o.get("anyOf").is_none() =>
                        {
                            Value::Object(nullable_output(o))
                        }
                        (_, other) => other,
                    };
                    props.insert(dotnet_camel_case(name), schema);
                }
            }
        }
        let mut o = object(json!({"type": "object"}));
        if !props.is_empty() {
            o.insert("properties".into(), Value::Object(props));
        }
        if self.direction == Direction::Input {
            if !kept_required.is_empty() {
                o.insert("required".into(), Value::Array(kept_required));
            }
            match additional {
                Some(AdditionalProperties::Any(false)) => {
                    o.insert("additionalProperties".into(), false.into());
                }
                Some(AdditionalProperties::Schema(schema)) => {
                    let values = self.walk_ref(schema_ref(schema), context, stack)?;
                    o.insert("additionalProperties".into(), values.schema);
                }
                Some(AdditionalProperties::Any(true)) | None => {}
            }
        }
        Ok(o)
    }

    fn is_read_only_ref(&self, schema: &ReferenceOr<Box<Schema>>) -> bool {
        match schema {
            ReferenceOr::Reference { reference } => self
                .spec
                .schema_by_ref(reference)
                .is_some_and(|s| s.schema_data.read_only),
            ReferenceOr::Item(_) => false,
        }
    }
}

/// A borrowed schema or reference, whichever box the spec model keeps it in.
#[derive(Clone, Copy)]
pub enum SchemaRef<'a> {
    Item(&'a Schema),
    Reference(&'a str),
}

/// A schema or reference as the spec model keeps it at the top level.
pub fn schema_ref(schema: &ReferenceOr<Schema>) -> SchemaRef<'_> {
    match schema {
        ReferenceOr::Item(s) => SchemaRef::Item(s),
        ReferenceOr::Reference { reference } => SchemaRef::Reference(reference),
    }
}

/// A schema or reference as the spec model keeps it inside objects and arrays.
pub fn boxed_ref(schema: &ReferenceOr<Box<Schema>>) -> SchemaRef<'_> {
    match schema {
        ReferenceOr::Item(s) => SchemaRef::Item(s),
        ReferenceOr::Reference { reference } => SchemaRef::Reference(reference),
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn insert_opt(o: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        o.insert(key.to_owned(), value);
    }
}

fn insert_enum<T: Clone + Into<Value>>(o: &mut Map<String, Value>, values: &[Option<T>]) {
    if values.is_empty() {
        return;
    }
    let list: Vec<Value> = values
        .iter()
        .map(|v| v.clone().map_or(Value::Null, Into::into))
        .collect();
    o.insert("enum".into(), Value::Array(list));
}

fn string_format(format: &VariantOrUnknownOrEmpty<StringFormat>) -> Option<String> {
    match format {
        VariantOrUnknownOrEmpty::Item(StringFormat::Date) => Some("date".into()),
        VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Some("date-time".into()),
        VariantOrUnknownOrEmpty::Item(StringFormat::Byte) => Some("byte".into()),
        VariantOrUnknownOrEmpty::Item(StringFormat::Binary) => Some("binary".into()),
        VariantOrUnknownOrEmpty::Item(StringFormat::Password) => Some("password".into()),
        VariantOrUnknownOrEmpty::Unknown(other) => Some(other.clone()),
        VariantOrUnknownOrEmpty::Empty => None,
    }
}

/// A schema for any JSON value; outputs may also be `null` (inputs drop nulls).
fn any_value(direction: Direction) -> Map<String, Value> {
    let mut types = vec![
        json!({"type": "string"}),
        json!({"type": "number"}),
        json!({"type": "boolean"}),
        json!({"type": "object"}),
        json!({"type": "array"}),
    ];
    if direction == Direction::Output {
        types.push(json!({"type": "null"}));
    }
    object(json!({ "anyOf": types }))
}

/// An output schema that also allows `null`. An empty schema already does.
fn nullable_output(schema: Map<String, Value>) -> Map<String, Value> {
    if schema.is_empty() {
        return schema;
    }
    object(json!({"anyOf": [Value::Object(schema), {"type": "null"}]}))
}

/// The non-null branch of a nullable root: MCP requires tool schema roots of `type: object`.
pub fn root_object(schema: Value) -> Value {
    match schema.get("anyOf").and_then(Value::as_array) {
        Some(branches) if branches.len() == 2 && branches[1] == json!({"type": "null"}) => {
            branches[0].clone()
        }
        _ => schema,
    }
}

/// Whether a converted schema's type is `name`, or it is nullable with that type.
pub fn has_type(schema: &Value, name: &str) -> bool {
    if schema.get("type").and_then(Value::as_str) == Some(name) {
        return true;
    }
    schema
        .get("anyOf")
        .and_then(Value::as_array)
        .is_some_and(|branches| {
            branches
                .iter()
                .any(|b| b.get("type").and_then(Value::as_str) == Some(name))
        })
}
