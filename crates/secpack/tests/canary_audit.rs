//! The canary audit on generated series written to a pack on disk.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{Datelike, Months, NaiveDate};
use secpack::canary::audit::{
    audit_pack, AuditOptions, AuditReport, DocumentSigners, FindingKind, Severity,
};
use secpack::pack::Pack;

const FPR: &str = "1111 2222 3333 4444 5555  6666 7777 8888 9999 AAAA";

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// How a canary is laid out: the three eras of wording seen in long-lived packs.
#[derive(Clone, Copy, PartialEq)]
enum Era {
    /// `#N` banner, ordinal days, "first 2 weeks", feed transcripts, no date
    /// line, no block hash.
    Early,
    /// `#N` banner, "first two weeks", date line, transcripts, block hash.
    Middle,
    /// `NNN` banner, indented, "first fourteen days", `Source:` blocks.
    Current,
}

/// One canary to write.
#[derive(Clone)]
struct Spec {
    number: u32,
    issued: NaiveDate,
    era: Era,
    preamble: String,
    statements: Vec<String>,
    freshness_date: NaiveDate,
    block_hash: Option<String>,
}

fn month_name(m: u32) -> &'static str {
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ][m as usize - 1]
}

fn date_words(d: NaiveDate, era: Era) -> String {
    let day = d.day();
    match era {
        Era::Early => {
            let suffix = match day {
                1 | 21 | 31 => "st",
                2 | 22 => "nd",
                3 | 23 => "rd",
                _ => "th",
            };
            format!("{} {day}{suffix}, {}", month_name(d.month()), d.year())
        }
        Era::Middle => format!("{} {day:>2}, {}", month_name(d.month()), d.year()),
        Era::Current => format!("{} {day:02}, {}", month_name(d.month()), d.year()),
    }
}

fn window_words(due: NaiveDate, era: Era) -> String {
    let span = match era {
        Era::Early => "first 2 weeks",
        Era::Middle => "first two weeks",
        Era::Current => "first fourteen days",
    };
    format!(
        "in the {span} of {} {}",
        month_name(due.month()),
        due.year()
    )
}

/// The default statements of a canary issued on `issued` stating `count`
/// bulletins and promising the next one three months later.
fn statements(issued: NaiveDate, count: u32, era: Era) -> Vec<String> {
    let due = issued
        .with_day(1)
        .unwrap()
        .checked_add_months(Months::new(3))
        .unwrap();
    vec![
        format!("This canary's date of issue is {}.", date_words(issued, era)),
        format!("So far, {count} Example security bulletins have been published."),
        format!("The fingerprint of the Example Master Signing Key is:\n\n    {FPR}"),
        "No one has served us a warrant concerning the Example Project, nor asked\nus to hand over signing keys or to plant backdoors.".to_string(),
        format!(
            "The next canary in this series will appear {}. Be suspicious\nif it does not, or if these statements change with no explanation.",
            window_words(due, era)
        ),
    ]
}

fn block_hash(n: u32) -> String {
    format!("{:0>64}", format!("{:x}", 0xbeef_0000_u64 + u64::from(n)))
}

