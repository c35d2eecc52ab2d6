//! Validated flat arguments → one BMS request: path segments, query pairs and the JSON body.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};

use crate::bms::UpstreamRequest;
use crate::catalogue::{ArgLocation, Tool};

/// Everything but unreserved characters is escaped, `/`, `?`, `#` and `%` included, so an
/// argument is always exactly one path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'~')
    .remove(b'.');

/// One problem with the arguments, named by the argument it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgProblem {
    /// JSON pointer into the arguments (`/ticket_id`), or empty for the whole object.
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for ArgProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(
                f,
                "{}: {}",
                self.path.trim_start_matches('/').replace('/', "."),
                self.message
            )
        }
    }
}

/// Checks the arguments against the tool's input schema; every violation is listed.
pub fn validate(tool: &Tool, args: &Value) -> Result<(), Vec<ArgProblem>> {
    let Some(validator) = tool.validator() else {
        return Ok(());
    };
    if validator.is_valid(args) {
        return Ok(());
    }
    let problems: Vec<ArgProblem> = validator
        .iter_errors(args)
        .map(|e| ArgProblem {
            path: e.instance_path().as_str().to_owned(),
            message: e.to_string(),
        })
        .collect();
    Err(problems)
}

/// Builds the upstream request from arguments that passed validation.
pub fn build(tool: &Tool, args: &Map<String, Value>) -> Result<UpstreamRequest, ArgProblem> {
    let def = tool.def;
    let mut path = String::with_capacity(def.path.len() + 16);
    for (i, segment) in def.path.split('/').enumerate() {
        if i > 0 {
            path.push('/');
        }
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(wire) => path.push_str(&path_segment(tool, wire, args)?),
            None => path.push_str(segment),
        }
    }

    let mut query = Vec::new();
    let mut body_fields = Map::new();
    let mut whole_body = None;
    let mut has_body = false;
    for binding in def.args {
        has_body |= matches!(binding.location, ArgLocation::Body | ArgLocation::WholeBody);
        let Some(value) = args.get(binding.name).filter(|v| !v.is_null()) else {
            continue;
        };
        match binding.location {
            ArgLocation::Path => {}
            ArgLocation::Query => match value {
                // `form` style, exploded: one pair per item, as ASP.NET binds arrays.
                Value::Array(items) => {
                    query.extend(items.iter().map(|item| (binding.wire, scalar_text(item))))
                }
                other => query.push((binding.wire, scalar_text(other))),
            },
            ArgLocation::Body => {
                body_fields.insert(binding.wire.to_owned(), value.clone());
            }
            ArgLocation::WholeBody => whole_body = Some(value.clone()),
        }
    }
    check_request_target(&path, &query, def.args)?;
    let body = match whole_body {
        Some(body) => Some(body),
        None if has_body => Some(Value::Object(body_fields)),
        None => None,
    };
    Ok(UpstreamRequest {
        method: def.method,
        endpoint: def.path,
        path,
        query,
        body,
        keep_fields: None,
    })
}

/// The longest request target (path and query) sent to BMS: the request-line limit of
/// ASP.NET Core's server (Kestrel), which answers longer ones with 414 or drops them.
pub const MAX_REQUEST_TARGET_BYTES: usize = 8_192;

/// Refuses, before anything is sent, a request whose path and encoded query would exceed
/// `MAX_REQUEST_TARGET_BYTES`, naming the argument that takes most of it.
fn check_request_target(
    path: &str,
    query: &[(&str, String)],
    bindings: &[crate::catalogue::ArgBinding],
) -> Result<(), ArgProblem> {
    let pairs = query.iter().map(|(wire, value)| {
        (
            *wire,
            form_encoded_len(wire) + 1 + form_encoded_len(value) + 1,
        )
    });
    let length = path.len() + pairs.clone().map(|(_, len)| len).sum::<usize>();
    if length <= MAX_REQUEST_TARGET_BYTES {
        return Ok(());
    }
    let longest = pairs
        .max_by_key(|(_, len)| *len)
        .filter(|(_, len)| *len > path.len());
    let arg = longest.and_then(|(wire, _)| bindings.iter().find(|b| b.wire == wire));
    let limit = format!(
        "the request to BMS would be {length} bytes long once URL-encoded, over the {MAX_REQUEST_TARGET_BYTES} bytes BMS accepts in a request line"
    );
    Err(match arg {
        Some(binding) => ArgProblem {
            path: format!("/{}", binding.name),
            message: format!(
                "is too long: {limit}. Shorten it: fewer values, or a narrower filter"
            ),
        },
        None => ArgProblem {
            path: String::new(),
            message: format!("The path arguments are too long: {limit}"),
        },
    })
}

/// The length of `text` once `application/x-www-form-urlencoded`, as reqwest encodes queries.
fn form_encoded_len(text: &str) -> usize {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' | b' ' => 1,
            _ => 3,
        })
        .sum()
}

fn path_segment(tool: &Tool, wire: &str, args: &Map<String, Value>) -> Result<String, ArgProblem> {
    let binding = tool
        .def
        .args
        .iter()
        .find(|b| b.location == ArgLocation::Path && b.wire == wire);
    let value = binding
        .and_then(|b| args.get(b.name))
        .filter(|v| !v.is_null());
    let name = binding.map_or(wire, |b| b.name);
    let Some(value) = value else {
        return Err(ArgProblem {
            path: format!("/{name}"),
            message: "is required".into(),
        });
    };
    let text = scalar_text(value);
    // `.`/`..` (even percent-encoded) are path navigation to URL parsers, never an id or name.
    if text.is_empty() || text.chars().all(|c| c == '.') {
        return Err(ArgProblem {
            path: format!("/{name}"),
            message: format!("{text:?} is not a valid value for a path argument"),
        });
    }
    Ok(utf8_percent_encode(&text, SEGMENT).to_string())
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
