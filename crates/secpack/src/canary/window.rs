//! The window in which a canary promises the next one: "in the first fourteen
//! days of September 2026", "in the first two weeks of July 2019", "in the
//! first week of March 2015", "in the last fourteen days of May 2023", "by
//! the end of May 2030", "by June 15, 2030".
//!
//! Every phrasing the real packs use is read: the first or last N days,
//! weeks or fortnights of a month, N in digits (`2`) or words (`fourteen`,
//! `twenty-one`), `first week` without a number, the first or last half of
//! a month, a whole month (`in May 2030`), and deadlines.

use std::ops::Range;

use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;

use super::words::{bare, date_at, last_day_of_month, month_number, number_at, year_number};

/// The promised window for the next canary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Window {
    /// First day of the window.
    pub start: NaiveDate,
    /// Last day on which the next canary is still on time.
    pub end: NaiveDate,
    /// The words that promised it, as written (whitespace collapsed).
    pub phrase: String,
}

/// A window found in a statement and the tokens that stated it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundWindow {
    /// The window.
    pub window: Window,
    /// Token range of the phrase (for masking).
    pub span: Range<usize>,
}

/// Prepositions that may open the phrase; included in its span.
const LEADING: &[&str] = &["in", "within", "during", "by", "the"];

/// Finds the first promised window in a statement split into tokens.
pub fn find_window(tokens: &[&str]) -> Option<FoundWindow> {
    (0..tokens.len()).find_map(|i| window_at_month(tokens, i).or_else(|| window_at_date(tokens, i)))
}

/// `... of <Month> <Year>` or `in <Month> <Year>` with the month at `m`.
fn window_at_month(tokens: &[&str], m: usize) -> Option<FoundWindow> {
    let month = month_number(tokens[m])?;
    let year = year_number(tokens.get(m + 1)?)?;
    let month_start = NaiveDate::from_ymd_opt(year, month, 1)?;
    let month_end = last_day_of_month(year, month)?;
    let word = |i: usize| tokens.get(i).map(|t| bare(t)).unwrap_or_default();
    let before = m.checked_sub(1)?;
    let (start_tok, end) = match word(before).as_str() {
        "in" | "during" => (before, month_end),
        "of" => {
            let unit_at = before.checked_sub(1)?;
            match word(unit_at).as_str() {
                "end" => (unit_at, month_end),
                "half" if word(unit_at.checked_sub(1)?) == "first" => {
                    (unit_at - 1, month_start + Days::new(14))
                }
                "half" if is_last(&word(unit_at.checked_sub(1)?)) => {
                    let start = month_start + Days::new(15);
                    return Some(found(tokens, unit_at - 1, m, start, month_end));
                }
                unit => {
                    let unit_days = match unit {
                        "day" | "days" => 1,
                        "week" | "weeks" => 7,
                        "fortnight" | "fortnights" => 14,
                        _ => return None,
                    };
                    let (count, edge_at, from) = count_before(tokens, unit_at)?;
                    let days = u64::from(count).checked_mul(unit_days)?;
                    let month_days = u64::from(month_end.day());
                    if days == 0 || days > 366 {
                        return None;
                    }
                    match from {
                        Edge::First => (edge_at, month_start + Days::new(days - 1)),
                        // The last N days of a month: a window longer than
                        // the month is not a window of that month.
                        Edge::Last if days <= month_days => {
                            let start = month_end - Days::new(days - 1);
                            return Some(found(tokens, edge_at, m, start, month_end));
                        }
                        Edge::Last => return None,
                    }
                }
            }
        }
        _ => return None,
    };
    Some(found(tokens, start_tok, m, month_start, end))
}

/// The window from `start` to `end` stated by the tokens from `start_tok`
/// to the year after the month at `m`.
fn found(
    tokens: &[&str],
    start_tok: usize,
    m: usize,
    start: NaiveDate,
    end: NaiveDate,
) -> FoundWindow {
    let f = FoundWindow {
        window: Window {
            start,
            end,
            phrase: String::new(),
        },
        span: extend_left(tokens, start_tok)..m + 2,
    };
    with_phrase(tokens, f)
}

