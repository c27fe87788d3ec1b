//! Security bulletins: the plain-text documents a team publishes.
//!
//! A bulletin opens with a centred banner (`---===[ Project Security Bulletin
//! 42 ]===---`), a centred date and a centred title, then sections whose
//! headings are underlined with dashes or equals signs. Bulletins of every era
//! are read: banners with or without a number (`#7`, `042`), dates written
//! `2024-03-12` or `March 12, 2024`, titles over several lines or missing,
//! upstream advisories cited anywhere in the text (`XSA-42`, `XSA 42`,
//! `XSA42`).
//!
//! * [`BulletinHeader`] is the header alone (number, date, title, citations).
//! * [`Bulletin`] is everything a machine-readable advisory needs, parsed from
//!   the text ([`structured`]) and corrected by an optional sidecar file
//!   ([`sidecar`]).
//! * [`ids`] is the one format of bulletin identifiers (`QSB-001-2026`) and
//!   the one parser of the bulletin numbers people type.
//! * [`index`] lists a pack's bulletins with their headers and verdicts.
//! * [`template`] finds template text left in a bulletin.
//! * [`lifecycle`] dates first issue, revisions and withdrawal from git.

pub mod ids;
pub mod index;
pub mod lifecycle;
mod sections;
pub mod sidecar;
pub mod structured;
pub mod template;

pub use ids::{bulletin_id, document_id, resolve_bulletin, BulletinNumberError, ResolvedBulletin};
pub use sections::Section;
pub use sidecar::Sidecar;
pub use structured::{Bulletin, PatchedPackage, Reference};

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
            .find_map(|(i, l)| parse_bulletin_date(l).map(|d| (i, d)));
        let (date, title) = match date_at {
            Some((i, d)) => (Some(d), title_after(&lines, i + 1)),
            None => (None, title_after(&lines, start)),
        };
        // Citations split over title lines are read in the joined title too.
        let mut upstream_advisories = cited_advisories(text, upstream_prefix);
        if let Some(t) = &title {
            upstream_advisories.extend(cited_advisories(t, upstream_prefix));
            upstream_advisories.sort_unstable();
            upstream_advisories.dedup();
        }
        Self {
            number,
            date,
            title,
            upstream_advisories,
        }
    }
}

