//! Output helpers shared by every subcommand: colour, logging, errors, JSON.

use std::io::Write;

use anstyle::{AnsiColor, Style};
use secpack::error::ErrorClass;
use serde::Serialize;

use crate::escape::{safe, LogWriter};
use crate::GlobalArgs;

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Sets up colour and logging from the global options.
pub fn init(global: &GlobalArgs) {
    let choice = match global.color {
        ColorChoice::Auto => anstream::ColorChoice::Auto,
        ColorChoice::Always => anstream::ColorChoice::Always,
        ColorChoice::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
    let level = match global.verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SECPACK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    // Log lines carry file names and user IDs from the pack: each event is
    // written escaped (see `LogWriter`), hence without the subscriber's own
    // colour sequences.
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(LogWriter)
        .with_ansi(false)
        .with_target(false)
        .init();
}

/// Style of a success word.
pub const GOOD: Style = AnsiColor::Green.on_default().bold();
/// Style of a warning word.
pub const WARN: Style = AnsiColor::Yellow.on_default().bold();
/// Style of a failure word.
pub const BAD: Style = AnsiColor::Red.on_default().bold();
/// Style of a heading.
pub const HEAD: Style = Style::new().bold();
/// Style of secondary text.
pub const DIM: Style = Style::new().dimmed();

/// The style of a checker finding's severity word.
pub fn severity_style(severity: secpack::severity::Severity) -> Style {
    use secpack::severity::Severity;
    match severity {
        Severity::Error => BAD,
        Severity::Warning => WARN,
        Severity::Info => DIM,
    }
}

/// `text` wrapped in `style` (stripped later when colour is off).
pub fn paint(style: Style, text: impl std::fmt::Display) -> String {
    format!("{style}{text}{style:#}")
}

/// Prints an error with its whole chain of causes on standard error, for a
/// command that goes on (or decides its own exit status) after it.
pub fn error(e: &anyhow::Error) {
    let mut err = anstream::stderr();
    let _ = writeln!(err, "{} {}", paint(BAD, "error:"), chain(e));
}

/// Reports a command's error and returns the exit status of its class.
///
/// The code and class come from the outermost coded error in the chain (of
/// the library, the site or the server: see [`classify`]); an error the CLI
/// raised about its arguments is a [`UsageError`]; an operating-system error
/// with no coded error around it is `io`; anything else is a failure with
/// code `error`. Standard
/// error gets `error: <chain of causes> [code]`; with `--json`, standard
/// output also gets `{"error":{"code","message"}}`.
pub fn report_error(e: &anyhow::Error, global: &GlobalArgs) -> u8 {
    let (code, class) = classify(e);
    if global.json {
        let message = chain(e).to_string();
        let _ = print_json(&serde_json::json!({
            "error": { "code": code, "class": class, "message": message }
        }));
    }
    let mut err = anstream::stderr();
    let _ = writeln!(err, "{} {} [{code}]", paint(BAD, "error:"), chain(e));
    class.exit_status()
}

/// The code and class of a command's error (see [`report_error`]): those of
/// the outermost cause that is a [`UsageError`] or a coded error of the
/// library ([`secpack::error::find`]'s registry), the site
/// ([`secpack_site::as_coded`]) or the server
/// ([`secpack_server::error::as_coded`]).
pub fn classify(e: &anyhow::Error) -> (&'static str, ErrorClass) {
    for cause in e.chain() {
        if let Some(usage) = cause.downcast_ref::<UsageError>() {
            return (usage.code, ErrorClass::Usage);
        }
        if let Some(found) = coded(cause) {
            return found;
        }
    }
    if e.chain().any(|c| c.is::<std::io::Error>()) {
        return ("io", ErrorClass::Io);
    }
    ("error", ErrorClass::Failure)
}

/// The code and class of `cause` itself when it is a coded error (not of its
/// causes, which the caller walks).
fn coded(cause: &(dyn std::error::Error + 'static)) -> Option<(&'static str, ErrorClass)> {
    let other = secpack_site::as_coded(cause).or_else(|| secpack_server::error::as_coded(cause));
    if let Some(c) = other {
        return Some((c.code(), c.class()));
    }
    if cause.is::<std::io::Error>() {
        return None;
    }
    // `find` walks the causes as well: `cause` is itself one of the
    // library's coded errors when what it finds differs from what its
    // causes give (the library's errors never wrap the site's or the
    // server's, so nothing coded lies between).
    let here = secpack::error::find(cause)?;
    let below = cause.source().and_then(secpack::error::find);
    (below != Some(here)).then_some((here.code, here.class))
}

/// An error in how the command was called: a bad or missing argument.
/// Exit status 2.
#[derive(Debug)]
pub struct UsageError {
    /// The stable code.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// The message holds no outside text: shown unescaped.
    pub own_text: bool,
}

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UsageError {}

/// A [`UsageError`] with code `bad-arguments`; its message may quote
/// outside text (it is escaped when shown).
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError {
        code: "bad-arguments",
        message: message.into(),
        own_text: false,
    })
}

