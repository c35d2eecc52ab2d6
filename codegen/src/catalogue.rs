//! The tool catalogue: spec operations joined with their records, checked, with arguments
//! flattened and schemas derived. Everything the emitter writes comes from here.

use std::collections::HashMap;

use openapiv3::{Parameter, ParameterSchemaOrContent};
use serde_json::{Map, Value, json};

use crate::conveniences::{self, ResolverModel};
use crate::error::{GenError, RecordLocation};
use crate::naming::{MAX_TOOL_NAME_LEN, Verb, arg_name, is_valid_tool_name, tool_name};
use crate::records::{ArgDefault, Record, RecordSet};
use crate::schema::{Direction, SchemaConverter, has_type, root_object};
use crate::spec::{Spec, SpecOperation, json_media_schema};

/// The argument every paged list tool gains, and its description.
pub const CURSOR_ARG: &str = "cursor";
// Repeated on every paged list: kept short, it is part of every model's context.
const CURSOR_DESCRIPTION: &str = "The previous answer's `next_cursor`, unchanged, for the next page; it keeps that call's filters and page size (other arguments are ignored).";

/// Where an argument goes in the HTTP request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgLocation {
    Path,
    Query,
    /// One property of a JSON object body.
    Body,
    /// The whole body (a JSON array or other non-object body).
    WholeBody,
}

/// One flat tool argument and where it goes on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgModel {
    pub name: String,
    pub wire: String,
    pub location: ArgLocation,
    pub required: bool,
}

/// What the `Result` of a successful answer is, which decides `structuredContent`'s shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultShape {
    /// An object: `structuredContent` is the object itself.
    Object,
    /// An array: `structuredContent` is `{items, total_records, next_cursor}`.
    List,
    /// A string, number or boolean: `structuredContent` is `{result}`.
    Scalar,
    /// The spec declares no body: `structuredContent` is `{result}` with whatever came back.
    Unknown,
}

/// The paging arguments of a list operation (wire names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagingModel {
    pub page_number: String,
    pub page_size: String,
}

/// One tool, ready to emit.
#[derive(Debug, Clone)]
pub struct ToolModel {
    pub name: String,
    pub title: String,
    pub description: String,
    pub verb: Verb,
    pub class: String,
    pub tags: Vec<String>,
    pub method: String,
    pub path: String,
    /// The record's `destructive` hint, when it overrides the method's.
    pub destructive: Option<bool>,
    /// The record file stem this tool came from (the generated module).
    pub group: String,
    pub args: Vec<ArgModel>,
    pub paging: Option<PagingModel>,
    pub result: ResultShape,
    pub input_schema: Value,
    pub output_schema: Option<Value>,
    /// ID arguments that also take names (see `conveniences`).
    pub resolvers: Vec<ResolverModel>,
    /// Arguments the server fills in when left out (see `conveniences`).
    pub defaults: Vec<(String, ArgDefault)>,
}

/// What became of one spec operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Coverage {
    Tool(String),
    Excluded(String),
    Undocumented,
}

/// One spec operation in the coverage report.
#[derive(Debug, Clone)]
pub struct OperationCoverage {
    pub method: String,
    pub path: String,
    pub spec_tag: String,
    pub coverage: Coverage,
}

/// The whole catalogue.
#[derive(Debug)]
pub struct Catalogue {
    pub tools: Vec<ToolModel>,
    pub operations: Vec<OperationCoverage>,
}

/// A record a lenient build could not turn into a tool, kept so that change reports can say
/// what became of it. The strict build refuses such records instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnbuiltRecord {
    pub at: RecordLocation,
    /// The tool the record makes (`None` for an `[[excluded]]` record).
    pub tool: Option<String>,
    /// True when the record's operation is not in the spec; otherwise `reason` says what failed.
    pub operation_missing: bool,
    /// What is wrong, as the strict build says it.
    pub reason: String,
}

impl Catalogue {
    /// Joins the spec with the records, checking both.
    pub fn build(spec: &Spec, records: &RecordSet) -> Result<Catalogue, GenError> {
        build_catalogue(spec, records, false).map(|(catalogue, _)| catalogue)
    }

    /// Like [`Catalogue::build`], but a record whose operation left the spec, or that no longer
    /// fits its operation, is set aside instead of failing the build: change reports use it to
    /// say what a new spec does to records written for the old one.
    pub fn build_lenient(
        spec: &Spec,
        records: &RecordSet,
    ) -> Result<(Catalogue, Vec<UnbuiltRecord>), GenError> {
        build_catalogue(spec, records, true)
    }

