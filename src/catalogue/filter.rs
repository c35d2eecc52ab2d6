//! Which tools an MCP server exposes: method classes or individual verbs, and tags.

use serde::{Deserialize, Serialize};

use super::def::ToolDef;

/// A tool scope, as stored with an MCP server and given to `bms-mcp tools`.
///
/// A tool is in scope when it passes both filters (AND): its method class or verb is in
/// `methods`, and one of its tags is in `tags`. An empty list does not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolFilter {
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

impl ToolFilter {
    /// Whether `tool` is in scope.
    pub fn allows(&self, tool: &ToolDef) -> bool {
        let method_ok = self.methods.is_empty()
            || self
                .methods
                .iter()
                .any(|m| m == tool.class.as_str() || m == tool.verb);
        let tag_ok =
            self.tags.is_empty() || tool.tags.iter().any(|t| self.tags.iter().any(|s| s == t));
        method_ok && tag_ok
    }
}
