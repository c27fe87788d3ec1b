//! Untrusted text on the terminal.
//!
//! File names, user IDs, bulletin titles, reasons that quote them, report
//! fields: much of what the CLI prints comes from a pack or a reporter. Raw,
//! such text could drive the terminal (set its title, clear the screen, move
//! the cursor) or, with a newline, print a line that looks like a verdict of
//! ours ("ok ... 2/2 signers", "OK the pack verifies"). Every such value is
//! printed through [`safe`] (one line) or [`safe_text`] (a multi-line body):
//! control characters and Unicode bidirectional controls are shown escaped,
//! everything printable is shown unchanged.
//!
//! Escapes: `\n`, `\r` and `\t` by name; other C0 controls and DEL as `\x1b`,
//! `\x7f`...; C1 controls and bidi controls as `\u{9b}`, `\u{202e}`...
//! A backslash is printable and left alone (the point is what the terminal
//! does, not a reversible encoding; `--json` gives the exact text).
//!
//! Log lines go through [`LogWriter`] (in `log.rs`), which escapes
//! whatever reaches it.

mod chars;
mod log;

use std::fmt::{self, Write as _};

use chars::escape_char;
pub use chars::is_unsafe;
pub use log::LogWriter;

/// How much of the text's layout is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// One line: every unsafe character is escaped, newlines and tabs too.
    Line,
    /// A multi-line body: newlines and tabs are kept, the rest is escaped.
    Text,
}

impl Mode {
    fn keeps(self, c: char) -> bool {
        self == Mode::Text && matches!(c, '\n' | '\t')
    }
}

/// A value shown escaped: see [`safe`] and [`safe_text`]. Width and
/// precision (`{:<20}`) apply to the escaped text.
#[derive(Debug, Clone, Copy)]
pub struct Untrusted<T> {
    value: T,
    mode: Mode,
}

/// `value` for one line of terminal output: every control character
/// (newlines included) and bidi control is shown escaped.
pub fn safe<T: fmt::Display>(value: T) -> Untrusted<T> {
    Untrusted {
        value,
        mode: Mode::Line,
    }
}

/// `value` as a multi-line body (a report's details): newlines and tabs are
/// kept, every other control character and bidi control is shown escaped.
pub fn safe_text<T: fmt::Display>(value: T) -> Untrusted<T> {
    Untrusted {
        value,
        mode: Mode::Text,
    }
}

impl<T: fmt::Display> fmt::Display for Untrusted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.width().is_none() && f.precision().is_none() {
            let mut out = Escaper {
                inner: f,
                mode: self.mode,
            };
            return write!(out, "{}", self.value);
        }
        let mut s = String::new();
        write!(
            Escaper {
                inner: &mut s,
                mode: self.mode,
            },
            "{}",
            self.value
        )?;
        f.pad(&s)
    }
}

/// Escapes what is written through it into `inner`.
struct Escaper<W> {
    inner: W,
    mode: Mode,
}

impl<W: fmt::Write> fmt::Write for Escaper<W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut rest = s;
        while let Some((i, c)) = rest
            .char_indices()
            .find(|&(_, c)| is_unsafe(c) && !self.mode.keeps(c))
        {
            self.inner.write_str(&rest[..i])?;
            escape_char(c, &mut self.inner)?;
            rest = &rest[i + c.len_utf8()..];
        }
        self.inner.write_str(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(s: &str) -> String {
        safe(s).to_string()
    }

    fn text(s: &str) -> String {
        safe_text(s).to_string()
    }

    #[test]
    fn printable_text_is_unchanged() {
        for s in [
            "",
            "QSBs/qsb-001-2024.txt",
            "Ünïcødé — 日本語 ✓ \\x1b (a backslash) \"quoted\"",
            "tab-free, ok 2/2 signers",
        ] {
            assert_eq!(line(s), s);
            assert_eq!(text(s), s);
        }
    }

    #[test]
    fn controls_are_escaped_by_name_or_code() {
        assert_eq!(
            line("a\n ok  x\r\t\x1b]0;pwned\x07\x1b[2J\0\x7f"),
            "a\\n ok  x\\r\\t\\x1b]0;pwned\\x07\\x1b[2J\\x00\\x7f"
        );
        assert_eq!(line("\u{9b}31m\u{85}"), "\\u{9b}31m\\u{85}");
    }

    #[test]
    fn bidi_controls_are_escaped() {
        assert_eq!(
            line("a\u{202e}b\u{2066}c\u{2069}\u{202a}\u{200f}\u{61c}"),
            "a\\u{202e}b\\u{2066}c\\u{2069}\\u{202a}\\u{200f}\\u{61c}"
        );
        assert_eq!(line("x\u{2028}y"), "x\\u{2028}y");
    }

    #[test]
    fn a_body_keeps_its_lines_and_tabs_only() {
        assert_eq!(
            text("line 1\n\tline 2\r\n\x1b[2J\u{202e}"),
            "line 1\n\tline 2\\r\n\\x1b[2J\\u{202e}"
        );
    }

    #[test]
    fn width_applies_to_the_escaped_text() {
        assert_eq!(format!("[{:<6}]", safe("a\nb")), "[a\\nb  ]");
        assert_eq!(format!("[{:>4}]", safe("ab")), "[  ab]");
    }

    #[test]
    fn any_display_value_is_escaped() {
        let path = std::path::Path::new("dir/a\x1bb");
        assert_eq!(safe(path.display()).to_string(), "dir/a\\x1bb");
        assert_eq!(safe(format_args!("{}-{}", "\n", 1)).to_string(), "\\n-1");
    }

    /// Strings rich in what an attacker would send: any character, the
    /// controls and bidi overrides that matter, and plain text around them.
    fn untrusted() -> impl Strategy<Value = String> {
        let nasty = prop::sample::select(vec![
            '\n', '\r', '\t', '\0', '\x07', '\x08', '\x1b', '\x7f', '\u{85}', '\u{9b}', '\u{9d}',
            '\u{202a}', '\u{202e}', '\u{2066}', '\u{2069}', '\u{200f}', '\u{2028}',
        ]);
        let plain = prop::sample::select(vec!['a', ' ', '[', ';', 'é', '日', '\\', 'm']);
        prop::collection::vec(prop_oneof![any::<char>(), nasty, plain], 0..48)
            .prop_map(|chars| chars.into_iter().collect())
    }

    proptest! {
        #[test]
        fn escaped_output_holds_no_unsafe_character(s in untrusted()) {
            let escaped = line(&s);
            prop_assert!(!escaped.chars().any(is_unsafe), "{:?}", escaped);
            let body = text(&s);
            prop_assert!(
                !body.chars().any(|c| is_unsafe(c) && c != '\n' && c != '\t'),
                "{:?}",
                body
            );
            prop_assert_eq!(body.matches('\n').count(), s.matches('\n').count());
        }

        #[test]
        fn printable_text_passes_unchanged(s in "\\PC*") {
            let s: String = s.chars().filter(|&c| !is_unsafe(c)).collect();
            prop_assert_eq!(&line(&s), &s);
            prop_assert_eq!(&text(&s), &s);
        }

        #[test]
        fn each_unsafe_character_becomes_its_escape(s in untrusted()) {
            let expected: String = s
                .chars()
                .map(|c| match is_unsafe(c) {
                    true => escaped_char(c),
                    false => c.to_string(),
                })
                .collect();
            prop_assert_eq!(line(&s), expected);
        }
    }

    fn escaped_char(c: char) -> String {
        let mut s = String::new();
        escape_char(c, &mut s).unwrap();
        s
    }
}
