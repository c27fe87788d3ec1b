//! The tracker file: TOML, one `[[advisory]]` table per upstream advisory.
//!
//! ```toml
//! version = 1
//!
//! [[advisory]]
//! number = 7
//! date = 2012-06-12
//! affected = "yes"
//! bulletin = "002-2012"
//! title = "..."
//! cves = ["CVE-2012-0217"]
//! ```
//!
//! Keys of a row, in the order they are written: `number`, `date` (a TOML
//! local date; a `"YYYY-MM-DD"` string is read too), `affected` (`"yes"`,
//! `"no"`, `"tba"`), `bulletin` (`"NNN-YYYY"`), `unused` (written only when
//! true), `mitigation`, `title`, `cves`. Unknown keys are errors. Rows are
//! written sorted by number, so the same tracker always gives the same bytes.

use std::path::Path;

use anyhow::{bail, Context, Result};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::model::{Advisory, Affected, Tracker};

/// The only file format version this code reads and writes.
pub const FORMAT_VERSION: u32 = 1;
/// Largest tracker file read.
pub const MAX_TRACKER_BYTES: u64 = 16 << 20;

const HEADER: &str = "\
# Upstream advisory tracker, maintained with `secpack xsa`.
# One [[advisory]] table per upstream advisory, sorted by number.
# affected: \"yes\" (then `bulletin` names the covering bulletin, NNN-YYYY),
# \"no\", or \"tba\" (not triaged yet). `unused = true`: number never published.
# Edit by hand or with `secpack xsa set`; see docs/tracker.md.

";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrackerFile {
    #[serde(default = "default_version")]
    version: u32,
    #[serde(default)]
    advisory: Vec<FileRow>,
}