    /// Counts for the summary line: (operations, documented, excluded).
    pub fn counts(&self) -> (usize, usize, usize) {
        let documented = self
            .operations
            .iter()
            .filter(|o| matches!(o.coverage, Coverage::Tool(_)))
            .count();
        let excluded = self
            .operations
            .iter()
            .filter(|o| matches!(o.coverage, Coverage::Excluded(_)))
            .count();
        (self.operations.len(), documented, excluded)
    }
}

fn build_catalogue(
    spec: &Spec,
    records: &RecordSet,
    lenient: bool,
) -> Result<(Catalogue, Vec<UnbuiltRecord>), GenError> {
    let operations = spec.operations()?;
    let by_key: HashMap<String, &SpecOperation<'_>> =
        operations.iter().map(|op| (op.key(), op)).collect();

    let mut claimed: HashMap<String, RecordLocation> = HashMap::new();
    let mut outcome: HashMap<String, Coverage> = HashMap::new();
    let mut names: HashMap<String, RecordLocation> = HashMap::new();
    let mut tools = Vec::new();
    let mut unbuilt = Vec::new();

    for exclusion in &records.exclusions {
        let key = format!("{} {}", exclusion.method, exclusion.path);
        if let Err(error) = find_operation(spec, &by_key, &key, &exclusion.at, &exclusion.path) {
            if !lenient {
                return Err(error);
            }
            unbuilt.push(UnbuiltRecord {
                at: exclusion.at.clone(),
                tool: None,
                operation_missing: true,
                reason: error.to_string(),
            });
            continue;
        }
        claim(&mut claimed, &key, &exclusion.at)?;
        outcome.insert(key, Coverage::Excluded(exclusion.reason.clone()));
    }
    for record in &records.records {
        let key = format!("{} {}", record.method, record.path);
        let built = find_operation(spec, &by_key, &key, &record.at, &record.path)
            .map_err(|e| (true, e))
            .and_then(|operation| {
                claim(&mut claimed, &key, &record.at).map_err(|e| (false, e))?;
                build_tool(spec, operation, record, lenient).map_err(|e| (false, e))
            });
        let tool = match built {
            Ok(tool) => tool,
            Err((operation_missing, error))
                if lenient && !matches!(error, GenError::DuplicateRecord { .. }) =>
            {
                unbuilt.push(UnbuiltRecord {
                    at: record.at.clone(),
                    tool: record_tool_name(record),
                    operation_missing,
                    reason: error.to_string(),
                });
                continue;
            }
            Err((_, error)) => return Err(error),
        };
        if let Some(first) = names.get(&tool.name) {
            return Err(GenError::DuplicateName {
                at: record.at.clone(),
                name: tool.name,
                first: first.clone(),
            });
        }
        names.insert(tool.name.clone(), record.at.clone());
        outcome.insert(key, Coverage::Tool(tool.name.clone()));
        tools.push(tool);
    }

    conveniences::check_lookups(&tools)?;
    let operations = operations
        .iter()
        .map(|op| OperationCoverage {
            method: op.method.to_owned(),
            path: op.path.to_owned(),
            spec_tag: op.spec_tag().to_owned(),
            coverage: outcome
                .get(&op.key())
                .cloned()
                .unwrap_or(Coverage::Undocumented),
        })
        .collect();
    Ok((Catalogue { tools, operations }, unbuilt))
}

/// The name a record's tool has, worked out without the spec.
fn record_tool_name(record: &Record) -> Option<String> {
    let verb = match &record.verb {
        Some(word) => Verb::parse(word)?,
        None => Verb::default_for(&record.method, &record.path),
    };
    Some(tool_name(&verb, &record.resource))
}

