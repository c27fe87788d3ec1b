//! Signing a document of the pack as a team member.

use std::ffi::OsStr;

use crate::error::IoError;

use super::TeamError;
use crate::bulletin::template::{describe, template_lines};
use crate::config::PackConfig;
use crate::fsutil::write_atomic;
use crate::pack::{FileClass, OtherReason, Pack};
use crate::signing::{sign_detached, sign_with_gpg, Framing, SigningError, SigningKey};
use crate::trust::keyring::{KeyEntry, Keyring};
use crate::trust::verdict::{KeyStatus, SigStatus};

/// What makes the signature.
pub enum Backend<'a> {
    /// An unlocked secret key file.
    KeyFile(&'a SigningKey),
    /// The user's GnuPG (gpg-agent, smartcard): the program to run.
    Gpg(&'a OsStr),
}

impl Backend<'_> {
    /// An armoured detached signature of `data` by the key `fingerprint`
    /// (the key file's own, or the one gpg is asked for).
    pub(super) fn sign(&self, fingerprint: &str, data: &[u8]) -> Result<String, SigningError> {
        match self {
            Self::KeyFile(key) => sign_detached(key, data),
            Self::Gpg(program) => sign_with_gpg(program, fingerprint, data, Framing::Detached),
        }
    }
}

/// A signature written.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Signed {
    /// The signed document, relative to the pack root.
    pub document: String,
    /// The signature file written, relative to the pack root.
    pub signature: String,
    /// Fingerprint of the key that signed.
    pub key: String,
    /// The key's file in the pack.
    pub key_file: String,
}

/// Whether `entry` is member `name`'s key: the fingerprint `secpack.toml`
/// pins for that signer, else a key file named `name-*`, `name_*` or `name.*`.
fn names_member(config: &PackConfig, name: &str, entry: &KeyEntry) -> bool {
    let fpr = entry.fingerprint.as_deref().unwrap_or("");
    if let Some(pinned) = config
        .team
        .iter()
        .find(|m| m.signer.eq_ignore_ascii_case(name))
        .and_then(|m| m.fingerprint.as_ref())
    {
        let pinned: String = pinned.chars().filter(|c| !c.is_whitespace()).collect();
        return pinned.eq_ignore_ascii_case(fpr);
    }
    crate::pack::key_file_names_signer(&entry.file, name)
}

/// The current key of member `name` (not retired, not a duplicate).
pub fn member_entry<'r>(
    pack: &Pack,
    ring: &'r Keyring,
    name: &str,
) -> Result<&'r KeyEntry, TeamError> {
    let found: Vec<&KeyEntry> = ring
        .entries
        .iter()
        .filter(|e| !e.retired && e.status != KeyStatus::Duplicate && e.fingerprint.is_some())
        .filter(|e| names_member(&pack.config, name, e))
        .collect();
    match found.as_slice() {
        [] => Err(TeamError::NoMemberKey(name.to_string())),
        [one] => Ok(one),
        many => Err(TeamError::AmbiguousMember(
            name.to_string(),
            many.iter()
                .map(|e| e.file.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        )),
    }
}

/// Checks that `entry` is a current key of member `name` that the pinned
/// master certifies, and that its role is among `roles` (when the pack
/// restricts them); `wrong_role` words the refusal for the place signed.
pub(super) fn check_key(
    config: &PackConfig,
    entry: &KeyEntry,
    name: &str,
    roles: Option<&[String]>,
    wrong_role: impl FnOnce(String, String, String) -> TeamError,
) -> Result<(), TeamError> {
    let fpr = entry.fingerprint.clone().unwrap_or_default();
    if entry.status != KeyStatus::Certified {
        return Err(TeamError::UntrustedKey(
            fpr,
            entry.file.clone(),
            entry.reason.clone(),
        ));
    }
    if entry.retired {
        return Err(TeamError::RetiredKey(fpr, entry.file.clone()));
    }
    if !names_member(config, name, entry) {
        return Err(TeamError::SignerMismatch(
            fpr,
            entry.file.clone(),
            name.to_string(),
        ));
    }
    if let Some(roles) = roles {
        if !roles.contains(&entry.role) {
            return Err(wrong_role(fpr, entry.role.clone(), roles.join(", ")));
        }
    }
    Ok(())
}

/// The pack's key that signs for member `signer` with `backend`: the key
/// file's own (which must be in the pack: else `untrusted-key`), or,
/// through gpg, the member's. A name no key of the pack belongs to (retired
/// keys included) is no member: `no-such-member`, as `key export` says,
/// rather than a key that "does not belong" to it.
pub(super) fn signing_entry<'r>(
    pack: &Pack,
    ring: &'r Keyring,
    signer: &str,
    backend: &Backend<'_>,
) -> Result<&'r KeyEntry, TeamError> {
    let is_member = || {
        ring.entries
            .iter()
            .any(|e| names_member(&pack.config, signer, e))
    };
    let no_such_member = || TeamError::NoSuchMember(signer.to_string());
    match backend {
        Backend::KeyFile(key) => {
            let fpr = key.cert_fingerprint();
            let entry = fpr
                .parse()
                .ok()
                .and_then(|p| ring.entry_by_fingerprint(&p))
                .ok_or_else(|| {
                    TeamError::UntrustedKey(
                        fpr,
                        "no key file".into(),
                        "the key is not in the pack".into(),
                    )
                })?;
            is_member().then_some(entry).ok_or_else(no_such_member)
        }
        Backend::Gpg(_) if !is_member() => Err(no_such_member()),
        Backend::Gpg(_) => member_entry(pack, ring, signer),
    }
}

