//! `xsa list`, `xsa stats` and `xsa check`: the tracker's rows presented.

use anyhow::Result;
use chrono::NaiveDate;
use secpack::bulletin::bulletin_id;
use secpack::pack::Pack;
use secpack::tracker::check::{self, CheckContext, Severity};
use secpack::tracker::{stats as tracker_stats, store, Advisory, Affected};

use super::{open, prefix, PackArg};
use crate::escape::safe;
use crate::output::{paint, print_json, BAD, DIM, GOOD, HEAD, WARN};
use crate::GlobalArgs;

/// One row for people: the bulletin by its identifier (`QSB-001-2026`).
pub(super) fn describe_row(r: &Advisory, pack: &Pack) -> String {
    let p = prefix(pack);
    let verdict = if r.unused {
        "unused".to_string()
    } else {
        r.affected.to_string()
    };
    let mut s = format!(
        "{p}-{:<4} {:<10} {:<6} {:<12}",
        r.number,
        r.date.map_or("-".to_string(), |d| d.to_string()),
        verdict,
        r.bulletin.map_or("-".to_string(), |b| bulletin_id(
            &pack.config,
            b.number,
            b.year
        ))
    );
    if let Some(t) = &r.title {
        s += &format!(" {t}");
    }
    if let Some(m) = &r.mitigation {
        s += &format!(" [{m}]");
    }
    s.trim_end().to_string()
}

pub(super) fn list(
    pack: &PackArg,
    affected: Option<Affected>,
    since: Option<NaiveDate>,
    global: &GlobalArgs,
) -> Result<u8> {
    let (pack, path) = open(pack)?;
    let tracker = store::load(&path)?;
    let rows: Vec<_> = tracker
        .rows()
        .iter()
        .filter(|r| affected.is_none_or(|a| r.affected == a))
        .filter(|r| since.is_none_or(|s| r.date.is_some_and(|d| d >= s)))
        .collect();
    if global.json {
        print_json(&rows)?;
    } else {
        for r in &rows {
            anstream::println!("{}", safe(describe_row(r, &pack)));
        }
        anstream::println!(
            "{}",
            paint(
                DIM,
                format!("{} of {} rows", rows.len(), tracker.rows().len())
            )
        );
    }
    Ok(crate::EXIT_OK)
}

pub(super) fn stats(pack: &PackArg, global: &GlobalArgs) -> Result<u8> {
    let (pack, path) = open(pack)?;
    let tracker = store::load(&path)?;
    let s = tracker_stats::compute(tracker.rows());
    if global.json {
        print_json(&s)?;
        return Ok(crate::EXIT_OK);
    }
    let p = safe(prefix(&pack));
    let day = |d: Option<NaiveDate>| d.map_or("-".to_string(), |d| d.to_string());
    anstream::println!("{}", paint(HEAD, format!("{p} tracker")));
    anstream::println!(
        "  from {} to {}: {:.1} years ({} days / {})",
        day(s.first),
        day(s.last),
        s.span_years,
        s.span_days,
        tracker_stats::DAYS_PER_YEAR
    );
    anstream::println!(
        "  advisories published: {} ({} unused numbers not counted)",
        s.published,
        s.unused
    );
    anstream::println!(
        "  affecting {}: {} ({:.2}%)",
        safe(&pack.config.project.name),
        s.affected,
        s.percentage
    );
    anstream::println!(
        "  not affecting: {}, to be triaged: {}",
        s.not_affected,
        s.tba
    );
    if s.undated > 0 {
        anstream::println!("  without a date: {}", s.undated);
    }
    anstream::println!("{}", paint(HEAD, "per year (published / affected)"));
    for y in &s.per_year {
        anstream::println!("  {}  {:>4} {:>4}", y.year, y.published, y.affected);
    }
    Ok(crate::EXIT_OK)
}

pub(super) fn check(pack: &PackArg, now: Option<NaiveDate>, global: &GlobalArgs) -> Result<u8> {
    let (pack, path) = open(pack)?;
    let tracker = store::load(&path)?;
    let (existing, citations, mut findings) = check::read_bulletins(&pack);
    let cx = CheckContext {
        prefix: prefix(&pack).to_string(),
        existing,
        citations,
        today: now.unwrap_or_else(|| chrono::Utc::now().date_naive()),
        tba_max_days: pack.config.tracker.tba_max_days,
    };
    findings.extend(check::check(&tracker, &cx));
    let failures = findings.iter().filter(|f| f.is_failure()).count();
    let code = if failures > 0 {
        crate::EXIT_FAILURE
    } else {
        crate::EXIT_OK
    };
    if global.json {
        print_json(&serde_json::json!({
            "ok": failures == 0,
            "rows": tracker.rows().len(),
            "bulletins": cx.existing.len(),
            "failures": failures,
            "findings": findings,
        }))?;
        return Ok(code);
    }
    for f in &findings {
        let word = match f.severity {
            Severity::Error => paint(BAD, "error  "),
            Severity::Warning => paint(WARN, "warning"),
            Severity::Info => paint(DIM, "info   "),
        };
        anstream::println!(
            "{word} {} {}",
            safe(&f.message),
            paint(DIM, format!("[{}]", f.code))
        );
    }
    let verdict = if failures == 0 {
        paint(GOOD, "consistent")
    } else {
        paint(BAD, "inconsistent")
    };
    anstream::println!(
        "{verdict}: {} rows, {} bulletins, {failures} problems, {} notes",
        tracker.rows().len(),
        cx.existing.len(),
        findings.len() - failures
    );
    Ok(code)
}
