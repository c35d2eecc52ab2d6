//! The bms-mcp generator: the vendored BMS OpenAPI spec plus our documentation records in,
//! the MCP tool catalogue out (Rust source under `generated/` and `generated/COVERAGE.md`).
//!
//! Used by `build.rs` (to refuse stale output) and by `cargo xtask gen` (to write it). It does
//! no network I/O and reads nothing outside the repository's `spec/` folder.

// Generator errors carry the record location for their message; they are rare and off any hot
// path, so their size does not matter.
#![allow(clippy::result_large_err)]

pub mod catalogue;
pub mod coverage;
pub mod error;
pub mod naming;
pub mod records;
pub mod schema;
pub mod spec;

#[cfg(feature = "emit")]
pub mod emit;
#[cfg(feature = "emit")]
mod files;

pub use catalogue::{Catalogue, ToolModel};
pub use error::GenError;
#[cfg(feature = "emit")]
pub use files::{GeneratedFile, generate, stale_files, write_files};
pub use spec::Spec;

/// Where the documentation records live, relative to the repository root.
pub const RECORDS_DIR: &str = "spec/docs";
/// Where generated output lives, relative to the repository root.
pub const GENERATED_DIR: &str = "generated";

/// Loads the spec and records under `root` and builds the catalogue.
pub fn load_catalogue(root: &std::path::Path) -> Result<(Spec, Catalogue), GenError> {
    let spec = Spec::load(&root.join(spec::SPEC_PATH))?;
    let records = records::load_dir(&root.join(RECORDS_DIR), root)?;
    let catalogue = Catalogue::build(&spec, &records)?;
    Ok((spec, catalogue))
}
