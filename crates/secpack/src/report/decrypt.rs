//! Decryption of stored reports on a team member's machine: with a secret
//! key file (unlocked with its passphrase) or with the user's own GnuPG
//! (`gpg --decrypt`, so the gpg-agent and smartcards work).

use std::ffi::OsStr;
use std::io::{Read, Write};

use anyhow::{Context, Result};
use sequoia_openpgp as openpgp;

use openpgp::crypto::{KeyPair, SessionKey};
use openpgp::packet::{PKESK, SKESK};
use openpgp::parse::stream::{
    DecryptionHelper, DecryptorBuilder, MessageStructure, VerificationHelper,
};
use openpgp::parse::Parse;
use openpgp::policy::StandardPolicy;
use openpgp::types::SymmetricAlgorithm;
use openpgp::{Fingerprint, KeyHandle};

use crate::signing::{Password, SecretKeyFile};

/// Largest decrypted report accepted.
pub const MAX_PLAINTEXT_BYTES: u64 = 64 << 20;

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
        let policy = StandardPolicy::new();
        file.cert()
            .keys()
            .with_policy(&policy, None)
            .for_transport_encryption()
            .for_storage_encryption()
            .secret()
            .any(|ka| !ka.key().has_unencrypted_secret())
    }

    /// Unlocks every encryption-capable secret subkey of `file` (expired
    /// ones too: old reports stay readable).
    pub fn unlock(file: &SecretKeyFile, passphrase: Option<&Password>) -> Result<Self> {
        let policy = StandardPolicy::new();
        let mut keypairs = Vec::new();
        for ka in file
            .cert()
            .keys()
            .with_policy(&policy, None)
            .for_transport_encryption()
            .for_storage_encryption()
            .secret()
        {
            let fpr = ka.key().fingerprint().to_hex();
            let key = ka.key().clone();
            let key = if key.has_unencrypted_secret() {
                key
            } else {
                let password = passphrase.with_context(|| {
                    format!("the secret key {fpr} is protected by a passphrase; give one")
                })?;
                key.decrypt_secret(password)
                    .map_err(|_| anyhow::anyhow!("wrong passphrase for the secret key {fpr}"))?
            };
            keypairs.push(
                key.into_keypair()
                    .with_context(|| format!("using the key {fpr}"))?,
            );
        }
        anyhow::ensure!(
            !keypairs.is_empty(),
            "the secret key file holds no secret encryption subkey"
        );
        Ok(Self { keypairs })
    }

    /// Decrypts an (armoured or binary) OpenPGP message.
    pub fn decrypt(&self, ciphertext: &[u8]) -> Result<Vec<u8>> {
        let policy = StandardPolicy::new();
        let helper = Helper {
            keys: &self.keypairs,
        };
        let mut decryptor = DecryptorBuilder::from_bytes(ciphertext)
            .context("reading the encrypted message")?
            .with_policy(&policy, None, helper)
            .context("decrypting the message (is it encrypted to this key?)")?;
        let mut plaintext = Vec::new();
        (&mut decryptor)
            .take(MAX_PLAINTEXT_BYTES + 1)
            .read_to_end(&mut plaintext)
            .context("decrypting the message")?;
        anyhow::ensure!(
            plaintext.len() as u64 <= MAX_PLAINTEXT_BYTES,
            "the decrypted message is larger than {MAX_PLAINTEXT_BYTES} bytes"
        );
        Ok(plaintext)
    }
}

struct Helper<'a> {
    keys: &'a [KeyPair],
}

impl VerificationHelper for Helper<'_> {
    fn get_certs(&mut self, _: &[KeyHandle]) -> openpgp::Result<Vec<openpgp::Cert>> {
        Ok(Vec::new())
    }

    fn check(&mut self, _: MessageStructure) -> openpgp::Result<()> {
        // Reports are anonymous: there is no signature to require.
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
            for key in self.keys {
                let mut key = key.clone();
                if let Some((algo, session_key)) = pkesk.decrypt(&mut key, sym_algo) {
                    if decrypt(algo, &session_key) {
                        return Ok(Some(key.public().fingerprint()));
                    }
                }
            }
        }
        Err(anyhow::anyhow!(
            "the message is not encrypted to any key of the secret key file"
        ))
    }
}

/// Decrypts `ciphertext` with the user's GnuPG (`gpg` or the program
/// `gpg`), which asks its agent for the key.
pub fn decrypt_with_gpg(gpg: &OsStr, ciphertext: &[u8]) -> Result<Vec<u8>> {
    let mut child = std::process::Command::new(gpg)
        .args(["--batch", "--quiet", "--decrypt", "--output", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("running {}", gpg.to_string_lossy()))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = ciphertext.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child
        .wait_with_output()
        .with_context(|| format!("running {}", gpg.to_string_lossy()))?;
    // A write error means gpg stopped reading; its status says why.
    let _ = writer.join();
    if !out.status.success() {
        anyhow::bail!(
            "gpg could not decrypt the report: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(out.stdout)
}
