//! The state of a pack, not only its files: whether the checked-out commit
//! is one the team vouched for ([`head`]), whether every commit since a
//! trusted starting point was ([`walk`]), and whether this copy is older
//! than, or stuck behind, one verified before ([`state`]).
//!
//! Signed files prove what the team signed; they cannot prove that a mirror
//! serves the newest of it, or that nobody slipped an unsigned commit in
//! beside them. The policy (`[history]` in `secpack.toml`) says who may
//! vouch; docs/verify.md §8 explains the defaults, which match the Qubes
//! convention of a signed tag `<who>_sec_<short hash>` on the newest commit.

pub mod head;
pub mod repo;
pub mod state;
pub mod vouch;
pub mod walk;

use std::path::PathBuf;

use chrono::{DateTime, Utc};

pub use head::{verify_head, HeadReport, HeadStatus};
pub use repo::{Repo, RepoError};
pub use state::{PackState, StateError, StateReport};
pub use walk::{verify_history, HistoryReport};

use crate::pack::Pack;
use crate::trust::PackReport;

/// Where and whether to remember the pack's state (`verify --state FILE`,
/// `--forget-state`).
#[derive(Debug, Clone)]
pub struct StateOptions {
    /// The state file.
    pub path: PathBuf,
    /// Forget what was remembered before this run.
    pub forget: bool,
    /// "Now", for the canary's window.
    pub now: DateTime<Utc>,
}

/// Checks the verified `report` of `pack` against the state remembered for
/// its master key, adds the findings to it, and remembers the pack's state
/// when everything verified.
pub fn track_state(
    pack: &Pack,
    report: &mut PackReport,
    options: &StateOptions,
) -> Result<(), StateError> {
    if options.forget {
        state::forget(&options.path)?;
    }
    let master = report.master.fingerprint.clone();
    let remembered = state::load(&options.path)?;
    if let Some(r) = remembered.as_ref().filter(|r| r.master != master) {
        return Err(StateError::Unusable {
            path: options.path.display().to_string(),
            why: format!("it remembers master key {}, not {master}", r.master),
        });
    }
    let repo = Repo::open(&pack.root).ok();
    let (mut observed, overdue) = PackState::observe(pack, repo.as_ref(), &master, options.now);
    observed.signed = report
        .documents
        .iter()
        .filter(|d| d.ok && d.valid_signers > 0)
        .map(|d| d.path.clone())
        .collect();
    let mut findings = state::check(remembered.as_ref(), &observed, overdue, repo.as_ref());
    findings.extend(state::downgrades(remembered.as_ref(), pack));
    let mut state = StateReport {
        file: options.path.display().to_string(),
        remembered,
        observed,
        findings,
        overdue_days: overdue,
        saved: false,
    };
    report.add_state_findings(&state);
    if report.summary.ok {
        state::save(&options.path, &state.observed)?;
        state.saved = true;
    }
    report.state = Some(state);
    Ok(())
}