fn render(s: &Spec) -> String {
    let mut t = String::new();
    match s.era {
        Era::Current => t.push_str(&format!(
            "\n        ---===[ Example Canary {:03} ]===---\n\n\n",
            s.number
        )),
        _ => t.push_str(&format!(
            "\n\n        ---===[ Example Canary #{} ]===---\n\n\n",
            s.number
        )),
    }
    t.push_str("Statements\n-----------\n\n");
    t.push_str(&s.preamble);
    t.push_str("\n\n");
    let indent = if s.era == Era::Current { "   " } else { "" };
    for (i, st) in s.statements.iter().enumerate() {
        let body = st.replace('\n', &format!("\n{indent}"));
        t.push_str(&format!("{}. {body}\n\n", i + 1));
    }
    t.push_str("Special announcements\n----------------------\n\nNone.\n\n");
    let notes = if s.era == Era::Early {
        "Disclaimers & Notes"
    } else {
        "Disclaimers and notes"
    };
    t.push_str(&format!(
        "{notes}\n---------------------\n\nA canary proves little on its own.\n\n"
    ));
    t.push_str("Proof of freshness\n-------------------\n\n");
    let stamp = format!("{} 04:05:06 +0000", s.freshness_date.format("%a, %d %b %Y"));
    let headlines = |feed: &str| -> String {
        (1..=5)
            .map(|i| format!("{feed} story {} number {i}\n", s.number))
            .collect()
    };
    match s.era {
        Era::Early | Era::Middle => {
            if s.era == Era::Middle {
                t.push_str(&format!("$ date -R -u\n{stamp}\n\n"));
            }
            t.push_str("$ feedstail -1 -n5 -f '{title}' -u https://wire.example/rss\n");
            t.push_str(&headlines("Wire"));
            if let Some(h) = &s.block_hash {
                t.push_str(&format!(
                    "\n$ curl -s 'https://chain.example/tip' |\\\n  jq -r .hash\n{h}\n"
                ));
            }
        }
        Era::Current => {
            t.push_str(&format!(
                "{stamp}\n\nSource: Example Wire (https://wire.example/rss)\n"
            ));
            t.push_str(&headlines("Wire"));
            if let Some(h) = &s.block_hash {
                t.push_str(&format!("\nSource: Example Chain\n{h}\n"));
            }
        }
    }
    t.push_str("\n\nFootnotes\n----------\n\n[1] Verify the signatures.\n");
    if s.era == Era::Current {
        t.push_str("\n--\nThe Example Security Team\nhttps://example.invalid/security/\n");
    }
    t
}

/// A pack with bulletins and a series of canaries.
struct Series {
    dir: tempfile::TempDir,
    specs: Vec<Spec>,
    bulletins: Vec<NaiveDate>,
}

const PREAMBLE: &str =
    "The members of the Example security team who signed this file [1]\ndeclare the following:";

impl Series {
    /// `count` quarterly canaries from January 2030 (issued on the 5th of
    /// January, April, July, October), one bulletin dated the 20th of every
    /// other month, all in the given era (or by era by index).
    fn quarterly(count: u32, era_of: impl Fn(u32) -> Era) -> Self {
        let first = ymd(2030, 1, 5);
        let bulletins: Vec<NaiveDate> = (0..count * 3 / 2 + 2)
            .map(|i| {
                ymd(2029, 12, 20)
                    .checked_add_months(Months::new(2 * i))
                    .unwrap()
            })
            .collect();
        let specs = (1..=count)
            .map(|n| {
                let issued = first.checked_add_months(Months::new(3 * (n - 1))).unwrap();
                let stated = bulletins.iter().filter(|d| **d <= issued).count() as u32;
                let era = era_of(n);
                Spec {
                    number: n,
                    issued,
                    era,
                    preamble: PREAMBLE.into(),
                    statements: statements(issued, stated, era),
                    freshness_date: issued,
                    block_hash: (era != Era::Early).then(|| block_hash(n)),
                }
            })
            .collect();
        Self {
            dir: tempfile::tempdir().unwrap(),
            specs,
            bulletins,
        }
    }

    fn spec(&mut self, n: u32) -> &mut Spec {
        self.specs.iter_mut().find(|s| s.number == n).unwrap()
    }

    fn write(&self) -> &Path {
        let root = self.dir.path();
        std::fs::create_dir_all(root.join("canaries")).unwrap();
        std::fs::create_dir_all(root.join("QSBs")).unwrap();
        for s in &self.specs {
            let name = format!("canaries/canary-{:03}-{}.txt", s.number, s.issued.year());
            std::fs::write(root.join(name), render(s)).unwrap();
        }
        for (i, d) in self.bulletins.iter().enumerate() {
            let n = i + 1;
            let text = format!(
                "\n     ---===[ Example Security Bulletin {n:03} ]===---\n\n              {d}\n\n       Something broke in part {n}\n"
            );
            std::fs::write(root.join(format!("QSBs/qsb-{n:03}-{}.txt", d.year())), text).unwrap();
        }
        root
    }

    fn audit(&self, now: NaiveDate, master: Option<&str>) -> AuditReport {
        let pack = Pack::open(self.write()).unwrap();
        audit_pack(&pack, &options(now, master))
    }

    fn latest_due(&self) -> NaiveDate {
        let last = self.specs.last().unwrap().issued;
        last.with_day(1)
            .unwrap()
            .checked_add_months(Months::new(3))
            .unwrap()
            .with_day(14)
            .unwrap()
    }
}

