//! git runners: repositories made in the test, with commits and tags signed
//! by the keys of a GnuPG home.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs git with a fixed identity, no user or system configuration, and the
/// keys of one GnuPG home for signing.
pub struct Git {
    gnupghome: Option<PathBuf>,
}

impl Git {
    /// A runner that signs with the keys in `gnupghome`.
    pub fn new(gnupghome: impl Into<PathBuf>) -> Self {
        Self {
            gnupghome: Some(gnupghome.into()),
        }
    }

    /// A runner for repositories nothing is signed in (`GNUPGHOME` is left
    /// as it is).
    pub fn unsigned() -> Self {
        Self { gnupghome: None }
    }

    /// Runs git in `dir` with `args`; returns its trimmed standard output and
    /// panics with its standard error on failure.
    pub fn run(&self, dir: &Path, args: &[&str]) -> String {
        let mut git = Command::new("git");
        if let Some(home) = &self.gnupghome {
            git.env("GNUPGHOME", home);
        }
        let out = git
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .args(["-c", "user.name=T", "-c", "user.email=t@test.invalid"])
            .args(["-c", "gpg.program=gpg", "-c", "init.defaultBranch=main"])
            .args(["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"])
            .args(args)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// Makes `dir` a repository (branch `main`).
    pub fn init(&self, dir: &Path) {
        self.run(dir, &["init", "-q"]);
    }

    /// Commits everything in `dir` (unsigned); returns the new HEAD.
    pub fn commit_all(&self, dir: &Path, message: &str) -> String {
        self.run(dir, &["add", "-A"]);
        self.run(dir, &["commit", "-q", "-m", message]);
        self.head(dir)
    }

    /// The commit HEAD names.
    pub fn head(&self, dir: &Path) -> String {
        self.run(dir, &["rev-parse", "HEAD"])
    }

    /// Tags HEAD `name` with `message`, signed by `key` (a fingerprint or a
    /// user ID in the GnuPG home).
    pub fn signed_tag(&self, dir: &Path, key: &str, name: &str, message: &str) {
        self.run(dir, &["tag", "-s", "-u", key, "-m", message, name]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_are_made_and_a_failing_command_panics() {
        let dir = tempfile::tempdir().unwrap();
        let git = Git::unsigned();
        git.init(dir.path());
        std::fs::write(dir.path().join("f"), "x").unwrap();
        let head = git.commit_all(dir.path(), "first");
        assert_eq!(head.len(), 40);
        assert_eq!(git.run(dir.path(), &["log", "--format=%s"]), "first");
        let failed = std::panic::catch_unwind(|| git.run(dir.path(), &["no-such-command"]));
        assert!(failed.is_err());
    }
}
