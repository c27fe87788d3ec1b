//! The state of a pack against real git repositories made in the test, with
//! tags and commits signed by `gpg`: HEAD authentication, the history policy,
//! rollback and freeze. Every failure is checked by its exact code.

use std::path::Path;

use secpack::history::state::{self, Numbered, PackState, StateCode};
use secpack::history::walk::FindingCode;
use secpack::history::{track_state, HeadStatus, StateOptions};
use secpack::pack::Pack;
use secpack::trust::pin::MasterPin;
use secpack::trust::{verify_pack, PackReport, VerifyOptions};
use secpack_testsupport::pack::bulletin;
use secpack_testsupport::*;

/// git in `dir`, signing with the shared keys.
fn git_in(dir: &Path, args: &[&str]) -> String {
    keys().gpg.git().run(dir, args)
}

/// A pack with one signed bulletin in a fresh repository, first commit made.
fn repo_pack() -> TestPack {
    let k = keys();
    let p = TestPack::with_keys();
    // Mallory's uncertified key is a stray file for these tests.
    std::fs::remove_file(p.path("keys/security-team/mallory-test.asc")).unwrap();
    p.signed_doc("QSBs/qsb-001-2024.txt", BULLETIN, &[("alice", &k.alice)]);
    k.gpg.git().init(p.root());
    commit_all(&p, "first bulletin");
    p
}

fn commit_all(p: &TestPack, message: &str) -> String {
    keys().gpg.git().commit_all(p.root(), message)
}

fn tag(p: &TestPack, key: &str, name: &str) {
    keys().gpg.git().signed_tag(p.root(), key, name, name);
}

fn add_bulletin(p: &TestPack, n: u32) -> String {
    let k = keys();
    p.signed_doc(
        &format!("QSBs/qsb-{n:03}-2024.txt"),
        &bulletin(n),
        &[("alice", &k.alice)],
    );
    commit_all(p, &format!("bulletin {n}"))
}

fn verify_at(root: &Path, options: VerifyOptions) -> PackReport {
    secpack_testsupport::pack::verify_at(root, &keys().master, options)
}

fn head_only() -> VerifyOptions {
    VerifyOptions {
        head: true,
        ..Default::default()
    }
}

fn history() -> VerifyOptions {
    VerifyOptions {
        head: true,
        history: true,
        ..Default::default()
    }
}

fn codes(r: &PackReport) -> Vec<FindingCode> {
    r.history
        .as_ref()
        .expect("history walked")
        .findings
        .iter()
        .map(|f| f.code)
        .collect()
}

#[test]
fn head_tagged_by_a_team_member_is_covered_and_the_history_follows_the_policy() {
    let k = keys();
    let p = repo_pack();
    tag(&p, &k.alice, "alice_sec_0001");
    add_bulletin(&p, 2);
    let head = add_bulletin(&p, 3);
    tag(&p, &k.bob, &format!("bob_sec_{}", &head[..8]));
    let r = verify_at(p.root(), history());
    let h = r.head.as_ref().unwrap();
    assert_eq!(h.status, HeadStatus::Covered, "{h:?}");
    assert_eq!(h.commit.as_deref(), Some(head.as_str()));
    assert_eq!(h.covered_by[0].key.as_deref(), Some(k.bob.as_str()));
    assert!(h.worktree_changes.is_empty(), "{:?}", h.worktree_changes);
    let hist = r.history.as_ref().unwrap();
    assert!(hist.ok, "{hist:?}");
    assert_eq!((hist.commits, hist.covered, hist.signed_points), (3, 3, 2));
    assert!(r.summary.ok, "{:?}", r.summary.failures);
}

#[test]
fn an_untagged_head_fails_and_work_tree_changes_are_listed() {
    let k = keys();
    let p = repo_pack();
    tag(&p, &k.alice, "alice_sec_0001");
    add_bulletin(&p, 2);
    std::fs::write(p.path("README.md"), "edited after the commit\n").unwrap();
    let r = verify_at(p.root(), head_only());
    let h = r.head.as_ref().unwrap();
    assert_eq!(h.status, HeadStatus::UncoveredHead, "{h:?}");
    assert_eq!(h.status.code(), "uncovered-head");
    assert_eq!(h.worktree_changes.len(), 1, "{:?}", h.worktree_changes);
    assert_eq!(h.worktree_changes[0].path, "README.md");
    assert!(!r.summary.ok);
    assert_fails_with(&r, "uncovered-head");
}

