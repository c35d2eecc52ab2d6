//! Names for IDs: an agent may say `"queue": "Security"` where BMS wants `queue_id`. The
//! record names the lookup tool; the server calls it (or reuses its recent answer), matches the
//! name, and answers with the closest names when none or several match. Where the record names
//! a default flag (`IsDefault`), leaving out both forms means the tenant's default entry.

use std::sync::Arc;

use serde_json::{Map, Value};

use strsim::levenshtein as edit_distance;

use super::build;
use super::request::ArgProblem;
use crate::bms::{BmsClient, LookupItem, UpstreamError};
use crate::catalogue::{Catalogue, NameResolver, Tool};

/// How many pages of a paged lookup are read at most (100 items each).
const MAX_LOOKUP_PAGES: u64 = 10;

/// Problems with the ID/name pairs that need no lookup: both forms given, or neither where the
/// operation needs one. Reported with the schema's problems, before anything is sent.
pub fn pair_problems(tool: &Tool, args: &Map<String, Value>) -> Vec<ArgProblem> {
    let mut problems = Vec::new();
    for r in tool.def.resolvers {
        let (has_name, has_id) = (args.contains_key(r.name_arg), args.contains_key(r.id_arg));
        let message = match (has_name, has_id) {
            (true, true) => format!("give `{}` or `{}`, not both", r.id_arg, r.name_arg),
            (false, false) if r.required && r.default_flag.is_none() => {
                format!("is required: give the ID, or its name as `{}`", r.name_arg)
            }
            _ => continue,
        };
        problems.push(ArgProblem {
            path: format!("/{}", r.id_arg),
            message,
        });
    }
    problems
}

/// Why a name could not become an ID. Each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("no {what} is named {name:?}{suggestions}")]
    Unknown {
        what: String,
        name: String,
        suggestions: String,
    },
    #[error(
        "{count} entries of {what} are named {name:?}: {candidates}. Pass `{id_arg}` with the one you mean"
    )]
    Ambiguous {
        what: String,
        name: String,
        count: usize,
        candidates: String,
        id_arg: &'static str,
    },
    #[error(
        "no {what} is marked as the default (no entry with {flag} true); give `{id_arg}` or `{name_arg}`"
    )]
    NoDefault {
        what: String,
        flag: &'static str,
        id_arg: &'static str,
        name_arg: &'static str,
    },
    #[error("`{name_arg}` is looked up with `{needed}`: give `{needed}` (or its name) too")]
    NeedsArgument {
        name_arg: &'static str,
        needed: &'static str,
    },
    #[error("could not look up `{name_arg}` with {lookup}: {reason}")]
    Lookup {
        name_arg: &'static str,
        lookup: &'static str,
        reason: String,
    },
}

/// Replaces every name argument in `args` by the ID it names, and fills in the default entry
/// where neither form was given and the record names a default flag. Run after validation and
/// [`pair_problems`], so each pair holds at most one form and names are strings. Plain lookups
/// run first, so a lookup keyed by another argument (an account's locations, keyed by
/// `{account_id}`) sees that argument already resolved; the generator allows one level only.
pub async fn resolve_names(
    tool: &Tool,
    args: &mut Map<String, Value>,
    client: &BmsClient,
    observer: &dyn super::CallObserver,
    lookups: &mut u32,
) -> Result<(), ResolveError> {
    let (plain, keyed): (Vec<&NameResolver>, Vec<&NameResolver>) =
        tool.def.resolvers.iter().partition(|r| !is_keyed(r));
    for resolver in plain.into_iter().chain(keyed) {
        let id = match args.remove(resolver.name_arg) {
            Some(Value::String(name)) => {
                observer.resolving(resolver.name_arg);
                resolve(resolver, &name, args, client, lookups).await?
            }
            _ => match resolver.default_flag {
                Some(flag) if !args.contains_key(resolver.id_arg) => {
                    observer.resolving(resolver.name_arg);
                    default_entry(resolver, flag, args, client, lookups).await?
                }
                _ => continue,
            },
        };
        observer.resolved(resolver.name_arg, resolver.id_arg, &id);
        args.insert(resolver.id_arg.to_owned(), id);
    }
    Ok(())
}

fn is_keyed(resolver: &NameResolver) -> bool {
    resolver
        .lookup_args
        .iter()
        .any(|(_, v)| v.starts_with('{') && v.ends_with('}'))
}

