//! Checking an image against a digest file: the digests compared, and the
//! verdict on the digest file's signature.
//!
//! Both halves take already-computed inputs (the digests of the image, the
//! trust engine's judgements) so that callers decide how to read files and
//! where signatures come from.

use serde::Serialize;

use super::file::DigestFile;
use super::hashing::Computed;
use super::Algorithm;
use crate::trust::keyring::{KeyEntry, Keyring};
use crate::trust::signature::Judgement;
use crate::trust::verdict::{SigStatus, SigWarning};

/// How one listed digest compares with the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DigestStatus {
    /// The image has this digest.
    Match,
    /// The image has another digest: it is damaged or not the image listed.
    Mismatch,
}

impl DigestStatus {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Match => "match",
            Self::Mismatch => "mismatch",
        }
    }
}

/// One digest line for the image, compared.
#[derive(Debug, Clone, Serialize)]
pub struct DigestResult {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// The verdict.
    pub status: DigestStatus,
    /// The digest the file lists.
    pub expected: String,
    /// The digest of the image.
    pub actual: String,
    /// Line of the digest file.
    pub line: usize,
}

/// Why the digests of an image could not be compared at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompareError {
    /// The digest file lists no digest at all.
    #[error("the digest file lists no digest")]
    Empty,
    /// The digest file lists other files only.
    #[error("digest file is for another name: it lists {listed}, not {image}")]
    OtherName {
        /// The image's file name.
        image: String,
        /// The names the file lists, comma separated.
        listed: String,
    },
}

impl CompareError {
    /// A stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "no-digests",
            Self::OtherName { .. } => "other-name",
        }
    }
}

/// The algorithms `file` lists for `image_name`, to compute in one pass.
pub fn algorithms_for(file: &DigestFile, image_name: &str) -> Result<Vec<Algorithm>, CompareError> {
    let mut algorithms: Vec<Algorithm> =
        file.entries_for(image_name).map(|e| e.algorithm).collect();
    if algorithms.is_empty() {
        return Err(if file.entries.is_empty() {
            CompareError::Empty
        } else {
            CompareError::OtherName {
                image: image_name.to_string(),
                listed: file.names().join(", "),
            }
        });
    }
    algorithms.sort();
    algorithms.dedup();
    Ok(algorithms)
}

/// Compares every digest `file` lists for `image_name` with `computed`
/// (which must hold every algorithm [`algorithms_for`] returned), in file
/// order.
pub fn compare(
    file: &DigestFile,
    image_name: &str,
    computed: &[Computed],
) -> Result<Vec<DigestResult>, CompareError> {
    algorithms_for(file, image_name)?;
    Ok(file
        .entries_for(image_name)
        .map(|e| {
            let actual = computed
                .iter()
                .find(|c| c.algorithm == e.algorithm)
                .map(|c| c.hex.clone())
                .unwrap_or_default();
            DigestResult {
                algorithm: e.algorithm,
                status: if actual == e.hex {
                    DigestStatus::Match
                } else {
                    DigestStatus::Mismatch
                },
                expected: e.hex.clone(),
                actual,
                line: e.line,
            }
        })
        .collect())
}

/// The verdict on a digest file's signature.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureVerdict {
    /// The trust engine's verdict ([`SigStatus`] code); `unsigned` when the
    /// file carries no signature.
    pub status: SigStatus,
    /// Remarks: the engine's warnings, and `wrong-role` when a valid
    /// signature was not made by a release key.
    pub warnings: Vec<SigWarning>,
    /// Whether the signature is trusted for digests: valid, made by a
    /// release key the pinned master certifies.
    pub trusted: bool,
    /// Fingerprint of the signing certificate, when known.
    pub key: Option<String>,
    /// The signing key's pack file, when it is in the pack.
    pub key_file: Option<String>,
    /// Role of the signing key, when it is in the pack.
    pub role: Option<String>,
    /// Where the signature was: `cleartext`, a detached file, or none.
    pub source: String,
    /// Why, in a sentence.
    pub reason: String,
}

