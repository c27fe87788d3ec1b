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
//! Log lines go through [`LogWriter`], which escapes whatever reaches it.

use std::fmt::{self, Write as _};
use std::io::Write as _;

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

/// Writes the escaped form of an unsafe character.
fn escape_char(c: char, out: &mut impl fmt::Write) -> fmt::Result {
    match c {
        '\n' => out.write_str("\\n"),
        '\r' => out.write_str("\\r"),
        '\t' => out.write_str("\\t"),
        '\0'..='\x1f' | '\x7f' => write!(out, "\\x{:02x}", c as u32),
        _ => write!(out, "\\u{{{:x}}}", c as u32),
    }
}

/// The tracing subscriber's writer: each log event is collected, then
/// written to standard error with every control character escaped except the
/// event's final newline, so no field value can drive the terminal or start
/// a line of its own. (The subscriber's own colours are off.)
#[derive(Debug, Clone, Copy, Default)]
pub struct LogWriter;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = LogEvent;

    fn make_writer(&'a self) -> LogEvent {
        LogEvent::default()
    }
}

/// One log event being written (see [`LogWriter`]); written out when dropped.
#[derive(Debug, Default)]
pub struct LogEvent {
    buf: Vec<u8>,
}

impl LogEvent {
    /// The event's bytes as they reach the terminal.
    fn escaped(&self) -> String {
        let text = String::from_utf8_lossy(&self.buf);
        let (body, newline) = match text.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (&*text, ""),
        };
        format!("{}{newline}", safe(body))
    }
}

impl std::io::Write for LogEvent {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LogEvent {
    fn drop(&mut self) {
        if !self.buf.is_empty() {
            let _ = anstream::stderr().write_all(self.escaped().as_bytes());
        }
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

    #[test]
    fn a_log_event_keeps_only_its_final_newline() {
        let mut event = LogEvent::default();
        event.write_all(b" WARN a\nfake line\x1b[2J").unwrap();
        event.write_all(b"\n").unwrap();
        assert_eq!(event.escaped(), " WARN a\\nfake line\\x1b[2J\n");
        event.buf.clear(); // nothing written on drop
        let mut invalid = LogEvent::default();
        invalid.write_all(b"\xff\x9b\n\n").unwrap();
        assert_eq!(invalid.escaped(), "\u{fffd}\u{fffd}\\n\n");
        invalid.buf.clear();
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
