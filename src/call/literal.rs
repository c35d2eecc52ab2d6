//! Writing JSON text as a JSON string literal: the text content of a tool result is the
//! structured content, escaped. Every byte of every answer passes through here, so it is one
//! pass that also measures the answer's nesting (a separate scan was a tenth of a small
//! call's CPU), writing straight into the reply instead of through `serde_json`'s writer.

/// What a byte asks of the escaper.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Copied as it is: most bytes, all of UTF-8's multi-byte sequences included.
    Plain,
    Quote,
    Backslash,
    /// `{` or `[`: one level deeper, outside strings.
    Open,
    /// `}` or `]`.
    Close,
    /// A control character: written as an escape.
    Control,
}

const CLASSES: [Class; 256] = {
    let mut classes = [Class::Plain; 256];
    let mut byte = 0;
    while byte < 0x20 {
        classes[byte] = Class::Control;
        byte += 1;
    }
    classes[b'"' as usize] = Class::Quote;
    classes[b'\\' as usize] = Class::Backslash;
    classes[b'{' as usize] = Class::Open;
    classes[b'[' as usize] = Class::Open;
    classes[b'}' as usize] = Class::Close;
    classes[b']' as usize] = Class::Close;
    classes
};

/// The JSON text nests deeper than the limit it was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooDeep;

/// Appends `text` (any text) to `out` as a JSON string literal.
pub fn push_string_literal(out: &mut String, text: &str) {
    // Brackets count only outside strings, and a string that is no JSON is "outside" all
    // along: give it a limit it cannot reach.
    let _ = push_literal(out, text, usize::MAX);
}

/// Appends `json`, a valid JSON text, to `out` as a JSON string literal, and checks on the
/// way that it nests at most `max_depth` objects and arrays deep. On `TooDeep`, `out` holds
/// part of the literal and should be discarded.
pub fn push_json_literal(out: &mut String, json: &str, max_depth: usize) -> Result<(), TooDeep> {
    push_literal(out, json, max_depth)
}

fn push_literal(out: &mut String, text: &str, max_depth: usize) -> Result<(), TooDeep> {
    let bytes = text.as_bytes();
    out.reserve(text.len() + text.len() / 8 + 2);
    out.push('"');
    let mut run = 0;
    let mut depth = 0usize;
    let mut in_string = false;
    let mut at = 0;
    while at < bytes.len() {
        let class = CLASSES[usize::from(bytes[at])];
        if class == Class::Plain {
            at += 1;
            continue;
        }
        match class {
            Class::Plain => {}
            Class::Open if !in_string => {
                depth += 1;
                if depth > max_depth {
                    return Err(TooDeep);
                }
            }
            Class::Close if !in_string => depth = depth.saturating_sub(1),
            Class::Open | Class::Close => {}
            Class::Quote => {
                out.push_str(&text[run..at]);
                out.push_str("\\\"");
                in_string = !in_string;
                run = at + 1;
            }
            Class::Backslash => {
                out.push_str(&text[run..at]);
                out.push_str("\\\\");
                // In JSON a backslash escapes the next byte (always ASCII): an escaped quote
                // neither ends the string nor may be written bare. (Text that is no JSON may
                // put anything after it; a multi-byte character is left to the next run.)
                if let Some(&next) = bytes.get(at + 1)
                    && in_string
                    && next.is_ascii()
                {
                    push_escaped_byte(out, next);
                    at += 1;
                }
                run = at + 1;
            }
            Class::Control => {
                out.push_str(&text[run..at]);
                push_escaped_byte(out, bytes[at]);
                run = at + 1;
            }
        }
        at += 1;
    }
    out.push_str(&text[run..]);
    out.push('"');
    Ok(())
}

/// One ASCII byte as it appears inside a string literal.
fn push_escaped_byte(out: &mut String, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match byte {
        b'"' => out.push_str("\\\""),
        b'\\' => out.push_str("\\\\"),
        b'\n' => out.push_str("\\n"),
        b'\r' => out.push_str("\\r"),
        b'\t' => out.push_str("\\t"),
        0x08 => out.push_str("\\b"),
        0x0c => out.push_str("\\f"),
        0x00..=0x1f => {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        other => out.push(char::from(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn literal(text: &str) -> String {
        let mut out = String::new();
        push_string_literal(&mut out, text);
        out
    }

    #[test]
    fn a_literal_reads_back_as_its_text() {
        for text in [
            "",
            "plain",
            "quote \" and backslash \\ and \\\" together",
            "lines\r\n\ttab \u{0} \u{1f} \u{7f} \u{8} \u{c}",
            "ünïcødé ✓ 𝄞",
            "{\"not\": [json",
            "trailing backslash \\",
            "\"\\é \"[ \\\"",
        ] {
            let back: String = serde_json::from_str(&literal(text)).expect("a valid literal");
            assert_eq!(back, text);
        }
    }

    #[test]
    fn json_text_round_trips_and_its_depth_is_measured() {
        let value = json!({
            "title": "Printer \"down\" [urgent] {really}",
            "path": "C:\\temp\\",
            "items": [[1, 2], {"a": {"b": null}}],
            "note": "line\nline",
        });
        let text = serde_json::to_string_pretty(&value).expect("serialises");
        let mut out = String::new();
        // { items: [ {a: {b: ... is four levels deep.
        push_json_literal(&mut out, &text, 4).expect("four levels deep");
        let back: String = serde_json::from_str(&out).expect("a valid literal");
        assert_eq!(back, text);
        assert_eq!(
            push_json_literal(&mut String::new(), &text, 3),
            Err(TooDeep)
        );
    }

    #[test]
    fn brackets_inside_strings_and_after_escaped_quotes_do_not_count() {
        let text = r#"{"a": "[[[[\"{{{{", "b": "\\", "c": ["\\\"[["]}"#;
        assert!(serde_json::from_str::<Value>(text).is_ok());
        assert_eq!(push_json_literal(&mut String::new(), text, 2), Ok(()));
        assert_eq!(push_json_literal(&mut String::new(), text, 1), Err(TooDeep));
    }

    fn nested(depth: usize) -> String {
        "[".repeat(depth) + &"]".repeat(depth)
    }

    #[test]
    fn the_limit_is_inclusive() {
        assert_eq!(
            push_json_literal(&mut String::new(), &nested(64), 64),
            Ok(())
        );
        assert_eq!(
            push_json_literal(&mut String::new(), &nested(65), 64),
            Err(TooDeep)
        );
    }

    proptest! {
        #[test]
        fn any_text_round_trips(text in any::<String>()) {
            let back: String = serde_json::from_str(&literal(&text)).expect("a valid literal");
            prop_assert_eq!(back, text);
        }

        #[test]
        fn the_literal_matches_serde_json(text in "[ -~\\PC\u{0}-\u{1f}]{0,64}") {
            let ours = literal(&text);
            let theirs = serde_json::to_string(&text).expect("serialises");
            prop_assert_eq!(ours, theirs);
        }
    }
}