fn options(now: NaiveDate, master: Option<&str>) -> AuditOptions {
    AuditOptions {
        now,
        master: master.map(str::to_string),
        signatures: None,
        since: None,
    }
}

fn kinds(r: &AuditReport) -> Vec<(Option<u32>, FindingKind)> {
    r.findings.iter().map(|f| (f.canary, f.kind)).collect()
}

fn alerts(r: &AuditReport) -> Vec<(Option<u32>, FindingKind)> {
    r.findings
        .iter()
        .filter(|f| f.severity == Severity::Alert)
        .map(|f| (f.canary, f.kind))
        .collect()
}

#[test]
fn a_clean_series_on_time_has_nothing_to_alert_on() {
    let s = Series::quarterly(6, |_| Era::Current);
    // Canary 6 is issued 2031-04-05 and promises the first fourteen days of
    // July 2031.
    let due = ymd(2031, 7, 14);
    assert_eq!(s.latest_due(), due);
    let r = s.audit(ymd(2031, 7, 1), None);
    assert_eq!(kinds(&r), vec![], "{:#?}", r.findings);
    assert_eq!(r.alerts(), 0);
    let latest = r.latest.as_ref().unwrap();
    assert_eq!(latest.number, 6);
    assert_eq!(latest.date, Some(ymd(2031, 4, 5)));
    assert_eq!(latest.next_due, Some(due));
    assert!(!r.overdue);
    assert_eq!(r.days_overdue, 0);
    // The last day of the window is still on time.
    let r = s.audit(due, None);
    assert!(!r.overdue);
    assert_eq!(r.canaries.len(), 6);
}

#[test]
fn overdue_counts_the_days_since_the_window_closed() {
    let s = Series::quarterly(4, |_| Era::Current);
    let due = s.latest_due();
    let now = due + chrono::Days::new(10);
    let r = s.audit(now, None);
    assert!(r.overdue);
    assert_eq!(r.days_overdue, 10);
    assert_eq!(alerts(&r), vec![(Some(4), FindingKind::Overdue)]);
    let detail = &r.findings[0].detail;
    assert!(
        detail.contains(&due.to_string()) && detail.contains("10 day"),
        "{detail}"
    );
    // One day late is already overdue.
    let r = s.audit(due + chrono::Days::new(1), None);
    assert_eq!((r.overdue, r.days_overdue), (true, 1));
}

#[test]
fn a_silently_removed_statement_is_reported() {
    let mut s = Series::quarterly(5, |_| Era::Current);
    let removed = s.spec(4).statements.remove(3);
    let r = s.audit(ymd(2031, 1, 1), None);
    assert_eq!(
        alerts(&r),
        vec![
            (Some(4), FindingKind::StatementRemoved),
            (Some(5), FindingKind::StatementAdded)
        ],
        "{:#?}",
        r.findings
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::StatementRemoved)
        .unwrap();
    let words: String = removed.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(f.detail.contains(&words), "{}", f.detail);
    assert!(f.detail.contains("statement 4 of canary 3"), "{}", f.detail);
}

#[test]
fn a_changed_statement_is_reported_with_a_word_diff() {
    let mut s = Series::quarterly(5, |_| Era::Current);
    let st = &mut s.spec(5).statements[3];
    *st = st.replace(
        "No one has served us a warrant",
        "No one has served us a secret warrant",
    );
    let r = s.audit(ymd(2031, 1, 1), None);
    assert_eq!(
        alerts(&r),
        vec![(Some(5), FindingKind::StatementChanged)],
        "{:#?}",
        r.findings
    );
    let d = &r.findings[0].detail;
    assert!(d.contains("served us a {+secret+} warrant"), "{d}");
    assert!(d.starts_with("statement 4 changed since canary 4"), "{d}");

    // A reworded statement shows removed and added words.
    let mut s = Series::quarterly(3, |_| Era::Current);
    let st = &mut s.spec(3).statements[3];
    *st = st.replace("served us a warrant", "handed us an order");
    let r = s.audit(ymd(2030, 7, 1), None);
    assert_eq!(alerts(&r), vec![(Some(3), FindingKind::StatementChanged)]);
    assert!(
        r.findings[0].detail.contains(
            "No one has [-served-] {+handed+} us [-a-] {+an+} [-warrant-] {+order+} concerning"
        ),
        "{}",
        r.findings[0].detail
    );
}

