//! `secpack tag`: a team member vouches for HEAD with the signed tag
//! `<who>_sec_<short hash>`, made from a secret key file (or through gpg)
//! without running git. `verify --head` and `git tag -v` accept it; every
//! refusal has its code and exit status, and leaves no tag behind.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use secpack_testsupport::cli::{json_error, Ran};
use secpack_testsupport::demo::{demo_key, demo_pack, DEMO_MASTER};
use secpack_testsupport::fs::copy_dir;
use secpack_testsupport::Gpg;
use serde_json::Value;

/// A git repository holding a committed copy of the demo pack, and a GnuPG
/// home with the demo team's throwaway keys (for `git tag -v` and `--gpg`).
struct Repo {
    dir: tempfile::TempDir,
    gpg: Gpg,
}

impl Repo {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&demo_pack(), &dir.path().join("pack"));
        let gpg = Gpg::new();
        for who in ["alice", "bob"] {
            gpg.import(&demo_key(who));
        }
        let r = Self { dir, gpg };
        r.gpg.git().init(&r.pack());
        r.gpg.git().commit_all(&r.pack(), "demo pack");
        r
    }

    fn pack(&self) -> PathBuf {
        self.dir.path().join("pack")
    }

    fn git(&self, args: &[&str]) -> String {
        self.gpg.git().run(&self.pack(), args)
    }

    fn secpack(&self) -> Command {
        let mut c = secpack_testsupport::cli::command(env!("CARGO_BIN_EXE_secpack"));
        c.env("GNUPGHOME", self.gpg.path())
            .env("SECPACK_NO_CACHE", "1")
            .env_remove("SECPACK_GPG");
        c
    }

    /// `secpack --json tag` in the pack, as `who` with `args`.
    fn tag(&self, who: &str, args: &[&str]) -> Output {
        self.tag_in(&self.pack(), who, args)
    }

    fn tag_in(&self, pack: &Path, who: &str, args: &[&str]) -> Output {
        self.secpack()
            .args(["--json", "tag", "--master", DEMO_MASTER, "--as", who])
            .arg("--pack")
            .arg(pack)
            .args(args)
            .output()
            .unwrap()
    }

    fn with_key(&self, who: &str, key: &Path, args: &[&str]) -> Output {
        let mut all = vec!["--key", key.to_str().unwrap()];
        all.extend_from_slice(args);
        self.tag(who, &all)
    }

    fn verify_head(&self) -> (i32, Value) {
        let out = self
            .secpack()
            .args([
                "--json",
                "verify",
                "--head",
                "--no-state",
                "--master",
                DEMO_MASTER,
            ])
            .arg(self.pack())
            .output()
            .unwrap();
        (out.status.code().unwrap(), out.json())
    }

    fn tags(&self) -> String {
        self.git(&["tag", "-l"])
    }
}

#[test]
fn a_member_tags_head_with_a_key_file_and_secpack_and_git_accept_it() {
    let r = Repo::new();
    let (code, v) = r.verify_head();
    assert_eq!(
        (code, v["head"]["status"].as_str()),
        (1, Some("uncovered-head"))
    );

    let out = r.with_key("alice", &demo_key("alice"), &[]);
    out.assert_success();
    let t = out.json();
    let short = r.git(&["rev-parse", "--short", "HEAD"]);
    let name = format!("alice_sec_{short}");
    assert_eq!(t["tag"], name.as_str());
    assert_eq!(t["commit"], r.git(&["rev-parse", "HEAD"]).as_str());
    assert_eq!(t["replaced"], false);
    assert_eq!(t["worktree_changes"], serde_json::json!([]));
    assert!(t["key_file"].as_str().unwrap().contains("alice"), "{t:#}");

    // git sees an annotated tag object pointing to HEAD, tagged by the
    // key's user ID, with the tag's name as message, and gpg verifies it.
    assert_eq!(r.git(&["cat-file", "-t", &name]), "tag");
    assert_eq!(
        r.git(&["rev-parse", &format!("{name}^{{commit}}")]),
        r.git(&["rev-parse", "HEAD"])
    );
    let object = r.git(&["cat-file", "-p", &name]);
    assert!(object.contains("\ntagger Alice"), "{object}");
    assert!(
        object.contains(&format!("\n\n{name}\n-----BEGIN PGP SIGNATURE-----")),
        "{object}"
    );
    r.git(&["tag", "-v", &name]);

    // And HEAD is now covered by it.
    let (code, v) = r.verify_head();
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["head"]["status"], "covered");
    assert_eq!(v["head"]["covered_by"][0]["tag"], name.as_str());
    assert_eq!(v["head"]["covered_by"][0]["key"], t["key"]);
}

#[test]
fn a_member_tags_through_their_own_gpg() {
    let r = Repo::new();
    let out = r.tag(
        "bob",
        &["--gpg", "-m", "Security pack state, checked by Bob"],
    );
    out.assert_success();
    let name = out.json()["tag"].as_str().unwrap().to_string();
    assert!(name.starts_with("bob_sec_"), "{name}");
    let object = r.git(&["cat-file", "-p", &name]);
    assert!(
        object.contains("\n\nSecurity pack state, checked by Bob\n-----BEGIN"),
        "{object}"
    );
    r.git(&["tag", "-v", &name]);
    let (code, v) = r.verify_head();
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["head"]["covered_by"][0]["tag"], name.as_str());
}

