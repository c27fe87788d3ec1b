//! Running the `secpack` binary in tests: a command cut off from the user's
//! settings, argument lists built step by step, and what the run printed.
//!
//! The binary's path is known only to the CLI crate's own tests
//! (`env!("CARGO_BIN_EXE_secpack")`), so they pass it to [`command`].

use std::ffi::{OsStr, OsString};
use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

/// A command running the binary `bin`, cut off from the user's settings: no
/// pin from `SECPACK_MASTER`, no user configuration file, no colour, nothing
/// on standard input. Tests add what they need (`HOME`, cache, state...).
pub fn command(bin: impl AsRef<OsStr>) -> Command {
    let mut c = Command::new(bin);
    c.env_remove("SECPACK_MASTER")
        .env("XDG_CONFIG_HOME", "/nonexistent-secpack-test-config")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    c
}

/// [`command`] with `home` as the user's home and configuration folder.
pub fn command_at_home(bin: impl AsRef<OsStr>, home: &Path) -> Command {
    let mut c = command(bin);
    c.env("HOME", home).env("XDG_CONFIG_HOME", home);
    c
}

/// [`command`] without the keyring cache and the pack-state file
/// (`SECPACK_NO_CACHE`, `SECPACK_NO_STATE`): every run judges afresh.
pub fn command_uncached(bin: impl AsRef<OsStr>) -> Command {
    let mut c = command(bin);
    c.env("SECPACK_NO_CACHE", "1").env("SECPACK_NO_STATE", "1");
    c
}

/// The `--json` error document (`{"error":{"code","class","message"}}`) of
/// a failed run, after checking that it exited with `status`, that its
/// message is not empty and that standard error names the same code.
pub fn json_error(out: &Output, status: i32) -> serde_json::Value {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(status), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is one JSON document ({e}): {stderr}"));
    let code = v["error"]["code"].as_str().expect("a code");
    assert!(stderr.contains(&format!("[{code}]")), "{stderr}");
    assert!(!v["error"]["message"].as_str().unwrap().is_empty());
    v
}

/// An argument list built step by step, paths taken as they are (no
/// `to_str().unwrap()`); it is what [`Command::args`] takes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Argv(Vec<OsString>);

impl Argv {
    /// The list `args`.
    pub fn of<I, S>(args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Self::default().args(args)
    }

    /// Appends `arg`.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.0.push(arg.as_ref().to_owned());
        self
    }

    /// Appends each of `args`.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.0
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Appends the option `name` and its `value`.
    pub fn opt(self, name: &str, value: impl AsRef<OsStr>) -> Self {
        self.arg(name).arg(value)
    }

    /// The arguments, as text (for messages).
    pub fn to_strings(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }
}

impl IntoIterator for Argv {
    type Item = OsString;
    type IntoIter = std::vec::IntoIter<OsString>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Argv {
    type Item = &'a OsString;
    type IntoIter = std::slice::Iter<'a, OsString>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// What a finished run printed, and checks on how it ended that show both
/// streams when they fail.
pub trait Ran {
    /// Standard output as text (invalid UTF-8 replaced).
    fn stdout_text(&self) -> String;
    /// Standard error as text (invalid UTF-8 replaced).
    fn stderr_text(&self) -> String;
    /// Standard output parsed as one JSON document.
    fn json(&self) -> serde_json::Value;
    /// Asserts the run exited with `code`.
    fn assert_exit(&self, code: i32) -> &Self;
    /// Asserts the run succeeded (exit status 0).
    fn assert_success(&self) -> &Self {
        self.assert_exit(0)
    }
}

impl Ran for Output {
    fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "not one JSON document ({e}):\n{}\n{}",
                self.stdout_text(),
                self.stderr_text()
            )
        })
    }

    fn assert_exit(&self, code: i32) -> &Self {
        assert_eq!(
            self.status.code(),
            Some(code),
            "exit status; stdout:\n{}\nstderr:\n{}",
            self.stdout_text(),
            self.stderr_text()
        );
        self
    }
}

/// The address (`127.0.0.1:PORT`) a `secpack serve` started with its
/// standard output piped says it listens on, in its first line.
pub fn listening_address(server: &mut Child) -> String {
    listening_line(server).0
}

/// The address (`127.0.0.1:PORT`) a `secpack serve` started with its
/// standard output piped says it listens on, and its whole first line.
pub fn listening_line(server: &mut Child) -> (String, String) {
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().expect("stdout piped"))
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .strip_prefix("listening on http://")
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    (addr, line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv_keeps_the_order_it_was_built_in() {
        let dir = Path::new("/tmp/a b");
        let argv = Argv::of(["sign"])
            .opt("--pack", dir)
            .args(Argv::default().opt("--as", "alice"))
            .arg("--force")
            .arg(dir.join("doc.txt"));
        assert_eq!(
            argv.to_strings(),
            [
                "sign",
                "--pack",
                "/tmp/a b",
                "--as",
                "alice",
                "--force",
                "/tmp/a b/doc.txt"
            ]
        );
        assert_eq!((&argv).into_iter().count(), 7);
    }
}
