//! OpenPGP signatures made by the team: with a secret key file, or with a
//! member's own GnuPG.
//!
//! A team member exports their key (`gpg --armor --export-secret-keys`) to a
//! file; [`SecretKeyFile::load`] reads it, [`SecretKeyFile::unlock`] picks the
//! key that may sign now under the standard policy and decrypts it when it is
//! protected, and [`sign_detached`] makes an ASCII-armoured detached
//! signature with SHA-512, which `gpg --verify` accepts. [`sign_with_gpg`]
//! asks the user's own GnuPG instead (gpg-agent, smartcards), and
//! [`Signer`] is either, for what is published signed (release digests,
//! `security.txt`, CSAF documents).
//!
//! The passphrase never comes from the command line: callers read it from a
//! file or the terminal.

mod gpg;

pub use gpg::{check_made_by, sign_with_gpg};

use std::io::Write;
use std::path::Path;

use sequoia_openpgp as openpgp;

use crate::fsutil::{read_capped, ReadCappedError};

use openpgp::armor;
use openpgp::cert::Cert;
use openpgp::crypto::KeyPair;

/// A passphrase, kept in protected memory.
pub use openpgp::crypto::Password;
use openpgp::parse::Parse;
use openpgp::policy::StandardPolicy;
use openpgp::serialize::stream::{Armorer, Message, Signer as StreamSigner};
use openpgp::serialize::SerializeInto;
use openpgp::types::HashAlgorithm;

/// Largest secret key file read.
pub const MAX_KEY_FILE_BYTES: u64 = 1 << 20;

/// Why a secret key cannot be used. Each has a stable code.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SigningError {
    /// The file holds a certificate without secret key material.
    #[error("{0} holds no secret key (export it with `gpg --armor --export-secret-keys`)")]
    NoSecretKey(String),
    /// No key of the certificate may sign now (expired, revoked, no signing
    /// subkey, or algorithms the standard policy rejects).
    #[error("{0} has no secret key that may sign now under the standard policy")]
    NoSigningKey(String),
    /// The signing key is protected and no passphrase was given.
    #[error("the secret key {0} is protected by a passphrase; give one with --passphrase-file or at the terminal")]
    PassphraseRequired(String),
    /// The passphrase does not decrypt the signing key.
    #[error("wrong passphrase for the secret key {0}")]
    WrongPassphrase(String),
    /// gpg could not sign with the key (not in the keyring, agent locked,
    /// smartcard missing); gpg's message follows.
    #[error("gpg could not sign with the key {0}: {1}")]
    GpgFailed(String, String),
    /// The key file cannot be read (or is not a regular file, or too large).
    #[error("reading {0}: {1}")]
    Unreadable(String, String),
    /// The file holds no OpenPGP key.
    #[error("{0} is not an OpenPGP key file: {1}")]
    NotAKeyFile(String, String),
    /// The key may not sign for this role or document (not in the pack,
    /// not certified, another role, retired, revoked, not the member's).
    #[error("{0}")]
    NotAllowed(String),
    /// Sequoia failed to make the signature.
    #[error("{0}")]
    OpenPgp(String),
}

/// A [`SigningError::OpenPgp`] naming what was being done, from an error of
/// Sequoia's (its results carry `anyhow` errors; only their message is kept).
fn openpgp_error<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> SigningError + '_ {
    move |e| SigningError::OpenPgp(format!("{what}: {e}"))
}

impl SigningError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoSecretKey(_) => "no-secret-key",
            Self::NoSigningKey(_) => "no-signing-key",
            Self::PassphraseRequired(_) => "passphrase-required",
            Self::WrongPassphrase(_) => "wrong-passphrase",
            Self::GpgFailed(..) => "gpg-failed",
            Self::Unreadable(..) => "unreadable-key-file",
            Self::NotAKeyFile(..) => "not-a-key-file",
            Self::NotAllowed(_) => "signer-not-allowed",
            Self::OpenPgp(_) => "openpgp-error",
        }
    }
}

