//! How a catalogue change report is shown: in a terminal (grouped by tool, coloured when stdout
//! is one), as Markdown for a pull request (`generated/CHANGES.md`), or as JSON for tools.

use std::io::Write;

use bms_mcp_codegen::CatalogueSnapshot;
use bms_mcp_codegen::diff::{CatalogueDiff, Change, Severity};

/// Where a command writes: the report on `out`, progress on `err` when `out` carries JSON.
pub struct Console<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    /// Whether `out` is a terminal that takes ANSI colours.
    pub colour: bool,
}

impl Console<'_> {
    /// The stream for progress lines: `out`, unless `out` must hold nothing but JSON.
    pub fn status(&mut self, format: Format) -> &mut dyn Write {
        match format {
            Format::Json => &mut *self.err,
            _ => &mut *self.out,
        }
    }
}

/// The report's form, chosen by `--json` / `--markdown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Terminal,
    Markdown,
    Json,
}

/// The error `--deny-breaking` ends a command with; `main` turns it into exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{count} breaking change{} (--deny-breaking)", if *.count == 1 { "" } else { "s" })]
pub struct BreakingDenied {
    pub count: usize,
}

/// What a run compared: two catalogues, or a new one with nothing before it.
pub enum Review<'a> {
    Diff(&'a CatalogueDiff),
    Baseline(&'a CatalogueSnapshot),
}

/// Writes the report in `format`.
pub fn print(
    console: &mut Console<'_>,
    review: &Review<'_>,
    format: Format,
) -> std::io::Result<()> {
    let text = match format {
        Format::Terminal => terminal(review, console.colour),
        Format::Markdown => markdown(review, false),
        Format::Json => json(review),
    };
    console.out.write_all(text.as_bytes())
}

/// Fails with [`BreakingDenied`] when `deny` is set and the review has a breaking change.
pub fn deny_breaking(review: &Review<'_>, deny: bool) -> anyhow::Result<()> {
    match review {
        Review::Diff(diff) if deny && diff.breaking() > 0 => Err(BreakingDenied {
            count: diff.breaking(),
        }
        .into()),
        _ => Ok(()),
    }
}

const RED: &str = "\x1b[1;31m";
const GREEN: &str = "\x1b[32m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// One line per change, a blank line between subjects.
pub fn terminal(review: &Review<'_>, colour: bool) -> String {
    let paint = |code: &str, text: &str| {
        if colour {
            format!("{code}{text}{RESET}")
        } else {
            text.to_owned()
        }
    };
    let diff = match review {
        Review::Baseline(snapshot) => return format!("{}\n", baseline_sentence(snapshot)),
        Review::Diff(diff) => diff,
    };
    if diff.changes.is_empty() {
        return format!("No catalogue changes{}.\n", spec_change(diff));
    }
    let mut out = format!(
        "{}{}: {}, {}\n",
        paint(BOLD, "Catalogue changes"),
        spec_change(diff),
        paint(RED, &format!("{} breaking", diff.breaking())),
        paint(GREEN, &format!("{} compatible", diff.compatible())),
    );
    let mut subject = "";
    for change in &diff.changes {
        if change.subject != subject {
            out.push('\n');
            subject = &change.subject;
        }
        let severity = match change.severity {
            Severity::Breaking => paint(RED, "(breaking)"),
            Severity::Compatible => paint(GREEN, "(compatible)"),
        };
        out.push_str(&format!(
            "{}: {} {severity}\n",
            paint(BOLD, &change.subject),
            change.message
        ));
    }
    out
}

/// Markdown: breaking changes first, each a bullet naming its tool. `preamble` adds the
/// comment `generated/CHANGES.md` starts with.
pub fn markdown(review: &Review<'_>, preamble: bool) -> String {
    let mut out = String::new();
    if preamble {
        out.push_str("<!-- Written by `cargo xtask gen` when the catalogue changes: the review report of that regeneration. Not checked by `gen --check`. -->\n");
    }
    out.push_str("# Catalogue changes\n\n");
    let diff = match review {
        Review::Baseline(snapshot) => {
            out.push_str(&baseline_sentence(snapshot));
            out.push('\n');
            return out;
        }
        Review::Diff(diff) => diff,
    };
    if diff.changes.is_empty() {
        out.push_str(&format!("No changes to the tools{}.\n", spec_change(diff)));
        return out;
    }
    out.push_str(&format!(
        "{} breaking, {} compatible{}.\n",
        diff.breaking(),
        diff.compatible(),
        spec_change(diff)
    ));
    for (severity, heading) in [
        (Severity::Breaking, "Breaking"),
        (Severity::Compatible, "Compatible"),
    ] {
        let changes: Vec<&Change> = diff
            .changes
            .iter()
            .filter(|c| c.severity == severity)
            .collect();
        if changes.is_empty() {
            continue;
        }
        out.push_str(&format!("\n## {heading}\n\n"));
        for change in changes {
            out.push_str(&format!("- `{}`: {}\n", change.subject, change.message));
        }
    }
    out
}

/// The report as one JSON document.
pub fn json(review: &Review<'_>) -> String {
    let value = match review {
        Review::Diff(diff) => serde_json::json!({
            "old_spec_sha256": diff.old_spec_sha256,
            "new_spec_sha256": diff.new_spec_sha256,
            "breaking": diff.breaking(),
            "compatible": diff.compatible(),
            "changes": diff.changes,
        }),
        Review::Baseline(snapshot) => serde_json::json!({
            "baseline": true,
            "new_spec_sha256": snapshot.spec_sha256,
            "tools": snapshot.tools.len(),
            "changes": [],
        }),
    };
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

fn baseline_sentence(snapshot: &CatalogueSnapshot) -> String {
    format!(
        "No earlier generated/catalogue.json to compare with: this catalogue ({} tools, spec {}) is the baseline for the next report.",
        snapshot.tools.len(),
        short(&snapshot.spec_sha256)
    )
}

/// ` (spec 889161ef → 0a1b2c3d)` when the spec file changed.
fn spec_change(diff: &CatalogueDiff) -> String {
    if diff.old_spec_sha256 == diff.new_spec_sha256 {
        String::new()
    } else {
        format!(
            " (spec {} → {})",
            short(&diff.old_spec_sha256),
            short(&diff.new_spec_sha256)
        )
    }
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}
