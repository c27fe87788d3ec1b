//! The team's replies to a reporter: signed by a member's key, encrypted to
//! the reporter's key (their own OpenPGP key when they gave one, else the
//! key derived from their codename), so the server never holds a reply's
//! plaintext.

use sequoia_openpgp as openpgp;

use openpgp::parse::stream::{MessageLayer, MessageStructure, VerificationHelper};
use openpgp::parse::Parse;
use openpgp::policy::StandardPolicy;
use openpgp::{Cert, KeyHandle};
use serde::Serialize;

use super::decrypt::{DecryptError, DecryptionKeys};
use super::encrypt::{encrypt_to, encryption_keys, EncryptError};
use crate::config::ROLE_SECURITY_TEAM;
use crate::error::{Coded, ErrorClass};
use crate::signing::SigningKey;
use crate::trust::keyring::KeyEntry;
use crate::trust::verdict::KeyStatus;

/// Largest reply or follow-up message, in bytes of plaintext.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Largest armoured public key a reporter may give.
pub const MAX_REPORTER_KEY_BYTES: usize = 64 * 1024;

/// Why a reporter's own key cannot receive replies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReporterKeyError {
    /// Not an OpenPGP certificate.
    #[error(
        "the public key is not an OpenPGP key (paste the output of `gpg --armor --export YOUR-ID`)"
    )]
    NotAKey,
    /// Has secret key material.
    #[error("this is a secret key: give only your public key (`gpg --armor --export`, not --export-secret-keys)")]
    SecretKey,
    /// No valid encryption subkey.
    #[error("the public key has no encryption subkey valid now, so replies could not be encrypted to it")]
    NoEncryptionSubkey,
    /// Over [`MAX_REPORTER_KEY_BYTES`].
    #[error("the public key is longer than {MAX_REPORTER_KEY_BYTES} bytes")]
    TooLong,
}

impl ReporterKeyError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotAKey => "bad-public-key",
            Self::SecretKey => "secret-key-given",
            Self::NoEncryptionSubkey => "no-encryption-subkey",
            Self::TooLong => "too-long",
        }
    }
}

/// Reads and checks a reporter's public key: one certificate, no secret
/// parts, an encryption subkey valid now under the standard policy.
pub fn parse_reporter_key(text: &[u8]) -> Result<Cert, ReporterKeyError> {
    if text.len() > MAX_REPORTER_KEY_BYTES {
        return Err(ReporterKeyError::TooLong);
    }
    let cert = Cert::from_bytes(text).map_err(|_| ReporterKeyError::NotAKey)?;
    if cert.is_tsk() {
        return Err(ReporterKeyError::SecretKey);
    }
    let policy = StandardPolicy::new();
    if encryption_keys(&cert, &policy).next().is_none() {
        return Err(ReporterKeyError::NoEncryptionSubkey);
    }
    Ok(cert.strip_secret_key_material())
}

/// [`parse_reporter_key`], ASCII-armoured again (public parts only): what
/// the server stores as the reply key.
pub fn reporter_key_armored(text: &[u8]) -> Result<String, ReporterKeyError> {
    use openpgp::serialize::SerializeInto;
    let cert = parse_reporter_key(text)?;
    let bytes = cert
        .armored()
        .to_vec()
        .map_err(|_| ReporterKeyError::NotAKey)?;
    String::from_utf8(bytes).map_err(|_| ReporterKeyError::NotAKey)
}

/// Why a reply cannot be sealed. Every variant has a stable code.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// Longer than [`MAX_MESSAGE_BYTES`].
    #[error("the reply is {0} bytes; at most {MAX_MESSAGE_BYTES} are sent")]
    TooLong(usize),
    /// Not UTF-8 text.
    #[error("the reply is not UTF-8 text")]
    NotText,
    /// The reporter's key has no subkey that may encrypt now.
    #[error("the reporter's key {0} has no encryption subkey valid now")]
    NoEncryptionSubkey(String),
    /// Sequoia could not sign or encrypt it.
    #[error(transparent)]
    Encrypt(#[from] EncryptError),
}

