//! The sidecar of a bulletin: `qsb-NNN-YYYY.toml` beside `qsb-NNN-YYYY.txt`.
//!
//! The text of a bulletin is what people read and sign; it cannot hold
//! everything scanners want (CVSS, CWE) and, being prose, it is sometimes read
//! wrongly. The sidecar adds and corrects fields. Every field is optional;
//! a field that is given *replaces* what was parsed from the text (lists
//! included: to add a CVE to those found, list them all). Unknown fields are
//! an error, so a typo never passes silently.
//!
//! ```toml
//! title = "Widget parser overflow in the frobnicator"
//! date = 2024-03-12          # date of first issue (a TOML date)
//! modified = 2024-03-20      # date of the last revision
//! summary = "One paragraph for people in a hurry."
//! details = "Longer text; by default the whole bulletin body."
//! upstream_advisories = [451, 453]
//! cves = ["CVE-2024-0001"]
//! aliases = ["DSA-9999-1"]   # other identifiers of the same issue
//! cvss_v3 = "CVSS:3.1/AV:L/AC:H/PR:H/UI:N/S:C/C:H/I:H/A:H"
//! cwe = { id = "CWE-787", name = "Out-of-bounds Write" }
//! references = ["https://example.org/advisory-451.html"]
//!
//! [[packages]]
//! release = "Demo 4.2"       # optional
//! location = "dom0"          # optional
//! name = "Xen packages"
//! version = "4.17.3-2"
//!
//! [[revisions]]              # one per revision (`secpack qsb revise`)
//! date = 2024-03-20
//! summary = "Fixed packages for Demo 4.3 added."
//!
//! [withdrawn]                # `secpack qsb withdraw`
//! date = 2024-04-02
//! reason = "Duplicate of QSB-101-2024."
//! ```
//!
//! The revisions and the withdrawal are the bulletin's lifecycle; see
//! [`super::lifecycle`] for how their dates are read from git.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

use super::structured::{is_cve_id, is_version, Bulletin, Cwe, PatchedPackage, Reference};
use crate::error::{Coded, ErrorClass, IoError};
use crate::fsutil::{read_capped, ReadCappedError};

/// A sidecar that cannot be read or is not valid.
#[derive(Debug, thiserror::Error)]
pub enum SidecarError {
    /// The file cannot be read, or is over [`MAX_SIDECAR_BYTES`].
    #[error(transparent)]
    Unreadable(#[from] ReadCappedError),
    /// A symbolic link or something else than a file.
    #[error("{} is not a regular file (symlinks are refused)", .0.display())]
    NotAFile(PathBuf),
    /// The file's contents are not a valid sidecar (the message names the
    /// file and what is wrong, in one line).
    #[error("invalid sidecar {}: {problem}", path.display())]
    Invalid {
        /// The sidecar.
        path: PathBuf,
        /// What is wrong.
        problem: Box<SidecarError>,
    },
    /// The text is not UTF-8.
    #[error("the sidecar is not UTF-8 text")]
    NotUtf8,
    /// Not TOML of the sidecar's shape (unknown keys, wrong types).
    #[error(transparent)]
    Syntax(#[from] Box<toml::de::Error>),
    /// A field's value is not valid.
    #[error("{0}")]
    Field(String),
    /// `cvss_v3` is not a CVSS v3 vector.
    #[error("`cvss_v3`: {vector:?} is not a CVSS v3 vector: {reason}")]
    Cvss {
        /// The vector.
        vector: String,
        /// Why.
        reason: String,
    },
}

impl Coded for SidecarError {
    fn code(&self) -> &'static str {
        match self {
            Self::Unreadable(e) => e.code(),
            Self::NotAFile(_) => "sidecar-not-a-file",
            Self::Invalid { problem, .. } => problem.code(),
            Self::NotUtf8 => "sidecar-not-utf8",
            Self::Syntax(_) => "sidecar-syntax",
            Self::Field(_) => "sidecar-field",
            Self::Cvss { .. } => "cvss-invalid",
        }
    }
    fn class(&self) -> ErrorClass {
        match self {
            Self::Unreadable(e) => e.class(),
            // A defect of the pack's content: the export or edit is refused.
            _ => ErrorClass::Failure,
        }
    }
}

/// Refuses with a [`SidecarError::Field`] unless `cond` holds.
macro_rules! ensure_field {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(SidecarError::Field(format!($($fmt)+)));
        }
    };
}

