//! Rollback and freeze: what a verifier remembers of the pack it trusted.
//!
//! A mirror can serve an older pack (rollback) or stop updating it (freeze)
//! without breaking a single signature. After a run that verified, secpack
//! remembers, per pinned master key, the state it saw: the HEAD commit, the
//! highest bulletin and canary numbers and their dates. The next run fails
//!
//! - with `rollback` when HEAD is not the remembered commit or a descendant
//!   of it, or a number went down;
//! - with `frozen` when the pack's newest canary is overdue (the promised
//!   window of the next one has closed: the canary audit's rule), or the
//!   remembered state is newer than the pack (a later HEAD commit time or
//!   canary date than the pack now holds);
//! - with `downgrade` when a file that met its signature threshold then is
//!   in the pack now without any signature (its signatures deleted, or a
//!   clear-signed file replaced by plain text): a release digest or tracker
//!   file may be unsigned without failing a default run, so only the memory
//!   of it having been signed tells the difference.
//!
//! The state file is `$XDG_STATE_HOME/secpack/<MASTER FPR>.toml` (or one the
//! caller names), written atomically with mode 0600, and only after a run in
//! which everything verified: a failing pack never becomes the baseline.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::repo::{Repo, RepoError};
use crate::bulletin::{BulletinHeader, MAX_BULLETIN_BYTES};
use crate::canary::audit::{audit, AuditOptions, CanaryFile};
use crate::canary::parse::MAX_CANARY_BYTES;
use crate::fsutil::{read_capped, ReadCappedError};
use crate::pack::{FileClass, Pack};

/// Largest state file read: a few lines, and the path of every signed
/// document (a real pack has about a thousand).
const MAX_STATE_BYTES: u64 = 4 * 1024 * 1024;

/// Why the state file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Neither `XDG_STATE_HOME` nor `HOME` names a folder for it.
    #[error("no folder for the state file: neither XDG_STATE_HOME nor HOME is set (use --state FILE or --no-state)")]
    NoStateFolder,
    /// The file exists but is unsafe or unreadable.
    #[error("the state file {path} cannot be used: {why}")]
    Unusable {
        /// The file.
        path: String,
        /// What is wrong.
        why: String,
    },
    /// The file cannot be written.
    #[error("the state file {path} cannot be written: {why}")]
    Unwritable {
        /// The file.
        path: String,
        /// What went wrong.
        why: String,
    },
}

impl StateError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoStateFolder => "no-state-folder",
            Self::Unusable { .. } => "state-unusable",
            Self::Unwritable { .. } => "state-unwritable",
        }
    }
}

/// A numbered document as remembered: its number and the date it prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Numbered {
    /// Its number.
    pub number: u32,
    /// Its date of issue, when readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
}

/// The state of a pack: what is remembered, and what is observed now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackState {
    /// The pinned master key (upper-case hex).
    pub master: String,
    /// The HEAD commit, for a git repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
    /// The HEAD commit's committer time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_time: Option<DateTime<Utc>>,
    /// The highest-numbered bulletin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulletin: Option<Numbered>,
    /// The highest-numbered canary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary: Option<Numbered>,
    /// The documents that met their signature threshold, by path.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub signed: BTreeSet<String>,
    /// When this state was seen verified.
    pub verified_at: DateTime<Utc>,
}

