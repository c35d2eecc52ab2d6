//! The vendored spec, parsed once per process and indexed for serving: every operation with
//! its path template, typed parameters, body schema and success schema.

mod example;
mod routes;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use bms_mcp_codegen::Spec;
use bms_mcp_codegen::schema::{Direction, SchemaConverter};
use openapiv3::{
    ParameterSchemaOrContent, ReferenceOr, Schema, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};
use serde_json::Value;

pub use example::Fill;
pub use routes::RouteMatch;

/// The spec as served, compiled into the binary so the sandbox and production agree on it.
const SPEC_TEXT: &str = include_str!("../../../spec/kaseya-bms-openapi.json");

/// Where operation parameters travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    Path,
    Query,
}

/// How a parameter's text must parse, from its schema.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamKind {
    Int32,
    Int64,
    Number,
    Boolean,
    DateTime,
    Uuid,
    String,
    /// Repeated or comma-separated integers (`Filter.Ids`).
    Int32List,
    /// An integer enum (`accountAlertType`).
    IntEnum(Vec<i64>),
}

/// One declared parameter.
#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub location: ParamLocation,
    pub kind: ParamKind,
    pub required: bool,
}

/// How an operation takes its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Json,
    Multipart,
}

/// What the operation's 200 answer looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseKind {
    /// `{success, error, result}`.
    Envelope,
    /// `{success, error, result, totalRecords}`.
    PagedEnvelope,
    /// The DTO itself, no envelope (e.g. `GET /v2/crm/accounts/summary/{id}`).
    Raw,
    /// The spec declares no body: 200 with an empty body.
    Empty,
}

/// One served operation.
pub struct Operation {
    /// `GET /v2/servicedesk/tickets/{ticketId}`, as in the spec.
    pub key: String,
    pub method: &'static str,
    pub params: Vec<Param>,
    pub body: Option<BodyKind>,
    pub response: ResponseKind,
    body_schema: Option<&'static ReferenceOr<Schema>>,
    success_schema: Option<&'static ReferenceOr<Schema>>,
    segments: Vec<routes::Segment>,
    validator: OnceLock<Result<BodyValidator, String>>,
}

/// A compiled request-body schema.
pub struct BodyValidator {
    /// The input schema (wire names), used to normalise key casing.
    pub schema: Value,
    pub validator: jsonschema::Validator,
}

/// The indexed spec.
pub struct SpecModel {
    pub spec: &'static Spec,
    pub operations: Vec<Operation>,
    blanks: Mutex<HashMap<String, Value>>,
}

static MODEL: OnceLock<Result<SpecModel, String>> = OnceLock::new();