/// Which end of the month a window is counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edge {
    /// "the first N days of ..."
    First,
    /// "the last N days of ..."
    Last,
}

/// `last` or `final`.
fn is_last(word: &str) -> bool {
    matches!(word, "last" | "final")
}

/// The edge a word names, if it names one.
fn edge_of(token: &str) -> Option<Edge> {
    match bare(token).as_str() {
        "first" => Some(Edge::First),
        w if is_last(w) => Some(Edge::Last),
        _ => None,
    }
}

/// `first|last <N> <unit>` or `first|last <unit>` ending just before
/// `unit_at`: the count, the index of `first`/`last`, and which it was.
fn count_before(tokens: &[&str], unit_at: usize) -> Option<(u32, usize, Edge)> {
    let prev = unit_at.checked_sub(1)?;
    if let Some(edge) = edge_of(tokens[prev]) {
        return Some((1, prev, edge));
    }
    for len in [1, 2] {
        let Some(at) = unit_at.checked_sub(len) else {
            continue;
        };
        if let Some((n, used)) = number_at(tokens, at) {
            if used == len && at >= 1 {
                if let Some(edge) = edge_of(tokens[at - 1]) {
                    return Some((n, at - 1, edge));
                }
            }
        }
    }
    None
}

/// `by <date>` / `before <date>` / `until <date>` with the date at `at`.
fn window_at_date(tokens: &[&str], at: usize) -> Option<FoundWindow> {
    let (date, range) = date_at(tokens, at)?;
    let prep_at = at.checked_sub(1)?;
    let end = match bare(tokens[prep_at]).as_str() {
        "by" | "until" => date,
        "before" => {
            // "on or before <date>" includes the day itself.
            let on_or = prep_at >= 2
                && bare(tokens[prep_at - 2]) == "on"
                && bare(tokens[prep_at - 1]) == "or";
            if on_or {
                date
            } else {
                date.pred_opt()?
            }
        }
        _ => return None,
    };
    let start = NaiveDate::from_ymd_opt(date.year(), date.month(), 1)?;
    let f = FoundWindow {
        window: Window {
            start: start.min(end),
            end,
            phrase: String::new(),
        },
        span: extend_left(tokens, prep_at)..range.end,
    };
    Some(with_phrase(tokens, f))
}

/// Moves the start of a span left over opening prepositions.
fn extend_left(tokens: &[&str], mut start: usize) -> usize {
    while start > 0 && LEADING.contains(&bare(tokens[start - 1]).as_str()) {
        start -= 1;
        if matches!(
            bare(tokens[start]).as_str(),
            "in" | "within" | "during" | "by"
        ) {
            break;
        }
    }
    start
}

fn with_phrase(tokens: &[&str], mut f: FoundWindow) -> FoundWindow {
    let mut phrase = tokens[f.span.clone()].join(" ");
    while phrase.ends_with(['.', ',', ';']) {
        phrase.pop();
    }
    f.window.phrase = phrase;
    f
}

#[cfg(test)]
mod tests {
    use super::super::words::number_words;
    use super::*;
    use proptest::prelude::*;

