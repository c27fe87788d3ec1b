//! The lifecycle of a bulletin: first issue, revisions, withdrawal.
//!
//! When the pack is a git repository (or a folder inside one), the dates come
//! from its history, read with gitoxide: the bulletin is *published* when the
//! first commit holding its text was made, *modified* when the last commit
//! that changed its text or its sidecar was made, and each such commit after
//! the first is a *revision*. A revision's summary is that of the
//! `[[revisions]]` entry the commit added to the sidecar (see
//! [`super::sidecar`]), or the commit's subject when it added none; the
//! commit that added `[withdrawn]` dates the withdrawal. Changes not yet
//! committed (a revision or withdrawal in the working tree only) keep the
//! sidecar's own dates, and the export says so.
//!
//! Without git (a pack copied from a tarball), the sidecar's dates are used:
//! published is the date of issue (`date`, else the text's), each
//! `[[revisions]]` entry is a revision on its `date`, `[withdrawn]` its date,
//! and modified is the latest of those and `modified`. Every date is then the
//! start of the day, UTC.
//!
//! [`revise`] and [`withdraw`] record a revision or the withdrawal in the
//! sidecar (written to a temporary file, then renamed into place).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use gix::hash::ObjectId;
use serde::Serialize;

use super::sidecar::Sidecar;

/// Why a bulletin's history or lifecycle could not be read or changed. Each
/// has a stable code.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    /// The git repository exists but could not be read.
    #[error("reading the git history of {root}: {message}")]
    Git {
        /// The pack root.
        root: String,
        /// What failed.
        message: String,
    },
    /// The bulletin is already withdrawn.
    #[error("{path} is already withdrawn ({date}: {reason})")]
    AlreadyWithdrawn {
        /// Pack-relative path of the bulletin.
        path: String,
        /// When.
        date: NaiveDate,
        /// Why.
        reason: String,
    },
    /// A withdrawn bulletin is not revised.
    #[error("{path} is withdrawn; a withdrawn bulletin is not revised")]
    Withdrawn {
        /// Pack-relative path of the bulletin.
        path: String,
    },
    /// The summary or reason given is empty or holds control characters.
    #[error("the {what} must be one line of text, not empty")]
    BadText {
        /// `summary` or `reason`.
        what: &'static str,
    },
    /// The sidecar could not be read, or the change would make it invalid.
    #[error("{path}: {message}")]
    Sidecar {
        /// Pack-relative path of the sidecar.
        path: String,
        /// What is wrong.
        message: String,
    },
}

impl LifecycleError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Git { .. } => "git-history-unreadable",
            Self::AlreadyWithdrawn { .. } => "already-withdrawn",
            Self::Withdrawn { .. } => "bulletin-withdrawn",
            Self::BadText { .. } => "bad-text",
            Self::Sidecar { .. } => "invalid-sidecar",
        }
    }
}

/// Where a bulletin's dates come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatesFrom {
    /// The git history of the bulletin and its sidecar.
    Git,
    /// The dates written in the sidecar and the text (no git history).
    Sidecar,
}

/// A revision after the first issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revision {
    /// When it was made.
    pub date: DateTime<Utc>,
    /// What changed.
    pub summary: String,
}

/// A withdrawal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Withdrawal {
    /// When.
    pub date: DateTime<Utc>,
    /// Why.
    pub reason: String,
}

/// A bulletin's first issue, revisions and withdrawal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lifecycle {
    /// First issue.
    pub published: DateTime<Utc>,
    /// Last change (the first issue when never changed).
    pub modified: DateTime<Utc>,
    /// Revisions after the first issue, oldest first (the withdrawal, when
    /// it is one, included).
    pub revisions: Vec<Revision>,
    /// The withdrawal, if any.
    pub withdrawn: Option<Withdrawal>,
    /// Where the dates come from.
    pub dates_from: DatesFrom,
    /// Changes in the working tree that no commit holds yet (their dates
    /// are the sidecar's).
    pub uncommitted: bool,
}

