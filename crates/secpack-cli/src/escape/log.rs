//! Log lines on the terminal: the tracing subscriber's writer escapes each
//! event as [`safe`] does, keeping only its final newline.

use std::io::Write as _;

use super::safe;

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
}
