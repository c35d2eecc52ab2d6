//! Refuses to build when `generated/` does not match `spec/`: the catalogue compiled into the
//! binary must be the one the spec and records describe. It checks, never writes: regenerating
//! is `cargo xtask gen`, so the diff is reviewed and committed.

use std::path::Path;

fn main() {
    println!("cargo::rerun-if-changed=spec");
    println!("cargo::rerun-if-changed=generated");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = match bms_mcp_codegen::generate(root) {
        Ok((_, files)) => files,
        Err(error) => {
            println!("cargo::error=spec/ has a problem: {error}");
            return;
        }
    };
    let stale = bms_mcp_codegen::stale_files(root, &files);
    if !stale.is_empty() {
        let list: Vec<String> = stale.iter().map(|p| p.display().to_string()).collect();
        println!(
            "cargo::error=generated/ is stale ({}); run `cargo xtask gen` and commit",
            list.join(", ")
        );
    }
}
