//! Verdicts: the stable codes secpack gives signatures and keys, each with a
//! sentence a person understands.
//!
//! The codes are part of secpack's interface (`--json`, exit status); they
//! never change meaning. New codes may be added.

use std::fmt;

use serde::Serialize;

/// The verdict on one signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum SigStatus {
    /// The signature matches the document and was made by a key the master
    /// certifies, valid when it signed.
    Valid,
    /// The signature does not match the document.
    Bad,
    /// No key in the pack made this signature.
    UnknownKey,
    /// The key that made it is in the pack but not certified by the master key.
    UntrustedKey,
    /// The key that made it was revoked.
    RevokedKey,
    /// The key that made it had expired when it signed.
    ExpiredKey,
    /// The signature file cannot be parsed as an OpenPGP signature.
    Malformed,
    /// The signature uses an algorithm too weak to be accepted at all (MD5,
    /// short keys), under any policy.
    RejectedAlgorithm,
    /// There is no signature where one is required (an unsigned git tag).
    Unsigned,
    /// An OpenPGP signature of a kind that cannot sign a document (a key
    /// self-signature, a certification, a revocation, a standalone or
    /// timestamp signature): only binary (0x00) and text (0x01) signatures do.
    NotADocumentSignature,
    /// The signature itself has expired (its own expiration time has passed).
    ExpiredSignature,
    /// A clear-signed file holds text its signature does not cover: text
    /// before or after the signed message, a second signed message, or a
    /// header line other than `Hash:`.
    ExtraContent,
    /// A clear-signed message whose `Hash:` header does not name the
    /// signature's hash algorithm (or names one GnuPG does not know, or is
    /// missing): GnuPG refuses these as a "digest conflict".
    HashHeaderMismatch,
}

impl SigStatus {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Bad => "bad",
            Self::UnknownKey => "unknown-key",
            Self::UntrustedKey => "untrusted-key",
            Self::RevokedKey => "revoked-key",
            Self::ExpiredKey => "expired-key",
            Self::Malformed => "malformed",
            Self::RejectedAlgorithm => "rejected-algorithm",
            Self::Unsigned => "unsigned",
            Self::NotADocumentSignature => "not-a-document-signature",
            Self::ExpiredSignature => "expired-signature",
            Self::ExtraContent => "extra-content",
            Self::HashHeaderMismatch => "hash-header-mismatch",
        }
    }

    /// Every status, for documentation and tests.
    pub const ALL: [SigStatus; 13] = [
        Self::Valid,
        Self::Bad,
        Self::UnknownKey,
        Self::UntrustedKey,
        Self::RevokedKey,
        Self::ExpiredKey,
        Self::Malformed,
        Self::RejectedAlgorithm,
        Self::Unsigned,
        Self::NotADocumentSignature,
        Self::ExpiredSignature,
        Self::ExtraContent,
        Self::HashHeaderMismatch,
    ];

    /// What the code means, in one sentence.
    pub fn meaning(self) -> &'static str {
        match self {
            Self::Valid => "matches the document; made by a certified key valid at signing time",
            Self::Bad => "does not match the document (it or the signature was altered)",
            Self::UnknownKey => "made by a key that is not in the pack",
            Self::UntrustedKey => "made by a key the pinned master key does not certify",
            Self::RevokedKey => "made by a key that has been revoked",
            Self::ExpiredKey => "made by a key that had expired when it signed",
            Self::Malformed => "not a readable OpenPGP signature",
            Self::RejectedAlgorithm => "uses an algorithm too weak to be trusted",
            Self::Unsigned => "carries no signature where one is required",
            Self::ExtraContent => {
                "the clear-signed file holds text its signature does not cover \
                 (before or after the signed message, a second signed message)"
            }
            Self::HashHeaderMismatch => {
                "the Hash: header of the clear-signed message does not name the signature's hash \
                 algorithm"
            }
            Self::NotADocumentSignature => {
                "a signature of a kind that cannot sign a document (key or certification signature)"
            }
            Self::ExpiredSignature => "the signature's own expiration time has passed",
        }
    }
}

