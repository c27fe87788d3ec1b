//! The master key's third-party certification of a team key.

use anyhow::{Context, Result};
use sequoia_openpgp as openpgp;

use openpgp::crypto::{KeyPair, Password};
use openpgp::types::{HashAlgorithm, SignatureType};
use openpgp::Cert;

use crate::signing::SigningError;

/// Unlocks the primary (certifying) key of a secret certificate, decrypting
/// it with `passphrase` when it is protected.
pub fn unlock_certifier(secret: &Cert, passphrase: Option<&Password>) -> Result<KeyPair> {
    let fpr = secret.fingerprint().to_hex();
    let key = secret
        .primary_key()
        .key()
        .clone()
        .parts_into_secret()
        .map_err(|_| SigningError::NoSecretKey(fpr.clone()))?;
    let key = if key.has_unencrypted_secret() {
        key
    } else {
        let password = passphrase.ok_or_else(|| SigningError::PassphraseRequired(fpr.clone()))?;
        key.decrypt_secret(password)
            .map_err(|_| SigningError::WrongPassphrase(fpr.clone()))?
    };
    key.into_keypair()
        .with_context(|| format!("using the primary key of {fpr}"))
}

/// Certifies every user ID of `key` with `master` (a generic third-party
/// certification, SHA-512) and returns the key with the certifications
/// added. Secret material of `key`, if any, is dropped.
pub fn certify(master: &mut KeyPair, key: Cert) -> Result<Cert> {
    let key = key.strip_secret_key_material();
    let mut sigs = Vec::new();
    for ua in key.userids() {
        let sig = ua
            .userid()
            .certify(
                master,
                &key,
                SignatureType::GenericCertification,
                HashAlgorithm::SHA512,
                None::<std::time::SystemTime>,
            )
            .with_context(|| {
                format!(
                    "certifying {:?}",
                    String::from_utf8_lossy(ua.userid().value())
                )
            })?;
        sigs.push(sig);
    }
    anyhow::ensure!(
        !sigs.is_empty(),
        "the key {} has no user ID to certify",
        key.fingerprint()
    );
    key.insert_packets(sigs)
        .context("adding the certifications to the key")
}
