//! HEAD authentication: is the checked-out commit one the team vouched for?
//!
//! The Qubes convention is that the newest commit carries a signed tag from a
//! team member. HEAD is `covered` when a signed tag pointing to it, or its
//! own commit signature, is valid and made by a key the pinned master
//! certifies with a role `[history] signer_roles` allows. Files of the work
//! tree that differ from HEAD are listed beside the verdict.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use super::repo::{Repo, RepoError, WorktreeChange};
use super::vouch::{self, Voucher};
use crate::config::HistoryConfig;
use crate::pack::Pack;
use crate::trust::keyring::Keyring;

/// The verdict on HEAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HeadStatus {
    /// A signed tag or commit signature by an allowed key vouches for HEAD.
    Covered,
    /// Nothing an allowed key signed vouches for HEAD.
    UncoveredHead,
    /// The pack is not a git repository: there is no HEAD to vouch for.
    NotARepository,
    /// HEAD names a branch without commits.
    UnbornHead,
    /// The repository cannot be read.
    RepositoryUnreadable,
}

impl HeadStatus {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Covered => "covered",
            Self::UncoveredHead => "uncovered-head",
            Self::NotARepository => "not-a-repository",
            Self::UnbornHead => "unborn-head",
            Self::RepositoryUnreadable => "repository-unreadable",
        }
    }
}

/// What `verify --head` says of HEAD.
#[derive(Debug, Clone, Serialize)]
pub struct HeadReport {
    /// The commit HEAD points to (hex).
    pub commit: Option<String>,
    /// The verdict.
    pub status: HeadStatus,
    /// The signatures that vouch for HEAD and count.
    pub covered_by: Vec<Voucher>,
    /// Signatures on HEAD that do not count, and why.
    pub refused: Vec<Voucher>,
    /// Why, in a sentence.
    pub reason: String,
    /// Files of the work tree that differ from HEAD.
    pub worktree_changes: Vec<WorktreeChange>,
    /// HEAD is covered (and, under `--strict`, the work tree is clean).
    pub ok: bool,
}

impl HeadReport {
    fn failed(status: HeadStatus, commit: Option<String>, reason: String) -> Self {
        Self {
            commit,
            status,
            covered_by: Vec::new(),
            refused: Vec::new(),
            reason,
            worktree_changes: Vec::new(),
            ok: false,
        }
    }

    /// The report for a repository that cannot be opened.
    pub fn unreadable(e: &RepoError) -> Self {
        let status = match e {
            RepoError::NotARepository(_) => HeadStatus::NotARepository,
            RepoError::Unreadable(_) => HeadStatus::RepositoryUnreadable,
        };
        Self::failed(status, None, e.to_string())
    }
}

/// Judges HEAD of the pack's repository, given the vouchers of its signed
/// tags by the commit they point to ([`vouch::from_tags`]).
pub fn verify_head(
    pack: &Pack,
    repo: &Repo,
    ring: &Keyring,
    by_tag: &HashMap<String, Vec<Voucher>>,
    strict: bool,
) -> HeadReport {
    let policy = &pack.config.history;
    let head = match repo.head() {
        Ok(Some(id)) => id,
        Ok(None) => {
            return HeadReport::failed(
                HeadStatus::UnbornHead,
                None,
                "HEAD names a branch without any commit".into(),
            )
        }
        Err(e) => return HeadReport::unreadable(&e),
    };
    // A repository error once HEAD is known: the report names the commit.
    let unreadable_at_head = |e: RepoError| {
        HeadReport::failed(
            HeadStatus::RepositoryUnreadable,
            Some(head.to_string()),
            e.to_string(),
        )
    };
    let commit = match repo.commit(head) {
        Ok(c) => c,
        Err(e) => return unreadable_at_head(e),
    };
    let mut vouchers = by_tag.get(&head.to_string()).cloned().unwrap_or_default();
    vouchers.extend(vouch::from_commits(ring, policy, &[&commit], strict).into_values());
    let (covered_by, refused): (Vec<_>, Vec<_>) = vouchers.into_iter().partition(|v| v.counts);
    let worktree_changes = match repo.pack_changes(pack, head) {
        Ok(c) => c,
        Err(e) => return unreadable_at_head(e),
    };
    let covered = !covered_by.is_empty();
    let reason = head_reason(&covered_by, &refused, policy);
    let clean = worktree_changes.is_empty() || !strict;
    HeadReport {
        commit: Some(head.to_string()),
        status: if covered {
            HeadStatus::Covered
        } else {
            HeadStatus::UncoveredHead
        },
        ok: covered && clean,
        covered_by,
        refused,
        reason,
        worktree_changes,
    }
}

fn head_reason(covered_by: &[Voucher], refused: &[Voucher], policy: &HistoryConfig) -> String {
    let name = |v: &Voucher| match &v.tag {
        Some(t) => format!("tag {t}"),
        None => "the commit's own signature".to_string(),
    };
    if let Some(v) = covered_by.first() {
        let keys: BTreeSet<&str> = covered_by.iter().filter_map(|v| v.key.as_deref()).collect();
        return format!(
            "HEAD is vouched for by {} ({} signature(s) by {} key(s) of an allowed role)",
            name(v),
            covered_by.len(),
            keys.len()
        );
    }
    match refused.first() {
        None => format!(
            "no signed tag points to HEAD and HEAD is not signed: nothing a key of role {} \
             signed vouches for this commit (a team member vouches for it with \
             `secpack tag --as NAME --key SECRETKEYFILE`, or `--gpg`)",
            policy.signer_roles.join(" or ")
        ),
        Some(v) => format!(
            "no signature that counts vouches for HEAD: {} does not count ({}: {})",
            name(v),
            v.status.code(),
            v.reason
        ),
    }
}
