//! The checks of the audit: each canary on its own, against the one before
//! it and against the pack. Each check adds findings; none decides alone.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;

use chrono::{Datelike, NaiveDate};

use super::report::{
    AuditOptions, BulletinDate, CanaryFile, DocumentSigners, Finding, FindingKind,
};
use super::{FRESHNESS_MAX_DAYS_AFTER, FRESHNESS_MAX_DAYS_BEFORE};
use crate::canary::drift::{compare, DriftKind};
use crate::canary::machine;
use crate::canary::parse::Canary;

/// Checks the machine-readable block of a canary against its prose.
pub(super) fn check_block(
    file: &CanaryFile,
    text: &str,
    canary: &Canary,
    had_block: bool,
    out: &mut Findings,
) {
    let push = |out: &mut Findings, kind, detail| {
        out.push(Some(file.number), Some(&file.path), kind, detail)
    };
    match machine::extract(text) {
        None if had_block => push(
            out,
            FindingKind::JsonMissing,
            format!(
                "canary {} carries no JSON block; the previous canary did",
                file.number
            ),
        ),
        None => {}
        Some(Err(e)) => push(
            out,
            FindingKind::JsonUnreadable,
            format!("{e} [{}]", e.code()),
        ),
        Some(Ok(block)) => {
            for p in machine::check(&block, file.number, canary) {
                let kind = match p.code {
                    "json-date-before-block" => FindingKind::JsonDateBeforeBlock,
                    "json-block-stale" => FindingKind::JsonBlockStale,
                    _ => FindingKind::JsonProseMismatch,
                };
                push(out, kind, p.detail);
            }
        }
    }
}

/// Findings collected in order.
#[derive(Default)]
pub(super) struct Findings(pub(super) Vec<Finding>);

impl Findings {
    pub(super) fn push(
        &mut self,
        canary: Option<u32>,
        document: Option<&str>,
        kind: FindingKind,
        detail: String,
    ) {
        self.0.push(Finding {
            canary,
            document: document.map(str::to_string),
            kind,
            severity: kind.severity(),
            detail,
        });
    }
}

/// One canary being checked.
pub(super) struct Ctx<'a> {
    pub(super) file: &'a CanaryFile,
    pub(super) canary: &'a Canary,
    pub(super) out: &'a mut Findings,
}

impl Ctx<'_> {
    fn push(&mut self, kind: FindingKind, detail: String) {
        self.out
            .push(Some(self.file.number), Some(&self.file.path), kind, detail);
    }
}

/// Gaps and duplicates in the numbering.
pub(super) fn check_numbering(files: &[&CanaryFile], out: &mut Findings) {
    let Some(last) = files.last().map(|f| f.number) else {
        return;
    };
    let numbers: BTreeSet<u32> = files.iter().map(|f| f.number).collect();
    let first = numbers.first().copied().unwrap_or(0).min(1);
    for n in first..last {
        if !numbers.contains(&n) {
            out.push(
                Some(n),
                None,
                FindingKind::NumberMissing,
                format!("canary {n} is missing from the pack (the latest is {last})"),
            );
        }
    }
    for pair in files.windows(2) {
        if pair[0].number == pair[1].number {
            out.push(
                Some(pair[1].number),
                Some(&pair[1].path),
                FindingKind::NumberDuplicate,
                format!(
                    "{} and {} carry the same number",
                    pair[0].path, pair[1].path
                ),
            );
        }
    }
}

