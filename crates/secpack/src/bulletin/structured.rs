//! The structured content of a bulletin, parsed from its plain text.
//!
//! What the text says is read with rules that hold across fifteen years of
//! layouts; what it cannot say (CVSS, CWE, a corrected title) comes from the
//! bulletin's sidecar file ([`super::sidecar`]).

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::sections::{self, Section};
use super::{cited_advisories, floor_char_boundary, BulletinHeader, MAX_BULLETIN_BYTES};

/// Everything a machine-readable advisory says about one bulletin.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bulletin {
    /// Number printed in the banner, if any.
    pub number: Option<u32>,
    /// Date of first issue.
    pub date: Option<NaiveDate>,
    /// Date of the last revision (only a sidecar says so).
    pub modified: Option<NaiveDate>,
    /// The title.
    pub title: Option<String>,
    /// Upstream advisory numbers this bulletin is about: those cited in the
    /// title when the title cites any, else every one cited in the text.
    pub upstream_advisories: Vec<u32>,
    /// Upstream advisory numbers cited in the text but not in the title
    /// (earlier advisories discussed for context), when the title cites some.
    pub related_advisories: Vec<u32>,
    /// CVE identifiers cited in the text, sorted and unique.
    pub cves: Vec<String>,
    /// Other identifiers of the same issue (`DSA-4371-1`; only a sidecar says so).
    pub aliases: Vec<String>,
    /// Package versions that fix the issue, from the patching sections.
    pub packages: Vec<PatchedPackage>,
    /// URLs the bulletin cites, in order, unique.
    pub references: Vec<Reference>,
    /// A short description: the summary section, or the opening prose.
    pub summary: Option<String>,
    /// Longer text: the whole bulletin body, or the sidecar's `details`.
    pub details: String,
    /// CVSS v3 base vector (only a sidecar says so).
    pub cvss_v3: Option<String>,
    /// Weakness (only a sidecar says so).
    pub cwe: Option<Cwe>,
    /// The sections, in order.
    pub sections: Vec<Section>,
}

/// A package version that fixes the issue.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchedPackage {
    /// The release it is for (`Qubes 4.2`), when the bulletin says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// Where it is installed (`dom0`), when the bulletin says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The package name (`Xen packages`, `qubes-gui-dom0`).
    pub name: String,
    /// The first fixed version (`4.17.3-2`).
    pub version: String,
}

/// A URL cited by a bulletin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    /// Its footnote label (`1` for `[1]`), when it has one.
    pub label: Option<String>,
    /// The URL.
    pub url: String,
}

/// A CWE weakness: identifier and name, as CSAF requires both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cwe {
    /// `CWE-787`.
    pub id: String,
    /// `Out-of-bounds Write`.
    pub name: String,
}

/// Headings (lower case) of sections that summarise a whole bulletin.
const SUMMARY_HEADINGS: &[&str] = &["summary", "quick summary"];
/// Headings (lower case) of sections that describe one problem, used when
/// there is neither a summary section nor opening prose.
const DESCRIPTION_HEADINGS: &[&str] = &["problem description", "overview", "description"];

impl Bulletin {
    /// Parses a bulletin's text. `upstream_prefix` is the upstream advisory
    /// prefix (`XSA`). Never fails: what cannot be found stays empty.
    pub fn parse(text: &str, upstream_prefix: &str) -> Self {
        let text = &text[..floor_char_boundary(text, MAX_BULLETIN_BYTES)];
        let header = BulletinHeader::parse(text, upstream_prefix);
        let (preamble, sections) = sections::split(text);
        let in_title = header
            .title
            .as_deref()
            .map(|t| cited_advisories(t, upstream_prefix))
            .unwrap_or_default();
        let (upstream_advisories, related_advisories) = if in_title.is_empty() {
            (header.upstream_advisories.clone(), Vec::new())
        } else {
            // `in_title` is sorted and unique: a binary search keeps this
            // linear-logarithmic however many advisories are cited.
            let related = header
                .upstream_advisories
                .iter()
                .filter(|n| in_title.binary_search(n).is_err())
                .copied()
                .collect();
            (in_title, related)
        };
        let section_named = |names: &[&str]| {
            names
                .iter()
                .find_map(|h| sections.iter().find(|s| s.key() == *h))
                .map(|s| s.body.clone())
                .filter(|b| !b.is_empty())
        };
        let summary = section_named(SUMMARY_HEADINGS)
            .or_else(|| prose_after_header(&preamble, &header))
            .or_else(|| section_named(DESCRIPTION_HEADINGS));
        let details = body_text(&preamble, &header, &sections);
        Self {
            number: header.number,
            date: header.date,
            modified: None,
            title: header.title,
            upstream_advisories,
            related_advisories,
            cves: cited_cves(text),
            aliases: Vec::new(),
            packages: patched_packages(&sections),
            references: references(text, &sections),
            summary,
            details,
            cvss_v3: None,
            cwe: None,
            sections,
        }
    }
}

