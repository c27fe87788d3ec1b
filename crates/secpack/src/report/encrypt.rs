//! The team's encryption key, chosen from the pack and vouched for by the
//! trust engine, and encryption to it.
//!
//! The key is the one `report.encryption_key` in `secpack.toml` names, or by
//! default the security team's e-mail key (`keys/security-team/*email*`).
//! It is used only when the pinned master key certifies it, it is not
//! retired or revoked, and it has at least one encryption-capable subkey that
//! is valid now under the standard policy; the message is encrypted to every
//! such subkey.

use std::io::Write;

use sequoia_openpgp as openpgp;

use openpgp::cert::amalgamation::key::ValidKeyAmalgamationIter;
use openpgp::packet::key::{PublicParts, UnspecifiedRole};
use openpgp::policy::{Policy, StandardPolicy};
use openpgp::serialize::stream::{Armorer, Encryptor2, LiteralWriter, Message, Signer};
use openpgp::Cert;
use serde::Serialize;

use crate::config::ROLE_SECURITY_TEAM;
use crate::error::{BoxError, Coded, ErrorClass};
use crate::pack::Pack;
use crate::signing::SigningKey;
use crate::trust::keyring::KeyEntry;
use crate::trust::verdict::KeyStatus;

/// Why no report can be encrypted. Each has a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncryptionKeyError {
    /// Nothing names the key, and no security-team key file has `email` in
    /// its name.
    #[error("no encryption key for reports: no key file of the security team has `email` in its name; make the team's encryption key with `secpack key generate --pack PACK --encryption -o SECRETFILE` (it goes to keys/security-team/email-<key id>.asc) and certify it with `secpack key certify --pack PACK KEYFILE --master-key MASTERSECRET`, or name another key file with `[report] encryption_key` in secpack.toml")]
    NotFound,
    /// Several e-mail keys and none chosen.
    #[error("several security-team key files could be the reports' encryption key ({0}); choose one with `[report] encryption_key` in secpack.toml")]
    Ambiguous(String),
    /// The configured path is not a key file of the pack.
    #[error("`[report] encryption_key = {0:?}` is not a key file of the pack")]
    NotAKeyFile(String),
    /// The trust engine does not vouch for the key.
    #[error("the reports' encryption key {file} is not certified by the pinned master key ({status}): {reason}")]
    Untrusted {
        /// The key file.
        file: String,
        /// The trust engine's status code.
        status: &'static str,
        /// Its reason.
        reason: String,
    },
    /// The key is kept among retired keys.
    #[error("the reports' encryption key {0} is retired")]
    Retired(String),
    /// The key has been revoked.
    #[error("the reports' encryption key {0} is revoked")]
    Revoked(String),
    /// No subkey may encrypt now: the key file, then what is missing and
    /// the commands that make a key that can.
    #[error("the reports' encryption key {0} cannot receive reports: {1}")]
    NoEncryptionSubkey(String, String),
    /// A member listed in `[report] recipients` has no key to encrypt to.
    #[error("`[report] recipients` lists {0:?}, who has no usable key: {1}")]
    BadRecipient(String, String),
}

impl EncryptionKeyError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "no-encryption-key",
            Self::Ambiguous(_) => "ambiguous-encryption-key",
            Self::NotAKeyFile(_) => "not-a-key-file",
            Self::Untrusted { .. } => "untrusted-encryption-key",
            Self::Retired(_) => "retired-encryption-key",
            Self::Revoked(_) => "revoked-encryption-key",
            Self::NoEncryptionSubkey(..) => "no-encryption-subkey",
            Self::BadRecipient(..) => "bad-recipient",
        }
    }
}

/// Sequoia could not encrypt (or sign) a message: what was being done,
/// and why.
#[derive(Debug, thiserror::Error)]
#[error("{stage}: {source}")]
pub struct EncryptError {
    /// What was being done.
    pub stage: &'static str,
    /// Sequoia's error.
    #[source]
    pub source: BoxError,
}

impl Coded for EncryptError {
    fn code(&self) -> &'static str {
        "encryption-failed"
    }
    fn class(&self) -> ErrorClass {
        ErrorClass::Failure
    }
}

/// Sequoia's error while doing `stage`, as an [`EncryptError`].
fn failed<E: Into<BoxError>>(stage: &'static str) -> impl FnOnce(E) -> EncryptError {
    move |e| EncryptError {
        stage,
        source: e.into(),
    }
}

