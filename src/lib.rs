//! bms-mcp: an MCP gateway for Kaseya BMS.
//!
//! The tool catalogue is generated at build time from the vendored BMS OpenAPI spec and our
//! documentation records (`codegen/`, output in `generated/`). At run time the server speaks
//! MCP to agents (`transport`, `mcp`), checks who may reach which MCP server (`access`), turns
//! each tool call into BMS requests (`call`), and talks to BMS for each integrated account
//! (`bms`). `app` composes the process.

// axum handlers return `Result<_, Response>` to answer early; a response is large, and boxing it
// on every refusal would buy nothing.
#![allow(clippy::result_large_err)]

pub mod access;
pub mod admin;
pub mod app;
pub mod bms;
pub mod call;
pub mod catalogue;
pub mod cli;
pub mod config;
pub mod console;
pub mod manage;
pub mod mcp;
pub mod oauth;
pub mod observe;
pub mod store;
pub mod text;
pub mod transport;