/// The start of `d`, UTC.
pub fn start_of_day(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()
}

/// The summary of a revision the sidecar gives only as `modified`.
pub const REVISED: &str = "Revised by the security team.";

/// The summary of a withdrawal revision.
fn withdrawal_summary(reason: &str) -> String {
    format!("Withdrawn: {reason}")
}

/// The lifecycle from the sidecar's dates alone (no git history): see the
/// module documentation.
pub fn from_sidecar(issued: NaiveDate, sidecar: Option<&Sidecar>) -> Lifecycle {
    let published = start_of_day(issued);
    let mut revisions: Vec<Revision> = sidecar
        .and_then(|s| s.revisions.as_ref())
        .into_iter()
        .flatten()
        .map(|r| Revision {
            date: start_of_day(r.date),
            summary: r.summary.clone(),
        })
        .collect();
    let withdrawn = sidecar
        .and_then(|s| s.withdrawn.as_ref())
        .map(|w| Withdrawal {
            date: start_of_day(w.date),
            reason: w.reason.clone(),
        });
    if let Some(w) = &withdrawn {
        revisions.push(Revision {
            date: w.date,
            summary: withdrawal_summary(&w.reason),
        });
    }
    // A `modified` later than every revision listed is a revision of its
    // own (sidecars written before `[[revisions]]` existed say only that).
    let listed = revisions
        .iter()
        .map(|r| r.date)
        .fold(published, DateTime::max);
    if let Some(stated) = sidecar.and_then(|s| s.modified).map(start_of_day) {
        if stated > listed {
            revisions.push(Revision {
                date: stated,
                summary: REVISED.to_string(),
            });
            revisions.sort_by_key(|r| r.date);
        }
    }
    let modified = revisions
        .iter()
        .map(|r| r.date)
        .fold(published, DateTime::max);
    Lifecycle {
        published,
        modified,
        revisions,
        withdrawn,
        dates_from: DatesFrom::Sidecar,
        uncommitted: false,
    }
}

/// A commit that changed a bulletin's text or sidecar.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The commit id (hex).
    pub commit: String,
    /// Its committer date.
    pub time: DateTime<Utc>,
    /// The first line of its message.
    pub subject: String,
    /// Whether the bulletin's text exists in that commit.
    pub has_text: bool,
    /// The sidecar as committed there (`None` when absent or invalid).
    pub sidecar: Option<Sidecar>,
}

/// The lifecycle from the commits that changed the bulletin (any order) and
/// the sidecar of the working tree; `None` when no commit holds the text (a
/// bulletin not committed yet).
pub fn from_changes(changes: &[Change], current: Option<&Sidecar>) -> Option<Lifecycle> {
    let mut changes: Vec<&Change> = changes.iter().collect();
    changes.sort_by_key(|c| c.time);
    let first = changes.iter().position(|c| c.has_text)?;
    let published = changes[first].time;
    let mut revisions = Vec::new();
    let mut withdrawn: Option<Withdrawal> = None;
    let count = |s: Option<&Sidecar>| s.and_then(|s| s.revisions.as_ref()).map_or(0, Vec::len);
    let mut seen = count(changes[first].sidecar.as_ref());
    if let Some(w) = changes[first]
        .sidecar
        .as_ref()
        .and_then(|s| s.withdrawn.as_ref())
    {
        withdrawn = Some(Withdrawal {
            date: changes[first].time,
            reason: w.reason.clone(),
        });
    }
    let mut modified = published;
    for c in &changes[first + 1..] {
        modified = modified.max(c.time);
        let mut said: Vec<String> = Vec::new();
        let now = count(c.sidecar.as_ref());
        if now > seen {
            let entries = c.sidecar.as_ref().and_then(|s| s.revisions.as_ref());
            said.extend(
                entries
                    .into_iter()
                    .flatten()
                    .skip(seen)
                    .map(|r| r.summary.clone()),
            );
            seen = now;
        }
        let w = c.sidecar.as_ref().and_then(|s| s.withdrawn.as_ref());
        match (w, &withdrawn) {
            (Some(w), None) => {
                said.push(withdrawal_summary(&w.reason));
                withdrawn = Some(Withdrawal {
                    date: c.time,
                    reason: w.reason.clone(),
                });
            }
            (None, Some(_)) => withdrawn = None,
            _ => {}
        }
        let summary = if said.is_empty() {
            let s = c.subject.trim();
            if s.is_empty() {
                "Updated.".to_string()
            } else {
                s.to_string()
            }
        } else {
            said.join(" ")
        };
        revisions.push(Revision {
            date: c.time,
            summary,
        });
    }
    // What the working tree holds and no commit does yet.
    let mut uncommitted = false;
    if let Some(s) = current {
        for r in s.revisions.iter().flatten().skip(seen) {
            let date = start_of_day(r.date).max(modified);
            revisions.push(Revision {
                date,
                summary: r.summary.clone(),
            });
            modified = date;
            uncommitted = true;
        }
        if let (Some(w), None) = (&s.withdrawn, &withdrawn) {
            let date = start_of_day(w.date).max(modified);
            revisions.push(Revision {
                date,
                summary: withdrawal_summary(&w.reason),
            });
            withdrawn = Some(Withdrawal {
                date,
                reason: w.reason.clone(),
            });
            modified = date;
            uncommitted = true;
        }
    }
    Some(Lifecycle {
        published,
        modified,
        revisions,
        withdrawn,
        dates_from: DatesFrom::Git,
        uncommitted,
    })
}