#[test]
fn work_tree_changes_fail_only_under_strict() {
    let k = keys();
    let p = repo_pack();
    tag(&p, &k.alice, "alice_sec_0001");
    std::fs::remove_file(p.path("QSBs/qsb-001-2024.txt.sig.alice")).unwrap();
    p.write(
        "QSBs/qsb-001-2024.txt.sig.alice",
        &keys().gpg.sign(T_SIGN, &k.alice, "SHA512", BULLETIN),
    );
    let relaxed = verify_at(p.root(), head_only());
    let h = relaxed.head.as_ref().unwrap();
    assert_eq!(h.status, HeadStatus::Covered);
    assert_eq!(
        h.worktree_changes[0].path,
        "QSBs/qsb-001-2024.txt.sig.alice"
    );
    assert!(relaxed.summary.ok, "{:?}", relaxed.summary.failures);
    let strict = verify_at(
        p.root(),
        VerifyOptions {
            strict: true,
            ..head_only()
        },
    );
    assert!(!strict.head.as_ref().unwrap().ok);
    assert!(!strict.summary.ok);
}

#[test]
fn a_head_tag_by_an_uncertified_key_does_not_count() {
    let k = keys();
    let p = repo_pack();
    // Mallory's key is in the pack but the master never certified it.
    p.write(
        "keys/security-team/mallory-test.asc",
        &k.gpg.export(&k.mallory),
    );
    commit_all(&p, "mallory's key");
    tag(&p, &k.mallory, "mallory_sec_0001");
    let r = verify_at(p.root(), head_only());
    let h = r.head.as_ref().unwrap();
    assert_eq!(h.status, HeadStatus::UncoveredHead);
    assert_eq!(h.refused.len(), 1);
    assert_eq!(h.refused[0].status.code(), "untrusted-key");
    assert!(h.reason.contains("mallory_sec_0001"), "{}", h.reason);
    assert!(!r.summary.ok);
}

#[test]
fn a_head_tag_by_a_role_the_policy_does_not_allow_does_not_count() {
    let k = keys();
    let p = repo_pack();
    tag(&p, &k.release, "release_sec_0001");
    let r = verify_at(p.root(), head_only());
    let h = r.head.as_ref().unwrap();
    assert_eq!(h.status, HeadStatus::UncoveredHead, "{h:?}");
    assert_eq!(h.refused[0].role.as_deref(), Some("release"));
    assert!(h.refused[0].reason.contains("signer_roles"));
}

#[test]
fn a_signed_commit_vouches_for_head() {
    let k = keys();
    let p = repo_pack();
    p.signed_doc(
        "QSBs/qsb-002-2024.txt",
        &bulletin(2),
        &[("alice", &k.alice)],
    );
    git_in(p.root(), &["add", "-A"]);
    git_in(
        p.root(),
        &[
            "commit",
            "-q",
            &format!("--gpg-sign={}", k.bob),
            "-m",
            "signed",
        ],
    );
    let r = verify_at(p.root(), history());
    let h = r.head.as_ref().unwrap();
    assert_eq!(h.status, HeadStatus::Covered, "{h:?}");
    assert_eq!(h.covered_by[0].tag, None);
    assert_eq!(h.covered_by[0].key.as_deref(), Some(k.bob.as_str()));
}

