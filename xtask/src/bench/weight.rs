//! Context weight: how much of a model's context a scope's `tools/list` takes, per client
//! profile. Measured over HTTP on a running `serve` (one MCP server per scope and profile,
//! made through the admin API), every page followed. Tokens are estimated as bytes / 4, the
//! usual rule of thumb for English and JSON with OpenAI's and Anthropic's tokenizers; it is an
//! estimate, not a count.
//!
//! `cargo xtask bench --weight` runs only this (seconds, on a debug build too) and writes its
//! section of `BENCHMARKS.md`; the full and quick bench runs include it in their tables.

use anyhow::Context;
use serde_json::{Value, json};

use super::http;
use super::processes;
use crate::served::Server;

/// The client profiles, as the admin API's `config.client` names them.
const PROFILES: [&str; 4] = ["standard", "short-names", "openai-strict", "gemini"];

/// The scopes weighed: label and the `config` that makes them.
fn scopes() -> [(&'static str, Value); 3] {
    [
        (
            "every tool (`tool_exposure: all`)",
            json!({"tool_exposure": "all"}),
        ),
        (
            "service desk reads (`methods: [read], tags: [servicedesk]`)",
            json!({"tool_exposure": "all", "methods": ["read"], "tags": ["servicedesk"]}),
        ),
        (
            "discovery (first-run and console default)",
            json!({"tool_exposure": "discovery"}),
        ),
    ]
}

/// One scope in one profile.
#[derive(Debug, Clone)]
pub struct WeightRow {
    pub scope: &'static str,
    pub profile: &'static str,
    pub tools: usize,
    /// The listed tools as one compact JSON array, what a client hands its model.
    pub bytes: usize,
}

impl WeightRow {
    /// Estimated tokens: bytes / 4.
    pub fn tokens(&self) -> usize {
        self.bytes.div_ceil(4)
    }
}

/// Weighs every scope in every profile on `server`.
pub fn measure(server: &Server) -> anyhow::Result<Vec<WeightRow>> {
    let account = processes::first_account(server)?;
    let mut rows = Vec::new();
    for (scope, config) in scopes() {
        for profile in PROFILES {
            let mut config = config.clone();
            config["client"] = profile.into();
            let body = json!({"name": format!("weight {profile}"), "config": config});
            let path = format!("/integrated-account/{account}/mcp");
            let created = processes::admin_call(server, "POST", &path, Some(body))?;
            let url = created
                .get("url")
                .and_then(Value::as_str)
                .with_context(|| format!("creating an MCP server answered {created}"))?;
            let tools = all_tools(url)?;
            rows.push(WeightRow {
                scope,
                profile,
                tools: tools.len(),
                bytes: Value::Array(tools).to_string().len(),
            });
        }
    }
    Ok(rows)
}

/// Every tool `url` lists, following `nextCursor`.
fn all_tools(url: &str) -> anyhow::Result<Vec<Value>> {
    let mut tools = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let params = match &cursor {
            Some(c) => json!({"cursor": c}),
            None => json!({}),
        };
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": params});
        let reply = http::send(
            "POST",
            url,
            &[
                ("Content-Type", "application/json"),
                ("Accept", "application/json, text/event-stream"),
            ],
            body.to_string().as_bytes(),
        )?
        .json()?;
        let page = reply
            .pointer("/result/tools")
            .and_then(Value::as_array)
            .with_context(|| format!("tools/list answered {reply}"))?;
        tools.extend(page.iter().cloned());
        match reply.pointer("/result/nextCursor").and_then(Value::as_str) {
            Some(next) => cursor = Some(next.to_owned()),
            None => return Ok(tools),
        }
    }
}

/// The Markdown section: the table and how it was measured.
pub fn markdown(rows: &[WeightRow]) -> String {
    let mut md = String::from(
        "## Context weight\n\n`tools/list` as a model receives it: every page, the tools as one \
         compact JSON array, per client profile. Tokens are estimated as bytes / 4 (not a \
         tokenizer count). Written by `cargo xtask bench` and `cargo xtask bench --weight`.\n\n\
         | scope | profile | tools | bytes | est. tokens |\n|---|---|---|---|---|\n",
    );
    for row in rows {
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            row.scope,
            row.profile,
            row.tools,
            thousands(row.bytes),
            thousands(row.tokens())
        ));
    }
    md
}

/// `1234567` as `1,234,567`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_shows_bytes_and_a_quarter_of_them_as_tokens() {
        let md = markdown(&[WeightRow {
            scope: "every tool",
            profile: "standard",
            tools: 414,
            bytes: 1_262_001,
        }]);
        assert!(
            md.contains("| every tool | standard | 414 | 1,262,001 | 315,501 |"),
            "{md}"
        );
    }
}