fn find_operation<'s, 'a>(
    spec: &Spec,
    by_key: &HashMap<String, &'s SpecOperation<'a>>,
    key: &str,
    at: &RecordLocation,
    path: &str,
) -> Result<&'s SpecOperation<'a>, GenError> {
    by_key.get(key).copied().ok_or_else(|| {
        let candidates = spec.closest_paths(path);
        let suggestion = match candidates.as_slice() {
            [] => String::new(),
            [one] if one == path => {
                "; the path exists with other methods, check the method".to_owned()
            }
            list => format!(
                "; did you mean {}?",
                list.iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        };
        GenError::UnknownOperation {
            at: at.clone(),
            suggestion,
        }
    })
}

fn claim(
    claimed: &mut HashMap<String, RecordLocation>,
    key: &str,
    at: &RecordLocation,
) -> Result<(), GenError> {
    if let Some(first) = claimed.get(key) {
        return Err(GenError::DuplicateRecord {
            at: at.clone(),
            first: first.clone(),
        });
    }
    claimed.insert(key.to_owned(), at.clone());
    Ok(())
}

/// Builds one record's tool. `lenient` lets `[record.args]` describe arguments the operation no
/// longer has (the diff then reports them removed) instead of refusing the record.
fn build_tool(
    spec: &Spec,
    op: &SpecOperation<'_>,
    record: &Record,
    lenient: bool,
) -> Result<ToolModel, GenError> {
    let verb = match &record.verb {
        Some(word) => Verb::parse(word).ok_or_else(|| GenError::RecordField {
            at: record.at.clone(),
            field: "verb",
            message: format!("`{word}` is not a lowercase word"),
        })?,
        None => Verb::default_for(op.method, op.path),
    };
    let name = tool_name(&verb, &record.resource);
    if name.len() > MAX_TOOL_NAME_LEN {
        return Err(GenError::NameTooLong {
            at: record.at.clone(),
            len: name.len(),
            name,
            max: MAX_TOOL_NAME_LEN,
        });
    }
    debug_assert!(is_valid_tool_name(&name), "record checks keep names valid");
    let class = record
        .class
        .clone()
        .unwrap_or_else(|| verb.default_class().to_owned());

    let context = op.key();
    let input = SchemaConverter::new(spec, Direction::Input);
    let mut args = ArgList::new(&record.at);

    for parameter in &op.parameters {
        let (location, data) = match parameter {
            // A few operations declare path parameters their template lacks (PageSize on the
            // chart-of-accounts lookup); ASP.NET binds those from the query string.
            Parameter::Path { parameter_data, .. }
                if !op.path.contains(&format!("{{{}}}", parameter_data.name)) =>
            {
                (ArgLocation::Query, parameter_data)
            }
            Parameter::Path { parameter_data, .. } => (ArgLocation::Path, parameter_data),
            Parameter::Query { parameter_data, .. } => (ArgLocation::Query, parameter_data),
            // BMS declares no header or cookie parameters; auth is ours to send.
            Parameter::Header { .. } | Parameter::Cookie { .. } => continue,
        };
        let schema = match &data.format {
            ParameterSchemaOrContent::Schema(s) => input.convert(s, &context)?,
            ParameterSchemaOrContent::Content(content) => match json_media_schema(content) {
                Some(s) => input.convert(s, &context)?,
                None => json!({}),
            },
        };
        let required = data.required || location == ArgLocation::Path;
        args.push(&data.name, location, required, schema)?;
    }

    if let Some(body) = spec.request_body(op)? {
        let Some(body_schema) = json_media_schema(&body.content) else {
            return Err(GenError::RecordField {
                at: record.at.clone(),
                field: "operation",
                message: "the request body has no JSON schema; such operations cannot be tools"
                    .into(),
            });
        };
        let converted = input.convert(body_schema, &context)?;
        let properties = converted.get("properties").and_then(Value::as_object);
        match properties {
            Some(properties) if has_type(&converted, "object") => {
                let required: Vec<&str> = converted
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                for (wire, schema) in properties {
                    args.push(
                        wire,
                        ArgLocation::Body,
                        required.contains(&wire.as_str()),
                        schema.clone(),
                    )?;
                }
            }
            _ => {
                let name = record.body_arg.clone().unwrap_or_else(|| "body".to_owned());
                args.push_named(&name, "", ArgLocation::WholeBody, true, converted)?;
            }
        }
    }

    let paging = paging_of(&args.args);
    if let Some(paging) = &paging {
        // BMS serves at most 100 rows a page; 0 or a negative size would page forever or be
        // refused upstream, so the schema states the bounds and validation enforces them.
        args.bound(&paging.page_number, 1, i64::from(i32::MAX));
        args.bound(&paging.page_size, 1, MAX_PAGE_SIZE);
        args.push_named(
            CURSOR_ARG,
            "",
            ArgLocation::Query,
            false,
            json!({"type": "string", "description": CURSOR_DESCRIPTION}),
        )?;
    }

    for name in record.omit.keys() {
        // A lenient build reports records against a new spec; an omitted argument that left
        // the spec is nothing to report.
        if lenient && !args.args.iter().any(|a| &a.name == name) {
            continue;
        }
        args.omit(name)?;
    }

    for key in record.args.keys() {
        if !lenient && (!args.args.iter().any(|a| &a.name == key) || key == CURSOR_ARG) {
            let valid: Vec<&str> = args
                .args
                .iter()
                .map(|a| a.name.as_str())
                .filter(|n| *n != CURSOR_ARG)
                .collect();
            return Err(GenError::RecordField {
                at: record.at.clone(),
                field: "args",
                message: format!(
                    "`{key}` is not an argument of this tool; its arguments are: {}",
                    if valid.is_empty() {
                        "(none)".to_owned()
                    } else {
                        valid.join(", ")
                    }
                ),
            });
        }
    }

    let input_schema = args.input_schema(&record.args);
    // The cursor is the runtime's own argument, never sent upstream as it is.
    args.args
        .retain(|a| a.name != CURSOR_ARG || !a.wire.is_empty());
    let (result, output_schema) = result_of(spec, op)?;
    let mut tool = ToolModel {
        name,
        title: record.title.trim().to_owned(),
        description: record.description.clone(),
        verb,
        class,
        tags: record.tags.clone(),
        method: op.method.to_owned(),
        path: op.path.to_owned(),
        destructive: record.destructive,
        group: record.group.clone(),
        args: args.args,
        paging,
        result,
        input_schema,
        output_schema,
        resolvers: Vec::new(),
        defaults: Vec::new(),
    };
    tool.resolvers = conveniences::apply(record, &mut tool)?;
    tool.defaults = conveniences::apply_defaults(record, &mut tool)?;
    Ok(tool)
}

/// Arguments in the order they are added, with the collision rule applied: path parameters
/// keep the plain name, a colliding query parameter becomes `query_<name>`, a colliding body
/// property `body_<name>`.
struct ArgList<'r> {
    at: &'r RecordLocation,
    args: Vec<ArgModel>,
    schemas: Vec<Value>,
}