/// Largest sidecar read.
pub const MAX_SIDECAR_BYTES: u64 = 1 << 20;

/// The fields a sidecar may set. See the module documentation.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sidecar {
    /// Replaces the title.
    pub title: Option<String>,
    /// Replaces the date of first issue.
    #[serde(default, deserialize_with = "toml_date")]
    pub date: Option<NaiveDate>,
    /// Date of the last revision.
    #[serde(default, deserialize_with = "toml_date")]
    pub modified: Option<NaiveDate>,
    /// Replaces the summary.
    pub summary: Option<String>,
    /// Replaces the details (by default the whole bulletin body).
    pub details: Option<String>,
    /// Replaces the upstream advisories the bulletin is about.
    pub upstream_advisories: Option<Vec<u32>>,
    /// Replaces the CVE identifiers.
    pub cves: Option<Vec<String>>,
    /// Other identifiers of the same issue.
    pub aliases: Option<Vec<String>>,
    /// CVSS v3.0 or v3.1 base vector.
    pub cvss_v3: Option<String>,
    /// The weakness.
    pub cwe: Option<Cwe>,
    /// Replaces the patched package versions.
    pub packages: Option<Vec<PatchedPackage>>,
    /// Replaces the cited URLs.
    pub references: Option<Vec<String>>,
    /// The revisions after the first issue, oldest first.
    pub revisions: Option<Vec<RevisionEntry>>,
    /// Set when the bulletin is withdrawn.
    pub withdrawn: Option<WithdrawnEntry>,
}

/// A revision of a bulletin, as the sidecar records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevisionEntry {
    /// The day it was made (git's commit date takes precedence when the pack
    /// is a git repository).
    #[serde(deserialize_with = "required_toml_date")]
    pub date: NaiveDate,
    /// What changed, in a sentence.
    pub summary: String,
}

/// The withdrawal of a bulletin, as the sidecar records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithdrawnEntry {
    /// The day it was withdrawn (git's commit date takes precedence when the
    /// pack is a git repository).
    #[serde(deserialize_with = "required_toml_date")]
    pub date: NaiveDate,
    /// Why, in a sentence.
    pub reason: String,
}

impl Sidecar {
    /// The sidecar path of a bulletin path (`.txt` replaced by `.toml`).
    pub fn path_for(bulletin: &Path) -> PathBuf {
        bulletin.with_extension("toml")
    }