/// Whether a file that is neither a key, a document nor a signature may be
/// signed: a new file nobody signed yet, the tracker's data, a readme. A
/// template, a helper script, git's metadata, a stray signature or a non-key
/// file among the keys may not.
fn signable(reason: OtherReason) -> bool {
    matches!(
        reason,
        OtherReason::Unsigned | OtherReason::Tracker | OtherReason::Readme
    )
}

/// Signs `document` (relative to the pack root) as member `signer` and writes
/// `<document>.sig.<signer>` atomically.
///
/// Refused before signing: a file that is not a document (a template, a
/// tool...), a bulletin that still holds template text (a draft: see
/// [`crate::bulletin::template`]), a key the pinned
/// master does not certify (or retired, or of a role that may not sign in
/// that folder, or not `signer`'s), an existing signature without `force`.
/// After signing, the signature is verified with the pack's keyring; if it
/// is not valid and made by that key, nothing is written.
pub fn sign_document(
    pack: &Pack,
    ring: &Keyring,
    document: &str,
    signer: &str,
    backend: Backend<'_>,
    force: bool,
) -> Result<Signed, TeamError> {
    if !crate::pack::is_new_signer_name(signer) {
        return Err(TeamError::BadSignerName(signer.to_string()));
    }
    let folder = match pack.file(document).map(|f| &f.class) {
        Some(FileClass::Document { folder, .. }) => folder.clone(),
        // A template, a tool, a stray signature... is never signed.
        Some(FileClass::Other { reason }) if !signable(*reason) => {
            return Err(TeamError::NotADocument(
                document.to_string(),
                reason.describe().to_string(),
            ));
        }
        Some(FileClass::Other { .. }) if document.contains('/') => {
            document.split('/').next().unwrap_or_default().to_string()
        }
        Some(other) => {
            let why = match other {
                FileClass::Key { .. } => {
                    "a key file: the master key certifies keys (`secpack key certify`)".to_string()
                }
                FileClass::Signature { .. } => "a signature file".to_string(),
                FileClass::Link { target } => format!("a symbolic link: sign its target {target}"),
                FileClass::Refused { reason } => {
                    format!("a file secpack refuses to read: {reason}")
                }
                // Only secpack.toml is signed at the root: a document's
                // folder sets who signs it and how many must.
                FileClass::Document { .. } | FileClass::Other { .. } => {
                    "a file at the pack's root, outside every folder of documents".to_string()
                }
            };
            return Err(TeamError::NotADocument(document.to_string(), why));
        }
        None => {
            return Err(TeamError::NotADocument(
                document.to_string(),
                "not in the pack".into(),
            ))
        }
    };
    let entry = signing_entry(pack, ring, signer, &backend)?;
    check_key(
        &pack.config,
        entry,
        signer,
        pack.config.allowed_roles(&folder),
        |fpr, role, allowed| TeamError::WrongRole(fpr, role, folder.clone(), allowed),
    )?;
    let fpr = entry.fingerprint.clone().unwrap_or_default();

    let sig_rel = format!("{document}.sig.{signer}");
    let sig_path = pack.path_of(&sig_rel);
    if !force && sig_path.symlink_metadata().is_ok() {
        return Err(TeamError::SignatureExists(sig_rel));
    }
    let doc_path = pack.path_of(document);
    let data = std::fs::read(&doc_path).map_err(|e| IoError::new("reading", &doc_path, e))?;
    if pack.config.layout.is_bulletin_text(document) {
        let left = template_lines(&String::from_utf8_lossy(&data));
        if !left.is_empty() {
            return Err(TeamError::TemplateText(
                document.to_string(),
                describe(&left),
            ));
        }
    }
    let signature = backend.sign(&fpr, &data)?;
    self_check(ring, &data, signature.as_bytes(), &fpr, document)?;
    write_atomic(&sig_path, signature.as_bytes(), force)?;
    Ok(Signed {
        document: document.to_string(),
        signature: sig_rel,
        key: fpr,
        key_file: entry.file.clone(),
    })
}

/// Checks that `signature`, just made, is a valid signature of `data` by the
/// key `fpr` with the pack's keys; `what` names the signed thing in the
/// error ([`TeamError::SelfCheckFailed`]).
pub(super) fn self_check(
    ring: &Keyring,
    data: &[u8],
    signature: &[u8],
    fpr: &str,
    what: &str,
) -> Result<(), TeamError> {
    let judgements = ring.verify_detached(data, signature);
    let good = judgements
        .iter()
        .any(|j| j.status == SigStatus::Valid && j.key.as_deref() == Some(fpr));
    if good {
        return Ok(());
    }
    let why = if judgements.is_empty() {
        "no signature in gpg's output".to_string()
    } else {
        judgements
            .iter()
            .map(|j| format!("{}: {}", j.status.code(), j.reason))
            .collect::<Vec<_>>()
            .join("; ")
    };
    Err(TeamError::SelfCheckFailed(what.to_string(), why))
}