impl<'r> ArgList<'r> {
    fn new(at: &'r RecordLocation) -> Self {
        ArgList {
            at,
            args: Vec::new(),
            schemas: Vec::new(),
        }
    }

    fn push(
        &mut self,
        wire: &str,
        location: ArgLocation,
        required: bool,
        schema: Value,
    ) -> Result<(), GenError> {
        let mut name = arg_name(wire);
        if self.args.iter().any(|a| a.name == name) {
            let prefix = match location {
                ArgLocation::Query => "query_",
                ArgLocation::Body | ArgLocation::WholeBody => "body_",
                ArgLocation::Path => "path_",
            };
            name = format!("{prefix}{name}");
        }
        self.push_named(&name, wire, location, required, schema)
    }

    fn push_named(
        &mut self,
        name: &str,
        wire: &str,
        location: ArgLocation,
        required: bool,
        schema: Value,
    ) -> Result<(), GenError> {
        if let Some(first) = self.args.iter().find(|a| a.name == name) {
            return Err(GenError::ArgumentCollision {
                at: self.at.clone(),
                name: name.to_owned(),
                first: describe_arg(first.location, &first.wire),
                second: describe_arg(location, wire),
            });
        }
        self.args.push(ArgModel {
            name: name.to_owned(),
            wire: wire.to_owned(),
            location,
            required,
        });
        self.schemas.push(schema);
        Ok(())
    }

    /// Narrows the integer bounds of the query or body argument sent as `wire`.
    fn bound(&mut self, wire: &str, minimum: i64, maximum: i64) {
        for (arg, schema) in self.args.iter().zip(self.schemas.iter_mut()) {
            if arg.wire == wire
                && matches!(arg.location, ArgLocation::Query | ArgLocation::Body)
                && let Some(schema) = schema.as_object_mut()
            {
                schema.insert("minimum".into(), minimum.into());
                schema.insert("maximum".into(), maximum.into());
            }
        }
    }

