//! The team's replies to a reporter: signed by a member's key, encrypted to
//! the reporter's key (their own OpenPGP key when they gave one, else the
//! key derived from their codename), so the server never holds a reply's
//! plaintext.

use std::io::{Read, Write};

use anyhow::Context;
use sequoia_openpgp as openpgp;

use openpgp::crypto::{KeyPair, SessionKey};
use openpgp::packet::{PKESK, SKESK};
use openpgp::parse::stream::{
    DecryptionHelper, DecryptorBuilder, MessageLayer, MessageStructure, VerificationHelper,
};
use openpgp::parse::Parse;
use openpgp::policy::StandardPolicy;
use openpgp::serialize::stream::{Armorer, Encryptor2, LiteralWriter, Message, Signer};
use openpgp::types::SymmetricAlgorithm;
use openpgp::{Cert, Fingerprint, KeyHandle};
use serde::Serialize;

use crate::config::ROLE_SECURITY_TEAM;
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
    if recipients(&cert, &policy).next().is_none() {
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

fn recipients<'a>(
    cert: &'a Cert,
    policy: &'a StandardPolicy<'a>,
) -> impl Iterator<
    Item = openpgp::cert::amalgamation::key::ValidErasedKeyAmalgamation<
        'a,
        openpgp::packet::key::PublicParts,
    >,
> + 'a {
    cert.keys()
        .with_policy(policy, None)
        .supported()
        .alive()
        .revoked(false)
        .for_transport_encryption()
        .for_storage_encryption()
}

/// Signs `text` with `signer` and encrypts it to `recipient`'s encryption
/// subkeys: an ASCII-armoured OpenPGP message that `gpg --decrypt` reads.
pub fn seal(signer: &SigningKey, recipient: &Cert, text: &[u8]) -> anyhow::Result<Vec<u8>> {
    anyhow::ensure!(
        text.len() <= MAX_MESSAGE_BYTES,
        "the reply is {} bytes; at most {MAX_MESSAGE_BYTES} are sent",
        text.len()
    );
    let policy = StandardPolicy::new();
    let keys: Vec<_> = recipients(recipient, &policy).collect();
    anyhow::ensure!(
        !keys.is_empty(),
        "the reporter's key {} has no encryption subkey valid now",
        recipient.fingerprint()
    );
    let mut sink = Vec::new();
    {
        let message = Message::new(&mut sink);
        let message = Armorer::new(message).build()?;
        let message = Encryptor2::for_recipients(message, keys)
            .build()
            .context("starting the encryption")?;
        let message = Signer::new(message, signer.keypair())
            .build()
            .context("starting the signature")?;
        let mut literal = LiteralWriter::new(message).build()?;
        literal.write_all(text)?;
        literal.finalize().context("finishing the reply")?;
    }
    Ok(sink)
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
pub fn open(secret: &Cert, ciphertext: &[u8], keys: &[KeyEntry]) -> anyhow::Result<OpenedReply> {
    let policy = StandardPolicy::new();
    let keypairs: Vec<KeyPair> = secret
        .keys()
        .with_policy(&policy, None)
        .for_transport_encryption()
        .for_storage_encryption()
        .secret()
        .filter_map(|ka| ka.key().clone().into_keypair().ok())
        .collect();
    anyhow::ensure!(
        !keypairs.is_empty(),
        "no secret encryption key to open the reply"
    );
    let helper = Helper {
        keypairs,
        keys,
        signer: None,
    };
    let mut decryptor = DecryptorBuilder::from_bytes(ciphertext)
        .context("reading the reply")?
        .with_policy(&policy, None, helper)
        .context("decrypting the reply")?;
    let mut plaintext = Vec::new();
    (&mut decryptor)
        .take(MAX_MESSAGE_BYTES as u64 + 1)
        .read_to_end(&mut plaintext)
        .context("decrypting the reply")?;
    anyhow::ensure!(
        plaintext.len() <= MAX_MESSAGE_BYTES,
        "the reply is longer than {MAX_MESSAGE_BYTES} bytes"
    );
    let signer = decryptor.into_helper().signer;
    Ok(OpenedReply {
        text: String::from_utf8_lossy(&plaintext).into_owned(),
        signer,
    })
}

struct Helper<'a> {
    keypairs: Vec<KeyPair>,
    keys: &'a [KeyEntry],
    signer: Option<ReplySigner>,
}

impl VerificationHelper for Helper<'_> {
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

impl DecryptionHelper for Helper<'_> {
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
            for key in &self.keypairs {
                let mut key = key.clone();
                if let Some((algo, session_key)) = pkesk.decrypt(&mut key, sym_algo) {
                    if decrypt(algo, &session_key) {
                        return Ok(Some(key.public().fingerprint()));
                    }
                }
            }
        }
        Err(anyhow::anyhow!("the reply is not encrypted to this key"))
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