#[test]
fn an_existing_tag_is_replaced_only_with_force() {
    let r = Repo::new();
    let alice = demo_key("alice");
    r.with_key("alice", &alice, &[]).assert_success();
    let first = r.tags();
    let e = json_error(&r.with_key("alice", &alice, &[]), 2);
    assert_eq!(e["error"]["code"], "tag-exists");
    assert_eq!(r.tags(), first);
    let out = r.with_key("alice", &alice, &["--force", "-m", "again"]);
    out.assert_success();
    assert_eq!(out.json()["replaced"], true);
    assert_eq!(r.tags(), first);
    let object = r.git(&["cat-file", "-p", &first]);
    assert!(object.contains("\n\nagain\n"), "{object}");
}

#[test]
fn keys_that_cannot_vouch_for_head_are_refused_and_nothing_is_written() {
    let r = Repo::new();
    // Another member's key file.
    let e = json_error(&r.with_key("alice", &demo_key("bob"), &[]), 1);
    assert_eq!(e["error"]["code"], "signer-mismatch");
    // A release key: its role may sign digests, not vouch for the pack.
    let e = json_error(&r.with_key("demo", &demo_key("release"), &[]), 1);
    assert_eq!(e["error"]["code"], "wrong-role");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("signer_roles"),
        "{e:#}"
    );
    // A key that is not in the pack at all.
    let fpr = r.gpg.generate(
        "20250101T000000",
        "Mallory <m@evil.invalid>",
        "ed25519",
        "sign",
        "0",
    );
    let mallory = r.dir.path().join("mallory.key");
    std::fs::write(&mallory, r.gpg.export_secret(&fpr)).unwrap();
    let e = json_error(&r.with_key("mallory", &mallory, &[]), 1);
    assert_eq!(e["error"]["code"], "untrusted-key");
    // A bad signer name, a message that would hide the signature.
    let e = json_error(&r.with_key("Alice Example", &demo_key("alice"), &[]), 2);
    assert_eq!(e["error"]["code"], "bad-signer-name");
    let armour = "text\n-----BEGIN PGP SIGNATURE-----\n";
    let e = json_error(&r.with_key("alice", &demo_key("alice"), &["-m", armour]), 2);
    assert_eq!(e["error"]["code"], "bad-input");
    assert_eq!(r.tags(), "");
}

#[test]
fn a_pack_without_a_commit_or_a_repository_has_no_head_to_tag() {
    let r = Repo::new();
    let fresh = r.dir.path().join("fresh");
    copy_dir(&demo_pack(), &fresh);
    let e = json_error(
        &r.tag_in(
            &fresh,
            "alice",
            &["--key", demo_key("alice").to_str().unwrap()],
        ),
        2,
    );
    assert_eq!(e["error"]["code"], "not-a-repository");
    r.gpg.git().init(&fresh);
    let e = json_error(
        &r.tag_in(
            &fresh,
            "alice",
            &["--key", demo_key("alice").to_str().unwrap()],
        ),
        2,
    );
    assert_eq!(e["error"]["code"], "unborn-head");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("git commit"),
        "{e:#}"
    );
}

#[test]
fn changes_left_in_the_work_tree_are_named() {
    let r = Repo::new();
    let readme = r.pack().join("README.md");
    let text = std::fs::read_to_string(&readme).unwrap();
    std::fs::write(&readme, format!("{text}\nNot committed.\n")).unwrap();
    let out = r.with_key("alice", &demo_key("alice"), &[]);
    out.assert_success();
    let t = out.json();
    assert_eq!(
        t["worktree_changes"],
        serde_json::json!([{"path": "README.md", "change": "modified"}])
    );
    // The text output says so too.
    let out = r
        .secpack()
        .args(["tag", "--master", DEMO_MASTER, "--as", "bob", "--key"])
        .arg(demo_key("bob"))
        .arg("--pack")
        .arg(r.pack())
        .output()
        .unwrap();
    out.assert_success();
    let text = out.stdout_text();
    assert!(text.contains("README.md"), "{text}");
    assert!(text.contains("commit them and tag again"), "{text}");
    assert!(text.contains("next: git push origin bob_sec_"), "{text}");
}

/// The codes of `status`'s items of kind `state`.
fn state_codes(r: &Repo) -> Vec<String> {
    let out = r
        .secpack()
        .args(["--json", "status", "--master", DEMO_MASTER])
        .arg(r.pack())
        .output()
        .unwrap();
    out.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "state")
        .map(|i| i["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn status_asks_for_a_tag_on_head_and_for_uncommitted_work() {
    let r = Repo::new();
    assert_eq!(state_codes(&r), ["uncovered-head"]);
    r.with_key("alice", &demo_key("alice"), &[])
        .assert_success();
    assert_eq!(state_codes(&r), Vec::<String>::new());
    std::fs::write(r.pack().join("QSBs/notes.txt"), "draft\n").unwrap();
    assert_eq!(state_codes(&r), ["worktree-changed"]);
    r.gpg.git().commit_all(&r.pack(), "notes");
    assert_eq!(state_codes(&r), ["uncovered-head"]);
}