impl Coded for SealError {
    fn code(&self) -> &'static str {
        match self {
            Self::TooLong(_) => "reply-too-long",
            Self::NotText => "reply-not-text",
            Self::NoEncryptionSubkey(_) => "no-encryption-subkey",
            Self::Encrypt(e) => e.code(),
        }
    }
    fn class(&self) -> ErrorClass {
        match self {
            Self::TooLong(_) | Self::NotText => ErrorClass::Usage,
            Self::NoEncryptionSubkey(_) => ErrorClass::Failure,
            Self::Encrypt(e) => e.class(),
        }
    }
}

/// Signs `text` (UTF-8, at most [`MAX_MESSAGE_BYTES`]) with `signer` and
/// encrypts it to `recipient`'s encryption subkeys, and to `team`'s when
/// given (the key the report is encrypted to, so that the team reads its
/// replies in the thread later, as SecureDrop encrypts a reply to the
/// source and to the submission key): an ASCII-armoured OpenPGP message
/// that `gpg --decrypt` reads.
pub fn seal(
    signer: &SigningKey,
    recipient: &Cert,
    team: Option<&Cert>,
    text: &[u8],
) -> Result<Vec<u8>, SealError> {
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(SealError::TooLong(text.len()));
    }
    if std::str::from_utf8(text).is_err() {
        return Err(SealError::NotText);
    }
    let policy = StandardPolicy::new();
    let mut keys: Vec<_> = encryption_keys(recipient, &policy).collect();
    if keys.is_empty() {
        return Err(SealError::NoEncryptionSubkey(
            recipient.fingerprint().to_hex(),
        ));
    }
    if let Some(team) = team {
        let before = keys.len();
        keys.extend(encryption_keys(team, &policy));
        if keys.len() == before {
            return Err(SealError::NoEncryptionSubkey(team.fingerprint().to_hex()));
        }
    }
    Ok(encrypt_to(keys, text, true, Some(signer))?)
}

/// The certificate in `pack` whose primary fingerprint is `fingerprint`
/// (the key a report is encrypted to, as its inbox row records it): what
/// [`seal`] also encrypts a reply to. The fingerprint itself is the check:
/// only that key's own bound subkeys are encrypted to.
pub fn team_cert(pack: &crate::pack::Pack, fingerprint: &str) -> Option<Cert> {
    let fpr = openpgp::Fingerprint::from_hex(fingerprint).ok()?;
    crate::trust::keyring::Keyring::unjudged(pack)
        .entry_by_fingerprint(&fpr)
        .and_then(KeyEntry::cert)
        .cloned()
}

/// Who signed a reply, as judged from the pack's keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplySigner {
    /// Primary fingerprint of the signing certificate.
    pub fingerprint: String,
    /// The key file in the pack, when the key is one of the pack's.
    pub file: Option<String>,
    /// Whether it is a security-team key certified by the pinned master,
    /// neither retired nor revoked.
    pub certified: bool,
}

/// A decrypted reply.
#[derive(Debug, Clone, Serialize)]
pub struct OpenedReply {
    /// The reply's text (lossy UTF-8).
    pub text: String,
    /// The valid signature's signer, if a signature by a key of the pack
    /// verified.
    pub signer: Option<ReplySigner>,
}

/// Decrypts `ciphertext` with `secret` (a certificate holding secret
/// encryption subkeys) and checks its signature against the pack's keys
/// (`keys`, judged by the trust engine).
pub fn open(
    secret: &Cert,
    ciphertext: &[u8],
    keys: &[KeyEntry],
) -> Result<OpenedReply, DecryptError> {
    let check = SignerCheck { keys, signer: None };
    let (plaintext, check) = DecryptionKeys::unlock_cert(secret, None)?.decrypt_verifying(
        ciphertext,
        check,
        MAX_MESSAGE_BYTES as u64,
    )?;
    Ok(OpenedReply {
        text: String::from_utf8_lossy(&plaintext).into_owned(),
        signer: check.signer,
    })
}

/// Judges a reply's signatures by the pack's keys: the signer, a certified
/// one first.
struct SignerCheck<'a> {
    keys: &'a [KeyEntry],
    signer: Option<ReplySigner>,
}

