//! The Jekyll site data file (`_data/sec-xsa.yml`): import and export.
//!
//! The site's file is a YAML list, one mapping per advisory:
//!
//! ```yaml
//! - xsa: 7
//!   date: 2012-06-12
//!   affected: yes
//!   qsb: 002-2012
//! ```
//!
//! Quirks of real files that are accepted: `affected` and `unused` written as
//! YAML 1.1 booleans (`yes`/`no`, `true`/`false`, any case), numbers quoted or
//! not, `qsb` present on a row that is not affected, `unused: yes` rows, and
//! numbers missing from the sequence. `affected: tba` marks an untriaged row.
//! The tracker's own fields `mitigation`, `title` and `cve` are read and
//! written too, so nothing is lost either way. Unknown keys are errors.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

use super::model::{Advisory, Affected, ModelError, Tracker};
use super::store::{self, StoreError};
use crate::error::{Coded, ErrorClass};
use crate::fsutil::{read_capped, ReadCappedError};

/// Largest Jekyll data file read.
pub const MAX_JEKYLL_BYTES: usize = 16 << 20;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JekyllRow {
    xsa: Scalar,
    #[serde(default)]
    date: Option<Scalar>,
    affected: Scalar,
    #[serde(default)]
    qsb: Option<Scalar>,
    #[serde(default)]
    unused: Option<Scalar>,
    #[serde(default)]
    mitigation: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    cve: Option<Vec<String>>,
}

/// A YAML scalar of any type, kept as the text it was written as.
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Text(String),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Self::Bool(b) => b.to_string(),
            Self::Unsigned(n) => n.to_string(),
            Self::Signed(n) => n.to_string(),
            // `{:?}` keeps the decimal point, so `1.0` is never read as `1`.
            Self::Float(x) => format!("{x:?}"),
            Self::Text(s) => s.trim().to_string(),
        }
    }

    /// A YAML 1.1 boolean or `tba`.
    fn affected(&self) -> Result<Affected, JekyllError> {
        if let Self::Bool(b) = self {
            return Ok(if *b { Affected::Yes } else { Affected::No });
        }
        let t = self.text().to_ascii_lowercase();
        match t.as_str() {
            "yes" | "true" | "y" | "on" => Ok(Affected::Yes),
            "no" | "false" | "n" | "off" => Ok(Affected::No),
            "tba" => Ok(Affected::Tba),
            _ => Err(JekyllError::Affected(t)),
        }
    }

    fn flag(&self, what: &'static str) -> Result<bool, JekyllError> {
        match self.affected() {
            Ok(Affected::Yes) => Ok(true),
            Ok(Affected::No) => Ok(false),
            _ => Err(JekyllError::Flag {
                field: what,
                value: self.text(),
            }),
        }
    }
}

/// Reads the text of a Jekyll `sec-xsa.yml` into a tracker.
pub fn import(text: &str) -> Result<Tracker, JekyllError> {
    if text.len() > MAX_JEKYLL_BYTES {
        return Err(JekyllError::TooLarge);
    }
    let rows: Option<Vec<JekyllRow>> = serde_norway::from_str(text)?;
    let rows = rows.unwrap_or_default();
    let mut out = Vec::with_capacity(rows.len());
    for (i, r) in rows.into_iter().enumerate() {
        let row = convert(r).map_err(|source| JekyllError::Entry {
            entry: i + 1,
            source: Box::new(source),
        })?;
        out.push(row);
    }
    Ok(Tracker::from_rows(out)?)
}

