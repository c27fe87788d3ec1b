//! Judging signatures: detached, cleartext-signed and inline.
//!
//! Sequoia's streaming verifiers parse and hash (binary and text mode, the
//! cleartext signature framework) under the pack policy. Every result they
//! give is then classified here into one [`SigStatus`] with a reason. One
//! function, `decide`, grants `valid`, and every path that can end there goes
//! through it: the signature must be of a document kind (binary or text),
//! accepted by the policy, alive, made by a key the pinned master certifies
//! that was alive, unrevoked and signing-capable when it signed, and match the
//! document. One case Sequoia rejects is looked at again deliberately: a key
//! whose only binding self-signature is newer than the document (re-issued to
//! extend its expiry, older ones dropped). GnuPG accepts those; secpack
//! accepts them with the `binding-after-signature` warning when `decide`
//! grants the signature under the newer binding.

use std::time::SystemTime;

use chrono::{DateTime, Utc};
use openpgp::cert::prelude::*;
use openpgp::packet::Signature;
use openpgp::parse::stream::{
    DetachedVerifierBuilder, MessageLayer, MessageStructure, VerificationError, VerificationHelper,
    VerifierBuilder,
};
use openpgp::parse::Parse;
use openpgp::policy::{HashAlgoSecurity, Policy};
use openpgp::types::{ReasonForRevocation, RevocationStatus, SignatureType};
use openpgp::{Cert, KeyHandle};
use sequoia_openpgp as openpgp;

use super::armor::{dearmor, ArmorKind};
use super::cleartext;
use super::keyring::Keyring;
use super::policy::is_weak_hash;
use super::verdict::{SigStatus, SigWarning};

/// Largest signature file read.
pub const MAX_SIGNATURE_BYTES: u64 = 1 << 20;

/// The cryptographic verdict on one signature packet, before pack-level
/// checks (file names, roles, thresholds).
#[derive(Debug, Clone)]
pub struct Judgement {
    /// The verdict.
    pub status: SigStatus,
    /// Warnings on a signature that verified.
    pub warnings: Vec<SigWarning>,
    /// Primary fingerprint of the certificate that made it, when known.
    pub key: Option<String>,
    /// When the signature says it was made.
    pub created: Option<DateTime<Utc>>,
    /// When the signature says it expires, if it does.
    pub expires: Option<DateTime<Utc>>,
    /// The hash algorithm it uses.
    pub hash: Option<String>,
    /// Why, in a sentence.
    pub reason: String,
}

impl Judgement {
    fn malformed(reason: impl Into<String>) -> Self {
        Self {
            status: SigStatus::Malformed,
            warnings: Vec::new(),
            key: None,
            created: None,
            expires: None,
            hash: None,
            reason: reason.into(),
        }
    }

    fn of(sig: &Signature, status: SigStatus, reason: impl Into<String>) -> Self {
        Self {
            status,
            warnings: Vec::new(),
            key: None,
            created: sig.signature_creation_time().map(DateTime::<Utc>::from),
            expires: sig.signature_expiration_time().map(DateTime::<Utc>::from),
            hash: Some(sig.hash_algo().to_string()),
            reason: reason.into(),
        }
    }

    fn with_key(mut self, cert: &Cert) -> Self {
        self.key = Some(cert.fingerprint().to_hex());
        self
    }
}

impl Keyring {
    /// Judges the detached signature(s) in `sig` over `data`. A canonical
    /// armoured file is decoded on the fast path first; anything it does not
    /// take, or whose decoding does not parse, goes to Sequoia as it is.
    pub fn verify_detached(&self, data: &[u8], sig: &[u8]) -> Vec<Judgement> {
        self.verify_detached_armored(data, sig)
            .unwrap_or_else(|| self.verify_detached_packets(data, sig))
    }

    /// The fast path: `sig` decoded as one canonical armoured block and
    /// judged; `None` when it does not decode or a judgement is malformed,
    /// for the caller to take its own, general path.
    fn verify_detached_armored(&self, data: &[u8], sig: &[u8]) -> Option<Vec<Judgement>> {
        let binary = dearmor(sig, ArmorKind::Signature)?;
        let judgements = self.verify_detached_packets(data, &binary);
        judgements
            .iter()
            .all(|j| j.status != SigStatus::Malformed)
            .then_some(judgements)
    }

