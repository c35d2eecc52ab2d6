//! The operations the sandbox simulates with state, by spec key. Everything else answers the
//! spec's example (see `app.rs`).
//!
//! Handlers are synchronous functions of a bound [`Call`] and the locked [`Store`]; they answer
//! a [`Reply`] and never see HTTP.

mod crm;
mod itglue;
mod lookups;
mod opportunities;
mod paging;
mod quickbooks;
mod ticket_actions;
mod ticket_filter;
mod tickets;

use bms_mcp_codegen::naming::dotnet_camel_case;
use serde_json::Value;

use crate::clock;
use crate::spec_model::{Operation, SpecModel};
use crate::store::Store;
use crate::wire::ApiError;
use crate::wire::params::Args;

/// A request, bound and validated, as a handler sees it.
pub struct Call {
    pub model: &'static SpecModel,
    pub op: &'static Operation,
    pub args: Args,
    /// The JSON body with keys in the spec's spelling.
    pub body: Option<Value>,
}

/// What a handler answers; the pipeline wraps it in the operation's envelope.
#[derive(Debug)]
pub enum Reply {
    /// A single result (or the raw DTO, for operations without an envelope).
    Value(Value),
    /// One page of a list and the total before paging.
    List { items: Vec<Value>, total: usize },
    /// HTTP 200 with no body (operations whose spec declares no content).
    Empty,
    /// HTTP 200 with `success: false`: a business rule refused the change.
    Refused(ApiError),
}

/// A handler's outcome: a reply, or an HTTP error.
pub type Handled = Result<Reply, ApiError>;

/// Runs the stateful handler for `call.op`, if the sandbox simulates that operation.
pub fn dispatch(call: &Call, store: &mut Store) -> Option<Handled> {
    let key = call.op.key.as_str();
    tickets::dispatch(key, call, store)
        .or_else(|| crm::dispatch(key, call, store))
        .or_else(|| opportunities::dispatch(key, call, store))
        .or_else(|| itglue::dispatch(key, call, store))
        .or_else(|| lookups::dispatch(key, call, store))
        .or_else(|| quickbooks::dispatch(key, call, store))
}

impl Call {
    /// A path parameter as i32 (binding has already checked it parses).
    pub fn path_i32(&self, name: &str) -> Result<i32, ApiError> {
        self.args
            .int(name)
            .and_then(|v| i32::try_from(v).ok())
            .ok_or_else(|| ApiError::invalid(format!("The {name} field is required.")))
    }

    /// A path parameter as i64.
    pub fn path_i64(&self, name: &str) -> Result<i64, ApiError> {
        self.args
            .int(name)
            .ok_or_else(|| ApiError::invalid(format!("The {name} field is required.")))
    }

    fn field(&self, name: &str) -> Option<&Value> {
        self.body.as_ref()?.get(name).filter(|v| !v.is_null())
    }

    /// A body integer (0 when absent, as a non-nullable .NET int binds).
    pub fn body_i32(&self, name: &str) -> i32 {
        self.body_opt_i32(name).unwrap_or(0)
    }

    /// A nullable body integer.
    pub fn body_opt_i32(&self, name: &str) -> Option<i32> {
        self.field(name)?
            .as_i64()
            .and_then(|v| i32::try_from(v).ok())
    }

    /// A body number.
    pub fn body_f64(&self, name: &str) -> f64 {
        self.field(name).and_then(Value::as_f64).unwrap_or(0.0)
    }

    /// A body boolean (false when absent).
    pub fn body_bool(&self, name: &str) -> bool {
        self.field(name).and_then(Value::as_bool).unwrap_or(false)
    }

    /// A body string, if present.
    pub fn body_str(&self, name: &str) -> Option<String> {
        self.field(name).and_then(Value::as_str).map(str::to_owned)
    }

    /// A body date-time as Unix seconds; refused when present but unparsable.
    pub fn body_date(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.body_str(name) {
            None => Ok(None),
            Some(text) => clock::parse_iso(&text).map(Some).ok_or_else(|| {
                ApiError::invalid(format!(
                    "The JSON value at {name} could not be converted to a date-time: '{text}'."
                ))
            }),
        }
    }

    /// A body array of integers.
    pub fn body_i32_list(&self, name: &str) -> Vec<i32> {
        self.field(name)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|v| v.as_i64().and_then(|v| i32::try_from(v).ok()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Renders a DTO: the spec's blank `schema` with `overlay` (PascalCase spec names) on top.
    pub fn dto(&self, schema: &str, overlay: Value) -> Value {
        dto(self.model, schema, overlay, Overlay::Exact)
    }

    /// Like [`Call::dto`], for generic rows whose overlay names fields some DTOs lack.
    pub fn dto_subset(&self, schema: &str, overlay: Value) -> Value {
        dto(self.model, schema, overlay, Overlay::Subset)
    }
}

/// Whether every overlay key must be a property of the DTO.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    /// A key the DTO lacks is a sandbox bug (debug builds panic on it).
    Exact,
    /// Keys the DTO lacks are dropped.
    Subset,
}

/// A full DTO: every property of `schema` present, camelCase as BMS sends it, with the
/// overlay's values (keys in spec PascalCase) set.
pub fn dto(model: &SpecModel, schema: &str, overlay: Value, mode: Overlay) -> Value {
    let mut base = model.blank(schema);
    if let (Some(target), Value::Object(values)) = (base.as_object_mut(), overlay) {
        for (key, value) in values {
            let camel = dotnet_camel_case(&key);
            if let Some(slot) = target.get_mut(&camel) {
                *slot = value;
            } else if mode == Overlay::Exact && cfg!(debug_assertions) {
                // A handler names a property the spec's DTO does not have: a sandbox bug.
                panic!("{schema} has no property {key}");
            }
        }
    }
    base
}

/// An ISO date-time, or null.
pub fn iso(unix: Option<i64>) -> Value {
    unix.map_or(Value::Null, |t| Value::String(clock::format_iso(t)))
}

/// `Filter.{name}From` / `Filter.{name}To` date filters, inclusive; absent bounds pass.
pub fn in_range(args: &Args, name: &str, value: i64) -> bool {
    args.date(&format!("Filter.{name}From"))
        .is_none_or(|f| value >= f)
        && args
            .date(&format!("Filter.{name}To"))
            .is_none_or(|t| value <= t)
}

/// The refusal of a body ID that names nothing in the tenant.
pub fn unknown_id(field: &str, id: i32) -> ApiError {
    ApiError::invalid(format!(
        "{field} {id} does not exist in this tenant; look it up first."
    ))
}

/// Case-insensitive substring test used by every name filter.
pub fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack
        .to_lowercase()
        .contains(&needle.trim().to_lowercase())
}

pub use paging::{page, paging_args_from_body};
