//! `cargo xtask gen [--check] [--deny-breaking] [--json]`: regenerate `generated/` and review
//! what the regeneration changes for agents.
//!
//! The committed `generated/catalogue.json` is read before anything is written; the report
//! compares it with the new catalogue and, when the catalogue changed, is also written to
//! `generated/CHANGES.md`. That file is a review artifact: it describes the last regeneration
//! that changed the catalogue, so the freshness check (`--check`, `build.rs`) ignores it and a
//! regeneration that changes nothing keeps it.

use std::path::Path;

use anyhow::{Context, bail};
use bms_mcp_codegen::diff::diff;
use bms_mcp_codegen::snapshot::SNAPSHOT_FILE;
use bms_mcp_codegen::{
    CHANGES_FILE, CatalogueSnapshot, GENERATED_DIR, GeneratedFile, committed_snapshot, coverage,
    generate, lenient_snapshot, spec, stale_files, write_files,
};

use crate::cli::Flags;
use crate::report::{self, Console, Format, Review};

const USAGE: &str = "usage: cargo xtask gen [--check] [--deny-breaking] [--json]";

pub fn run(root: &Path, args: &[String], console: &mut Console<'_>) -> anyhow::Result<()> {
    let flags = Flags::parse(args, &["--check", "--deny-breaking", "--json"], 0, USAGE)?;
    let (check, deny) = (flags.has("--check"), flags.has("--deny-breaking"));
    let format = if flags.has("--json") {
        Format::Json
    } else {
        Format::Terminal
    };
    let old = committed(root, console, format)?;
    let (catalogue, files) = match generate(root) {
        Ok(generated) => generated,
        Err(error) => {
            // Say what the spec change does before refusing: the report names the records that
            // no longer fit, which is where the fix goes.
            let spec_path = root.join(spec::SPEC_PATH);
            if let (Some(old), Ok(new)) = (&old, lenient_snapshot(root, &spec_path)) {
                report::print(console, &Review::Diff(&diff(old, &new)), format)?;
            }
            return Err(error).context("generation failed");
        }
    };
    let new = snapshot_in(&files)?;
    let changes = old.as_ref().map(|old| diff(old, &new));
    let review = match &changes {
        Some(changes) => Review::Diff(changes),
        None => Review::Baseline(&new),
    };
    let stale = stale_files(root, &files);

    if check {
        if stale.is_empty() {
            let status = console.status(format);
            writeln!(
                status,
                "generated/ is up to date ({} tools)",
                catalogue.tools.len()
            )?;
            return Ok(());
        }
        if old.as_ref() != Some(&new) {
            report::print(console, &review, format)?;
        }
        report::deny_breaking(&review, deny)?;
        let list: Vec<String> = stale.iter().map(|p| format!("  {}", p.display())).collect();
        bail!(
            "generated/ is stale; run `cargo xtask gen` and commit:\n{}",
            list.join("\n")
        );
    }

    if let Err(denied) = report::deny_breaking(&review, deny) {
        report::print(console, &review, format)?;
        writeln!(console.status(format), "generated/ left as it was")?;
        return Err(denied);
    }
    write_files(root, &files).context("writing generated/")?;
    let changes_path = Path::new(GENERATED_DIR).join(CHANGES_FILE);
    if old.as_ref() != Some(&new) {
        let markdown = report::markdown(&review, true);
        std::fs::write(root.join(&changes_path), markdown)
            .with_context(|| format!("writing {}", changes_path.display()))?;
    }
    let status = console.status(format);
    write!(status, "{}", coverage::summary(&catalogue))?;
    if stale.is_empty() {
        writeln!(status, "generated/ unchanged")?;
    } else {
        for path in &stale {
            writeln!(status, "wrote {}", path.display())?;
        }
    }
    if old.as_ref() != Some(&new) {
        writeln!(status, "wrote {}", changes_path.display())?;
    }
    writeln!(status)?;
    report::print(console, &review, format)?;
    Ok(())
}

/// The committed snapshot; one that cannot be read is reported and treated as absent, so that
/// the regeneration writes a fresh baseline.
pub fn committed(
    root: &Path,
    console: &mut Console<'_>,
    format: Format,
) -> anyhow::Result<Option<CatalogueSnapshot>> {
    match committed_snapshot(root) {
        Ok(snapshot) => Ok(snapshot),
        Err(error) => {
            writeln!(
                console.status(format),
                "warning: {error}; comparing with nothing"
            )?;
            Ok(None)
        }
    }
}

/// The new snapshot, read back from the generated file so the report and the file agree.
fn snapshot_in(files: &[GeneratedFile]) -> anyhow::Result<CatalogueSnapshot> {
    let file = files
        .iter()
        .find(|f| f.path.ends_with(SNAPSHOT_FILE))
        .context("generation produced no catalogue.json")?;
    Ok(CatalogueSnapshot::from_json(
        &file.contents,
        &file.path.display().to_string(),
    )?)
}
