//! The team's keys: generation, certification by the master key, revocation,
//! retirement and lookup of a member's key file in a pack.
//!
//! Trust verdicts on keys come from [`crate::trust::keyring`]; this module
//! only makes and moves keys.

mod certify;
mod generate;
mod manage;

pub use certify::{certification_plan, certify, unlock_certifier, Certified, Plan};
pub use generate::{generate, public_file_name, Algorithm, KeySpec, Usage};
pub use manage::{member_key_files, retire, revoke, role_folder, secret_outside_pack, Revocation};

/// Why a key operation was refused. Each has a stable code.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
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
            Self::Exists(..) => ErrorClass::Usage,
            _ => ErrorClass::Failure,
        }
    }
}
