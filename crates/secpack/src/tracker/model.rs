//! The tracker's rows and the triage decisions they record.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize, Serializer};

use crate::error::{Coded, ErrorClass};

/// Longest free-text field kept in a row (titles, mitigation notes).
pub const MAX_TEXT_CHARS: usize = 4096;

/// Whether the project is affected by an upstream advisory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Affected {
    /// The project is affected; a bulletin covers it.
    Yes,
    /// The project is not affected.
    No,
    /// Not triaged yet ("to be announced").
    Tba,
}

impl Affected {
    /// The word used in files and output: `yes`, `no`, `tba`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Yes => "yes",
            Self::No => "no",
            Self::Tba => "tba",
        }
    }
}

impl fmt::Display for Affected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Affected {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, ModelError> {
        match s {
            "yes" => Ok(Self::Yes),
            "no" => Ok(Self::No),
            "tba" => Ok(Self::Tba),
            other => Err(ModelError::Affected(other.to_string())),
        }
    }
}

/// A bulletin identifier as the tracker writes it: `NNN-YYYY` (`002-2012`),
/// the number zero-padded to at least three digits and the year of issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BulletinRef {
    /// The bulletin number.
    pub number: u32,
    /// The year of first issue.
    pub year: i32,
}

impl BulletinRef {
    /// Whether this is the bulletin whose file name carries `number` and `year`.
    pub fn is(&self, number: u32, year: i32) -> bool {
        self.number == number && self.year == year
    }
}

impl fmt::Display for BulletinRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03}-{:04}", self.number, self.year)
    }
}

impl FromStr for BulletinRef {
    type Err = ModelError;

    /// Parses `NNN-YYYY`: one to six digits, a dash, four digits.
    fn from_str(s: &str) -> Result<Self, ModelError> {
        let parsed = s.split_once('-').and_then(|(n, y)| {
            let digits = |t: &str, min, max| {
                (min..=max).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit())
            };
            if !digits(n, 1, 6) || !digits(y, 4, 4) {
                return None;
            }
            Some(Self {
                number: n.parse().ok()?,
                year: y.parse().ok()?,
            })
        });
        match parsed {
            Some(r) => Ok(r),
            None => Err(ModelError::BulletinRef(s.to_string())),
        }
    }
}

impl Serialize for BulletinRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// One upstream advisory and the project's verdict on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Advisory {
    /// The upstream advisory number (`XSA-<number>`).
    pub number: u32,
    /// Date the advisory was made public, when known.
    pub date: Option<NaiveDate>,
    /// Whether the project is affected.
    pub affected: Affected,
    /// The project bulletin that covers this advisory.
    pub bulletin: Option<BulletinRef>,
    /// The upstream allocated the number but never published an advisory.
    pub unused: bool,
    /// A short note on mitigation (why the project is not, or less, affected).
    pub mitigation: Option<String>,
    /// The advisory's title, as published upstream.
    pub title: Option<String>,
    /// CVE identifiers, sorted and unique.
    pub cves: Vec<String>,
}

impl Advisory {
    /// A new, untriaged row.
    pub fn new(number: u32) -> Self {
        Self {
            number,
            date: None,
            affected: Affected::Tba,
            bulletin: None,
            unused: false,
            mitigation: None,
            title: None,
            cves: Vec::new(),
        }
    }

    /// Published advisories are the ones counted in statistics: every row
    /// whose number is not `unused`.
    pub fn is_published(&self) -> bool {
        !self.unused
    }
}

/// A triage decision, as `secpack xsa set` records it. Applying one replaces
/// the row's whole verdict (affected, bulletin, unused, mitigation) and leaves
/// its upstream facts (date, title, CVEs) alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The project is affected; `bulletin` covers it.
    Affected {
        /// The covering bulletin.
        bulletin: BulletinRef,
        /// Optional mitigation note.
        mitigation: Option<String>,
    },
    /// The project is not affected.
    NotAffected {
        /// Optional note on why, or on what mitigates it.
        mitigation: Option<String>,
    },
    /// The upstream never published this number.
    Unused,
}

