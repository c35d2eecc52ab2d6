//! The tools one MCP URL may use, and how it offers them: a filter over the catalogue,
//! resolved once per server.

use super::{Catalogue, ClientChoice, Tool, ToolFilter};

/// How an MCP server offers its tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolExposure {
    /// Every tool in scope is listed.
    #[default]
    All,
    /// Three meta-tools (search, schema, call) stand in for the list.
    Discovery,
}

/// The tools one MCP URL may use: a filter over the catalogue, resolved once.
pub struct McpScope {
    pub filter: ToolFilter,
    pub exposure: ToolExposure,
    /// How tools are presented to each client.
    pub client: ClientChoice,
    /// Whether calls that change or notify wait for the user's confirmation (elicitation).
    pub confirm_writes: bool,
    tools: Vec<&'static Tool>,
}

impl McpScope {
    pub fn new(filter: ToolFilter, exposure: ToolExposure) -> McpScope {
        let tools = Catalogue::global()
            .tools()
            .iter()
            .filter(|t| filter.allows(t.def))
            .collect();
        McpScope {
            filter,
            exposure,
            client: ClientChoice::Auto,
            confirm_writes: false,
            tools,
        }
    }

    /// The same scope, asking the user before calls that change or notify when `confirm`.
    pub fn with_confirm_writes(mut self, confirm: bool) -> McpScope {
        self.confirm_writes = confirm;
        self
    }

    /// The same scope presented with `client`'s profile.
    pub fn with_client(mut self, client: ClientChoice) -> McpScope {
        self.client = client;
        self
    }

    /// The tools in scope, catalogue order.
    pub fn tools(&self) -> &[&'static Tool] {
        &self.tools
    }

    /// A tool by name, only if it is in scope: anything else is unknown to this URL.
    pub fn find(&self, name: &str) -> Option<&'static Tool> {
        Catalogue::global()
            .get(name)
            .filter(|t| self.filter.allows(t.def))
    }
}
