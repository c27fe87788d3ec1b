//! Reading the text of a canary.
//!
//! A canary opens with a banner (`---===[ Project Canary 048 ]===---`, older
//! ones `Canary #8`), then sections whose headings are underlined with dashes:
//! `Statements` (a preamble naming the signers, then numbered statements),
//! `Special announcements`, `Disclaimers and notes` (once `Disclaimers &
//! Notes`), `Proof of freshness`, `Footnotes`, and a signature block opened by
//! `--`. Every era is read: dates with or without ordinal suffixes, statements
//! indented or not, proof of freshness as `Source:` blocks or as the shell
//! transcripts of early canaries. Nothing here fails: what cannot be read is
//! `None`, and the audit says so.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

use super::window::{find_window, Window};
use super::words::{bare, find_date, number_at};
use crate::bulletin::floor_char_boundary;

/// Largest canary text parsed (canaries are a few kilobytes).
pub const MAX_CANARY_BYTES: usize = 1 << 20;

/// Highest statement number accepted (keeps wrapped years like `2016.` at the
/// start of a line from being read as statement numbers).
const MAX_STATEMENT_NUMBER: u32 = 99;

/// What a canary says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Canary {
    /// Number printed in the banner.
    pub banner_number: Option<u32>,
    /// The words before the first numbered statement (who states), whitespace
    /// collapsed.
    pub preamble: String,
    /// The numbered statements, in order.
    pub statements: Vec<Statement>,
    /// Date of issue stated.
    pub issue_date: Option<NaiveDate>,
    /// Number of bulletins stated as published so far.
    pub bulletin_count: Option<u32>,
    /// Master key fingerprint stated: upper-case hex, no spaces.
    pub fingerprint: Option<String>,
    /// Window promised for the next canary.
    pub next_window: Option<Window>,
    /// Text of the special announcements, `None` when they say "None".
    pub special_announcements: Option<String>,
    /// The proof of freshness.
    pub freshness: Freshness,
    /// The text still holds a `TODO` placeholder.
    pub has_placeholder: bool,
}

/// One numbered statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    /// The number printed before it.
    pub number: u32,
    /// What the statement is about.
    pub role: StatementRole,
    /// Its text, whitespace collapsed to single spaces.
    pub text: String,
}

/// What a statement is about, recognised from its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StatementRole {
    /// "The date of issue of this canary is ..."
    IssueDate,
    /// "There have been N ... bulletins published so far."
    BulletinCount,
    /// "The ... Master Signing Key fingerprint is ..."
    Fingerprint,
    /// "We plan to publish the next ... in the first fourteen days of ..."
    NextCanary,
    /// Any other statement (no warrants served, ...).
    Other,
}

/// The proof of freshness of a canary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Freshness {
    /// The section exists and holds something other than a placeholder.
    pub present: bool,
    /// The RFC 5322 date line.
    pub date: Option<DateTime<FixedOffset>>,
    /// News feeds quoted, in order.
    pub sources: Vec<FeedQuote>,
    /// Name of the block source (`Source:` line above the hash), if given.
    pub block_source: Option<String>,
    /// The block hash quoted (lower-case hex).
    pub block_hash: Option<String>,
}

/// Headlines quoted from one news feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedQuote {
    /// The feed's title, when printed.
    pub title: Option<String>,
    /// The feed's URL, when printed.
    pub url: Option<String>,
    /// The headlines quoted.
    pub headlines: Vec<String>,
}

