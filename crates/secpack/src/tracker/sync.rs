//! Bringing the tracker up to date with the upstream list.
//!
//! New advisory numbers enter the tracker as `tba` with their date, title and
//! CVEs. Rows already in the tracker keep their triage (affected, bulletin,
//! unused, mitigation) whatever the upstream says; their title and CVEs follow
//! the upstream when it gives them, and a missing date is filled in. A date
//! that differs from the upstream's is reported, never changed: the tracker's
//! date is the project's record.

use std::path::Path;
use std::time::Duration;

use chrono::NaiveDate;
use serde::Serialize;

use super::model::{Advisory, ModelError, Tracker};
use super::store::{self, StoreError};
use super::upstream::{self, UpstreamAdvisory, UpstreamError};
use crate::error::{Coded, ErrorClass};

/// One difference between the tracker and the upstream list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub enum Change {
    /// A new advisory entered the tracker as `tba`.
    Added {
        /// The advisory number.
        number: u32,
        /// Its date.
        date: Option<NaiveDate>,
        /// Its title.
        title: Option<String>,
        /// Its CVEs.
        cves: Vec<String>,
    },
    /// The title was filled in or updated.
    Title {
        /// The advisory number.
        number: u32,
        /// The title before.
        old: Option<String>,
        /// The title now.
        new: String,
    },
    /// The CVE list was filled in or updated.
    Cves {
        /// The advisory number.
        number: u32,
        /// The CVEs before.
        old: Vec<String>,
        /// The CVEs now.
        new: Vec<String>,
    },
    /// A row without a date took the upstream's.
    DateFilled {
        /// The advisory number.
        number: u32,
        /// The date now.
        date: NaiveDate,
    },
    /// The upstream gives another date; the tracker's is kept (not applied).
    DateDiffers {
        /// The advisory number.
        number: u32,
        /// The tracker's date, kept.
        tracker: NaiveDate,
        /// The upstream's date.
        upstream: NaiveDate,
    },
}

impl Change {
    /// Whether the change was made to the tracker (everything but
    /// [`Change::DateDiffers`], which is only reported).
    pub fn is_applied(&self) -> bool {
        !matches!(self, Self::DateDiffers { .. })
    }

    /// A sentence a person understands.
    pub fn describe(&self, prefix: &str) -> String {
        match self {
            Self::Added {
                number,
                date,
                title,
                ..
            } => format!(
                "{prefix}-{number}: new, to be triaged ({}){}",
                date.map_or("no date".to_string(), |d| d.to_string()),
                title.as_ref().map(|t| format!(": {t}")).unwrap_or_default()
            ),
            Self::Title { number, old, new } => match old {
                None => format!("{prefix}-{number}: title set to {new:?}"),
                Some(old) => format!("{prefix}-{number}: title changed from {old:?} to {new:?}"),
            },
            Self::Cves { number, old, new } => format!(
                "{prefix}-{number}: CVEs changed from [{}] to [{}]",
                old.join(", "),
                new.join(", ")
            ),
            Self::DateFilled { number, date } => format!("{prefix}-{number}: date set to {date}"),
            Self::DateDiffers {
                number,
                tracker,
                upstream,
            } => format!(
                "{prefix}-{number}: upstream date {upstream} differs from the tracker's {tracker} (kept)"
            ),
        }
    }
}

/// Applies the upstream list to the tracker and returns every change, in
/// number order. Triage decisions are never touched.
pub fn apply(
    tracker: &mut Tracker,
    upstream: &[UpstreamAdvisory],
) -> Result<Vec<Change>, super::model::ModelError> {
    let mut changes = Vec::new();
    for up in upstream {
        let Some(row) = tracker.get_mut(up.number) else {
            let mut row = Advisory::new(up.number);
            row.date = up.date;
            row.title = up.title.clone();
            row.cves = up.cves.clone();
            tracker.insert(row)?;
            changes.push(Change::Added {
                number: up.number,
                date: up.date,
                title: up.title.clone(),
                cves: up.cves.clone(),
            });
            continue;
        };
        match (row.date, up.date) {
            (None, Some(date)) => {
                row.date = Some(date);
                changes.push(Change::DateFilled {
                    number: up.number,
                    date,
                });
            }
            (Some(tracker), Some(upstream)) if tracker != upstream => {
                changes.push(Change::DateDiffers {
                    number: up.number,
                    tracker,
                    upstream,
                });
            }
            _ => {}
        }
        if let Some(new) = &up.title {
            if row.title.as_ref() != Some(new) {
                changes.push(Change::Title {
                    number: up.number,
                    old: row.title.replace(new.clone()),
                    new: new.clone(),
                });
            }
        }
        if !up.cves.is_empty() && row.cves != up.cves {
            changes.push(Change::Cves {
                number: up.number,
                old: std::mem::replace(&mut row.cves, up.cves.clone()),
                new: up.cves.clone(),
            });
        }
    }
    Ok(changes)
}

/// What [`sync_file`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncOutcome {
    /// How many advisories the upstream list holds.
    pub upstream_advisories: usize,
    /// Whether the tracker file was written (something changed and this was
    /// not a dry run).
    pub written: bool,
    /// Every difference found, in number order.
    pub changes: Vec<Change>,
    /// Upstream values that were ignored, as sentences.
    pub warnings: Vec<String>,
}

