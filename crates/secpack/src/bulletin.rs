//! Security bulletins: the plain-text documents a team publishes.
//!
//! A bulletin opens with a centred banner (`---===[ Project Security Bulletin
//! 42 ]===---`), a centred date (`YYYY-MM-DD`) and a centred title, then
//! sections whose headings are underlined with dashes. Bulletins of every era
//! are read: banners with or without a number, titles over several lines,
//! upstream advisories cited anywhere in the text.

use chrono::NaiveDate;
use serde::Serialize;

/// Largest bulletin text parsed (bulletins are a few kilobytes).
pub const MAX_BULLETIN_BYTES: usize = 4 << 20;

/// What the header of a bulletin says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BulletinHeader {
    /// Number printed in the banner, if any.
    pub number: Option<u32>,
    /// Date of issue printed under the banner.
    pub date: Option<NaiveDate>,
    /// The title (lines joined with spaces).
    pub title: Option<String>,
    /// Upstream advisory numbers cited anywhere in the text, sorted, unique.
    pub upstream_advisories: Vec<u32>,
}

impl BulletinHeader {
    /// Parses the header of a bulletin. `upstream_prefix` is the advisory
    /// prefix (`XSA`). Never fails: what cannot be found is `None`.
    pub fn parse(text: &str, upstream_prefix: &str) -> Self {
        let text = &text[..floor_char_boundary(text, MAX_BULLETIN_BYTES)];
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        let banner = lines.iter().position(|l| is_banner(l));
        let number = banner.and_then(|i| banner_number(lines[i]));
        let start = banner.map_or(0, |i| i + 1);
        // The date is the first line (within the header) that is only a date.
        let date_at = lines
            .iter()
            .enumerate()
            .skip(start)
            .take(12)
            .find_map(|(i, l)| parse_date(l).map(|d| (i, d)));
        let (date, title) = match date_at {
            Some((i, d)) => (Some(d), title_after(&lines, i + 1)),
            None => (None, title_after(&lines, start)),
        };
        Self {
            number,
            date,
            title,
            upstream_advisories: cited_advisories(text, upstream_prefix),
        }
    }
}

/// A banner line: `---===[ ... ]===---`.
fn is_banner(line: &str) -> bool {
    line.contains("===[") && line.contains("]===")
}

/// The last number inside a banner.
fn banner_number(line: &str) -> Option<u32> {
    let inner = line.split("===[").nth(1)?.split("]===").next()?;
    inner
        .split(|c: char| !c.is_ascii_digit())
        .rfind(|w| !w.is_empty())?
        .parse()
        .ok()
}

/// A line holding only a date, `YYYY-MM-DD`.
pub fn parse_date(line: &str) -> Option<NaiveDate> {
    let l = line.trim();
    if l.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(l, "%Y-%m-%d").ok()
}

/// Title: the non-empty lines after `from` up to the first blank line that
/// follows them, skipping leading blank lines and stopping at a heading rule.
fn title_after(lines: &[&str], from: usize) -> Option<String> {
    let mut parts = Vec::new();
    for l in lines.iter().skip(from) {
        if l.is_empty() {
            if parts.is_empty() {
                continue;
            }
            break;
        }
        if l.chars().all(|c| c == '-' || c == '=') || is_banner(l) {
            break;
        }
        parts.push(*l);
        if parts.len() == 4 {
            break;
        }
    }
    let t = parts.join(" ");
    (!t.is_empty()).then_some(t)
}

/// Every `<PREFIX>-<number>` cited in `text` (also `<PREFIX> <number>` and
/// `<PREFIX>-<a>/<b>`-style lists are not guessed), sorted and unique.
pub fn cited_advisories(text: &str, prefix: &str) -> Vec<u32> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let p = prefix.as_bytes();
    let mut i = 0;
    while i + p.len() < bytes.len() {
        let hit = bytes[i..i + p.len()].eq_ignore_ascii_case(p)
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
            && matches!(bytes[i + p.len()], b'-' | b' ');
        if hit {
            let digits_at = i + p.len() + 1;
            let end = bytes[digits_at..]
                .iter()
                .position(|b| !b.is_ascii_digit())
                .map_or(bytes.len(), |n| digits_at + n);
            if end > digits_at && end - digits_at <= 6 {
                if let Ok(n) = text[digits_at..end].parse() {
                    out.push(n);
                }
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn floor_char_boundary(s: &str, max: usize) -> usize {
    if s.len() <= max {
        return s.len();
    }
    let mut i = max;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MODERN: &str = "\n\n             ---===[ Demo Security Bulletin 042 ]===---\n\n\
                          \x20                          2024-03-12\n\n\
                          \x20         Widget parser overflow in the frobnicator\n\
                          \x20               (XSA-451, XSA-453)\n\n\
                          User action\n------------\n\nUpdate. See also XSA-450 and xsa-451.\n";

    #[test]
    fn modern_header() {
        let h = BulletinHeader::parse(MODERN, "XSA");
        assert_eq!(h.number, Some(42));
        assert_eq!(h.date, NaiveDate::from_ymd_opt(2024, 3, 12));
        assert_eq!(
            h.title.as_deref(),
            Some("Widget parser overflow in the frobnicator (XSA-451, XSA-453)")
        );
        assert_eq!(h.upstream_advisories, vec![450, 451, 453]);
    }

    #[test]
    fn old_header_without_number_or_date() {
        let h = BulletinHeader::parse("Demo Security Bulletin\n\nSome title here\n\nText", "XSA");
        assert_eq!(h.number, None);
        assert_eq!(h.date, None);
        assert_eq!(h.title.as_deref(), Some("Demo Security Bulletin"));
    }

    #[test]
    fn citations_need_a_word_boundary() {
        assert_eq!(
            cited_advisories("NOXSA-1 XSA-2 XSA-x XSA 3 XSA-", "XSA"),
            vec![2, 3]
        );
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,400}") {
            let _ = BulletinHeader::parse(&s, "XSA");
        }

        #[test]
        fn finds_every_cited_number(ns in proptest::collection::vec(0u32..100_000, 0..20)) {
            let text: String = ns.iter().map(|n| format!("see XSA-{n}, ")).collect();
            let mut want = ns.clone();
            want.sort_unstable();
            want.dedup();
            prop_assert_eq!(cited_advisories(&text, "XSA"), want);
        }
    }
}