impl Canary {
    /// Parses the text of a canary. Never fails.
    pub fn parse(text: &str) -> Self {
        let text = &text[..floor_char_boundary(text, MAX_CANARY_BYTES)];
        let sections = split_sections(text);
        let section = |name: &str| {
            sections
                .iter()
                .find(|s| s.name == name)
                .map(|s| s.lines.as_slice())
        };
        let banner_number = text.lines().find_map(banner_number);
        let (preamble, statements) = read_statements(section("statements").unwrap_or(&[]));
        let statement = |role| statements.iter().find(|s| s.role == role);
        let issue_date = statement(StatementRole::IssueDate).and_then(|s| read_issue_date(&s.text));
        let bulletin_count =
            statement(StatementRole::BulletinCount).and_then(|s| read_count(&s.text));
        let fingerprint =
            statement(StatementRole::Fingerprint).and_then(|s| read_fingerprint(&s.text));
        let next_window = statement(StatementRole::NextCanary).and_then(|s| {
            let tokens: Vec<&str> = s.text.split(' ').collect();
            find_window(&tokens).map(|f| f.window)
        });
        let special_announcements = section("special announcements").and_then(|lines| {
            let t = collapse(&lines.join(" "));
            let is_none = matches!(
                bare(&t).as_str(),
                "" | "none" | "n/a" | "nothing" | "no special announcements"
            );
            (!is_none).then_some(t)
        });
        let freshness = section("proof of freshness")
            .map(read_freshness)
            .unwrap_or_default();
        let has_placeholder = text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w == "TODO");
        Self {
            banner_number,
            preamble,
            statements,
            issue_date,
            bulletin_count,
            fingerprint,
            next_window,
            special_announcements,
            freshness,
            has_placeholder,
        }
    }
}

/// A section: its normalised heading and its lines.
struct Section<'a> {
    name: String,
    lines: Vec<&'a str>,
}

/// Splits the text at headings (a line underlined by a line of dashes or
/// equals signs) and stops at the signature block (`--` alone on a line).
fn split_sections(text: &str) -> Vec<Section<'_>> {
    let lines: Vec<&str> = text.lines().collect();
    let is_rule = |l: &str| {
        let l = l.trim();
        l.len() >= 3 && (l.bytes().all(|b| b == b'-') || l.bytes().all(|b| b == b'='))
    };
    let mut out: Vec<Section> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.trim_end() == "--" || line.trim_end() == "-- " {
            break;
        }
        if !line.trim().is_empty() && lines.get(i + 1).is_some_and(|l| is_rule(l)) {
            out.push(Section {
                name: normalise_heading(line),
                lines: Vec::new(),
            });
            i += 2;
            continue;
        }
        if let Some(s) = out.last_mut() {
            s.lines.push(line);
        }
        i += 1;
    }
    out
}

fn normalise_heading(line: &str) -> String {
    collapse(&line.replace('&', " and ")).to_lowercase()
}

/// Collapses every run of whitespace to one space and trims.
pub fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The last number inside a banner line (`---===[ Demo Canary #8 ]===---`).
fn banner_number(line: &str) -> Option<u32> {
    let inner = line.split_once("===[")?.1.split_once("]===")?.0;
    inner
        .split(|c: char| !c.is_ascii_digit())
        .rfind(|w| !w.is_empty())?
        .parse()
        .ok()
}

/// The preamble and the numbered statements of the `Statements` section.
fn read_statements(lines: &[&str]) -> (String, Vec<Statement>) {
    let mut preamble = String::new();
    let mut raw: Vec<(u32, String)> = Vec::new();
    for line in lines {
        let t = line.trim();
        let last = raw.last().map_or(0, |s| s.0);
        match statement_start(t) {
            Some((n, rest)) if n > last && n <= last + 3 && n <= MAX_STATEMENT_NUMBER => {
                raw.push((n, rest.to_string()));
            }
            _ => {
                let target = match raw.last_mut() {
                    Some(s) => &mut s.1,
                    None => &mut preamble,
                };
                target.push(' ');
                target.push_str(t);
            }
        }
    }
    let mut taken = Vec::new();
    let statements = raw
        .into_iter()
        .map(|(number, text)| {
            let text = collapse(&text);
            let role = role_of(&text, &taken);
            if role != StatementRole::Other {
                taken.push(role);
            }
            Statement { number, role, text }
        })
        .collect();
    (collapse(&preamble), statements)
}

/// `12. text` → (12, "text").
fn statement_start(line: &str) -> Option<(u32, &str)> {
    let dot = line.find('.')?;
    let (num, rest) = (&line[..dot], &line[dot + 1..]);
    if num.is_empty() || num.len() > 2 || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return None;
    }
    Some((num.parse().ok()?, rest.trim_start()))
}