impl PackState {
    /// Reads the state of `pack` (whose repository is `repo`, when it is
    /// one) as it is now, with the days its newest canary is overdue.
    pub fn observe(
        pack: &Pack,
        repo: Option<&Repo>,
        master: &str,
        now: DateTime<Utc>,
    ) -> (Self, Option<i64>) {
        let mut state = PackState {
            master: master.to_string(),
            head: None,
            head_time: None,
            bulletin: None,
            canary: None,
            signed: BTreeSet::new(),
            verified_at: now,
        };
        if let Some(repo) = repo {
            if let Ok(Some(head)) = repo.head() {
                state.head = Some(head.to_string());
                state.head_time = repo.commit(head).ok().and_then(|c| c.time);
            }
        }
        // Only the newest of each series is read: the state needs its
        // number and date, and the canary audit's overdue rule needs only
        // the newest canary's promised window.
        let mut overdue = None;
        let newest_canary = pack
            .canaries()
            .into_iter()
            .filter(|(n, _)| n.suffix.is_none())
            .max_by(|(a, fa), (b, fb)| (a.number, &fa.path).cmp(&(b.number, &fb.path)));
        if let Some((name, file)) = newest_canary {
            let canary = CanaryFile {
                number: name.number,
                year: name.year,
                path: file.path.clone(),
                text: read_text(pack, &file.path, MAX_CANARY_BYTES),
            };
            let options = AuditOptions {
                now: now.date_naive(),
                master: None,
                signatures: None,
                since: None,
            };
            let audit = audit(&[canary], &[], &[], &options);
            state.canary = audit.latest.as_ref().map(|l| Numbered {
                number: l.number,
                date: l.date,
            });
            overdue = audit.overdue.then_some(audit.days_overdue);
        }
        let newest_bulletin = pack
            .bulletins()
            .into_iter()
            .filter(|(n, _)| n.suffix.is_none())
            .max_by(|(a, fa), (b, fb)| (a.number, &fa.path).cmp(&(b.number, &fb.path)));
        state.bulletin = newest_bulletin.map(|(name, file)| Numbered {
            number: name.number,
            date: read_text(pack, &file.path, MAX_BULLETIN_BYTES)
                .ok()
                .and_then(|t| {
                    BulletinHeader::parse(&t, &pack.config.project.upstream_id_prefix).date
                }),
        });
        (state, overdue)
    }
}

/// What the state check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StateCode {
    /// The pack is older than the one remembered.
    Rollback,
    /// The pack stopped moving: overdue canary, or older than remembered.
    Frozen,
    /// A file signed in the remembered state is now unsigned.
    Downgrade,
}

impl StateCode {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Rollback => "rollback",
            Self::Frozen => "frozen",
            Self::Downgrade => "downgrade",
        }
    }
}

/// One finding of the state check (each fails the run).
#[derive(Debug, Clone, Serialize)]
pub struct StateFinding {
    /// The stable code.
    pub code: StateCode,
    /// Why, in a sentence.
    pub reason: String,
}

/// What `verify` says of the pack's state against the remembered one.
#[derive(Debug, Clone, Serialize)]
pub struct StateReport {
    /// The state file.
    pub file: String,
    /// The state remembered before this run (`None` on first use).
    pub remembered: Option<PackState>,
    /// The state observed now.
    pub observed: PackState,
    /// Rollback and freeze findings.
    pub findings: Vec<StateFinding>,
    /// How many days the newest canary is overdue, if it is: a freeze
    /// against a remembered state, and on first use a note that the next
    /// run will say so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overdue_days: Option<i64>,
    /// Whether the observed state was written as the new baseline (only
    /// after a run in which everything verified).
    pub saved: bool,
}

impl StateReport {
    /// No finding.
    pub fn ok(&self) -> bool {
        self.findings.is_empty()
    }
}

/// The default state file for `master`: `$XDG_STATE_HOME/secpack/<FPR>.toml`.
pub fn default_path(master: &str) -> Result<PathBuf, StateError> {
    crate::trust::cache::xdg_base("XDG_STATE_HOME", ".local/state")
        .map(|b| b.join("secpack").join(format!("{master}.toml")))
        .ok_or(StateError::NoStateFolder)
}

