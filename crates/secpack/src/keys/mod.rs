//! The team's keys: generation, certification by the master key, revocation,
//! retirement and lookup of a member's key file in a pack.
//!
//! Trust verdicts on keys come from [`crate::trust::keyring`]; this module
//! only makes and moves keys.

mod certify;
mod generate;
mod install;
mod manage;

pub use certify::{certification_plan, certify, unlock_certifier, Certified, Plan};
pub use generate::{generate, public_file_name, Algorithm, KeySpec, Usage};
pub use install::{
    encryption_user_id, ensure_master, install_new_key, key_file_in_pack, load_public,
    member_key_file, owner_name, plan_new_key, primary_locked, revocation_path, Installed, NewKey,
    NewKeyPlan,
};
pub use manage::{member_key_files, retire, revoke, role_folder, secret_outside_pack, Revocation};

/// Why a key operation was refused. Each has a stable code.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The secret key file would be written inside the pack, which is
    /// published.
    #[error("refusing to write the secret key {0} inside the pack {1}: the pack is published")]
    SecretInsidePack(String, String),
    /// A secret key must be protected by a passphrase.
    #[error("the passphrase is empty: a secret key must be protected")]
    EmptyPassphrase,
    /// Two passphrase entries differ.
    #[error("the two passphrases differ")]
    PassphraseMismatch,
    /// No key file of the pack belongs to this member.
    #[error("no key file in the pack belongs to {0:?}")]
    NoSuchMember(String),
    /// Several key files match the member name.
    #[error("{0:?} names several key files: {1}")]
    AmbiguousMember(String, String),
    /// The certifying key is not the pack's master key.
    #[error("the key {0} is not the pack's master key ({1})")]
    NotMaster(String, String),
    /// The master key was asked to certify itself.
    #[error(
        "the key {0} is the master key: it cannot certify itself (certify the team's keys with it)"
    )]
    SelfCertification(String),
    /// The key holds a certification by the master key that does not
    /// verify: its file was altered after it was certified.
    #[error("the key {0} holds a certification by the master key that does not verify: the key file was altered after it was certified; restore it from the pack's history or from its owner instead of certifying it again")]
    AlteredKey(String),
    /// The key to revoke is not in the pack.
    #[error("the key {0} is in no key file of the pack")]
    NotInPack(String),
    /// The destination exists already.
    #[error("{0} exists already")]
    Exists(String),
    /// The master key was asked to be an encryption key.
    #[error("the master key only certifies: make the team's encryption key with --encryption alone (role security-team)")]
    MasterEncryption,
    /// Not a signer name for a new key.
    #[error("{0:?} is not a signer name (lower-case letters, digits, '-' and '_')")]
    BadSignerName(String),
    /// An unknown algorithm name.
    #[error("unknown key algorithm {0:?} (use rsa4096 or ed25519)")]
    BadAlgorithm(String),
    /// Not a validity period.
    #[error("{0:?} is not a validity period (e.g. 2y, 18m, 90d or never)")]
    BadValidity(String),
    /// The secret key's destination is not a folder that can be used.
    #[error("the folder of {0} cannot be used: {1}")]
    BadDestination(String, String),
    /// The key file is not inside the pack.
    #[error("{0} is not inside the pack")]
    NotInsidePack(String),
    /// The file holds no readable OpenPGP key.
    #[error("{0} is not an OpenPGP key file: {1}")]
    NotAKeyFile(String, String),
    /// The key has no user ID to certify.
    #[error("the key {0} has no user ID to certify")]
    NoUserId(String),
    /// Sequoia refused an operation on the key.
    #[error("{0}")]
    OpenPgp(String),
    /// The secret key cannot be used.
    #[error(transparent)]
    Signing(#[from] crate::signing::SigningError),
    /// Reading or writing a file failed.
    #[error(transparent)]
    Io(#[from] crate::error::IoError),
}

impl KeyError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::SecretInsidePack(..) => "secret-inside-pack",
            Self::EmptyPassphrase => "empty-passphrase",
            Self::PassphraseMismatch => "passphrase-mismatch",
            Self::NoSuchMember(_) => "no-such-member",
            Self::AmbiguousMember(..) => "ambiguous-member",
            Self::NotMaster(..) => "not-master",
            Self::SelfCertification(_) => "self-certification",
            Self::AlteredKey(_) => "altered-key",
            Self::NotInPack(_) => "not-in-pack",
            Self::Exists(_) => "exists",
            Self::MasterEncryption => "master-encryption",
            Self::BadSignerName(_) => "bad-signer-name",
            Self::BadAlgorithm(_) => "bad-algorithm",
            Self::BadValidity(_) => "bad-validity",
            Self::NotInsidePack(_) => "not-inside-pack",
            Self::BadDestination(..) => "bad-destination",
            Self::NotAKeyFile(..) => "not-a-key-file",
            Self::NoUserId(_) => "no-user-id",
            Self::OpenPgp(_) => "openpgp-error",
            Self::Signing(e) => e.code(),
            Self::Io(_) => "io",
        }
    }
}

impl crate::error::Coded for KeyError {
    fn code(&self) -> &'static str {
        KeyError::code(self)
    }
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass;
        match self {
            Self::SecretInsidePack(..) => ErrorClass::Usage,
            Self::EmptyPassphrase => ErrorClass::Usage,
            Self::PassphraseMismatch => ErrorClass::Usage,
            Self::NoSuchMember(..) => ErrorClass::Usage,
            Self::AmbiguousMember(..) => ErrorClass::Usage,
            Self::NotInPack(..) => ErrorClass::Usage,
            Self::SelfCertification(..) => ErrorClass::Usage,
            Self::NotAKeyFile(..) => ErrorClass::Usage,
            Self::NotMaster(..) | Self::BadDestination(..) => ErrorClass::Usage,
            Self::Exists(..) => ErrorClass::Usage,
            Self::MasterEncryption
            | Self::BadSignerName(..)
            | Self::BadAlgorithm(..)
            | Self::BadValidity(..)
            | Self::NotInsidePack(..) => ErrorClass::Usage,
            Self::Signing(e) => crate::error::Coded::class(e),
            Self::Io(_) => ErrorClass::Io,
            _ => ErrorClass::Failure,
        }
    }
}