/// Encrypts `plaintext` to `recipients` (signed by `signer` when given): an
/// OpenPGP message, ASCII-armoured when `armor`. The one encryption stream
/// of reports, follow-ups and replies.
pub(crate) fn encrypt_to<'a, R>(
    recipients: R,
    plaintext: &[u8],
    armor: bool,
    signer: Option<&SigningKey>,
) -> Result<Vec<u8>, EncryptError>
where
    R: IntoIterator,
    R::Item: Into<openpgp::serialize::stream::Recipient<'a>>,
{
    let mut sink = Vec::with_capacity(plaintext.len() + 1024);
    {
        let mut message = Message::new(&mut sink);
        if armor {
            message = Armorer::new(message)
                .build()
                .map_err(failed("starting the armour"))?;
        }
        let mut message = Encryptor2::for_recipients(message, recipients)
            .build()
            .map_err(failed("starting the encryption"))?;
        if let Some(signer) = signer {
            message = Signer::new(message, signer.keypair())
                .build()
                .map_err(failed("starting the signature"))?;
        }
        let mut literal = LiteralWriter::new(message)
            .build()
            .map_err(failed("starting the literal data"))?;
        literal
            .write_all(plaintext)
            .map_err(failed("encrypting the message"))?;
        literal
            .finalize()
            .map_err(failed("finishing the encrypted message"))?;
    }
    Ok(sink)
}

/// The key reports are encrypted to.
#[derive(Debug, Clone, Serialize)]
pub struct TeamKey {
    /// Key file, relative to the pack root.
    pub file: String,
    /// Primary fingerprint (upper-case hex).
    pub fingerprint: String,
    /// User IDs.
    pub user_ids: Vec<String>,
    /// Fingerprints of the subkeys messages are encrypted to.
    pub encryption_subkeys: Vec<String>,
    /// The members of `[report] recipients` and their keys' fingerprints,
    /// each also encrypted to.
    pub recipients: Vec<Recipient>,
    #[serde(skip)]
    cert: Cert,
    #[serde(skip)]
    member_certs: Vec<Cert>,
}

impl TeamKey {
    /// Chooses the team's encryption key in `pack` and checks it against the
    /// trust engine's verdicts on the pack's keys (`Keyring::entries`, or a
    /// `PackReport`'s `keys`). The one choice the report intake, `report
    /// encrypt` and the site's `security.txt` all use.
    pub fn select(pack: &Pack, keys: &[KeyEntry]) -> Result<Self, EncryptionKeyError> {
        let file = match &pack.config.report.encryption_key {
            Some(file) => {
                let file = file.trim_start_matches("./").to_string();
                if !keys.iter().any(|e| e.file == file) {
                    return Err(EncryptionKeyError::NotAKeyFile(file));
                }
                file
            }
            None => {
                let candidates: Vec<&str> = keys
                    .iter()
                    .filter(|e| e.role == ROLE_SECURITY_TEAM && !e.retired)
                    .filter(|e| {
                        let name = e.file.rsplit('/').next().unwrap_or(&e.file);
                        name.to_ascii_lowercase().contains("email")
                    })
                    .map(|e| e.file.as_str())
                    .collect();
                match candidates.as_slice() {
                    [] => return Err(EncryptionKeyError::NotFound),
                    [one] => one.to_string(),
                    many => return Err(EncryptionKeyError::Ambiguous(many.join(", "))),
                }
            }
        };
        let entry = keys
            .iter()
            .find(|e| e.file == file)
            .expect("the file was found among the entries");
        if entry.status != KeyStatus::Certified {
            return Err(EncryptionKeyError::Untrusted {
                file,
                status: entry.status.code(),
                reason: entry.reason.clone(),
            });
        }
        if entry.retired {
            return Err(EncryptionKeyError::Retired(file));
        }
        if entry.revoked {
            return Err(EncryptionKeyError::Revoked(file));
        }
        let cert = entry.cert().expect("a certified key parsed").clone();
        let policy = StandardPolicy::new();
        let encryption_subkeys: Vec<String> = encryption_keys(&cert, &policy)
            .map(|ka| ka.key().fingerprint().to_hex())
            .collect();
        if encryption_subkeys.is_empty() {
            let why = missing_encryption_subkey(pack, entry, &cert, &policy);
            return Err(EncryptionKeyError::NoEncryptionSubkey(file, why));
        }
        let (recipients, member_certs) = member_recipients(pack, keys, &policy)?;
        Ok(Self {
            recipients,
            member_certs,
            file,
            fingerprint: cert.fingerprint().to_hex(),
            user_ids: entry.user_ids.clone(),
            encryption_subkeys,
            cert,
        })
    }

    /// Encrypts `plaintext` to every encryption subkey of the key (and of
    /// the members' keys): an OpenPGP message, ASCII-armoured when `armor`.
    pub fn encrypt(&self, plaintext: &[u8], armor: bool) -> Result<Vec<u8>, EncryptError> {
        let policy = StandardPolicy::new();
        let members = self
            .member_certs
            .iter()
            .flat_map(|c| encryption_keys(c, &policy));
        encrypt_to(
            encryption_keys(&self.cert, &policy).chain(members),
            plaintext,
            armor,
            None,
        )
    }
}

/// What keeps `cert` (the key of `entry`) from encrypting now, and the
/// commands that make a key that can, naming the pack's root.
/// A member reports are encrypted to besides the team key.
#[derive(Debug, Clone, Serialize)]
pub struct Recipient {
    /// The name in `[report] recipients`.
    pub name: String,
    /// Their key file.
    pub file: String,
    /// Its primary fingerprint.
    pub fingerprint: String,
}