/// Reads the Jekyll data file `file` (at most [`MAX_JEKYLL_BYTES`]) and
/// saves it as the tracker at `tracker_path`. An existing tracker (or one
/// that cannot be read) is replaced only with `force`: importing would lose
/// its triage.
pub fn import_file(file: &Path, tracker_path: &Path, force: bool) -> Result<Tracker, JekyllError> {
    let read = |source| JekyllError::Read {
        path: file.to_path_buf(),
        source,
    };
    let bytes = read_capped(file, MAX_JEKYLL_BYTES as u64).map_err(read)?;
    let in_file = |source| JekyllError::InFile {
        path: file.to_path_buf(),
        source: Box::new(source),
    };
    let text = String::from_utf8(bytes).map_err(|_| in_file(JekyllError::NotUtf8))?;
    let tracker = import(&text).map_err(in_file)?;
    if !force && store::load_if_present(tracker_path).map_or(true, |t| t.is_some()) {
        return Err(JekyllError::TrackerExists(tracker_path.to_path_buf()));
    }
    store::save(&tracker, tracker_path)?;
    Ok(tracker)
}

/// The tracker at `tracker_path` in the Jekyll data shape ([`export`]),
/// also written atomically to `output` when given.
pub fn export_file(
    tracker_path: &Path,
    output: Option<&Path>,
) -> Result<(Tracker, String), JekyllError> {
    let tracker = store::load(tracker_path)?;
    let yaml = export(&tracker);
    if let Some(out) = output {
        crate::fsutil::write_atomic(out, yaml.as_bytes(), true).map_err(StoreError::Write)?;
    }
    Ok((tracker, yaml))
}

/// A Jekyll data file that cannot be read, or a tracker it cannot replace.
#[derive(Debug, thiserror::Error)]
pub enum JekyllError {
    /// Over [`MAX_JEKYLL_BYTES`].
    #[error("the file is larger than {MAX_JEKYLL_BYTES} bytes")]
    TooLarge,
    /// The file cannot be read.
    #[error("reading {}", path.display())]
    Read {
        /// The data file.
        path: PathBuf,
        /// Why.
        #[source]
        source: ReadCappedError,
    },
    /// The file's contents are not valid.
    #[error("importing {}", path.display())]
    InFile {
        /// The data file.
        path: PathBuf,
        /// What is wrong.
        #[source]
        source: Box<JekyllError>,
    },
    /// The text is not UTF-8.
    #[error("the file is not UTF-8 text")]
    NotUtf8,
    /// Not YAML, or not a list of mappings of the known keys.
    #[error(transparent)]
    Syntax(#[from] serde_norway::Error),
    /// One entry of the list is not valid.
    #[error("entry {entry} of the list")]
    Entry {
        /// Its place in the list, from 1.
        entry: usize,
        /// What is wrong.
        #[source]
        source: Box<JekyllError>,
    },
    /// `xsa` is not an advisory number.
    #[error("xsa: {0:?} is not an advisory number")]
    Number(String),
    /// A value of advisory `number` is not valid.
    #[error("xsa {number}")]
    Advisory {
        /// The advisory.
        number: u32,
        /// What is wrong.
        #[source]
        source: Box<JekyllError>,
    },
    /// `date` is not `YYYY-MM-DD`.
    #[error("date: {0:?} is not a YYYY-MM-DD date")]
    Date(String),
    /// `affected` is not a boolean nor `tba`.
    #[error("affected: {0:?} is neither yes, no nor tba")]
    Affected(String),
    /// A flag (`unused`) that is not a boolean.
    #[error("{field}: {value:?} is not a boolean")]
    Flag {
        /// The key.
        field: &'static str,
        /// Its text.
        value: String,
    },
    /// `qsb` is not `NNN-YYYY`.
    #[error("qsb")]
    Qsb(#[source] ModelError),
    /// The rows together are not valid (a number twice, a bad CVE).
    #[error(transparent)]
    Rows(#[from] ModelError),
    /// A tracker is already there and `force` was not given.
    #[error(
        "{} already exists: importing would replace its triage (use --force to replace it)",
        .0.display()
    )]
    TrackerExists(PathBuf),
    /// The tracker cannot be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Coded for JekyllError {
    fn code(&self) -> &'static str {
        match self {
            Self::TooLarge => "jekyll-too-large",
            Self::Read { source, .. } => source.code(),
            Self::InFile { source, .. } | Self::Entry { source, .. } => source.code(),
            Self::Advisory { source, .. } => source.code(),
            Self::NotUtf8 => "jekyll-not-utf8",
            Self::Syntax(_) => "jekyll-syntax",
            Self::Number(_) => "jekyll-number",
            Self::Date(_) => "jekyll-date",
            Self::Affected(_) => "jekyll-affected",
            Self::Flag { .. } => "jekyll-flag",
            Self::Qsb(_) => "jekyll-qsb",
            Self::Rows(e) => e.code(),
            Self::TrackerExists(_) => "tracker-exists",
            Self::Store(e) => e.code(),
        }
    }
    fn class(&self) -> ErrorClass {
        match self {
            Self::Read { source, .. } => source.class(),
            Self::TrackerExists(_) => ErrorClass::Usage,
            Self::Store(e) => e.class(),
            _ => ErrorClass::Config,
        }
    }
}