impl VerificationHelper for SignerCheck<'_> {
    fn get_certs(&mut self, _: &[KeyHandle]) -> openpgp::Result<Vec<Cert>> {
        Ok(self.keys.iter().filter_map(|e| e.cert().cloned()).collect())
    }

    fn check(&mut self, structure: MessageStructure) -> openpgp::Result<()> {
        for layer in structure {
            if let MessageLayer::SignatureGroup { results } = layer {
                for good in results.into_iter().flatten() {
                    let fpr = good.ka.cert().fingerprint().to_hex();
                    let entry = self
                        .keys
                        .iter()
                        .find(|e| e.fingerprint.as_deref() == Some(fpr.as_str()));
                    let signer = ReplySigner {
                        fingerprint: fpr,
                        file: entry.map(|e| e.file.clone()),
                        certified: entry.is_some_and(|e| {
                            e.status == KeyStatus::Certified
                                && e.role == ROLE_SECURITY_TEAM
                                && !e.retired
                                && !e.revoked
                        }),
                    };
                    if self.signer.as_ref().is_none_or(|s| !s.certified) {
                        self.signer = Some(signer);
                    }
                }
            }
        }
        Ok(())
    }
}

impl crate::error::Coded for ReporterKeyError {
    fn code(&self) -> &'static str {
        ReporterKeyError::code(self)
    }
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass;
        ErrorClass::Usage
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openpgp::serialize::SerializeInto;

    fn member() -> SigningKey {
        let (cert, _) =
            openpgp::cert::CertBuilder::general_purpose(None, Some("m@example.invalid"))
                .generate()
                .unwrap();
        let armored = cert.as_tsk().armored().to_vec().unwrap();
        crate::signing::SecretKeyFile::from_bytes(&armored, "m")
            .unwrap()
            .unlock(None)
            .unwrap()
    }

    #[test]
    fn a_reply_is_text_within_the_limit() {
        let key = member();
        let (reporter, _) = openpgp::cert::CertBuilder::general_purpose(None, Some("r@x.invalid"))
            .generate()
            .unwrap();
        let code = |text: &[u8]| seal(&key, &reporter, None, text).unwrap_err().code();
        assert_eq!(code(b"\xff\xfe"), "reply-not-text");
        assert_eq!(code(&vec![b'a'; MAX_MESSAGE_BYTES + 1]), "reply-too-long");
        let e = seal(&key, &reporter, None, b"\xff").unwrap_err();
        assert_eq!(e.class(), ErrorClass::Usage);
        let sealed = seal(&key, &reporter, None, b"thanks").unwrap();
        let opened = open(&reporter, &sealed, &[]).unwrap();
        assert_eq!(opened.text, "thanks");
        // No key of a pack to judge the signature by.
        assert!(opened.signer.is_none());
    }

    #[test]
    fn a_reply_sealed_for_the_team_too_opens_with_either_key() {
        let key = member();
        let generate = |email: &str| {
            openpgp::cert::CertBuilder::general_purpose(None, Some(email))
                .generate()
                .unwrap()
                .0
        };
        let (reporter, team, other) = (
            generate("r@x.invalid"),
            generate("t@x.invalid"),
            generate("o@x.invalid"),
        );
        let sealed = seal(&key, &reporter, Some(&team), b"thanks").unwrap();
        assert_eq!(open(&reporter, &sealed, &[]).unwrap().text, "thanks");
        assert_eq!(open(&team, &sealed, &[]).unwrap().text, "thanks");
        let e = open(&other, &sealed, &[]).unwrap_err();
        assert_eq!(e.code(), "not-encrypted-to-key");
        // Sealed for the reporter only, the team cannot read it.
        let only = seal(&key, &reporter, None, b"thanks").unwrap();
        assert!(open(&team, &only, &[]).is_err());
        let code = |c: &Cert| seal(&key, &reporter, Some(c), b"x").unwrap_err().code();
        let signing_only = openpgp::cert::CertBuilder::new()
            .add_userid("s@x.invalid")
            .add_signing_subkey()
            .generate()
            .unwrap()
            .0;
        assert_eq!(code(&signing_only), "no-encryption-subkey");
    }
}
