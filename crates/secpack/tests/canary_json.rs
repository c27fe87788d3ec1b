//! The machine-readable block of canaries: written by `draft_canary_with`,
//! read back by the audit, each disagreement with the prose and each
//! impossible date reported with its own code.

use chrono::{DateTime, NaiveDate, Utc};
use secpack::canary::audit::{audit_pack, AuditOptions, AuditReport, FindingKind, Severity};
use secpack::canary::machine::{self, BlockFacts, BEGIN, END};
use secpack::pack::Pack;
use secpack::team::{draft_canary_with, init_pack, CanaryProof, InitOptions};

const MASTER: &str = "0123456789ABCDEF0123456789ABCDEF01234567";
const HASH: &str = "00000000000000000002fb0e59c723277069b5389aa2df4b8ff6dc8d80da6ad4";

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn proof(day: &str, hash: &str) -> String {
    format!("{day} 10:00:00 +0000\n\nSource: Wire (https://w.test/rss)\nOne\nTwo\n\nSource: Chain\n{hash}\n")
}

/// A new pack and its root.
fn pack() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("p");
    let options = InitOptions {
        project: "Demo".into(),
        git: false,
    };
    init_pack(&root, &options).unwrap();
    (dir, root)
}

/// Writes canary 1, issued 2026-01-05, quoting a block mined at `time`.
fn write_first(root: &std::path::Path, time: Option<DateTime<Utc>>) -> String {
    let pack = Pack::open(root).unwrap();
    let text = proof("Mon, 05 Jan 2026", HASH);
    let p = CanaryProof {
        text: &text,
        block: BlockFacts {
            height: Some(930_000),
            time,
        },
        allow_stale: false,
    };
    let draft = draft_canary_with(&pack, None, ymd(2026, 1, 5), MASTER, p).unwrap();
    std::fs::write(root.join(&draft.path), &draft.text).unwrap();
    draft.path
}

fn audit(root: &std::path::Path) -> AuditReport {
    let pack = Pack::open(root).unwrap();
    let options = AuditOptions {
        now: ymd(2026, 2, 1),
        master: None,
        signatures: None,
        since: None,
    };
    audit_pack(&pack, &options)
}

fn json_kinds(r: &AuditReport) -> Vec<FindingKind> {
    r.findings
        .iter()
        .map(|f| f.kind)
        .filter(|k| k.code().starts_with("json-"))
        .collect()
}

/// Replaces `from` by `to` inside the JSON block only.
fn edit_block(root: &std::path::Path, path: &str, from: &str, to: &str) {
    let text = std::fs::read_to_string(root.join(path)).unwrap();
    let (head, rest) = text.split_once(BEGIN).unwrap();
    let (body, tail) = rest.split_once(END).unwrap();
    assert!(body.contains(from), "{from} not in {body}");
    let body = body.replacen(from, to, 1);
    std::fs::write(root.join(path), format!("{head}{BEGIN}{body}{END}{tail}")).unwrap();
}

#[test]
fn a_new_canary_carries_a_block_that_agrees_with_its_prose() {
    let (_d, root) = pack();
    let path = write_first(&root, Some(at("2026-01-05T09:20:00Z")));
    let text = std::fs::read_to_string(root.join(&path)).unwrap();
    // Inside the signed text: before the signature block.
    let block_at = text.find(BEGIN).unwrap();
    let sig_at = text.find("\n--\n").unwrap();
    assert!(
        block_at < sig_at,
        "the block is in the signed text, above the signature block"
    );
    let b = machine::extract(&text).unwrap().unwrap();
    assert_eq!(b.format, "secpack-canary/1");
    assert_eq!(b.number, 1);
    assert_eq!(b.release, ymd(2026, 1, 5));
    assert_eq!((b.next_from, b.expiry), (ymd(2026, 4, 1), ymd(2026, 4, 14)));
    assert_eq!(b.master_fingerprint, MASTER);
    let codes: Vec<&str> = b.statements.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "release",
            "bulletins",
            "master-key",
            "no-warrants",
            "next-canary"
        ]
    );
    let block = b.freshness.block.as_ref().unwrap();
    assert_eq!(block.hash, HASH);
    assert_eq!(block.height, Some(930_000));
    assert_eq!(block.time, Some(at("2026-01-05T09:20:00Z")));
    assert_eq!(b.freshness.date, Some(at("2026-01-05T10:00:00Z")));
    assert_eq!(b.freshness.headlines[0].headlines, ["One", "Two"]);
    let r = audit(&root);
    assert_eq!(json_kinds(&r), vec![], "{:#?}", r.findings);
    assert_eq!(r.alerts(), 0, "{:#?}", r.findings);
}

