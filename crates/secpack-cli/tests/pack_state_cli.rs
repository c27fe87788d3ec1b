//! `secpack verify` on the state of a pack, as a user runs it: a git copy of
//! the demo pack with tags signed by its throwaway team keys, then a new
//! unsigned commit, a rolled-back clone and a frozen copy. Each failure by its
//! exact code and exit status 1.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The demo pack's master key (throwaway; see examples/make-demo-pack.sh).
const DEMO_MASTER: &str = "60DCAA5EAD5021775F7B85138A7D47543A09DBD0";

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// A git repository holding a copy of the demo pack, and a GnuPG home with
/// the demo team's throwaway secret keys.
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        copy(&examples().join("demo-pack"), &dir.path().join("pack"));
        let gnupg = dir.path().join("gnupg");
        std::fs::create_dir(&gnupg).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&gnupg, std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        let r = Self { dir };
        for who in ["alice", "bob", "release"] {
            let key = examples().join(format!("demo-keys/THROWAWAY-{who}.secret.asc"));
            let out = Command::new("gpg")
                .env("GNUPGHOME", r.gnupg())
                .args(["--batch", "--quiet", "--import"])
                .arg(key)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        r.git(&["init", "-q"]);
        r.commit("demo pack");
        r
    }

    fn pack(&self) -> PathBuf {
        self.dir.path().join("pack")
    }

    fn gnupg(&self) -> PathBuf {
        self.dir.path().join("gnupg")
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state.toml")
    }

    fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .current_dir(dir)
            .env("GNUPGHOME", self.gnupg())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .args(["-c", "user.name=T", "-c", "user.email=t@test.invalid"])
            .args(["-c", "init.defaultBranch=main", "-c", "gpg.program=gpg"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    fn git(&self, args: &[&str]) -> String {
        self.git_in(&self.pack(), args)
    }

    fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// Tags HEAD the Qubes way: `<who>_sec_<short hash>`, signed by `who`.
    fn tag(&self, who: &str) -> String {
        let short = self.git(&["rev-parse", "--short", "HEAD"]);
        let name = format!("{who}_sec_{short}");
        let email = format!("{who}@demo.invalid");
        self.git(&["tag", "-s", "-u", &email, "-m", "security pack", &name]);
        name
    }

    fn verify(&self, pack: &Path, args: &[&str]) -> (i32, Value) {
        let out: Output = Command::new(env!("CARGO_BIN_EXE_secpack"))
            .env_remove("SECPACK_MASTER")
            .env_remove("SECPACK_NO_STATE")
            .env("XDG_CONFIG_HOME", "/nonexistent-secpack-test-config")
            .env("SECPACK_NO_CACHE", "1")
            .args(["--json", "verify", "--master", DEMO_MASTER])
            .args(args)
            .arg(pack)
            .output()
            .unwrap();
        let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{e}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap(), v)
    }
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn state_codes(v: &Value) -> Vec<String> {
    v["state"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_tagged_head_verifies_and_an_unsigned_config_commit_is_named() {
    let r = Repo::new();
    let tag = r.tag("bob");
    let (code, v) = r.verify(&r.pack(), &["--history", "--no-state"]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["head"]["status"], "covered");
    assert_eq!(v["head"]["covered_by"][0]["tag"], tag.as_str());
    assert_eq!(v["history"]["ok"], true);
    assert!(v.get("state").is_none());

    // A commit nobody signed that edits secpack.toml.
    let toml = r.pack().join("secpack.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, text.replace("QSBs = 2", "QSBs = 1")).unwrap();
    let evil = r.commit("lower the threshold");
    let (code, v) = r.verify(&r.pack(), &["--history", "--no-state"]);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["head"]["status"], "uncovered-head");
    let findings: Vec<(String, String, String)> = v["history"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().into(),
                f["commit"].as_str().unwrap_or("").into(),
                f["path"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert!(
        findings.contains(&("uncovered-commit".into(), evil.clone(), String::new())),
        "{findings:?}"
    );
    assert!(
        findings.contains(&(
            "unsigned-sensitive-change".into(),
            evil,
            "secpack.toml".into()
        )),
        "{findings:?}"
    );
    // A release key's tag does not vouch for the pack by default.
    r.tag("release");
    let (code, v) = r.verify(&r.pack(), &["--head", "--no-state"]);
    assert_eq!(code, 1);
    assert_eq!(v["head"]["refused"][0]["role"], "release");
}

#[test]
fn a_rolled_back_clone_fails_with_rollback_and_a_frozen_copy_with_frozen() {
    let r = Repo::new();
    let old_tag = r.tag("alice");
    // A new bulletin, tagged.
    let qsbs = r.pack().join("QSBs");
    for f in [
        "qsb-002-2026.txt",
        "qsb-002-2026.txt.sig.alice",
        "qsb-002-2026.txt.sig.bob",
    ] {
        std::fs::copy(qsbs.join(f), qsbs.join(f.replace("002", "003"))).unwrap();
    }
    // The copy is byte-identical to bulletin 2, so its signatures verify;
    // its file name makes it number 3.
    r.commit("bulletin 3");
    r.tag("bob");
    let (code, v) = r.verify(
        &r.pack(),
        &["--head", "--state", r.state().to_str().unwrap()],
    );
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["state"]["saved"], true);
    assert_eq!(v["state"]["observed"]["bulletin"]["number"], 3);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(r.state()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // A mirror serves the older, fully signed state.
    let clone = r.dir.path().join("clone");
    r.git_in(
        r.dir.path(),
        &[
            "clone",
            "-q",
            r.pack().to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    r.git_in(&clone, &["reset", "-q", "--hard", &old_tag]);
    let (code, v) = r.verify(&clone, &["--head", "--state", r.state().to_str().unwrap()]);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["head"]["status"], "covered");
    let codes = state_codes(&v);
    assert!(codes.iter().any(|c| c == "rollback"), "{codes:?}");
    assert_eq!(v["state"]["saved"], false);

    // The up-to-date copy, verified again: nothing new since, and its newest
    // canary (2026-03-01) promised the next one by mid-June 2026.
    let (code, v) = r.verify(
        &r.pack(),
        &["--head", "--state", r.state().to_str().unwrap()],
    );
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(state_codes(&v), ["frozen"]);
    // --no-state skips the check; --forget-state starts afresh.
    let (code, _) = r.verify(&r.pack(), &["--head", "--no-state"]);
    assert_eq!(code, 0);
    let state = r.state();
    let (code, v) = r.verify(
        &r.pack(),
        &[
            "--head",
            "--forget-state",
            "--state",
            state.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{v:#}");
    assert!(v["state"]["remembered"].is_null());
}

#[test]
fn an_unusable_state_file_is_a_configuration_error() {
    let r = Repo::new();
    std::fs::write(r.state(), "garbage = [").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(r.state(), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_secpack"))
        .env_remove("SECPACK_NO_STATE")
        .env("SECPACK_NO_CACHE", "1")
        .args(["verify", "--master", DEMO_MASTER, "--state"])
        .arg(r.state())
        .arg(r.pack())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("malformed"), "{err}");
}
