//! Recording a vendored spec in `spec/README.md`: its sha256, the date it was vendored, and its
//! counts of paths, operations and schemas.

/// What `spec/README.md` says about the vendored spec.
pub struct SpecStats {
    pub sha256: String,
    /// `YYYY-MM-DD`, UTC.
    pub date: String,
    pub paths: usize,
    pub operations: usize,
    pub schemas: usize,
}

/// `text` with the sha256 line, the `vendored:` line and the counts brought up to date. Lines
/// that are missing are added, so a hand-written README keeps its wording.
pub fn record(text: &str, stats: &SpecStats) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let vendored = format!("vendored: {} with `cargo xtask spec update`", stats.date);
    let sha_line = lines.iter().position(|l| l.contains("sha256: `"));
    let indent = match sha_line {
        Some(index) => {
            let line = &lines[index];
            let start = line.find("sha256: `").map_or(0, |i| i + "sha256: `".len());
            let end = line[start..].find('`').map_or(line.len(), |i| start + i);
            lines[index] = format!("{}{}{}", &line[..start], stats.sha256, &line[end..]);
            leading(&lines[index]).to_owned()
        }
        None => {
            lines.push(String::new());
            lines.push(format!("- sha256: `{}`", stats.sha256));
            String::new()
        }
    };
    match lines
        .iter()
        .position(|l| l.trim_start().starts_with("- vendored:"))
    {
        Some(index) => lines[index] = format!("{}- {vendored}", leading(&lines[index])),
        None => {
            let sha_index = lines
                .iter()
                .position(|l| l.contains("sha256: `"))
                .unwrap_or(lines.len() - 1);
            // After the sha256 bullet and its continuation lines.
            let mut at = sha_index + 1;
            while lines.get(at).is_some_and(|l| {
                leading(l).len() > indent.len() && !l.trim_start().starts_with('-')
            }) {
                at += 1;
            }
            lines.insert(at, format!("{indent}- {vendored}"));
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    replace_counts(&out, stats)
}

fn leading(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

/// Rewrites the first `N paths, N operations, N schemas`.
fn replace_counts(text: &str, stats: &SpecStats) -> String {
    let Some(at) = text.find(" paths, ") else {
        return text.to_owned();
    };
    let start = text[..at]
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let Some(tail) = text[at..].find(" schemas") else {
        return text.to_owned();
    };
    let end = at + tail + " schemas".len();
    let phrase = &text[start..end];
    let well_formed = phrase.split(", ").count() == 3 && phrase.contains(" operations, ");
    if start == at || !well_formed {
        return text.to_owned();
    }
    format!(
        "{}{} paths, {} operations, {} schemas{}",
        &text[..start],
        stats.paths,
        stats.operations,
        stats.schemas,
        &text[end..]
    )
}

/// Today's date in UTC, `YYYY-MM-DD`.
pub fn today() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil_date(seconds / 86_400)
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_date(days: u64) -> String {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats() -> SpecStats {
        SpecStats {
            sha256: "ab".repeat(32),
            date: "2026-08-05".into(),
            paths: 350,
            operations: 436,
            schemas: 802,
        }
    }

    #[test]
    fn the_sha_date_and_counts_are_rewritten_in_place() {
        let text = "# spec/\n\n- `kaseya-bms-openapi.json`: the spec (\"BMS API 2.0\", OpenAPI 3.0.1, 349 paths, 435 operations, 801 schemas), vendored.\n  - sha256: `889161ef`\n    (also compiled into the binary).\n- `docs/`: records.\n";
        let first = record(text, &stats());
        let sha = "ab".repeat(32);
        assert_eq!(
            first,
            format!(
                "# spec/\n\n- `kaseya-bms-openapi.json`: the spec (\"BMS API 2.0\", OpenAPI 3.0.1, 350 paths, 436 operations, 802 schemas), vendored.\n  - sha256: `{sha}`\n    (also compiled into the binary).\n  - vendored: 2026-08-05 with `cargo xtask spec update`\n- `docs/`: records.\n"
            )
        );
        let again = record(&first, &stats());
        assert_eq!(again, first, "a second update replaces, never duplicates");
    }

    #[test]
    fn a_readme_without_the_lines_gains_them() {
        let text = record("# spec/\n", &stats());
        assert!(
            text.contains(&format!("- sha256: `{}`\n", "ab".repeat(32))),
            "{text}"
        );
        assert!(
            text.ends_with("- vendored: 2026-08-05 with `cargo xtask spec update`\n"),
            "{text}"
        );
    }

    #[test]
    fn day_counts_become_calendar_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(19_723), "2024-01-01");
        assert_eq!(civil_date(20_670), "2026-08-05");
    }
}
