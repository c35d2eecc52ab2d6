//! Client profiles: the same catalogue presented the way one family of clients accepts it.
//!
//! MCP clients differ in what they take from `tools/list`. Cursor drops a tool when its
//! server name plus tool name passes 60 characters, and Claude Code and VS Code prefix tool
//! names and cap the result at 64. OpenAI's strict function calling wants every property
//! listed as required (optional ones nullable), `additionalProperties: false` and a keyword
//! subset. Gemini's function declarations take an OpenAPI 3.0 subset. A profile changes only
//! how tools are shown: a call is always validated against the generated schema, so an
//! adapted schema never lets through what the standard one refuses.

mod gemini;
mod strict;

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::ToolDef;

/// How the tool catalogue is presented to one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientProfile {
    /// Generated names and JSON Schemas, unchanged.
    Standard,
    /// Names without the `kaseya_bms_` infix (45 characters at most), for clients that prefix
    /// or cap tool names. Both forms of a name are accepted in calls.
    ShortNames,
    /// Argument schemas in OpenAI's strict function-calling subset. The `null` such clients
    /// send for optional arguments is read as "not given", as it is for every client.
    OpenAiStrict,
    /// Argument schemas in Gemini's function-declaration (OpenAPI 3.0) subset.
    Gemini,
}

/// The infix every generated tool name carries; short names leave it out.
const NAME_INFIX: &str = "_kaseya_bms_";

impl ClientProfile {
    pub const ALL: [ClientProfile; 4] = [
        ClientProfile::Standard,
        ClientProfile::ShortNames,
        ClientProfile::OpenAiStrict,
        ClientProfile::Gemini,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClientProfile::Standard => "standard",
            ClientProfile::ShortNames => "short-names",
            ClientProfile::OpenAiStrict => "openai-strict",
            ClientProfile::Gemini => "gemini",
        }
    }

    pub fn parse(text: &str) -> Option<ClientProfile> {
        ClientProfile::ALL.into_iter().find(|p| p.as_str() == text)
    }

    /// Position in `ALL`, for per-profile caches.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The profile for a client that names itself `name` in `clientInfo`. Only clients whose
    /// limits are known get anything but the standard presentation.
    pub fn for_client(name: &str) -> ClientProfile {
        // Names as the clients send them (Cursor, Claude Code, VS Code, GitHub Copilot CLI,
        // Windsurf): each prefixes tool names or caps their length.
        const SHORT_NAME_CLIENTS: &[&str] = &[
            "cursor-vscode",
            "claude-code",
            "visual studio code",
            "visual-studio-code",
            "github-copilot-developer",
            "windsurf",
            "windsurf-client",
        ];
        // OpenAI's own MCP clients: ChatGPT connectors and the Responses API's remote MCP
        // tool (`openai-mcp`, sometimes with a `/version` suffix). The Agents SDK and Codex are
        // not here: the Agents SDK sends the Python SDK's default `mcp`, which any Python
        // client may send, and Codex (`codex-mcp-client`) does not ask for strict mode.
        const OPENAI_CLIENTS: &[&str] = &["openai-mcp"];
        let name = name.trim().to_ascii_lowercase();
        let family = name.split('/').next().unwrap_or_default();
        if SHORT_NAME_CLIENTS.contains(&name.as_str()) {
            ClientProfile::ShortNames
        } else if OPENAI_CLIENTS.contains(&family) {
            ClientProfile::OpenAiStrict
        } else {
            ClientProfile::Standard
        }
    }

    /// The tool's name as this profile shows it.
    pub fn tool_name(self, def: &ToolDef) -> Cow<'static, str> {
        match self {
            ClientProfile::ShortNames => Cow::Owned(short_name(def.name)),
            _ => Cow::Borrowed(def.name),
        }
    }

    /// The `tools/list` entry for a tool, from its standard entry.
    pub fn adapt_listing(self, standard: &Map<String, Value>) -> Map<String, Value> {
        let mut listing = standard.clone();
        match self {
            ClientProfile::Standard => {}
            ClientProfile::ShortNames => shorten_names(&mut listing),
            ClientProfile::OpenAiStrict => {
                if let Some(schema) = listing.get_mut("inputSchema") {
                    // A schema strict mode cannot express (a required free-form object below
                    // the arguments' top level; the catalogue has none, a test holds it) is
                    // left as it is: strict clients then call that tool without strict mode.
                    if let Ok(strict) = strict::adapt(schema) {
                        *schema = strict;
                    }
                }
            }
            ClientProfile::Gemini => {
                if let Some(schema) = listing.get_mut("inputSchema") {
                    *schema = gemini::adapt(schema);
                }
            }
        }
        listing
    }

    /// An argument schema as this profile shows it (`get_tool_schema` in discovery mode).
    pub fn adapt_schema(self, schema: &Value) -> Value {
        match self {
            ClientProfile::Standard => schema.clone(),
            ClientProfile::ShortNames => {
                let mut schema = schema.clone();
                shorten_in_value(&mut schema);
                schema
            }
            ClientProfile::OpenAiStrict => strict::adapt(schema).unwrap_or_else(|_| schema.clone()),
            ClientProfile::Gemini => gemini::adapt(schema),
        }
    }

    /// Text the model reads (a description) with tool names in this profile's form.
    pub fn text(self, text: &'static str) -> Cow<'static, str> {
        match self {
            ClientProfile::ShortNames if text.contains(NAME_INFIX) => {
                Cow::Owned(text.replace(NAME_INFIX, "_"))
            }
            _ => Cow::Borrowed(text),
        }
    }
}