/// Brings the tracker file at `tracker_path` (created if missing) up to date
/// with the upstream list read from `source` (a file or an http(s) URL, see
/// [`upstream::load`]). With `dry_run`, or when nothing changes, nothing is
/// written. The tracker is read before the source, so a broken tracker is
/// reported first.
pub fn sync_file(
    tracker_path: &Path,
    source: &str,
    timeout: Duration,
    dry_run: bool,
) -> Result<SyncOutcome, SyncError> {
    let mut tracker = store::load_if_present(tracker_path)?.unwrap_or_default();
    let list = upstream::load(source, timeout)?;
    let changes = apply(&mut tracker, &list.advisories)?;
    let written = !dry_run && changes.iter().any(Change::is_applied);
    if written {
        store::save(&tracker, tracker_path)?;
    }
    Ok(SyncOutcome {
        upstream_advisories: list.advisories.len(),
        written,
        changes,
        warnings: list.warnings,
    })
}

/// A sync that could not be done.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The tracker file cannot be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The upstream list cannot be read or is not valid.
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    /// An upstream row the tracker refuses.
    #[error(transparent)]
    Model(#[from] ModelError),
}

impl Coded for SyncError {
    fn code(&self) -> &'static str {
        match self {
            Self::Store(e) => e.code(),
            Self::Upstream(e) => e.code(),
            Self::Model(e) => e.code(),
        }
    }
    fn class(&self) -> ErrorClass {
        match self {
            Self::Store(e) => e.class(),
            Self::Upstream(e) => e.class(),
            // Rows come from the upstream here, not from the user.
            Self::Model(_) => ErrorClass::Failure,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::model::{Affected, BulletinRef, Decision};

    fn up(number: u32, date: &str, title: Option<&str>, cves: &[&str]) -> UpstreamAdvisory {
        UpstreamAdvisory {
            number,
            date: Some(date.parse().unwrap()),
            title: title.map(str::to_string),
            cves: cves.iter().map(|c| c.to_string()).collect(),
        }
    }

    fn triaged() -> Tracker {
        let mut t = Tracker::default();
        let d = Some("2020-01-01".parse().unwrap());
        let b: BulletinRef = "050-2020".parse().unwrap();
        t.decide(
            1,
            Decision::Affected {
                bulletin: b,
                mitigation: None,
            },
            d,
        )
        .unwrap();
        t.decide(
            2,
            Decision::NotAffected {
                mitigation: Some("HVM only".into()),
            },
            d,
        )
        .unwrap();
        t
    }

    #[test]
    fn new_rows_enter_as_tba() {
        let mut t = triaged();
        let changes = apply(
            &mut t,
            &[up(3, "2020-02-02", Some("Three"), &["CVE-2020-0003"])],
        )
        .unwrap();
        assert_eq!(changes.len(), 1);
        assert!(matches!(changes[0], Change::Added { number: 3, .. }));
        let r = t.get(3).unwrap();
        assert_eq!(r.affected, Affected::Tba);
        assert_eq!(r.title.as_deref(), Some("Three"));
        assert_eq!(r.cves, ["CVE-2020-0003"]);
        assert_eq!(r.date, Some("2020-02-02".parse().unwrap()));
    }

    #[test]
    fn triage_is_never_overwritten() {
        let mut t = triaged();
        let before = t.clone();
        let changes = apply(
            &mut t,
            &[
                up(1, "2020-01-01", Some("One"), &["CVE-2020-0001"]),
                up(2, "2020-01-03", None, &[]),
            ],
        )
        .unwrap();
        for n in [1, 2] {
            let (a, b) = (t.get(n).unwrap(), before.get(n).unwrap());
            assert_eq!(
                (a.affected, a.bulletin, a.unused, &a.mitigation),
                (b.affected, b.bulletin, b.unused, &b.mitigation)
            );
            assert_eq!(a.date, b.date, "dates are kept");
        }
        assert_eq!(t.get(1).unwrap().title.as_deref(), Some("One"));
        assert_eq!(
            changes,
            [
                Change::Title {
                    number: 1,
                    old: None,
                    new: "One".into()
                },
                Change::Cves {
                    number: 1,
                    old: vec![],
                    new: vec!["CVE-2020-0001".into()]
                },
                Change::DateDiffers {
                    number: 2,
                    tracker: "2020-01-01".parse().unwrap(),
                    upstream: "2020-01-03".parse().unwrap()
                },
            ]
        );
        assert!(!changes[2].is_applied());
    }

    #[test]
    fn changed_titles_are_reported_and_missing_fields_keep_ours() {
        let mut t = triaged();
        apply(
            &mut t,
            &[up(1, "2020-01-01", Some("Old"), &["CVE-2020-0001"])],
        )
        .unwrap();
        let changes = apply(&mut t, &[up(1, "2020-01-01", Some("New"), &[])]).unwrap();
        assert_eq!(
            changes,
            [Change::Title {
                number: 1,
                old: Some("Old".into()),
                new: "New".into()
            }]
        );
        assert_eq!(
            t.get(1).unwrap().cves,
            ["CVE-2020-0001"],
            "an empty upstream list erases nothing"
        );
        let again = apply(
            &mut t,
            &[up(1, "2020-01-01", Some("New"), &["CVE-2020-0001"])],
        )
        .unwrap();
        assert!(again.is_empty(), "{again:?}");
    }

    #[test]
    fn missing_dates_are_filled() {
        let mut t = Tracker::default();
        t.insert(Advisory::new(9)).unwrap();
        let changes = apply(&mut t, &[up(9, "2021-09-09", None, &[])]).unwrap();
        assert_eq!(
            changes,
            [Change::DateFilled {
                number: 9,
                date: "2021-09-09".parse().unwrap()
            }]
        );
        assert_eq!(t.get(9).unwrap().date, Some("2021-09-09".parse().unwrap()));
    }
}