#[test]
fn a_new_unsigned_commit_editing_the_config_is_named() {
    let k = keys();
    let p = repo_pack();
    tag(&p, &k.alice, "alice_sec_0001");
    // Someone with push access (or a mirror) adds a commit that changes the
    // configuration, without any signature vouching for it.
    p.write("secpack.toml", b"[signers]\ndefault_required = 1\n");
    let evil = commit_all(&p, "tweak config");
    let r = verify_at(p.root(), history());
    assert_eq!(r.head.as_ref().unwrap().status, HeadStatus::UncoveredHead);
    let hist = r.history.as_ref().unwrap();
    let named: Vec<_> = hist
        .findings
        .iter()
        .map(|f| (f.code, f.commit.as_deref(), f.path.as_deref()))
        .collect();
    assert!(
        named.contains(&(FindingCode::UncoveredCommit, Some(evil.as_str()), None)),
        "{named:?}"
    );
    assert!(
        named.contains(&(
            FindingCode::UnsignedSensitiveChange,
            Some(evil.as_str()),
            Some("secpack.toml")
        )),
        "{named:?}"
    );
    assert!(!r.summary.ok);
}

#[test]
fn a_key_change_vouched_for_only_by_a_release_key_is_refused_by_the_sensitive_rule() {
    let k = keys();
    let p = repo_pack();
    // Release managers may tag (signer_roles), but only the security team
    // may vouch for key changes (sensitive_roles, the default).
    p.signed_config(b"[history]\nsigner_roles = [\"security-team\", \"release\"]\n");
    commit_all(&p, "policy");
    tag(&p, &k.alice, "alice_sec_0001");
    p.write("keys/security-team/extra.asc", &k.gpg.export(&k.bob));
    let change = commit_all(&p, "another key");
    tag(&p, &k.release, "release_sec_0001");
    let r = verify_at(p.root(), history());
    assert_eq!(r.head.as_ref().unwrap().status, HeadStatus::Covered);
    let hist = r.history.as_ref().unwrap();
    assert_eq!(
        codes(&r),
        vec![FindingCode::UnsignedSensitiveChange],
        "{hist:?}"
    );
    assert_eq!(hist.findings[0].commit.as_deref(), Some(change.as_str()));
    assert_eq!(hist.findings[0].path.as_deref(), Some("keys"));
    assert!(!r.summary.ok);
}

#[test]
fn the_commits_policy_wants_every_commit_signed() {
    let k = keys();
    let p = repo_pack();
    p.signed_config(b"[history]\nrequire = \"commits\"\n");
    commit_all(&p, "policy");
    tag(&p, &k.alice, "alice_sec_0001");
    let middle = add_bulletin(&p, 2);
    add_bulletin(&p, 3);
    tag(&p, &k.bob, "bob_sec_0003");
    let r = verify_at(p.root(), history());
    let hist = r.history.as_ref().unwrap();
    assert_eq!(codes(&r), vec![FindingCode::UncoveredCommit], "{hist:?}");
    assert_eq!(hist.findings[0].commit.as_deref(), Some(middle.as_str()));
    // The same history passes the default `tags` policy: the middle commit
    // lies under bob's tag.
    p.signed_config(b"[history]\nrequire = \"tags\"\n");
    commit_all(&p, "policy back to tags");
    tag(&p, &k.alice, "alice_sec_0004");
    let r = verify_at(p.root(), history());
    assert!(r.history.as_ref().unwrap().ok, "{:?}", r.history);
}

#[test]
fn a_rewritten_history_is_uncovered_and_a_missing_trust_root_is_named() {
    let k = keys();
    let p = repo_pack();
    let first = git_in(p.root(), &["rev-parse", "HEAD"]);
    tag(&p, &k.alice, "alice_sec_0001");
    let second = add_bulletin(&p, 2);
    tag(&p, &k.alice, "alice_sec_0002");
    // Rewrite: drop the second commit and make another one in its place.
    git_in(p.root(), &["reset", "-q", "--hard", &first]);
    p.write("QSBs/qsb-002-2024.txt", b"a different bulletin 2\n");
    let forged = commit_all(&p, "bulletin 2, rewritten");
    let r = verify_at(p.root(), history());
    assert_eq!(r.head.as_ref().unwrap().status, HeadStatus::UncoveredHead);
    let hist = r.history.as_ref().unwrap();
    assert!(hist
        .findings
        .iter()
        .any(|f| f.code == FindingCode::UncoveredCommit && f.commit.as_deref() == Some(&forged)));
    // A team that pinned the second commit as its trust root sees that it
    // is gone from the history.
    p.signed_config(format!("[history]\ntrust_root = \"{second}\"\n").as_bytes());
    commit_all(&p, "pin the root");
    tag(&p, &k.alice, "alice_sec_0003");
    let r = verify_at(p.root(), history());
    assert_eq!(codes(&r), vec![FindingCode::TrustRootMissing]);
}