/// The ID of the one entry the tenant flags as its default.
async fn default_entry(
    resolver: &NameResolver,
    flag: &'static str,
    args: &Map<String, Value>,
    client: &BmsClient,
    lookups: &mut u32,
) -> Result<Value, ResolveError> {
    let items = lookup_items(resolver, args, client, lookups).await?;
    let wanted = flag.to_ascii_lowercase();
    // Several flagged entries would be a tenant misconfiguration; the first is what BMS's own
    // forms preselect, so it is the least surprising choice.
    items
        .iter()
        .find(|i| i.flags.contains(&wanted))
        .map(|i| i.id.clone())
        .ok_or_else(|| ResolveError::NoDefault {
            what: resolver.name_arg.replace('_', " "),
            flag,
            id_arg: resolver.id_arg,
            name_arg: resolver.name_arg,
        })
}

async fn resolve(
    resolver: &NameResolver,
    name: &str,
    args: &Map<String, Value>,
    client: &BmsClient,
    lookups: &mut u32,
) -> Result<Value, ResolveError> {
    let items = lookup_items(resolver, args, client, lookups).await?;
    let wanted = normalise(name);
    let exact: Vec<&LookupItem> = items
        .iter()
        .filter(|i| normalise(&i.name) == wanted)
        .collect();
    let what = resolver.name_arg.replace('_', " ");
    match exact.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => Err(ResolveError::Unknown {
            what,
            name: name.to_owned(),
            suggestions: suggestions(&items, &wanted),
        }),
        many => Err(ResolveError::Ambiguous {
            what,
            name: name.to_owned(),
            count: many.len(),
            candidates: many
                .iter()
                .map(|i| describe(i))
                .collect::<Vec<_>>()
                .join(", "),
            id_arg: resolver.id_arg,
        }),
    }
}

/// The lookup's items: from the account's reference cache, or from BMS (each request sent
/// counted in `lookups`).
async fn lookup_items(
    resolver: &NameResolver,
    call_args: &Map<String, Value>,
    client: &BmsClient,
    lookups: &mut u32,
) -> Result<Arc<Vec<LookupItem>>, ResolveError> {
    let fixed = fixed_args(resolver, call_args)?;
    let key = format!("{}{:?}", resolver.lookup, fixed);
    if let Some(items) = client.reference().get(&key) {
        return Ok(items);
    }
    let failed = |reason: String| ResolveError::Lookup {
        name_arg: resolver.name_arg,
        lookup: resolver.lookup,
        reason,
    };
    let lookup = Catalogue::global()
        .get(resolver.lookup)
        .ok_or_else(|| failed("the lookup tool is not in this build".into()))?;
    let mut items = Vec::new();
    let pages = if lookup.def.paging.is_some() {
        MAX_LOOKUP_PAGES
    } else {
        1
    };
    for page in 1..=pages {
        let args = lookup_args(lookup, &fixed, page);
        let request = build(lookup, &args).map_err(|p| failed(p.to_string()))?;
        *lookups += 1;
        let answer = client
            .call(&request)
            .await
            .map_err(|e: UpstreamError| failed(e.to_string()))?;
        if !answer.envelope.success {
            let reason = answer
                .envelope
                .error
                .map_or_else(|| format!("HTTP {}", answer.status), |e| e.summary());
            return Err(failed(reason));
        }
        let rows = match answer.envelope.result_value() {
            Value::Array(rows) => rows,
            _ => Vec::new(),
        };
        let full_page = rows.len() as u64 >= 100;
        items.extend(rows.iter().filter_map(item_of));
        let more = answer
            .envelope
            .total_records
            .map_or(full_page, |total| (items.len() as u64) < total);
        if !more {
            break;
        }
    }
    let items = Arc::new(items);
    client.reference().put(key, items.clone());
    Ok(items)
}

/// The lookup's arguments: literal values as written, and `{arg}` replaced by the call's own
/// (already resolved) value of `arg`.
fn fixed_args(
    resolver: &NameResolver,
    call_args: &Map<String, Value>,
) -> Result<Map<String, Value>, ResolveError> {
    let mut fixed = Map::new();
    for &(key, value) in resolver.lookup_args {
        let value = match value.strip_prefix('{').and_then(|v| v.strip_suffix('}')) {
            Some(arg) => call_args
                .get(arg)
                .cloned()
                .ok_or(ResolveError::NeedsArgument {
                    name_arg: resolver.name_arg,
                    needed: arg,
                })?,
            None => Value::String(value.to_owned()),
        };
        fixed.insert(key.to_owned(), value);
    }
    Ok(fixed)
}

