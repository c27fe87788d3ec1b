//! Statistics shown with the tracker.
//!
//! Definitions (also in `docs/tracker.md`):
//! * *published*: rows not marked `unused` (untriaged `tba` rows included);
//! * *affected*: published rows marked `affected = "yes"`;
//! * *percentage*: `affected * 100 / published`, rounded to two decimals
//!   (0 when nothing is published);
//! * *first*, *last*: the earliest and latest date among published rows;
//! * *span in years*: days from *first* to *last*, divided by 365.25 (the
//!   mean length of a Julian year), rounded to one decimal;
//! * *per year*: published and affected rows by the year of their date.
//!
//! Rounding is to the nearest value, halves away from zero.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::model::{Advisory, Affected};

/// Days in a year, for the span.
pub const DAYS_PER_YEAR: f64 = 365.25;

/// The tracker's statistics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    /// Earliest date of a published advisory.
    pub first: Option<NaiveDate>,
    /// Latest date of a published advisory.
    pub last: Option<NaiveDate>,
    /// Days from `first` to `last`.
    pub span_days: i64,
    /// `span_days / 365.25`, one decimal.
    pub span_years: f64,
    /// Advisories published (rows not marked unused).
    pub published: usize,
    /// Published advisories that affect the project.
    pub affected: usize,
    /// Published advisories that do not.
    pub not_affected: usize,
    /// Published advisories not triaged yet.
    pub tba: usize,
    /// Numbers marked unused (not counted as published).
    pub unused: usize,
    /// Published advisories without a date (left out of the span and years).
    pub undated: usize,
    /// `affected * 100 / published`, two decimals.
    pub percentage: f64,
    /// Counts by year of publication, oldest first.
    pub per_year: Vec<YearStats>,
}

/// Counts for one calendar year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearStats {
    /// The year.
    pub year: i32,
    /// Advisories published that year.
    pub published: usize,
    /// Of which affect the project.
    pub affected: usize,
}

/// Computes the statistics of a set of rows.
pub fn compute(rows: &[Advisory]) -> Stats {
    let published: Vec<&Advisory> = rows.iter().filter(|r| r.is_published()).collect();
    let count = |a: Affected| published.iter().filter(|r| r.affected == a).count();
    let affected = count(Affected::Yes);
    let first = published.iter().filter_map(|r| r.date).min();
    let last = published.iter().filter_map(|r| r.date).max();
    let span_days = match (first, last) {
        (Some(f), Some(l)) => (l - f).num_days(),
        _ => 0,
    };
    let mut years: BTreeMap<i32, YearStats> = BTreeMap::new();
    for r in &published {
        if let Some(d) = r.date {
            let y = years.entry(d.year()).or_insert(YearStats {
                year: d.year(),
                published: 0,
                affected: 0,
            });
            y.published += 1;
            y.affected += usize::from(r.affected == Affected::Yes);
        }
    }
    let percentage = if published.is_empty() {
        0.0
    } else {
        round_to(affected as f64 * 100.0 / published.len() as f64, 2)
    };
    Stats {
        first,
        last,
        span_days,
        span_years: round_to(span_days as f64 / DAYS_PER_YEAR, 1),
        published: published.len(),
        affected,
        not_affected: count(Affected::No),
        tba: count(Affected::Tba),
        unused: rows.len() - published.len(),
        undated: published.iter().filter(|r| r.date.is_none()).count(),
        percentage,
        per_year: years.into_values().collect(),
    }
}

/// `x` rounded to `decimals` places, halves away from zero.
fn round_to(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (x * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(number: u32, date: &str, affected: Affected, unused: bool) -> Advisory {
        let mut r = Advisory::new(number);
        r.date = Some(date.parse().unwrap());
        r.affected = affected;
        r.unused = unused;
        r
    }

    #[test]
    fn counts_and_definitions() {
        let rows = vec![
            row(1, "2020-03-01", Affected::Yes, false),
            row(2, "2019-01-01", Affected::No, false),
            row(3, "2018-01-01", Affected::No, true), // unused: outside everything
            row(4, "2021-01-01", Affected::Tba, false),
            Advisory::new(5), // published, tba, undated
        ];
        let s = compute(&rows);
        assert_eq!(
            (
                s.published,
                s.affected,
                s.not_affected,
                s.tba,
                s.unused,
                s.undated
            ),
            (4, 1, 1, 2, 1, 1)
        );
        assert_eq!(s.first, Some("2019-01-01".parse().unwrap()));
        assert_eq!(s.last, Some("2021-01-01".parse().unwrap()));
        assert_eq!(s.span_days, 365 + 366);
        assert_eq!(s.span_years, 2.0); // 731 / 365.25 = 2.001...
        assert_eq!(s.percentage, 25.0);
        let years: Vec<(i32, usize, usize)> = s
            .per_year
            .iter()
            .map(|y| (y.year, y.published, y.affected))
            .collect();
        assert_eq!(years, [(2019, 1, 0), (2020, 1, 1), (2021, 1, 0)]);
    }

    #[test]
    fn rounding() {
        let rows: Vec<Advisory> = (0..3)
            .map(|i| {
                row(
                    i,
                    "2020-01-01",
                    if i == 0 { Affected::Yes } else { Affected::No },
                    false,
                )
            })
            .collect();
        assert_eq!(compute(&rows).percentage, 33.33);
        assert_eq!(round_to(2.25, 1), 2.3);
        assert_eq!(round_to(0.125, 2), 0.13);
    }

    #[test]
    fn empty_tracker() {
        let s = compute(&[]);
        assert_eq!(
            (s.first, s.last, s.span_years, s.published, s.percentage),
            (None, None, 0.0, 0, 0.0)
        );
        assert!(s.per_year.is_empty());
    }
}