    /// Reads the sidecar beside `bulletin`, or `None` when there is none.
    /// A sidecar that is a symbolic link, too large, or invalid is an error
    /// naming the file.
    pub fn load_beside(bulletin: &Path) -> Result<Option<Self>, SidecarError> {
        let path = Self::path_for(bulletin);
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(ReadCappedError::from(IoError::new("reading", &path, e)).into()),
        };
        if !meta.is_file() {
            return Err(SidecarError::NotAFile(path));
        }
        let bytes = read_capped(&path, MAX_SIDECAR_BYTES)?;
        let invalid = |problem| SidecarError::Invalid {
            path: path.clone(),
            problem: Box::new(problem),
        };
        let text = String::from_utf8(bytes).map_err(|_| invalid(SidecarError::NotUtf8))?;
        Self::parse(&text).map(Some).map_err(invalid)
    }

    /// Parses and checks the text of a sidecar.
    pub fn parse(text: &str) -> Result<Self, SidecarError> {
        let s: Self = toml::from_str(text).map_err(Box::new)?;
        s.check()?;
        Ok(s)
    }

    /// Checks every field's form.
    fn check(&self) -> Result<(), SidecarError> {
        for (what, v) in [
            ("title", &self.title),
            ("summary", &self.summary),
            ("details", &self.details),
        ] {
            if v.as_deref().is_some_and(|t| t.trim().is_empty()) {
                return Err(SidecarError::Field(format!("`{what}` is empty")));
            }
        }
        if let (Some(d), Some(m)) = (self.date, self.modified) {
            ensure_field!(m >= d, "`modified` ({m}) is before `date` ({d})");
        }
        let first = self.date.unwrap_or(NaiveDate::MIN);
        let mut last = first;
        for r in self.revisions.iter().flatten() {
            ensure_field!(
                !r.summary.trim().is_empty(),
                "`revisions`: the revision of {} has an empty summary",
                r.date
            );
            ensure_field!(
                r.date >= last,
                "`revisions`: {} is before the date of issue or the revision above it ({last}); list revisions oldest first",
                r.date
            );
            last = r.date;
        }
        if let Some(w) = &self.withdrawn {
            ensure_field!(!w.reason.trim().is_empty(), "`withdrawn.reason` is empty");
            ensure_field!(
                w.date >= last,
                "`withdrawn.date` ({}) is before the date of issue or the last revision ({last})",
                w.date
            );
        }
        for c in self.cves.iter().flatten() {
            ensure_field!(
                is_cve_id(c),
                "`cves`: {c:?} is not a CVE identifier (CVE-YYYY-NNNN)"
            );
        }
        for a in self.aliases.iter().flatten() {
            ensure_field!(
                !a.is_empty()
                    && a.len() <= 128
                    && !a.chars().any(|c| c.is_whitespace() || c.is_control()),
                "`aliases`: {a:?} is not an identifier (no spaces, at most 128 characters)"
            );
        }
        if let Some(v) = &self.cvss_v3 {
            parse_cvss_v3(v)?;
        }
        if let Some(cwe) = &self.cwe {
            let digits = cwe.id.strip_prefix("CWE-").unwrap_or("");
            ensure_field!(
                !digits.is_empty()
                    && digits.len() <= 6
                    && !digits.starts_with('0')
                    && digits.bytes().all(|b| b.is_ascii_digit()),
                "`cwe.id`: {:?} is not a CWE identifier (CWE-NNN)",
                cwe.id
            );
            ensure_field!(!cwe.name.trim().is_empty(), "`cwe.name` is empty");
        }
        for p in self.packages.iter().flatten() {
            ensure_field!(
                !p.name.trim().is_empty(),
                "`packages`: a package has an empty name"
            );
            ensure_field!(
                is_version(&p.version),
                "`packages`: {:?} of {} is not a version (starts with a digit, holds a `.` or `-`)",
                p.version,
                p.name
            );
        }
        for u in self.references.iter().flatten() {
            ensure_field!(
                is_web_url(u),
                "`references`: {u:?} is not an http(s) URL without spaces"
            );
        }
        Ok(())
    }

    /// Applies the sidecar to a parsed bulletin: every field given replaces
    /// the parsed one.
    pub fn apply(&self, b: &mut Bulletin) {
        if let Some(t) = &self.title {
            b.title = Some(t.clone());
        }
        if let Some(d) = self.date {
            b.date = Some(d);
        }
        if let Some(m) = self.modified {
            b.modified = Some(m);
        }
        if let Some(s) = &self.summary {
            b.summary = Some(s.clone());
        }
        if let Some(d) = &self.details {
            b.details = d.clone();
        }
        if let Some(u) = &self.upstream_advisories {
            let mut u = u.clone();
            u.sort_unstable();
            u.dedup();
            b.related_advisories.retain(|n| !u.contains(n));
            b.upstream_advisories = u;
        }
        if let Some(c) = &self.cves {
            let mut c = c.clone();
            c.sort_unstable();
            c.dedup();
            b.cves = c;
        }
        if let Some(a) = &self.aliases {
            b.aliases = a.clone();
        }
        if let Some(v) = &self.cvss_v3 {
            b.cvss_v3 = Some(v.clone());
        }
        if let Some(c) = &self.cwe {
            b.cwe = Some(c.clone());
        }
        if let Some(p) = &self.packages {
            b.packages = p.clone();
        }
        if let Some(r) = &self.references {
            b.references = r
                .iter()
                .map(|url| Reference {
                    label: None,
                    url: url.clone(),
                })
                .collect();
        }
    }
}

/// Parses a CVSS v3.0/v3.1 vector (base metrics required).
pub fn parse_cvss_v3(vector: &str) -> Result<cvss::v3::Vector, SidecarError> {
    vector
        .parse::<cvss::v3::Vector>()
        .map_err(|e| SidecarError::Cvss {
            vector: vector.to_string(),
            reason: e.to_string(),
        })
}

