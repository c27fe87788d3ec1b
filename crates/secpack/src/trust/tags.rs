//! Signed git tags: the second way to authenticate a pack.
//!
//! Like `git tag -v` for every tag at once, judged by the same trust engine
//! as the documents. The repository is read with gitoxide; neither git nor
//! gpg is run.
//!
//! A tag without a signature (a lightweight tag, or an annotated tag nobody
//! signed) is listed as `unsigned` and, like an unsigned file of the pack,
//! fails the run only under `--strict`: repositories carry release and
//! bookkeeping tags besides the team's signed ones, and their presence says
//! nothing against the signed ones. A tag that carries a signature is
//! judged like any document signature, and fails unless it is `valid`.

use std::path::Path;

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::Serialize;

use super::armor::find_bytes;
use super::judgecache::{judge, Document, Signed};
use super::keyring::Keyring;
use super::signature::Judgement;
use super::verdict::{signature_counts, SigStatus, SigWarning};

/// Marks the start of an OpenPGP signature appended to a tag object.
const PGP_SIGNATURE: &[u8] = b"-----BEGIN PGP SIGNATURE-----";

/// The verdict on one tag.
#[derive(Debug, Clone, Serialize)]
pub struct TagReport {
    /// The tag's name (`v1.0`).
    pub tag: String,
    /// The object the tag points to (hex), when it could be read.
    pub target: Option<String>,
    /// The verdict code.
    pub status: SigStatus,
    /// Warnings on a valid signature.
    pub warnings: Vec<SigWarning>,
    /// Primary fingerprint of the key that signed, when known.
    pub key: Option<String>,
    /// Creation time the signature states.
    pub created: Option<DateTime<Utc>>,
    /// Why, in a sentence.
    pub reason: String,
    /// Does not fail the run: a valid signature (warning-free under
    /// strict), or no signature at all when not strict.
    pub ok: bool,
}

impl TagReport {
    fn failed(tag: &str, target: Option<String>, status: SigStatus, reason: String) -> Self {
        Self {
            tag: tag.to_string(),
            target,
            status,
            warnings: Vec::new(),
            key: None,
            created: None,
            reason,
            ok: false,
        }
    }
}

/// Splits a tag object into the signed payload and its OpenPGP signature.
pub fn split_signed_tag(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut at = None;
    let mut from = 0;
    while let Some(i) = find_bytes(&data[from..], PGP_SIGNATURE) {
        let pos = from + i;
        if pos == 0 || data[pos - 1] == b'\n' {
            at = Some(pos);
        }
        from = pos + 1;
    }
    at.map(|i| (&data[..i], &data[i..]))
}

/// Verifies every tag of the git repository at `root`, or with `at` only
/// the tags pointing to that object (full hex id). A folder that is not a
/// git repository yields one failing entry saying so.
pub fn verify_tags(root: &Path, ring: &Keyring, strict: bool, at: Option<&str>) -> Vec<TagReport> {
    match read_tags(root) {
        Ok(tags) => tags
            .into_par_iter()
            .filter(|t| at.is_none_or(|id| t.target.as_deref() == Some(id)))
            .map(|t| judge_tag(ring, t, strict))
            .collect(),
        Err(e) => {
            // The causes, `outer: inner`, as the reason.
            let causes: Vec<String> =
                std::iter::successors(Some(&e.0 as &dyn std::error::Error), |c| c.source())
                    .map(ToString::to_string)
                    .collect();
            vec![TagReport::failed(
                "(repository)",
                None,
                SigStatus::Malformed,
                format!("the tags cannot be read: {}", causes.join(": ")),
            )]
        }
    }
}

/// A tag as read from the repository.
struct RawTag {
    name: String,
    target: Option<String>,
    /// Raw tag object, `None` for a lightweight tag.
    object: Option<Vec<u8>>,
    problem: Option<String>,
}

/// Why the tags of a repository cannot be read (not a git repository, or
/// references gitoxide cannot list); the verdict on the tags then says so
/// in one failing entry.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct TagsError(#[source] gix::Error);

impl crate::error::Coded for TagsError {
    fn code(&self) -> &'static str {
        "tags-unreadable"
    }
    fn class(&self) -> crate::error::ErrorClass {
        crate::error::ErrorClass::Failure
    }
}

