//! The audit of every canary a pack ever published.
//!
//! Each canary is parsed and checked on its own (date, count, fingerprint,
//! window, proof of freshness), against the one before it (numbering, order,
//! lateness, statement drift, reused block hash) and against the pack (the
//! bulletins it counts, the pinned master key, the signatures when the trust
//! engine provides them). The latest canary's promised window tells whether
//! the series is overdue. Every finding has a stable code and a sentence.
//!
//! * [`report`] holds what the audit says (its types and finding codes).
//! * `checks` holds the checks themselves.

mod checks;
pub mod report;

pub use report::{
    AuditOptions, AuditReport, BulletinDate, CanaryFile, CanarySummary, CheckState, Checks,
    DocumentSigners, Finding, FindingKind, Latest, LetterFile, Severity,
};

use std::collections::BTreeSet;
use std::path::Path;

pub use self::checks::published_by;

use self::checks::{check_block, check_numbering, check_one, check_signatures, Ctx, Findings};
use self::report::summary;
use super::machine;
use super::parse::{Canary, MAX_CANARY_BYTES};
use crate::bulletin::{BulletinHeader, MAX_BULLETIN_BYTES};
use crate::fsutil::read_capped;
use crate::pack::Pack;

/// Days the proof-of-freshness date may precede the date of issue.
pub const FRESHNESS_MAX_DAYS_BEFORE: i64 = 7;
/// Days the proof-of-freshness date may follow the date of issue (time zones).
pub const FRESHNESS_MAX_DAYS_AFTER: i64 = 1;

/// Reads every canary, letter and bulletin of `pack` and audits them.
pub fn audit_pack(pack: &Pack, options: &AuditOptions) -> AuditReport {
    let mut canaries = Vec::new();
    let mut letters = Vec::new();
    for (name, file) in pack.canaries() {
        match name.suffix {
            Some(_) => letters.push(LetterFile {
                number: name.number,
                path: file.path.clone(),
            }),
            None => canaries.push(CanaryFile {
                number: name.number,
                year: name.year,
                path: file.path.clone(),
                text: read_text(&pack.path_of(&file.path), MAX_CANARY_BYTES),
            }),
        }
    }
    audit(&canaries, &letters, &bulletin_dates(pack), options)
}

/// Every bulletin of the pack (one per number, letters left out) with the
/// date it prints, when readable.
pub fn bulletin_dates(pack: &Pack) -> Vec<BulletinDate> {
    let prefix = &pack.config.project.upstream_id_prefix;
    let mut seen = BTreeSet::new();
    pack.bulletins()
        .into_iter()
        .filter(|(name, _)| name.suffix.is_none() && seen.insert(name.number))
        .map(|(name, file)| BulletinDate {
            number: name.number,
            year: name.year,
            date: read_text(&pack.path_of(&file.path), MAX_BULLETIN_BYTES)
                .ok()
                .and_then(|t| BulletinHeader::parse(&t, prefix).date),
        })
        .collect()
}

/// Reads a text file of at most `max` bytes, or says why it cannot.
fn read_text(path: &Path, max: usize) -> Result<String, String> {
    let bytes = read_capped(path, max as u64).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())
}

/// Audits canaries (any order), the letters beside them and the pack's
/// bulletins.
pub fn audit(
    canaries: &[CanaryFile],
    letters: &[LetterFile],
    bulletins: &[BulletinDate],
    options: &AuditOptions,
) -> AuditReport {
    let mut files: Vec<&CanaryFile> = canaries.iter().collect();
    files.sort_by(|a, b| (a.number, &a.path).cmp(&(b.number, &b.path)));
    let mut out = Findings::default();

    if files.is_empty() {
        out.push(
            None,
            None,
            FindingKind::NoCanaries,
            "the pack holds no canary".into(),
        );
    }
    check_numbering(&files, &mut out);
    for letter in letters {
        if !files.iter().any(|c| c.number == letter.number) {
            out.push(
                Some(letter.number),
                Some(&letter.path),
                FindingKind::LetterOrphan,
                format!(
                    "letter {} accompanies canary {}, which the pack does not hold",
                    letter.path, letter.number
                ),
            );
        }
    }
    let undated: Vec<&BulletinDate> = bulletins.iter().filter(|b| b.date.is_none()).collect();
    if !undated.is_empty() {
        let list: Vec<String> = undated.iter().map(|b| b.number.to_string()).collect();
        out.push(
            None,
            None,
            FindingKind::BulletinUndated,
            format!(
                "{} bulletin(s) have no readable date ({}); they are counted by the year in their file name",
                undated.len(),
                list.join(", ")
            ),
        );
    }

    let mut summaries = Vec::new();
    let mut previous: Option<(&CanaryFile, Canary)> = None;
    for file in files {
        let own_letters: Vec<String> = letters
            .iter()
            .filter(|l| l.number == file.number)
            .map(|l| l.path.clone())
            .collect();
        let text = match &file.text {
            Ok(t) => t,
            Err(e) => {
                out.push(
                    Some(file.number),
                    Some(&file.path),
                    FindingKind::Unreadable,
                    format!("cannot read {}: {e}", file.path),
                );
                continue;
            }
        };
        let canary = Canary::parse(text);
        let ctx = Ctx {
            file,
            canary: &canary,
            out: &mut out,
        };
        let prev = previous.as_ref().map(|(f, c)| (*f, c));
        check_one(ctx, prev, bulletins, options);
        let had_block = previous.as_ref().is_some_and(|(f, _)| {
            f.text
                .as_deref()
                .is_ok_and(|t| machine::extract(t).is_some())
        });
        check_block(file, text, &canary, had_block, &mut out);
        for letter in &own_letters {
            out.push(
                Some(file.number),
                Some(letter),
                FindingKind::Letter,
                format!("letter {letter} was published with canary {}", file.number),
            );
        }
        if let Some(sigs) = &options.signatures {
            for doc in std::iter::once(&file.path).chain(&own_letters) {
                check_signatures(file.number, doc, sigs.get(doc), &mut out);
            }
        }
        summaries.push(summary(file, &canary, own_letters));
        previous = Some((file, canary));
    }

    let latest = previous.as_ref().map(|(f, c)| Latest {
        number: f.number,
        path: f.path.clone(),
        date: c.issue_date,
        next_due: c.next_window.as_ref().map(|w| w.end),
    });
    let days_overdue = latest
        .as_ref()
        .and_then(|l| l.next_due)
        .map_or(0, |due| (options.now - due).num_days().max(0));
    if let (Some(l), true) = (&latest, days_overdue > 0) {
        out.push(
            Some(l.number),
            Some(&l.path),
            FindingKind::Overdue,
            format!(
                "canary {} promised the next canary by {}; none has appeared {} day(s) later",
                l.number,
                l.next_due.map(|d| d.to_string()).unwrap_or_default(),
                days_overdue
            ),
        );
    }

    let mut findings = out.0;
    if let Some(since) = options.since {
        findings.retain(|f| f.kind == FindingKind::Overdue || f.canary.is_none_or(|n| n >= since));
    }
    AuditReport {
        now: options.now,
        latest,
        overdue: days_overdue > 0,
        days_overdue,
        checks: Checks {
            fingerprint: if options.master.is_some() {
                CheckState::Done
            } else {
                CheckState::Skipped
            },
            signatures: if options.signatures.is_some() {
                CheckState::Done
            } else {
                CheckState::Skipped
            },
        },
        canaries: summaries,
        findings,
    }
}