/// Reads a state file; `None` when it does not exist. A file that is a link,
/// not ours, readable or writable by others, too large or malformed is an
/// error: the remembered state must be as trustworthy as the pin.
pub fn load(path: &Path) -> Result<Option<PackState>, StateError> {
    let unusable = |why: String| StateError::Unusable {
        path: path.display().to_string(),
        why,
    };
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(unusable(e.to_string())),
    };
    if !meta.is_file() {
        return Err(unusable("not a regular file (links are refused)".into()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.uid() != rustix::process::geteuid().as_raw() {
            return Err(unusable("owned by another user".into()));
        }
        if meta.mode() & 0o077 != 0 {
            return Err(unusable(format!(
                "mode {:o} lets others read or write it (expected 600)",
                meta.mode() & 0o777
            )));
        }
    }
    let bytes = read_capped(path, MAX_STATE_BYTES).map_err(|e| match e {
        ReadCappedError::TooLarge { limit, .. } => unusable(format!("larger than {limit} bytes")),
        ReadCappedError::Io(io) => unusable(io.source.to_string()),
    })?;
    let text = String::from_utf8(bytes).map_err(|_| unusable("not UTF-8 text".into()))?;
    toml::from_str(&text)
        .map(Some)
        .map_err(|e| unusable(format!("malformed: {e}")))
}

/// Writes `state` to `path` atomically, mode 0600, creating its folder.
pub fn save(path: &Path, state: &PackState) -> Result<(), StateError> {
    let unwritable = |why: String| StateError::Unwritable {
        path: path.display().to_string(),
        why,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| unwritable(e.to_string()))?;
    }
    let body = toml::to_string(state).map_err(|e| unwritable(e.to_string()))?;
    let text = format!(
        "# What secpack verify last saw verified for this master key; see docs/verify.md.\n\
         # Delete it (or run verify --forget-state) to trust the pack afresh.\n{body}"
    );
    crate::fsutil::write_atomic_private(path, text.as_bytes(), true)
        .map_err(|e| unwritable(format!("{e:#}")))
}

/// Removes a state file (`--forget-state`); a missing file is fine.
pub fn forget(path: &Path) -> Result<(), StateError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StateError::Unwritable {
            path: path.display().to_string(),
            why: e.to_string(),
        }),
    }
}

/// Compares the observed state with the remembered one. `overdue` is the
/// number of days the newest canary is overdue, if it is. `repo` answers
/// whether HEAD descends from the remembered commit.
pub fn check(
    remembered: Option<&PackState>,
    observed: &PackState,
    overdue: Option<i64>,
    repo: Option<&Repo>,
) -> Vec<StateFinding> {
    let mut out = Vec::new();
    let Some(old) = remembered else {
        // First use: nothing to roll back from. An overdue canary is
        // reported by the canary audit; it is a freeze only against a
        // remembered state.
        return out;
    };
    let push =
        |out: &mut Vec<StateFinding>, code, reason: String| out.push(StateFinding { code, reason });
    if let Some(old_head) = &old.head {
        match (&observed.head, repo) {
            (Some(new_head), _) if new_head == old_head => {}
            (Some(new_head), Some(repo)) => match descends(repo, old_head, new_head) {
                Ok(true) => {}
                Ok(false) => push(
&mut out,
                    StateCode::Rollback,
                    format!(
                        "HEAD {new_head} does not descend from {old_head}, the commit verified on \
                         {}: this is an older or rewritten history",
                        old.verified_at.format("%Y-%m-%d")
                    ),
                ),
                Err(e) => push(
&mut out,
                    StateCode::Rollback,
                    format!(
                        "the remembered commit {old_head} cannot be found in this repository ({e}): \
                         this is an older or rewritten history"
                    ),
                ),
            },
            _ => push(
&mut out,
                StateCode::Rollback,
                format!(
                    "the pack was verified as git commit {old_head}, and now has no readable HEAD"
                ),
            ),
        }
    }
    for (what, old_n, new_n) in [
        ("bulletin", &old.bulletin, &observed.bulletin),
        ("canary", &old.canary, &observed.canary),
    ] {
        let Some(old_n) = old_n else { continue };
        match new_n {
            Some(n) if n.number < old_n.number => push(
                &mut out,
                StateCode::Rollback,
                format!(
                    "the highest {what} is number {}, but number {} was verified on {}",
                    n.number,
                    old_n.number,
                    old.verified_at.format("%Y-%m-%d")
                ),
            ),
            None => push(
                &mut out,
                StateCode::Rollback,
                format!(
                    "the pack holds no {what}, but number {} was verified on {}",
                    old_n.number,
                    old.verified_at.format("%Y-%m-%d")
                ),
            ),
            Some(n) if n.number == old_n.number && n.date < old_n.date => push(
                &mut out,
                StateCode::Frozen,
                format!(
                    "{what} {} is dated {}, older than the {} remembered",
                    n.number,
                    show(n.date),
                    show(old_n.date)
                ),
            ),
            Some(_) => {}
        }
    }
    if let (Some(old_t), Some(new_t)) = (old.head_time, observed.head_time) {
        if new_t < old_t && out.is_empty() {
            push(
                &mut out,
                StateCode::Frozen,
                format!(
                    "HEAD was committed at {new_t}, before the HEAD remembered ({old_t}): the \
                     remembered state is newer than the pack"
                ),
            );
        }
    }
    if let Some(days) = overdue {
        push(
            &mut out,
            StateCode::Frozen,
            format!(
                "the newest canary is {days} day(s) overdue: the window it promised for the next \
                 one has closed, so this copy of the pack may have stopped being updated"
            ),
        );
    }
    out
}