fn convert(r: JekyllRow) -> Result<Advisory, JekyllError> {
    let number_text = r.xsa.text();
    let number: u32 = number_text
        .parse()
        .ok()
        .filter(|_| number_text.bytes().all(|b| b.is_ascii_digit()))
        .ok_or(JekyllError::Number(number_text))?;
    let advisory = (|| -> Result<Advisory, JekyllError> {
        let date = match &r.date {
            None => None,
            Some(d) => {
                let t = d.text();
                let parsed = NaiveDate::parse_from_str(&t, "%Y-%m-%d")
                    .ok()
                    .filter(|_| t.len() == 10);
                Some(parsed.ok_or(JekyllError::Date(t))?)
            }
        };
        Ok(Advisory {
            number,
            date,
            affected: r.affected.affected()?,
            bulletin: r
                .qsb
                .as_ref()
                .map(|q| q.text().parse())
                .transpose()
                .map_err(JekyllError::Qsb)?,
            unused: match &r.unused {
                Some(u) => u.flag("unused")?,
                None => false,
            },
            mitigation: r.mitigation,
            title: r.title,
            cves: r.cve.unwrap_or_default(),
        })
    })();
    advisory.map_err(|source| JekyllError::Advisory {
        number,
        source: Box::new(source),
    })
}

/// The tracker in the Jekyll data shape, written the way real site files
/// are: two-space indented keys, a blank line between entries, `yes`/`no`
/// words. Free text is written as double-quoted YAML strings.
pub fn export(tracker: &Tracker) -> String {
    let entries: Vec<String> = tracker.rows().iter().map(entry).collect();
    entries.join("\n")
}

fn entry(r: &Advisory) -> String {
    let mut s = format!("- xsa: {}\n", r.number);
    if let Some(d) = r.date {
        s += &format!("  date: {}\n", d.format("%Y-%m-%d"));
    }
    s += &format!("  affected: {}\n", r.affected);
    if let Some(b) = r.bulletin {
        s += &format!("  qsb: {b}\n");
    }
    if r.unused {
        s += "  unused: yes\n";
    }
    if let Some(m) = &r.mitigation {
        s += &format!("  mitigation: {}\n", quoted(m));
    }
    if let Some(t) = &r.title {
        s += &format!("  title: {}\n", quoted(t));
    }
    if !r.cves.is_empty() {
        let list: Vec<String> = r.cves.iter().map(|c| quoted(c)).collect();
        s += &format!("  cve: [{}]\n", list.join(", "));
    }
    s
}

