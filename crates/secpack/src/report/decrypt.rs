//! Decryption of stored reports on a team member's machine: with a secret
//! key file (unlocked with its passphrase) or with the user's own GnuPG
//! (`gpg --decrypt`, so the gpg-agent and smartcards work).

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::Path;

use sequoia_openpgp as openpgp;

use openpgp::crypto::{KeyPair, SessionKey};
use openpgp::packet::key::{SecretParts, UnspecifiedRole};
use openpgp::packet::{Key, PKESK, SKESK};
use openpgp::parse::stream::{
    DecryptionHelper, DecryptorBuilder, MessageStructure, VerificationHelper,
};
use openpgp::parse::Parse;
use openpgp::policy::StandardPolicy;
use openpgp::types::SymmetricAlgorithm;
use openpgp::{Cert, Fingerprint, KeyHandle};

use crate::error::{BoxError, Coded, ErrorClass, IoError};
use crate::signing::{Password, SecretKeyFile};

/// Largest decrypted report accepted.
pub const MAX_PLAINTEXT_BYTES: u64 = 64 << 20;

/// Why a stored report (or a reply) cannot be decrypted. Every variant has a
/// stable code.
#[derive(Debug, thiserror::Error)]
pub enum DecryptError {
    /// A secret subkey is protected and no passphrase was given.
    #[error("the secret key {0} is protected by a passphrase; give one")]
    PassphraseRequired(String),
    /// The passphrase does not unlock a secret subkey.
    #[error("wrong passphrase for the secret key {0}")]
    WrongPassphrase(String),
    /// An unlocked secret subkey cannot be used.
    #[error("using the key {fingerprint}: {source}")]
    UnusableKey {
        /// The subkey's fingerprint.
        fingerprint: String,
        /// Sequoia's error.
        #[source]
        source: BoxError,
    },
    /// The key given holds no secret encryption subkey.
    #[error("the secret key holds no secret encryption subkey")]
    NoDecryptionKey,
    /// The message is encrypted to none of the keys given.
    #[error("the message is not encrypted to any key of the secret key")]
    NotForThisKey,
    /// The message cannot be read or decrypted (not OpenPGP, damaged).
    #[error("{stage}: {source}")]
    OpenPgp {
        /// What was being done.
        stage: &'static str,
        /// Sequoia's error.
        #[source]
        source: BoxError,
    },
    /// The plaintext is larger than accepted.
    #[error("the decrypted message is larger than {0} bytes")]
    TooLarge(u64),
    /// GnuPG could not be run.
    #[error(transparent)]
    Io(#[from] IoError),
    /// GnuPG ran and could not decrypt; its message follows.
    #[error("gpg could not decrypt the report: {0}")]
    GpgFailed(String),
}

impl Coded for DecryptError {
    fn code(&self) -> &'static str {
        match self {
            Self::PassphraseRequired(_) => "passphrase-required",
            Self::WrongPassphrase(_) => "wrong-passphrase",
            Self::UnusableKey { .. } => "unusable-decryption-key",
            Self::NoDecryptionKey => "no-decryption-key",
            Self::NotForThisKey => "not-encrypted-to-key",
            Self::OpenPgp { .. } => "decryption-failed",
            Self::TooLarge(_) => "message-too-large",
            Self::Io(e) => e.code(),
            Self::GpgFailed(_) => "gpg-failed",
        }
    }
    fn class(&self) -> ErrorClass {
        match self {
            Self::PassphraseRequired(_) | Self::NoDecryptionKey => ErrorClass::Usage,
            Self::Io(_) => ErrorClass::Io,
            _ => ErrorClass::Failure,
        }
    }
}

/// Sequoia's error while doing `stage`, as a [`DecryptError`].
fn openpgp_error<E: Into<BoxError>>(stage: &'static str) -> impl FnOnce(E) -> DecryptError {
    move |e| DecryptError::OpenPgp {
        stage,
        source: e.into(),
    }
}