/// One commit of the history, as needed here.
struct CommitInfo {
    id: ObjectId,
    time: DateTime<Utc>,
    subject: String,
    tree: ObjectId,
    first_parent: Option<ObjectId>,
}

/// The git history of a pack: every commit reachable from HEAD.
pub struct History {
    repo: gix::Repository,
    /// The pack root relative to the work tree (`""` when it is the work
    /// tree), with `/` separators and a trailing `/` when not empty.
    prefix: String,
    commits: Vec<CommitInfo>,
    /// Per commit, the tree id of a folder (cached by folder).
    folders: HashMap<String, HashMap<ObjectId, Option<ObjectId>>>,
}

impl History {
    /// Reads the history of the git repository holding `root`; `None` when
    /// `root` is in no git repository, or the repository has no commit yet.
    pub fn open(root: &Path) -> Result<Option<Self>, LifecycleError> {
        let err = |e: &dyn std::fmt::Display| LifecycleError::Git {
            root: root.display().to_string(),
            message: e.to_string(),
        };
        let Ok(repo) = gix::discover(root) else {
            return Ok(None);
        };
        let Some(workdir) = repo.workdir() else {
            return Ok(None);
        };
        let workdir = workdir.canonicalize().map_err(|e| err(&e))?;
        let root_abs = root.canonicalize().map_err(|e| err(&e))?;
        let Ok(rel) = root_abs.strip_prefix(&workdir) else {
            return Ok(None);
        };
        let prefix = relative_prefix(rel);
        let Ok(head) = repo.head_id() else {
            return Ok(None);
        };
        let walk = repo.rev_walk([head.detach()]).all().map_err(|e| err(&e))?;
        let mut commits = Vec::new();
        for info in walk {
            let info = info.map_err(|e| err(&e))?;
            let commit = info.object().map_err(|e| err(&e))?;
            let time = commit.time().map_err(|e| err(&e))?;
            let subject = commit
                .message()
                .map(|m| m.summary().to_string())
                .unwrap_or_default();
            commits.push(CommitInfo {
                id: info.id,
                time: DateTime::from_timestamp(time.seconds, 0).unwrap_or_default(),
                subject,
                tree: commit.tree_id().map_err(|e| err(&e))?.detach(),
                first_parent: commit.parent_ids().next().map(|p| p.detach()),
            });
        }
        Ok(Some(Self {
            repo,
            prefix,
            commits,
            folders: HashMap::new(),
        }))
    }

