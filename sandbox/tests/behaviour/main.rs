//! Behaviour tests of the sandbox over real HTTP, one behaviour per test, grouped by area.

#[path = "../common/mod.rs"]
mod common;

mod auth;
mod faults;
mod inspection;
mod rate_limits;
mod records;
mod tickets;
mod validation;
