//! Sections of `BENCHMARKS.md` owned by the harnesses other than `bench` (`crash`, `tokens`).
//! Each lives between its own pair of markers below the bench's notes marker, so `cargo xtask
//! bench` keeps them as notes and each harness rewrites only its own.

use std::path::Path;

use anyhow::Context;

/// Replaces the section `name` of `BENCHMARKS.md` with `body`, or appends it when absent.
pub fn write(root: &Path, name: &str, body: &str) -> anyhow::Result<()> {
    let path = root.join("BENCHMARKS.md");
    let existing = std::fs::read_to_string(&path).unwrap_or_default();
    std::fs::write(&path, replaced(&existing, name, body))
        .with_context(|| format!("writing {}", path.display()))
}

fn markers(name: &str) -> (String, String) {
    (
        format!("<!-- {name}: written by `cargo xtask {name}` -->"),
        format!("<!-- /{name} -->"),
    )
}

/// `existing` with the section `name` holding `body`.
fn replaced(existing: &str, name: &str, body: &str) -> String {
    let (begin, end) = markers(name);
    let section = format!("{begin}\n{}\n{end}", body.trim_end());
    if let Some((before, rest)) = existing.split_once(&begin)
        && let Some((_, after)) = rest.split_once(&end)
    {
        return format!("{before}{section}{after}");
    }
    format!("{}\n\n{section}\n", existing.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_section_is_appended_and_a_present_one_replaced_in_place() {
        let first = replaced("# Benchmarks\n\nnotes\n", "crash", "## Crash\nround 1");
        assert!(first.starts_with("# Benchmarks\n\nnotes\n\n<!-- crash: written"));
        let again = replaced(
            &format!("{first}\n## Later notes\n"),
            "crash",
            "## Crash\nround 2",
        );
        assert!(
            again.contains("round 2") && !again.contains("round 1"),
            "{again}"
        );
        assert!(
            again.ends_with("<!-- /crash -->\n\n## Later notes\n"),
            "{again}"
        );
        let other = replaced(&again, "tokens", "## Tokens");
        assert!(other.contains("round 2") && other.contains("## Tokens"));
    }
}