    /// The commits that changed the file `rel` (pack-relative) or the file
    /// `sidecar_rel` beside it, compared with their first parent (any
    /// order), with the sidecar as committed.
    pub fn changes(&mut self, rel: &str, sidecar_rel: &str) -> Result<Vec<Change>, LifecycleError> {
        let full = format!("{}{rel}", self.prefix);
        let (folder, name) = full.rsplit_once('/').unwrap_or(("", full.as_str()));
        let sidecar_name = sidecar_rel.rsplit('/').next().unwrap_or(sidecar_rel);
        self.cache_folder(folder)?;
        let folders = &self.folders[folder];
        let by_id: HashMap<ObjectId, &CommitInfo> =
            self.commits.iter().map(|c| (c.id, c)).collect();
        let mut out = Vec::new();
        for c in &self.commits {
            let here = folders.get(&c.id).copied().flatten();
            let parent = c.first_parent.filter(|p| by_id.contains_key(p));
            let before = parent.and_then(|p| folders.get(&p).copied().flatten());
            if parent.is_some() && here == before {
                continue;
            }
            let [text, sidecar] = self.entries(here, [name, sidecar_name])?;
            let [text_before, sidecar_before] = self.entries(before, [name, sidecar_name])?;
            if text == text_before && sidecar == sidecar_before {
                continue;
            }
            let sidecar_parsed = match sidecar {
                Some(id) => self.blob(id)?.and_then(|t| Sidecar::parse(&t).ok()),
                None => None,
            };
            out.push(Change {
                commit: c.id.to_string(),
                time: c.time,
                subject: c.subject.clone(),
                has_text: text.is_some(),
                sidecar: sidecar_parsed,
            });
        }
        Ok(out)
    }

    fn err(&self, e: &dyn std::fmt::Display) -> LifecycleError {
        LifecycleError::Git {
            root: self.prefix.clone(),
            message: e.to_string(),
        }
    }

    /// Fills the folder cache: the tree id of `folder` in every commit.
    fn cache_folder(&mut self, folder: &str) -> Result<(), LifecycleError> {
        if self.folders.contains_key(folder) {
            return Ok(());
        }
        let mut ids = HashMap::new();
        for c in &self.commits {
            let id = if folder.is_empty() {
                Some(c.tree)
            } else {
                let tree = self.repo.find_tree(c.tree).map_err(|e| self.err(&e))?;
                tree.lookup_entry_by_path(folder)
                    .map_err(|e| self.err(&e))?
                    .filter(|e| e.mode().is_tree())
                    .map(|e| e.object_id())
            };
            ids.insert(c.id, id);
        }
        self.folders.insert(folder.to_string(), ids);
        Ok(())
    }

    /// The blob ids of files `names` in the folder tree `tree`.
    fn entries(
        &self,
        tree: Option<ObjectId>,
        names: [&str; 2],
    ) -> Result<[Option<ObjectId>; 2], LifecycleError> {
        let Some(tree) = tree else {
            return Ok([None, None]);
        };
        let tree = self.repo.find_tree(tree).map_err(|e| self.err(&e))?;
        let decoded = tree.decode().map_err(|e| self.err(&e))?;
        let find = |name: &str| {
            decoded
                .entries
                .iter()
                .find(|e| e.filename == name && e.mode.is_blob())
                .map(|e| e.oid.to_owned())
        };
        Ok([find(names[0]), find(names[1])])
    }

    /// The text of a blob, when it is UTF-8 and at most 1 MiB.
    fn blob(&self, id: ObjectId) -> Result<Option<String>, LifecycleError> {
        let blob = self.repo.find_blob(id).map_err(|e| self.err(&e))?;
        if blob.data.len() as u64 > super::sidecar::MAX_SIDECAR_BYTES {
            return Ok(None);
        }
        Ok(String::from_utf8(blob.data.clone()).ok())
    }
}

/// `a/b/` of a relative path `a/b` (`""` for an empty one).
fn relative_prefix(rel: &Path) -> String {
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("{}/", parts.join("/"))
    }
}