    /// Takes an argument out of the tool (`[record.omit]`): it is neither shown nor sent.
    /// Only optional arguments can go, or BMS would refuse every call.
    fn omit(&mut self, name: &str) -> Result<(), GenError> {
        let error = |message: String| GenError::RecordField {
            at: self.at.clone(),
            field: "omit",
            message,
        };
        let Some(index) = self.args.iter().position(|a| a.name == name) else {
            let valid: Vec<&str> = self.args.iter().map(|a| a.name.as_str()).collect();
            return Err(error(format!(
                "`{name}` is not an argument of this tool; its arguments are: {}",
                valid.join(", ")
            )));
        };
        if self.args[index].required {
            return Err(error(format!(
                "`{name}` is required by the operation and cannot be omitted"
            )));
        }
        self.args.remove(index);
        self.schemas.remove(index);
        Ok(())
    }

    fn input_schema(&self, descriptions: &indexmap::IndexMap<String, String>) -> Value {
        let mut properties = Map::new();
        let mut required = Vec::new();
        for (arg, schema) in self.args.iter().zip(&self.schemas) {
            let mut schema = schema.clone();
            if let (Some(text), Some(o)) = (descriptions.get(&arg.name), schema.as_object_mut()) {
                o.insert("description".into(), text.trim().into());
            }
            properties.insert(arg.name.clone(), schema);
            if arg.required {
                required.push(Value::from(arg.name.clone()));
            }
        }
        let mut root = Map::new();
        root.insert("type".into(), "object".into());
        root.insert("properties".into(), Value::Object(properties));
        if !required.is_empty() {
            root.insert("required".into(), Value::Array(required));
        }
        root.insert("additionalProperties".into(), false.into());
        Value::Object(root)
    }
}

fn describe_arg(location: ArgLocation, wire: &str) -> String {
    match location {
        ArgLocation::Path => format!("path parameter `{wire}`"),
        ArgLocation::Query if wire.is_empty() => "the paging cursor".to_owned(),
        ArgLocation::Query => format!("query parameter `{wire}`"),
        ArgLocation::Body => format!("body property `{wire}`"),
        ArgLocation::WholeBody => "the request body".to_owned(),
    }
}

/// The most rows BMS returns on one page.
pub const MAX_PAGE_SIZE: i64 = 100;

/// `PageNumber` and `PageSize`, in the query (list operations) or the body (`POST .../search`).
fn paging_of(args: &[ArgModel]) -> Option<PagingModel> {
    let find = |wire: &str| {
        args.iter()
            .find(|a| {
                matches!(a.location, ArgLocation::Query | ArgLocation::Body)
                    && a.wire.eq_ignore_ascii_case(wire)
            })
            .map(|a| a.wire.clone())
    };
    Some(PagingModel {
        page_number: find("PageNumber")?,
        page_size: find("PageSize")?,
    })
}

/// The shape of `Result` in the success envelope, and the output schema for it.
fn result_of(
    spec: &Spec,
    op: &SpecOperation<'_>,
) -> Result<(ResultShape, Option<Value>), GenError> {
    let Some(schema) = spec.success_schema(op) else {
        return Ok((ResultShape::Unknown, None));
    };
    let output = SchemaConverter::new(spec, Direction::Output);
    let context = op.key();
    let envelope = output.convert(schema, &context)?;
    // BMS wraps every answer in {success, error, result[, totalRecords]}; converted names are
    // already camelCase.
    let result = envelope
        .get("properties")
        .and_then(|p| p.get("result"))
        .cloned()
        .unwrap_or(envelope);
    if has_type(&result, "object") {
        return Ok((ResultShape::Object, Some(root_object(result))));
    }
    if has_type(&result, "array") {
        let array = root_object(result);
        let items = array.get("items").cloned().unwrap_or_else(|| json!({}));
        let schema = json!({
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": items},
                "total_records": {"type": "integer", "description": "How many records match in all, across every page."},
                "next_cursor": {"type": "string", "description": "Pass back unchanged as `cursor` to get the next page."},
                "truncated": {"type": "boolean", "description": "True when items were left out to fit a model's context; see `note`."},
                "note": {"type": "string", "description": "How to see what was left out."},
            },
        });
        return Ok((ResultShape::List, Some(schema)));
    }
    if result.get("type").is_some() || result.get("anyOf").is_some() {
        let schema = json!({"type": "object", "properties": {"result": result}});
        return Ok((ResultShape::Scalar, Some(schema)));
    }
    Ok((ResultShape::Unknown, None))
}
