//! Vouchers: the signatures that vouch for a commit, a signed tag on it or
//! the commit's own signature, and whether each counts under the history
//! policy (`[history]` in `secpack.toml`).

use std::collections::HashMap;

use gix::hash::ObjectId;
use rayon::prelude::*;
use serde::Serialize;

use super::repo::Commit;
use crate::config::HistoryConfig;
use crate::trust::keyring::Keyring;
use crate::trust::tags::{single_signature, TagReport};
use crate::trust::verdict::{signature_counts, SigStatus, SigWarning};

/// What kind of signature vouches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VoucherKind {
    /// A signed annotated tag pointing to the commit.
    Tag,
    /// The commit's own signature (`git commit -S`).
    Commit,
}

/// A signature that vouches for one commit.
#[derive(Debug, Clone, Serialize)]
pub struct Voucher {
    /// Tag or commit signature.
    pub kind: VoucherKind,
    /// The tag's name, for a tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// The commit vouched for (hex).
    pub commit: String,
    /// The signature's verdict.
    pub status: SigStatus,
    /// Warnings on a valid signature.
    pub warnings: Vec<SigWarning>,
    /// Primary fingerprint of the key that signed, when known.
    pub key: Option<String>,
    /// The role of that key in the pack (`security-team`, `release`, ...).
    pub role: Option<String>,
    /// The key has been revoked since (the signature may still be valid, if
    /// it was made before a soft revocation).
    pub revoked_since: bool,
    /// Counts as a vouch under the policy: the signature counts and the
    /// key's role is one of `[history] signer_roles`.
    pub counts: bool,
    /// Also counts for changes to sensitive paths: the key's role is one of
    /// `[history] sensitive_roles`.
    pub counts_for_sensitive: bool,
    /// Why, in a sentence.
    pub reason: String,
}

/// How one signature's verdict reads as a vouch.
struct Judged<'a> {
    status: SigStatus,
    warnings: Vec<SigWarning>,
    key: Option<String>,
    reason: &'a str,
}

fn voucher(
    ring: &Keyring,
    policy: &HistoryConfig,
    strict: bool,
    kind: VoucherKind,
    tag: Option<String>,
    commit: String,
    j: Judged<'_>,
) -> Voucher {
    let entry = j
        .key
        .as_deref()
        .and_then(|k| k.parse().ok())
        .and_then(|fpr| ring.entry_by_fingerprint(&fpr));
    let role = entry.map(|e| e.role.clone());
    let valid = signature_counts(j.status, &j.warnings, strict);
    let allowed = |roles: &[String]| role.as_ref().is_some_and(|r| roles.contains(r));
    let counts = valid && allowed(&policy.signer_roles);
    let counts_for_sensitive = valid && allowed(&policy.sensitive_roles);
    let reason = match (&role, valid, counts) {
        (_, false, _) => j.reason.to_string(),
        (Some(r), true, false) => format!(
            "signed by a key of role `{r}`, which [history] signer_roles does not allow ({})",
            policy.signer_roles.join(", ")
        ),
        (None, true, false) => "signed by a key with no role in the pack".to_string(),
        (_, true, true) => j.reason.to_string(),
    };
    Voucher {
        kind,
        tag,
        commit,
        status: j.status,
        warnings: j.warnings,
        key: j.key,
        role,
        revoked_since: entry.is_some_and(|e| e.revoked),
        counts,
        counts_for_sensitive,
        reason,
    }
}

/// The vouchers given by signed tags, by the commit they point to. Tags
/// without a signature vouch for nothing and are left out.
pub fn from_tags(
    ring: &Keyring,
    policy: &HistoryConfig,
    tags: &[TagReport],
    strict: bool,
) -> HashMap<String, Vec<Voucher>> {
    let mut out: HashMap<String, Vec<Voucher>> = HashMap::new();
    for t in tags {
        let Some(target) = &t.target else { continue };
        if t.status == SigStatus::Unsigned {
            continue;
        }
        let v = voucher(
            ring,
            policy,
            strict,
            VoucherKind::Tag,
            Some(t.tag.clone()),
            target.clone(),
            Judged {
                status: t.status,
                warnings: t.warnings.clone(),
                key: t.key.clone(),
                reason: &t.reason,
            },
        );
        out.entry(target.clone()).or_default().push(v);
    }
    out
}

/// The voucher of each signed commit among `commits` (judged in parallel).
pub fn from_commits(
    ring: &Keyring,
    policy: &HistoryConfig,
    commits: &[&Commit],
    strict: bool,
) -> HashMap<ObjectId, Voucher> {
    commits
        .par_iter()
        .filter_map(|c| {
            let signed = c.signature.as_ref()?;
            let j = single_signature(ring, &signed.payload, &signed.signature);
            Some((
                c.id,
                voucher(
                    ring,
                    policy,
                    strict,
                    VoucherKind::Commit,
                    None,
                    c.id.to_string(),
                    Judged {
                        status: j.status,
                        warnings: j.warnings,
                        key: j.key,
                        reason: &j.reason,
                    },
                ),
            ))
        })
        .collect()
}