/// What [`revise`] or [`withdraw`] changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LifecycleEdit {
    /// Pack-relative path of the bulletin.
    pub bulletin: String,
    /// Pack-relative path of the sidecar written.
    pub sidecar: String,
    /// Whether the sidecar was created.
    pub created: bool,
    /// The date recorded.
    pub date: NaiveDate,
}

/// Records a revision of the bulletin at `root`/`rel` in its sidecar: a
/// `[[revisions]]` entry dated `date` with `summary`. The sidecar is created
/// when missing. A withdrawn bulletin is not revised.
pub fn revise(
    root: &Path,
    rel: &str,
    date: NaiveDate,
    summary: &str,
) -> Result<LifecycleEdit, LifecycleError> {
    let summary = one_line(summary, "summary")?;
    edit(root, rel, date, |path, s| {
        if s.withdrawn.is_some() {
            return Err(LifecycleError::Withdrawn {
                path: path.to_string(),
            });
        }
        Ok(format!(
            "\n[[revisions]]\ndate = {date}\nsummary = {}\n",
            toml_string(&summary)
        ))
    })
}

/// Records the withdrawal of the bulletin at `root`/`rel` in its sidecar:
/// `[withdrawn]` dated `date` with `reason`. A bulletin already withdrawn is
/// refused.
pub fn withdraw(
    root: &Path,
    rel: &str,
    date: NaiveDate,
    reason: &str,
) -> Result<LifecycleEdit, LifecycleError> {
    let reason = one_line(reason, "reason")?;
    edit(root, rel, date, |path, s| {
        if let Some(w) = &s.withdrawn {
            return Err(LifecycleError::AlreadyWithdrawn {
                path: path.to_string(),
                date: w.date,
                reason: w.reason.clone(),
            });
        }
        Ok(format!(
            "\n[withdrawn]\ndate = {date}\nreason = {}\n",
            toml_string(&reason)
        ))
    })
}

/// Appends what `addition` returns to the sidecar of `rel` (created when
/// missing), checks that the result is a valid sidecar, and writes it in
/// one rename.
fn edit(
    root: &Path,
    rel: &str,
    date: NaiveDate,
    addition: impl FnOnce(&str, &Sidecar) -> Result<String, LifecycleError>,
) -> Result<LifecycleEdit, LifecycleError> {
    let sidecar_rel = Sidecar::path_for(Path::new(rel))
        .to_string_lossy()
        .into_owned();
    let bad = |message: String| LifecycleError::Sidecar {
        path: sidecar_rel.clone(),
        message,
    };
    let bulletin_path = root.join(rel);
    let current = Sidecar::load_beside(&bulletin_path).map_err(|e| bad(e.to_string()))?;
    let path: PathBuf = Sidecar::path_for(&bulletin_path);
    let created = current.is_none();
    let old_text = if created {
        String::new()
    } else {
        std::fs::read_to_string(&path).map_err(|e| bad(e.to_string()))?
    };
    let add = addition(rel, &current.unwrap_or_default())?;
    let mut text = old_text;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    if created {
        text.push_str(
            "# Fields of the bulletin beside this file; see docs/machine-readable-advisories.md.\n",
        );
    }
    text.push_str(&add);
    Sidecar::parse(&text).map_err(|e| bad(format!("the change would make it invalid: {e}")))?;
    crate::fsutil::write_atomic(&path, text.as_bytes(), true).map_err(|e| bad(e.to_string()))?;
    Ok(LifecycleEdit {
        bulletin: rel.to_string(),
        sidecar: sidecar_rel,
        created,
        date,
    })
}

/// `text` trimmed, when it is one line of printable text.
fn one_line(text: &str, what: &'static str) -> Result<String, LifecycleError> {
    let t = text.trim();
    if t.is_empty() || t.chars().any(char::is_control) {
        return Err(LifecycleError::BadText { what });
    }
    Ok(t.to_string())
}

/// A TOML basic string holding `s`.
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

