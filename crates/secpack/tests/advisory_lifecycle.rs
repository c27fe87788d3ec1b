//! The lifecycle of bulletins in the exports: dates from the git history of
//! the bulletin and its sidecar (real repositories made with `git`),
//! revisions and withdrawals recorded by `lifecycle::revise`/`withdraw`,
//! the fallback without git, and the tracker's advisories and CVEs.

mod export_support;

use std::path::Path;
use std::process::Command;

use chrono::NaiveDate;
use secpack::bulletin::lifecycle::{self, DatesFrom};
use secpack::export::csaf::{csaf_document, CsafSettings};
use secpack::export::{load_bulletins, osv, Finding, PackBulletin};
use secpack::pack::Pack;
use secpack::tracker::{Advisory, Affected, BulletinRef, Tracker};
use serde_json::{json, Value};

use export_support::*;

/// Runs git in `dir` with the author and committer date `date` (RFC 3339).
fn git(dir: &Path, date: &str, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Commits everything in `dir` at `date` with `message`.
fn commit_all(dir: &Path, date: &str, message: &str) {
    git(dir, date, &["add", "-A"]);
    git(dir, date, &["commit", "-q", "-m", message]);
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn load(root: &Path) -> (Pack, Vec<PackBulletin>, Vec<Finding>) {
    let pack = Pack::open(root).unwrap();
    let (b, f) = load_bulletins(&pack).unwrap();
    (pack, b, f)
}

fn find<'a>(bs: &'a [PackBulletin], id: &str) -> &'a PackBulletin {
    bs.iter().find(|b| b.id == id).unwrap()
}

fn record(pack: &Pack, bs: &[PackBulletin], id: &str) -> Value {
    let r = osv::osv_record(find(bs, id), &pack.config);
    serde_json::to_value(r).unwrap()
}

fn codes(findings: &[Finding]) -> Vec<(&str, &str)> {
    findings.iter().map(|f| (f.code, f.path.as_str())).collect()
}

const Q100: &str = "QSBs/qsb-100-2024.txt";
const Q101: &str = "QSBs/qsb-101-2024.txt";
const Q024: &str = "QSBs/qsb-024-2016.txt";

/// A demo pack committed on 2024-01-30, then: a revision of 100 (its
/// sidecar), a typo fixed in the text of 024, and 101 withdrawn, each in a
/// commit of its own.
fn history() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    demo_pack(root);
    git(root, "2024-01-30T10:00:00Z", &["init", "-q"]);
    commit_all(root, "2024-01-30T10:00:00Z", "Publish the bulletins");
    lifecycle::revise(
        root,
        Q100,
        ymd(2024, 2, 19),
        "Fixed packages for 4.3 listed.",
    )
    .unwrap();
    commit_all(root, "2024-02-20T09:30:00Z", "QSB-100: revision");
    let text = std::fs::read_to_string(root.join(Q024)).unwrap();
    std::fs::write(root.join(Q024), format!("{text}\n")).unwrap();
    commit_all(root, "2024-03-01T08:00:00Z", "Typo in the text of QSB-024");
    lifecycle::withdraw(root, Q101, ymd(2024, 3, 30), "Duplicate of DSB-100-2024.").unwrap();
    commit_all(root, "2024-04-01T12:00:00Z", "QSB-101: withdrawn");
    dir
}

#[test]
fn git_history_dates_each_bulletin() {
    let dir = history();
    let (pack, bs, findings) = load(dir.path());
    assert!(
        !codes(&findings).iter().any(|c| c.0 == "no-git-history"),
        "{findings:?}"
    );
    let b = find(&bs, "DSB-100-2024");
    assert_eq!(b.lifecycle.dates_from, DatesFrom::Git);
    let r = record(&pack, &bs, "DSB-100-2024");
    // Published by the first commit, modified by the revision's commit:
    // not the dates written in the sidecar, not the time of the export.
    assert_eq!(r["published"], "2024-01-30T10:00:00Z");
    assert_eq!(r["modified"], "2024-02-20T09:30:00Z");
    assert!(r.get("withdrawn").is_none());
    assert_eq!(r["database_specific"]["dates_from"], "git");
    // A bulletin never changed since: modified is its first commit.
    let r = record(&pack, &bs, "DSB-040-2018");
    assert_eq!(r["modified"], "2024-01-30T10:00:00Z");
    // A change to the text alone is a revision too.
    let r = record(&pack, &bs, "DSB-024-2016");
    assert_eq!(r["modified"], "2024-03-01T08:00:00Z");
    let r = record(&pack, &bs, "DSB-101-2024");
    assert_eq!(r["withdrawn"], "2024-04-01T12:00:00Z");
    assert_eq!(r["modified"], "2024-04-01T12:00:00Z");
    assert_eq!(
        r["database_specific"]["withdrawn_reason"],
        "Duplicate of DSB-100-2024."
    );
    let v = validator("osv");
    for b in &bs {
        let r = serde_json::to_value(osv::osv_record(b, &pack.config)).unwrap();
        assert_valid(&v, &r, &b.id);
    }
}

