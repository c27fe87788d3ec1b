//! History authentication: every commit from a trusted starting point to
//! HEAD judged against the `[history]` policy of `secpack.toml`.
//!
//! The walk starts at `[history] trust_root` when set (like `sq-git`'s trust
//! root), otherwise at the oldest commit a counting signature vouches for.
//! Commits before the start are not judged. For every commit from there to
//! HEAD it names:
//!
//! - `uncovered-commit`: no counting signature vouches for it (policy
//!   `tags`: it is not under any signed point; policy `commits`: it is not
//!   itself signed or tagged);
//! - `unsigned-sensitive-change`: it changes a sensitive path (the keys
//!   folder, `secpack.toml`) and no signature by a key of `sensitive_roles`
//!   vouches for it the same way;
//! - `revoked-signer`: a signature vouching for it was made by a key revoked
//!   since (a warning: a hard revocation already makes the signature fail);
//! - `trust-root-missing`, `no-signed-point`: there is nowhere to start.
//!
//! A merge's change to a sensitive path counts only when the merge itself
//! introduced it (its content matches no parent); changes on merged branches
//! are judged at their own commits.

use std::collections::{HashMap, HashSet};

use gix::hash::ObjectId;
use serde::Serialize;

use super::repo::{Commit, Repo};
use super::vouch::{self, Voucher};
use crate::config::HistoryRequirement;
use crate::pack::Pack;
use crate::trust::keyring::Keyring;

/// What the walk found wrong with one commit, or with the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingCode {
    /// No counting signature vouches for the commit.
    UncoveredCommit,
    /// A change to a sensitive path no allowed key vouches for.
    UnsignedSensitiveChange,
    /// A signature by a key that was revoked since.
    RevokedSigner,
    /// `[history] trust_root` is not HEAD or one of its ancestors.
    TrustRootMissing,
    /// Nothing in the history carries a counting signature.
    NoSignedPoint,
    /// The repository cannot be read.
    RepositoryUnreadable,
}

impl FindingCode {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::UncoveredCommit => "uncovered-commit",
            Self::UnsignedSensitiveChange => "unsigned-sensitive-change",
            Self::RevokedSigner => "revoked-signer",
            Self::TrustRootMissing => "trust-root-missing",
            Self::NoSignedPoint => "no-signed-point",
            Self::RepositoryUnreadable => "repository-unreadable",
        }
    }

    /// Whether a finding of this kind fails the run (`revoked-signer` does
    /// only under `--strict`).
    pub fn fails(self, strict: bool) -> bool {
        strict || self != Self::RevokedSigner
    }
}

/// One finding of the walk.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The stable code.
    pub code: FindingCode,
    /// The commit concerned (hex), when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The sensitive path changed, for `unsigned-sensitive-change`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The key concerned, for `revoked-signer`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Why, in a sentence.
    pub reason: String,
    /// Fails the run.
    pub fails: bool,
}

/// Where the walk started, and why there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StartFrom {
    /// `[history] trust_root`.
    TrustRoot,
    /// The oldest commit a counting signature vouches for.
    FirstSignedCommit,
    /// Nowhere: the walk could not start.
    None,
}

/// What `verify --history` says of the history.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryReport {
    /// HEAD (hex).
    pub head: Option<String>,
    /// The starting commit (hex).
    pub start: Option<String>,
    /// Why the walk started there.
    pub start_from: StartFrom,
    /// The policy applied.
    pub require: HistoryRequirement,
    /// Commits judged (from the start to HEAD).
    pub commits: usize,
    /// Of those, the ones a counting signature vouches for.
    pub covered: usize,
    /// Commits carrying at least one counting signature.
    pub signed_points: usize,
    /// Changes to sensitive paths seen.
    pub sensitive_changes: usize,
    /// What is wrong, commit by commit.
    pub findings: Vec<Finding>,
    /// No finding fails the run.
    pub ok: bool,
}

