//! Path and query parameters, bound the way ASP.NET binds them: names case-insensitive,
//! values parsed by the declared type, a bad value refused with a message naming the parameter.

use std::collections::HashMap;

use crate::clock;
use crate::spec_model::{Operation, Param, ParamKind, ParamLocation};
use crate::wire::ApiError;

/// Bound parameters of one request, keyed by the spec's parameter name.
#[derive(Debug, Default, Clone)]
pub struct Args {
    values: HashMap<String, Vec<String>>,
}

impl Args {
    /// The first value given for `name` (spec spelling), if any non-empty one was sent.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .and_then(|v| v.iter().find(|s| !s.trim().is_empty()))
            .map(|s| s.trim())
    }

    /// An integer argument (already checked when the request was bound).
    pub fn int(&self, name: &str) -> Option<i64> {
        self.str(name).and_then(|s| s.parse().ok())
    }

    /// A boolean argument.
    pub fn bool(&self, name: &str) -> Option<bool> {
        self.str(name).and_then(parse_bool)
    }

    /// A date-time argument as Unix seconds.
    pub fn date(&self, name: &str) -> Option<i64> {
        self.str(name).and_then(clock::parse_iso)
    }

    /// A list: repeated parameters and comma-separated values, trimmed, empties dropped.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.values
            .get(name)
            .into_iter()
            .flatten()
            .flat_map(|v| v.split(','))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// A list of integers.
    pub fn int_list(&self, name: &str) -> Vec<i64> {
        self.list(name)
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect()
    }

    /// Sets a value (used to feed `POST .../search` body filters through the same code).
    pub fn set(&mut self, name: &str, value: String) {
        self.values.insert(name.to_owned(), vec![value]);
    }
}

/// Binds the captured path segments and the query string of a request to `op`'s parameters.
pub fn bind(
    op: &Operation,
    path: &[(String, String)],
    query: Option<&str>,
) -> Result<Args, ApiError> {
    let mut args = Args::default();
    for (name, value) in path {
        args.values
            .entry(name.clone())
            .or_default()
            .push(value.clone());
    }
    for (key, value) in parse_query(query.unwrap_or("")) {
        // Query names bind case-insensitively; names the operation does not declare are ignored.
        let declared = op
            .params
            .iter()
            .find(|p| p.location == ParamLocation::Query && p.name.eq_ignore_ascii_case(&key));
        if let Some(p) = declared {
            args.values.entry(p.name.clone()).or_default().push(value);
        }
    }
    let mut problems = Vec::new();
    for p in &op.params {
        check(p, &args, &mut problems);
    }
    match problems.first() {
        None => Ok(args),
        Some(first) => Err(ApiError::validation(first.clone(), problems)),
    }
}

fn check(p: &Param, args: &Args, problems: &mut Vec<String>) {
    let values: Vec<&String> = args
        .values
        .get(&p.name)
        .map(|v| v.iter().filter(|s| !s.trim().is_empty()).collect())
        .unwrap_or_default();
    if values.is_empty() {
        if p.required {
            problems.push(format!("The {} field is required.", p.name));
        }
        return;
    }
    for value in values {
        let value = value.trim();
        let ok = match &p.kind {
            ParamKind::Int32 => value.parse::<i32>().is_ok(),
            ParamKind::Int64 => value.parse::<i64>().is_ok(),
            ParamKind::Number => value.parse::<f64>().is_ok_and(f64::is_finite),
            ParamKind::Boolean => parse_bool(value).is_some(),
            ParamKind::DateTime => clock::parse_iso(value).is_some(),
            ParamKind::Uuid => is_uuid(value),
            ParamKind::String => true,
            ParamKind::Int32List => value
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .all(|s| s.trim().parse::<i32>().is_ok()),
            ParamKind::IntEnum(allowed) => value.parse::<i64>().is_ok_and(|v| allowed.contains(&v)),
        };
        if !ok {
            problems.push(format!(
                "The value '{value}' is not valid for {}. Expected {}.",
                p.name,
                expected(&p.kind)
            ));
        }
    }
}

fn expected(kind: &ParamKind) -> String {
    match kind {
        ParamKind::Int32 => "a 32-bit integer ID".into(),
        ParamKind::Int64 => "a 64-bit integer ID".into(),
        ParamKind::Number => "a number".into(),
        ParamKind::Boolean => "true or false".into(),
        ParamKind::DateTime => "an ISO 8601 date-time such as 2026-07-01T09:00:00Z".into(),
        ParamKind::Uuid => "a GUID".into(),
        ParamKind::String => "text".into(),
        ParamKind::Int32List => "integers, repeated or comma-separated".into(),
        ParamKind::IntEnum(allowed) => {
            let list: Vec<String> = allowed.iter().map(i64::to_string).collect();
            format!("one of {}", list.join(", "))
        }
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

fn is_uuid(s: &str) -> bool {
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit())
}

/// Splits `a=1&b=x%20y` into decoded pairs (`+` is a space, as in forms).
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec_model::SpecModel;

    fn op(key: &str) -> &'static Operation {
        SpecModel::shared()
            .expect("spec")
            .operation(key)
            .expect("operation exists")
    }

    #[test]
    fn a_name_where_an_id_belongs_is_refused_naming_the_parameter() {
        let err = bind(
            op("GET /v2/servicedesk/tickets/{ticketId}"),
            &[("ticketId".into(), "acme".into())],
            None,
        )
        .expect_err("not an integer");
        assert!(err.message.contains("ticketId"), "{}", err.message);
        assert_eq!(err.status, axum::http::StatusCode::BAD_REQUEST);
    }

    #[test]
    fn query_names_bind_case_insensitively() {
        let args = bind(
            op("GET /v2/servicedesk/tickets"),
            &[],
            Some("filter.queueNames=Triage%2CSecurity&pagesize=5"),
        )
        .expect("valid");
        assert_eq!(args.list("Filter.QueueNames"), vec!["Triage", "Security"]);
        assert_eq!(args.int("PageSize"), Some(5));
    }

    #[test]
    fn a_required_query_parameter_is_required() {
        let err = bind(
            op("GET /v2/integration/qbd/clients"),
            &[],
            Some("ExternalTenantId="),
        )
        .expect_err("missing");
        assert_eq!(err.message, "The ExternalTenantId field is required.");
    }

    #[test]
    fn bad_dates_and_booleans_are_refused() {
        let err = bind(
            op("GET /v2/servicedesk/tickets"),
            &[],
            Some("Filter.OpenDateFrom=soon"),
        )
        .expect_err("bad date");
        assert!(err.message.contains("Filter.OpenDateFrom"));
        let err = bind(
            op("GET /v2/crm/accounts/summary"),
            &[],
            Some("Filter.IsActive=yes"),
        )
        .expect_err("bad bool");
        assert!(err.message.contains("Filter.IsActive"));
    }
}