    /// [`Keyring::verify_detached`] without the fast path.
    fn verify_detached_packets(&self, data: &[u8], sig: &[u8]) -> Vec<Judgement> {
        let mut helper = Helper::new(self);
        let result = DetachedVerifierBuilder::from_bytes(sig).and_then(|b| {
            let mut v = b.with_policy(self.policy(), None, &mut helper)?;
            v.verify_bytes(data)
        });
        helper.finish(result)
    }

    /// Judges a cleartext-signed (or inline-signed) message. Returns the
    /// judgements and the signed text as the signature covers it. A message
    /// of the canonical cleartext shape is taken apart on the fast path and
    /// its signature block judged as a detached signature over the text;
    /// anything the fast path does not take, or whose signatures it cannot
    /// read, goes to Sequoia as it is. Whichever path reads it, the frame of
    /// a clear-signed message is judged once ([`cleartext::frame`]): text no
    /// signature covers (before or after the message, a second message, a
    /// header other than `Hash:`) refuses the file with `extra-content`,
    /// and a signature whose algorithm the `Hash:` header does not name is
    /// `hash-header-mismatch`, as GnuPG refuses them.
    pub fn verify_inline(&self, message: &[u8]) -> (Vec<Judgement>, Option<Vec<u8>>) {
        let frame = match cleartext::frame(message) {
            Ok(frame) => frame,
            Err(extra) => {
                let j = Judgement {
                    status: SigStatus::ExtraContent,
                    ..Judgement::malformed(extra.to_string())
                };
                return (vec![j], None);
            }
        };
        let fast = cleartext::split(message).and_then(|c| {
            let judgements = self.verify_detached_armored(&c.text, c.signature)?;
            Some((judgements, Some(c.text)))
        });
        let (mut judgements, text) = fast.unwrap_or_else(|| self.verify_inline_message(message));
        for j in &mut judgements {
            let hash = j.hash.as_deref();
            if let Some(reason) = frame
                .as_ref()
                .zip(hash)
                .and_then(|(f, h)| f.hash_mismatch(h))
            {
                j.status = SigStatus::HashHeaderMismatch;
                j.warnings.clear();
                j.reason = reason;
            }
        }
        (judgements, text)
    }

    /// [`Keyring::verify_inline`] without the fast path.
    fn verify_inline_message(&self, message: &[u8]) -> (Vec<Judgement>, Option<Vec<u8>>) {
        let mut helper = Helper::new(self);
        let mut text = Vec::new();
        let result = VerifierBuilder::from_bytes(message).and_then(|b| {
            let mut v = b.with_policy(self.policy(), None, &mut helper)?;
            std::io::copy(&mut v, &mut text)?;
            Ok(())
        });
        let ok = result.is_ok();
        (helper.finish(result), ok.then_some(text))
    }
}

/// Collects and classifies the verifier's results.
struct Helper<'a> {
    ring: &'a Keyring,
    out: Vec<Judgement>,
}

impl<'a> Helper<'a> {
    fn new(ring: &'a Keyring) -> Self {
        Self {
            ring,
            out: Vec::new(),
        }
    }

    fn finish(self, result: openpgp::Result<()>) -> Vec<Judgement> {
        let mut out = self.out;
        match result {
            Err(e) if out.is_empty() => {
                out.push(Judgement::malformed(format!(
                    "not a readable OpenPGP signature: {}",
                    error_chain(&e)
                )));
            }
            // The signatures were judged; a later error (e.g. trailing
            // garbage) still makes the file suspect.
            Err(e) => out.push(Judgement::malformed(format!(
                "the signature file is damaged after its signature: {}",
                error_chain(&e)
            ))),
            Ok(()) if out.is_empty() => {
                out.push(Judgement::malformed("the file holds no signature"));
            }
            Ok(()) => {}
        }
        out
    }
}

impl VerificationHelper for &mut Helper<'_> {
    fn get_certs(&mut self, ids: &[KeyHandle]) -> openpgp::Result<Vec<Cert>> {
        Ok(self.ring.certs_for(ids))
    }

    fn check(&mut self, structure: MessageStructure) -> openpgp::Result<()> {
        for layer in structure {
            match layer {
                MessageLayer::SignatureGroup { results } => {
                    for r in results {
                        let j = judge(self.ring, r);
                        self.out.push(j);
                    }
                }
                MessageLayer::Compression { .. } => {}
                MessageLayer::Encryption { .. } => {
                    return Err(EncryptedMessage.into());
                }
            }
        }
        Ok(())
    }
}

