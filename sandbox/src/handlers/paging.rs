//! Paging and sorting of list answers: `PageNumber` (1-based), `PageSize` (default 25, at most
//! 100, as Kaseya documents) and `Sort` (`field`, `field desc` or `-field`, comma-separated).

use std::cmp::Ordering;

use serde_json::Value;

use super::Reply;
use crate::wire::params::Args;

/// Page size when the caller gives none.
pub const DEFAULT_PAGE_SIZE: usize = 25;
/// The largest page BMS returns; larger requests are clamped.
pub const MAX_PAGE_SIZE: usize = 100;

/// Sorts and pages `items` by the request's `Sort`, `PageNumber` and `PageSize`.
pub fn page(mut items: Vec<Value>, args: &Args) -> Reply {
    if let Some(sort) = args.str("Sort") {
        sort_by(&mut items, sort);
    }
    let total = items.len();
    let size = args
        .int("PageSize")
        .filter(|s| *s > 0)
        .map_or(DEFAULT_PAGE_SIZE, |s| {
            usize::try_from(s).unwrap_or(MAX_PAGE_SIZE)
        })
        .min(MAX_PAGE_SIZE);
    let number = args
        .int("PageNumber")
        .filter(|n| *n > 0)
        .map_or(1, |n| usize::try_from(n).unwrap_or(usize::MAX));
    let items = items
        .into_iter()
        .skip(number.saturating_sub(1).saturating_mul(size))
        .take(size)
        .collect();
    Reply::List { items, total }
}

/// Copies `PageNumber`, `PageSize` and `Sort` from a search body into `args`.
pub fn paging_args_from_body(body: Option<&Value>, args: &mut Args) {
    let Some(body) = body else { return };
    for name in ["PageNumber", "PageSize", "Sort"] {
        match body.get(name) {
            Some(Value::Number(n)) => args.set(name, n.to_string()),
            Some(Value::String(s)) => args.set(name, s.clone()),
            _ => {}
        }
    }
}

/// Sorts by the camelCase fields named in `spec`; unknown fields are ignored.
fn sort_by(items: &mut [Value], spec: &str) {
    let keys: Vec<(String, bool)> = spec
        .split(',')
        .filter_map(|part| {
            let part = part.trim();
            let (field, descending) = match part.strip_prefix('-') {
                Some(rest) => (rest.trim(), true),
                None => {
                    let mut words = part.split_whitespace();
                    let field = words.next()?;
                    let descending = words.next().is_some_and(|d| d.eq_ignore_ascii_case("desc"));
                    (field.trim_start_matches('+'), descending)
                }
            };
            (!field.is_empty()).then(|| (field.to_ascii_lowercase(), descending))
        })
        .collect();
    items.sort_by(|a, b| {
        for (field, descending) in &keys {
            let ordering = compare(lookup(a, field), lookup(b, field));
            let ordering = if *descending {
                ordering.reverse()
            } else {
                ordering
            };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        Ordering::Equal
    });
}

fn lookup<'a>(item: &'a Value, field: &str) -> Option<&'a Value> {
    item.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(field))
        .map(|(_, v)| v)
}

fn compare(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Some(Value::String(x)), Some(Value::String(y))) => x.to_lowercase().cmp(&y.to_lowercase()),
        (Some(Value::Bool(x)), Some(Value::Bool(y))) => x.cmp(y),
        (None | Some(Value::Null), None | Some(Value::Null)) => Ordering::Equal,
        (None | Some(Value::Null), _) => Ordering::Less,
        (_, None | Some(Value::Null)) => Ordering::Greater,
        _ => Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(pairs: &[(&str, &str)]) -> Args {
        let mut a = Args::default();
        for (k, v) in pairs {
            a.set(k, (*v).to_owned());
        }
        a
    }

    fn ids(reply: Reply) -> (Vec<i64>, usize) {
        match reply {
            Reply::List { items, total } => (
                items.iter().filter_map(|v| v["id"].as_i64()).collect(),
                total,
            ),
            other => panic!("not a list: {other:?}"),
        }
    }

    #[test]
    fn pages_are_one_based_and_total_counts_everything() {
        let items: Vec<Value> = (1..=30).map(|i| json!({"id": i})).collect();
        let (page2, total) = ids(page(
            items,
            &args(&[("PageNumber", "2"), ("PageSize", "10")]),
        ));
        assert_eq!(page2, (11..=20).collect::<Vec<i64>>());
        assert_eq!(total, 30);
    }

    #[test]
    fn page_size_defaults_to_25_and_is_capped_at_100() {
        let items: Vec<Value> = (1..=150).map(|i| json!({"id": i})).collect();
        assert_eq!(ids(page(items.clone(), &Args::default())).0.len(), 25);
        assert_eq!(ids(page(items, &args(&[("PageSize", "500")]))).0.len(), 100);
    }

    #[test]
    fn sort_accepts_desc_and_minus_forms() {
        let items = vec![
            json!({"id": 1, "title": "b"}),
            json!({"id": 2, "title": "a"}),
        ];
        assert_eq!(
            ids(page(items.clone(), &args(&[("Sort", "title")]))).0,
            vec![2, 1]
        );
        assert_eq!(
            ids(page(items.clone(), &args(&[("Sort", "id desc")]))).0,
            vec![2, 1]
        );
        assert_eq!(ids(page(items, &args(&[("Sort", "-Id")]))).0, vec![2, 1]);
    }
}
