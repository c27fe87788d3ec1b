//! Which characters must not reach the terminal raw, and how each is shown.

use std::fmt;

/// Whether `c` must not reach the terminal raw: a C0 or C1 control, DEL, a
/// Unicode bidirectional control (embeddings, overrides, isolates, marks) or
/// a line or paragraph separator.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c) || matches!(c, '\u{2028}' | '\u{2029}')
}

/// The Unicode bidirectional controls: LRE, RLE, PDF, LRO, RLO
/// (U+202A-U+202E), LRI, RLI, FSI, PDI (U+2066-U+2069), and the marks LRM,
/// RLM (U+200E, U+200F) and ALM (U+061C).
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
    )
}

/// Writes the escaped form of an unsafe character.
pub(super) fn escape_char(c: char, out: &mut impl fmt::Write) -> fmt::Result {
    match c {
        '\n' => out.write_str("\\n"),
        '\r' => out.write_str("\\r"),
        '\t' => out.write_str("\\t"),
        '\0'..='\x1f' | '\x7f' => write!(out, "\\x{:02x}", c as u32),
        _ => write!(out, "\\u{{{:x}}}", c as u32),
    }
}