/// An `http://` or `https://` URL with a host and no whitespace.
pub fn is_web_url(u: &str) -> bool {
    let rest = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !u.chars().any(|c| c.is_whitespace() || c.is_control())
    })
}

/// A required TOML local date.
fn required_toml_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    use serde::de::Error;
    toml_date(d)?.ok_or_else(|| D::Error::custom("a date is required"))
}

/// A TOML local date (`2024-03-12`), nothing else.
fn toml_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    use serde::de::Error;
    let dt = toml::value::Datetime::deserialize(d)?;
    match (dt.date, dt.time, dt.offset) {
        (Some(date), None, None) => NaiveDate::from_ymd_opt(
            i32::from(date.year),
            u32::from(date.month),
            u32::from(date.day),
        )
        .map(Some)
        .ok_or_else(|| D::Error::custom(format!("{dt} is not a valid date"))),
        _ => Err(D::Error::custom(format!(
            "{dt} is not a plain date (write YYYY-MM-DD, without quotes or time)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fsutil::error_chain as chain;

    const FULL: &str = r#"
title = "Corrected title"
date = 2024-03-12
modified = 2024-03-20
summary = "Short."
upstream_advisories = [453, 451, 451]
cves = ["CVE-2024-0002", "CVE-2024-0001"]
aliases = ["DSA-9999-1"]
cvss_v3 = "CVSS:3.1/AV:L/AC:H/PR:H/UI:N/S:C/C:H/I:H/A:H"
cwe = { id = "CWE-787", name = "Out-of-bounds Write" }
references = ["https://example.org/a"]

[[packages]]
release = "Demo 4.2"
name = "Xen packages"
version = "4.17.3-2"
"#;

    #[test]
    fn full_sidecar_replaces_every_field() {
        let s = Sidecar::parse(FULL).unwrap();
        let mut b = Bulletin::parse(
            "Title here\n\nSummary\n-------\nText XSA-1 CVE-2000-1234\n",
            "XSA",
        );
        assert_eq!(b.upstream_advisories, [1]);
        s.apply(&mut b);
        assert_eq!(b.title.as_deref(), Some("Corrected title"));
        assert_eq!(b.date, NaiveDate::from_ymd_opt(2024, 3, 12));
        assert_eq!(b.modified, NaiveDate::from_ymd_opt(2024, 3, 20));
        assert_eq!(b.summary.as_deref(), Some("Short."));
        assert_eq!(b.upstream_advisories, [451, 453]);
        assert_eq!(b.cves, ["CVE-2024-0001", "CVE-2024-0002"]);
        assert_eq!(b.aliases, ["DSA-9999-1"]);
        assert_eq!(b.cwe.as_ref().unwrap().id, "CWE-787");
        assert_eq!(b.packages.len(), 1);
        assert_eq!(b.packages[0].release.as_deref(), Some("Demo 4.2"));
        assert_eq!(b.packages[0].location, None);
        assert_eq!(b.references.len(), 1);
        assert_eq!(b.references[0].url, "https://example.org/a");
    }

    #[test]
    fn revisions_and_withdrawal_are_read() {
        let s = Sidecar::parse(
            "date = 2024-01-10\n[[revisions]]\ndate = 2024-01-10\nsummary = \"Same day.\"\n\
             [[revisions]]\ndate = 2024-02-01\nsummary = \"Packages.\"\n\
             [withdrawn]\ndate = 2024-03-01\nreason = \"Duplicate.\"\n",
        )
        .unwrap();
        let r = s.revisions.unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].date, NaiveDate::from_ymd_opt(2024, 2, 1).unwrap());
        assert_eq!(r[1].summary, "Packages.");
        let w = s.withdrawn.unwrap();
        assert_eq!(w.reason, "Duplicate.");
        assert_eq!(w.date, NaiveDate::from_ymd_opt(2024, 3, 1).unwrap());
    }

    #[test]
    fn empty_sidecar_changes_nothing() {
        let text = "Title here\n\nSummary\n-------\nText XSA-1\n";
        let mut b = Bulletin::parse(text, "XSA");
        let before = b.clone();
        Sidecar::parse("").unwrap().apply(&mut b);
        assert_eq!(b, before);
    }

    #[test]
    fn bad_sidecars_are_rejected_with_the_field_named() {
        let cases = [
            ("titel = \"x\"", "titel"),
            ("date = \"2024-01-01\"", "date"),
            ("date = 2024-01-01T10:00:00Z", "plain date"),
            ("date = 2024-02-01\nmodified = 2024-01-01", "modified"),
            ("cves = [\"CVE-24-1\"]", "cves"),
            ("aliases = [\"two words\"]", "aliases"),
            ("cvss_v3 = \"CVSS:3.1/AV:X\"", "cvss_v3"),
            ("cwe = { id = \"787\", name = \"x\" }", "cwe.id"),
            ("cwe = { id = \"CWE-787\" }", "name"),
            ("references = [\"ftp://x\"]", "references"),
            (
                "[[packages]]\nname = \"x\"\nversion = \"latest\"",
                "packages",
            ),
            ("title = \"  \"", "title"),
            ("upstream_advisories = [-1]", "upstream_advisories"),
            ("[[revisions]]\ndate = 2024-01-01\nsummary = \" \"", "empty summary"),
            ("[[revisions]]\nsummary = \"x\"", "date"),
            ("[[revisions]]\ndate = 2024-01-01\nsummary = \"x\"\nwho = \"me\"", "who"),
            (
                "date = 2024-02-01\n[[revisions]]\ndate = 2024-01-01\nsummary = \"x\"",
                "revisions",
            ),
            (
                "[[revisions]]\ndate = 2024-03-01\nsummary = \"x\"\n[[revisions]]\ndate = 2024-02-01\nsummary = \"y\"",
                "oldest first",
            ),
            ("[withdrawn]\ndate = 2024-01-01\nreason = \"\"", "withdrawn.reason"),
            ("[withdrawn]\nreason = \"dup\"", "date"),
            (
                "[[revisions]]\ndate = 2024-03-01\nsummary = \"x\"\n[withdrawn]\ndate = 2024-02-01\nreason = \"dup\"",
                "withdrawn.date",
            ),
        ];
        for (text, needle) in cases {
            let e = Sidecar::parse(text).unwrap_err();
            let msg = chain(&e);
            assert!(msg.contains(needle), "{text:?} gave {msg:?}");
        }
    }

    #[test]
    fn loading_beside_a_bulletin() {
        let dir = tempfile::tempdir().unwrap();
        let txt = dir.path().join("qsb-001-2020.txt");
        assert!(Sidecar::load_beside(&txt).unwrap().is_none());
        std::fs::write(dir.path().join("qsb-001-2020.toml"), "title = \"T\"\n").unwrap();
        let s = Sidecar::load_beside(&txt).unwrap().unwrap();
        assert_eq!(s.title.as_deref(), Some("T"));
        std::fs::write(dir.path().join("qsb-001-2020.toml"), "title = 3\n").unwrap();
        let e = chain(&Sidecar::load_beside(&txt).unwrap_err());
        assert!(e.contains("qsb-001-2020.toml"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_sidecar_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("elsewhere.toml"), "title = \"T\"\n").unwrap();
        std::os::unix::fs::symlink(
            dir.path().join("elsewhere.toml"),
            dir.path().join("qsb-002-2020.toml"),
        )
        .unwrap();
        let e = Sidecar::load_beside(&dir.path().join("qsb-002-2020.txt")).unwrap_err();
        assert!(chain(&e).contains("symlink"), "{}", chain(&e));
    }

    #[test]
    fn web_urls() {
        assert!(is_web_url("https://a.invalid/x?y#z"));
        assert!(is_web_url("http://a.invalid"));
        assert!(!is_web_url("https:///x"));
        assert!(!is_web_url("https://a b"));
        assert!(!is_web_url("file:///etc/passwd"));
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,300}") {
            let _ = Sidecar::parse(&s);
        }

        #[test]
        fn cve_lists_round_trip(years in proptest::collection::vec((1999u32..2100, 1000u32..10_000_000), 0..8)) {
            let ids: Vec<String> = years.iter().map(|(y, n)| format!("CVE-{y}-{n:04}")).collect();
            let text = format!("cves = [{}]", ids.iter().map(|i| format!("{i:?}")).collect::<Vec<_>>().join(", "));
            let s = Sidecar::parse(&text).unwrap();
            proptest::prop_assert_eq!(s.cves.unwrap(), ids);
        }
    }
}