fn lookup_args(lookup: &Tool, fixed: &Map<String, Value>, page: u64) -> Map<String, Value> {
    let mut args = fixed.clone();
    if let Some(paging) = lookup.def.paging {
        let name_of = |wire: &str| {
            lookup
                .def
                .args
                .iter()
                .find(|b| b.wire == wire)
                .map(|b| b.name.to_owned())
        };
        if let (Some(number), Some(size)) = (name_of(paging.page_number), name_of(paging.page_size))
        {
            args.insert(number, page.into());
            args.insert(size, 100.into());
        }
    }
    args
}

fn item_of(row: &Value) -> Option<LookupItem> {
    let object = row.as_object()?;
    let field = |name: &str| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    };
    Some(LookupItem {
        id: field("id")?.clone(),
        name: field("name")?.as_str()?.to_owned(),
        flags: object
            .iter()
            .filter(|(_, v)| **v == Value::Bool(true))
            .map(|(k, _)| k.to_ascii_lowercase())
            .collect(),
    })
}

/// Case and spacing do not matter: "security  queue" names "Security Queue".
fn normalise(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn describe(item: &LookupItem) -> String {
    format!("{:?} (id {})", item.name, item.id)
}

/// Up to five names that contain the wanted one (or it them) or are a few edits away.
fn suggestions(items: &[LookupItem], wanted: &str) -> String {
    let mut scored: Vec<(usize, &LookupItem)> = items
        .iter()
        .filter_map(|item| {
            let name = normalise(&item.name);
            let distance = edit_distance(&name, wanted);
            let close = name.contains(wanted)
                || wanted.contains(&name)
                || distance <= wanted.len().max(3) / 3;
            close.then_some((distance, item))
        })
        .collect();
    scored.sort_by_key(|(d, _)| *d);
    let names: Vec<String> = scored.iter().take(5).map(|(_, i)| describe(i)).collect();
    if names.is_empty() {
        let all: Vec<String> = items.iter().take(10).map(describe).collect();
        format!("; the names are: {}", all.join(", "))
    } else {
        format!("; did you mean {}?", names.join(" or "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn items() -> Vec<LookupItem> {
        ["Triage", "Service Desk", "Security", "Projects"]
            .iter()
            .enumerate()
            .map(|(i, n)| LookupItem {
                id: json!(101 + i),
                name: (*n).to_owned(),
                flags: Vec::new(),
            })
            .collect()
    }

    #[test]
    fn names_match_ignoring_case_and_spacing() {
        assert_eq!(normalise("  service   DESK "), "service desk");
    }

    #[test]
    fn close_names_are_suggested() {
        assert_eq!(
            suggestions(&items(), "securty"),
            "; did you mean \"Security\" (id 103)?"
        );
        assert!(suggestions(&items(), "zzz").starts_with("; the names are: \"Triage\" (id 101)"));
    }

    const LOCATIONS: NameResolver = NameResolver {
        id_arg: "location_id",
        name_arg: "location",
        lookup: "list_all_kaseya_bms_account_locations_lookup",
        lookup_args: &[("account_id", "{account_id}"), ("kind", "site")],
        required: true,
        default_flag: Some("IsMain"),
    };

    #[test]
    fn keyed_lookup_arguments_take_the_calls_value_and_say_when_it_is_missing() {
        let call = json!({"account_id": 7})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let fixed = fixed_args(&LOCATIONS, &call).expect("account_id given");
        assert_eq!(
            Value::Object(fixed),
            json!({"account_id": 7, "kind": "site"})
        );
        let missing = fixed_args(&LOCATIONS, &Map::new()).expect_err("account_id missing");
        assert_eq!(
            missing.to_string(),
            "`location` is looked up with `account_id`: give `account_id` (or its name) too"
        );
        assert!(is_keyed(&LOCATIONS));
    }

    #[test]
    fn an_items_true_flags_are_kept_lowercased_for_the_default_entry() {
        let row = json!({"Id": 3, "Name": "HQ", "IsMain": true, "IsActive": false});
        let item = item_of(&row).expect("an item");
        assert_eq!(item.flags, ["ismain"]);
    }
}