#[test]
fn csaf_revision_history_lists_each_commit() {
    let dir = history();
    let (pack, bs, _) = load(dir.path());
    let settings = CsafSettings::from_config(&pack.config, None).unwrap();
    let doc = |id: &str| csaf_document(find(&bs, id), &pack.config, &settings).unwrap();
    let revisions = |d: &Value| -> Vec<(String, String, String)> {
        d["document"]["tracking"]["revision_history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let s = |k: &str| r[k].as_str().unwrap().to_string();
                (s("number"), s("date"), s("summary"))
            })
            .collect()
    };
    let rev = |n: &str, d: &str, s: &str| (n.to_string(), d.to_string(), s.to_string());
    let d = doc("DSB-100-2024");
    assert_eq!(
        revisions(&d),
        vec![
            rev("1", "2024-01-30T10:00:00Z", "Initial release."),
            rev(
                "2",
                "2024-02-20T09:30:00Z",
                "Fixed packages for 4.3 listed."
            ),
        ]
    );
    let t = &d["document"]["tracking"];
    assert_eq!(t["version"], "2");
    assert_eq!(t["current_release_date"], "2024-02-20T09:30:00Z");
    assert_eq!(t["initial_release_date"], "2024-01-30T10:00:00Z");
    // Without a revision entry, the commit's subject is the summary.
    assert_eq!(
        revisions(&doc("DSB-024-2016"))[1],
        rev("2", "2024-03-01T08:00:00Z", "Typo in the text of QSB-024")
    );
    let d = doc("DSB-101-2024");
    assert_eq!(
        revisions(&d).last().unwrap(),
        &rev(
            "2",
            "2024-04-01T12:00:00Z",
            "Withdrawn: Duplicate of DSB-100-2024."
        )
    );
    let notes = d["document"]["notes"].as_array().unwrap();
    assert!(notes
        .iter()
        .any(|n| n["title"] == "Withdrawn" && n["text"].as_str().unwrap().contains("Duplicate")));
    let v = validator("csaf");
    for id in ["DSB-100-2024", "DSB-101-2024", "DSB-024-2016"] {
        assert_valid(&v, &doc(id), id);
    }
}

#[test]
fn changes_not_committed_yet_keep_the_sidecar_date() {
    let dir = history();
    let root = dir.path();
    lifecycle::revise(root, Q100, ymd(2024, 5, 2), "Second revision.").unwrap();
    std::fs::write(
        root.join("QSBs/qsb-200-2024.txt"),
        std::fs::read_to_string(root.join(Q101)).unwrap(),
    )
    .unwrap();
    let (pack, bs, findings) = load(root);
    let c = codes(&findings);
    assert!(c.contains(&("uncommitted-changes", Q100)), "{c:?}");
    assert!(
        c.contains(&("not-committed", "QSBs/qsb-200-2024.txt")),
        "{c:?}"
    );
    let r = record(&pack, &bs, "DSB-100-2024");
    assert_eq!(r["modified"], "2024-05-02T00:00:00Z");
    let b = find(&bs, "DSB-200-2024");
    assert_eq!(b.lifecycle.dates_from, DatesFrom::Sidecar);
}

#[test]
fn without_git_the_sidecar_dates_are_used_and_said() {
    let dir = tempfile::tempdir().unwrap();
    demo_pack(dir.path());
    lifecycle::withdraw(dir.path(), Q101, ymd(2024, 6, 30), "Duplicate.").unwrap();
    let (pack, bs, findings) = load(dir.path());
    assert!(codes(&findings).contains(&("no-git-history", ".")));
    let r = record(&pack, &bs, "DSB-101-2024");
    assert_eq!(r["published"], "2024-05-02T00:00:00Z");
    assert_eq!(r["withdrawn"], "2024-06-30T00:00:00Z");
    assert_eq!(r["modified"], "2024-06-30T00:00:00Z");
    assert_eq!(r["database_specific"]["dates_from"], "sidecar");
    assert_valid(&validator("osv"), &r, "101");
    // A withdrawal dated before the date of issue stops the export, naming
    // the sidecar.
    std::fs::write(
        dir.path().join("QSBs/qsb-101-2024.toml"),
        "[withdrawn]\ndate = 2024-04-01\nreason = \"Too early.\"\n",
    )
    .unwrap();
    let pack = Pack::open(dir.path()).unwrap();
    let e = format!(
        "{:#}",
        anyhow::Error::from(load_bulletins(&pack).unwrap_err())
    );
    assert!(
        e.contains("qsb-101-2024.toml") && e.contains("before the date of issue"),
        "{e}"
    );
}

