//! `secpack verify` on the state of a pack, as a user runs it: a git copy of
//! the demo pack with tags signed by its throwaway team keys, then a new
//! unsigned commit, a rolled-back clone and a frozen copy. Each failure by its
//! exact code and exit status 1.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use secpack_testsupport::cli::Ran;
use secpack_testsupport::demo::{demo_key, demo_pack, DEMO_MASTER};
use secpack_testsupport::fs::copy_dir;
use secpack_testsupport::Gpg;
use serde_json::Value;

fn secpack() -> Command {
    let mut c = secpack_testsupport::cli::command(env!("CARGO_BIN_EXE_secpack"));
    c.env_remove("SECPACK_NO_STATE")
        .env("SECPACK_NO_CACHE", "1");
    c
}

/// A git repository holding a copy of the demo pack, and a GnuPG home with
/// the demo team's throwaway secret keys.
struct Repo {
    dir: tempfile::TempDir,
    gpg: Gpg,
}

impl Repo {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&demo_pack(), &dir.path().join("pack"));
        let gpg = Gpg::new();
        for who in ["alice", "bob", "release"] {
            gpg.import(&demo_key(who));
        }
        let r = Self { dir, gpg };
        r.gpg.git().init(&r.pack());
        r.commit("demo pack");
        r
    }

    fn pack(&self) -> PathBuf {
        self.dir.path().join("pack")
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state.toml")
    }

    fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        self.gpg.git().run(dir, args)
    }

    fn git(&self, args: &[&str]) -> String {
        self.git_in(&self.pack(), args)
    }

    fn commit(&self, message: &str) -> String {
        self.gpg.git().commit_all(&self.pack(), message)
    }

    /// Tags HEAD the Qubes way: `<who>_sec_<short hash>`, signed by `who`.
    fn tag(&self, who: &str) -> String {
        let short = self.git(&["rev-parse", "--short", "HEAD"]);
        let name = format!("{who}_sec_{short}");
        let email = format!("{who}@demo.invalid");
        self.gpg
            .git()
            .signed_tag(&self.pack(), &email, &name, "security pack");
        name
    }

    fn verify(&self, pack: &Path, args: &[&str]) -> (i32, Value) {
        let out: Output = secpack()
            .args(["--json", "verify", "--master", DEMO_MASTER])
            .args(args)
            .arg(pack)
            .output()
            .unwrap();
        (out.status.code().unwrap(), out.json())
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
    // First use: the overdue canary (mid-June 2026) is no failure yet, but
    // the report says how late it is (a note in the text output).
    assert!(
        v["state"]["overdue_days"].as_i64().is_some_and(|d| d > 0),
        "{v:#}"
    );
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
    let out = secpack()
        .args(["verify", "--master", DEMO_MASTER, "--state"])
        .arg(r.state())
        .arg(r.pack())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("malformed"), "{err}");
}

#[test]
fn a_digest_stripped_of_its_signature_is_a_downgrade_in_json_and_text() {
    let r = Repo::new();
    let state = r.state();
    let state = state.to_str().unwrap();
    let (code, v) = r.verify(&r.pack(), &["--state", state]);
    assert_eq!(code, 0, "{v:#}");
    let digest = "digests/Demo-1.0-x86_64.iso.DIGESTS";
    assert!(
        v["state"]["observed"]["signed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == digest),
        "{v:#}"
    );
    // The clear-signed digest becomes the plain text it signed: a default
    // run without the remembered state lets an unsigned digest pass.
    let path = r.pack().join(digest);
    let signed = std::fs::read_to_string(&path).unwrap();
    let body = signed
        .split("\n\n")
        .nth(1)
        .and_then(|rest| rest.split("-----BEGIN PGP SIGNATURE-----").next())
        .unwrap()
        .to_string();
    assert!(!body.contains("PGP"), "{body}");
    std::fs::write(&path, &body).unwrap();
    let (code, v) = r.verify(&r.pack(), &["--no-state"]);
    assert_eq!(code, 0, "{v:#}");
    let (code, v) = r.verify(&r.pack(), &["--state", state]);
    assert_eq!(code, 1, "{v:#}");
    // The demo canary is overdue too (`frozen`), but the downgrade is named.
    assert!(state_codes(&v).iter().any(|c| c == "downgrade"), "{v:#}");
    let out = secpack()
        .args(["verify", "--master", DEMO_MASTER, "--state", state])
        .arg(r.pack())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines()
            .any(|l| l.contains("downgrade") && l.contains(digest)),
        "{text}"
    );
}