/// Decrypts `ciphertext` (armoured or binary) with `keys`, reading at most
/// `max` bytes of plaintext, while `verify` judges its signatures; returns
/// the plaintext and `verify` with its findings.
fn decrypt_bounded<V: VerificationHelper>(
    ciphertext: &[u8],
    keys: &[KeyPair],
    verify: V,
    max: u64,
) -> Result<(Vec<u8>, V), DecryptError> {
    let policy = StandardPolicy::new();
    let helper = Helper { keys, verify };
    let mut decryptor = DecryptorBuilder::from_bytes(ciphertext)
        .map_err(openpgp_error("reading the encrypted message"))?
        .with_policy(&policy, None, helper)
        .map_err(|e| {
            // A refusal of our own helper (a message for none of the keys)
            // comes back as it is.
            e.downcast::<DecryptError>().unwrap_or_else(openpgp_error(
                "decrypting the message (is it encrypted to this key?)",
            ))
        })?;
    let mut plaintext = Vec::new();
    (&mut decryptor)
        .take(max + 1)
        .read_to_end(&mut plaintext)
        .map_err(openpgp_error("decrypting the message"))?;
    if plaintext.len() as u64 > max {
        return Err(DecryptError::TooLarge(max));
    }
    Ok((plaintext, decryptor.into_helper().verify))
}

/// The secret subkeys of `cert` that may decrypt (expired ones too: old
/// messages stay readable).
fn secret_encryption_keys(cert: &Cert) -> Vec<Key<SecretParts, UnspecifiedRole>> {
    let policy = StandardPolicy::new();
    cert.keys()
        .with_policy(&policy, None)
        .for_transport_encryption()
        .for_storage_encryption()
        .secret()
        .map(|ka| ka.key().clone())
        .collect()
}

/// The decryption subkeys of a secret key file, unlocked.
pub struct DecryptionKeys {
    keypairs: Vec<KeyPair>,
}

impl std::fmt::Debug for DecryptionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fprs: Vec<_> = self
            .keypairs
            .iter()
            .map(|k| k.public().fingerprint().to_hex())
            .collect();
        f.debug_struct("DecryptionKeys")
            .field("keys", &fprs)
            .finish()
    }
}

impl DecryptionKeys {
    /// Whether some encryption subkey of `file` is protected by a passphrase.
    pub fn needs_passphrase(file: &SecretKeyFile) -> bool {
        secret_encryption_keys(file.cert())
            .iter()
            .any(|key| !key.has_unencrypted_secret())
    }

    /// Unlocks every encryption-capable secret subkey of `file` (expired
    /// ones too: old reports stay readable).
    pub fn unlock(
        file: &SecretKeyFile,
        passphrase: Option<&Password>,
    ) -> Result<Self, DecryptError> {
        Self::unlock_cert(file.cert(), passphrase)
    }

    /// [`DecryptionKeys::unlock`] for a certificate with secret subkeys.
    pub(crate) fn unlock_cert(
        cert: &Cert,
        passphrase: Option<&Password>,
    ) -> Result<Self, DecryptError> {
        let mut keypairs = Vec::new();
        for key in secret_encryption_keys(cert) {
            let fpr = key.fingerprint().to_hex();
            let key = if key.has_unencrypted_secret() {
                key
            } else {
                let password =
                    passphrase.ok_or_else(|| DecryptError::PassphraseRequired(fpr.clone()))?;
                key.decrypt_secret(password)
                    .map_err(|_| DecryptError::WrongPassphrase(fpr.clone()))?
            };
            keypairs.push(key.into_keypair().map_err(|e| DecryptError::UnusableKey {
                fingerprint: fpr,
                source: e.into(),
            })?);
        }
        if keypairs.is_empty() {
            return Err(DecryptError::NoDecryptionKey);
        }
        Ok(Self { keypairs })
    }

    /// Decrypts an (armoured or binary) OpenPGP message.
    pub fn decrypt(&self, ciphertext: &[u8]) -> Result<Vec<u8>, DecryptError> {
        decrypt_bounded(ciphertext, &self.keypairs, Anonymous, MAX_PLAINTEXT_BYTES)
            .map(|(plaintext, _)| plaintext)
    }

    /// Decrypts a message of at most `max` bytes of plaintext while `verify`
    /// judges its signatures; the plaintext, and `verify` with its findings.
    pub(crate) fn decrypt_verifying<V: VerificationHelper>(
        &self,
        ciphertext: &[u8],
        verify: V,
        max: u64,
    ) -> Result<(Vec<u8>, V), DecryptError> {
        decrypt_bounded(ciphertext, &self.keypairs, verify, max)
    }
}

/// Reports are anonymous: there is no signature to require.
struct Anonymous;

impl VerificationHelper for Anonymous {
    fn get_certs(&mut self, _: &[KeyHandle]) -> openpgp::Result<Vec<Cert>> {
        Ok(Vec::new())
    }

    fn check(&mut self, _: MessageStructure) -> openpgp::Result<()> {
        Ok(())
    }
}

