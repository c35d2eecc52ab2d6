//! One `tools/call`: arguments checked, paging cursor expanded, names looked up (a lookup
//! request per name not in the account's reference cache, `resolve`), then the call's own BMS
//! request, and one result.

mod bounds;
mod cursor;
mod defaults;
mod fields;
mod json_text;
mod literal;
mod outcome;
mod report;
mod request;
mod resolve;

use serde_json::{Map, Value};

pub use cursor::{CursorCodec, CursorError, CursorState, ServerCursors};
pub use outcome::ToolOutcome;
pub use report::{
    CallObserver, CallRecorder, CallReport, FinishedCall, InFlight, NotRecorded, Unobserved,
};
pub use request::{ArgProblem, build, validate};

use crate::bms::{BmsClient, UpstreamError};
use crate::catalogue::{ArgLocation, Paging, Tool};

/// Page size sent when the agent gives none: small enough for a model's context.
pub const DEFAULT_PAGE_SIZE: u64 = 25;

/// Runs one tool call against `client`.
pub async fn call_tool(
    tool: &Tool,
    arguments: Option<Value>,
    client: &BmsClient,
    cursors: &CursorCodec,
) -> CallReport {
    call_tool_observed(tool, arguments, client, cursors, &Unobserved).await
}

/// Runs one tool call against `client`, telling `observer` of its slow steps.
pub async fn call_tool_observed(
    tool: &Tool,
    arguments: Option<Value>,
    client: &BmsClient,
    cursors: &CursorCodec,
    observer: &dyn CallObserver,
) -> CallReport {
    let name = tool.name();
    let args = match arguments.unwrap_or_else(|| Value::Object(Map::new())) {
        Value::Object(args) => args,
        _ => {
            let problem = ArgProblem {
                path: String::new(),
                message: "`arguments` must be a JSON object".into(),
            };
            return CallReport::not_sent(ToolOutcome::invalid_arguments(name, &[problem]));
        }
    };
    let mut args = without_nulls(tool, args);
    json_text::parse_objects(tool, &mut args);
    defaults::fill(tool, &mut args);
    let args = match tool.def.paging {
        Some(paging) => match with_paging(tool, paging, args, cursors) {
            Ok(args) => args,
            Err(error) => return CallReport::not_sent(ToolOutcome::error(error.to_string())),
        },
        None => args,
    };
    let args_value = Value::Object(args);
    let mut problems = validate(tool, &args_value).err().unwrap_or_default();
    let Value::Object(mut args) = args_value else {
        unreachable!("built as an object above")
    };
    problems.extend(resolve::pair_problems(tool, &args));
    if !problems.is_empty() {
        return CallReport::not_sent(ToolOutcome::invalid_arguments(name, &problems));
    }
    // Checked before any lookup: an invalid call sends nothing to BMS.
    let fields = match fields::take(tool, &mut args) {
        Ok(fields) => fields,
        Err(problem) => {
            return CallReport::not_sent(ToolOutcome::invalid_arguments(name, &[problem]));
        }
    };
    let mut lookups = 0;
    let resolved = resolve::resolve_names(tool, &mut args, client, observer, &mut lookups).await;
    if let Err(error) = resolved {
        let outcome = ToolOutcome::error(format!("{name} was not called: {error}."));
        return CallReport::not_sent(outcome).after_lookups(lookups);
    }
    let mut request = match build(tool, &args) {
        Ok(request) => request,
        Err(problem) => {
            let outcome = ToolOutcome::invalid_arguments(name, &[problem]);
            return CallReport::not_sent(outcome).after_lookups(lookups);
        }
    };
    request.keep_fields = fields.clone();
    observer.sending();
    match client.call(&request).await {
        Ok(answer) => {
            let next = tool.def.paging.and_then(|paging| {
                next_cursor(tool, paging, &args, fields.as_deref(), &answer, cursors)
            });
            let (status, latency, rate_limit) = (answer.status, answer.latency, answer.rate_limit);
            CallReport {
                outcome: outcome::from_answer(tool, answer, next),
                rate_limit: Some(rate_limit),
                upstream_status: Some(status),
                upstream_latency: Some(latency),
                lookups,
            }
        }
        Err(error) => {
            let rate_limit = match &error {
                UpstreamError::RateLimited(limits) => Some(*limits),
                _ => None,
            };
            CallReport {
                outcome: ToolOutcome::upstream(&error),
                rate_limit,
                upstream_status: Some(error.status()),
                upstream_latency: None,
                lookups,
            }
        }
    }
}