impl HistoryReport {
    /// The report of a walk that could not start.
    pub fn failed(code: FindingCode, head: Option<String>, reason: String) -> Self {
        Self {
            head,
            start: None,
            start_from: StartFrom::None,
            require: HistoryRequirement::default(),
            commits: 0,
            covered: 0,
            signed_points: 0,
            sensitive_changes: 0,
            findings: vec![Finding {
                code,
                commit: None,
                path: None,
                key: None,
                reason,
                fails: true,
            }],
            ok: false,
        }
    }
}

/// Walks the history of the pack's repository from its starting point to
/// HEAD, given the vouchers of its signed tags by the commit they point to
/// ([`vouch::from_tags`]).
pub fn verify_history(
    pack: &Pack,
    repo: &Repo,
    ring: &Keyring,
    by_tag: &HashMap<String, Vec<Voucher>>,
    strict: bool,
) -> HistoryReport {
    match walk(pack, repo, ring, by_tag, strict) {
        Ok(r) => r,
        Err((head, e)) => HistoryReport::failed(FindingCode::RepositoryUnreadable, head, e),
    }
}

type WalkError = (Option<String>, String);

fn walk(
    pack: &Pack,
    repo: &Repo,
    ring: &Keyring,
    by_tag: &HashMap<String, Vec<Voucher>>,
    strict: bool,
) -> Result<HistoryReport, WalkError> {
    let policy = &pack.config.history;
    let head = repo
        .head()
        .map_err(|e| (None, e.to_string()))?
        .ok_or((None, "HEAD names a branch without any commit".to_string()))?;
    let head_hex = Some(head.to_string());
    let err = |e: super::repo::RepoError| (head_hex.clone(), e.to_string());
    let history = repo.history(head).map_err(err)?;
    let position: HashMap<ObjectId, usize> =
        history.iter().enumerate().map(|(i, c)| (c.id, i)).collect();

    // Every signature that vouches for a commit of the history.
    let signed: Vec<&Commit> = history.iter().filter(|c| c.signature.is_some()).collect();
    let by_commit = vouch::from_commits(ring, policy, &signed, strict);
    let vouchers: Vec<Vec<Voucher>> = history
        .iter()
        .map(|c| {
            let mut v = by_tag.get(&c.id.to_string()).cloned().unwrap_or_default();
            v.extend(by_commit.get(&c.id).cloned());
            v
        })
        .collect();
    let counts = |i: usize| vouchers[i].iter().any(|v| v.counts);

    // The start: the configured trust root, or the oldest signed point (the
    // last one in child-before-parent order).
    let (start, start_from) = match &policy.trust_root {
        Some(root) => {
            let found = root
                .parse::<ObjectId>()
                .ok()
                .and_then(|id| position.get(&id).copied());
            match found {
                Some(i) => (i, StartFrom::TrustRoot),
                None => {
                    return Ok(HistoryReport::failed(
                        FindingCode::TrustRootMissing,
                        head_hex,
                        format!(
                            "[history] trust_root {root} is not HEAD or one of its ancestors: \
                             the history was rewritten, or the setting is wrong"
                        ),
                    ))
                }
            }
        }
        None => match (0..history.len()).rev().find(|&i| counts(i)) {
            Some(i) => (i, StartFrom::FirstSignedCommit),
            None => {
                return Ok(HistoryReport::failed(
                    FindingCode::NoSignedPoint,
                    head_hex,
                    format!(
                        "no commit of the history carries a valid signed tag or signature by a \
                         key of role {}: there is nothing to start from",
                        policy.signer_roles.join(" or ")
                    ),
                ))
            }
        },
    };

    // The commits judged: HEAD's history minus what lies strictly before
    // the start.
    let mut before_start: HashSet<ObjectId> = HashSet::new();
    let mut stack: Vec<ObjectId> = history[start].parents.clone();
    while let Some(id) = stack.pop() {
        if before_start.insert(id) {
            if let Some(&i) = position.get(&id) {
                stack.extend(history[i].parents.iter().copied());
            }
        }
    }
    let judged: Vec<usize> = (0..history.len())
        .filter(|i| !before_start.contains(&history[*i].id))
        .collect();

    // Coverage, propagated from children to parents (tags policy) or held
    // by each commit alone (commits policy).
    let propagate = policy.require == HistoryRequirement::Tags;
    let cover = |own: &dyn Fn(&Voucher) -> bool| -> Vec<bool> {
        let mut covered = vec![false; history.len()];
        for i in 0..history.len() {
            if vouchers[i].iter().any(own) {
                covered[i] = true;
            }
            if covered[i] && propagate {
                for p in &history[i].parents {
                    if let Some(&j) = position.get(p) {
                        covered[j] = true;
                    }
                }
            }
        }
        covered
    };
    let covered = cover(&|v| v.counts);
    let sensitive_covered = cover(&|v| v.counts_for_sensitive);

    let mut findings = Vec::new();
    let sensitive = policy.sensitive_paths(&pack.config.layout);
    let mut entries: HashMap<(ObjectId, usize), Option<ObjectId>> = HashMap::new();
    let mut entry = |tree: ObjectId, p: usize| -> Result<Option<ObjectId>, WalkError> {
        if let Some(e) = entries.get(&(tree, p)) {
            return Ok(*e);
        }
        let e = repo.entry_at(tree, &sensitive[p]).map_err(err)?;
        entries.insert((tree, p), e);
        Ok(e)
    };
    let mut sensitive_changes = 0;
    for &i in &judged {
        let c = &history[i];
        let hex = c.id.to_string();
        if !covered[i] {
            findings.push(Finding {
                code: FindingCode::UncoveredCommit,
                commit: Some(hex.clone()),
                path: None,
                key: None,
                reason: uncovered_reason(propagate, &vouchers[i]),
                fails: true,
            });
        }
        // The start is trusted as it is; a change is judged from the next
        // commit on.
        if i != start {
            for (p, path) in sensitive.iter().enumerate() {
                let now = entry(c.tree, p)?;
                let mut introduced = true;
                for parent in &c.parents {
                    let before = match position.get(parent) {
                        Some(&j) => entry(history[j].tree, p)?,
                        None => None,
                    };
                    if before == now {
                        introduced = false;
                    }
                }
                if c.parents.is_empty() && now.is_none() {
                    introduced = false;
                }
                if !introduced {
                    continue;
                }
                sensitive_changes += 1;
                if !sensitive_covered[i] {
                    findings.push(Finding {
                        code: FindingCode::UnsignedSensitiveChange,
                        commit: Some(hex.clone()),
                        path: Some(path.clone()),
                        key: None,
                        reason: format!(
                            "this commit changes {} and no signature by a key of role {} \
                             vouches for it",
                            path,
                            policy.sensitive_roles.join(" or ")
                        ),
                        fails: true,
                    });
                }
            }
        }
        for v in vouchers[i].iter().filter(|v| v.revoked_since) {
            findings.push(Finding {
                code: FindingCode::RevokedSigner,
                commit: Some(hex.clone()),
                path: None,
                key: v.key.clone(),
                reason: format!(
                    "{} was signed by a key revoked since ({})",
                    v.tag
                        .as_ref()
                        .map_or("the commit".to_string(), |t| format!("tag {t}")),
                    v.status.code()
                ),
                fails: FindingCode::RevokedSigner.fails(strict),
            });
        }
    }
    let ok = !findings.iter().any(|f| f.fails);
    Ok(HistoryReport {
        head: head_hex,
        start: Some(history[start].id.to_string()),
        start_from,
        require: policy.require,
        commits: judged.len(),
        covered: judged.iter().filter(|&&i| covered[i]).count(),
        signed_points: judged.iter().filter(|&&i| counts(i)).count(),
        sensitive_changes,
        findings,
        ok,
    })
}

fn uncovered_reason(propagate: bool, own: &[Voucher]) -> String {
    let what = if propagate {
        "no later commit with a counting signed tag or signature has it in its history, \
         and it carries none itself"
    } else {
        "the policy requires every commit to be signed or tagged, and it is not"
    };
    match own.iter().find(|v| !v.counts) {
        Some(v) => format!(
            "{what}; its own {} does not count ({}: {})",
            v.tag
                .as_ref()
                .map_or("signature".to_string(), |t| format!("tag {t}")),
            v.status.code(),
            v.reason
        ),
        None => what.to_string(),
    }
}