/// The whole tracker: rows sorted by number, numbers unique.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tracker {
    rows: Vec<Advisory>,
}

impl Tracker {
    /// Builds a tracker from rows in any order. Duplicate numbers and invalid
    /// text fields are errors.
    pub fn from_rows(mut rows: Vec<Advisory>) -> Result<Self, ModelError> {
        rows.sort_by_key(|r| r.number);
        if let Some(w) = rows.windows(2).find(|w| w[0].number == w[1].number) {
            return Err(ModelError::Duplicate(w[0].number));
        }
        for row in &mut rows {
            normalize(row)?;
        }
        Ok(Self { rows })
    }

    /// The rows, sorted by number.
    pub fn rows(&self) -> &[Advisory] {
        &self.rows
    }

    /// The row of advisory `number`.
    pub fn get(&self, number: u32) -> Option<&Advisory> {
        self.rows
            .binary_search_by_key(&number, |r| r.number)
            .ok()
            .map(|i| &self.rows[i])
    }

    /// The row of advisory `number`, for editing.
    pub fn get_mut(&mut self, number: u32) -> Option<&mut Advisory> {
        self.rows
            .binary_search_by_key(&number, |r| r.number)
            .ok()
            .map(|i| &mut self.rows[i])
    }

    /// Adds a row whose number is not in the tracker yet.
    pub fn insert(&mut self, mut row: Advisory) -> Result<(), ModelError> {
        normalize(&mut row)?;
        match self.rows.binary_search_by_key(&row.number, |r| r.number) {
            Ok(_) => return Err(ModelError::AlreadyPresent(row.number)),
            Err(i) => self.rows.insert(i, row),
        }
        Ok(())
    }

    /// Records a triage decision for advisory `number`. The row must exist,
    /// unless `date` is given, in which case a missing row is created. A
    /// given `date` also replaces the row's date.
    pub fn decide(
        &mut self,
        number: u32,
        decision: Decision,
        date: Option<NaiveDate>,
    ) -> Result<&Advisory, ModelError> {
        if self.get(number).is_none() {
            if date.is_none() {
                return Err(ModelError::NotInTracker(number));
            }
            self.insert(Advisory::new(number))?;
        }
        let mut row = self.get(number).cloned().expect("row exists");
        if date.is_some() {
            row.date = date;
        }
        match decision {
            Decision::Affected {
                bulletin,
                mitigation,
            } => {
                row.affected = Affected::Yes;
                row.bulletin = Some(bulletin);
                row.unused = false;
                row.mitigation = mitigation;
            }
            Decision::NotAffected { mitigation } => {
                row.affected = Affected::No;
                row.bulletin = None;
                row.unused = false;
                row.mitigation = mitigation;
            }
            Decision::Unused => {
                row.affected = Affected::No;
                row.bulletin = None;
                row.unused = true;
                row.mitigation = None;
            }
        }
        normalize(&mut row)?;
        let slot = self.get_mut(number).expect("row exists");
        *slot = row;
        Ok(slot)
    }
}

/// Checks and tidies the free-text fields of a row: text trimmed, empty text
/// dropped, no control characters, bounded length; CVEs sorted and unique.
fn normalize(row: &mut Advisory) -> Result<(), ModelError> {
    let n = row.number;
    for (what, field) in [
        ("title", &mut row.title),
        ("mitigation", &mut row.mitigation),
    ] {
        if let Some(text) = field.take() {
            let text = clean_text(&text).map_err(|problem| ModelError::Text {
                number: n,
                field: what,
                problem,
            })?;
            *field = (!text.is_empty()).then_some(text);
        }
    }
    let mut cves = Vec::with_capacity(row.cves.len());
    for cve in &row.cves {
        let cve = cve.trim();
        if cve.is_empty() {
            continue;
        }
        if !is_cve_id(cve) {
            return Err(ModelError::Cve {
                number: n,
                cve: cve.to_string(),
            });
        }
        cves.push(cve.to_string());
    }
    cves.sort();
    cves.dedup();
    row.cves = cves;
    Ok(())
}