/// Every check on one canary and against the previous one.
pub(super) fn check_one(
    mut ctx: Ctx<'_>,
    previous: Option<(&CanaryFile, &Canary)>,
    bulletins: &[BulletinDate],
    options: &AuditOptions,
) {
    let (file, c) = (ctx.file, ctx.canary);
    match c.banner_number {
        Some(n) if n == file.number => {}
        Some(n) => ctx.push(
            FindingKind::BannerNumberMismatch,
            format!("the banner says canary {n}, the file name {}", file.number),
        ),
        None => ctx.push(
            FindingKind::BannerNumberMismatch,
            "the banner carries no canary number".into(),
        ),
    }
    if c.has_placeholder {
        ctx.push(
            FindingKind::Placeholder,
            "the text still holds a TODO placeholder".into(),
        );
    }
    match c.issue_date {
        None => ctx.push(
            FindingKind::DateUnreadable,
            "no readable date of issue among the statements".into(),
        ),
        Some(d) if d.year() != file.year => ctx.push(
            FindingKind::YearMismatch,
            format!(
                "issued on {d}, but the file name gives the year {}",
                file.year
            ),
        ),
        Some(_) => {}
    }
    if let Some((pf, pc)) = previous {
        check_against_previous(&mut ctx, pf, pc);
    }
    check_count(&mut ctx, bulletins);
    match (&c.fingerprint, &options.master) {
        (None, _) => ctx.push(
            FindingKind::FingerprintMissing,
            "no readable master key fingerprint among the statements".into(),
        ),
        (Some(stated), Some(pinned)) if stated != pinned => ctx.push(
            FindingKind::FingerprintMismatch,
            format!(
                "states the master fingerprint {stated}, but the pinned master key is {pinned}"
            ),
        ),
        _ => {}
    }
    if c.next_window.is_none() {
        ctx.push(
            FindingKind::WindowUnreadable,
            "no readable window for the next canary among the statements".into(),
        );
    }
    check_freshness(&mut ctx, previous.map(|p| p.1));
    if let Some(text) = &c.special_announcements {
        let short: String = text.chars().take(200).collect();
        let more = if short.len() < text.len() { "..." } else { "" };
        ctx.push(
            FindingKind::SpecialAnnouncement,
            format!("special announcement: {short}{more}"),
        );
    }
}

/// Order, lateness and drift against the previous canary.
fn check_against_previous(ctx: &mut Ctx<'_>, pf: &CanaryFile, pc: &Canary) {
    let c = ctx.canary;
    if let (Some(d), Some(pd)) = (c.issue_date, pc.issue_date) {
        if d < pd {
            ctx.push(
                FindingKind::DateOutOfOrder,
                format!("issued on {d}, before canary {} ({pd})", pf.number),
            );
        }
    }
    if let (Some(d), Some(w)) = (c.issue_date, &pc.next_window) {
        if d > w.end {
            ctx.push(
                FindingKind::PublishedLate,
                format!(
                    "issued on {d}, {} day(s) after the window canary {} promised (\"{}\", until {})",
                    (d - w.end).num_days(),
                    pf.number,
                    w.phrase,
                    w.end
                ),
            );
        }
    }
    for d in compare(pc, c) {
        let (kind, detail) = match d.change {
            DriftKind::Removed => (
                FindingKind::StatementRemoved,
                format!(
                    "{} of canary {} is gone: \"{}\"",
                    d.label,
                    pf.number,
                    d.old.unwrap_or_default()
                ),
            ),
            DriftKind::Added => (
                FindingKind::StatementAdded,
                format!(
                    "{} is new since canary {}: \"{}\"",
                    d.label,
                    pf.number,
                    d.new.unwrap_or_default()
                ),
            ),
            DriftKind::Changed => (
                FindingKind::StatementChanged,
                format!(
                    "{} changed since canary {}: {}",
                    d.label,
                    pf.number,
                    d.diff.unwrap_or_default()
                ),
            ),
        };
        ctx.push(kind, detail);
    }
}

/// The stated bulletin count against the bulletins the pack held when the
/// canary was signed ([`published_by`]).
fn check_count(ctx: &mut Ctx<'_>, bulletins: &[BulletinDate]) {
    let c = ctx.canary;
    let Some(stated) = c.bulletin_count else {
        ctx.push(
            FindingKind::BulletinCountUnreadable,
            "no readable number of bulletins among the statements".into(),
        );
        return;
    };
    let Some(date) = c.issue_date else {
        return;
    };
    let range = published_by(bulletins, date);
    if !range.contains(&stated) {
        let (low, high) = range.into_inner();
        let held = if low == high {
            format!("{low} dated on or before {date}")
        } else {
            format!(
                "{low} dated before {date} and {high} dated on or before it \
                 (one issued that day, or undated of that year, may or may not \
                 have been out when the canary was signed)"
            )
        };
        ctx.push(
            FindingKind::BulletinCountMismatch,
            format!("states {stated} bulletins published; the pack holds {held}"),
        );
    }
}

/// The bulletin counts a canary issued on `date` may state: at least the
/// bulletins dated strictly before that day, at most those dated on or
/// before it. A bulletin dated the same day may have come out before or
/// after the canary was signed; an undated one counts by its file-name year,
/// and one of the canary's own year may or may not be included. The one
/// rule for the count: the audit checks it, `canary new` states the upper
/// end.
pub fn published_by(bulletins: &[BulletinDate], date: NaiveDate) -> RangeInclusive<u32> {
    let mut low = 0u32;
    let mut unsure = 0u32;
    for b in bulletins {
        match b.date {
            Some(d) if d < date => low += 1,
            Some(d) if d == date => unsure += 1,
            Some(_) => {}
            None if b.year < date.year() => low += 1,
            None if b.year == date.year() => unsure += 1,
            None => {}
        }
    }
    low..=low.saturating_add(unsure)
}

