//! Bulletin identifiers: one format everywhere, one parser for what people
//! type.
//!
//! A bulletin's identifier is `project.bulletin_id_prefix`, its number (three
//! digits at least) and the year of its file name: `QSB-001-2026`, the name
//! of `QSBs/qsb-001-2026.txt`. The site, the API, the OSV and CSAF exports
//! all use it ([`bulletin_id`], [`document_id`]); OSV puts its database
//! prefix in front (`x_QSB-001-2026`).
//!
//! Commands that take a bulletin (`inbox status --qsb`, `xsa set --qsb`)
//! read it with [`resolve_bulletin`]: `1`, `001`, `001-2026`, `QSB-001-2026`
//! or `QSB-001` (the prefix in any case, the file-name prefix `qsb` too), and
//! find that bulletin in the pack, or say clearly why not.

use std::fmt;

use serde::Serialize;

use crate::config::PackConfig;
use crate::pack::{NumberedName, Pack};

/// The identifier of bulletin `number` of `year`: `QSB-001-2026`.
pub fn bulletin_id(config: &PackConfig, number: u32, year: i32) -> String {
    format!(
        "{}-{number:03}-{year:04}",
        config.project.bulletin_id_prefix
    )
}

/// The identifier of a numbered document of the pack: `prefix`, the number
/// (three digits at least), the year, and the suffix of a letter published
/// beside it (`QSB-001-2026`, `canary-040-2024-letter`).
pub fn document_id(prefix: &str, name: &NumberedName) -> String {
    let suffix = name
        .suffix
        .as_deref()
        .map(|s| format!("-{s}"))
        .unwrap_or_default();
    format!("{prefix}-{:03}-{:04}{suffix}", name.number, name.year)
}

/// A bulletin as someone wrote it on the command line: a number, and maybe
/// the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulletinNumber {
    /// The number.
    pub number: u32,
    /// The year, when given.
    pub year: Option<i32>,
}

impl BulletinNumber {
    /// Reads `1`, `001`, `001-2026`, `QSB-001-2026` or `QSB-001`. The prefix
    /// is `config`'s `project.bulletin_id_prefix` or its bulletin file-name
    /// prefix, in any case.
    pub fn parse(config: &PackConfig, text: &str) -> Result<Self, BulletinNumberError> {
        let bad = || BulletinNumberError::Malformed {
            text: text.to_string(),
            prefix: config.project.bulletin_id_prefix.clone(),
        };
        let t = text.trim();
        let rest = [
            config.project.bulletin_id_prefix.as_str(),
            config.layout.bulletin_prefix.as_str(),
        ]
        .iter()
        .filter(|p| !p.is_empty())
        .find_map(|p| {
            let head = t.get(..p.len())?;
            let tail = t.get(p.len()..)?.strip_prefix('-')?;
            head.eq_ignore_ascii_case(p).then_some(tail)
        })
        .unwrap_or(t);
        let (number, year) = match rest.split_once('-') {
            Some((n, y)) => (n, Some(y)),
            None => (rest, None),
        };
        let digits = |s: &str, max: usize| {
            !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
        };
        if !digits(number, 6) || year.is_some_and(|y| y.len() != 4 || !digits(y, 4)) {
            return Err(bad());
        }
        Ok(Self {
            number: number.parse().map_err(|_| bad())?,
            year: year.map(|y| y.parse()).transpose().map_err(|_| bad())?,
        })
    }
}

/// A bulletin of the pack that a [`BulletinNumber`] names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolvedBulletin {
    /// Its number.
    pub number: u32,
    /// The year of its file name.
    pub year: i32,
    /// Its identifier (`QSB-001-2026`).
    pub id: String,
    /// Pack-relative path of its text.
    pub path: String,
}

impl fmt::Display for ResolvedBulletin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.id, self.path)
    }
}

/// Why a bulletin given on the command line was not found. Each has a stable
/// code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BulletinNumberError {
    /// Not a bulletin number at all.
    #[error("{text:?} is not a bulletin number (write 1, 001, 001-2026 or {prefix}-001-2026)")]
    Malformed {
        /// What was given.
        text: String,
        /// The pack's identifier prefix, for the example.
        prefix: String,
    },
    /// The pack has no bulletin of that number (and year).
    #[error("the pack has no bulletin {wanted}{}", known_list(.known))]
    NoSuchBulletin {
        /// The identifier looked for (`QSB-099` or `QSB-001-2025`).
        wanted: String,
        /// The identifiers of the pack's bulletins.
        known: Vec<String>,
    },
    /// The number alone names several bulletins (of different years).
    #[error("{wanted} names several bulletins ({}): give the year too", .candidates.join(", "))]
    Ambiguous {
        /// The identifier looked for.
        wanted: String,
        /// The bulletins it names.
        candidates: Vec<String>,
    },
}

impl BulletinNumberError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "bad-bulletin-number",
            Self::NoSuchBulletin { .. } => "no-such-bulletin",
            Self::Ambiguous { .. } => "ambiguous-bulletin-number",
        }
    }
}

/// `; its bulletins are A, B, C` (the last few), or that it has none.
fn known_list(known: &[String]) -> String {
    const SHOWN: usize = 5;
    match known.len() {
        0 => "; it has no bulletin yet".to_string(),
        n if n <= SHOWN => format!("; its bulletins are {}", known.join(", ")),
        n => format!(
            "; its latest bulletins are {}",
            known[n - SHOWN..].join(", ")
        ),
    }
}