#[test]
fn each_disagreement_with_the_prose_is_an_alert() {
    for (from, to, field) in [
        ("\"bulletins\": 0", "\"bulletins\": 7", "bulletins"),
        (
            "\"release\": \"2026-01-05\"",
            "\"release\": \"2026-01-04\"",
            "release",
        ),
        (
            "\"expiry\": \"2026-04-14\"",
            "\"expiry\": \"2026-05-14\"",
            "expiry",
        ),
        ("\"number\": 1,", "\"number\": 2,", "number"),
        ("\"One\"", "\"Uno\"", "freshness.headlines"),
        (
            "No warrants have ever",
            "No warrants have rarely",
            "statements",
        ),
        (
            HASH,
            "0000000000000000000000000000000000000000000000000000000000000001",
            "freshness.block.hash",
        ),
    ] {
        let (_d, root) = pack();
        let path = write_first(&root, None);
        edit_block(&root, &path, from, to);
        let r = audit(&root);
        let f: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::JsonProseMismatch)
            .collect();
        assert_eq!(f.len(), 1, "{field}: {:#?}", r.findings);
        assert_eq!(f[0].severity, Severity::Alert);
        assert!(f[0].detail.starts_with(field), "{}", f[0].detail);
        assert_eq!(FindingKind::JsonProseMismatch.code(), "json-prose-mismatch");
    }
}

#[test]
fn dates_the_bitcoin_block_makes_impossible() {
    // The block was mined after the canary claims to have been released.
    let (_d, root) = pack();
    write_first(&root, Some(at("2026-01-06T03:00:00Z")));
    let r = audit(&root);
    let kinds = json_kinds(&r);
    assert!(
        kinds.contains(&FindingKind::JsonDateBeforeBlock),
        "{kinds:?}"
    );
    assert_eq!(
        FindingKind::JsonDateBeforeBlock.code(),
        "json-date-before-block"
    );
    // Mined the same day but after the proof's date line.
    let (_d, root) = pack();
    write_first(&root, Some(at("2026-01-05T11:00:00Z")));
    let r = audit(&root);
    let f: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::JsonDateBeforeBlock)
        .collect();
    assert_eq!(f.len(), 1, "{:#?}", r.findings);
    assert!(
        f[0].detail.contains("proof of freshness"),
        "{}",
        f[0].detail
    );
    // A block older than a week proves nothing about the release.
    let (_d, root) = pack();
    write_first(&root, Some(at("2025-12-20T00:00:00Z")));
    assert_eq!(json_kinds(&audit(&root)), vec![FindingKind::JsonBlockStale]);
    assert_eq!(FindingKind::JsonBlockStale.code(), "json-block-stale");
    // Seven days is still fresh.
    let (_d, root) = pack();
    write_first(&root, Some(at("2025-12-29T00:00:00Z")));
    assert_eq!(json_kinds(&audit(&root)), vec![]);
}

#[test]
fn an_unreadable_block_and_a_dropped_block_are_alerts() {
    let (_d, root) = pack();
    let path = write_first(&root, None);
    edit_block(&root, &path, "\"format\"", "\"formt\"");
    let r = audit(&root);
    let f: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::JsonUnreadable)
        .collect();
    assert_eq!(f.len(), 1, "{:#?}", r.findings);
    assert!(f[0].detail.contains("[json-invalid]"), "{}", f[0].detail);
    assert_eq!(f[0].severity, Severity::Alert);

    // Canary 2 without a block after canary 1 with one.
    let (_d, root) = pack();
    let first = write_first(&root, None);
    let text = std::fs::read_to_string(root.join(&first)).unwrap();
    let (head, rest) = text.split_once(machine::HEADING).unwrap();
    let (_, tail) = rest.split_once(END).unwrap();
    let second = format!("{head}{}", tail.trim_start_matches('\n'))
        .replace("Canary 001", "Canary 002")
        .replace("2026-01-05", "2026-04-02")
        .replace("April 2026", "July 2026")
        .replace(
            HASH,
            "00000000000000000003fb0e59c723277069b5389aa2df4b8ff6dc8d80da6ad4",
        )
        .replace("Mon, 05 Jan 2026", "Thu, 02 Apr 2026");
    std::fs::write(root.join("canaries/canary-002-2026.txt"), second).unwrap();
    let r = audit(&root);
    let missing: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::JsonMissing)
        .collect();
    assert_eq!(missing.len(), 1, "{:#?}", r.findings);
    assert_eq!(missing[0].canary, Some(2));
    assert_eq!(FindingKind::JsonMissing.code(), "json-missing");
}
