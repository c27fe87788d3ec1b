//! Recording a triage decision (`secpack xsa set`): the advisory number as a
//! person writes it, the verdict and its bulletin checked against the pack,
//! the row updated in the tracker file.
//!
//! Rules: `123` and `XSA-123` (the pack's upstream prefix, any case) name the
//! same advisory; an affected verdict needs the bulletin that covers it, a
//! bulletin of the pack; a bulletin goes with an affected verdict only (a
//! bulletin confirms the project is affected); `unused` takes neither. The
//! tracker file is written only once the whole decision is valid.

use chrono::NaiveDate;

use super::model::{Advisory, BulletinRef, Decision, ModelError};
use super::store::{self, StoreError};
use crate::bulletin::{resolve_bulletin, BulletinNumberError};
use crate::error::{Coded, ErrorClass};
use crate::pack::Pack;

/// The verdict asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The project is affected (a bulletin is needed).
    Affected,
    /// The project is not affected.
    NotAffected,
    /// The upstream never published the number.
    Unused,
}

/// A triage decision as a person gives it.
#[derive(Debug, Clone, Default)]
pub struct SetRequest {
    /// The advisory number: `123` or `<prefix>-123`.
    pub number: String,
    /// The verdict; `None` is refused.
    pub verdict: Option<Verdict>,
    /// The covering bulletin in any form [`resolve_bulletin`] reads.
    pub bulletin: Option<String>,
    /// A short mitigation note.
    pub mitigation: Option<String>,
    /// The advisory's date (needed when the row does not exist yet).
    pub date: Option<NaiveDate>,
}

