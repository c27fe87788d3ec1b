//! Consistency of the tracker with itself and with the pack's bulletins.
//!
//! A bulletin can only confirm that the project is affected; the tracker is
//! what says it is not. So both must agree: every affected row names a
//! bulletin that exists, and every bulletin that cites an upstream advisory
//! is the one named by that advisory's row.
//!
//! Findings and their codes (errors and warnings make `xsa check` fail):
//!
//! | code | severity | meaning |
//! |---|---|---|
//! | `affected-without-bulletin` | error | row is `yes` but names no bulletin |
//! | `bulletin-missing` | error | row names a bulletin the pack does not have |
//! | `unused-affected` | error | row is both `unused` and `yes` |
//! | `cited-advisory-untracked` | error | a bulletin cites an advisory with no row |
//! | `cited-advisory-not-affected` | error | a bulletin cites an advisory whose row is `no` or `tba` |
//! | `cited-advisory-other-bulletin` | error | a bulletin cites an advisory whose row names another bulletin |
//! | `bulletin-unreadable` | error | a bulletin file could not be read |
//! | `bulletin-on-unaffected-row` | warning | row is not `yes` but names a bulletin |
//! | `tba-overdue` | warning | row still `tba` longer than `tracker.tba_max_days` |
//! | `bulletin-does-not-cite` | info | row's bulletin exists but never cites the advisory |
//! | `tba-undated` | info | row is `tba` and has no date to age it by |
//! | `number-gap` | info | numbers missing from the sequence (upstream skips some) |

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;

use super::model::{Affected, BulletinRef, Tracker};
use crate::bulletin::{BulletinHeader, MAX_BULLETIN_BYTES};
use crate::pack::Pack;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The tracker and the bulletins disagree.
    Error,
    /// Something needs attention soon.
    Warning,
    /// Worth knowing; not a failure.
    Info,
}

/// One thing `xsa check` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable machine-readable code (see the module documentation).
    pub code: &'static str,
    /// How much it matters.
    pub severity: Severity,
    /// The upstream advisory concerned, if one.
    pub advisory: Option<u32>,
    /// The bulletin concerned (`NNN-YYYY`), if one.
    pub bulletin: Option<String>,
    /// A sentence a person understands.
    pub message: String,
}

impl Finding {
    /// Whether this finding makes the check fail.
    pub fn is_failure(&self) -> bool {
        self.severity != Severity::Info
    }
}

/// What one bulletin of the pack cites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulletinCitations {
    /// The bulletin's identifier, from its file name.
    pub bulletin: BulletinRef,
    /// Pack-relative path of the file read.
    pub path: String,
    /// Upstream advisory numbers cited in its text.
    pub cited: Vec<u32>,
}

/// What the check needs to know besides the tracker.
#[derive(Debug, Clone)]
pub struct CheckContext {
    /// Prefix of upstream advisory identifiers (`XSA`), for messages.
    pub prefix: String,
    /// Bulletins that exist in the pack (the numbered documents themselves).
    pub existing: BTreeSet<BulletinRef>,
    /// What every bulletin file (letters included) cites.
    pub citations: Vec<BulletinCitations>,
    /// Today, for the age of `tba` rows.
    pub today: NaiveDate,
    /// Days a row may stay `tba`.
    pub tba_max_days: u32,
}

/// Reads every bulletin of the pack: which exist and what each cites. Files
/// that cannot be read become `bulletin-unreadable` findings.
pub fn read_bulletins(
    pack: &Pack,
) -> (BTreeSet<BulletinRef>, Vec<BulletinCitations>, Vec<Finding>) {
    let prefix = &pack.config.project.upstream_id_prefix;
    let mut existing = BTreeSet::new();
    let mut citations = Vec::new();
    let mut findings = Vec::new();
    for (name, file) in pack.bulletins() {
        let bulletin = BulletinRef {
            number: name.number,
            year: name.year,
        };
        if name.suffix.is_none() {
            existing.insert(bulletin);
        }
        match read_text(&pack.path_of(&file.path)) {
            Ok(text) => citations.push(BulletinCitations {
                bulletin,
                path: file.path.clone(),
                cited: BulletinHeader::parse(&text, prefix).upstream_advisories,
            }),
            Err(e) => findings.push(Finding {
                code: "bulletin-unreadable",
                severity: Severity::Error,
                advisory: None,
                bulletin: Some(bulletin.to_string()),
                message: format!("{} could not be read: {e}", file.path),
            }),
        }
    }
    (existing, citations, findings)
}