#[test]
fn a_changed_preamble_is_drift_too() {
    let mut s = Series::quarterly(3, |_| Era::Current);
    s.spec(3).preamble = PREAMBLE.replace(
        "members of the Example security team",
        "Example core developers",
    );
    let r = s.audit(ymd(2030, 7, 1), None);
    assert_eq!(alerts(&r), vec![(Some(3), FindingKind::StatementChanged)]);
    assert!(
        r.findings[0].detail.starts_with("preamble changed"),
        "{}",
        r.findings[0].detail
    );
}

#[test]
fn a_wrong_bulletin_count_is_reported() {
    let mut s = Series::quarterly(4, |_| Era::Current);
    // Independent count: bulletins are dated the 20th of every other month
    // from December 2029; canary 3 is issued 2030-07-05: Dec, Feb, Apr, Jun.
    assert_eq!(s.spec(3).issued, ymd(2030, 7, 5));
    let held = 4;
    s.spec(3).statements[1] = format!(
        "So far, {} Example security bulletins have been published.",
        held + 1
    );
    let r = s.audit(ymd(2030, 12, 1), None);
    assert_eq!(
        alerts(&r),
        vec![(Some(3), FindingKind::BulletinCountMismatch)],
        "{:#?}",
        r.findings
    );
    let d = &r.findings[0].detail;
    assert!(
        d.contains("states 5") && d.contains("holds 4") && d.contains("2030-07-05"),
        "{d}"
    );
}

#[test]
fn a_bulletin_issued_the_same_day_counts() {
    let mut s = Series::quarterly(2, |_| Era::Current);
    s.bulletins.push(ymd(2030, 4, 5));
    s.bulletins.sort();
    let stated = s
        .bulletins
        .iter()
        .filter(|d| **d <= ymd(2030, 4, 5))
        .count() as u32;
    s.spec(2).statements[1] =
        format!("So far, {stated} Example security bulletins have been published.");
    let r = s.audit(ymd(2030, 7, 1), None);
    assert_eq!(alerts(&r), vec![], "{:#?}", r.findings);
}

#[test]
fn the_fingerprint_is_checked_against_the_pin() {
    let mut s = Series::quarterly(3, |_| Era::Current);
    let wrong = "1111 2222 3333 4444 5555  6666 7777 8888 9999 BBBB";
    s.spec(2).statements[2] =
        format!("The fingerprint of the Example Master Signing Key is:\n\n    {wrong}");
    let pinned: String = FPR.split_whitespace().collect();
    let r = s.audit(ymd(2030, 7, 1), Some(&pinned));
    assert_eq!(
        r.checks.fingerprint,
        secpack::canary::audit::CheckState::Done
    );
    // Canary 2 states another fingerprint (mismatch), and both 2 and 3 differ
    // from their predecessor's statement (drift).
    assert_eq!(
        alerts(&r),
        vec![
            (Some(2), FindingKind::StatementChanged),
            (Some(2), FindingKind::FingerprintMismatch),
            (Some(3), FindingKind::StatementChanged),
        ],
        "{:#?}",
        r.findings
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::FingerprintMismatch)
        .unwrap();
    let wrong_hex: String = wrong.split_whitespace().collect();
    assert!(
        f.detail.contains(&wrong_hex) && f.detail.contains(&pinned),
        "{}",
        f.detail
    );
    // Without a pin the check is skipped, and says so.
    let r = s.audit(ymd(2030, 7, 1), None);
    assert_eq!(
        r.checks.fingerprint,
        secpack::canary::audit::CheckState::Skipped
    );
    assert!(!kinds(&r)
        .iter()
        .any(|k| k.1 == FindingKind::FingerprintMismatch));
    // The right pin gives no mismatch on the clean canaries.
    let clean = Series::quarterly(3, |_| Era::Current);
    assert_eq!(alerts(&clean.audit(ymd(2030, 7, 1), Some(&pinned))), vec![]);
}