/// `123` or `<prefix>-123` (any case) as an advisory number.
pub fn parse_number(s: &str, prefix: &str) -> Result<u32, TriageError> {
    let digits = s
        .get(..prefix.len() + 1)
        .filter(|p| p.eq_ignore_ascii_case(&format!("{prefix}-")))
        .map_or(s, |_| &s[prefix.len() + 1..]);
    let bad = || TriageError::Number {
        text: s.to_string(),
        prefix: prefix.to_string(),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    digits
        .parse()
        .map_err(|_| TriageError::NumberOutOfRange(s.to_string()))
}

/// The decision `request` asks for, its bulletin resolved among `pack`'s.
pub fn decision(pack: &Pack, request: &SetRequest) -> Result<Decision, TriageError> {
    match (request.verdict, request.bulletin.as_deref()) {
        (Some(Verdict::Unused), None) => Ok(Decision::Unused),
        (Some(Verdict::Unused), Some(_)) => Err(TriageError::BulletinWithoutAffected),
        (Some(Verdict::Affected), Some(text)) => {
            let b = resolve_bulletin(pack, text).map_err(|source| TriageError::Bulletin {
                text: text.to_string(),
                source,
            })?;
            Ok(Decision::Affected {
                bulletin: BulletinRef {
                    number: b.number,
                    year: b.year,
                },
                mitigation: request.mitigation.clone(),
            })
        }
        (Some(Verdict::Affected), None) => Err(TriageError::NeedsBulletin(
            pack.config.project.bulletin_id_prefix.clone(),
        )),
        (Some(Verdict::NotAffected), Some(_)) => Err(TriageError::BulletinWithoutAffected),
        (Some(Verdict::NotAffected), None) => Ok(Decision::NotAffected {
            mitigation: request.mitigation.clone(),
        }),
        (None, _) => Err(TriageError::NoVerdict),
    }
}

/// Records `request` in `pack`'s tracker file (created if missing) and
/// returns the row as written. Nothing is written when anything is refused.
pub fn set(pack: &Pack, request: &SetRequest) -> Result<Advisory, TriageError> {
    let path = store::path_in(pack);
    let number = parse_number(&request.number, &pack.config.project.upstream_id_prefix)?;
    let decision = decision(pack, request)?;
    let mut tracker = store::load_if_present(&path)?.unwrap_or_default();
    let row = tracker.decide(number, decision, request.date)?.clone();
    store::save(&tracker, &path)?;
    Ok(row)
}

/// A triage decision that is refused.
#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    /// Not `123` nor `<prefix>-123`.
    #[error("{text:?} is not an advisory number (e.g. 123 or {prefix}-123)")]
    Number {
        /// What was given.
        text: String,
        /// The upstream prefix.
        prefix: String,
    },
    /// Digits that do not fit.
    #[error("{0:?} is out of range")]
    NumberOutOfRange(String),
    /// An affected verdict without its bulletin.
    #[error(
        "--affected yes needs --qsb (the bulletin covering it: 1, 001, 001-2026 or {0}-001-2026)"
    )]
    NeedsBulletin(String),
    /// A bulletin with another verdict than affected.
    #[error("--qsb goes with --affected yes only (a bulletin confirms the project is affected)")]
    BulletinWithoutAffected,
    /// No verdict.
    #[error("give --affected yes|no or --unused")]
    NoVerdict,
    /// The bulletin is not one of the pack's.
    #[error("--qsb {text:?}")]
    Bulletin {
        /// What was given.
        text: String,
        /// Why it is refused.
        #[source]
        source: BulletinNumberError,
    },
    /// The rows refuse the decision (no row and no date, bad text).
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The tracker file cannot be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Coded for TriageError {
    fn code(&self) -> &'static str {
        match self {
            Self::Number { .. } | Self::NumberOutOfRange(_) => "advisory-number",
            Self::NeedsBulletin(_) => "affected-needs-bulletin",
            Self::BulletinWithoutAffected => "bulletin-needs-affected",
            Self::NoVerdict => "verdict-missing",
            Self::Bulletin { source, .. } => source.code(),
            Self::Model(e) => e.code(),
            Self::Store(e) => e.code(),
        }
    }
    fn class(&self) -> ErrorClass {
        match self {
            Self::Bulletin { source, .. } => source.class(),
            Self::Model(e) => e.class(),
            Self::Store(e) => e.class(),
            _ => ErrorClass::Usage,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack_with(bulletins: &[&str], toml: Option<&str>) -> (tempfile::TempDir, Pack) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("QSBs")).unwrap();
        for b in bulletins {
            std::fs::write(dir.path().join("QSBs").join(b), "bulletin\n").unwrap();
        }
        if let Some(t) = toml {
            std::fs::write(dir.path().join("secpack.toml"), t).unwrap();
        }
        let pack = Pack::open(dir.path()).unwrap();
        (dir, pack)
    }

    fn request(number: &str, verdict: Option<Verdict>, bulletin: Option<&str>) -> SetRequest {
        SetRequest {
            number: number.into(),
            verdict,
            bulletin: bulletin.map(str::to_string),
            date: "2024-01-30".parse().ok(),
            ..SetRequest::default()
        }
    }

    #[test]
    fn advisory_numbers() {
        assert_eq!(parse_number("123", "XSA").unwrap(), 123);
        assert_eq!(parse_number("XSA-123", "XSA").unwrap(), 123);
        assert_eq!(parse_number("xsa-7", "XSA").unwrap(), 7);
        assert_eq!(parse_number("CVE-7", "CVE").unwrap(), 7);
        for bad in [
            "",
            "XSA-",
            "XSA123",
            "12a",
            "-1",
            "99999999999",
            "XSB-1",
            "1 ",
        ] {
            let e = parse_number(bad, "XSA").unwrap_err();
            assert_eq!(
                (e.code(), e.class()),
                ("advisory-number", ErrorClass::Usage)
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn every_number_reads_back_in_both_forms(n: u32, lower: bool) {
            let prefix = if lower { "xsa" } else { "XSA" };
            proptest::prop_assert_eq!(parse_number(&n.to_string(), "XSA").unwrap(), n);
            proptest::prop_assert_eq!(parse_number(&format!("{prefix}-{n}"), "XSA").unwrap(), n);
        }

        #[test]
        fn anything_else_is_refused_as_usage(s in "\\PC{0,12}") {
            let digits = match s.get(..4) {
                Some(p) if p.eq_ignore_ascii_case("XSA-") => &s[4..],
                _ => s.as_str(),
            };
            if let Err(e) = parse_number(&s, "XSA") {
                proptest::prop_assert_eq!(e.class(), ErrorClass::Usage);
            } else {
                proptest::prop_assert!(!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()));
            }
        }
    }

    #[test]
    fn verdict_and_bulletin_rules() {
        let (_dir, pack) = pack_with(&["qsb-001-2024.txt"], None);
        let code = |r: SetRequest| decision(&pack, &r).map_err(|e| e.code());
        assert_eq!(
            code(request("1", Some(Verdict::Affected), None)),
            Err("affected-needs-bulletin")
        );
        assert_eq!(
            code(request("1", Some(Verdict::NotAffected), Some("1"))),
            Err("bulletin-needs-affected")
        );
        assert_eq!(
            code(request("1", Some(Verdict::Unused), Some("1"))),
            Err("bulletin-needs-affected")
        );
        assert_eq!(code(request("1", None, None)), Err("verdict-missing"));
        assert_eq!(
            code(request("1", Some(Verdict::Unused), None)),
            Ok(Decision::Unused)
        );
        let affected = decision(&pack, &request("1", Some(Verdict::Affected), Some("QSB-1")));
        assert!(matches!(
            affected,
            Ok(Decision::Affected { bulletin, .. }) if bulletin.is(1, 2024)
        ));
        // A bulletin the pack does not have is a usage error naming it.
        let e = decision(&pack, &request("1", Some(Verdict::Affected), Some("2"))).unwrap_err();
        assert_eq!(e.class(), ErrorClass::Usage);
        assert!(e.to_string().contains("--qsb \"2\""), "{e}");
    }

    #[test]
    fn set_writes_only_a_valid_decision() {
        let (dir, pack) = pack_with(&["qsb-001-2024.txt"], None);
        let file = dir.path().join("tracker/xsa.toml");
        let e = set(&pack, &request("1", Some(Verdict::Affected), None)).unwrap_err();
        assert_eq!(e.code(), "affected-needs-bulletin");
        assert!(!file.exists(), "nothing written on a refusal");
        let mut r = request("XSA-1", Some(Verdict::Affected), Some("001-2024"));
        r.mitigation = Some("PV only".into());
        let row = set(&pack, &r).unwrap();
        assert_eq!(
            (row.number, row.bulletin.map(|b| b.to_string())),
            (1, Some("001-2024".into()))
        );
        assert_eq!(store::load(&file).unwrap().get(1), Some(&row));
        // A number with no row and no date is refused, the file unchanged.
        let before = std::fs::read(&file).unwrap();
        let mut r = request("2", Some(Verdict::NotAffected), None);
        r.date = None;
        let e = set(&pack, &r).unwrap_err();
        assert_eq!(e.code(), "advisory-not-in-tracker");
        // A control character in the note is a usage error.
        let mut r = request("3", Some(Verdict::NotAffected), None);
        r.mitigation = Some("a\u{7}b".into());
        let e = set(&pack, &r).unwrap_err();
        assert_eq!(
            (e.code(), e.class()),
            ("text-control-character", ErrorClass::Usage)
        );
        assert_eq!(std::fs::read(&file).unwrap(), before);
    }

    #[test]
    fn the_tracker_file_must_stay_inside_the_pack() {
        // The pack refuses it when it is opened: a configuration error.
        for file in ["../xsa.toml", "/tmp/xsa.toml", ""] {
            let dir = tempfile::tempdir().unwrap();
            let toml = format!("[tracker]\nfile = {file:?}\n");
            std::fs::write(dir.path().join("secpack.toml"), toml).unwrap();
            let e = Pack::open(dir.path()).unwrap_err();
            let found = crate::error::find(&e).expect("a coded error");
            assert_eq!(found.class, ErrorClass::Config, "{file}");
        }
    }

    #[test]
    fn an_unreadable_tracker_is_a_configuration_error() {
        let (dir, pack) = pack_with(&[], None);
        std::fs::create_dir_all(dir.path().join("tracker/xsa.toml")).unwrap();
        let e = set(&pack, &request("1", Some(Verdict::Unused), None)).unwrap_err();
        assert_eq!(
            (e.code(), e.class()),
            ("tracker-not-a-file", ErrorClass::Config)
        );
        std::fs::remove_dir(dir.path().join("tracker/xsa.toml")).unwrap();
        std::fs::write(dir.path().join("tracker/xsa.toml"), "version = 9\n").unwrap();
        let e = set(&pack, &request("1", Some(Verdict::Unused), None)).unwrap_err();
        assert_eq!(
            (e.code(), e.class()),
            ("tracker-version", ErrorClass::Config)
        );
    }
}