/// A secret key certificate read from a file, not yet unlocked.
#[derive(Debug, Clone)]
pub struct SecretKeyFile {
    cert: Cert,
    source: String,
}

impl SecretKeyFile {
    /// Reads an (armoured or binary) transferable secret key from `path`.
    pub fn load(path: &Path) -> Result<Self, SigningError> {
        let name = path.display().to_string();
        let unreadable = |why: String| SigningError::Unreadable(name.clone(), why);
        let meta = std::fs::metadata(path).map_err(|e| unreadable(e.to_string()))?;
        if !meta.is_file() {
            return Err(unreadable("not a regular file".into()));
        }
        let bytes = read_capped(path, MAX_KEY_FILE_BYTES).map_err(|e| match e {
            ReadCappedError::TooLarge { .. } => {
                unreadable("larger than 1 MiB: not a key file".into())
            }
            ReadCappedError::Io(io) => unreadable(io.source.to_string()),
        })?;
        Self::from_bytes(&bytes, &name)
    }

    /// Parses a transferable secret key; `source` names it in errors.
    pub fn from_bytes(bytes: &[u8], source: &str) -> Result<Self, SigningError> {
        let cert = Cert::from_bytes(bytes)
            .map_err(|e| SigningError::NotAKeyFile(source.to_string(), e.to_string()))?;
        if !cert.is_tsk() {
            return Err(SigningError::NoSecretKey(source.to_string()));
        }
        Ok(Self {
            cert,
            source: source.to_string(),
        })
    }

    /// The certificate (public and secret parts).
    pub fn cert(&self) -> &Cert {
        &self.cert
    }

    /// Whether the key that would sign is protected by a passphrase, so that
    /// callers ask for one only when needed.
    pub fn needs_passphrase(&self) -> Result<bool, SigningError> {
        let key = self.signing_key()?;
        Ok(!key.has_unencrypted_secret())
    }

    /// Unlocks the signing key, decrypting it with `passphrase` when it is
    /// protected.
    pub fn unlock(&self, passphrase: Option<&Password>) -> Result<SigningKey, SigningError> {
        let key = self.signing_key()?;
        let fingerprint = key.fingerprint().to_hex();
        let key = if key.has_unencrypted_secret() {
            key
        } else {
            // A passphrase error names the member's key as every other
            // message does: by its primary key, not the signing subkey.
            let primary = self.cert.fingerprint().to_hex();
            let password =
                passphrase.ok_or_else(|| SigningError::PassphraseRequired(primary.clone()))?;
            key.decrypt_secret(password)
                .map_err(|_| SigningError::WrongPassphrase(primary))?
        };
        let keypair = key.into_keypair().map_err(openpgp_error(&format!(
            "using the secret key {fingerprint} of {}",
            self.source
        )))?;
        Ok(SigningKey {
            cert: self.cert.clone(),
            keypair,
        })
    }

    /// The newest secret key that may sign now under the standard policy.
    fn signing_key(
        &self,
    ) -> Result<
        openpgp::packet::Key<
            openpgp::packet::key::SecretParts,
            openpgp::packet::key::UnspecifiedRole,
        >,
        SigningError,
    > {
        let policy = StandardPolicy::new();
        let mut keys: Vec<_> = self
            .cert
            .keys()
            .with_policy(&policy, None)
            .supported()
            .alive()
            .revoked(false)
            .for_signing()
            .secret()
            .collect();
        keys.sort_by_key(|ka| std::cmp::Reverse(ka.key().creation_time()));
        keys.first()
            .map(|ka| ka.key().clone())
            .ok_or_else(|| SigningError::NoSigningKey(self.source.clone()))
    }
}

/// An unlocked signing key of a certificate.
pub struct SigningKey {
    cert: Cert,
    keypair: KeyPair,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("cert", &self.cert.fingerprint().to_hex())
            .field("key", &self.keypair.public().fingerprint().to_hex())
            .finish()
    }
}

