//! What a tool error may quote of BMS's own words. BMS error text reaches a model and, through
//! logs and the CLI, a terminal: a hostile or broken upstream could send megabytes of it,
//! thousands of sub-errors, or control characters (CR/LF to forge lines, ESC for terminal
//! escapes, NUL). Quotes are capped and their control characters made visible.

/// Characters kept of BMS's message, and of its details.
pub const MAX_PART_CHARS: usize = 500;
/// Characters kept of each sub-error.
pub const MAX_SUB_ERROR_CHARS: usize = 200;
/// Sub-errors quoted; the rest are counted.
pub const MAX_SUB_ERRORS: usize = 10;

/// `text` with line breaks and tabs as spaces, every other control character (C0, DEL, C1)
/// and bidirectional control (`text::is_bidi_control`) as a `\u{…}` escape, cut after
/// `max_chars` characters with a note of how many were left out.
pub fn quote(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars.saturating_add(48)));
    let mut chars = text.trim().chars();
    for (kept, c) in chars.by_ref().enumerate() {
        if kept == max_chars {
            let rest = 1 + chars.count();
            out.push_str(&format!("… ({rest} more characters not shown)"));
            return out;
        }
        match c {
            '\r' | '\n' | '\t' => out.push(' '),
            c if crate::text::is_unsafe_to_show(c) => {
                out.push_str(&format!("\\u{{{:04x}}}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_cannot_forge_lines_or_escape_sequences() {
        let quoted = quote("closed\r\nFAKE: ok\u{1b}[2J\0end\u{202e}", 100);
        assert_eq!(quoted, "closed  FAKE: ok\\u{001b}[2J\\u{0000}end\\u{202e}");
        assert!(!quoted.chars().any(char::is_control));
    }

    #[test]
    fn direction_marks_and_isolates_are_escaped_like_overrides() {
        assert_eq!(
            quote("a\u{200e}b\u{200f}c\u{061c}d\u{2066}e\u{2069}", 100),
            "a\\u{200e}b\\u{200f}c\\u{061c}d\\u{2066}e\\u{2069}"
        );
    }

    #[test]
    fn long_text_is_cut_with_a_count_of_what_was_left_out() {
        let quoted = quote(&"é".repeat(5_000_000), 500);
        assert!(quoted.starts_with(&"é".repeat(500)));
        assert!(
            quoted.ends_with("… (4999500 more characters not shown)"),
            "{}",
            &quoted[990..]
        );
    }

    #[test]
    fn ordinary_text_is_unchanged() {
        assert_eq!(
            quote("  TypeId 1 is not a note type ", 500),
            "TypeId 1 is not a note type"
        );
    }
}