/// The proof of freshness: present, dated near the date of issue, sources
/// with headlines, a new block hash.
fn check_freshness(ctx: &mut Ctx<'_>, previous: Option<&Canary>) {
    let c = ctx.canary;
    let f = &c.freshness;
    if !f.present {
        ctx.push(
            FindingKind::FreshnessMissing,
            "the proof of freshness is missing or empty".into(),
        );
        return;
    }
    match (f.date, c.issue_date) {
        (None, _) => ctx.push(
            FindingKind::FreshnessDateMissing,
            "the proof of freshness has no RFC 5322 date line".into(),
        ),
        (Some(fresh), Some(issued)) => {
            let fresh_day = fresh.naive_utc().date();
            let ahead = (issued - fresh_day).num_days();
            if !(-FRESHNESS_MAX_DAYS_AFTER..=FRESHNESS_MAX_DAYS_BEFORE).contains(&ahead) {
                ctx.push(
                    FindingKind::FreshnessDateMismatch,
                    format!("the proof of freshness is dated {fresh_day}, but the canary was issued on {issued}"),
                );
            }
        }
        (Some(_), None) => {}
    }
    for s in f.sources.iter().filter(|s| s.headlines.is_empty()) {
        let name = s.title.as_deref().or(s.url.as_deref()).unwrap_or("a feed");
        ctx.push(
            FindingKind::FreshnessSourceEmpty,
            format!("{name} is quoted without headlines"),
        );
    }
    let prev_hash = previous.and_then(|p| p.freshness.block_hash.as_deref());
    match (&f.block_hash, prev_hash) {
        (None, Some(_)) => ctx.push(
            FindingKind::BlockHashMissing,
            "no block hash in the proof of freshness, where the previous canary had one".into(),
        ),
        (Some(h), Some(p)) if h == p => ctx.push(
            FindingKind::BlockHashReused,
            format!("the block hash {h} was already quoted by the previous canary"),
        ),
        _ => {}
    }
}

/// Enough distinct valid signers on `doc` (a canary or a letter beside it).
pub(super) fn check_signatures(
    number: u32,
    doc: &str,
    result: Option<&DocumentSigners>,
    out: &mut Findings,
) {
    let Some(result) = result else {
        out.push(
            Some(number),
            Some(doc),
            FindingKind::SignaturesBelowThreshold,
            format!("{doc} has no signature result: it counts as unsigned"),
        );
        return;
    };
    let distinct: BTreeSet<&str> = result.valid_signers.iter().map(String::as_str).collect();
    if (distinct.len() as u64) < u64::from(result.required) {
        let who = if distinct.is_empty() {
            "none".to_string()
        } else {
            distinct.into_iter().collect::<Vec<_>>().join(", ")
        };
        out.push(
            Some(number),
            Some(doc),
            FindingKind::SignaturesBelowThreshold,
            format!(
                "{doc} has {} valid signer(s) ({who}); {} required",
                result.valid_signers.iter().collect::<BTreeSet<_>>().len(),
                result.required
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn dated(number: u32, date: NaiveDate) -> BulletinDate {
        BulletinDate {
            number,
            year: date.year(),
            date: Some(date),
        }
    }

    #[test]
    fn a_bulletin_of_the_same_day_may_or_may_not_be_counted() {
        let issued = ymd(2026, 12, 4);
        let bulletins = [
            dated(1, ymd(2026, 11, 20)),
            dated(2, issued),
            dated(3, ymd(2026, 12, 5)),
        ];
        assert_eq!(published_by(&bulletins, issued), 1..=2);
        // The day after, the same-day bulletin is certain; the next is not.
        assert_eq!(published_by(&bulletins, ymd(2026, 12, 5)), 2..=3);
        assert_eq!(published_by(&bulletins[..1], issued), 1..=1);
        assert_eq!(published_by(&[], issued), 0..=0);
    }

    #[test]
    fn undated_bulletins_count_by_their_file_name_year() {
        let issued = ymd(2026, 6, 1);
        let undated = |number, year| BulletinDate {
            number,
            year,
            date: None,
        };
        let bulletins = [
            undated(1, 2025),
            undated(2, 2026),
            dated(3, issued),
            undated(4, 2027),
        ];
        assert_eq!(published_by(&bulletins, issued), 1..=3);
    }
}