#[test]
fn a_missing_number_is_reported() {
    let mut s = Series::quarterly(5, |_| Era::Current);
    s.specs.retain(|c| c.number != 3);
    let r = s.audit(ymd(2031, 1, 1), None);
    assert!(
        alerts(&r).contains(&(Some(3), FindingKind::NumberMissing)),
        "{:#?}",
        r.findings
    );
    // Canary 4 is compared with canary 2, and it came after the window that
    // canary 2 promised.
    assert!(
        alerts(&r).contains(&(Some(4), FindingKind::PublishedLate)),
        "{:#?}",
        r.findings
    );
    assert_eq!(r.alerts(), 2, "{:#?}", r.findings);
}

#[test]
fn freshness_problems_are_reported() {
    let mut s = Series::quarterly(4, |_| Era::Current);
    s.spec(2).freshness_date = ymd(2030, 3, 1); // 35 days before issue
    s.spec(3).block_hash = Some(block_hash(2)); // reused
    s.spec(4).block_hash = None; // dropped
    let r = s.audit(ymd(2030, 12, 1), None);
    assert_eq!(
        alerts(&r),
        vec![
            (Some(2), FindingKind::FreshnessDateMismatch),
            (Some(3), FindingKind::BlockHashReused),
            (Some(4), FindingKind::BlockHashMissing),
        ],
        "{:#?}",
        r.findings
    );
    // A proof dated the day before issue is normal.
    let mut s = Series::quarterly(2, |_| Era::Current);
    s.spec(2).freshness_date = ymd(2030, 4, 4);
    assert_eq!(alerts(&s.audit(ymd(2030, 7, 1), None)), vec![]);
}

#[test]
fn ten_years_of_changing_wording_parse_without_false_drift() {
    // 40 canaries, the layout changing twice, as in long-lived packs.
    let era = |n: u32| match n {
        1..=8 => Era::Early,
        9..=20 => Era::Middle,
        _ => Era::Current,
    };
    let s = Series::quarterly(40, era);
    let r = s.audit(ymd(2039, 12, 1), None);
    // Only the earliest canaries lack a freshness date line; nothing else.
    let expected: Vec<_> = (1..=8)
        .map(|n| (Some(n), FindingKind::FreshnessDateMissing))
        .collect();
    assert_eq!(alerts(&r), expected, "{:#?}", r.findings);
    assert_eq!(r.canaries.len(), 40);
    for (c, spec) in r.canaries.iter().zip(&s.specs) {
        assert_eq!(c.date, Some(spec.issued), "canary {}", c.number);
        let due = spec
            .issued
            .with_day(1)
            .unwrap()
            .checked_add_months(Months::new(3))
            .unwrap();
        assert_eq!(
            c.next_window.as_ref().unwrap().end,
            due.with_day(14).unwrap(),
            "canary {}",
            c.number
        );
        let held = s.bulletins.iter().filter(|d| **d <= spec.issued).count() as u32;
        assert_eq!(c.bulletin_count, Some(held), "canary {}", c.number);
        assert_eq!(c.feeds, 1);
        assert_eq!(c.block_hash, spec.block_hash, "canary {}", c.number);
    }
    let latest = r.latest.unwrap();
    assert_eq!((latest.number, latest.date), (40, Some(s.specs[39].issued)));
    // --since keeps only findings about later canaries.
    let pack = Pack::open(s.dir.path()).unwrap();
    let mut o = options(ymd(2039, 12, 1), None);
    o.since = Some(9);
    assert_eq!(audit_pack(&pack, &o).findings, vec![]);
}

#[test]
fn letters_and_placeholders_and_orphans() {
    let mut s = Series::quarterly(3, |_| Era::Current);
    s.spec(3).statements[1] = "So far, TODO Example security bulletins have been published.".into();
    let root = s.write().to_path_buf();
    std::fs::write(
        root.join("canaries/canary-002-2030-letter-team.txt"),
        "2030-04-05\n\nDear readers,\n",
    )
    .unwrap();
    std::fs::write(
        root.join("canaries/canary-009-2030-letter.txt"),
        "A letter for a canary never published.\n",
    )
    .unwrap();
    let pack = Pack::open(&root).unwrap();
    let r = audit_pack(&pack, &options(ymd(2030, 10, 1), None));
    let k = kinds(&r);
    assert!(k.contains(&(Some(2), FindingKind::Letter)), "{k:?}");
    assert!(k.contains(&(Some(9), FindingKind::LetterOrphan)), "{k:?}");
    assert!(k.contains(&(Some(3), FindingKind::Placeholder)), "{k:?}");
    assert!(
        k.contains(&(Some(3), FindingKind::BulletinCountUnreadable)),
        "{k:?}"
    );
    // The letter is a notice, not an alert.
    let letter = r
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::Letter)
        .unwrap();
    assert_eq!(letter.severity, Severity::Notice);
    assert_eq!(
        r.canaries[1].letters,
        vec!["canaries/canary-002-2030-letter-team.txt".to_string()]
    );
}