#[test]
fn a_signature_by_a_key_revoked_since_is_named() {
    let k = keys();
    let gpg = &k.gpg;
    let dave = gpg.generate(
        T_KEYS,
        "Dave Revoked (throwaway) <dave@test.invalid>",
        "ed25519",
        "sign",
        "never",
    );
    gpg.certify(T_CERT, &k.master, &dave);
    let p = repo_pack();
    tag(&p, &k.alice, "alice_sec_0001");
    let second = add_bulletin(&p, 2);
    tag(&p, &dave, "dave_sec_0002");
    tag(&p, &k.alice, "alice_sec_0002");
    // Dave's key is revoked afterwards; the pack carries the revocation.
    gpg.revoke(None, &dave);
    p.write("keys/security-team/dave-test.asc", &gpg.export(&dave));
    commit_all(&p, "dave's key, revoked");
    tag(&p, &k.alice, "alice_sec_0003");
    let r = verify_at(p.root(), history());
    let hist = r.history.as_ref().unwrap();
    let revoked: Vec<_> = hist
        .findings
        .iter()
        .filter(|f| f.code == FindingCode::RevokedSigner)
        .collect();
    assert_eq!(revoked.len(), 1, "{hist:?}");
    assert_eq!(revoked[0].key.as_deref(), Some(dave.as_str()));
    assert_eq!(revoked[0].commit.as_deref(), Some(second.as_str()));
    // Alice's tag still vouches for that commit: a warning, failing only
    // under --strict.
    assert!(hist.ok, "{hist:?}");
    let strict = verify_at(
        p.root(),
        VerifyOptions {
            strict: true,
            ..history()
        },
    );
    assert!(!strict.history.as_ref().unwrap().ok);
}

#[test]
fn a_pack_that_is_not_a_repository_has_no_head_to_vouch_for() {
    let p = TestPack::with_keys();
    p.signed_doc(
        "QSBs/qsb-001-2024.txt",
        BULLETIN,
        &[("alice", &keys().alice)],
    );
    let r = verify_at(p.root(), head_only());
    assert_eq!(r.head.as_ref().unwrap().status.code(), "not-a-repository");
    assert!(!r.summary.ok);
}

// Rollback and freeze.

fn state_options(file: &Path) -> StateOptions {
    StateOptions {
        path: file.to_path_buf(),
        forget: false,
        now: chrono::Utc::now(),
    }
}

fn verify_tracked(root: &Path, file: &Path) -> PackReport {
    let pack = Pack::open(root).unwrap();
    let mut r = verify_pack(
        &pack,
        &MasterPin::parse(&keys().master).unwrap(),
        head_only(),
        &|| {},
    );
    track_state(&pack, &mut r, &state_options(file)).unwrap();
    r
}

fn state_codes(r: &PackReport) -> Vec<StateCode> {
    r.state
        .as_ref()
        .unwrap()
        .findings
        .iter()
        .map(|f| f.code)
        .collect()
}