/// Finds the bulletin `text` names among the numbered bulletins of `pack`
/// (letters published beside them are not bulletins).
pub fn resolve_bulletin(pack: &Pack, text: &str) -> Result<ResolvedBulletin, BulletinNumberError> {
    let config = &pack.config;
    let wanted = BulletinNumber::parse(config, text)?;
    let all: Vec<ResolvedBulletin> = pack
        .bulletins()
        .into_iter()
        .filter(|(n, _)| n.suffix.is_none())
        .map(|(n, f)| ResolvedBulletin {
            number: n.number,
            year: n.year,
            id: bulletin_id(config, n.number, n.year),
            path: f.path.clone(),
        })
        .collect();
    let mut found: Vec<&ResolvedBulletin> = all
        .iter()
        .filter(|b| b.number == wanted.number && wanted.year.is_none_or(|y| y == b.year))
        .collect();
    let wanted_id = match wanted.year {
        Some(y) => bulletin_id(config, wanted.number, y),
        None => format!("{}-{:03}", config.project.bulletin_id_prefix, wanted.number),
    };
    match found.len() {
        0 => Err(BulletinNumberError::NoSuchBulletin {
            wanted: wanted_id,
            known: all.iter().map(|b| b.id.clone()).collect(),
        }),
        1 => Ok(found.remove(0).clone()),
        _ => Err(BulletinNumberError::Ambiguous {
            wanted: wanted_id,
            candidates: found.iter().map(|b| b.id.clone()).collect(),
        }),
    }
}

impl crate::error::Coded for BulletinNumberError {
    fn code(&self) -> &'static str {
        BulletinNumberError::code(self)
    }
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass;
        ErrorClass::Usage
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> PackConfig {
        PackConfig::default()
    }

    #[test]
    fn ids_have_one_format() {
        let c = config();
        assert_eq!(bulletin_id(&c, 1, 2026), "QSB-001-2026");
        assert_eq!(bulletin_id(&c, 1234, 2030), "QSB-1234-2030");
        let letter = NumberedName {
            number: 40,
            year: 2024,
            suffix: Some("letter".into()),
        };
        assert_eq!(document_id("canary", &letter), "canary-040-2024-letter");
    }

    #[test]
    fn every_written_form_is_read() {
        let c = config();
        let n = |number, year| BulletinNumber { number, year };
        for (text, want) in [
            ("1", n(1, None)),
            ("001", n(1, None)),
            (" 001 ", n(1, None)),
            ("001-2026", n(1, Some(2026))),
            ("1-2026", n(1, Some(2026))),
            ("QSB-001-2026", n(1, Some(2026))),
            ("qsb-001-2026", n(1, Some(2026))),
            ("QSB-7", n(7, None)),
            ("123456", n(123456, None)),
        ] {
            assert_eq!(BulletinNumber::parse(&c, text), Ok(want), "{text}");
        }
        for bad in [
            "",
            "QSB",
            "QSB-",
            "x1",
            "-1",
            "1-",
            "1-26",
            "1-20260",
            "001-2026-3",
            "XSA-1",
            "1234567",
            "QSB-001-2026.txt",
            "１",
        ] {
            let e = BulletinNumber::parse(&c, bad).unwrap_err();
            assert_eq!(e.code(), "bad-bulletin-number", "{bad}");
            assert!(e.to_string().contains("QSB-001-2026"), "{e}");
        }
    }

    #[test]
    fn another_prefix_comes_from_the_config() {
        let mut c = config();
        c.project.bulletin_id_prefix = "DSB".into();
        assert_eq!(
            BulletinNumber::parse(&c, "dsb-002-2026").unwrap().year,
            Some(2026)
        );
        // The file-name prefix is read too.
        assert_eq!(BulletinNumber::parse(&c, "qsb-002").unwrap().number, 2);
        assert!(BulletinNumber::parse(&c, "ABC-002").is_err());
    }

    #[test]
    fn the_bulletin_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let q = dir.path().join("QSBs");
        std::fs::create_dir_all(&q).unwrap();
        for f in [
            "qsb-001-2025.txt",
            "qsb-002-2026.txt",
            "qsb-002-2026-letter.txt",
            "qsb-003-2026.txt",
            "qsb-003-2027.txt",
        ] {
            std::fs::write(q.join(f), "text\n").unwrap();
        }
        let pack = Pack::open(dir.path()).unwrap();
        let b = resolve_bulletin(&pack, "2").unwrap();
        assert_eq!(b.id, "QSB-002-2026");
        assert_eq!(b.path, "QSBs/qsb-002-2026.txt");
        for text in ["1", "001", "001-2025", "QSB-001-2025", "qsb-1"] {
            assert_eq!(resolve_bulletin(&pack, text).unwrap().id, "QSB-001-2025");
        }
        let e = resolve_bulletin(&pack, "99").unwrap_err();
        assert_eq!(e.code(), "no-such-bulletin");
        assert!(e.to_string().contains("QSB-099"), "{e}");
        assert!(e.to_string().contains("QSB-002-2026"), "{e}");
        // The right number in the wrong year does not exist either.
        let e = resolve_bulletin(&pack, "001-2026").unwrap_err();
        assert_eq!(e.code(), "no-such-bulletin");
        assert!(e.to_string().contains("QSB-001-2026"), "{e}");
        // Two years with one number: the year decides.
        let e = resolve_bulletin(&pack, "3").unwrap_err();
        assert_eq!(e.code(), "ambiguous-bulletin-number");
        assert_eq!(
            resolve_bulletin(&pack, "003-2027").unwrap().path,
            "QSBs/qsb-003-2027.txt"
        );
        assert_eq!(
            resolve_bulletin(&pack, "x").unwrap_err().code(),
            "bad-bulletin-number"
        );
        // An empty pack says so.
        let empty = tempfile::tempdir().unwrap();
        let pack = Pack::open(empty.path()).unwrap();
        let e = resolve_bulletin(&pack, "1").unwrap_err();
        assert!(e.to_string().contains("no bulletin yet"), "{e}");
    }
}