/// A [`UsageError`] whose message is the CLI's own text, with no outside
/// text in it: shown as it is, on several lines if it has them.
pub fn usage_notice(code: &'static str, message: String) -> anyhow::Error {
    anyhow::Error::new(UsageError {
        code,
        message,
        own_text: true,
    })
}

/// An error's chain of causes, `outer: inner: ...` as `{:#}` shows it, each
/// cause escaped on one line (causes quote file names, user IDs and other
/// pack text) except a [`UsageError`] of the CLI's own text. A cause whose
/// text the one before it already shows (an error that prints its source
/// in its own message, as the operating system's errors of `tempfile` do)
/// is not shown twice.
pub fn chain(e: &anyhow::Error) -> impl std::fmt::Display + '_ {
    struct Chain<'a>(&'a anyhow::Error);
    impl std::fmt::Display for Chain<'_> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            let mut shown = String::new();
            for cause in self.0.chain() {
                let own = cause
                    .downcast_ref::<UsageError>()
                    .filter(|u| u.own_text)
                    .map(|u| u.message.as_str());
                let text = match own {
                    Some(text) => text.to_string(),
                    None => safe(cause).to_string(),
                };
                if !shown.is_empty() && shown.contains(&text) {
                    continue;
                }
                if !shown.is_empty() {
                    f.write_str(": ")?;
                }
                f.write_str(&text)?;
                shown = text;
            }
            Ok(())
        }
    }
    Chain(e)
}

/// Prints `value` as pretty JSON on standard output.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    // Standard output is line-buffered: without a buffer, every line of
    // pretty JSON would be one write(2).
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// A progress bar on standard error for long work; hidden for JSON output,
/// when standard error is not a terminal, and for short jobs.
pub fn progress(len: u64, what: &str, global: &GlobalArgs) -> indicatif::ProgressBar {
    if global.json || len < 64 {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(len),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template("{msg} {bar:30} {pos}/{len}") {
        bar.set_style(style);
    }
    bar.set_message(safe(what).to_string());
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error that prints its source in its own message.
    #[derive(Debug)]
    struct Wrapping(std::io::Error);
    impl std::fmt::Display for Wrapping {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{} at path \"/p/.tmp\"", self.0)
        }
    }
    impl std::error::Error for Wrapping {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn a_cause_already_shown_is_not_repeated() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let e = anyhow::Error::new(Wrapping(io)).context("creating a temporary file in /p");
        assert_eq!(
            chain(&e).to_string(),
            "creating a temporary file in /p: No such file at path \"/p/.tmp\""
        );
        // Causes with their own text are all shown.
        let e = anyhow::anyhow!("inner").context("middle").context("outer");
        assert_eq!(chain(&e).to_string(), "outer: middle: inner");
    }
}