/// A banner line: `---===[ ... ]===---`.
pub(crate) fn is_banner(line: &str) -> bool {
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

/// A line holding only a date as bulletins print it: `YYYY-MM-DD`, or in the
/// older long form, `May 12, 2011` (also abbreviated, `Jan 5, 2015`).
pub fn parse_bulletin_date(line: &str) -> Option<NaiveDate> {
    let l = line.trim();
    if let Some(d) = parse_date(l) {
        return Some(d);
    }
    // Long forms are short and start with a month name.
    if l.len() > 20 || !l.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    ["%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%b %d %Y"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(l, f).ok())
}

/// Title: the block of non-empty lines after `from` (leading blank lines
/// skipped). Old bulletins have no title: a block that is a section heading
/// (followed by an underline), or longer than [`MAX_TITLE_LINES`] (a paragraph
/// of prose), is not a title.
fn title_after(lines: &[&str], from: usize) -> Option<String> {
    let mut parts = Vec::new();
    for (i, l) in lines.iter().enumerate().skip(from) {
        if l.is_empty() {
            if parts.is_empty() {
                continue;
            }
            break;
        }
        if is_rule(l) || is_banner(l) {
            break;
        }
        if lines.get(i + 1).is_some_and(|next| is_rule(next)) {
            // A section heading: no title before the first section.
            return None;
        }
        parts.push(*l);
        if parts.len() > MAX_TITLE_LINES {
            return None;
        }
    }
    let t = parts.join(" ");
    (!t.is_empty()).then_some(t)
}

/// Most lines a title spans; a longer block is prose.
const MAX_TITLE_LINES: usize = 3;

/// A line made only of dashes or equals signs (at least three): the underline
/// of a section heading.
pub(crate) fn is_rule(line: &str) -> bool {
    let l = line.trim();
    l.len() >= 3 && (l.bytes().all(|b| b == b'-') || l.bytes().all(|b| b == b'='))
}

/// Every advisory of `prefix` cited in `text`, as numbers, sorted and unique.
/// A citation is the prefix (any case, at a word start) followed by a dash, a
/// space or nothing, then up to six digits: `XSA-42`, `XSA 42`, `XSA42`.
/// Older bulletins also cite ranges and lists, read when the numbers grow by
/// at most [`MAX_CITED_SPAN`]: `XSA 44-51`, `XSA 120 & 124`, `XSA-12, 13 and 14`.
pub fn cited_advisories(text: &str, prefix: &str) -> Vec<u32> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let p = prefix.as_bytes();
    if p.is_empty() {
        return out;
    }
    let mut i = 0;
    while i + p.len() < bytes.len() {
        let hit = bytes[i..i + p.len()].eq_ignore_ascii_case(p)
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric());
        if !hit {
            i += 1;
            continue;
        }
        let after = i + p.len();
        let digits_at = match bytes[after] {
            b'-' | b' ' => after + 1,
            b if b.is_ascii_digit() => after,
            _ => {
                i += 1;
                continue;
            }
        };
        let Some((first, mut end)) = number_at(bytes, digits_at) else {
            i += 1;
            continue;
        };
        out.push(first);
        let mut last = first;
        // A range: `44-51`.
        if bytes.get(end) == Some(&b'-') {
            if let Some((to, to_end)) =
                number_at(bytes, end + 1).filter(|(to, _)| follows(last, *to))
            {
                out.extend(last + 1..=to);
                last = to;
                end = to_end;
            }
        }
        // A range in words: `XSA-226 through XSA-230`, `XSA 216 to 224`.
        if let Some((to, to_end)) =
            range_end_in_words(bytes, end, p).filter(|(to, _)| follows(last, *to))
        {
            out.extend(last + 1..=to);
            last = to;
            end = to_end;
        }
        // A list: `120 & 124`, `12, 13 and 14`, `7/8`.
        while let Some((n, n_end)) = list_item_at(bytes, end).filter(|(n, _)| follows(last, *n)) {
            out.push(n);
            last = n;
            end = n_end;
        }
        i = end.max(i + 1);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Largest step between numbers read as one range or list of citations.
pub const MAX_CITED_SPAN: u32 = 64;

/// Whether `next` continues a range or list that reached `last`.
fn follows(last: u32, next: u32) -> bool {
    next > last && next - last <= MAX_CITED_SPAN
}

/// A number of one to six digits at `at`, not followed by a letter or digit;
/// returns it and where it ends.
fn number_at(bytes: &[u8], at: usize) -> Option<(u32, usize)> {
    let len = bytes
        .get(at..)?
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let end = at + len;
    if len == 0 || len > 6 || bytes.get(end).is_some_and(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let n = std::str::from_utf8(&bytes[at..end]).ok()?.parse().ok()?;
    Some((n, end))
}

/// The end of a range written in words after `at`: ` through ` or ` to `,
/// then the number, with or without the prefix again (`XSA-230`, `230`).
fn range_end_in_words(bytes: &[u8], at: usize, prefix: &[u8]) -> Option<(u32, usize)> {
    let rest = bytes.get(at..)?;
    let word_len = [&b" through "[..], b" thru ", b" to "]
        .iter()
        .find(|w| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w))?
        .len();
    let k = at + word_len;
    let k = match bytes.get(k..k + prefix.len()) {
        Some(p) if p.eq_ignore_ascii_case(prefix) => match bytes.get(k + prefix.len()) {
            Some(b'-' | b' ') => k + prefix.len() + 1,
            _ => k + prefix.len(),
        },
        _ => k,
    };
    number_at(bytes, k)
}

/// The next number of a list after `at`: a separator (`,`, `&`, `/`, `and`)
/// between optional white space, then the number.
fn list_item_at(bytes: &[u8], at: usize) -> Option<(u32, usize)> {
    let skip_space = |mut k: usize| {
        while bytes.get(k).is_some_and(u8::is_ascii_whitespace) {
            k += 1;
        }
        k
    };
    // The word `and` followed by white space.
    let and_at = |k: usize| {
        bytes.get(k..k + 3) == Some(b"and") && bytes.get(k + 3).is_some_and(u8::is_ascii_whitespace)
    };
    let k = skip_space(at);
    let k = match bytes.get(k)? {
        b',' | b'&' | b'/' => k + 1,
        _ if and_at(k) => k + 3,
        _ => return None,
    };
    let k = skip_space(k);
    // `XSA-12, and 13`: `and` may follow a comma.
    let k = if and_at(k) { skip_space(k + 3) } else { k };
    number_at(bytes, k)
}

/// The largest char boundary of `s` not above `max`.
pub(crate) fn floor_char_boundary(s: &str, max: usize) -> usize {
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
    fn ranges_in_words() {
        assert_eq!(
            cited_advisories("vulnerabilities (XSA-226 through XSA-230)", "XSA"),
            [226, 227, 228, 229, 230]
        );
        assert_eq!(
            cited_advisories("XSA 216 to 218, XSA-300", "XSA"),
            [216, 217, 218, 300]
        );
        // Not a range: the number after `to` goes backwards or is too far.
        assert_eq!(cited_advisories("XSA-230 to 12 guests", "XSA"), [230]);
        assert_eq!(cited_advisories("XSA-10 through XSA-900", "XSA"), [10, 900]);
        // `to` as an ordinary word.
        assert_eq!(cited_advisories("XSA-5 to be fixed", "XSA"), [5]);
    }

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
    fn ranges_and_lists_of_citations() {
        assert_eq!(
            cited_advisories("advisories (XSA 44-51 [1])", "XSA"),
            (44..=51).collect::<Vec<_>>()
        );
        assert_eq!(cited_advisories("title (XSA 120 & 124)", "XSA"), [120, 124]);
        assert_eq!(cited_advisories("XSA-12, 13 and 14.", "XSA"), [12, 13, 14]);
        assert_eq!(cited_advisories("XSA-7/8", "XSA"), [7, 8]);
        // Not a range or list: going down, or too far, or a year.
        assert_eq!(
            cited_advisories("XSA-263-2 and XSA-10, 9 bugs", "XSA"),
            [10, 263]
        );
        assert_eq!(cited_advisories("XSA-86, 2014", "XSA"), [86]);
        assert_eq!(cited_advisories("XSA 20-32abc", "XSA"), [20]);
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