/// A bulletin's text; bytes that are not UTF-8 are replaced (old bulletins
/// may be in another encoding, and only ASCII citations matter here).
fn read_text(path: &std::path::Path) -> Result<String, crate::fsutil::ReadCappedError> {
    let bytes = crate::fsutil::read_capped(path, MAX_BULLETIN_BYTES as u64)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Checks the tracker against itself and the bulletins. Findings come sorted
/// by severity, then advisory, then bulletin, then code.
pub fn check(tracker: &Tracker, cx: &CheckContext) -> Vec<Finding> {
    let p = &cx.prefix;
    let mut out = Vec::new();
    let mut push =
        |code, severity, advisory: Option<u32>, bulletin: Option<BulletinRef>, message| {
            out.push(Finding {
                code,
                severity,
                advisory,
                bulletin: bulletin.map(|b| b.to_string()),
                message,
            })
        };
    let mut cites: BTreeMap<BulletinRef, BTreeSet<u32>> = BTreeMap::new();
    for c in &cx.citations {
        cites.entry(c.bulletin).or_default().extend(&c.cited);
    }

    for row in tracker.rows() {
        let n = row.number;
        if row.unused && row.affected == Affected::Yes {
            push(
                "unused-affected",
                Severity::Error,
                Some(n),
                row.bulletin,
                format!("{p}-{n} is marked both unused and affected"),
            );
        }
        match (row.affected, row.bulletin) {
            (Affected::Yes, None) => push(
                "affected-without-bulletin",
                Severity::Error,
                Some(n),
                None,
                format!("{p}-{n} is marked affected but names no bulletin"),
            ),
            (Affected::Yes, Some(b)) if !cx.existing.contains(&b) => push(
                "bulletin-missing",
                Severity::Error,
                Some(n),
                Some(b),
                format!("{p}-{n} names bulletin {b}, which is not in the pack"),
            ),
            (Affected::Yes, Some(b)) if !cites.get(&b).is_some_and(|s| s.contains(&n)) => push(
                "bulletin-does-not-cite",
                Severity::Info,
                Some(n),
                Some(b),
                format!("bulletin {b}, named by {p}-{n}, does not cite {p}-{n}"),
            ),
            (Affected::No | Affected::Tba, Some(b)) => push(
                "bulletin-on-unaffected-row",
                Severity::Warning,
                Some(n),
                Some(b),
                format!("{p}-{n} names bulletin {b} but is marked {}", row.affected),
            ),
            _ => {}
        }
        if row.affected == Affected::Tba && !row.unused {
            match row.date {
                Some(d) => {
                    let age = (cx.today - d).num_days();
                    if age > i64::from(cx.tba_max_days) {
                        push("tba-overdue", Severity::Warning, Some(n), None, format!(
                            "{p}-{n} (published {d}) is still to be triaged after {age} days (limit {})",
                            cx.tba_max_days));
                    }
                }
                None => push(
                    "tba-undated",
                    Severity::Info,
                    Some(n),
                    None,
                    format!("{p}-{n} is to be triaged and has no date"),
                ),
            }
        }
    }

    for (&b, cited) in &cites {
        for &n in cited {
            match tracker.get(n) {
                None => push("cited-advisory-untracked", Severity::Error, Some(n), Some(b),
                    format!("bulletin {b} cites {p}-{n}, which is not in the tracker")),
                Some(row) if row.affected != Affected::Yes => push("cited-advisory-not-affected", Severity::Error, Some(n), Some(b),
                    format!("bulletin {b} cites {p}-{n}, which the tracker marks {}", row.affected)),
                Some(row) => match row.bulletin {
                    Some(other) if other != b => push("cited-advisory-other-bulletin", Severity::Error, Some(n), Some(b),
                        format!("bulletin {b} cites {p}-{n}, which the tracker attributes to bulletin {other}")),
                    _ => {}
                },
            }
        }
    }

    let numbers: Vec<u32> = tracker.rows().iter().map(|r| r.number).collect();
    for w in numbers.windows(2) {
        let (a, b) = (w[0], w[1]);
        if b > a + 1 {
            let message = if b == a + 2 {
                format!("{p}-{} is not in the tracker", a + 1)
            } else {
                format!("{p}-{} to {p}-{} are not in the tracker", a + 1, b - 1)
            };
            push("number-gap", Severity::Info, Some(a + 1), None, message);
        }
    }

    out.sort_by(|x, y| {
        (x.severity, x.advisory, &x.bulletin, x.code).cmp(&(
            y.severity,
            y.advisory,
            &y.bulletin,
            y.code,
        ))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::model::{Advisory, Decision};

    fn b(s: &str) -> BulletinRef {
        s.parse().unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn context(existing: &[&str], citations: &[(&str, &[u32])]) -> CheckContext {
        CheckContext {
            prefix: "XSA".into(),
            existing: existing.iter().map(|s| b(s)).collect(),
            citations: citations
                .iter()
                .map(|(s, cited)| BulletinCitations {
                    bulletin: b(s),
                    path: format!("QSBs/qsb-{s}.txt"),
                    cited: cited.to_vec(),
                })
                .collect(),
            today: d("2024-06-30"),
            tba_max_days: 30,
        }
    }

    fn codes(findings: &[Finding]) -> Vec<(&'static str, Option<u32>)> {
        findings.iter().map(|f| (f.code, f.advisory)).collect()
    }

    fn tracker() -> Tracker {
        let mut t = Tracker::default();
        let day = Some(d("2024-01-01"));
        t.decide(
            1,
            Decision::Affected {
                bulletin: b("001-2024"),
                mitigation: None,
            },
            day,
        )
        .unwrap();
        t.decide(2, Decision::NotAffected { mitigation: None }, day)
            .unwrap();
        t.decide(3, Decision::Unused, day).unwrap();
        t
    }

    #[test]
    fn consistent_tracker_has_no_findings() {
        let f = check(&tracker(), &context(&["001-2024"], &[("001-2024", &[1])]));
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn affected_rows_need_an_existing_bulletin() {
        let mut t = tracker();
        let f = check(&t, &context(&[], &[]));
        assert_eq!(codes(&f), [("bulletin-missing", Some(1))]);
        assert!(f[0].is_failure());
        t.get_mut(1).unwrap().bulletin = None;
        assert_eq!(
            codes(&check(&t, &context(&[], &[]))),
            [("affected-without-bulletin", Some(1))]
        );
        // A bulletin that exists but does not cite the advisory is only information.
        let f = check(&tracker(), &context(&["001-2024"], &[("001-2024", &[])]));
        assert_eq!(codes(&f), [("bulletin-does-not-cite", Some(1))]);
        assert!(!f[0].is_failure());
    }

    #[test]
    fn citations_must_match_affected_rows() {
        let cx = context(
            &["001-2024", "002-2024"],
            &[("001-2024", &[1]), ("002-2024", &[1, 2, 4])],
        );
        let f = check(&tracker(), &cx);
        assert_eq!(
            codes(&f),
            [
                ("cited-advisory-other-bulletin", Some(1)),
                ("cited-advisory-not-affected", Some(2)),
                ("cited-advisory-untracked", Some(4)),
            ]
        );
        assert!(f.iter().all(|x| x.bulletin.as_deref() == Some("002-2024")));
        assert!(f[1].message.contains("marks no"), "{}", f[1].message);
    }

    #[test]
    fn tba_rows_age_and_gaps_are_information() {
        let mut t = tracker();
        let mut late = Advisory::new(5);
        late.date = Some(d("2024-05-30")); // 31 days before today
        t.insert(late).unwrap();
        let mut fresh = Advisory::new(6);
        fresh.date = Some(d("2024-05-31")); // exactly 30 days: still fine
        t.insert(fresh).unwrap();
        t.insert(Advisory::new(9)).unwrap();
        let f = check(&t, &context(&["001-2024"], &[("001-2024", &[1])]));
        assert_eq!(
            codes(&f),
            [
                ("tba-overdue", Some(5)),
                ("number-gap", Some(4)),
                ("number-gap", Some(7)),
                ("tba-undated", Some(9))
            ]
        );
        assert!(f[2].message.contains("XSA-7 to XSA-8"), "{}", f[2].message);
        assert!(f[1].message.contains("XSA-4 is not"), "{}", f[1].message);
    }

    #[test]
    fn odd_rows_are_flagged() {
        let mut t = tracker();
        t.get_mut(2).unwrap().bulletin = Some(b("001-2024"));
        let r3 = t.get_mut(3).unwrap();
        r3.affected = Affected::Yes;
        r3.bulletin = Some(b("001-2024"));
        let f = check(&t, &context(&["001-2024"], &[("001-2024", &[1, 3])]));
        assert_eq!(
            codes(&f),
            [
                ("unused-affected", Some(3)),
                ("bulletin-on-unaffected-row", Some(2))
            ]
        );
    }
}