/// An encrypted message where a signature was expected.
#[derive(Debug, thiserror::Error)]
#[error("encrypted messages are not signatures")]
struct EncryptedMessage;

/// Sequoia's error with its causes (`outer: inner`), as `{:#}` shows it.
fn error_chain(e: &impl std::fmt::Display) -> String {
    format!("{e:#}")
}

fn date(t: SystemTime) -> String {
    DateTime::<Utc>::from(t).format("%Y-%m-%d").to_string()
}

/// Classifies one verification result. Every result that could end in
/// `valid` is handed to [`decide`], the one function that grants it.
fn judge(
    ring: &Keyring,
    r: Result<openpgp::parse::stream::GoodChecksum, VerificationError>,
) -> Judgement {
    match r {
        Ok(good) => decide(ring, good.sig, &good.ka, Crypto::DoneByVerifier),
        Err(VerificationError::MissingKey { sig }) => {
            let ids: Vec<String> = sig.get_issuers().iter().map(|h| h.to_hex()).collect();
            Judgement::of(
                sig,
                SigStatus::UnknownKey,
                if ids.is_empty() {
                    "the signature names no issuer key".to_string()
                } else {
                    format!("no key in the pack has ID {}", ids.join(" or "))
                },
            )
        }
        Err(VerificationError::UnboundKey { sig, cert, error }) => {
            binding_after_signature(ring, sig, cert, &error)
        }
        Err(VerificationError::BadKey { sig, ka, error }) => {
            let cert = ka.cert().cert();
            let base = Judgement::of(sig, SigStatus::Bad, "").with_key(cert);
            if let Some(j) = untrusted(ring, cert, &base) {
                return j;
            }
            let sig_time = sig.signature_creation_time();
            let revoked = [ka.cert().revocation_status(), ka.revocation_status()]
                .into_iter()
                .find_map(|s| match s {
                    RevocationStatus::Revoked(r) => Some(r),
                    _ => None,
                });
            if let Some(revs) = revoked {
                let why = revs
                    .first()
                    .and_then(|r| r.reason_for_revocation())
                    .map(|(c, m)| format!("{c}: {}", String::from_utf8_lossy(m)))
                    .unwrap_or_else(|| "no reason given".into());
                return Judgement {
                    status: SigStatus::RevokedKey,
                    reason: format!("the signing key is revoked ({why})"),
                    ..base
                };
            }
            if ka.cert().alive().is_err() || ka.alive().is_err() {
                let exp = ka
                    .key_expiration_time()
                    .or_else(|| ka.cert().primary_key().key_expiration_time());
                return Judgement {
                    status: SigStatus::ExpiredKey,
                    reason: match (exp, sig_time) {
                        (Some(e), Some(s)) => format!(
                            "the signing key expired on {}, before it signed on {}",
                            date(e),
                            date(s)
                        ),
                        _ => format!("the signing key was not alive when it signed: {error}"),
                    },
                    ..base
                };
            }
            Judgement {
                status: SigStatus::UntrustedKey,
                reason: format!("the key may not make this signature: {error}"),
                ..base
            }
        }
        Err(VerificationError::BadSignature { sig, ka, error }) => {
            let base = Judgement::of(sig, SigStatus::Bad, "").with_key(ka.cert().cert());
            // The verifier stops at the first problem it meets; name the
            // signature's own problem when it has one, whatever the order.
            if let Some((status, reason)) = signature_problem(ring, sig) {
                return Judgement {
                    status,
                    reason,
                    ..base
                };
            }
            Judgement {
                reason: format!(
                    "the signature does not match the document: {}",
                    error_chain(&error)
                ),
                ..base
            }
        }
        Err(VerificationError::MalformedSignature { sig, error }) => Judgement::of(
            sig,
            SigStatus::Malformed,
            format!("malformed signature: {}", error_chain(&error)),
        ),
    }
}

/// Whether the signature's cryptographic check is still to be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Crypto {
    /// Sequoia's verifier found the signature good over the document.
    DoneByVerifier,
    /// Nobody checked it yet: [`decide`] does.
    ToDo,
}