fn read_tags(root: &Path) -> Result<Vec<RawTag>, TagsError> {
    let repo = gix::open(root).map_err(TagsError)?;
    let mut out = Vec::new();
    let platform = repo.references().map_err(TagsError)?;
    for r in platform.tags().map_err(TagsError)? {
        let r = r.map_err(TagsError)?;
        let name = r.name().shorten().to_string();
        let Some(id) = r.target().try_id().map(|id| id.to_owned()) else {
            out.push(RawTag {
                name,
                target: None,
                object: None,
                problem: Some("symbolic tag reference".into()),
            });
            continue;
        };
        match repo.find_object(id) {
            Ok(obj) if obj.kind == gix::object::Kind::Tag => {
                let data = obj.data.clone();
                let target = gix::objs::TagRef::from_bytes(&data, gix::hash::Kind::Sha1)
                    .ok()
                    .map(|t| t.target().to_string());
                out.push(RawTag {
                    name,
                    target,
                    object: Some(data),
                    problem: None,
                });
            }
            Ok(obj) => out.push(RawTag {
                name,
                target: Some(obj.id.to_string()),
                object: None,
                problem: None,
            }),
            Err(e) => out.push(RawTag {
                name,
                target: Some(id.to_string()),
                object: None,
                problem: Some(format!("the tag object cannot be read: {e}")),
            }),
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn judge_tag(ring: &Keyring, t: RawTag, strict: bool) -> TagReport {
    if let Some(p) = t.problem {
        return TagReport::failed(&t.name, t.target, SigStatus::Malformed, p);
    }
    let Some(object) = t.object else {
        return unsigned(
            t.name,
            t.target,
            "lightweight tag: nothing to verify",
            strict,
        );
    };
    let Some((payload, sig)) = split_signed_tag(&object) else {
        return unsigned(
            t.name,
            t.target,
            "annotated tag without an OpenPGP signature",
            strict,
        );
    };
    let j = single_signature(ring, payload, sig);
    let ok = signature_counts(j.status, &j.warnings, strict);
    TagReport {
        tag: t.name,
        target: t.target,
        status: j.status,
        warnings: j.warnings,
        key: j.key,
        created: j.created,
        reason: j.reason,
        ok,
    }
}

/// The judgement on a git object's one signature (a tag's or a commit's):
/// if several signature packets were found, the worst one decides. Judged
/// as a detached signature over the payload, through the judgement cache
/// when one is in use ([`super::judgecache`]).
pub(crate) fn single_signature(ring: &Keyring, payload: &[u8], sig: &[u8]) -> Judgement {
    judge(ring, &Document::new(payload), Signed::Detached(sig))
        .into_iter()
        .max_by_key(|j| (j.status != SigStatus::Valid, j.status))
        .expect("verify_detached always returns a judgement")
}

/// A tag without a signature: listed, failing only under `strict`.
fn unsigned(tag: String, target: Option<String>, what: &str, strict: bool) -> TagReport {
    let reason = if strict {
        format!("{what} (fails under --strict)")
    } else {
        what.to_string()
    };
    TagReport {
        ok: !strict,
        ..TagReport::failed(&tag, target, SigStatus::Unsigned, reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_the_last_signature_at_line_start() {
        let data = b"object abc\ntype commit\ntag v1\n\nmessage mentions -----BEGIN PGP SIGNATURE----- inline\n-----BEGIN PGP SIGNATURE-----\nxyz\n-----END PGP SIGNATURE-----\n";
        let (payload, sig) = split_signed_tag(data).unwrap();
        assert!(payload.ends_with(b"inline\n"));
        assert!(sig.starts_with(PGP_SIGNATURE));
        assert!(split_signed_tag(b"object abc\n\nno signature\n").is_none());
    }

    #[test]
    fn unsigned_tags_fail_only_under_strict() {
        let relaxed = unsigned("v1".into(), Some("abc".into()), "lightweight tag", false);
        assert_eq!((relaxed.status, relaxed.ok), (SigStatus::Unsigned, true));
        assert_eq!(relaxed.target.as_deref(), Some("abc"));
        let strict = unsigned("v1".into(), None, "lightweight tag", true);
        assert_eq!((strict.status, strict.ok), (SigStatus::Unsigned, false));
        assert!(strict.reason.contains("--strict"), "{}", strict.reason);
    }
}