/// Recognises a statement's role from its words; each role goes to the first
/// statement that claims it.
fn role_of(text: &str, taken: &[StatementRole]) -> StatementRole {
    let lower = text.to_lowercase();
    let candidates = [
        (StatementRole::IssueDate, lower.contains("date of issue")),
        (StatementRole::Fingerprint, lower.contains("fingerprint")),
        (StatementRole::BulletinCount, lower.contains("bulletin")),
        (
            StatementRole::NextCanary,
            lower.contains("next") && (lower.contains("canar") || lower.contains("statement")),
        ),
    ];
    candidates
        .into_iter()
        .find(|(role, hit)| *hit && !taken.contains(role))
        .map_or(StatementRole::Other, |(role, _)| role)
}

/// The date after "date of issue".
fn read_issue_date(text: &str) -> Option<NaiveDate> {
    let tokens: Vec<&str> = text.split(' ').collect();
    let from = tokens.iter().position(|t| bare(t) == "issue").unwrap_or(0);
    find_date(&tokens, from).map(|(d, _)| d)
}

/// The first number before the word "bulletin(s)".
fn read_count(text: &str) -> Option<u32> {
    let tokens: Vec<&str> = text.split(' ').collect();
    let end = tokens
        .iter()
        .position(|t| bare(t).starts_with("bulletin"))?;
    (0..end).find_map(|i| number_at(&tokens, i).map(|(n, _)| n))
}

/// The hexadecimal groups after the word "fingerprint", joined: 40 or 64
/// digits, or `None`.
fn read_fingerprint(text: &str) -> Option<String> {
    let tokens: Vec<&str> = text.split(' ').collect();
    let from = tokens
        .iter()
        .position(|t| bare(t).starts_with("fingerprint"))?;
    let mut hex = String::new();
    for t in &tokens[from + 1..] {
        let w = t.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        let w = w.strip_prefix("0x").unwrap_or(w);
        let is_group = !w.is_empty()
            && w.bytes().all(|b| b.is_ascii_hexdigit())
            && (w.len() == 4 || w.len() >= 8);
        if is_group {
            hex.push_str(w);
        } else if !hex.is_empty() {
            break;
        }
    }
    matches!(hex.len(), 40 | 64).then(|| hex.to_uppercase())
}

