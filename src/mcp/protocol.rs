//! Protocol revisions we speak and what we say about ourselves at initialization.

use serde_json::{Value, json};

/// Revisions served statelessly, request by request (no `initialize`), newest first.
pub const MODERN_VERSIONS: &[&str] = &["2026-07-28"];

/// Revisions negotiated through `initialize`, newest first.
pub const SUPPORTED_VERSIONS: &[&str] = &["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];

/// The revision we answer with when a client asks for one we do not speak.
pub const LATEST_VERSION: &str = "2025-11-25";

/// The revision assumed for HTTP requests that carry no `MCP-Protocol-Version` header (the
/// transport specification says to assume 2025-03-26).
pub const ASSUMED_HTTP_VERSION: &str = "2025-03-26";

/// The version to answer `initialize` with: the client's if we speak it, else our latest.
pub fn negotiate(requested: Option<&str>) -> &'static str {
    requested
        .and_then(|r| SUPPORTED_VERSIONS.iter().find(|v| **v == r).copied())
        .unwrap_or(LATEST_VERSION)
}

/// Whether a version string is one we speak through `initialize`.
pub fn is_supported(version: &str) -> bool {
    SUPPORTED_VERSIONS.contains(&version)
}

/// Whether a version string is a modern (per-request) one we speak.
pub fn is_modern(version: &str) -> bool {
    MODERN_VERSIONS.contains(&version)
}

/// Every version we speak, newest first.
pub fn all_versions() -> Vec<&'static str> {
    MODERN_VERSIONS
        .iter()
        .chain(SUPPORTED_VERSIONS)
        .copied()
        .collect()
}

/// How long a modern client may reuse a `tools/list` or `server/discover` answer. A scope can be
/// changed by an administrator, so not for long.
pub const LIST_TTL_MS: u64 = 60_000;

/// Who we are, as the `_meta` of every modern result carries it.
pub fn server_info() -> Value {
    json!({"name": "bms-mcp", "title": "Kaseya BMS", "version": env!("CARGO_PKG_VERSION")})
}

/// The `server/discover` result (2026-07-28). `private`: the tool scope depends on the URL.
pub fn discover_result() -> Value {
    json!({
        "supportedVersions": all_versions(),
        "capabilities": capabilities(),
        "instructions": INSTRUCTIONS,
        "ttlMs": LIST_TTL_MS,
        "cacheScope": "private",
    })
}

/// How to work with this server, for the model (`instructions` in the initialize result).
pub const INSTRUCTIONS: &str = "Tools for Kaseya BMS, the PSA of a managed service provider: service desk tickets, CRM accounts, contacts and opportunities, IT Glue documentation, QuickBooks sync and reference-data lookups. BMS wants numeric IDs where people use names: find IDs with the `..._lookup` tools first (queues, statuses, priorities, issue types, assignees, accounts). List tools answer one page; when an answer has `next_cursor`, pass it back unchanged as `cursor` to get the next page. Write tools change the live service desk, and some notify customers: say what you will change before you do it.";

/// What we serve: tools, the workflows as prompts, the reference data as resources,
/// completions for prompt arguments, and log messages during calls. None of the lists changes
/// while a server runs.
pub fn capabilities() -> Value {
    json!({
        "logging": {},
        "tools": {"listChanged": false},
        "prompts": {"listChanged": false},
        "resources": {"listChanged": false, "subscribe": false},
        "completions": {},
    })
}

/// The `initialize` result for a negotiated version.
pub fn initialize_result(version: &str) -> Value {
    json!({
        "protocolVersion": version,
        "capabilities": capabilities(),
        "serverInfo": server_info(),
        "instructions": INSTRUCTIONS,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_supported_version_is_echoed_and_others_get_the_latest() {
        assert_eq!(negotiate(Some("2025-03-26")), "2025-03-26");
        assert_eq!(negotiate(Some("2024-11-05")), "2024-11-05");
        assert_eq!(negotiate(Some("1999-01-01")), LATEST_VERSION);
        assert_eq!(negotiate(None), LATEST_VERSION);
    }
}