/// The one place a document signature is judged `valid`.
///
/// Whatever path found the signature and its key, it is valid only if all of
/// these hold: the pinned master certifies the key; the signature is of a
/// kind that signs documents (binary 0x00 or text 0x01); it states when it
/// was made; the policy accepts its algorithms (SHA-1 allowed, with the
/// `weak-hash` warning); it has not expired; the key had not expired when it
/// signed, is not revoked (a hard revocation always counts, a soft one from
/// its date), and may sign; and the signature matches the document.
fn decide(
    ring: &Keyring,
    sig: &Signature,
    vka: &ValidErasedKeyAmalgamation<'_, openpgp::packet::key::PublicParts>,
    crypto: Crypto,
) -> Judgement {
    let cert = vka.cert().cert();
    let base = Judgement::of(sig, SigStatus::Bad, "").with_key(cert);
    if let Some(j) = untrusted(ring, cert, &base) {
        return j;
    }
    if let Some((status, reason)) = signature_problem(ring, sig) {
        return Judgement {
            status,
            reason,
            ..base
        };
    }
    let sig_time = sig
        .signature_creation_time()
        .expect("signature_problem requires a creation time");
    if let Some((status, reason)) = key_problem(vka, sig_time) {
        return Judgement {
            status,
            reason,
            ..base
        };
    }
    if crypto == Crypto::ToDo {
        if let Err(e) = sig.verify(vka.key()) {
            return Judgement {
                reason: format!("the signature does not match the document: {e}"),
                ..base
            };
        }
    }
    let mut j = Judgement {
        status: SigStatus::Valid,
        reason: format!(
            "good signature by {} made {}",
            cert.fingerprint(),
            date(sig_time)
        ),
        ..base
    };
    if is_weak_hash(sig.hash_algo()) {
        j.warnings.push(SigWarning::WeakHash);
    }
    j
}

/// What is wrong with the signature packet itself as a document signature,
/// whoever made it: its kind, its creation time, its algorithms, its expiry.
fn signature_problem(ring: &Keyring, sig: &Signature) -> Option<(SigStatus, String)> {
    if !matches!(sig.typ(), SignatureType::Binary | SignatureType::Text) {
        return Some((
            SigStatus::NotADocumentSignature,
            format!(
                "a {} signature (type 0x{:02x}) cannot sign a document; only binary and text \
                 signatures do (GnuPG: invalid signature class)",
                sig.typ(),
                u8::from(sig.typ())
            ),
        ));
    }
    if sig.signature_creation_time().is_none() {
        return Some((
            SigStatus::Malformed,
            "the signature has no creation time".into(),
        ));
    }
    if let Err(e) = ring
        .policy()
        .signature(sig, HashAlgoSecurity::CollisionResistance)
    {
        return Some((
            SigStatus::RejectedAlgorithm,
            format!("rejected by policy: {}", error_chain(&e)),
        ));
    }
    if let Err(e) = sig.signature_alive(None, None) {
        let when = sig
            .signature_expiration_time()
            .map(|t| format!(" on {}", date(t)))
            .unwrap_or_default();
        return Some((
            SigStatus::ExpiredSignature,
            format!("the signature expired{when} ({e})"),
        ));
    }
    None
}

/// What kept the key from making a signature at `sig_time`, judged under the
/// binding `vka` stands for: expiry, revocation, signing capability.
fn key_problem(
    vka: &ValidErasedKeyAmalgamation<'_, openpgp::packet::key::PublicParts>,
    sig_time: SystemTime,
) -> Option<(SigStatus, String)> {
    let expiries = [
        vka.key_expiration_time(),
        vka.cert().primary_key().key_expiration_time(),
    ];
    if let Some(exp) = expiries.into_iter().flatten().find(|e| *e <= sig_time) {
        return Some((
            SigStatus::ExpiredKey,
            format!(
                "the signing key expired on {}, before it signed on {}",
                date(exp),
                date(sig_time)
            ),
        ));
    }
    for status in [vka.cert().revocation_status(), vka.revocation_status()] {
        if let RevocationStatus::Revoked(revs) = status {
            let applies = revs.iter().any(|r| {
                let hard = r.reason_for_revocation().is_none_or(|(c, _)| {
                    c.revocation_type() == openpgp::types::RevocationType::Hard
                });
                hard || r.signature_creation_time().is_some_and(|t| t <= sig_time)
            });
            if applies {
                let why = revs
                    .first()
                    .and_then(|r| r.reason_for_revocation())
                    .map(|(c, _)| c)
                    .unwrap_or(ReasonForRevocation::Unspecified);
                return Some((
                    SigStatus::RevokedKey,
                    format!("the signing key is revoked ({why})"),
                ));
            }
        }
    }
    if !vka.for_signing() {
        return Some((
            SigStatus::UntrustedKey,
            "the key is not marked for signing".into(),
        ));
    }
    None
}

