//! `cargo xtask spec diff OLD NEW` and `cargo xtask spec update PATH`: what a new BMS spec does
//! to the tool catalogue, before and while vendoring it.

use std::path::Path;

use anyhow::{Context, bail};
use bms_mcp_codegen::diff::diff;
use bms_mcp_codegen::snapshot::sha256_hex;
use bms_mcp_codegen::{CatalogueSnapshot, Spec, lenient_snapshot, spec};

use crate::cli::Flags;
use crate::gen_cmd;
use crate::report::{self, Console, Format, Review};
use crate::spec_readme;

const USAGE: &str = "usage:
  cargo xtask spec diff OLD NEW [--deny-breaking] [--json] [--markdown]
  cargo xtask spec update PATH [--deny-breaking] [--json]";

pub fn run(root: &Path, args: &[String], console: &mut Console<'_>) -> anyhow::Result<()> {
    match args.first().map(String::as_str) {
        Some("diff") => diff_specs(root, &args[1..], console),
        Some("update") => update(root, &args[1..], console),
        _ => bail!("{USAGE}"),
    }
}

/// Compares two specs (or committed `catalogue.json` snapshots), each joined with the records
/// in `spec/docs/`. Writes nothing.
fn diff_specs(root: &Path, args: &[String], console: &mut Console<'_>) -> anyhow::Result<()> {
    let known = ["--deny-breaking", "--json", "--markdown"];
    let flags = Flags::parse(args, &known, 2, USAGE)?;
    let format = if flags.has("--json") {
        Format::Json
    } else if flags.has("--markdown") {
        Format::Markdown
    } else {
        Format::Terminal
    };
    let old = side(root, Path::new(&flags.positional[0]))?;
    let new = side(root, Path::new(&flags.positional[1]))?;
    let changes = diff(&old, &new);
    let review = Review::Diff(&changes);
    report::print(console, &review, format)?;
    report::deny_breaking(&review, flags.has("--deny-breaking"))
}

/// One side of a diff: a catalogue snapshot as it is, or a spec joined with the records.
fn side(root: &Path, path: &Path) -> anyhow::Result<CatalogueSnapshot> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    if CatalogueSnapshot::is_snapshot(&text) {
        return Ok(CatalogueSnapshot::from_json(
            &text,
            &path.display().to_string(),
        )?);
    }
    Ok(lenient_snapshot(root, path)?)
}

/// Validates a new spec, vendors it, records its sha256 and date, regenerates and reports.
/// With `--deny-breaking`, a breaking report leaves the tree untouched.
fn update(root: &Path, args: &[String], console: &mut Console<'_>) -> anyhow::Result<()> {
    let flags = Flags::parse(args, &["--deny-breaking", "--json"], 1, USAGE)?;
    let format = if flags.has("--json") {
        Format::Json
    } else {
        Format::Terminal
    };
    let source = Path::new(&flags.positional[0]);
    let bytes =
        std::fs::read(source).with_context(|| format!("cannot read {}", source.display()))?;
    let text = std::str::from_utf8(&bytes)
        .with_context(|| format!("{} is not UTF-8 text", source.display()))?;
    let candidate = Spec::parse(text, source)?;
    let operations = candidate.operations()?.len();

    let vendored = root.join(spec::SPEC_PATH);
    let old = match gen_cmd::committed(root, console, format)? {
        Some(snapshot) => snapshot,
        None => lenient_snapshot(root, &vendored)?,
    };
    let new = lenient_snapshot(root, source)?;
    let changes = diff(&old, &new);
    let review = Review::Diff(&changes);
    if let Err(denied) = report::deny_breaking(&review, flags.has("--deny-breaking")) {
        report::print(console, &review, format)?;
        writeln!(
            console.status(format),
            "spec/ and generated/ left as they were"
        )?;
        return Err(denied);
    }

    std::fs::write(&vendored, &bytes).with_context(|| format!("writing {}", vendored.display()))?;
    let readme = root.join("spec/README.md");
    let stats = spec_readme::SpecStats {
        sha256: sha256_hex(&bytes),
        date: spec_readme::today(),
        paths: candidate.doc.paths.paths.len(),
        operations,
        schemas: candidate
            .doc
            .components
            .as_ref()
            .map_or(0, |c| c.schemas.len()),
    };
    let current = std::fs::read_to_string(&readme).unwrap_or_default();
    std::fs::write(&readme, spec_readme::record(&current, &stats))
        .with_context(|| format!("writing {}", readme.display()))?;
    writeln!(
        console.status(format),
        "vendored {} as {} (sha256 {}); recorded in spec/README.md",
        source.display(),
        spec::SPEC_PATH,
        stats.sha256
    )?;

    let gen_args: Vec<String> = if format == Format::Json {
        vec!["--json".to_owned()]
    } else {
        Vec::new()
    };
    gen_cmd::run(root, &gen_args, console).context(
        "the new spec is vendored, but generation failed: update the records named above, then run `cargo xtask gen`",
    )
}