impl SigningKey {
    /// Fingerprint of the certificate's primary key (upper-case hex).
    pub fn cert_fingerprint(&self) -> String {
        self.cert.fingerprint().to_hex()
    }

    /// The unlocked signing key pair (for other signing streams).
    pub(crate) fn keypair(&self) -> KeyPair {
        self.keypair.clone()
    }
}

/// Checks, from the trust engine's verdicts on the pack's keys (`Keyring::
/// entries` or a `PackReport`'s `keys`), that the key with primary
/// fingerprint `fingerprint` may sign for `role`: a key file of the pack,
/// certified by the pinned master, of that role, neither retired nor revoked.
pub fn check_trusted_signer(
    keys: &[crate::trust::keyring::KeyEntry],
    fingerprint: &str,
    role: &str,
) -> Result<(), SigningError> {
    use crate::trust::verdict::KeyStatus;
    let refuse = |why: String| Err(SigningError::NotAllowed(why));
    let Some(entry) = keys.iter().find(|k| {
        k.fingerprint
            .as_deref()
            .is_some_and(|f| f.eq_ignore_ascii_case(fingerprint))
    }) else {
        return refuse(format!(
            "the signing key {fingerprint} is not in the pack's keys/"
        ));
    };
    let file = &entry.file;
    if entry.status != KeyStatus::Certified {
        return refuse(format!(
            "the signing key {fingerprint} ({file}) is not trusted: {}",
            entry.reason
        ));
    }
    if entry.role != role {
        return refuse(format!(
            "the signing key {fingerprint} ({file}) is a {} key; this is signed by a {role} key",
            entry.role
        ));
    }
    if entry.retired {
        return refuse(format!("the signing key {fingerprint} ({file}) is retired"));
    }
    if entry.revoked {
        return refuse(format!("the signing key {fingerprint} ({file}) is revoked"));
    }
    Ok(())
}

/// Finds `signer`'s key of `role` in `pack`: a non-retired key file of that
/// role whose name starts with `signer` (`alice-...asc` for `alice`). With
/// `fingerprint` (the key a secret key file holds), the certificate with that
/// primary fingerprint; without (signing through gpg), the one certificate
/// those files hold, refused when there are several. For the security team
/// the member's fingerprint pinned in `secpack.toml`, if any, must match too.
/// Returns the pack-relative path of the key file and the certificate.
///
/// This proves the key is among the pack's published keys; whether the
/// master certifies it is the trust engine's verdict.
pub fn find_role_key(
    pack: &crate::pack::Pack,
    role: &str,
    signer: &str,
    fingerprint: Option<&str>,
) -> Result<(String, Cert), SigningError> {
    use crate::config::ROLE_SECURITY_TEAM;
    use crate::pack::FileClass;
    let pinned = (role == ROLE_SECURITY_TEAM)
        .then(|| pack.config.team.iter().find(|m| m.signer == signer))
        .flatten()
        .and_then(|m| m.fingerprint.as_ref())
        .map(|p| p.chars().filter(|c| !c.is_whitespace()).collect::<String>());
    if let (Some(pinned), Some(fpr)) = (&pinned, fingerprint) {
        if !pinned.eq_ignore_ascii_case(fpr) {
            return Err(SigningError::NotAllowed(format!(
                "the key {fpr} is not {signer}'s: secpack.toml pins {pinned}"
            )));
        }
    }
    let wanted = fingerprint.or(pinned.as_deref());
    let mut candidates = Vec::new();
    let mut found: Vec<(String, Cert)> = Vec::new();
    for f in pack.keys() {
        let FileClass::Key {
            role: file_role,
            retired,
        } = &f.class
        else {
            continue;
        };
        let named = crate::pack::key_file_names_signer(&f.path, signer);
        if file_role != role || *retired || !named {
            continue;
        }
        candidates.push(f.path.clone());
        let parser = openpgp::cert::CertParser::from_file(pack.path_of(&f.path))
            .map_err(|e| SigningError::Unreadable(f.path.clone(), e.to_string()))?;
        for cert in parser.flatten() {
            let matches =
                wanted.is_none_or(|w| cert.fingerprint().to_hex().eq_ignore_ascii_case(w));
            if matches {
                found.push((f.path.clone(), cert));
            }
        }
    }
    if candidates.is_empty() {
        return Err(SigningError::NotAllowed(format!("no {role} key file for {signer:?} in the pack (expected a file named {signer}-*.asc among the {role} keys)")));
    }
    let files = format!(
        "{signer}'s key file{} {}",
        if candidates.len() > 1 { "s" } else { "" },
        candidates.join(", ")
    );
    match (found.len(), wanted) {
        (1, _) => Ok(found.remove(0)),
        (0, Some(fpr)) => Err(SigningError::NotAllowed(format!(
            "the key {fpr} is not in {files}"
        ))),
        (0, None) => Err(SigningError::NotAllowed(format!("no key in {files}"))),
        (n, _) => Err(SigningError::NotAllowed(format!(
            "{files} hold {n} keys: sign with the secret key file (--key) to say which"
        ))),
    }
}

