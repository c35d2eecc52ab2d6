//! The bms-mcp generator: the vendored BMS OpenAPI spec plus our documentation records in,
//! the MCP tool catalogue out (Rust source under `generated/`, `generated/COVERAGE.md` and the
//! catalogue as data, `generated/catalogue.json`), and the change report between two catalogues.
//!
//! Used by `build.rs` (to refuse stale output) and by `cargo xtask gen` (to write it). It does
//! no network I/O and reads nothing outside the repository's `spec/` folder.

// Generator errors carry the record location for their message; they are rare and off any hot
// path, so their size does not matter.
#![allow(clippy::result_large_err)]

pub mod catalogue;
pub mod conveniences;
pub mod coverage;
pub mod diff;
pub mod error;
pub mod naming;
pub mod records;
pub mod schema;
pub mod snapshot;
pub mod spec;

#[cfg(feature = "emit")]
pub mod emit;
#[cfg(feature = "emit")]
mod files;

pub use catalogue::{Catalogue, ToolModel};
pub use error::GenError;
#[cfg(feature = "emit")]
pub use files::{CHANGES_FILE, GeneratedFile, generate, stale_files, write_files};
pub use snapshot::{CatalogueSnapshot, SnapshotError};
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

/// Loads the spec at `spec_path` and the records under `root` leniently (records that no longer
/// fit are set aside, not refused) and snapshots the result, for change reports.
pub fn lenient_snapshot(
    root: &std::path::Path,
    spec_path: &std::path::Path,
) -> Result<CatalogueSnapshot, GenError> {
    let bytes = std::fs::read(spec_path).map_err(|e| GenError::io(spec_path, e))?;
    let text = String::from_utf8_lossy(&bytes);
    let spec = Spec::parse(&text, spec_path)?;
    let records = records::load_dir(&root.join(RECORDS_DIR), root)?;
    let (catalogue, unbuilt) = Catalogue::build_lenient(&spec, &records)?;
    Ok(CatalogueSnapshot::of(
        &catalogue,
        &unbuilt,
        &snapshot::sha256_hex(&bytes),
    ))
}

/// The committed `generated/catalogue.json` under `root`: `Ok(None)` when there is none.
pub fn committed_snapshot(
    root: &std::path::Path,
) -> Result<Option<CatalogueSnapshot>, SnapshotError> {
    let path = std::path::Path::new(GENERATED_DIR).join(snapshot::SNAPSHOT_FILE);
    match std::fs::read_to_string(root.join(&path)) {
        Ok(text) => CatalogueSnapshot::from_json(&text, &path.display().to_string()).map(Some),
        Err(_) => Ok(None),
    }
}
