//! The upstream's published list of advisories: fetching it and reading it.
//!
//! The list is JSON: `[{"xsas": [{"xsa": "NNN", "title": "...",
//! "public_time": "YYYY-MM-DD HH:MM", "cve": ["CVE-..."], ...}]}]`. Only
//! `xsa` is required in an entry; `title`, `public_time` and `cve` are taken
//! when present and other fields are ignored. Anything that is not this shape
//! is refused with the place where it went wrong.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;

use super::model::{clean_text, is_cve_id};
use crate::error::{Coded, ErrorClass};
use crate::fsutil::{read_capped, ReadCappedError};

/// Largest upstream list read (the real one is a few hundred kilobytes).
pub const MAX_UPSTREAM_BYTES: u64 = 32 << 20;
/// Default time limit of a whole HTTP fetch.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// One advisory as the upstream lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpstreamAdvisory {
    /// The advisory number.
    pub number: u32,
    /// The day it was made public, when given.
    pub date: Option<NaiveDate>,
    /// Its title, when given.
    pub title: Option<String>,
    /// Its CVE identifiers, sorted and unique.
    pub cves: Vec<String>,
}

/// The upstream list, read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpstreamList {
    /// Every advisory, sorted by number, numbers unique.
    pub advisories: Vec<UpstreamAdvisory>,
    /// Values that were ignored (malformed CVE identifiers or titles), as
    /// sentences.
    pub warnings: Vec<String>,
}

/// Reads the text of an upstream list.
pub fn parse(text: &str) -> Result<UpstreamList, UpstreamError> {
    let root: Value = serde_json::from_str(text).map_err(UpstreamError::NotJson)?;
    let Value::Array(groups) = root else {
        return Err(UpstreamError::NotAnArray(kind(&root)));
    };
    let mut by_number: BTreeMap<u32, UpstreamAdvisory> = BTreeMap::new();
    let mut warnings = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        let entries = group
            .get("xsas")
            .and_then(Value::as_array)
            .ok_or(UpstreamError::NoXsas(g))?;
        for (e, entry) in entries.iter().enumerate() {
            let adv = entry_of(entry, &mut warnings).map_err(|source| UpstreamError::Entry {
                group: g,
                entry: e,
                source: Box::new(source),
            })?;
            if let Some(old) = by_number.get(&adv.number) {
                if *old != adv {
                    return Err(UpstreamError::Twice(adv.number));
                }
            }
            by_number.insert(adv.number, adv);
        }
    }
    Ok(UpstreamList {
        advisories: by_number.into_values().collect(),
        warnings,
    })
}

fn entry_of(entry: &Value, warnings: &mut Vec<String>) -> Result<UpstreamAdvisory, UpstreamError> {
    let Value::Object(map) = entry else {
        return Err(UpstreamError::NotAnObject(kind(entry)));
    };
    let number = match map.get("xsa") {
        Some(Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Some(Value::String(s))
            if !s.is_empty() && s.len() <= 9 && s.bytes().all(|b| b.is_ascii_digit()) =>
        {
            s.parse().ok()
        }
        Some(other) => return Err(UpstreamError::NotANumber(other.to_string())),
        None => return Err(UpstreamError::NoNumber),
    };
    let number = number.ok_or_else(|| UpstreamError::OutOfRange(format!("{:?}", map["xsa"])))?;
    let date = match map.get("public_time") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => {
            Some(
                date_of_public_time(s).ok_or_else(|| UpstreamError::PublicTime {
                    number,
                    text: s.clone(),
                })?,
            )
        }
        Some(other) => {
            return Err(UpstreamError::WrongType {
                number,
                field: "public_time",
                found: kind(other),
                wanted: "a string",
            })
        }
    };
    let title = match map.get("title") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => match clean_text(s) {
            Ok(t) if t.is_empty() => None,
            Ok(t) => Some(t),
            Err(e) => {
                warnings.push(format!("advisory {number}: title ignored: {e}"));
                None
            }
        },
        Some(other) => {
            return Err(UpstreamError::WrongType {
                number,
                field: "title",
                found: kind(other),
                wanted: "a string",
            })
        }
    };
    let cve_values: Vec<&Value> = match map.get("cve") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::String(_)) => vec![one],
        Some(other) => {
            return Err(UpstreamError::WrongType {
                number,
                field: "cve",
                found: kind(other),
                wanted: "a list",
            })
        }
    };
    let mut cves = Vec::new();
    for v in cve_values {
        match v.as_str().map(str::trim) {
            Some("") => {}
            Some(c) if is_cve_id(c) => cves.push(c.to_string()),
            _ => warnings.push(format!("advisory {number}: CVE identifier {v} ignored")),
        }
    }
    cves.sort();
    cves.dedup();
    Ok(UpstreamAdvisory {
        number,
        date,
        title,
        cves,
    })
}