#[test]
fn signature_results_from_the_trust_engine_are_checked() {
    let s = Series::quarterly(2, |_| Era::Current);
    let pack = Pack::open(s.write()).unwrap();
    let mut o = options(ymd(2030, 7, 1), None);
    let ok = DocumentSigners {
        valid_signers: vec!["alice".into(), "bob".into()],
        required: 2,
    };
    let short = DocumentSigners {
        valid_signers: vec!["alice".into(), "alice".into()],
        required: 2,
    };
    o.signatures = Some(BTreeMap::from([
        ("canaries/canary-001-2030.txt".to_string(), ok),
        ("canaries/canary-002-2030.txt".to_string(), short),
    ]));
    let r = audit_pack(&pack, &o);
    assert_eq!(
        alerts(&r),
        vec![(Some(2), FindingKind::SignaturesBelowThreshold)]
    );
    assert!(
        r.findings[0]
            .detail
            .contains("1 valid signer(s) (alice); 2 required"),
        "{}",
        r.findings[0].detail
    );
    // Without results the check is skipped.
    let r = audit_pack(&pack, &options(ymd(2030, 7, 1), None));
    assert_eq!(
        r.checks.signatures,
        secpack::canary::audit::CheckState::Skipped
    );
}

#[test]
fn json_shape() {
    let s = Series::quarterly(2, |_| Era::Current);
    let r = s.audit(ymd(2030, 8, 1), None);
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["latest"]["number"], 2);
    assert_eq!(v["latest"]["date"], "2030-04-05");
    assert_eq!(v["latest"]["next_due"], "2030-07-14");
    assert_eq!(v["overdue"], true);
    assert_eq!(v["days_overdue"], 18);
    assert_eq!(v["findings"][0]["canary"], 2);
    assert_eq!(v["findings"][0]["kind"], "overdue");
    assert_eq!(v["findings"][0]["severity"], "alert");
    assert!(v["findings"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("18 day"));
}

#[test]
fn an_empty_pack_is_an_alert() {
    let dir = tempfile::tempdir().unwrap();
    let pack = Pack::open(dir.path()).unwrap();
    let r = audit_pack(&pack, &options(ymd(2030, 1, 1), None));
    assert_eq!(alerts(&r), vec![(None, FindingKind::NoCanaries)]);
    assert!(r.latest.is_none() && !r.overdue);
}

/// The real pack's canary 034 promised its successor "in the last fourteen
/// days of May 2023": the window is read (no `window-unreadable`), due on
/// the month's last day, and a successor after that day is late.
#[test]
fn a_window_counted_from_the_end_of_the_month_is_read() {
    let mut s = Series::quarterly(4, |_| Era::Current);
    // Canary 4 is issued 2030-10-05; it promises the last fourteen days of
    // January 2031 instead of the first.
    let last = s.spec(4).statements.len() - 1;
    s.spec(4).statements[last] = "The next canary in this series will appear in the last fourteen\ndays of January 2031. Be suspicious\nif it does not, or if these statements change with no explanation.".into();
    let due = ymd(2031, 1, 31);
    let r = s.audit(ymd(2031, 1, 20), None);
    assert_eq!(alerts(&r), vec![], "{:#?}", r.findings);
    assert!(!kinds(&r)
        .iter()
        .any(|k| k.1 == FindingKind::WindowUnreadable));
    assert_eq!(r.latest.as_ref().unwrap().next_due, Some(due));
    assert!(!s.audit(due, None).overdue);
    let r = s.audit(due + chrono::Days::new(3), None);
    assert_eq!((r.overdue, r.days_overdue), (true, 3));
    // The wording changed from "first" to "last": the window is masked
    // before comparing, so that is not drift.
    assert!(!kinds(&r)
        .iter()
        .any(|k| k.1 == FindingKind::StatementChanged));
}