impl SpecModel {
    /// The process-wide model: the embedded spec is parsed the first time a sandbox starts.
    pub fn shared() -> anyhow::Result<&'static SpecModel> {
        MODEL
            .get_or_init(|| SpecModel::build().map_err(|e| format!("{e:#}")))
            .as_ref()
            .map_err(|e| anyhow::anyhow!("the embedded BMS spec cannot be served: {e}"))
    }

    fn build() -> anyhow::Result<SpecModel> {
        let spec: &'static Spec = Box::leak(Box::new(Spec::parse(
            SPEC_TEXT,
            Path::new("spec/kaseya-bms-openapi.json"),
        )?));
        let mut operations = Vec::new();
        for op in spec.operations()? {
            let mut params = Vec::new();
            for p in &op.parameters {
                params.push(param(spec, p, op.path));
            }
            let body_schema = spec
                .request_body(&op)?
                .and_then(|b| bms_mcp_codegen::spec::json_media_schema(&b.content));
            let body = match spec.request_body(&op)? {
                Some(b) if b.content.contains_key("multipart/form-data") => {
                    Some(BodyKind::Multipart)
                }
                Some(_) => Some(BodyKind::Json),
                None => None,
            };
            let success_schema = spec.success_schema(&op);
            let response = response_kind(spec, success_schema);
            operations.push(Operation {
                key: op.key(),
                method: op.method,
                segments: routes::segments(op.path),
                params,
                body,
                response,
                body_schema,
                success_schema,
                validator: OnceLock::new(),
            });
        }
        Ok(SpecModel {
            spec,
            operations,
            blanks: Mutex::new(HashMap::new()),
        })
    }

    /// The operation with this `METHOD /template` key.
    #[cfg(test)]
    pub fn operation(&self, key: &str) -> Option<&Operation> {
        self.operations.iter().find(|op| op.key == key)
    }

    /// Finds the operation serving a request path (case-insensitive, literals before parameters).
    pub fn find(&self, method: &str, path: &str) -> RouteMatch<'_> {
        routes::find(&self.operations, method, path)
    }

    /// The body validator of an operation, compiled on first use.
    pub fn body_validator<'a>(
        &self,
        op: &'a Operation,
    ) -> Option<Result<&'a BodyValidator, String>> {
        let schema = op.body_schema?;
        let compiled = op.validator.get_or_init(|| {
            let converted = SchemaConverter::new(self.spec, Direction::Input)
                .convert(schema, &op.key)
                .map_err(|e| e.to_string())?;
            let lenient = allow_unknown_properties(converted);
            let validator = jsonschema::validator_for(&lenient).map_err(|e| e.to_string())?;
            Ok(BodyValidator {
                schema: lenient,
                validator,
            })
        });
        Some(compiled.as_ref().map_err(Clone::clone))
    }

    /// A deterministic, schema-valid example of the operation's success answer.
    pub fn example_response(&self, op: &Operation) -> Option<Value> {
        let schema = op.success_schema?;
        Some(example::generate(self.spec, schema, Fill::Example))
    }

    /// A component DTO with every property present: nullable ones null, others zero-valued.
    /// Stateful handlers overlay their values on it, so answers carry the full DTO shape.
    pub fn blank(&self, schema_name: &str) -> Value {
        let mut cache = self.blanks.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry(schema_name.to_owned())
            .or_insert_with(|| {
                let reference = ReferenceOr::Reference {
                    reference: format!("#/components/schemas/{schema_name}"),
                };
                example::generate(self.spec, &reference, Fill::Blank)
            })
            .clone()
    }
}

/// ASP.NET ignores JSON properties a DTO does not have; the spec's `additionalProperties: false`
/// is Swashbuckle's default, not BMS behaviour, so the sandbox drops it before validating.
fn allow_unknown_properties(mut schema: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                if map.get("additionalProperties") == Some(&Value::Bool(false)) {
                    map.remove("additionalProperties");
                }
                map.values_mut().for_each(walk);
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut schema);
    schema
}

/// Two operations declare path parameters their template lacks (`PageSize` on the chart of
/// accounts lookup, `warehouseId` on weighted cost). No client can put them in the path, so
/// the sandbox binds them from the query string, optionally.
fn param(spec: &Spec, p: &openapiv3::Parameter, template: &str) -> Param {
    let (data, location) = match p {
        openapiv3::Parameter::Path { parameter_data, .. } => (parameter_data, ParamLocation::Path),
        openapiv3::Parameter::Query { parameter_data, .. }
        | openapiv3::Parameter::Header { parameter_data, .. }
        | openapiv3::Parameter::Cookie { parameter_data, .. } => {
            (parameter_data, ParamLocation::Query)
        }
    };
    let kind = match &data.format {
        ParameterSchemaOrContent::Schema(schema) => {
            spec.resolve(schema).map_or(ParamKind::String, kind_of)
        }
        ParameterSchemaOrContent::Content(_) => ParamKind::String,
    };
    let in_template = template.contains(&format!("{{{}}}", data.name));
    let orphan = location == ParamLocation::Path && !in_template;
    Param {
        name: data.name.clone(),
        location: if orphan {
            ParamLocation::Query
        } else {
            location
        },
        kind,
        required: data.required && !orphan,
    }
}

