//! Path templates matched the way ASP.NET routing matches them: segment by segment,
//! case-insensitively, with a literal segment preferred over a parameter at the first place
//! two templates differ (`/tickets/search` beats `/tickets/{ticketId}`).

use super::Operation;

/// One segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Compared case-insensitively; stored lower-case.
    Literal(String),
    /// `{name}`: captures one segment.
    Param(String),
}

/// The outcome of matching a request.
pub enum RouteMatch<'a> {
    /// The operation and its captured path parameters, by spec name.
    Found(&'a Operation, Vec<(String, String)>),
    /// The path exists, but not with this method; lists the methods it has.
    MethodNotAllowed(Vec<&'static str>),
    NotFound,
}

/// Splits a template into segments.
pub fn segments(template: &str) -> Vec<Segment> {
    split(template)
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => Segment::Param(name.to_owned()),
                None => Segment::Literal(s.to_ascii_lowercase()),
            },
        )
        .collect()
}

fn split(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

/// Finds the most specific template matching `path` for `method`.
pub fn find<'a>(operations: &'a [Operation], method: &str, path: &str) -> RouteMatch<'a> {
    let request: Vec<String> = split(path).map(percent_decode).collect();
    let mut best: Option<(&Operation, Vec<bool>)> = None;
    let mut other_methods = Vec::new();
    for op in operations {
        let Some(shape) = matches(&op.segments, &request) else {
            continue;
        };
        if !op.method.eq_ignore_ascii_case(method) {
            other_methods.push((op.method, shape));
            continue;
        }
        if best
            .as_ref()
            .is_none_or(|(_, best_shape)| shape > *best_shape)
        {
            best = Some((op, shape));
        }
    }
    match best {
        Some((op, _)) => {
            let captured = op
                .segments
                .iter()
                .zip(&request)
                .filter_map(|(segment, value)| match segment {
                    Segment::Param(name) => Some((name.clone(), value.clone())),
                    Segment::Literal(_) => None,
                })
                .collect();
            RouteMatch::Found(op, captured)
        }
        None if other_methods.is_empty() => RouteMatch::NotFound,
        None => {
            let mut methods: Vec<&'static str> =
                other_methods.into_iter().map(|(m, _)| m).collect();
            methods.sort_unstable();
            methods.dedup();
            RouteMatch::MethodNotAllowed(methods)
        }
    }
}

/// `Some(shape)` when the template matches; the shape (true = literal, per segment) orders
/// candidates so that a literal wins at the first differing segment.
fn matches(template: &[Segment], request: &[String]) -> Option<Vec<bool>> {
    if template.len() != request.len() {
        return None;
    }
    let mut shape = Vec::with_capacity(template.len());
    for (segment, value) in template.iter().zip(request) {
        match segment {
            Segment::Literal(literal) if literal.eq_ignore_ascii_case(value) => shape.push(true),
            Segment::Literal(_) => return None,
            Segment::Param(_) => shape.push(false),
        }
    }
    Some(shape)
}

/// Decodes `%xx` escapes in one path segment; invalid escapes stay as written.
fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::super::SpecModel;
    use super::*;

    #[track_caller]
    fn check(method: &str, path: &str, expect_key: &str, expect_params: &[(&str, &str)]) {
        let model = SpecModel::shared().expect("spec parses");
        match model.find(method, path) {
            RouteMatch::Found(op, params) => {
                assert_eq!(op.key, expect_key, "{method} {path}");
                let params: Vec<(&str, &str)> = params
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                assert_eq!(params, expect_params);
            }
            _ => panic!("{method} {path} did not match"),
        }
    }

    #[test]
    fn literal_segments_beat_parameters() {
        check(
            "POST",
            "/v2/servicedesk/tickets/search",
            "POST /v2/servicedesk/tickets/search",
            &[],
        );
        check(
            "GET",
            "/v2/servicedesk/tickets/42",
            "GET /v2/servicedesk/tickets/{ticketId}",
            &[("ticketId", "42")],
        );
        check(
            "GET",
            "/v2/servicedesk/tickets/logs/7",
            "GET /v2/servicedesk/tickets/logs/{jobId}",
            &[("jobId", "7")],
        );
    }

    #[test]
    fn paths_match_case_insensitively() {
        check(
            "GET",
            "/v2/crm/opportunities/statuses/lookup",
            "GET /v2/crm/opportunities/statuses/Lookup",
            &[],
        );
        check(
            "get",
            "/V2/ServiceDesk/Tickets",
            "GET /v2/servicedesk/tickets",
            &[],
        );
    }

    #[test]
    fn trailing_slashes_and_escapes_are_tolerated() {
        check(
            "GET",
            "/v2/system/lookup/Note%54ypes/",
            "GET /v2/system/lookup/{tableName}",
            &[("tableName", "NoteTypes")],
        );
    }

    #[test]
    fn wrong_method_is_told_apart_from_unknown_path() {
        let model = SpecModel::shared().expect("spec parses");
        assert!(matches!(
            model.find("DELETE", "/v2/crm/opportunities"),
            RouteMatch::MethodNotAllowed(m) if m == vec!["GET", "POST"]
        ));
        assert!(matches!(
            model.find("GET", "/v2/nothing/here"),
            RouteMatch::NotFound
        ));
    }
}