fn default_version() -> u32 {
    FORMAT_VERSION
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRow {
    number: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    date: Option<DateValue>,
    affected: Affected,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bulletin: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    unused: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mitigation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    cves: Vec<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A date as TOML gives it: native (`2012-06-12`) or quoted.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum DateValue {
    Native(toml::value::Datetime),
    Text(String),
}

impl DateValue {
    fn to_date(&self) -> Result<NaiveDate> {
        let text = match self {
            Self::Native(d) => {
                if d.time.is_some() || d.offset.is_some() {
                    bail!("date {d} must be a plain date (YYYY-MM-DD), without a time");
                }
                d.to_string()
            }
            Self::Text(s) => s.clone(),
        };
        NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .ok()
            .filter(|_| text.len() == 10)
            .with_context(|| format!("date {text:?} is not a valid YYYY-MM-DD date"))
    }

    fn from_date(d: NaiveDate) -> Self {
        Self::Native(toml::value::Datetime {
            date: Some(toml::value::Date {
                year: d.year() as u16,
                month: d.month() as u8,
                day: d.day() as u8,
            }),
            time: None,
            offset: None,
        })
    }
}

/// Parses the text of a tracker file.
pub fn parse(text: &str) -> Result<Tracker> {
    let file: TrackerFile = toml::from_str(text)?;
    if file.version != FORMAT_VERSION {
        bail!(
            "tracker file format version {} is not supported (this secpack reads version {FORMAT_VERSION})",
            file.version
        );
    }
    let mut rows = Vec::with_capacity(file.advisory.len());
    for (i, r) in file.advisory.into_iter().enumerate() {
        let row = (|| -> Result<Advisory> {
            Ok(Advisory {
                number: r.number,
                date: r.date.as_ref().map(DateValue::to_date).transpose()?,
                affected: r.affected,
                bulletin: r.bulletin.as_deref().map(str::parse).transpose()?,
                unused: r.unused,
                mitigation: r.mitigation,
                title: r.title,
                cves: r.cves,
            })
        })()
        .with_context(|| format!("[[advisory]] table {} (number {})", i + 1, r.number))?;
        rows.push(row);
    }
    Tracker::from_rows(rows)
}

/// The text of the tracker file: a comment header, the format version, then
/// one table per row in number order. Deterministic.
pub fn render(tracker: &Tracker) -> Result<String> {
    let file = TrackerFile {
        version: FORMAT_VERSION,
        advisory: tracker
            .rows()
            .iter()
            .map(|r| FileRow {
                number: r.number,
                date: r.date.map(DateValue::from_date),
                affected: r.affected,
                bulletin: r.bulletin.map(|b| b.to_string()),
                unused: r.unused,
                mitigation: r.mitigation.clone(),
                title: r.title.clone(),
                cves: r.cves.clone(),
            })
            .collect(),
    };
    let body = toml::to_string(&file).context("rendering the tracker as TOML")?;
    Ok(format!("{HEADER}{body}"))
}

/// Reads the tracker file at `path`. A missing file is an error.
pub fn load(path: &Path) -> Result<Tracker> {
    match load_if_present(path)? {
        Some(t) => Ok(t),
        None => bail!(
            "no tracker file at {} (create it with `secpack xsa import-jekyll` or `secpack xsa sync`)",
            path.display()
        ),
    }
}

/// Reads the tracker file at `path`, or `None` when it does not exist.
/// Symbolic links, non-files and files over [`MAX_TRACKER_BYTES`] are refused.
pub fn load_if_present(path: &Path) -> Result<Option<Tracker>> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    if !meta.is_file() {
        bail!(
            "{} is not a regular file (symlinks are refused)",
            path.display()
        );
    }
    if meta.len() > MAX_TRACKER_BYTES {
        bail!(
            "{} is larger than {MAX_TRACKER_BYTES} bytes",
            path.display()
        );
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse(&text)
        .map(Some)
        .with_context(|| format!("parsing {}", path.display()))
}

/// Writes the tracker to `path` atomically, creating its folder if needed.
pub fn save(tracker: &Tracker, path: &Path) -> Result<()> {
    let text = render(tracker)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    crate::fsutil::write_atomic(path, text.as_bytes(), true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::model::BulletinRef;
    use proptest::prelude::*;

    const SAMPLE: &str = r#"
version = 1

[[advisory]]
number = 8
date = "2012-06-12"
affected = "no"
mitigation = "Not reachable from guests"

[[advisory]]
number = 7
date = 2012-06-12
affected = "yes"
bulletin = "002-2012"
cves = ["CVE-2012-0217"]
title = "Privilege escalation"

[[advisory]]
number = 9
affected = "tba"
unused = true
"#;

    #[test]
    fn reads_both_date_forms_and_sorts() {
        let t = parse(SAMPLE).unwrap();
        let nums: Vec<u32> = t.rows().iter().map(|r| r.number).collect();
        assert_eq!(nums, [7, 8, 9]);
        let r7 = t.get(7).unwrap();
        assert_eq!(r7.date, NaiveDate::from_ymd_opt(2012, 6, 12));
        assert_eq!(
            r7.bulletin,
            Some("002-2012".parse::<BulletinRef>().unwrap())
        );
        assert_eq!(t.get(8).unwrap().date, r7.date);
        assert!(t.get(9).unwrap().unused);
        assert_eq!(t.get(9).unwrap().date, None);
    }

    #[test]
    fn rendering_is_canonical() {
        let t = parse(SAMPLE).unwrap();
        let text = render(&t).unwrap();
        assert_eq!(parse(&text).unwrap(), t);
        assert_eq!(render(&parse(&text).unwrap()).unwrap(), text);
        // Native dates, rows in order, `unused` only where true.
        assert!(
            text.contains("number = 7\ndate = 2012-06-12\naffected = \"yes\""),
            "{text}"
        );
        assert!(text.find("number = 7").unwrap() < text.find("number = 8").unwrap());
        assert_eq!(
            text.matches("unused").count(),
            1 + HEADER.matches("unused").count()
        );
    }

    #[test]
    fn bad_files_are_refused_with_context() {
        let cases = [
            ("version = 2\n", "version 2"),
            ("[[advisory]]\nnumber = 1\naffected = \"maybe\"\n", "maybe"),
            ("[[advisory]]\nnumber = 1\naffected = \"no\"\ncolour = 1\n", "colour"),
            ("[[advisory]]\nnumber = -1\naffected = \"no\"\n", "number"),
            ("[[advisory]]\nnumber = 1\naffected = \"no\"\ndate = \"2012-13-01\"\n", "2012-13-01"),
            ("[[advisory]]\nnumber = 1\naffected = \"no\"\ndate = 2012-01-01T10:00:00\n", "time"),
            ("[[advisory]]\nnumber = 1\naffected = \"yes\"\nbulletin = \"2\"\n", "NNN-YYYY"),
            ("[[advisory]]\nnumber = 1\naffected = \"no\"\n[[advisory]]\nnumber = 1\naffected = \"no\"\n", "more than once"),
            ("[[advisory]]\naffected = \"no\"\n", "number"),
            ("not toml", ""),
        ];
        for (text, needle) in cases {
            let e = parse(text).expect_err(text);
            assert!(format!("{e:#}").contains(needle), "{text}: {e:#}");
        }
    }

    #[test]
    fn load_and_save() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tracker/xsa.toml");
        assert!(load_if_present(&path).unwrap().is_none());
        assert!(format!("{:#}", load(&path).unwrap_err()).contains("no tracker file"));
        let t = parse(SAMPLE).unwrap();
        save(&t, &path).unwrap();
        assert_eq!(load(&path).unwrap(), t);
        std::fs::write(&path, "version = 1\n[[advisory]]\nnumber = 1\n").unwrap();
        let e = format!("{:#}", load(&path).unwrap_err());
        assert!(e.contains("xsa.toml") && e.contains("affected"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.toml");
        std::fs::write(&real, "version = 1\n").unwrap();
        let link = dir.path().join("xsa.toml");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(load(&link).is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,300}") {
            let _ = parse(&s);
        }

        #[test]
        fn render_then_parse_is_identity(t in crate::tracker::testing::arb_tracker()) {
            let text = render(&t).unwrap();
            prop_assert_eq!(parse(&text).unwrap(), t);
        }
    }
}
