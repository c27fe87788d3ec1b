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

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use serde::Deserialize;

use super::model::{Advisory, Affected, Tracker};

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
    fn affected(&self) -> Result<Affected> {
        if let Self::Bool(b) = self {
            return Ok(if *b { Affected::Yes } else { Affected::No });
        }
        let t = self.text().to_ascii_lowercase();
        match t.as_str() {
            "yes" | "true" | "y" | "on" => Ok(Affected::Yes),
            "no" | "false" | "n" | "off" => Ok(Affected::No),
            "tba" => Ok(Affected::Tba),
            _ => bail!("affected: {t:?} is neither yes, no nor tba"),
        }
    }

    fn flag(&self, what: &str) -> Result<bool> {
        match self.affected() {
            Ok(Affected::Yes) => Ok(true),
            Ok(Affected::No) => Ok(false),
            _ => bail!("{what}: {:?} is not a boolean", self.text()),
        }
    }
}

/// Reads the text of a Jekyll `sec-xsa.yml` into a tracker.
pub fn import(text: &str) -> Result<Tracker> {
    if text.len() > MAX_JEKYLL_BYTES {
        bail!("the file is larger than {MAX_JEKYLL_BYTES} bytes");
    }
    let rows: Option<Vec<JekyllRow>> = serde_norway::from_str(text)?;
    let rows = rows.unwrap_or_default();
    let mut out = Vec::with_capacity(rows.len());
    for (i, r) in rows.into_iter().enumerate() {
        let row = convert(r).with_context(|| format!("entry {} of the list", i + 1))?;
        out.push(row);
    }
    Tracker::from_rows(out)
}

fn convert(r: JekyllRow) -> Result<Advisory> {
    let number_text = r.xsa.text();
    let number: u32 = number_text
        .parse()
        .ok()
        .filter(|_| number_text.bytes().all(|b| b.is_ascii_digit()))
        .with_context(|| format!("xsa: {number_text:?} is not an advisory number"))?;
    let advisory = (|| -> Result<Advisory> {
        let date = match &r.date {
            None => None,
            Some(d) => {
                let t = d.text();
                let parsed = NaiveDate::parse_from_str(&t, "%Y-%m-%d")
                    .ok()
                    .filter(|_| t.len() == 10);
                Some(parsed.with_context(|| format!("date: {t:?} is not a YYYY-MM-DD date"))?)
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
                .context("qsb")?,
            unused: match &r.unused {
                Some(u) => u.flag("unused")?,
                None => false,
            },
            mitigation: r.mitigation,
            title: r.title,
            cves: r.cve.unwrap_or_default(),
        })
    })();
    advisory.with_context(|| format!("xsa {number}"))
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
            assert!(format!("{e:#}").contains(needle), "{text}: {e:#}");
        }
        let e = import("- xsa: 1\n  affected: no\n- xsa: 2\n  affected: perhaps\n").unwrap_err();
        assert!(format!("{e:#}").contains("entry 2"), "{e:#}");
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