impl crate::error::Coded for LifecycleError {
    fn code(&self) -> &'static str {
        LifecycleError::code(self)
    }
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass;
        match self {
            Self::Git { .. } => ErrorClass::Io,
            _ => ErrorClass::Failure,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        ymd(y, m, d).and_hms_opt(h, 0, 0).unwrap().and_utc()
    }

    fn sidecar(text: &str) -> Sidecar {
        Sidecar::parse(text).unwrap()
    }

    #[test]
    fn without_git_the_sidecar_dates_are_used() {
        let l = from_sidecar(ymd(2024, 1, 10), None);
        assert_eq!(l.published, at(2024, 1, 10, 0));
        assert_eq!(l.modified, l.published);
        assert!(l.revisions.is_empty() && l.withdrawn.is_none());
        assert_eq!(l.dates_from, DatesFrom::Sidecar);
        let s = sidecar(
            "modified = 2024-01-20\n[[revisions]]\ndate = 2024-01-15\nsummary = \"A.\"\n\
             [withdrawn]\ndate = 2024-02-01\nreason = \"Dup.\"\n",
        );
        let l = from_sidecar(ymd(2024, 1, 10), Some(&s));
        assert_eq!(l.revisions.len(), 2);
        assert_eq!(l.revisions[0].summary, "A.");
        assert_eq!(l.revisions[1].summary, "Withdrawn: Dup.");
        assert_eq!(l.withdrawn.as_ref().unwrap().date, at(2024, 2, 1, 0));
        assert_eq!(l.modified, at(2024, 2, 1, 0));
        // `modified` alone is a revision of its own.
        let l = from_sidecar(ymd(2024, 1, 10), Some(&sidecar("modified = 2024-01-20")));
        assert_eq!(l.modified, at(2024, 1, 20, 0));
        assert_eq!(l.revisions.len(), 1);
        assert_eq!(l.revisions[0].summary, REVISED);
    }

    fn change(t: DateTime<Utc>, subject: &str, has_text: bool, s: Option<&str>) -> Change {
        Change {
            commit: format!("{:040x}", t.timestamp()),
            time: t,
            subject: subject.into(),
            has_text,
            sidecar: s.map(sidecar),
        }
    }

    #[test]
    fn git_changes_give_each_revision_its_commit_date_and_summary() {
        let rev1 = "[[revisions]]\ndate = 2024-01-01\nsummary = \"Packages for 4.3.\"\n";
        let rev2 = format!("{rev1}[[revisions]]\ndate = 2024-01-01\nsummary = \"CVE added.\"\n");
        let wd = format!("{rev2}[withdrawn]\ndate = 2024-01-01\nreason = \"Dup.\"\n");
        let changes = vec![
            change(at(2024, 3, 1, 9), "withdraw", true, Some(&wd)),
            change(at(2024, 1, 10, 12), "QSB-100: first issue", true, None),
            change(at(2024, 1, 20, 8), "revise", true, Some(rev1)),
            change(at(2024, 2, 1, 8), "typo in the text", true, Some(rev1)),
            change(at(2024, 2, 5, 8), "cve", true, Some(&rev2)),
        ];
        let l = from_changes(&changes, Some(&sidecar(&wd))).unwrap();
        assert_eq!(l.dates_from, DatesFrom::Git);
        assert_eq!(l.published, at(2024, 1, 10, 12));
        assert_eq!(l.modified, at(2024, 3, 1, 9));
        let got: Vec<(DateTime<Utc>, &str)> = l
            .revisions
            .iter()
            .map(|r| (r.date, r.summary.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (at(2024, 1, 20, 8), "Packages for 4.3."),
                (at(2024, 2, 1, 8), "typo in the text"),
                (at(2024, 2, 5, 8), "CVE added."),
                (at(2024, 3, 1, 9), "Withdrawn: Dup."),
            ]
        );
        assert_eq!(l.withdrawn.unwrap().date, at(2024, 3, 1, 9));
        assert!(!l.uncommitted);
    }

    #[test]
    fn a_bulletin_no_commit_holds_has_no_git_lifecycle() {
        assert_eq!(from_changes(&[], None), None);
        let only_sidecar = [change(at(2024, 1, 1, 0), "x", false, Some("title = \"T\""))];
        assert_eq!(from_changes(&only_sidecar, None), None);
    }

    #[test]
    fn uncommitted_revisions_keep_the_sidecar_date() {
        let changes = [change(at(2024, 1, 10, 12), "first", true, None)];
        let s = sidecar(
            "[[revisions]]\ndate = 2024-02-02\nsummary = \"Later.\"\n[withdrawn]\ndate = 2024-02-03\nreason = \"R.\"\n",
        );
        let l = from_changes(&changes, Some(&s)).unwrap();
        assert!(l.uncommitted);
        assert_eq!(l.revisions[0].date, at(2024, 2, 2, 0));
        assert_eq!(l.withdrawn.as_ref().unwrap().date, at(2024, 2, 3, 0));
        assert_eq!(l.modified, at(2024, 2, 3, 0));
    }

    #[test]
    fn revise_and_withdraw_write_a_valid_sidecar() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("QSBs")).unwrap();
        let rel = "QSBs/qsb-001-2024.txt";
        std::fs::write(dir.path().join(rel), "text").unwrap();
        let e = revise(dir.path(), rel, ymd(2024, 2, 1), "Say \"why\" \\ here").unwrap();
        assert!(e.created);
        assert_eq!(e.sidecar, "QSBs/qsb-001-2024.toml");
        // An existing sidecar keeps its fields, and its last line needs no
        // newline.
        let side = dir.path().join("QSBs/qsb-001-2024.toml");
        let text = std::fs::read_to_string(&side).unwrap();
        std::fs::write(&side, format!("title = \"T\"\n{}", text.trim_end())).unwrap();
        let e = revise(dir.path(), rel, ymd(2024, 2, 2), "Second.").unwrap();
        assert!(!e.created);
        let w = withdraw(dir.path(), rel, ymd(2024, 2, 3), "Duplicate.").unwrap();
        assert_eq!(w.date, ymd(2024, 2, 3));
        let s = Sidecar::load_beside(&dir.path().join(rel))
            .unwrap()
            .unwrap();
        assert_eq!(s.title.as_deref(), Some("T"));
        let r = s.revisions.unwrap();
        assert_eq!(r[0].summary, "Say \"why\" \\ here");
        assert_eq!(r[1].summary, "Second.");
        assert_eq!(s.withdrawn.unwrap().reason, "Duplicate.");
        let again = withdraw(dir.path(), rel, ymd(2024, 2, 4), "Again.").unwrap_err();
        assert_eq!(again.code(), "already-withdrawn");
        let revised = revise(dir.path(), rel, ymd(2024, 2, 4), "More.").unwrap_err();
        assert_eq!(revised.code(), "bulletin-withdrawn");
        let bad = revise(dir.path(), rel, ymd(2024, 2, 4), "two\nlines").unwrap_err();
        assert_eq!(bad.code(), "bad-text");
        assert_eq!(
            revise(dir.path(), rel, ymd(2024, 2, 4), "  ")
                .unwrap_err()
                .code(),
            "bad-text"
        );
    }

    #[test]
    fn a_revision_dated_before_the_last_one_is_refused_and_nothing_written() {
        let dir = tempfile::tempdir().unwrap();
        let rel = "qsb-001-2024.txt";
        std::fs::write(dir.path().join(rel), "text").unwrap();
        revise(dir.path(), rel, ymd(2024, 2, 5), "A.").unwrap();
        let before = std::fs::read(dir.path().join("qsb-001-2024.toml")).unwrap();
        let e = revise(dir.path(), rel, ymd(2024, 2, 1), "B.").unwrap_err();
        assert_eq!(e.code(), "invalid-sidecar");
        assert!(e.to_string().contains("oldest first"), "{e}");
        assert_eq!(
            std::fs::read(dir.path().join("qsb-001-2024.toml")).unwrap(),
            before
        );
    }
}
