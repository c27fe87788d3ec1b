//! Words of English prose that canaries use for dates and quantities: month
//! names, ordinal days, number words ("fourteen", "twenty-one").
//!
//! Every finder works on a statement split into whitespace-separated tokens
//! and returns the token range it read, so that callers can both extract the
//! value and mask the words that carried it.

use std::ops::Range;

use chrono::NaiveDate;

/// Punctuation that may cling to a word in running prose.
const CLINGING: &[char] = &[',', '.', ';', ':', '(', ')', '"', '\'', '!', '?'];

/// A token without the punctuation around it, lower-cased.
pub fn bare(token: &str) -> String {
    token.trim_matches(CLINGING).to_lowercase()
}

/// The month (1–12) named by a word: full English name or three-letter
/// abbreviation (`Sept` too).
pub fn month_number(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let w = bare(word);
    if w.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| {
            *m == w || (w.len() == 3 && m.starts_with(&w)) || (w == "sept" && *m == "september")
        })
        .map(|i| i as u32 + 1)
}

/// A day of the month: `5`, `05`, `5th`, `1st`, `22nd`, `3rd`.
pub fn day_number(word: &str) -> Option<u32> {
    let w = bare(word);
    let digits = w
        .strip_suffix("st")
        .or_else(|| w.strip_suffix("nd"))
        .or_else(|| w.strip_suffix("rd"))
        .or_else(|| w.strip_suffix("th"))
        .unwrap_or(&w);
    if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let d: u32 = digits.parse().ok()?;
    (1..=31).contains(&d).then_some(d)
}

/// A four-digit year.
pub fn year_number(word: &str) -> Option<i32> {
    let w = bare(word);
    (w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()))
        .then(|| w.parse().ok())
        .flatten()
}

/// A non-negative integer written in digits (`14`, `1,024`) or, up to ninety-nine,
/// in words (`fourteen`, `twenty-one`). Returns the value and how many tokens
/// it took (`twenty one` takes two).
pub fn number_at(tokens: &[&str], at: usize) -> Option<(u32, usize)> {
    let first = bare(tokens.get(at)?);
    let digits: String = first.chars().filter(|c| *c != ',').collect();
    if !digits.is_empty() && digits.len() <= 9 && digits.bytes().all(|b| b.is_ascii_digit()) {
        return Some((digits.parse().ok()?, 1));
    }
    if let Some((tens, units)) = first.split_once('-') {
        let (t, u) = (tens_word(tens)?, unit_word(units)?);
        return (u > 0 && u < 10).then_some((t + u, 1));
    }
    if let Some(t) = tens_word(&first) {
        if let Some(u) = tokens.get(at + 1).and_then(|w| unit_word(&bare(w))) {
            if u > 0 && u < 10 {
                return Some((t + u, 2));
            }
        }
        return Some((t, 1));
    }
    unit_word(&first).map(|u| (u, 1))
}

/// Number words below twenty.
const UNITS: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];

