//! `cargo xtask gen [--check]`.

use std::path::Path;

use anyhow::{Context, bail};
use bms_mcp_codegen::{coverage, generate, stale_files, write_files};

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        other => bail!("unexpected arguments {other:?}; usage: cargo xtask gen [--check]"),
    };
    let (catalogue, files) = generate(root).context("generation failed")?;
    let stale = stale_files(root, &files);
    if check {
        if stale.is_empty() {
            println!("generated/ is up to date ({} tools)", catalogue.tools.len());
            return Ok(());
        }
        let list: Vec<String> = stale.iter().map(|p| format!("  {}", p.display())).collect();
        bail!(
            "generated/ is stale; run `cargo xtask gen` and commit:\n{}",
            list.join("\n")
        );
    }
    write_files(root, &files).context("writing generated/")?;
    print!("{}", coverage::summary(&catalogue));
    if stale.is_empty() {
        println!("generated/ unchanged");
    } else {
        for path in &stale {
            println!("wrote {}", path.display());
        }
    }
    Ok(())
}