/// The preamble lines that are neither banner, date nor title.
fn prose_after_header(preamble: &str, header: &BulletinHeader) -> Option<String> {
    let mut lines: Vec<&str> = Vec::new();
    // A set: a title line is checked word by word against the title, and both
    // may be long.
    let title_words: HashSet<&str> = header
        .title
        .as_deref()
        .map(|t| t.split_whitespace().collect())
        .unwrap_or_default();
    let mut in_header = true;
    for l in preamble.lines() {
        let t = l.trim();
        if in_header {
            let is_header_line = t.is_empty()
                || super::is_banner(t)
                || super::parse_bulletin_date(t).is_some()
                || (!title_words.is_empty()
                    && t.split_whitespace().all(|w| title_words.contains(&w)));
            if is_header_line {
                continue;
            }
            in_header = false;
        }
        lines.push(l.trim_end());
    }
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// The bulletin without its banner, date, title and signature block.
fn body_text(preamble: &str, header: &BulletinHeader, sections: &[Section]) -> String {
    let mut out = prose_after_header(preamble, header).unwrap_or_default();
    for s in sections {
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&s.heading);
        out.push('\n');
        out.push_str(&"-".repeat(s.heading.chars().count()));
        if !s.body.is_empty() {
            out.push('\n');
            out.push_str(&s.body);
        }
    }
    out
}