/// Whether a line is a block hash: 64 hexadecimal digits.
pub fn is_block_hash(line: &str) -> bool {
    let l = line.trim();
    l.len() == 64 && l.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Reads the `Proof of freshness` section.
///
/// Blocks are separated by blank lines. A block opened by `Source: <title>
/// (<url>)` and holding only a block hash names the block source; any other
/// `Source:` block quotes a feed. Early canaries print shell transcripts
/// instead: `$ feedstail ... -u <url>` followed by headlines, and the block
/// hash after `$ curl` / `$ python3` lines.
pub fn read_freshness(lines: &[&str]) -> Freshness {
    let mut f = Freshness::default();
    let mut blocks: Vec<Vec<&str>> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in lines {
        let t = line.trim();
        if t.is_empty() {
            if !current.is_empty() {
                blocks.push(std::mem::take(&mut current));
            }
        } else {
            current.push(t);
        }
    }
    if !current.is_empty() {
        blocks.push(current);
    }
    f.present = blocks
        .iter()
        .flatten()
        .any(|l| !matches!(*l, "TODO" | "TBD" | "None." | "None"));
    for block in blocks {
        let (head, rest) = (block[0], &block[1..]);
        if f.date.is_none() {
            if let Some(d) = block
                .iter()
                .find_map(|l| DateTime::parse_from_rfc2822(l).ok())
            {
                f.date = Some(d);
                if block
                    .iter()
                    .all(|l| l.starts_with('$') || DateTime::parse_from_rfc2822(l).is_ok())
                {
                    continue;
                }
            }
        }
        if let Some(source) = head.strip_prefix("Source:") {
            let (title, url) = split_source(source.trim());
            if rest.len() == 1 && is_block_hash(rest[0]) {
                f.block_source = title.or(url);
                f.block_hash.get_or_insert_with(|| rest[0].to_lowercase());
            } else {
                f.sources.push(FeedQuote {
                    title,
                    url,
                    headlines: rest.iter().map(|s| s.to_string()).collect(),
                });
            }
        } else if head.starts_with("$ feedstail")
            || (head.starts_with('$') && head.contains(" -u "))
        {
            let url = head
                .split_whitespace()
                .skip_while(|w| *w != "-u")
                .nth(1)
                .map(str::to_string);
            f.sources.push(FeedQuote {
                title: None,
                url,
                headlines: rest.iter().map(|s| s.to_string()).collect(),
            });
        } else if let Some(hash) = block.iter().find(|l| is_block_hash(l)) {
            f.block_hash
                .get_or_insert_with(|| hash.trim().to_lowercase());
        }
    }
    f
}

/// `Title (URL)` → (Some(title), Some(url)); `Title` → (Some(title), None).
fn split_source(s: &str) -> (Option<String>, Option<String>) {
    let non_empty = |t: &str| (!t.trim().is_empty()).then(|| t.trim().to_string());
    if let Some(inner) = s.strip_suffix(')') {
        if let Some((title, url)) = inner.rsplit_once(" (") {
            if url.contains("://") {
                return (non_empty(title), non_empty(url));
            }
        }
        if let Some(url) = inner.strip_prefix('(') {
            return (None, non_empty(url));
        }
    }
    (non_empty(s), None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The earliest layout: `#` in the banner, ordinal day, unindented
    /// fingerprint, shell transcript without a date line.
    const EARLY: &str = "\n\n            ---===[ Demo Canary #3 ]===---\n\n\nStatements\n-----------\n\n\
The Demo maintainers who put their names under this file [1] declare\nthe following:\n\n\
1. This canary's date of issue is March 3rd, 2015.\n\n\
2. So far 13 Demo Security Bulletins have been released,\nup to and including bulletin #13.\n\n\
3. The Demo Master Signing Key fingerprint reads:\n\nABCD 1234 ABCD 1234 ABCD  1234 ABCD 1234 ABCD 1234\n\n\
4. Nobody has ever compelled them to hand over keys or to weaken the\nsoftware.\n\n\
5. The next canary of this kind should appear in the\nfirst 2 weeks of June 2015. Look twice if it does not.\n\n\
Special announcements\n----------------------\n\nNone.\n\n\
Disclaimers & Notes\n---------------------\n\nNo guarantees.\n\n\
Proof of freshness\n-------------------\n\n\
$ feedstail -1 -n3 -f {title} -u https://news.example/feed.rss\nFirst story\nSecond story\nThird story\n\n\
Footnotes\n----------\n\n[1] Signed twice.\n";

    /// The middle layout: `$ date -R -u`, transcripts, block hash after a
    /// pipeline.
    const MIDDLE: &str = "\n---===[ Demo Canary #12 ]===---\n\nStatements\n-----------\n\n\
The Demo maintainers who signed this file [1] declare:\n\n\
1. This canary's date of issue is June  2, 2017.\n\n\
2. So far 30 Demo Security Bulletins have been released.\n\n\
3. The Demo Master Signing Key fingerprint reads:\n\n    ABCD 1234 ABCD 1234 ABCD  1234 ABCD 1234 ABCD 1234\n\n\
4. Nobody has ever compelled us to hand over keys or to weaken the\nsoftware.\n\n\
5. We intend to publish the next canary in the first\ntwo weeks of September 2017. Look twice if it does not appear.\n\n\
Special announcements\n----------------------\n\n* Our mirrors moved.\n\n\
Disclaimers and notes\n----------------------\n\nNo guarantees.\n\n\
Proof of freshness\n-------------------\n\n\
$ date -R -u\nFri, 02 Jun 2017 11:09:50 +0000\n\n\
$ feedstail -1 -n2 -f '{title}' -u https://news.example/a.rss\nStory A1\nStory A2\n\n\
$ feedstail -1 -n2 -f '{title}' -u https://news.example/b.rss\nStory B1\nStory B2\n\n\
$ curl -s 'https://chain.example/blocks' |\\\n  jq -r '.blocks[10].hash'\n\
00000000000000000780d3632921175b58a7e1e97ec81398a9e0347b8f8b1af0\n\n\
Footnotes\n----------\n\n[1] Signed twice.\n";

    /// The current layout: zero-padded number, indented statements,
    /// `Source:` blocks, signature block.
    const CURRENT: &str = "\n                    ---===[ Demo Canary 032 ]===---\n\n\nStatements\n-----------\n\n\
The Demo security team members who signed this file [1] declare the\nfollowing:\n\n\
1. This canary's date of issue is September 13, 2022.\n\n\
2. So far 84 Demo security bulletins have been released.\n\n\
3. The Demo Master Signing Key fingerprint reads:\n\n       ABCD 1234 ABCD 1234 ABCD  1234 ABCD 1234 ABCD 1234\n\n\
4. Nobody has ever compelled us to hand over keys or to weaken the\n   software.\n\n\
5. We intend to publish the next canary in the first\n   fourteen days of December 2022. Look twice if it does not appear\n   or if these statements change without a good reason.\n\n\n\
Special announcements\n----------------------\n\nNone.\n\n\n\
Disclaimers and notes\n----------------------\n\nNo guarantees.\n\n\n\
Proof of freshness\n-------------------\n\n\
Tue, 13 Sep 2022 02:47:47 +0000\n\n\
Source: Example News - World (https://news.example/world.xml)\nHeadline one\nHeadline two (with brackets)\n\n\
Source: Chain Example\n00000000000000000002fb0e59c723277069b5389aa2df4b8ff6dc8d80da6ad4\n\n\n\
Footnotes\n----------\n\n[1] Signed twice.\n\n--\nThe Demo Security Team\nhttps://demo.example/security/\n";

    const FPR: &str = "ABCD1234ABCD1234ABCD1234ABCD1234ABCD1234";

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn early_layout() {
        let c = Canary::parse(EARLY);
        assert_eq!(c.banner_number, Some(3));
        assert_eq!(c.issue_date, Some(ymd(2015, 3, 3)));
        assert_eq!(c.bulletin_count, Some(13));
        assert_eq!(c.fingerprint.as_deref(), Some(FPR));
        let w = c.next_window.unwrap();
        assert_eq!((w.start, w.end), (ymd(2015, 6, 1), ymd(2015, 6, 14)));
        assert_eq!(c.statements.len(), 5);
        assert!(c.preamble.starts_with("The Demo maintainers"));
        assert_eq!(c.special_announcements, None);
        assert!(c.freshness.present);
        assert_eq!(c.freshness.date, None);
        assert_eq!(c.freshness.block_hash, None);
        assert_eq!(c.freshness.sources.len(), 1);
        assert_eq!(
            c.freshness.sources[0].url.as_deref(),
            Some("https://news.example/feed.rss")
        );
        assert_eq!(
            c.freshness.sources[0].headlines,
            ["First story", "Second story", "Third story"]
        );
        assert!(!c.has_placeholder);
    }

    #[test]
    fn middle_layout() {
        let c = Canary::parse(MIDDLE);
        assert_eq!(c.banner_number, Some(12));
        assert_eq!(c.issue_date, Some(ymd(2017, 6, 2)));
        assert_eq!(c.bulletin_count, Some(30));
        assert_eq!(c.fingerprint.as_deref(), Some(FPR));
        assert_eq!(c.next_window.unwrap().end, ymd(2017, 9, 14));
        assert_eq!(
            c.special_announcements.as_deref(),
            Some("* Our mirrors moved.")
        );
        let f = &c.freshness;
        assert_eq!(f.date.unwrap().naive_utc().date(), ymd(2017, 6, 2));
        assert_eq!(f.sources.len(), 2);
        assert_eq!(f.sources[1].headlines, ["Story B1", "Story B2"]);
        assert_eq!(
            f.block_hash.as_deref(),
            Some("00000000000000000780d3632921175b58a7e1e97ec81398a9e0347b8f8b1af0")
        );
    }

    #[test]
    fn current_layout() {
        let c = Canary::parse(CURRENT);
        assert_eq!(c.banner_number, Some(32));
        assert_eq!(c.issue_date, Some(ymd(2022, 9, 13)));
        assert_eq!(c.bulletin_count, Some(84));
        assert_eq!(c.fingerprint.as_deref(), Some(FPR));
        let w = c.next_window.unwrap();
        assert_eq!((w.start, w.end), (ymd(2022, 12, 1), ymd(2022, 12, 14)));
        assert_eq!(w.phrase, "in the first fourteen days of December 2022");
        let roles: Vec<StatementRole> = c.statements.iter().map(|s| s.role).collect();
        assert_eq!(
            roles,
            [
                StatementRole::IssueDate,
                StatementRole::BulletinCount,
                StatementRole::Fingerprint,
                StatementRole::Other,
                StatementRole::NextCanary
            ]
        );
        let f = &c.freshness;
        assert_eq!(f.sources.len(), 1);
        assert_eq!(f.sources[0].title.as_deref(), Some("Example News - World"));
        assert_eq!(
            f.sources[0].url.as_deref(),
            Some("https://news.example/world.xml")
        );
        assert_eq!(f.sources[0].headlines[1], "Headline two (with brackets)");
        assert_eq!(f.block_source.as_deref(), Some("Chain Example"));
        assert!(f
            .block_hash
            .as_deref()
            .unwrap()
            .starts_with("00000000000000000002fb0e"));
    }

    #[test]
    fn drafts_with_placeholders() {
        let draft = CURRENT
            .replace("September 13, 2022", "September TODO, 2022")
            .replace("So far 84", "So far TODO");
        let start = draft.find("Tue, 13 Sep").unwrap();
        let end = draft.find("\n\n\nFootnotes").unwrap();
        let draft = format!("{}TODO{}", &draft[..start], &draft[end..]);
        let c = Canary::parse(&draft);
        assert!(c.has_placeholder);
        assert_eq!(c.issue_date, None);
        assert_eq!(c.bulletin_count, None);
        assert!(!c.freshness.present);
        // The rest is still read.
        assert_eq!(c.fingerprint.as_deref(), Some(FPR));
        assert!(c.next_window.is_some());
    }

    #[test]
    fn wrapped_year_is_not_a_statement() {
        let text = "Statements\n----------\n\n1. Issued on June 2, 2017.\n\n2. The next canary comes in the first week of\n2017. Or later.\n";
        let c = Canary::parse(text);
        assert_eq!(c.statements.len(), 2);
        assert!(c.statements[1].text.ends_with("2017. Or later."));
    }

    #[test]
    fn fingerprint_must_be_whole() {
        let text = "Statements\n----------\n\n1. The key fingerprint is: ABCD 1234 ABCD.\n";
        assert_eq!(Canary::parse(text).fingerprint, None);
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,600}") {
            let _ = Canary::parse(&s);
        }

        #[test]
        fn never_panics_on_canary_like_text(cut in 0usize..CURRENT.len(), junk in "\\PC{0,40}") {
            let mut text = CURRENT.to_string();
            let at = (0..=cut).rev().find(|i| text.is_char_boundary(*i)).unwrap();
            text.insert_str(at, &junk);
            let _ = Canary::parse(&text);
        }

        #[test]
        fn stated_values_are_read_back(count in 0u32..100_000, day in 1u32..=28, month in 1u32..=12, year in 2000i32..2100) {
            let date = ymd(year, month, day);
            let text = format!(
                "Statements\n----------\n\n1. The date of issue is {}.\n\n2. We published {count} bulletins so far.\n",
                date.format("%B %-d, %Y")
            );
            let c = Canary::parse(&text);
            prop_assert_eq!(c.issue_date, Some(date));
            prop_assert_eq!(c.bulletin_count, Some(count));
        }
    }
}