#[test]
fn a_repository_with_no_commit_yet_is_a_pack_without_history() {
    // What `secpack init` leaves: `git init` run, nothing committed.
    let dir = tempfile::tempdir().unwrap();
    demo_pack(dir.path());
    git(dir.path(), "2025-06-01T07:00:00Z", &["init", "-q"]);
    let (pack, bs, findings) = load(dir.path());
    assert!(codes(&findings).contains(&("no-git-history", ".")));
    let r = record(&pack, &bs, "DSB-100-2024");
    assert_eq!(r["database_specific"]["dates_from"], "sidecar");
}

#[test]
fn a_pack_in_a_folder_of_a_repository_reads_its_history() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("security/pack");
    std::fs::create_dir_all(&root).unwrap();
    demo_pack(&root);
    std::fs::write(dir.path().join("README"), "other things\n").unwrap();
    git(dir.path(), "2025-06-01T07:00:00Z", &["init", "-q"]);
    commit_all(dir.path(), "2025-06-01T07:00:00Z", "Import");
    std::fs::write(dir.path().join("README"), "changed\n").unwrap();
    commit_all(dir.path(), "2025-06-02T07:00:00Z", "Unrelated change");
    let (pack, bs, findings) = load(&root);
    assert!(!codes(&findings).iter().any(|c| c.0 == "no-git-history"));
    let r = record(&pack, &bs, "DSB-100-2024");
    assert_eq!(r["published"], "2025-06-01T07:00:00Z");
    assert_eq!(r["modified"], "2025-06-01T07:00:00Z");
    // The first commit is later than the date of issue the text gives.
    assert!(codes(&findings).contains(&("issue-date-differs", Q100)));
}

#[test]
fn exports_from_the_same_history_are_identical() {
    let dir = history();
    let (pack, bs, _) = load(dir.path());
    let a = osv::osv_files(&bs, &pack.config).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (pack, bs, _) = load(dir.path());
    let b = osv::osv_files(&bs, &pack.config).unwrap();
    assert_eq!(a, b);
}

#[test]
fn the_tracker_adds_the_advisories_a_bulletin_covers_and_their_cves() {
    let dir = tempfile::tempdir().unwrap();
    demo_pack(dir.path());
    let mut row = Advisory::new(999);
    row.affected = Affected::Yes;
    row.bulletin = Some(BulletinRef {
        number: 101,
        year: 2024,
    });
    row.cves = vec!["CVE-2099-0001".into()];
    let mut unused = Advisory::new(998);
    unused.unused = true;
    unused.bulletin = row.bulletin;
    let tracker = Tracker::from_rows(vec![row, unused]).unwrap();
    let pack = Pack::open(dir.path()).unwrap();
    secpack::tracker::store::save(&tracker, &pack.path_of(&pack.config.tracker.file)).unwrap();
    let (pack, bs, _) = load(dir.path());
    let r = record(&pack, &bs, "DSB-101-2024");
    let aliases = r["aliases"].as_array().unwrap();
    assert!(aliases.contains(&json!("XSA-999")), "{aliases:?}");
    assert!(aliases.contains(&json!("CVE-2099-0001")), "{aliases:?}");
    assert!(
        !aliases.contains(&json!("XSA-998")),
        "unused rows are not advisories"
    );
    let upstream = r["upstream"].as_array().unwrap();
    assert!(upstream.contains(&json!("XSA-999")) && upstream.contains(&json!("CVE-2099-0001")));
    // A sidecar listing the advisories replaces them, the tracker's too.
    std::fs::write(
        dir.path().join("QSBs/qsb-101-2024.toml"),
        "upstream_advisories = [450]\ncves = []\n",
    )
    .unwrap();
    let (pack, bs, _) = load(dir.path());
    let r = record(&pack, &bs, "DSB-101-2024");
    assert_eq!(r["aliases"], json!(["XSA-450"]));
    assert_eq!(r["upstream"], json!(["XSA-450"]));
}