/// Every `CVE-YYYY-NNNN…` in `text`, upper case, sorted and unique.
pub fn cited_cves(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 4 <= bytes.len() {
        let at_word = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if at_word && bytes[i..i + 4].eq_ignore_ascii_case(b"CVE-") {
            if let Some((id, end)) = cve_at(bytes, i + 4) {
                out.push(id);
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Reads `YYYY-NNNN…` at `at`; returns the CVE identifier and where it ends.
fn cve_at(bytes: &[u8], at: usize) -> Option<(String, usize)> {
    let digits = |from: usize| {
        bytes[from.min(bytes.len())..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let year = digits(at);
    if year != 4 || bytes.get(at + 4) != Some(&b'-') {
        return None;
    }
    let seq = digits(at + 5);
    let end = at + 5 + seq;
    if !(4..=19).contains(&seq) || bytes.get(end).is_some_and(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let id = std::str::from_utf8(&bytes[at..end]).ok()?;
    Some((format!("CVE-{id}"), end))
}

/// Whether `id` is a well-formed CVE identifier.
pub fn is_cve_id(id: &str) -> bool {
    id.as_bytes().starts_with(b"CVE-")
        && cve_at(id.as_bytes(), 4).is_some_and(|(_, end)| end == id.len())
}

/// Package versions listed in the sections about patching (`Patching`,
/// `Patching approach`, and `User action required`, where recent bulletins
/// list them).
fn patched_packages(sections: &[Section]) -> Vec<PatchedPackage> {
    let mut out: Vec<PatchedPackage> = Vec::new();
    let mut seen: HashSet<PatchedPackage> = HashSet::new();
    let about_patching = |s: &&Section| {
        let k = s.key();
        k.contains("patch") || k.starts_with("user action")
    };
    for s in sections.iter().filter(about_patching) {
        let mut release: Option<(String, Option<String>)> = None;
        for line in s.body.lines() {
            let t = line.trim();
            if let Some(item) = t.strip_prefix("* ").or_else(|| t.strip_prefix("- ")) {
                if let Some((name, version)) = package_item(item) {
                    let p = PatchedPackage {
                        release: release.as_ref().map(|r| r.0.clone()),
                        location: release.as_ref().and_then(|r| r.1.clone()),
                        name,
                        version,
                    };
                    if seen.insert(p.clone()) {
                        out.push(p);
                    }
                }
            } else if let Some(r) = release_heading(t) {
                release = Some(r);
            }
        }
    }
    out
}

/// Most words a package name has (`Multiple Xen packages`); more is prose.
const MAX_PACKAGE_NAME_WORDS: usize = 5;

/// A list item naming a package and its version: `qubes-gui-dom0 version
/// 2.1.23-1`, `Xen packages, version 4.14.6-6`, `qubes-core-dom0 3.0.11 (R3.0)`.
fn package_item(item: &str) -> Option<(String, String)> {
    let words: Vec<&str> = item.split_whitespace().collect();
    // The version is the first word that starts with a digit, after a name.
    let at = words
        .iter()
        .position(|w| w.starts_with(|c: char| c.is_ascii_digit()))?;
    let mut name_words = &words[..at];
    if name_words
        .last()
        .is_some_and(|w| w.eq_ignore_ascii_case("version"))
    {
        name_words = &name_words[..name_words.len() - 1];
    }
    let name = name_words
        .join(" ")
        .trim_end_matches([',', ':'])
        .trim()
        .to_string();
    let version = words[at].trim_end_matches([',', ';', '.', ')']).to_string();
    let valid = !name.is_empty()
        && name_words.len() <= MAX_PACKAGE_NAME_WORDS
        && name.chars().any(|c| c.is_alphabetic())
        && is_version(&version);
    valid.then_some((name, version))
}

/// Whether `v` looks like a package version: a digit, then digits, letters and
/// `.+~:_-`, with at least one `.` or `-` (a lone number is not a version).
pub fn is_version(v: &str) -> bool {
    v.len() <= 64
        && v.starts_with(|c: char| c.is_ascii_digit())
        && v.contains(['.', '-'])
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".+~:_-".contains(c))
}

/// A line introducing the packages of one release: `For Qubes 4.2, in dom0:`,
/// `Qubes OS 3.1 and 3.2:`. Returns the release and where packages go.
fn release_heading(line: &str) -> Option<(String, Option<String>)> {
    let body = line.strip_suffix(':')?.trim();
    let short = body.split_whitespace().count() <= 8;
    if !short || !body.contains(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let body = body.strip_prefix("For ").unwrap_or(body);
    match body.split_once(", in ") {
        Some((release, place)) => {
            Some((release.trim().to_string(), Some(place.trim().to_string())))
        }
        None => Some((body.to_string(), None)),
    }
}

/// URLs cited by the bulletin: those of the references sections with their
/// footnote labels, or, when it has none, every URL in the text.
fn references(text: &str, sections: &[Section]) -> Vec<Reference> {
    let mut out: Vec<Reference> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut push = |label: Option<String>, url: String| {
        if seen.insert(url.clone()) {
            out.push(Reference { label, url });
        }
    };
    let ref_sections: Vec<&Section> = sections
        .iter()
        .filter(|s| s.key().starts_with("reference"))
        .collect();
    if ref_sections.is_empty() {
        for url in urls_in(text) {
            push(None, url);
        }
        return out;
    }
    for s in ref_sections {
        let mut label = None;
        for line in s.body.lines() {
            let t = line.trim();
            if let Some(l) = footnote_label(t) {
                label = Some(l);
            } else if t.is_empty() {
                continue;
            }
            for url in urls_in(t) {
                push(label.clone(), url);
            }
        }
    }
    out
}

/// The label of a footnote line `[3] ...`.
fn footnote_label(line: &str) -> Option<String> {
    let rest = line.strip_prefix('[')?;
    let (label, _) = rest.split_once(']')?;
    (!label.is_empty() && label.len() <= 8 && label.chars().all(|c| c.is_ascii_alphanumeric()))
        .then(|| label.to_string())
}

/// Every `http://` or `https://` URL in `text`, without trailing punctuation.
pub fn urls_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = find_url_start(rest) {
        let tail = &rest[at..];
        let end = tail.find(|c: char| !is_uri_char(c)).unwrap_or(tail.len());
        let url = tail[..end].trim_end_matches(['.', ',', ';', ':', ')', ']', '\'', '!', '?']);
        let scheme_len = if url.starts_with("https://") { 8 } else { 7 };
        if url.len() > scheme_len {
            out.push(url.to_string());
        }
        rest = &tail[end.max(1)..];
    }
    out
}

/// A character RFC 3986 allows in a URI (unreserved, reserved or `%`).
fn is_uri_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c)
}

/// Where the first `http://` or `https://` in `s` starts. One scan, which
/// stops at the first: searching for each scheme separately scanned to the
/// end of the text for the one absent, for every URL found (quadratic).
fn find_url_start(s: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(k) = s[from..].find("http") {
        let at = from + k;
        let rest = &s.as_bytes()[at + 4..];
        if rest.starts_with(b"://") || rest.starts_with(b"s://") {
            return Some(at);
        }
        from = at + 4;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cves_are_found_with_word_boundaries() {
        let text = "CVE-2018-3639 / cve-2011-1898, XCVE-2020-1111 CVE-2020-12 CVE-2021-123456a CVE-2024-28956.";
        assert_eq!(
            cited_cves(text),
            ["CVE-2011-1898", "CVE-2018-3639", "CVE-2024-28956"]
        );
        assert!(is_cve_id("CVE-2024-1234"));
        assert!(!is_cve_id("CVE-2024-123"));
        assert!(!is_cve_id("CVE-24-1234"));
        assert!(!is_cve_id("CVE-2024-1234x"));
    }

    #[test]
    fn package_items_of_every_era() {
        let cases = [
            (
                "qubes-gui-dom0 version 2.1.23-1",
                Some(("qubes-gui-dom0", "2.1.23-1")),
            ),
            (
                "Xen packages, version 4.14.6-6",
                Some(("Xen packages", "4.14.6-6")),
            ),
            ("widget-core 3.0.11 (R3.0)", Some(("widget-core", "3.0.11"))),
            (
                "microcode_ctl version 2.1.20250512",
                Some(("microcode_ctl", "2.1.20250512")),
            ),
            ("TODO", None),
            ("Note any customizations you made.", None),
            ("4.2.1 alone", None),
            ("Restart after 2 minutes", None),
            (
                "Reboot the machine once you have installed version 4.2",
                None,
            ),
        ];
        for (item, want) in cases {
            let got = package_item(item);
            let want = want.map(|(n, v)| (n.to_string(), v.to_string()));
            assert_eq!(got, want, "{item}");
        }
    }

    #[test]
    fn release_headings() {
        assert_eq!(
            release_heading("For Demo 4.2, in dom0:"),
            Some(("Demo 4.2".into(), Some("dom0".into())))
        );
        assert_eq!(
            release_heading("Demo OS 3.1 and 3.2:"),
            Some(("Demo OS 3.1 and 3.2".into(), None))
        );
        assert_eq!(release_heading("The packages are as follows:"), None);
        assert_eq!(release_heading("For Demo 4.2"), None);
    }

    #[test]
    fn urls_lose_trailing_punctuation() {
        assert_eq!(
            urls_in("see (https://a.invalid/x), and http://b.invalid/y. http:// nothing <https://c.invalid/{z}>"),
            ["https://a.invalid/x", "http://b.invalid/y", "https://c.invalid/"]
        );
    }

    #[test]
    fn url_scan_finds_the_first_of_either_scheme() {
        assert_eq!(find_url_start("x http:/ https://a"), Some(9));
        assert_eq!(find_url_start("httphttp://a"), Some(4));
        assert_eq!(find_url_start("https://a http://b"), Some(0));
        assert_eq!(find_url_start("http: https:/ httpx"), None);
        assert_eq!(urls_in(&"https://a/ ".repeat(3)), ["https://a/"; 3]);
    }

    /// Large bulletins that took quadratic time (found by running the
    /// `bulletin_parser` fuzz target's binary on large inputs: its 4 KiB
    /// inputs are too short to show it). Each took from tens of seconds to
    /// minutes at about 1 MiB; now each parses in well under a second (a
    /// debug build allows more).
    #[test]
    fn large_bulletins_parse_in_linear_time() {
        let n = 60_000;
        let mut texts = vec![
            // Many URLs of one scheme: every URL searched to the end of the
            // text for the other scheme.
            "https://a/ ".repeat(n),
            "http://a/ ".repeat(n),
            // Many distinct URLs: each compared with every earlier one.
            (0..n).map(|i| format!("https://a/{i} ")).collect(),
            // Many distinct packages in a patching section, likewise.
            "Title\n\nPatching\n--------\n".to_string()
                + &(0..n)
                    .map(|i| format!("* pkg{i} 1.{i}-1\n"))
                    .collect::<String>(),
        ];
        // A long title: every word of it looked up in a list of its words.
        let title: Vec<String> = (0..n).map(|i| format!("w{i}")).collect();
        texts.push(format!(
            "---===[ B 1 ]===---\n\n2024-01-01\n\n{}\n\nmore\n",
            title.join(" ")
        ));
        // A title citing many advisories, each looked up in a list of them.
        let cited: Vec<String> = (1..n).map(|i| format!("XSA-{}", i * 100)).collect();
        texts.push(format!(
            "---===[ B 1 ]===---\n\n2024-01-01\n\n{}\n\nXSA-1\n",
            cited.join(" ")
        ));
        for text in &texts {
            let start = std::time::Instant::now();
            let b = Bulletin::parse(text, "XSA");
            let took = start.elapsed();
            assert!(
                took < std::time::Duration::from_secs(20),
                "{took:?} for a bulletin starting {:?}",
                &text[..40]
            );
            assert!(!b.references.is_empty() || !b.packages.is_empty() || b.title.is_some());
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_text(s in "\\PC{0,600}") {
            let _ = Bulletin::parse(&s, "XSA");
        }

        #[test]
        fn never_panics_on_bulletin_like_lines(lines in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::strategy::Just("---===[ Demo Security Bulletin #7 ]===---".to_string()),
                proptest::strategy::Just("March 3, 2011".to_string()),
                proptest::strategy::Just("Patching".to_string()),
                proptest::strategy::Just("--------".to_string()),
                proptest::strategy::Just("========".to_string()),
                proptest::strategy::Just("--".to_string()),
                proptest::strategy::Just("References".to_string()),
                proptest::strategy::Just(String::new()),
                "  For Demo [0-9]\\.[0-9], in dom0:",
                "  [-*] [a-z-]{1,12},? version [0-9]\\.[0-9a-z.-]{0,8}",
                "\\[[0-9]{1,2}\\] https?://[a-z./]{0,20}",
                " *Title \\(XSA[- ]?[0-9]{1,3}( ?[,&/]| and)?\\)?",
                " *[0-9]{1,3}( and [0-9]{1,3})?\\)",
                "[ -~]{0,40}",
            ],
            0..40,
        )) {
            let text = lines.join("\n");
            let b = Bulletin::parse(&text, "XSA");
            for r in &b.references {
                proptest::prop_assert!(text.contains(&r.url));
            }
            let all = BulletinHeader::parse(&text, "XSA").upstream_advisories;
            for n in b.upstream_advisories.iter().chain(&b.related_advisories) {
                proptest::prop_assert!(all.contains(n), "{} not in {:?}", n, all);
            }
        }

        #[test]
        fn listed_packages_are_found(pkgs in proptest::collection::vec(
            ("[a-z][a-z_-]{0,10}( [a-u]{1,8}){0,2}", "[0-9]{1,3}\\.[0-9]{1,3}(-[0-9]{1,2})?", 0u8..3),
            1..6,
        )) {
            let mut text = String::from("Patching\n--------\n\n");
            let mut want = Vec::new();
            for (i, (name, version, style)) in pkgs.iter().enumerate() {
                text.push_str(&format!("  For Demo 4.{i}, in dom0:\n"));
                let item = match style {
                    0 => format!("  - {name}, version {version}\n"),
                    1 => format!("  * {name} version {version}\n"),
                    _ => format!("  - {name} {version} (note)\n"),
                };
                text.push_str(&item);
                let p = PatchedPackage {
                    release: Some(format!("Demo 4.{i}")),
                    location: Some("dom0".into()),
                    name: name.clone(),
                    version: version.clone(),
                };
                if !want.contains(&p) {
                    want.push(p);
                }
            }
            let b = Bulletin::parse(&text, "XSA");
            proptest::prop_assert_eq!(b.packages, want);
        }
    }
}