#[test]
fn a_rolled_back_clone_fails_with_rollback() {
    let k = keys();
    let p = repo_pack();
    tag(&p, &k.alice, "alice_sec_0001");
    add_bulletin(&p, 2);
    tag(&p, &k.alice, "alice_sec_0002");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.toml");
    let r = verify_tracked(p.root(), &file);
    assert!(r.summary.ok, "{:?}", r.summary.failures);
    assert!(r.state.as_ref().unwrap().saved);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let remembered = state::load(&file).unwrap().unwrap();
    assert_eq!(remembered.bulletin.as_ref().unwrap().number, 2);

    // A mirror serves a clone one commit older: still fully signed.
    let clone = tempfile::tempdir().unwrap();
    let old = clone.path().join("pack");
    git_in(
        dir.path(),
        &[
            "clone",
            "-q",
            p.root().to_str().unwrap(),
            old.to_str().unwrap(),
        ],
    );
    git_in(&old, &["reset", "-q", "--hard", "alice_sec_0001"]);
    let r = verify_tracked(&old, &file);
    assert_eq!(
        state_codes(&r),
        vec![StateCode::Rollback, StateCode::Rollback]
    );
    assert!(!r.summary.ok);
    assert!(r.summary.failures.iter().any(|f| f.ends_with("(rollback)")));
    // The baseline is not lowered by the failing run.
    assert_eq!(state::load(&file).unwrap().unwrap(), remembered);
    // The up-to-date pack still verifies against it.
    assert!(verify_tracked(p.root(), &file).summary.ok);
}

#[test]
fn a_frozen_clone_fails_with_frozen_once_the_canary_is_overdue() {
    let k = keys();
    let p = repo_pack();
    let canary = b"\n          ---===[ Test Canary 001 ]===---\n\n\nStatements\n-----------\n\n\
The Test Security Team members who have signed this canary declare the following:\n\n\
1. The date of issue of this canary is 2024-03-01.\n\n\
2. We plan to publish the next of these canary statements in the first\n\
fourteen days of June 2024.\n";
    p.signed_doc(
        "canaries/canary-001-2024.txt",
        canary,
        &[("alice", &k.alice)],
    );
    commit_all(&p, "canary");
    tag(&p, &k.alice, "alice_sec_0001");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.toml");
    // First use: nothing remembered, nothing to compare with.
    let first = verify_tracked(p.root(), &file);
    assert!(first.summary.ok, "{:?}", first.summary.failures);
    assert_eq!(
        first.state.as_ref().unwrap().observed.canary,
        Some(Numbered {
            number: 1,
            date: chrono::NaiveDate::from_ymd_opt(2024, 3, 1)
        })
    );
    // The copy never moved, and the canary's promised window has closed.
    let again = verify_tracked(p.root(), &file);
    assert_eq!(state_codes(&again), vec![StateCode::Frozen]);
    assert!(!again.summary.ok);
}

/// Verifies `root` with default options (no git checks) and tracks its
/// state in `file`.
fn verify_remembering(root: &Path, file: &Path, forget: bool) -> PackReport {
    let pack = Pack::open(root).unwrap();
    let mut r = verify_pack(
        &pack,
        &MasterPin::parse(&keys().master).unwrap(),
        VerifyOptions::default(),
        &|| {},
    );
    let options = StateOptions {
        forget,
        ..state_options(file)
    };
    track_state(&pack, &mut r, &options).unwrap();
    r
}

