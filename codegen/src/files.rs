//! The generated tree as files: produce it, compare it with what is on disk, write it.
//!
//! `generated/CHANGES.md` is the one file here that generation does not produce: it is the
//! review report of the last regeneration that changed the catalogue, written by
//! `cargo xtask gen` from the committed `catalogue.json` before it is replaced. It depends on
//! history, not on `spec/`, so the freshness check ignores it and regeneration keeps it.

use std::path::{Path, PathBuf};

use crate::catalogue::Catalogue;
use crate::coverage::coverage_markdown;
use crate::emit;
use crate::error::GenError;
use crate::snapshot::{CatalogueSnapshot, SNAPSHOT_FILE, sha256_hex};
use crate::{GENERATED_DIR, spec};

/// The review report's file name in `generated/`; never produced by [`generate`], never stale.
pub const CHANGES_FILE: &str = "CHANGES.md";

/// One output file, path relative to the repository root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: PathBuf,
    pub contents: String,
}

/// Everything `generated/` should hold for the spec and records under `root`.
pub fn generate(root: &Path) -> Result<(Catalogue, Vec<GeneratedFile>), GenError> {
    let spec_path = root.join(spec::SPEC_PATH);
    let spec_bytes = std::fs::read(&spec_path).map_err(|e| GenError::io(&spec_path, e))?;
    let sha = sha256_hex(&spec_bytes);
    let (_, catalogue) = crate::load_catalogue(root)?;
    let dir = PathBuf::from(GENERATED_DIR);
    let mut files = vec![
        GeneratedFile {
            path: dir.join("mod.rs"),
            contents: emit::mod_file(&catalogue, &sha),
        },
        GeneratedFile {
            path: dir.join("COVERAGE.md"),
            contents: coverage_markdown(&catalogue),
        },
        GeneratedFile {
            path: dir.join(SNAPSHOT_FILE),
            contents: CatalogueSnapshot::of(&catalogue, &[], &sha).to_json(),
        },
    ];
    for group in emit::groups(&catalogue) {
        files.push(GeneratedFile {
            path: dir.join(format!("{group}.rs")),
            contents: emit::group_file(&catalogue, &group),
        });
    }
    Ok((catalogue, files))
}

/// Files that differ from `files`, are missing, or are in `generated/` without being produced
/// (`CHANGES.md` excepted).
pub fn stale_files(root: &Path, files: &[GeneratedFile]) -> Vec<PathBuf> {
    let mut stale: Vec<PathBuf> = files
        .iter()
        .filter(|f| {
            std::fs::read_to_string(root.join(&f.path)).ok().as_deref() != Some(f.contents.as_str())
        })
        .map(|f| f.path.clone())
        .collect();
    stale.extend(extra_files(root, files));
    stale
}

/// Writes `files` and removes anything else in `generated/` but `CHANGES.md`.
pub fn write_files(root: &Path, files: &[GeneratedFile]) -> Result<(), GenError> {
    let dir = root.join(GENERATED_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| GenError::io(&dir, e))?;
    for extra in extra_files(root, files) {
        let path = root.join(extra);
        std::fs::remove_file(&path).map_err(|e| GenError::io(&path, e))?;
    }
    for file in files {
        let path = root.join(&file.path);
        let unchanged =
            std::fs::read_to_string(&path).ok().as_deref() == Some(file.contents.as_str());
        if !unchanged {
            std::fs::write(&path, &file.contents).map_err(|e| GenError::io(&path, e))?;
        }
    }
    Ok(())
}

fn extra_files(root: &Path, files: &[GeneratedFile]) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root.join(GENERATED_DIR)) else {
        return Vec::new();
    };
    let mut extra: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| PathBuf::from(GENERATED_DIR).join(e.file_name()))
        .filter(|p| !files.iter().any(|f| &f.path == p))
        .filter(|p| p.file_name().is_none_or(|name| name != CHANGES_FILE))
        .collect();
    extra.sort();
    extra
}