/// The files of `pack` that the remembered state holds as signed (they met
/// their threshold) and that now carry no signature at all: each is a
/// `downgrade`. A file that is gone is not one (a removal shows in the
/// pack's history, and renaming folders is ordinary work); a document whose
/// signatures are there but fall short already fails the run.
pub fn downgrades(remembered: Option<&PackState>, pack: &Pack) -> Vec<StateFinding> {
    let Some(old) = remembered else {
        return Vec::new();
    };
    pack.files
        .iter()
        .filter(|f| matches!(f.class, FileClass::Other { .. }) && old.signed.contains(&f.path))
        .map(|f| StateFinding {
            code: StateCode::Downgrade,
            reason: format!(
                "{} was signed when the pack was verified on {}, and now carries no signature: \
                 its signatures were removed or the signed file was replaced",
                f.path,
                old.verified_at.format("%Y-%m-%d")
            ),
        })
        .collect()
}

fn read_text(pack: &Pack, path: &str, max: usize) -> Result<String, String> {
    let bytes = read_capped(&pack.path_of(path), max as u64).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())
}

fn show(d: Option<NaiveDate>) -> String {
    d.map_or("(no date)".to_string(), |d| d.to_string())
}

fn descends(repo: &Repo, old: &str, new: &str) -> Result<bool, RepoError> {
    let parse = |s: &str| {
        s.parse::<gix::hash::ObjectId>()
            .map_err(|e| RepoError::Unreadable(e.to_string()))
    };
    let (old, new) = (parse(old)?, parse(new)?);
    if !repo.has_object(&old) {
        return Err(RepoError::Unreadable("no such commit".into()));
    }
    repo.is_ancestor(old, new)
}

impl crate::error::Coded for StateError {
    fn code(&self) -> &'static str {
        StateError::code(self)
    }
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass;
        match self {
            Self::Unwritable { .. } => ErrorClass::Io,
            _ => ErrorClass::Config,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_file_over_the_limit_is_unusable() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("AB.toml");
        let big = vec![b'#'; MAX_STATE_BYTES as usize + 1];
        crate::fsutil::write_atomic_private(&file, &big, false).unwrap();
        let e = load(&file).unwrap_err();
        assert_eq!(e.code(), "state-unusable");
        assert!(
            e.to_string()
                .contains(&format!("larger than {MAX_STATE_BYTES} bytes")),
            "{e}"
        );
        assert_eq!(load(&dir.path().join("missing.toml")).unwrap(), None);
    }
}