/// Trimmed text with whitespace runs (including line breaks) folded to one
/// space; other control characters and over-long text are errors.
pub fn clean_text(text: &str) -> Result<String, TextError> {
    if let Some(c) = text.chars().find(|c| c.is_control() && !c.is_whitespace()) {
        return Err(TextError::ControlCharacter(c));
    }
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.chars().count() > MAX_TEXT_CHARS {
        return Err(TextError::TooLong);
    }
    Ok(folded)
}

/// A free-text field [`clean_text`] refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// A control character other than whitespace.
    #[error("control character {0:?} is not allowed")]
    ControlCharacter(char),
    /// Over [`MAX_TEXT_CHARS`] characters once whitespace is folded.
    #[error("text longer than {MAX_TEXT_CHARS} characters")]
    TooLong,
}

impl Coded for TextError {
    fn code(&self) -> &'static str {
        match self {
            Self::ControlCharacter(_) => "text-control-character",
            Self::TooLong => "text-too-long",
        }
    }
    fn class(&self) -> ErrorClass {
        ErrorClass::Usage
    }
}

/// A value or a decision the tracker's rows refuse. A usage error as such
/// (a bad argument of `secpack xsa set`); reading a tracker file wraps it in
/// a configuration error ([`super::store::StoreError`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// Not `yes`, `no` or `tba`.
    #[error("affected must be yes, no or tba, not {0:?}")]
    Affected(String),
    /// Not `NNN-YYYY`.
    #[error("bulletin {0:?} is not of the form NNN-YYYY (e.g. 002-2012)")]
    BulletinRef(String),
    /// Two rows with one number.
    #[error("advisory {0} appears more than once")]
    Duplicate(u32),
    /// [`Tracker::insert`] of a number already there.
    #[error("advisory {0} is already in the tracker")]
    AlreadyPresent(u32),
    /// [`Tracker::decide`] for a number with no row and no date.
    #[error(
        "advisory {0} is not in the tracker: sync it from upstream first, \
         or give its date (`--date YYYY-MM-DD`) to create the row"
    )]
    NotInTracker(u32),
    /// A title or mitigation note [`clean_text`] refuses.
    #[error("advisory {number}: {field}: {problem}")]
    Text {
        /// The advisory.
        number: u32,
        /// `title` or `mitigation`.
        field: &'static str,
        /// Why.
        problem: TextError,
    },
    /// Not `CVE-YYYY-NNNN`.
    #[error("advisory {number}: {cve:?} is not a CVE identifier (CVE-YYYY-NNNN)")]
    Cve {
        /// The advisory.
        number: u32,
        /// The refused identifier.
        cve: String,
    },
}

impl Coded for ModelError {
    fn code(&self) -> &'static str {
        match self {
            Self::Affected(_) => "affected-invalid",
            Self::BulletinRef(_) => "bulletin-ref-invalid",
            Self::Duplicate(_) => "advisory-duplicate",
            Self::AlreadyPresent(_) => "advisory-exists",
            Self::NotInTracker(_) => "advisory-not-in-tracker",
            Self::Text { problem, .. } => problem.code(),
            Self::Cve { .. } => "cve-invalid",
        }
    }
    fn class(&self) -> ErrorClass {
        ErrorClass::Usage
    }
}