#[test]
fn a_signed_file_left_without_its_signatures_fails_with_downgrade() {
    let k = keys();
    let p = TestPack::with_keys();
    std::fs::remove_file(p.path("keys/security-team/mallory-test.asc")).unwrap();
    let digests = b"0123456789abcdef0123456789abcdef *Demo.iso\n";
    p.write(
        "digests/Clear.iso.DIGESTS",
        &k.gpg.clearsign(T_SIGN, &k.release, digests),
    );
    p.signed_doc(
        "digests/Detached.iso.DIGESTS",
        digests,
        &[("rel", &k.release)],
    );
    p.signed_doc("digests/Gone.iso.DIGESTS", digests, &[("rel", &k.release)]);
    // Unsigned from the start: allowed by default, and never a downgrade.
    p.write("digests/Old.iso.DIGESTS", digests);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.toml");
    let first = verify_remembering(p.root(), &file, false);
    assert!(first.summary.ok, "{:?}", first.summary.failures);
    let remembered = state::load(&file).unwrap().unwrap();
    assert_eq!(
        remembered
            .signed
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        [
            "digests/Clear.iso.DIGESTS",
            "digests/Detached.iso.DIGESTS",
            "digests/Gone.iso.DIGESTS"
        ]
    );

    // Each file unsigned alone would pass a default run; only the memory
    // of it having been signed refuses it. A removed file is no downgrade.
    p.write("digests/Clear.iso.DIGESTS", digests);
    std::fs::remove_file(p.path("digests/Detached.iso.DIGESTS.sig.rel")).unwrap();
    std::fs::remove_file(p.path("digests/Gone.iso.DIGESTS")).unwrap();
    std::fs::remove_file(p.path("digests/Gone.iso.DIGESTS.sig.rel")).unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let unremembered = verify_remembering(p.root(), &fresh.path().join("s.toml"), false);
    assert!(
        unremembered.summary.ok,
        "{:?}",
        unremembered.summary.failures
    );
    let r = verify_remembering(p.root(), &file, false);
    assert_eq!(
        state_codes(&r),
        [StateCode::Downgrade, StateCode::Downgrade]
    );
    let reasons: Vec<&str> = r
        .state
        .as_ref()
        .unwrap()
        .findings
        .iter()
        .map(|f| f.reason.as_str())
        .collect();
    assert!(
        reasons[0].starts_with("digests/Clear.iso.DIGESTS was signed"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].starts_with("digests/Detached.iso.DIGESTS was signed"),
        "{reasons:?}"
    );
    assert!(!r.summary.ok);
    assert!(r
        .summary
        .failures
        .iter()
        .any(|f| f.ends_with("(downgrade)")));
    // The failing run did not lower the baseline: the next run fails too.
    assert_eq!(state::load(&file).unwrap().unwrap(), remembered);
    assert_eq!(
        state_codes(&verify_remembering(p.root(), &file, false)).len(),
        2
    );
    // Signed again, it passes; a deliberate change is accepted by forgetting.
    p.write(
        "digests/Clear.iso.DIGESTS",
        &k.gpg.clearsign(T_SIGN, &k.release, digests),
    );
    let r = verify_remembering(p.root(), &file, false);
    assert_eq!(state_codes(&r), [StateCode::Downgrade]);
    let r = verify_remembering(p.root(), &file, true);
    assert!(r.summary.ok, "{:?}", r.summary.failures);
    assert!(!state::load(&file)
        .unwrap()
        .unwrap()
        .signed
        .contains("digests/Detached.iso.DIGESTS"));
}

#[test]
fn the_state_check_compares_numbers_dates_and_commit_times() {
    let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    let d = |s: &str| Some(s.parse::<chrono::NaiveDate>().unwrap());
    let old = PackState {
        master: "AB".into(),
        head: None,
        head_time: Some(t("2025-01-02T00:00:00Z")),
        bulletin: Some(Numbered {
            number: 5,
            date: d("2025-01-01"),
        }),
        canary: Some(Numbered {
            number: 3,
            date: d("2025-01-01"),
        }),
        signed: Default::default(),
        verified_at: t("2025-01-03T00:00:00Z"),
    };
    let same = old.clone();
    assert!(state::check(Some(&old), &same, None, None).is_empty());
    assert!(state::check(None, &same, Some(40), None).is_empty());
    let code = |s: &PackState, overdue| {
        state::check(Some(&old), s, overdue, None)
            .iter()
            .map(|f| f.code)
            .collect::<Vec<_>>()
    };
    let lower = PackState {
        bulletin: Some(Numbered {
            number: 4,
            date: d("2025-01-01"),
        }),
        ..old.clone()
    };
    assert_eq!(code(&lower, None), [StateCode::Rollback]);
    let no_canary = PackState {
        canary: None,
        ..old.clone()
    };
    assert_eq!(code(&no_canary, None), [StateCode::Rollback]);
    let older_date = PackState {
        canary: Some(Numbered {
            number: 3,
            date: d("2024-12-01"),
        }),
        ..old.clone()
    };
    assert_eq!(code(&older_date, None), [StateCode::Frozen]);
    let older_head = PackState {
        head_time: Some(t("2025-01-01T00:00:00Z")),
        ..old.clone()
    };
    assert_eq!(code(&older_head, None), [StateCode::Frozen]);
    assert_eq!(code(&same, Some(3)), [StateCode::Frozen]);
    let newer = PackState {
        bulletin: Some(Numbered {
            number: 6,
            date: d("2025-02-01"),
        }),
        head_time: Some(t("2025-02-01T00:00:00Z")),
        ..old.clone()
    };
    assert!(code(&newer, None).is_empty());
}