fn kind_of(schema: &Schema) -> ParamKind {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Integer(i)) if !i.enumeration.is_empty() => {
            ParamKind::IntEnum(i.enumeration.iter().flatten().copied().collect())
        }
        SchemaKind::Type(Type::Integer(i)) => match &i.format {
            VariantOrUnknownOrEmpty::Item(openapiv3::IntegerFormat::Int64) => ParamKind::Int64,
            _ => ParamKind::Int32,
        },
        SchemaKind::Type(Type::Number(_)) => ParamKind::Number,
        SchemaKind::Type(Type::Boolean(_)) => ParamKind::Boolean,
        SchemaKind::Type(Type::Array(_)) => ParamKind::Int32List,
        SchemaKind::Type(Type::String(s)) => match &s.format {
            VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => ParamKind::DateTime,
            VariantOrUnknownOrEmpty::Unknown(f) if f == "uuid" => ParamKind::Uuid,
            _ => ParamKind::String,
        },
        _ => ParamKind::String,
    }
}

fn response_kind(spec: &Spec, schema: Option<&ReferenceOr<Schema>>) -> ResponseKind {
    let Some(resolved) = schema.and_then(|s| spec.resolve(s)) else {
        return ResponseKind::Empty;
    };
    let properties = match &resolved.schema_kind {
        SchemaKind::Type(Type::Object(o)) => &o.properties,
        _ => return ResponseKind::Raw,
    };
    match (
        properties.contains_key("Success"),
        properties.contains_key("TotalRecords"),
    ) {
        (true, true) => ResponseKind::PagedEnvelope,
        (true, false) => ResponseKind::Envelope,
        _ => ResponseKind::Raw,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameters_missing_from_the_template_bind_from_the_query() {
        let model = SpecModel::shared().expect("spec parses");
        let op = model
            .operation("GET /v2/inventory/products/{productIndexId}/weightedcost")
            .expect("exists");
        let warehouse = op
            .params
            .iter()
            .find(|p| p.name == "warehouseId")
            .expect("declared");
        assert_eq!(warehouse.location, ParamLocation::Query);
        assert!(!warehouse.required);
    }

    #[test]
    fn every_spec_operation_is_indexed() {
        let model = SpecModel::shared().expect("spec parses");
        assert_eq!(model.operations.len(), 435);
        assert!(
            model
                .operation("GET /v2/servicedesk/tickets/{ticketId}")
                .is_some()
        );
    }

    #[test]
    fn response_kinds_follow_the_schema() {
        let model = SpecModel::shared().expect("spec parses");
        let kind = |key: &str| model.operation(key).map(|o| o.response);
        assert_eq!(
            kind("GET /v2/servicedesk/tickets"),
            Some(ResponseKind::PagedEnvelope)
        );
        assert_eq!(
            kind("GET /v2/servicedesk/tickets/{ticketId}"),
            Some(ResponseKind::Envelope)
        );
        assert_eq!(
            kind("GET /v2/crm/accounts/summary/{id}"),
            Some(ResponseKind::Raw)
        );
        assert_eq!(
            kind("POST /v2/servicedesk/tickets/{ticketId}/assignticket"),
            Some(ResponseKind::Empty)
        );
    }

    #[test]
    fn parameter_kinds_come_from_schemas() {
        let model = SpecModel::shared().expect("spec parses");
        let op = model
            .operation("GET /v2/crm/accounts/lookup")
            .expect("exists");
        let ids = op
            .params
            .iter()
            .find(|p| p.name == "Filter.Ids")
            .expect("declared");
        assert_eq!(ids.kind, ParamKind::Int32List);
        let op = model
            .operation("GET /v2/integrations/itglue/contacts/{itgContactId}/notes")
            .expect("exists");
        assert_eq!(op.params[0].kind, ParamKind::Int64);
    }
}