/// Words for the tens from twenty to ninety.
const TENS: [&str; 8] = [
    "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

fn unit_word(w: &str) -> Option<u32> {
    UNITS.iter().position(|u| *u == w).map(|i| i as u32)
}

fn tens_word(w: &str) -> Option<u32> {
    TENS.iter()
        .position(|t| *t == w)
        .map(|i| 20 + 10 * i as u32)
}

/// `n` in words as [`number_at`] reads them back (`fourteen`,
/// `twenty-one`); in digits from one hundred up.
pub fn number_words(n: u32) -> String {
    match n {
        0..=19 => UNITS[n as usize].to_string(),
        20..=99 => {
            let tens = TENS[(n / 10 - 2) as usize];
            match n % 10 {
                0 => tens.to_string(),
                u => format!("{tens}-{}", UNITS[u as usize]),
            }
        }
        _ => n.to_string(),
    }
}

/// A calendar date written as `June 10, 2016`, `January 5th, 2015`,
/// `10 June 2016` or `2016-06-10`, found at token `at`.
pub fn date_at(tokens: &[&str], at: usize) -> Option<(NaiveDate, Range<usize>)> {
    let tok = |i: usize| tokens.get(i).copied();
    let first = tok(at)?;
    if let Some(m) = month_number(first) {
        let d = day_number(tok(at + 1)?)?;
        let y = year_number(tok(at + 2)?)?;
        return Some((NaiveDate::from_ymd_opt(y, m, d)?, at..at + 3));
    }
    if let Some(d) = day_number(first) {
        let m = month_number(tok(at + 1)?)?;
        let y = year_number(tok(at + 2)?)?;
        return Some((NaiveDate::from_ymd_opt(y, m, d)?, at..at + 3));
    }
    let iso = bare(first);
    if iso.len() == 10 {
        if let Ok(d) = NaiveDate::parse_from_str(&iso, "%Y-%m-%d") {
            return Some((d, at..at + 1));
        }
    }
    None
}

/// The first calendar date in `tokens` at or after `from`.
pub fn find_date(tokens: &[&str], from: usize) -> Option<(NaiveDate, Range<usize>)> {
    (from..tokens.len()).find_map(|i| date_at(tokens, i))
}

/// The last day of a month.
pub fn last_day_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(ny, nm, 1)?.pred_opt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<&str> {
        s.split_whitespace().collect()
    }

    #[test]
    fn months_days_years() {
        assert_eq!(month_number("September"), Some(9));
        assert_eq!(month_number("sep."), Some(9));
        assert_eq!(month_number("Sept"), Some(9));
        assert_eq!(month_number("Ma"), None);
        assert_eq!(month_number("Mayday"), None);
        assert_eq!(day_number("5th,"), Some(5));
        assert_eq!(day_number("09"), Some(9));
        assert_eq!(day_number("32"), None);
        assert_eq!(day_number("0"), None);
        assert_eq!(year_number("2026."), Some(2026));
        assert_eq!(year_number("20261"), None);
    }

    #[test]
    fn number_words_read_back() {
        assert_eq!(number_words(14), "fourteen");
        assert_eq!(number_words(21), "twenty-one");
        assert_eq!(number_words(30), "thirty");
        assert_eq!(number_words(120), "120");
        for n in 0..200 {
            let w = number_words(n);
            assert_eq!(number_at(&[w.as_str()], 0), Some((n, 1)), "{w}");
        }
    }

    #[test]
    fn numbers_in_digits_and_words() {
        assert_eq!(number_at(&toks("14 days"), 0), Some((14, 1)));
        assert_eq!(number_at(&toks("fourteen days"), 0), Some((14, 1)));
        assert_eq!(number_at(&toks("Twenty-one days"), 0), Some((21, 1)));
        assert_eq!(number_at(&toks("twenty one days"), 0), Some((21, 2)));
        assert_eq!(number_at(&toks("thirty days"), 0), Some((30, 1)));
        assert_eq!(number_at(&toks("1,024 items"), 0), Some((1024, 1)));
        assert_eq!(number_at(&toks("TODO items"), 0), None);
        assert_eq!(number_at(&toks("twenty-twelve"), 0), None);
    }

    #[test]
    fn dates_in_every_form_seen() {
        let want = NaiveDate::from_ymd_opt(2016, 6, 2).unwrap();
        for s in [
            "is June 2, 2016.",
            "is June  2, 2016.",
            "is June 02, 2016.",
            "is June 2nd, 2016.",
            "is 2 June 2016.",
            "is 2016-06-02.",
        ] {
            let t = toks(s);
            let (d, r) = find_date(&t, 0).unwrap_or_else(|| panic!("{s}"));
            assert_eq!(d, want, "{s}");
            assert_eq!(r.start, 1, "{s}");
        }
        assert!(find_date(&toks("is June TODO, 2024."), 0).is_none());
        assert!(find_date(&toks("is February 30, 2024."), 0).is_none());
    }

    #[test]
    fn month_ends() {
        assert_eq!(
            last_day_of_month(2024, 2),
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        assert_eq!(
            last_day_of_month(2025, 12),
            NaiveDate::from_ymd_opt(2025, 12, 31)
        );
    }
}