/// Which profile an MCP server presents: one fixed profile, or per client, from the name the
/// client gives in `clientInfo` (`auto`, the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ClientChoice {
    #[default]
    Auto,
    Fixed(ClientProfile),
}

impl ClientChoice {
    /// Every accepted value, for help texts and error messages.
    pub const VALUES: [&'static str; 5] =
        ["auto", "standard", "short-names", "openai-strict", "gemini"];

    pub fn parse(text: &str) -> Option<ClientChoice> {
        match text.trim() {
            "auto" => Some(ClientChoice::Auto),
            other => ClientProfile::parse(other).map(ClientChoice::Fixed),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ClientChoice::Auto => "auto",
            ClientChoice::Fixed(profile) => profile.as_str(),
        }
    }

    /// The profile for one client; `client_name` is its `clientInfo.name`, when known.
    pub fn resolve(self, client_name: Option<&str>) -> ClientProfile {
        match self {
            ClientChoice::Fixed(profile) => profile,
            ClientChoice::Auto => {
                client_name.map_or(ClientProfile::Standard, ClientProfile::for_client)
            }
        }
    }
}

impl TryFrom<String> for ClientChoice {
    type Error = String;

    fn try_from(text: String) -> Result<ClientChoice, String> {
        ClientChoice::parse(&text).ok_or_else(|| {
            format!(
                "unknown client profile `{text}`; use one of: {}",
                ClientChoice::VALUES.join(", ")
            )
        })
    }
}

impl From<ClientChoice> for String {
    fn from(choice: ClientChoice) -> String {
        choice.as_str().to_owned()
    }
}

/// A generated name without its `kaseya_bms_` infix.
pub fn short_name(name: &str) -> String {
    name.replacen(NAME_INFIX, "_", 1)
}

/// Rewrites the listing's name and every tool name its texts mention.
fn shorten_names(listing: &mut Map<String, Value>) {
    for value in listing.values_mut() {
        shorten_in_value(value);
    }
}

/// Rewrites tool names in every string of a JSON value. Property names are left alone: they
/// are argument names, never tool names.
fn shorten_in_value(value: &mut Value) {
    match value {
        Value::String(text) if text.contains(NAME_INFIX) => {
            *text = text.replace(NAME_INFIX, "_");
        }
        Value::Array(items) => items.iter_mut().for_each(shorten_in_value),
        Value::Object(members) => members.values_mut().for_each(shorten_in_value),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;
    use serde_json::json;

    #[test]
    fn profiles_round_trip_through_their_names() {
        for profile in ClientProfile::ALL {
            assert_eq!(ClientProfile::parse(profile.as_str()), Some(profile));
            assert_eq!(ClientProfile::ALL[profile.index()], profile);
        }
        assert_eq!(ClientProfile::parse("cursor"), None);
    }

    #[test]
    fn clients_that_cap_names_get_short_names_and_others_the_standard() {
        for name in [
            "cursor-vscode",
            "claude-code",
            "Visual Studio Code",
            " Windsurf ",
        ] {
            assert_eq!(
                ClientProfile::for_client(name),
                ClientProfile::ShortNames,
                "{name}"
            );
        }
        // `mcp` is the Python SDK's default, sent by the OpenAI Agents SDK, LangChain's
        // adapters and FastMCP's client alike: it names no client family.
        for name in [
            "claude-ai",
            "mcp-inspector",
            "",
            "python-sdk",
            "mcp",
            "codex-mcp-client",
            "openai-mcp-proxy",
        ] {
            assert_eq!(
                ClientProfile::for_client(name),
                ClientProfile::Standard,
                "{name}"
            );
        }
    }

    #[test]
    fn openai_clients_get_the_strict_profile() {
        for name in [
            "openai-mcp",
            "OpenAI-MCP",
            "openai-mcp/1.0.0",
            " openai-mcp ",
        ] {
            assert_eq!(
                ClientProfile::for_client(name),
                ClientProfile::OpenAiStrict,
                "{name}"
            );
        }
        assert_eq!(
            ClientChoice::Auto.resolve(Some("openai-mcp")),
            ClientProfile::OpenAiStrict
        );
        assert_eq!(
            ClientChoice::Fixed(ClientProfile::Standard).resolve(Some("openai-mcp")),
            ClientProfile::Standard
        );
    }

    #[test]
    fn short_names_fit_the_tightest_client_budget_and_stay_unique() {
        let catalogue = Catalogue::global();
        let mut seen = std::collections::HashSet::new();
        for tool in catalogue.tools() {
            let short = ClientProfile::ShortNames.tool_name(tool.def);
            // Cursor: server name + tool name <= 60, so a 45-character name leaves 15 for the
            // server's name; Claude Code's `mcp__<server>__<tool>` <= 64 leaves 12.
            assert!(short.len() <= 45, "{short} is {} long", short.len());
            assert!(seen.insert(short.to_string()), "{short} is not unique");
            assert!(
                catalogue
                    .get(&short)
                    .is_some_and(|t| t.def.name == tool.def.name),
                "{short} does not find {}",
                tool.def.name
            );
        }
    }

    #[test]
    fn short_name_listings_mention_only_names_that_exist_in_short_form() {
        let catalogue = Catalogue::global();
        for tool in catalogue.tools() {
            let listing = tool.listing_for(ClientProfile::ShortNames);
            assert!(!listing.contains("kaseya_bms_"), "{}", tool.def.name);
            let parsed: Value = serde_json::from_str(&listing).expect("listing is JSON");
            assert_eq!(
                parsed["inputSchema"]["properties"],
                {
                    let mut standard = tool.input_schema();
                    shorten_in_value(&mut standard);
                    standard["properties"].clone()
                },
                "only strings change"
            );
        }
    }

    #[test]
    fn a_fixed_choice_wins_and_auto_follows_the_client() {
        for value in ClientChoice::VALUES {
            assert_eq!(
                ClientChoice::parse(value).map(ClientChoice::as_str),
                Some(value)
            );
        }
        let fixed = ClientChoice::Fixed(ClientProfile::Gemini);
        assert_eq!(fixed.resolve(Some("cursor-vscode")), ClientProfile::Gemini);
        assert_eq!(
            ClientChoice::Auto.resolve(Some("cursor-vscode")),
            ClientProfile::ShortNames
        );
        assert_eq!(ClientChoice::Auto.resolve(None), ClientProfile::Standard);
        let refused = serde_json::from_value::<ClientChoice>(json!("cursor")).unwrap_err();
        assert!(
            refused.to_string().contains("use one of: auto, standard"),
            "{refused}"
        );
    }
}