#[test]
fn an_unsafe_or_foreign_state_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.toml");
    std::fs::write(
        &file,
        "master = \"AB\"\nverified_at = \"2025-01-01T00:00:00Z\"\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(state::load(&file).unwrap_err().code(), "state-unusable");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    assert_eq!(state::load(&file).unwrap().unwrap().master, "AB");
    // A state remembered for another master key is not silently replaced.
    let p = TestPack::with_keys();
    p.signed_doc(
        "QSBs/qsb-001-2024.txt",
        BULLETIN,
        &[("alice", &keys().alice)],
    );
    let pack = Pack::open(p.root()).unwrap();
    let mut r = verify_pack(
        &pack,
        &MasterPin::parse(&keys().master).unwrap(),
        VerifyOptions::default(),
        &|| {},
    );
    let e = track_state(&pack, &mut r, &state_options(&file)).unwrap_err();
    assert_eq!(e.code(), "state-unusable");
    assert!(e.to_string().contains("AB"), "{e}");
    // A link is refused.
    #[cfg(unix)]
    {
        let link = dir.path().join("link.toml");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert_eq!(state::load(&link).unwrap_err().code(), "state-unusable");
    }
    // Garbage is refused, not taken as a first use.
    std::fs::write(&file, b"\xff\xfe not toml").unwrap();
    assert!(state::load(&file).is_err());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn numbered() -> impl Strategy<Value = Option<Numbered>> {
        proptest::option::of((0u32..200, 0i64..4000).prop_map(|(number, days)| {
            Numbered {
                number,
                date: chrono::NaiveDate::from_ymd_opt(2015, 1, 1)
                    .map(|d| d + chrono::Duration::days(days)),
            }
        }))
    }

    fn pack_state() -> impl Strategy<Value = PackState> {
        (
            numbered(),
            numbered(),
            proptest::option::of(0i64..1_000_000),
        )
            .prop_map(|(bulletin, canary, t)| PackState {
                master: "AB".into(),
                head: None,
                head_time: t.and_then(|t| chrono::DateTime::from_timestamp(1_500_000_000 + t, 0)),
                bulletin,
                canary,
                signed: Default::default(),
                verified_at: chrono::Utc::now(),
            })
    }

    proptest! {
        /// A state compared with itself, or with one that only moved
        /// forward, is neither rolled back nor frozen.
        #[test]
        fn moving_forward_is_never_a_finding(old in pack_state(), up in 0u32..5, later in 0i64..1000) {
            let forward = |n: &Option<Numbered>| n.as_ref().map(|n| Numbered {
                number: n.number + up,
                date: n.date.map(|d| d + chrono::Duration::days(later)),
            });
            let new = PackState {
                bulletin: forward(&old.bulletin),
                canary: forward(&old.canary),
                head_time: old.head_time.map(|t| t + chrono::Duration::seconds(later)),
                ..old.clone()
            };
            prop_assert!(state::check(Some(&old), &old, None, None).is_empty());
            prop_assert!(state::check(Some(&old), &new, None, None).is_empty());
        }

        /// Any number that went down is a rollback, whatever else changed.
        #[test]
        fn a_lower_number_is_always_a_rollback(old in pack_state(), new in pack_state()) {
            let lower = |o: &Option<Numbered>, n: &Option<Numbered>| match (o, n) {
                (Some(o), Some(n)) => n.number < o.number,
                (Some(_), None) => true,
                _ => false,
            };
            let findings = state::check(Some(&old), &new, None, None);
            if lower(&old.bulletin, &new.bulletin) || lower(&old.canary, &new.canary) {
                prop_assert!(findings.iter().any(|f| f.code == StateCode::Rollback));
            }
            // An overdue canary always freezes against a remembered state.
            let frozen = state::check(Some(&old), &new, Some(1), None);
            prop_assert!(frozen.iter().any(|f| f.code == StateCode::Frozen));
        }
    }
}