/// Who signs what the team publishes signed (release digests,
/// `security.txt`, CSAF documents): an unlocked secret key file, or the
/// member's own GnuPG with a key of the pack.
#[derive(Debug)]
pub enum Signer {
    /// An unlocked secret key file.
    KeyFile(Box<SigningKey>),
    /// The member's GnuPG (gpg-agent, smartcard); `cert` is the pack's copy
    /// of the key it signs with, against which each signature is checked.
    Gpg {
        /// The gpg program to run.
        program: std::ffi::OsString,
        /// The key, as the pack holds it.
        cert: Box<Cert>,
    },
}

impl Signer {
    /// The signing certificate (for a key file, secret parts included).
    fn cert(&self) -> &Cert {
        match self {
            Self::KeyFile(key) => &key.cert,
            Self::Gpg { cert, .. } => cert,
        }
    }

    /// Fingerprint of the signing certificate's primary key (upper-case hex).
    pub fn cert_fingerprint(&self) -> String {
        self.cert().fingerprint().to_hex()
    }

    /// The certificate's public part, ASCII-armoured, to publish beside the
    /// signatures.
    pub fn public_cert_armored(&self) -> Result<String, SigningError> {
        let bytes = self
            .cert()
            .armored()
            .to_vec()
            .map_err(openpgp_error("writing the public key"))?;
        String::from_utf8(bytes).map_err(|e| SigningError::OpenPgp(e.to_string()))
    }

    /// Signs `data`, framed as `framing` says; the armoured result. What gpg
    /// makes is checked against the pack's copy of the key first
    /// ([`check_made_by`]).
    pub fn sign(&self, data: &[u8], framing: Framing) -> Result<String, SigningError> {
        match self {
            Self::KeyFile(key) => sign(key, data, framing),
            Self::Gpg { program, cert } => {
                let signature =
                    sign_with_gpg(program, &cert.fingerprint().to_hex(), data, framing)?;
                check_made_by(cert, data, signature.as_bytes(), framing)?;
                Ok(signature)
            }
        }
    }
}

/// Signs `data` and returns an ASCII-armoured detached signature (SHA-512).
pub fn sign_detached(key: &SigningKey, data: &[u8]) -> Result<String, SigningError> {
    sign(key, data, Framing::Detached)
}

/// How a signature is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// An armoured detached signature.
    Detached,
    /// The text framed by the OpenPGP cleartext signature.
    Cleartext,
}

