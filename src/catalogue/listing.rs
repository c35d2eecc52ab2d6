//! A tool's entry in `tools/list`. The standard entry is written as text straight from the
//! generated schema text (whitespace taken out), never through a parsed tree: it is built for
//! every tool at start-up, and parsing 800 schemas was most of the cold start. Profiles that
//! rewrite schemas start from `listing_map`.

use serde_json::{Map, Value, json};

use super::ToolDef;

/// The standard `tools/list` entry, as compact JSON text.
pub fn standard_listing(def: &ToolDef) -> String {
    let text = |s: &str| Value::from(s).to_string();
    let mut out = String::with_capacity(
        def.input_schema.len()
            + def.output_schema.map_or(0, str::len)
            + def.description.len()
            + 256,
    );
    out.push_str("{\"name\":");
    out.push_str(&text(def.name));
    out.push_str(",\"title\":");
    out.push_str(&text(def.title));
    out.push_str(",\"description\":");
    out.push_str(&text(def.description));
    out.push_str(",\"inputSchema\":");
    push_compact(&mut out, def.input_schema);
    if let Some(output) = def.output_schema {
        out.push_str(",\"outputSchema\":");
        push_compact(&mut out, output);
    }
    out.push_str(",\"annotations\":");
    out.push_str(&annotations(def).to_string());
    out.push('}');
    out
}

/// A tool's MCP annotations: its title and the four hints. Every tool is open-world: it
/// reaches a BMS tenant.
pub fn annotations(def: &ToolDef) -> Value {
    let a = def.annotations;
    json!({
        "title": def.title,
        "readOnlyHint": a.read_only,
        "destructiveHint": a.destructive,
        "idempotentHint": a.idempotent,
        "openWorldHint": true,
    })
}

/// The same entry parsed into a map, for profiles that rewrite parts of it.
pub fn listing_map(def: &ToolDef) -> Map<String, Value> {
    match serde_json::from_str(&standard_listing(def)) {
        Ok(Value::Object(map)) => map,
        // The tests below hold every entry to be a JSON object; an empty one would only
        // hide the tool from that profile's clients.
        _ => Map::new(),
    }
}

/// Appends JSON text without the whitespace between its tokens (strings are copied as they
/// are). The generated schemas are JSON, checked by the generator and by the tests below.
fn push_compact(out: &mut String, json: &str) {
    let mut in_string = false;
    let mut escaped = false;
    for c in json.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;

    #[test]
    fn compacting_keeps_strings_and_drops_only_whitespace_between_tokens() {
        let mut out = String::new();
        push_compact(
            &mut out,
            "{\n  \"a b\": [1, \"x \\\" y\\\\\" ],\n  \"c\":\t{ }\n}",
        );
        assert_eq!(out, r#"{"a b":[1,"x \" y\\"],"c":{}}"#);
    }

    #[test]
    fn every_tool_in_every_profile_has_all_four_hints_consistent_with_its_method() {
        use crate::catalogue::{ClientProfile, HttpMethod, MethodClass};
        for tool in Catalogue::global().tools() {
            let def = tool.def;
            for profile in ClientProfile::ALL {
                let listing: Value =
                    serde_json::from_str(&tool.listing_for(profile)).expect("listing is JSON");
                let hints = &listing["annotations"];
                let hint = |name: &str| {
                    hints[name].as_bool().unwrap_or_else(|| {
                        panic!("{} ({profile:?}) has no boolean {name}", def.name)
                    })
                };
                let (read_only, destructive, idempotent) = (
                    hint("readOnlyHint"),
                    hint("destructiveHint"),
                    hint("idempotentHint"),
                );
                assert!(hint("openWorldHint"), "{}: BMS is an open world", def.name);
                let reads = def.method == HttpMethod::Get || def.class == MethodClass::Read;
                assert_eq!(read_only, reads, "{}: readOnlyHint", def.name);
                if reads {
                    assert!(!destructive && idempotent, "{}: a read", def.name);
                    continue;
                }
                match def.method {
                    HttpMethod::Delete => assert!(destructive && idempotent, "{}", def.name),
                    HttpMethod::Put => assert!(destructive && idempotent, "{}", def.name),
                    HttpMethod::Patch => assert!(destructive && !idempotent, "{}", def.name),
                    // Additive unless its record says it changes what exists.
                    HttpMethod::Post => assert!(!idempotent, "{}", def.name),
                    HttpMethod::Get => unreachable!("handled as a read"),
                }
            }
        }
        for name in [
            "create_a_kaseya_bms_resolve",
            "merge_kaseya_bms_servicedesk_tickets",
            "resolve_kaseya_bms_rmm_alert_tickets",
        ] {
            let tool = Catalogue::global().get(name).expect("tool exists");
            assert!(
                tool.def.annotations.destructive,
                "{name} changes what exists"
            );
        }
        let create = Catalogue::global()
            .get("create_a_kaseya_bms_servicedesk_ticket")
            .expect("tool exists");
        assert!(!create.def.annotations.destructive, "a create only adds");
    }

    #[test]
    fn every_standard_listing_is_the_parsed_schemas_entry() {
        for tool in Catalogue::global().tools() {
            let text: Value = serde_json::from_str(&standard_listing(tool.def)).expect("JSON");
            let def = tool.def;
            let expected = json!({
                "name": def.name,
                "title": def.title,
                "description": def.description,
                "inputSchema": tool.input_schema(),
                "outputSchema": tool.output_schema(),
                "annotations": {
                    "title": def.title,
                    "readOnlyHint": def.annotations.read_only,
                    "destructiveHint": def.annotations.destructive,
                    "idempotentHint": def.annotations.idempotent,
                    "openWorldHint": true,
                },
            });
            let mut expected = expected.as_object().cloned().unwrap_or_default();
            if def.output_schema.is_none() {
                expected.remove("outputSchema");
            }
            assert_eq!(text, Value::Object(expected), "{}", tool.name());
            assert_eq!(Value::Object(listing_map(def)), text);
        }
    }
}