    fn window(s: &str) -> Option<(NaiveDate, NaiveDate, String)> {
        let t: Vec<&str> = s.split_whitespace().collect();
        find_window(&t).map(|f| (f.window.start, f.window.end, f.window.phrase))
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn every_wording_seen_in_the_wild() {
        let cases = [
            (
                "to appear in the first fourteen days of September 2026. Take note",
                14,
                "in the first fourteen days of September 2026",
            ),
            (
                "is due in the first\n two weeks of July 2019.",
                14,
                "in the first two weeks of July 2019",
            ),
            (
                "expected in the first 2 weeks of October 2015.",
                14,
                "in the first 2 weeks of October 2015",
            ),
            (
                "planned in the first week of March 2015.",
                7,
                "in the first week of March 2015",
            ),
            (
                "within the first ten days of May 2030",
                10,
                "within the first ten days of May 2030",
            ),
            (
                "within the first twenty one days of May 2030",
                21,
                "within the first twenty one days of May 2030",
            ),
            (
                "within the first twenty-one days of May 2030",
                21,
                "within the first twenty-one days of May 2030",
            ),
            (
                "in the first fortnight of May 2030",
                14,
                "in the first fortnight of May 2030",
            ),
        ];
        for (text, days, phrase) in cases {
            let (start, end, p) = window(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(start.day(), 1, "{text}");
            assert_eq!((end - start).num_days() + 1, days, "{text}");
            assert_eq!(p, phrase, "{text}");
        }
        let (s, e, _) = window("in the first fourteen days of September 2026").unwrap();
        assert_eq!((s, e), (ymd(2026, 9, 1), ymd(2026, 9, 14)));
    }

    #[test]
    fn whole_months_and_deadlines() {
        assert_eq!(
            window("by the end of February 2028.").unwrap(),
            (
                ymd(2028, 2, 1),
                ymd(2028, 2, 29),
                "by the end of February 2028".into()
            )
        );
        assert_eq!(
            window("sometime in May 2030").unwrap(),
            (ymd(2030, 5, 1), ymd(2030, 5, 31), "in May 2030".into())
        );
        assert_eq!(window("by June 15, 2030.").unwrap().1, ymd(2030, 6, 15));
        assert_eq!(window("before June 15, 2030.").unwrap().1, ymd(2030, 6, 14));
        assert_eq!(
            window("on or before June 15, 2030.").unwrap().1,
            ymd(2030, 6, 15)
        );
        assert_eq!(
            window("first half of June 2030").unwrap().1,
            ymd(2030, 6, 15)
        );
    }

    #[test]
    fn no_window_is_invented() {
        for text in [
            "The date of issue of this canary is June 10, 2016.",
            "in the first TODO days of May 2030",
            "in the first zero days of May 2030",
            "in the last forty days of February 2030",
            "in the last zero weeks of May 2030",
            "in the past two weeks of May 2030",
            "in September",
            "of September 2026",
            "",
        ] {
            assert_eq!(window(text), None, "{text}");
        }
    }

    /// Every window phrasing of the real pack's canaries 001 to 047 (the
    /// words around it as written there), with the dates it promises.
    #[test]
    fn every_real_phrasing() {
        let cases = [
            // canaries 001, 002
            (
                "is planned to be published in the first week of March 2015.",
                ymd(2015, 3, 1),
                ymd(2015, 3, 7),
            ),
            // canaries 003 to 005 (digits)
            (
                "is planned to be published in the first 2 weeks of August 2015.",
                ymd(2015, 8, 1),
                ymd(2015, 8, 14),
            ),
            // canaries 006 to 027, 019 split over two lines
            (
                "the next of these canary statements in the first\n two weeks of April 2016.",
                ymd(2016, 4, 1),
                ymd(2016, 4, 14),
            ),
            // canary 021
            (
                "the next of these canary statements in the first three weeks of January 2020.",
                ymd(2020, 1, 1),
                ymd(2020, 1, 21),
            ),
            // canaries 028 to 047
            (
                "the next of these canary statements in the first fourteen days of December 2021.",
                ymd(2021, 12, 1),
                ymd(2021, 12, 14),
            ),
            // canary 034: counted from the end of the month
            (
                "the next of these canary statements in the last fourteen days of May 2023.",
                ymd(2023, 5, 18),
                ymd(2023, 5, 31),
            ),
        ];
        for (text, start, end) in cases {
            let (s, e, phrase) = window(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!((s, e), (start, end), "{text}");
            assert!(phrase.starts_with("in the "), "{phrase}");
        }
    }

    #[test]
    fn windows_counted_from_the_end_of_the_month() {
        assert_eq!(
            window("in the last fourteen days of May 2023").unwrap(),
            (
                ymd(2023, 5, 18),
                ymd(2023, 5, 31),
                "in the last fourteen days of May 2023".into()
            )
        );
        assert_eq!(
            window("in the last week of February 2024").unwrap().0,
            ymd(2024, 2, 23)
        );
        assert_eq!(
            window("in the last week of February 2023").unwrap().0,
            ymd(2023, 2, 22)
        );
        assert_eq!(
            window("in the last 2 weeks of June 2030").unwrap().0,
            ymd(2030, 6, 17)
        );
        assert_eq!(
            window("in the final ten days of June 2030").unwrap().0,
            ymd(2030, 6, 21)
        );
        assert_eq!(
            window("in the last fortnight of April 2030").unwrap().0,
            ymd(2030, 4, 17)
        );
        assert_eq!(
            window("in the last half of April 2030").unwrap(),
            (
                ymd(2030, 4, 16),
                ymd(2030, 4, 30),
                "in the last half of April 2030".into()
            )
        );
        assert_eq!(
            window("in the last thirty-one days of January 2030")
                .unwrap()
                .0,
            ymd(2030, 1, 1)
        );
        assert_eq!(window("in the last thirty-one days of April 2030"), None);
    }

    proptest! {
        #[test]
        fn last_days_end_the_month(n in 1u32..=28, words in any::<bool>(), weeks in any::<bool>(), m in 1u32..=12, y in 2000i32..2100) {
            let month = ["January","February","March","April","May","June","July","August","September","October","November","December"][m as usize - 1];
            let (count, days) = if weeks { (n.min(4), n.min(4) * 7) } else { (n, n) };
            let count = if words { number_words(count) } else { count.to_string() };
            let unit = match (weeks, days) { (true, 7) => "week", (true, _) => "weeks", (false, 1) => "day", _ => "days" };
            let text = format!("We will publish in the last {count} {unit} of {month} {y}.");
            let (start, end, _) = window(&text).unwrap();
            prop_assert_eq!(end, last_day_of_month(y, m).unwrap());
            prop_assert_eq!((end - start).num_days() + 1, i64::from(days));
        }

        #[test]
        fn number_words_read_like_digits(n in 1u32..=28, last in any::<bool>(), m in 1u32..=12, y in 2000i32..2100) {
            let month = ["January","February","March","April","May","June","July","August","September","October","November","December"][m as usize - 1];
            let edge = if last { "last" } else { "first" };
            let in_words = window(&format!("in the {edge} {} days of {month} {y}", number_words(n)));
            let in_digits = window(&format!("in the {edge} {n} days of {month} {y}"));
            prop_assert!(in_words.is_some());
            prop_assert_eq!(in_words.map(|w| (w.0, w.1)), in_digits.map(|w| (w.0, w.1)));
        }

        #[test]
        fn digits_and_units_give_the_right_length(n in 1u32..40, weeks in any::<bool>(), m in 1u32..=12, y in 2000i32..2100) {
            let month = ["January","February","March","April","May","June","July","August","September","October","November","December"][m as usize - 1];
            let unit = if weeks { "weeks" } else { "days" };
            let text = format!("We will publish in the first {n} {unit} of {month} {y}.");
            let (start, end, _) = window(&text).unwrap();
            let days = i64::from(n) * if weeks { 7 } else { 1 };
            prop_assert_eq!(start, ymd(y, m, 1));
            prop_assert_eq!((end - start).num_days() + 1, days);
        }

        #[test]
        fn never_panics(s in "\\PC{0,200}") {
            let t: Vec<&str> = s.split_whitespace().collect();
            let _ = find_window(&t);
        }
    }
}