/// `CVE-YYYY-N...`: four-digit year, at least four digits of sequence.
pub fn is_cve_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("CVE-") else {
        return false;
    };
    let Some((year, seq)) = rest.split_once('-') else {
        return false;
    };
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && (4..=19).contains(&seq.len())
        && seq.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn bulletin_refs() {
        let r: BulletinRef = "002-2012".parse().unwrap();
        assert_eq!((r.number, r.year), (2, 2012));
        assert_eq!(r.to_string(), "002-2012");
        assert_eq!(
            "1234-2030".parse::<BulletinRef>().unwrap().to_string(),
            "1234-2030"
        );
        for bad in [
            "",
            "2012",
            "02-12",
            "-2012",
            "002-",
            "a02-2012",
            "002-2012x",
            "0000001-2012",
        ] {
            assert!(bad.parse::<BulletinRef>().is_err(), "{bad}");
        }
    }

    #[test]
    fn duplicates_are_refused_and_rows_sorted() {
        let t = Tracker::from_rows(vec![Advisory::new(3), Advisory::new(1)]).unwrap();
        assert_eq!(
            t.rows().iter().map(|r| r.number).collect::<Vec<_>>(),
            [1, 3]
        );
        let e = Tracker::from_rows(vec![Advisory::new(3), Advisory::new(3)]).unwrap_err();
        assert!(e.to_string().contains("advisory 3"), "{e}");
    }

    #[test]
    fn text_is_cleaned_and_cves_checked() {
        let mut row = Advisory::new(9);
        row.title = Some("  two\n  lines ".into());
        row.mitigation = Some("   ".into());
        row.cves = vec![
            "CVE-2020-0002".into(),
            " CVE-2020-0001".into(),
            "CVE-2020-0002".into(),
        ];
        let t = Tracker::from_rows(vec![row.clone()]).unwrap();
        let r = t.get(9).unwrap();
        assert_eq!(r.title.as_deref(), Some("two lines"));
        assert_eq!(r.mitigation, None);
        assert_eq!(r.cves, ["CVE-2020-0001", "CVE-2020-0002"]);
        row.cves = vec!["CAN-2020-1".into()];
        assert!(Tracker::from_rows(vec![row.clone()]).is_err());
        row.cves.clear();
        row.title = Some("bell\u{7}".into());
        assert!(Tracker::from_rows(vec![row]).is_err());
    }

    #[test]
    fn decisions_replace_the_verdict_only() {
        let mut row = Advisory::new(5);
        row.date = Some(date("2020-01-01"));
        row.title = Some("Title".into());
        row.mitigation = Some("old note".into());
        let mut t = Tracker::from_rows(vec![row]).unwrap();
        let b: BulletinRef = "010-2020".parse().unwrap();
        let r = t
            .decide(
                5,
                Decision::Affected {
                    bulletin: b,
                    mitigation: None,
                },
                None,
            )
            .unwrap()
            .clone();
        assert_eq!(
            (r.affected, r.bulletin, r.mitigation.clone()),
            (Affected::Yes, Some(b), None)
        );
        assert_eq!(r.title.as_deref(), Some("Title"));
        assert_eq!(r.date, Some(date("2020-01-01")));
        let r = t.decide(5, Decision::Unused, None).unwrap();
        assert_eq!(
            (r.affected, r.bulletin, r.unused),
            (Affected::No, None, true)
        );
        let r = t
            .decide(
                5,
                Decision::NotAffected {
                    mitigation: Some("off by default".into()),
                },
                None,
            )
            .unwrap();
        assert!(!r.unused);
        assert_eq!(r.mitigation.as_deref(), Some("off by default"));
    }

    #[test]
    fn decide_needs_a_row_or_a_date() {
        let mut t = Tracker::default();
        let no = Decision::NotAffected { mitigation: None };
        assert!(t.decide(7, no.clone(), None).is_err());
        assert!(t.rows().is_empty());
        let r = t.decide(7, no, Some(date("2021-02-03"))).unwrap();
        assert_eq!((r.number, r.date), (7, Some(date("2021-02-03"))));
    }

    #[test]
    fn cve_ids() {
        assert!(is_cve_id("CVE-2012-0217"));
        assert!(is_cve_id("CVE-2021-28687"));
        for bad in [
            "CVE-12-0217",
            "CVE-2012-21",
            "cve-2012-0217",
            "CVE-2012-0217 ",
            "CVE-2012",
        ] {
            assert!(!is_cve_id(bad), "{bad}");
        }
    }
}
