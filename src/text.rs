//! Text that is shown as it is: names people give, quotes of what BMS says. Shared by the
//! store's line check and BMS quoting so both refuse or escape the same characters; it names
//! no other module, so any layer may use it.

/// Whether `c` changes how the text around it is displayed without being seen: the
/// bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the
/// direction marks (U+200E, U+200F, U+061C). Shown unescaped, they make text read other than
/// it is ("Trojan Source", CVE-2021-42574): a name that displays as one account but is another.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
    )
}

/// Whether `c` must not be shown raw: a control character (C0, DEL, C1), which a terminal
/// obeys or which breaks lines, or a bidirectional control.
pub fn is_unsafe_to_show(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bidi_embedding_override_isolate_and_mark_is_a_bidi_control() {
        let listed = ['\u{200e}', '\u{200f}', '\u{061c}']
            .into_iter()
            .chain('\u{202a}'..='\u{202e}')
            .chain('\u{2066}'..='\u{2069}');
        for c in listed {
            assert!(is_bidi_control(c), "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn neighbours_of_the_bidi_ranges_and_ordinary_letters_are_not() {
        for c in [
            '\u{2029}', '\u{202f}', '\u{2065}', '\u{206a}', '\u{200d}', 'a', 'é', 'ا',
        ] {
            assert!(!is_bidi_control(c), "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn control_characters_and_bidi_controls_are_unsafe_to_show() {
        for c in [
            '\0', '\n', '\u{1b}', '\u{7f}', '\u{85}', '\u{202e}', '\u{200f}',
        ] {
            assert!(is_unsafe_to_show(c), "U+{:04X}", u32::from(c));
        }
        assert!(!is_unsafe_to_show(' '));
    }
}