/// The day of a `public_time`: `YYYY-MM-DD`, optionally followed by a time
/// after a space or `T` (`2024-01-30 12:00`, `2024-01-30T12:00:00Z`).
fn date_of_public_time(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let day = s.get(..10)?;
    let rest = &s[10..];
    if !(rest.is_empty() || rest.starts_with(' ') || rest.starts_with('T')) {
        return None;
    }
    if !day.bytes().enumerate().all(|(i, b)| match i {
        4 | 7 => b == b'-',
        _ => b.is_ascii_digit(),
    }) {
        return None;
    }
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Whether `source` names a URL (`http://` or `https://`) rather than a file.
pub fn is_url(source: &str) -> bool {
    let lower = source.get(..8).unwrap_or(source).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Reads the upstream list from a file, or fetches it when `source` is a URL.
/// `timeout` bounds the whole HTTP exchange; only a `200` answer is accepted.
pub fn read_source(source: &str, timeout: Duration) -> Result<String, UpstreamError> {
    if is_url(source) {
        fetch(source, timeout).map_err(|e| UpstreamError::Fetch {
            url: source.to_string(),
            source: Box::new(e),
        })
    } else {
        let bytes = read_capped(Path::new(source), MAX_UPSTREAM_BYTES)?;
        String::from_utf8(bytes).map_err(|_| UpstreamError::NotUtf8(source.to_string()))
    }
}

/// Reads the upstream list from `source` ([`read_source`]) and parses it
/// ([`parse`]).
pub fn load(source: &str, timeout: Duration) -> Result<UpstreamList, UpstreamError> {
    let text = read_source(source, timeout)?;
    parse(&text).map_err(|e| UpstreamError::InList {
        source_name: source.to_string(),
        source: Box::new(e),
    })
}

/// The upstream list cannot be read, or is not of its shape. A failure
/// (the request was understood; the source let it down).
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// Not JSON.
    #[error("the upstream list is not valid JSON")]
    NotJson(#[source] serde_json::Error),
    /// The top level is not an array.
    #[error("the upstream list must be a JSON array of {{\"xsas\": [...]}} objects, found {0}")]
    NotAnArray(&'static str),
    /// An element has no `xsas` array.
    #[error("element {0} of the upstream list has no \"xsas\" array")]
    NoXsas(usize),
    /// One entry is not valid.
    #[error("element {group}, xsas[{entry}] of the upstream list")]
    Entry {
        /// The element of the top-level array.
        group: usize,
        /// The entry of its `xsas` array.
        entry: usize,
        /// What is wrong.
        #[source]
        source: Box<UpstreamError>,
    },
    /// One number with two different entries.
    #[error("advisory {0} appears twice in the upstream list with different data")]
    Twice(u32),
    /// An entry that is not an object.
    #[error("expected an object, found {0}")]
    NotAnObject(&'static str),
    /// `xsa` is not a number.
    #[error("\"xsa\" is not an advisory number: {0}")]
    NotANumber(String),
    /// No `xsa`.
    #[error("no \"xsa\" number")]
    NoNumber,
    /// `xsa` does not fit.
    #[error("\"xsa\" {0} is out of range")]
    OutOfRange(String),
    /// `public_time` is not a date.
    #[error("advisory {number}: \"public_time\" {text:?} is not a date")]
    PublicTime {
        /// The advisory.
        number: u32,
        /// The value.
        text: String,
    },
    /// A field of the wrong JSON type.
    #[error("advisory {number}: \"{field}\" is {found}, not {wanted}")]
    WrongType {
        /// The advisory.
        number: u32,
        /// The field.
        field: &'static str,
        /// The type found.
        found: &'static str,
        /// The type wanted.
        wanted: &'static str,
    },
    /// The list file cannot be read.
    #[error(transparent)]
    Read(#[from] ReadCappedError),
    /// The list file is not UTF-8.
    #[error("{0} is not UTF-8 text")]
    NotUtf8(String),
    /// The URL cannot be fetched (network, HTTP status, size).
    #[error("fetching {url}")]
    Fetch {
        /// The URL.
        url: String,
        /// Why.
        #[source]
        source: Box<ureq::Error>,
    },
    /// The list read from `source_name` is not valid.
    #[error("reading the upstream list {source_name}")]
    InList {
        /// The file or URL.
        source_name: String,
        /// What is wrong.
        #[source]
        source: Box<UpstreamError>,
    },
}

impl Coded for UpstreamError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotJson(_) => "upstream-not-json",
            Self::NotAnArray(_) | Self::NoXsas(_) | Self::NotAnObject(_) => "upstream-shape",
            Self::Entry { source, .. } | Self::InList { source, .. } => source.code(),
            Self::Twice(_) => "upstream-duplicate",
            Self::NotANumber(_) | Self::NoNumber | Self::OutOfRange(_) => "upstream-number",
            Self::PublicTime { .. } => "upstream-date",
            Self::WrongType { .. } => "upstream-type",
            Self::Read(e) => e.code(),
            Self::NotUtf8(_) => "upstream-not-utf8",
            Self::Fetch { .. } => "upstream-fetch",
        }
    }
    fn class(&self) -> ErrorClass {
        match self {
            Self::Read(e) => e.class(),
            _ => ErrorClass::Failure,
        }
    }
}

fn fetch(url: &str, timeout: Duration) -> Result<String, ureq::Error> {
    // ureq's defaults otherwise: up to 10 redirects, statuses as errors.
    let agent = crate::http::agent(crate::http::ClientOptions {
        timeout,
        max_redirects: 10,
        status_as_error: true,
    });
    let mut response = agent.get(url).call()?;
    let text = response
        .body_mut()
        .with_config()
        .limit(MAX_UPSTREAM_BYTES)
        .read_to_string()?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fsutil::error_chain as chain;
    use proptest::prelude::*;

    #[test]
    fn reads_the_upstream_shape_with_missing_and_extra_fields() {
        let text = r#"[{"xsas": [
            {"xsa": "12", "title": " Title\nof twelve ", "public_time": "2012-09-05 12:00",
             "cve": ["CVE-2012-3494", "CVE-2012-3494"], "trees": ["xen"], "deps": null},
            {"xsa": 3, "public_time": "2011-05-12T10:00:00Z"},
            {"xsa": "4", "title": null, "public_time": "", "cve": "CVE-2011-1583"}
        ], "extra": true}, {"xsas": []}]"#;
        let list = parse(text).unwrap();
        assert!(list.warnings.is_empty(), "{:?}", list.warnings);
        let nums: Vec<u32> = list.advisories.iter().map(|a| a.number).collect();
        assert_eq!(nums, [3, 4, 12]);
        let a12 = &list.advisories[2];
        assert_eq!(a12.title.as_deref(), Some("Title of twelve"));
        assert_eq!(a12.date, NaiveDate::from_ymd_opt(2012, 9, 5));
        assert_eq!(a12.cves, ["CVE-2012-3494"]);
        assert_eq!(
            list.advisories[0].date,
            NaiveDate::from_ymd_opt(2011, 5, 12)
        );
        assert_eq!(list.advisories[1].date, None);
        assert_eq!(list.advisories[1].cves, ["CVE-2011-1583"]);
    }

    #[test]
    fn bad_values_are_ignored_with_a_warning() {
        let list =
            parse(r#"[{"xsas": [{"xsa": "5", "cve": ["CVE-2011-1", 7, "CVE-2011-1898"]}]}]"#)
                .unwrap();
        assert_eq!(list.advisories[0].cves, ["CVE-2011-1898"]);
        assert_eq!(list.warnings.len(), 2, "{:?}", list.warnings);
    }

    #[test]
    fn garbage_is_refused_clearly() {
        let cases = [
            ("", "not valid JSON"),
            ("<html>Not found</html>", "not valid JSON"),
            ("{\"xsas\": []}", "must be a JSON array"),
            ("[1]", "no \"xsas\" array"),
            ("[{\"xsa\": \"1\"}]", "no \"xsas\" array"),
            ("[{\"xsas\": [{\"title\": \"x\"}]}]", "no \"xsa\" number"),
            (
                "[{\"xsas\": [{\"xsa\": \"x1\"}]}]",
                "not an advisory number",
            ),
            ("[{\"xsas\": [{\"xsa\": -3}]}]", "out of range"),
            ("[{\"xsas\": [{\"xsa\": 99999999999}]}]", "out of range"),
            (
                "[{\"xsas\": [{\"xsa\": 1, \"public_time\": \"soon\"}]}]",
                "not a date",
            ),
            (
                "[{\"xsas\": [{\"xsa\": 1, \"public_time\": \"2020-02-30\"}]}]",
                "not a date",
            ),
            ("[{\"xsas\": [{\"xsa\": 1, \"title\": 5}]}]", "not a string"),
            ("[{\"xsas\": [{\"xsa\": 1, \"cve\": {}}]}]", "not a list"),
            ("[{\"xsas\": [1]}]", "expected an object"),
            (
                "[{\"xsas\": [{\"xsa\": 1, \"title\": \"a\"}, {\"xsa\": 1, \"title\": \"b\"}]}]",
                "twice",
            ),
        ];
        for (text, needle) in cases {
            let e = parse(text).expect_err(text);
            assert!(chain(&e).contains(needle), "{text}: {}", chain(&e));
        }
    }

    #[test]
    fn empty_lists_are_fine() {
        assert_eq!(parse("[]").unwrap(), UpstreamList::default());
        assert_eq!(parse("[{\"xsas\": []}]").unwrap(), UpstreamList::default());
    }

    #[test]
    fn public_time_forms() {
        let d = NaiveDate::from_ymd_opt(2024, 1, 30);
        for ok in [
            "2024-01-30",
            "2024-01-30 12:00",
            "2024-01-30T12:00Z",
            " 2024-01-30 ",
        ] {
            assert_eq!(date_of_public_time(ok), d, "{ok}");
        }
        for bad in [
            "2024-1-30",
            "2024-01-30x",
            "30/01/2024",
            "+024-01-30",
            "2024-01-3é",
        ] {
            assert_eq!(date_of_public_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn urls_and_files_are_told_apart() {
        assert!(is_url("https://example.org/xsa.json"));
        assert!(is_url("HTTP://127.0.0.1:8/x"));
        assert!(!is_url("xsa.json"));
        assert!(!is_url("ftp://example.org/x"));
        let e = read_source("/nonexistent/xsa.json", DEFAULT_TIMEOUT).unwrap_err();
        assert!(chain(&e).contains("/nonexistent/xsa.json"), "{}", chain(&e));
        assert_eq!(e.class(), ErrorClass::Io);
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,300}") {
            let _ = parse(&s);
        }

        #[test]
        fn reads_every_well_formed_entry(
            entries in proptest::collection::btree_map(0u32..100_000, (2000i32..2100, 1u32..13, 1u32..29, "[a-zA-Z ]{0,20}"), 0..20)
        ) {
            let items: Vec<Value> = entries.iter().map(|(n, (y, m, d, t))| serde_json::json!({
                "xsa": n.to_string(), "title": t, "public_time": format!("{y:04}-{m:02}-{d:02} 12:00"), "cve": [],
            })).collect();
            let text = serde_json::json!([{"xsas": items}]).to_string();
            let list = parse(&text).unwrap();
            prop_assert_eq!(list.advisories.len(), entries.len());
            for (a, (n, (y, m, d, t))) in list.advisories.iter().zip(&entries) {
                prop_assert_eq!(a.number, *n);
                prop_assert_eq!(a.date, NaiveDate::from_ymd_opt(*y, *m, *d));
                let want = t.split_whitespace().collect::<Vec<_>>().join(" ");
                prop_assert_eq!(a.title.clone().unwrap_or_default(), want);
            }
        }
    }
}