/// The one decryption helper: `keys` decrypt, `verify` judges signatures.
struct Helper<'a, V> {
    keys: &'a [KeyPair],
    verify: V,
}

impl<V: VerificationHelper> VerificationHelper for Helper<'_, V> {
    fn get_certs(&mut self, ids: &[KeyHandle]) -> openpgp::Result<Vec<Cert>> {
        self.verify.get_certs(ids)
    }

    fn check(&mut self, structure: MessageStructure) -> openpgp::Result<()> {
        self.verify.check(structure)
    }
}

impl<V: VerificationHelper> DecryptionHelper for Helper<'_, V> {
    fn decrypt<D>(
        &mut self,
        pkesks: &[PKESK],
        _: &[SKESK],
        sym_algo: Option<SymmetricAlgorithm>,
        mut decrypt: D,
    ) -> openpgp::Result<Option<Fingerprint>>
    where
        D: FnMut(SymmetricAlgorithm, &SessionKey) -> bool,
    {
        for pkesk in pkesks {
            for key in self.keys {
                let mut key = key.clone();
                if let Some((algo, session_key)) = pkesk.decrypt(&mut key, sym_algo) {
                    if decrypt(algo, &session_key) {
                        return Ok(Some(key.public().fingerprint()));
                    }
                }
            }
        }
        Err(DecryptError::NotForThisKey.into())
    }
}

/// Decrypts `ciphertext` with the user's GnuPG (`gpg` or the program
/// `gpg`), which asks its agent for the key.
pub fn decrypt_with_gpg(gpg: &OsStr, ciphertext: &[u8]) -> Result<Vec<u8>, DecryptError> {
    let running = |e| IoError::new("running", Path::new(gpg), e);
    let mut child = std::process::Command::new(gpg)
        .args(["--batch", "--quiet", "--decrypt", "--output", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(running)?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = ciphertext.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().map_err(running)?;
    // A write error means gpg stopped reading; its status says why.
    let _ = writer.join();
    if !out.status.success() {
        return Err(DecryptError::GpgFailed(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    Ok(out.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use openpgp::serialize::SerializeInto;

    fn secret_file(email: &str) -> SecretKeyFile {
        let (cert, _) = openpgp::cert::CertBuilder::general_purpose(None, Some(email))
            .generate()
            .unwrap();
        let armored = cert.as_tsk().armored().to_vec().unwrap();
        SecretKeyFile::from_bytes(&armored, email).unwrap()
    }

    fn encrypted_to(file: &SecretKeyFile, plaintext: &[u8]) -> Vec<u8> {
        let policy = StandardPolicy::new();
        let keys = super::super::encrypt::encryption_keys(file.cert(), &policy);
        super::super::encrypt::encrypt_to(keys, plaintext, true, None).unwrap()
    }

    #[test]
    fn a_message_decrypts_with_its_key_and_refuses_others_with_a_code() {
        let team = secret_file("team@example.invalid");
        let other = secret_file("other@example.invalid");
        let message = encrypted_to(&team, b"report");
        let keys = DecryptionKeys::unlock(&team, None).unwrap();
        assert_eq!(keys.decrypt(&message).unwrap(), b"report");
        let e = DecryptionKeys::unlock(&other, None)
            .unwrap()
            .decrypt(&message)
            .unwrap_err();
        assert_eq!(
            (e.code(), e.class()),
            ("not-encrypted-to-key", ErrorClass::Failure)
        );
        let e = keys.decrypt(b"not a message").unwrap_err();
        assert_eq!(
            (e.code(), e.class()),
            ("decryption-failed", ErrorClass::Failure)
        );
    }

    #[test]
    fn a_plaintext_over_the_limit_is_refused() {
        let team = secret_file("team@example.invalid");
        let message = encrypted_to(&team, &[b'x'; 100]);
        let keys = DecryptionKeys::unlock(&team, None).unwrap();
        let Err(e) = keys.decrypt_verifying(&message, Anonymous, 99) else {
            panic!("decrypted over the limit");
        };
        assert_eq!(e.code(), "message-too-large");
    }

    #[test]
    fn a_missing_gpg_is_an_io_error_naming_the_program() {
        let e = decrypt_with_gpg(OsStr::new("/nonexistent/secpack-gpg"), b"x").unwrap_err();
        assert_eq!((e.code(), e.class()), ("io", ErrorClass::Io));
        assert!(e.to_string().contains("/nonexistent/secpack-gpg"), "{e}");
    }
}
