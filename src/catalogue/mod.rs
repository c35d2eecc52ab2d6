//! The tool catalogue at run time: the generated table, indexed by name, with each tool's
//! MCP listing serialised once and its argument validator compiled on first use. Schemas are
//! not kept parsed: the generated text is in the binary, and parsed trees of every schema
//! would be most of an idle server's heap (13 MiB); they are parsed when needed.

mod def;
mod filter;
mod listing;
mod profile;
mod scope;
// Formatted by the generator (prettyplease), not rustfmt: `cargo fmt` must leave it as generated.
#[allow(clippy::all)]
#[rustfmt::skip]
#[path = "../../generated/mod.rs"]
mod generated;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, OnceLock};

use serde_json::{Value, json};

pub use def::{
    ArgBinding, ArgDefault, ArgLocation, DefaultValue, HttpMethod, MethodClass, NameResolver,
    Paging, ResultShape, ToolAnnotations, ToolDef,
};
pub use filter::ToolFilter;
pub use generated::{CURSOR_ARG, SPEC_SHA256};
pub use listing::annotations;
pub use profile::{ClientChoice, ClientProfile, short_name};
pub use scope::{McpScope, ToolExposure};

/// One catalogue entry: the generated definition plus what is derived from it once.
pub struct Tool {
    pub def: &'static ToolDef,
    /// The tool as `tools/list` shows it, serialised once.
    pub listing: Arc<str>,
    /// The listing for each other client profile, made when a client of that kind first asks.
    profile_listings: [OnceLock<Arc<str>>; ClientProfile::ALL.len()],
    validator: OnceLock<Option<jsonschema::Validator>>,
    /// The properties of a list's items, for `fields` (read from the output schema once).
    item_properties: OnceLock<Vec<String>>,
}

impl Tool {
    fn new(def: &'static ToolDef) -> Tool {
        Tool {
            def,
            listing: listing::standard_listing(def).into(),
            profile_listings: Default::default(),
            validator: OnceLock::new(),
            item_properties: OnceLock::new(),
        }
    }

    /// The JSON Schema of the flat arguments, parsed from the generated text.
    pub fn input_schema(&self) -> Value {
        // The generator checks these documents are JSON; a failure here is a generator bug,
        // and an empty schema keeps the tool callable rather than taking the server down.
        serde_json::from_str(self.def.input_schema).unwrap_or_else(|_| json!({"type": "object"}))
    }

    /// The JSON Schema of `structuredContent`, where the result has a known shape.
    pub fn output_schema(&self) -> Option<Value> {
        self.def
            .output_schema
            .and_then(|s| serde_json::from_str(s).ok())
    }

    /// The properties a list tool's items have (empty for other tools).
    pub fn item_properties(&self) -> &[String] {
        self.item_properties.get_or_init(|| {
            self.output_schema()
                .as_ref()
                .and_then(|o| o["properties"]["items"]["items"]["properties"].as_object())
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default()
        })
    }

    /// The tool as `tools/list` shows it to a client of `profile`.
    pub fn listing_for(&self, profile: ClientProfile) -> Arc<str> {
        if profile == ClientProfile::Standard {
            return self.listing.clone();
        }
        self.profile_listings[profile.index()]
            .get_or_init(|| {
                let standard = listing::listing_map(self.def);
                Value::Object(profile.adapt_listing(&standard))
                    .to_string()
                    .into()
            })
            .clone()
    }

    /// The compiled argument validator (compiled on first call).
    pub fn validator(&self) -> Option<&jsonschema::Validator> {
        self.validator
            .get_or_init(|| jsonschema::validator_for(&self.input_schema()).ok())
            .as_ref()
    }

    pub fn name(&self) -> &'static str {
        self.def.name
    }
}

/// Every tool, in generated order, indexed by its name and its short name.
pub struct Catalogue {
    tools: Vec<Tool>,
    by_name: HashMap<Box<str>, usize>,
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
    let mut tools: Vec<Tool> = Vec::with_capacity(generated::TOOL_COUNT);
    tools.extend(
        generated::TOOL_GROUPS
            .iter()
            .flat_map(|group| group.iter().copied())
            .map(Tool::new),
    );
    let mut by_name: HashMap<Box<str>, usize> = HashMap::with_capacity(tools.len() * 2);
    for (i, tool) in tools.iter().enumerate() {
        by_name.insert(tool.def.name.into(), i);
        by_name.insert(short_name(tool.def.name).into(), i);
    }
    Catalogue { tools, by_name }
});

impl Catalogue {
    /// The catalogue compiled into this binary.
    pub fn global() -> &'static Catalogue {
        &CATALOGUE
    }

    pub fn tools(&self) -> &[Tool] {
        &self.tools
    }

    /// A tool by its name or its short name (see `ClientProfile::ShortNames`).
    pub fn get(&self, name: &str) -> Option<&Tool> {
        self.by_name.get(name).map(|&i| &self.tools[i])
    }

    /// The tools a filter allows, in catalogue order.
    pub fn filtered<'a>(&'a self, filter: &'a ToolFilter) -> impl Iterator<Item = &'a Tool> + 'a {
        self.tools.iter().filter(move |t| filter.allows(t.def))
    }

    /// Every tag any tool carries, sorted.
    pub fn tags(&self) -> Vec<&'static str> {
        let mut tags: Vec<&'static str> = self
            .tools
            .iter()
            .flat_map(|t| t.def.tags.iter().copied())
            .collect();
        tags.sort_unstable();
        tags.dedup();
        tags
    }

    /// Every verb any tool uses, sorted.
    pub fn verbs(&self) -> Vec<&'static str> {
        let mut verbs: Vec<&'static str> = self.tools.iter().map(|t| t.def.verb).collect();
        verbs.sort_unstable();
        verbs.dedup();
        verbs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_count_matches_the_table() {
        assert_eq!(Catalogue::global().tools().len(), generated::TOOL_COUNT);
    }

    #[test]
    fn every_listing_is_json_with_the_tool_name() {
        for tool in Catalogue::global().tools() {
            let listing: Value = serde_json::from_str(&tool.listing).expect("listing is JSON");
            assert_eq!(listing["name"], tool.name());
            assert_eq!(listing["inputSchema"]["type"], "object");
        }
    }

    #[test]
    fn every_input_schema_compiles() {
        for tool in Catalogue::global().tools() {
            assert!(
                tool.validator().is_some(),
                "{} has an invalid input schema",
                tool.name()
            );
        }
    }
}