/// Whether `arguments` would pass the checks `call_tool` makes before sending anything
/// (object, schema, ID/name pairs), without resolving names or sending.
pub fn arguments_valid(tool: &Tool, arguments: Option<&Value>) -> bool {
    let args = match arguments {
        None => Map::new(),
        Some(Value::Object(args)) => args.clone(),
        Some(_) => return false,
    };
    let mut args = without_nulls(tool, args);
    json_text::parse_objects(tool, &mut args);
    let pairs_ok = resolve::pair_problems(tool, &args).is_empty();
    pairs_ok && (tool.def.paging.is_some() || validate(tool, &Value::Object(args)).is_ok())
}

/// Drops `null` members: to BMS (ASP.NET) a null and an absent property are the same, and the
/// input schemas say "optional" rather than "nullable" for portability. Whole-body arguments
/// (JSON Patch documents) keep their nulls: there `"value": null` means something.
fn without_nulls(tool: &Tool, mut args: Map<String, Value>) -> Map<String, Value> {
    args.retain(|_, value| !value.is_null());
    for (name, value) in args.iter_mut() {
        let whole_body = tool
            .def
            .args
            .iter()
            .any(|b| b.name == name && b.location == ArgLocation::WholeBody);
        if !whole_body {
            strip_nulls(value);
        }
    }
    args
}

fn strip_nulls(value: &mut Value) {
    match value {
        Value::Object(object) => {
            object.retain(|_, v| !v.is_null());
            object.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

fn arg_name_for(tool: &Tool, wire: &str) -> &'static str {
    tool.def
        .args
        .iter()
        .find(|b| b.wire == wire)
        .map_or("", |b| b.name)
}

/// Replaces a cursor by the arguments it carries, or fills in the first page's paging.
fn with_paging(
    tool: &Tool,
    paging: Paging,
    mut args: Map<String, Value>,
    cursors: &CursorCodec,
) -> Result<Map<String, Value>, CursorError> {
    let number = arg_name_for(tool, paging.page_number);
    let size = arg_name_for(tool, paging.page_size);
    match args.remove(crate::catalogue::CURSOR_ARG) {
        Some(Value::String(cursor)) => {
            let state = cursors.decode(&cursor, tool.name())?;
            let mut args = state.args;
            args.insert(number.to_owned(), state.page.into());
            args.insert(size.to_owned(), state.size.into());
            Ok(args)
        }
        Some(Value::Null) | None => {
            // Fill in only what is missing: a wrong value is left for validation to name.
            args.entry(number).or_insert_with(|| 1.into());
            args.entry(size).or_insert_with(|| DEFAULT_PAGE_SIZE.into());
            Ok(args)
        }
        Some(_) => Err(CursorError::Invalid),
    }
}

fn next_cursor(
    tool: &Tool,
    paging: Paging,
    args: &Map<String, Value>,
    fields: Option<&[String]>,
    answer: &crate::bms::BmsAnswer,
    cursors: &CursorCodec,
) -> Option<String> {
    // An empty page ends paging whatever the total says: a cursor for it would only lead to
    // more empty pages, each one upstream call.
    if !answer.envelope.success || answer.envelope.result_is_empty() {
        return None;
    }
    let number = arg_name_for(tool, paging.page_number);
    let size_name = arg_name_for(tool, paging.page_size);
    let page = args.get(number).and_then(Value::as_u64).unwrap_or(1);
    let size = args
        .get(size_name)
        .and_then(Value::as_u64)
        .unwrap_or(DEFAULT_PAGE_SIZE);
    let more = match answer.envelope.total_records {
        Some(total) => page.saturating_mul(size) < total,
        // Without a total, a full page suggests there may be another.
        None => size > 0 && answer.envelope.result_len() as u64 >= size,
    };
    if !more {
        return None;
    }
    let mut filters = args.clone();
    filters.remove(number);
    filters.remove(size_name);
    if let Some(fields) = fields {
        filters.insert(fields::FIELDS_ARG.to_owned(), fields.into());
    }
    Some(cursors.encode(&CursorState {
        tool: tool.name().to_owned(),
        page: page + 1,
        size,
        args: filters,
    }))
}