/// Signs `data` with `key` (SHA-512), framed as `framing` says; the
/// armoured result.
fn sign(key: &SigningKey, data: &[u8], framing: Framing) -> Result<String, SigningError> {
    let mut sink = Vec::new();
    {
        let message = Message::new(&mut sink);
        let signer = match framing {
            Framing::Detached => {
                let armored = Armorer::new(message)
                    .kind(armor::Kind::Signature)
                    .build()
                    .map_err(openpgp_error("starting the signature"))?;
                StreamSigner::new(armored, key.keypair.clone()).detached()
            }
            Framing::Cleartext => StreamSigner::new(message, key.keypair.clone()).cleartext(),
        };
        let mut signer = signer
            .hash_algo(HashAlgorithm::SHA512)
            .map_err(openpgp_error("starting the signature"))?
            .build()
            .map_err(openpgp_error("starting the signature"))?;
        signer
            .write_all(data)
            .map_err(|e| SigningError::OpenPgp(format!("signing: {e}")))?;
        signer
            .finalize()
            .map_err(openpgp_error("finishing the signature"))?;
    }
    String::from_utf8(sink).map_err(|e| SigningError::OpenPgp(e.to_string()))
}

impl crate::error::Coded for SigningError {
    fn code(&self) -> &'static str {
        SigningError::code(self)
    }
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass;
        match self {
            Self::NoSecretKey(..) => ErrorClass::Usage,
            Self::NoSigningKey(..) => ErrorClass::Usage,
            Self::PassphraseRequired(..) => ErrorClass::Usage,
            Self::NotAKeyFile(..) => ErrorClass::Usage,
            Self::Unreadable(..) => ErrorClass::Io,
            _ => ErrorClass::Failure,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openpgp::cert::CertBuilder;
    use openpgp::serialize::Serialize;

    fn tsk_bytes(cert: &Cert) -> Vec<u8> {
        let mut out = Vec::new();
        cert.as_tsk().armored().serialize(&mut out).unwrap();
        out
    }

    #[test]
    fn a_key_file_over_the_limit_is_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.sec.asc");
        std::fs::write(&path, vec![b'x'; MAX_KEY_FILE_BYTES as usize + 1]).unwrap();
        let e = SecretKeyFile::load(&path).unwrap_err();
        assert_eq!(e.code(), "unreadable-key-file");
        assert!(e.to_string().contains("larger than 1 MiB"), "{e}");
        let e = SecretKeyFile::load(&dir.path().join("missing")).unwrap_err();
        assert_eq!(e.code(), "unreadable-key-file");
        let e = SecretKeyFile::load(dir.path()).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }

    fn verifies(cert: &Cert, sig: &str, data: &[u8]) -> bool {
        check_made_by(cert, data, sig.as_bytes(), Framing::Detached).is_ok()
    }

    // These tests check the sequoia side in-process; `tests/csaf_provider.rs`
    // checks the same signatures with gpg itself.
    #[test]
    fn signs_with_an_unprotected_key() {
        let (cert, _) = CertBuilder::general_purpose(None, Some("T <t@example.org>"))
            .generate()
            .unwrap();
        let file = SecretKeyFile::from_bytes(&tsk_bytes(&cert), "test key").unwrap();
        assert!(!file.needs_passphrase().unwrap());
        let key = file.unlock(None).unwrap();
        let sig = sign_detached(&key, b"hello").unwrap();
        assert!(sig.starts_with("-----BEGIN PGP SIGNATURE-----"));
        assert!(verifies(&cert, &sig, b"hello"));
        assert!(!verifies(&cert, &sig, b"hellO"));
        assert_eq!(key.cert_fingerprint(), cert.fingerprint().to_hex());
        let public = Signer::KeyFile(Box::new(key))
            .public_cert_armored()
            .unwrap();
        assert!(public.contains("PUBLIC KEY BLOCK"), "{public}");
        assert!(!public.contains("PRIVATE"), "{public}");
    }

    #[test]
    fn clear_signs_text_that_stays_readable() {
        let (cert, _) = CertBuilder::general_purpose(None, Some("T <t@example.org>"))
            .generate()
            .unwrap();
        let key = SecretKeyFile::from_bytes(&tsk_bytes(&cert), "test key")
            .unwrap()
            .unlock(None)
            .unwrap();
        let text = "abc *x.iso\n";
        let signed = sign(&key, text.as_bytes(), Framing::Cleartext).unwrap();
        assert!(signed.starts_with("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n"));
        assert!(signed.contains("\nabc *x.iso\n"));
        check_made_by(
            &cert,
            text.as_bytes(),
            signed.as_bytes(),
            Framing::Cleartext,
        )
        .unwrap();
        // Another text, a tampered text, another key: refused.
        let e = check_made_by(
            &cert,
            b"abd *x.iso\n",
            signed.as_bytes(),
            Framing::Cleartext,
        )
        .unwrap_err();
        assert!(e.to_string().contains("not the text given"), "{e}");
        let forged = signed.replace("abc *x.iso", "abd *x.iso");
        assert!(check_made_by(
            &cert,
            b"abd *x.iso\n",
            forged.as_bytes(),
            Framing::Cleartext
        )
        .is_err());
        let (other, _) = CertBuilder::general_purpose(None, Some("O <o@example.org>"))
            .generate()
            .unwrap();
        assert!(check_made_by(
            &other,
            text.as_bytes(),
            signed.as_bytes(),
            Framing::Cleartext
        )
        .is_err());
        let detached = sign_detached(&key, text.as_bytes()).unwrap();
        assert!(verifies(&cert, &detached, text.as_bytes()));
        assert!(!verifies(&other, &detached, text.as_bytes()));
        // A detached signature is no clear-signed text.
        assert!(check_made_by(
            &cert,
            text.as_bytes(),
            detached.as_bytes(),
            Framing::Cleartext
        )
        .is_err());
    }

    #[test]
    fn protected_key_needs_the_right_passphrase() {
        let (cert, _) = CertBuilder::general_purpose(None, Some("T <t@example.org>"))
            .set_password(Some("correct horse".into()))
            .generate()
            .unwrap();
        let file = SecretKeyFile::from_bytes(&tsk_bytes(&cert), "test key").unwrap();
        assert!(file.needs_passphrase().unwrap());
        let e = file.unlock(None).unwrap_err();
        assert_eq!(e.code(), "passphrase-required");
        let e = file.unlock(Some(&"wrong".into())).unwrap_err();
        assert_eq!(e.code(), "wrong-passphrase");
        assert!(e.to_string().contains("wrong passphrase"));
        let key = file.unlock(Some(&"correct horse".into())).unwrap();
        let sig = sign_detached(&key, b"data").unwrap();
        assert!(verifies(&cert, &sig, b"data"));
    }

    #[test]
    fn public_only_and_garbage_files_are_refused() {
        let (cert, _) = CertBuilder::general_purpose(None, Some("T <t@example.org>"))
            .generate()
            .unwrap();
        let public = cert.armored().to_vec().unwrap();
        let e = SecretKeyFile::from_bytes(&public, "pub.asc").unwrap_err();
        assert_eq!(e.code(), "no-secret-key");
        let e = SecretKeyFile::from_bytes(b"not a key", "junk.txt").unwrap_err();
        assert!(format!("{e:#}").contains("junk.txt"));
    }

    #[test]
    fn a_key_without_signing_capability_is_refused() {
        let (cert, _) = CertBuilder::new()
            .add_userid("T <t@example.org>")
            .set_primary_key_flags(openpgp::types::KeyFlags::empty().set_certification())
            .add_transport_encryption_subkey()
            .generate()
            .unwrap();
        let file = SecretKeyFile::from_bytes(&tsk_bytes(&cert), "enc-only").unwrap();
        let e = file.unlock(None).unwrap_err();
        assert_eq!(e.code(), "no-signing-key");
    }
}
