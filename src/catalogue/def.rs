//! The types the generated tool table is made of. Generated code only builds these values;
//! every behaviour lives in hand-written code that reads them.

/// One MCP tool, bound to one BMS operation.
#[derive(Debug)]
pub struct ToolDef {
    pub name: &'static str,
    pub title: &'static str,
    /// What the model reads before calling: written in `spec/docs/`, never derived.
    pub description: &'static str,
    /// `list`, `get`, `create`, `update`, `delete` or a custom verb such as `search`.
    pub verb: &'static str,
    pub class: MethodClass,
    pub tags: &'static [&'static str],
    pub method: HttpMethod,
    /// The spec's path template, e.g. `/v2/servicedesk/tickets/{ticketId}`.
    pub path: &'static str,
    /// Where each flat argument goes on the wire.
    pub args: &'static [ArgBinding],
    /// Present on list operations that page with `PageNumber`/`PageSize`.
    pub paging: Option<Paging>,
    pub result: ResultShape,
    pub annotations: ToolAnnotations,
    /// ID arguments that may also be given as names.
    pub resolvers: &'static [NameResolver],
    /// Arguments the server fills in when the agent leaves them out.
    pub defaults: &'static [ArgDefault],
    /// JSON Schema of the flat arguments, self-contained.
    pub input_schema: &'static str,
    /// JSON Schema of `structuredContent`, where the result has a known shape.
    pub output_schema: Option<&'static str>,
}

/// The coarse permission classes an MCP server can be scoped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MethodClass {
    Read,
    Write,
    Custom,
}

impl MethodClass {
    pub fn as_str(self) -> &'static str {
        match self {
            MethodClass::Read => "read",
            MethodClass::Write => "write",
            MethodClass::Custom => "custom",
        }
    }
}

/// The HTTP methods BMS operations use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }
}

/// Where one flat argument goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgLocation {
    /// Substituted into the path template as one percent-encoded segment.
    Path,
    /// A query parameter; arrays repeat the parameter (`form`, exploded).
    Query,
    /// One property of the JSON object body.
    Body,
    /// The whole JSON body (arrays such as JSON Patch documents).
    WholeBody,
}

/// One flat argument and its wire name.
#[derive(Debug, Clone, Copy)]
pub struct ArgBinding {
    pub name: &'static str,
    pub wire: &'static str,
    pub location: ArgLocation,
    pub required: bool,
}

/// The wire names of a list operation's paging parameters.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub page_number: &'static str,
    pub page_size: &'static str,
}

/// What BMS's `result` is, which decides the shape of `structuredContent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultShape {
    /// The result object itself.
    Object,
    /// `{items, total_records, next_cursor}`.
    List,
    /// `{result}` for strings, numbers and booleans.
    Scalar,
    /// `{result}` with whatever came back; no output schema.
    Unknown,
}

/// MCP tool annotation hints.
#[derive(Debug, Clone, Copy)]
pub struct ToolAnnotations {
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
}

/// An ID argument that may also be given as a name, looked up through a lookup tool.
#[derive(Debug, Clone, Copy)]
pub struct NameResolver {
    pub id_arg: &'static str,
    pub name_arg: &'static str,
    /// The lookup tool's name.
    pub lookup: &'static str,
    /// Fixed arguments for the lookup.
    pub lookup_args: &'static [(&'static str, &'static str)],
    /// Whether one of the two forms must be given (unless `default_flag` picks an entry).
    pub required: bool,
    /// The lookup items' boolean field marking the tenant's default entry (`IsDefault`): when
    /// neither form is given, the server uses that entry.
    pub default_flag: Option<&'static str>,
}

/// An argument the server fills in when the agent leaves it out.
#[derive(Debug, Clone, Copy)]
pub struct ArgDefault {
    pub arg: &'static str,
    pub value: DefaultValue,
}

/// What a left-out argument becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultValue {
    /// The current time, UTC, as an RFC 3339 date-time.
    Now,
}