impl SignatureVerdict {
    /// The verdict on a file without any signature.
    pub fn unsigned(reason: impl Into<String>) -> Self {
        Self {
            status: SigStatus::Unsigned,
            warnings: Vec::new(),
            trusted: false,
            key: None,
            key_file: None,
            role: None,
            source: "none".to_string(),
            reason: reason.into(),
        }
    }

    /// Judges the trust engine's `judgements` on a digest file's signature(s)
    /// found in `source`: trusted when one is valid and made by a certified
    /// key of a role `roles` allows (the configuration's roles for the
    /// digests folder, [`crate::config::PackConfig::allowed_roles`]: release
    /// keys by default; `None`: any certified key). Otherwise the most
    /// telling failure is reported (a valid signature by a key of another
    /// role first).
    pub fn judge(
        ring: &Keyring,
        judgements: &[Judgement],
        source: &str,
        roles: Option<&[String]>,
    ) -> Self {
        let entry_of = |j: &Judgement| {
            let fpr = j.key.as_ref()?.parse().ok()?;
            ring.entry_by_fingerprint(&fpr)
        };
        let allowed =
            |e: Option<&KeyEntry>| e.is_some_and(|e| roles.is_none_or(|r| r.contains(&e.role)));
        let best = judgements
            .iter()
            .filter(|j| j.status == SigStatus::Valid)
            .max_by_key(|j| allowed(entry_of(j)))
            .or_else(|| judgements.first());
        let Some(j) = best else {
            return Self::unsigned(format!("{source} holds no signature"));
        };
        let entry = entry_of(j);
        let mut warnings = j.warnings.clone();
        let mut reason = j.reason.clone();
        let role_ok = allowed(entry);
        if j.status == SigStatus::Valid && !role_ok {
            warnings.push(SigWarning::WrongRole);
            reason = format!(
                "{reason}, but that is a {} key: digests must be signed by a {} key",
                entry.map_or("non-release", |e| e.role.as_str()),
                roles.unwrap_or_default().join(" or ")
            );
        }
        Self {
            status: j.status,
            warnings,
            trusted: j.status == SigStatus::Valid && role_ok,
            key: j.key.clone(),
            key_file: entry.map(|e| e.file.clone()),
            role: entry.map(|e| e.role.clone()),
            source: source.to_string(),
            reason,
        }
    }
}

impl crate::error::Coded for CompareError {
    fn code(&self) -> &'static str {
        CompareError::code(self)
    }
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass;
        ErrorClass::Failure
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MD5: &str = "0123456789abcdef0123456789abcdef";

    fn computed(algorithm: Algorithm, hex: &str) -> Computed {
        Computed {
            algorithm,
            hex: hex.to_string(),
        }
    }

    #[test]
    fn only_lines_for_the_image_count() {
        let sha1 = "1".repeat(40);
        let file = DigestFile::parse(&format!(
            "{MD5} *a.iso\n{sha1} *a.iso\n{} *b.iso\n",
            "f".repeat(32)
        ))
        .unwrap();
        assert_eq!(
            algorithms_for(&file, "a.iso").unwrap(),
            [Algorithm::Md5, Algorithm::Sha1]
        );
        let got = compare(
            &file,
            "a.iso",
            &[
                computed(Algorithm::Md5, MD5),
                computed(Algorithm::Sha1, &"2".repeat(40)),
            ],
        )
        .unwrap();
        let statuses: Vec<_> = got
            .iter()
            .map(|r| (r.algorithm, r.status, r.line))
            .collect();
        assert_eq!(
            statuses,
            [
                (Algorithm::Md5, DigestStatus::Match, 1),
                (Algorithm::Sha1, DigestStatus::Mismatch, 2)
            ]
        );
    }

    #[test]
    fn another_name_and_empty_files_are_errors() {
        let file = DigestFile::parse(&format!("{MD5} *b.iso\n{MD5} *c.iso\n")).unwrap();
        let e = compare(&file, "a.iso", &[]).unwrap_err();
        assert_eq!(e.code(), "other-name");
        assert!(e.to_string().contains("another name"));
        assert!(e.to_string().contains("b.iso, c.iso"));
        let e = algorithms_for(&DigestFile::parse("# nothing\n").unwrap(), "a.iso").unwrap_err();
        assert_eq!(e, CompareError::Empty);
    }
}