impl fmt::Display for SigStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A remark on a valid signature: accepted (as GnuPG accepts it), but worth
/// knowing. `--strict` turns every warning into a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum SigWarning {
    /// Made with SHA-1, which is broken for collisions.
    WeakHash,
    /// The key's binding self-signature was re-issued after the document was
    /// signed and no older one survives: the key was bound when it signed only
    /// by the later binding.
    BindingAfterSignature,
    /// `<doc>.sig.alice` was made by someone else's key.
    SignerNameMismatch,
    /// A document signed by a key whose role may not sign in its folder (a
    /// bulletin signed by a release key).
    WrongRole,
    /// The signature file's name does not follow `<doc>.sig.<who>`.
    NonstandardName,
    /// The key was later retired (kept under `retired/`); it was valid then.
    RetiredKey,
}

impl SigWarning {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::WeakHash => "weak-hash",
            Self::BindingAfterSignature => "binding-after-signature",
            Self::SignerNameMismatch => "signer-name-mismatch",
            Self::WrongRole => "wrong-role",
            Self::NonstandardName => "nonstandard-name",
            Self::RetiredKey => "retired-key",
        }
    }

    /// Every warning, for documentation and tests.
    pub const ALL: [SigWarning; 6] = [
        Self::WeakHash,
        Self::BindingAfterSignature,
        Self::SignerNameMismatch,
        Self::WrongRole,
        Self::NonstandardName,
        Self::RetiredKey,
    ];

    /// Whether `--strict` fails a signature carrying this warning. Retired
    /// keys signed legitimately in their time; that is information only.
    pub fn fails_strict(self) -> bool {
        !matches!(self, Self::RetiredKey)
    }
}

/// Whether a signature counts: `valid`, and under `--strict` free of the
/// warnings that fail it. The one rule behind the `ok` of every document
/// signature, tag and commit signature.
pub fn signature_counts(status: SigStatus, warnings: &[SigWarning], strict: bool) -> bool {
    status == SigStatus::Valid && (!strict || !warnings.iter().any(|w| w.fails_strict()))
}

impl fmt::Display for SigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The verdict on one key file entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyStatus {
    /// The key the user pinned.
    Master,
    /// Certified by the master key with a valid, unrevoked certification.
    Certified,
    /// Not certified by the master key: nothing it signs is trusted.
    Uncertified,
    /// The master's certification was revoked.
    CertificationRevoked,
    /// The key file cannot be parsed.
    Malformed,
    /// The same key appears in another file, listed there.
    Duplicate,
}

impl KeyStatus {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Master => "master",
            Self::Certified => "certified",
            Self::Uncertified => "uncertified",
            Self::CertificationRevoked => "certification-revoked",
            Self::Malformed => "malformed",
            Self::Duplicate => "duplicate",
        }
    }

    /// Every key status, for documentation and tests.
    pub const ALL: [KeyStatus; 6] = [
        Self::Master,
        Self::Certified,
        Self::Uncertified,
        Self::CertificationRevoked,
        Self::Malformed,
        Self::Duplicate,
    ];

    /// Whether signatures by this key can be trusted.
    pub fn is_trusted(self) -> bool {
        matches!(self, Self::Master | Self::Certified)
    }
}

impl fmt::Display for KeyStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_their_serde_names() {
        for s in SigStatus::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.code());
            assert!(!s.meaning().is_empty());
        }
        for w in [
            SigWarning::WeakHash,
            SigWarning::BindingAfterSignature,
            SigWarning::SignerNameMismatch,
            SigWarning::WrongRole,
            SigWarning::NonstandardName,
            SigWarning::RetiredKey,
        ] {
            assert_eq!(serde_json::to_value(w).unwrap(), w.code());
        }
        for k in [
            KeyStatus::Master,
            KeyStatus::Certified,
            KeyStatus::Uncertified,
            KeyStatus::CertificationRevoked,
            KeyStatus::Malformed,
            KeyStatus::Duplicate,
        ] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.code());
        }
    }
}
