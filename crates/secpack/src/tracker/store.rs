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

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::model::{Advisory, Affected, ModelError, Tracker};
use crate::error::{Coded, ErrorClass, IoError};
use crate::fsutil::{read_capped, ReadCappedError};
use crate::pack::Pack;

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
    fn to_date(&self) -> Result<NaiveDate, RowError> {
        let text = match self {
            Self::Native(d) => {
                if d.time.is_some() || d.offset.is_some() {
                    return Err(RowError::DateWithTime(d.to_string()));
                }
                d.to_string()
            }
            Self::Text(s) => s.clone(),
        };
        NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .ok()
            .filter(|_| text.len() == 10)
            .ok_or(RowError::Date(text))
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
pub fn parse(text: &str) -> Result<Tracker, StoreError> {
    let file: TrackerFile = toml::from_str(text).map_err(Box::new)?;
    if file.version != FORMAT_VERSION {
        return Err(StoreError::Version(file.version));
    }
    let mut rows = Vec::with_capacity(file.advisory.len());
    for (i, r) in file.advisory.into_iter().enumerate() {
        let row = (|| -> Result<Advisory, RowError> {
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
        .map_err(|source| StoreError::Row {
            table: i + 1,
            number: r.number,
            source,
        })?;
        rows.push(row);
    }
    Ok(Tracker::from_rows(rows)?)
}

/// The text of the tracker file: a comment header, the format version, then
/// one table per row in number order. Deterministic.
pub fn render(tracker: &Tracker) -> Result<String, StoreError> {
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
    let body = toml::to_string(&file).map_err(StoreError::Render)?;
    Ok(format!("{HEADER}{body}"))
}

/// The path of `pack`'s tracker file (`tracker.file` in `secpack.toml`;
/// [`Pack::open`] refuses a value that is not a relative path inside the
/// pack).
pub fn path_in(pack: &Pack) -> PathBuf {
    pack.path_of(&pack.config.tracker.file)
}

/// Reads the tracker file at `path`. A missing file is an error.
pub fn load(path: &Path) -> Result<Tracker, StoreError> {
    load_if_present(path)?.ok_or_else(|| StoreError::Missing(path.to_path_buf()))
}

/// Reads the tracker file at `path`, or `None` when it does not exist.
/// Symbolic links, non-files and files over [`MAX_TRACKER_BYTES`] are refused.
pub fn load_if_present(path: &Path) -> Result<Option<Tracker>, StoreError> {
    let unreadable = |source| StoreError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(unreadable(IoError::new("reading", path, e).into())),
    };
    if !meta.is_file() {
        return Err(StoreError::NotAFile(path.to_path_buf()));
    }
    let bytes = read_capped(path, MAX_TRACKER_BYTES).map_err(unreadable)?;
    let invalid = |source| StoreError::Invalid {
        path: path.to_path_buf(),
        source: Box::new(source),
    };
    let text = String::from_utf8(bytes).map_err(|_| invalid(StoreError::NotUtf8))?;
    parse(&text).map(Some).map_err(invalid)
}

/// Writes the tracker to `path` atomically, creating its folder if needed.
pub fn save(tracker: &Tracker, path: &Path) -> Result<(), StoreError> {
    let text = render(tracker)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| IoError::new("creating", dir, e))?;
    }
    Ok(crate::fsutil::write_atomic(path, text.as_bytes(), true)?)
}

/// A value of one `[[advisory]]` table that is not valid.
#[derive(Debug, thiserror::Error)]
pub enum RowError {
    /// A date that is not `YYYY-MM-DD`.
    #[error("date {0:?} is not a valid YYYY-MM-DD date")]
    Date(String),
    /// A TOML date-time where a plain date belongs.
    #[error("date {0} must be a plain date (YYYY-MM-DD), without a time")]
    DateWithTime(String),
    /// A value the rows refuse (a bulletin that is not `NNN-YYYY`).
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// The tracker file cannot be found, read, parsed or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No tracker file where one is needed.
    #[error(
        "no tracker file at {} (create it with `secpack xsa import-jekyll` or `secpack xsa sync`)",
        .0.display()
    )]
    Missing(PathBuf),
    /// A symbolic link or something else than a file.
    #[error("{} is not a regular file (symlinks are refused)", .0.display())]
    NotAFile(PathBuf),
    /// The file cannot be read, or is over [`MAX_TRACKER_BYTES`].
    #[error("the tracker file cannot be read")]
    Unreadable {
        /// The tracker file.
        path: PathBuf,
        /// Why.
        #[source]
        source: ReadCappedError,
    },
    /// The file's contents are not a valid tracker.
    #[error("parsing {}", path.display())]
    Invalid {
        /// The tracker file.
        path: PathBuf,
        /// What is wrong.
        #[source]
        source: Box<StoreError>,
    },
    /// The text is not UTF-8.
    #[error("the tracker file is not UTF-8 text")]
    NotUtf8,
    /// Not TOML of the tracker's shape (unknown keys, wrong types).
    #[error(transparent)]
    Syntax(#[from] Box<toml::de::Error>),
    /// A format version this code does not read.
    #[error(
        "tracker file format version {0} is not supported (this secpack reads version {FORMAT_VERSION})"
    )]
    Version(u32),
    /// One table is not valid.
    #[error("[[advisory]] table {table} (number {number})")]
    Row {
        /// Its place in the file, from 1.
        table: usize,
        /// Its advisory number.
        number: u32,
        /// What is wrong.
        #[source]
        source: RowError,
    },
    /// The rows together are not valid (a number twice, a bad CVE).
    #[error(transparent)]
    Rows(#[from] ModelError),
    /// The tracker could not be rendered as TOML.
    #[error("rendering the tracker as TOML")]
    Render(#[source] toml::ser::Error),
    /// Writing the file (or creating its folder) failed.
    #[error(transparent)]
    Write(#[from] IoError),
}

impl Coded for StoreError {
    fn code(&self) -> &'static str {
        match self {
            Self::Missing(_) => "tracker-missing",
            Self::NotAFile(_) => "tracker-not-a-file",
            Self::Unreadable { .. } => "tracker-unreadable",
            Self::Invalid { source, .. } => source.code(),
            Self::NotUtf8 => "tracker-not-utf8",
            Self::Syntax(_) => "tracker-syntax",
            Self::Version(_) => "tracker-version",
            Self::Row { .. } | Self::Rows(_) => "tracker-invalid",
            Self::Render(_) => "tracker-render",
            Self::Write(e) => e.code(),
        }
    }
    fn class(&self) -> ErrorClass {
        match self {
            Self::Render(_) => ErrorClass::Failure,
            Self::Write(e) => e.class(),
            _ => ErrorClass::Config,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fsutil::error_chain as chain;
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
            assert!(chain(&e).contains(needle), "{text}: {}", chain(&e));
        }
    }

    #[test]
    fn load_and_save() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tracker/xsa.toml");
        assert!(load_if_present(&path).unwrap().is_none());
        assert!(chain(&load(&path).unwrap_err()).contains("no tracker file"));
        let t = parse(SAMPLE).unwrap();
        save(&t, &path).unwrap();
        assert_eq!(load(&path).unwrap(), t);
        std::fs::write(&path, "version = 1\n[[advisory]]\nnumber = 1\n").unwrap();
        let e = chain(&load(&path).unwrap_err());
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