/// Returns the `untrusted-key` judgement when the master does not vouch for
/// `cert`.
fn untrusted(ring: &Keyring, cert: &Cert, base: &Judgement) -> Option<Judgement> {
    let entry = ring.entry_by_fingerprint(&cert.fingerprint());
    let trusted = entry.is_some_and(|e| e.status.is_trusted());
    if trusted {
        return None;
    }
    let reason = match entry {
        Some(e) => format!("the key in {} is {}: {}", e.file, e.status, e.reason),
        None => "the key is not in the pack".into(),
    };
    Some(Judgement {
        status: SigStatus::UntrustedKey,
        reason,
        ..base.clone()
    })
}

/// Sequoia found the key but no binding signature valid when it signed: the
/// key's surviving bindings may all be newer than the signature (re-issued
/// to extend the expiry, older ones dropped). GnuPG accepts that, and so
/// does secpack, with the `binding-after-signature` warning, when the newest
/// binding makes the key valid and [`decide`] grants the signature.
fn binding_after_signature(
    ring: &Keyring,
    sig: &Signature,
    cert: &Cert,
    error: &dyn std::fmt::Display,
) -> Judgement {
    let base = Judgement::of(sig, SigStatus::Bad, "").with_key(cert);
    if let Some(j) = untrusted(ring, cert, &base) {
        return j;
    }
    let Some(sig_time) = sig.signature_creation_time() else {
        return Judgement {
            status: SigStatus::Malformed,
            reason: "the signature has no creation time".into(),
            ..base
        };
    };
    let issuers = sig.get_issuers();
    let Some(ka) = cert.keys().key_handles(issuers.iter()).next() else {
        return Judgement {
            status: SigStatus::UnknownKey,
            reason: "the signing key is not in its certificate".into(),
            ..base
        };
    };
    // Valid under its newest binding?
    let vka = match ka.clone().with_policy(ring.policy(), None) {
        Ok(v) => v,
        Err(e) => {
            return Judgement {
                status: SigStatus::UntrustedKey,
                reason: format!(
                    "the signing key is bound to its certificate neither when it signed \
                     ({error}) nor now ({e})"
                ),
                ..base
            };
        }
    };
    // Only a binding made after the signature can excuse it: if an older one
    // exists, it was rejected for a reason of its own.
    let binding_times: Vec<SystemTime> = binding_signatures(&ka)
        .filter_map(|s| s.signature_creation_time())
        .collect();
    if binding_times.iter().any(|t| *t <= sig_time) {
        return Judgement {
            status: SigStatus::UntrustedKey,
            reason: format!("the signing key was not validly bound when it signed: {error}"),
            ..base
        };
    }
    let mut j = decide(ring, sig, &vka, Crypto::ToDo);
    if j.status == SigStatus::Valid {
        let oldest = binding_times.iter().min().copied().unwrap_or(sig_time);
        j.reason = format!(
            "good signature made {}; the key's oldest surviving binding is from {}, \
             after the signature (accepted, as GnuPG does)",
            date(sig_time),
            date(oldest)
        );
        j.warnings.insert(0, SigWarning::BindingAfterSignature);
    }
    j
}

/// The self-signatures that bind `ka` to its certificate: for the primary
/// key, its direct-key signatures and user-ID self-signatures; for a subkey,
/// its binding signatures.
fn binding_signatures<'a>(
    ka: &'a ErasedKeyAmalgamation<'a, openpgp::packet::key::PublicParts>,
) -> Box<dyn Iterator<Item = &'a Signature> + 'a> {
    let cert = ka.cert();
    if ka.primary() {
        Box::new(
            cert.primary_key()
                .self_signatures()
                .chain(cert.userids().flat_map(|u| u.self_signatures())),
        )
    } else {
        let fpr = ka.fingerprint();
        Box::new(
            cert.keys()
                .subkeys()
                .filter(move |s| s.fingerprint() == fpr)
                .flat_map(|s| s.self_signatures()),
        )
    }
}