/// The certified, current security-team key of each member in `[report]
/// recipients` (the key file named `NAME-*.asc`), with an encryption subkey
/// valid now.
fn member_recipients(
    pack: &Pack,
    keys: &[KeyEntry],
    policy: &StandardPolicy,
) -> Result<(Vec<Recipient>, Vec<Cert>), EncryptionKeyError> {
    let mut recipients = Vec::new();
    let mut certs = Vec::new();
    for name in &pack.config.report.recipients {
        let bad = |why: &str| EncryptionKeyError::BadRecipient(name.clone(), why.to_string());
        let named: Vec<&KeyEntry> = keys
            .iter()
            .filter(|e| e.role == ROLE_SECURITY_TEAM && !e.retired)
            .filter(|e| {
                let file = e.file.rsplit('/').next().unwrap_or(&e.file);
                file.strip_prefix(name.as_str())
                    .is_some_and(|rest| rest.starts_with(['-', '.', '_']))
            })
            .collect();
        if named.is_empty() {
            return Err(bad(&format!(
                "no security-team key file named {name}-*.asc"
            )));
        }
        let usable: Vec<&KeyEntry> = named
            .iter()
            .copied()
            .filter(|e| e.status == KeyStatus::Certified && !e.revoked)
            .filter(|e| {
                e.cert()
                    .is_some_and(|c| encryption_keys(c, policy).next().is_some())
            })
            .collect();
        if usable.is_empty() {
            return Err(bad(&format!(
                "none of {} is certified by the pinned master with an encryption subkey valid now",
                named
                    .iter()
                    .map(|e| e.file.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        for e in usable {
            let cert = e.cert().expect("filtered on a parsed key").clone();
            recipients.push(Recipient {
                name: name.clone(),
                file: e.file.clone(),
                fingerprint: cert.fingerprint().to_hex(),
            });
            certs.push(cert);
        }
    }
    Ok((recipients, certs))
}

fn missing_encryption_subkey(
    pack: &Pack,
    entry: &KeyEntry,
    cert: &Cert,
    policy: &StandardPolicy,
) -> String {
    use openpgp::cert::amalgamation::ValidAmalgamation;
    let flagged: Vec<_> = cert
        .keys()
        .with_policy(policy, None)
        .for_transport_encryption()
        .for_storage_encryption()
        .collect();
    let missing = if flagged.is_empty() {
        if cert.keys().subkeys().any(|k| {
            k.self_signatures().any(|s| {
                s.key_flags()
                    .is_some_and(|f| f.for_transport_encryption() || f.for_storage_encryption())
            })
        }) {
            "its encryption subkey's binding signature is not acceptable (a weak algorithm \
             such as SHA-1, or a signature that does not verify)"
                .to_string()
        } else {
            "it has no encryption subkey at all: it is a signing key, made without \
             `--encryption`"
                .to_string()
        }
    } else {
        let states: Vec<&str> = flagged
            .iter()
            .map(|ka| {
                if matches!(
                    ka.revocation_status(),
                    openpgp::types::RevocationStatus::Revoked(_)
                ) {
                    "revoked"
                } else if ka.alive().is_err() {
                    "expired"
                } else if !ka.key().pk_algo().is_supported() {
                    "of an unsupported algorithm"
                } else {
                    "refused by the standard policy (weak algorithm)"
                }
            })
            .collect();
        format!("its encryption subkey is {}", states.join(", "))
    };
    let root = pack.root.display().to_string();
    let root = if root
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@%=".contains(c))
    {
        root
    } else {
        format!("'{}'", root.replace('\'', "'\\''"))
    };
    let folder = format!(
        "{}/{}",
        pack.config.layout.keys,
        crate::keys::role_folder(&pack.config, ROLE_SECURITY_TEAM)
    );
    let make = format!(
        "secpack key generate --pack {root} --encryption -o SECRETFILE` (a certification-only \
         primary key and an encryption subkey; it goes to {folder}/email-<key id>.asc), \
         certify it with `secpack key certify --pack {root} KEYFILE --master-key MASTERSECRET`"
    );
    if pack.config.report.encryption_key.is_some() {
        format!(
            "{missing}. Make the team's encryption key with `{make}, and name the new key file \
             in `[report] encryption_key` of secpack.toml"
        )
    } else {
        format!(
            "{missing}. Retire it (`secpack key retire --pack {root} {}`), then make the \
             team's encryption key with `{make}",
            entry.file_stem()
        )
    }
}

/// The subkeys of `cert` that may encrypt now.
pub(crate) fn encryption_keys<'a>(
    cert: &'a Cert,
    policy: &'a dyn Policy,
) -> ValidKeyAmalgamationIter<'a, PublicParts, UnspecifiedRole> {
    super::keys_usable_now(cert, policy)
        .for_transport_encryption()
        .for_storage_encryption()
}

impl crate::error::Coded for EncryptionKeyError {
    fn code(&self) -> &'static str {
        EncryptionKeyError::code(self)
    }
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass;
        // The pack's configured encryption key (or recipients) cannot be
        // used: a configuration error of the pack, whatever the reason.
        ErrorClass::Config
    }
}