/// A JSON string literal, which is also a valid YAML double-quoted scalar.
fn quoted(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fsutil::error_chain as chain;
    use proptest::prelude::*;

    #[test]
    fn quirks_are_read() {
        let text = "\
- xsa: 1
  date: 2011-03-14
  affected: no
- xsa: \"3\"
  date: '2011-05-12'
  affected: True
  qsb: 002-2012
- xsa: 4
  affected: NO
  qsb: \"031-2017\"
  unused: yes
- xsa: 6
  affected: tba
  unused: false
";
        let t = import(text).unwrap();
        let nums: Vec<u32> = t.rows().iter().map(|r| r.number).collect();
        assert_eq!(nums, [1, 3, 4, 6]);
        assert_eq!(t.get(1).unwrap().affected, Affected::No);
        assert_eq!(t.get(3).unwrap().affected, Affected::Yes);
        assert_eq!(t.get(3).unwrap().date, NaiveDate::from_ymd_opt(2011, 5, 12));
        let r4 = t.get(4).unwrap();
        assert_eq!((r4.affected, r4.unused), (Affected::No, true));
        assert_eq!(r4.bulletin.unwrap().to_string(), "031-2017");
        assert_eq!(r4.date, None);
        assert_eq!(t.get(6).unwrap().affected, Affected::Tba);
        assert!(!t.get(6).unwrap().unused);
    }

    #[test]
    fn empty_files_give_an_empty_tracker() {
        assert!(import("").unwrap().rows().is_empty());
        assert!(import("[]").unwrap().rows().is_empty());
    }

    #[test]
    fn bad_files_are_refused_with_the_entry_named() {
        let cases = [
            ("- xsa: 1\n  date: 2011-03-14\n", "affected"),
            ("- xsa: one\n  affected: no\n", "one"),
            ("- xsa: -1\n  affected: no\n", "xsa"),
            ("- xsa: 1.0\n  affected: no\n", "1.0"),
            ("- xsa: 1\n  affected: maybe\n", "maybe"),
            (
                "- xsa: 1\n  affected: no\n  date: 2011-02-30\n",
                "2011-02-30",
            ),
            ("- xsa: 1\n  affected: yes\n  qsb: 12\n", "NNN-YYYY"),
            ("- xsa: 1\n  affected: no\n  unused: tba\n", "unused"),
            ("- xsa: 1\n  affected: no\n  colour: red\n", "colour"),
            (
                "- xsa: 1\n  affected: no\n- xsa: 1\n  affected: yes\n",
                "more than once",
            ),
            ("xsa: 1\n", ""),
            ("- [unclosed\n", ""),
        ];
        for (text, needle) in cases {
            let e = import(text).expect_err(text);
            assert!(chain(&e).contains(needle), "{text}: {}", chain(&e));
        }
        let e = import("- xsa: 1\n  affected: no\n- xsa: 2\n  affected: perhaps\n").unwrap_err();
        assert!(chain(&e).contains("entry 2"), "{}", chain(&e));
    }

    #[test]
    fn export_writes_the_site_shape() {
        let text = "- xsa: 7\n  date: 2012-06-12\n  affected: yes\n  qsb: 002-2012\n\n\
                    - xsa: 79\n  date: 2013-11-20\n  affected: no\n  unused: yes\n";
        assert_eq!(export(&import(text).unwrap()), text);
    }

    #[test]
    fn extra_fields_survive_a_round_trip() {
        let mut row = Advisory::new(12);
        row.title =
            Some("A \"quoted\" title: with # and \\ and é, \u{feff}\u{200b} 😀 \u{fffd}".into());
        row.mitigation = Some("yes".into());
        row.cves = vec!["CVE-2020-1234".into(), "CVE-2020-12345".into()];
        let t = Tracker::from_rows(vec![row]).unwrap();
        assert_eq!(import(&export(&t)).unwrap(), t);
    }

    proptest! {
        #[test]
        fn import_never_panics(s in "\\PC{0,300}") {
            let _ = import(&s);
        }

        #[test]
        fn export_then_import_is_identity(t in crate::tracker::testing::arb_tracker()) {
            prop_assert_eq!(import(&export(&t)).unwrap(), t);
        }
    }
}
