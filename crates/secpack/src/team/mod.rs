//! The security team's workflow: a new pack, new bulletins and canaries,
//! signatures that the trust engine accepts before they are written, and what
//! needs the team's attention.

mod canary;
mod draft;
mod init;
mod sign;
pub mod status;
mod tag;

pub use canary::{
    bulletins_published, check_freshness_text, draft_canary, draft_canary_with, next_canary_number,
    next_window, quoted_block_hashes, CanaryDraft, CanaryFacts, CanaryProof, ProofWarning,
};
pub use draft::{draft_bulletin, next_number, BulletinDraft};
pub use init::{init_pack, InitOptions};
pub use sign::{member_entry, sign_document, Backend, Signed};
pub use tag::{tag_head, tag_name, Tagged};

/// Why the team workflow refused to act. Each has a stable code.
#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    /// The file to sign is not a document of the pack.
    #[error("{0} is not a document of the pack ({1})")]
    NotADocument(String, String),
    /// The signer name cannot be used in a file name.
    #[error("{0:?} is not a signer name (use lower-case letters, digits, '-' and '_')")]
    BadSignerName(String),
    /// No key of the pack, current or retired, belongs to the name: it is
    /// no member of the team (the code `key export` gives too).
    #[error("no key of the pack belongs to {0:?}: it is no member of the team (expected a key file named {0}-*.asc or a [[team]] entry; `secpack key list` lists the keys)")]
    NoSuchMember(String),
    /// No current key of the pack belongs to the member.
    #[error("no current key of the pack belongs to {0:?} (expected a key file named {0}-*.asc or a [[team]] entry)")]
    NoMemberKey(String),
    /// Several keys belong to the member.
    #[error("{0:?} names several keys: {1}")]
    AmbiguousMember(String, String),
    /// The key is not certified by the pinned master key.
    #[error("the key {0} ({1}) is not trusted: {2}")]
    UntrustedKey(String, String, String),
    /// The key was retired.
    #[error("the key {0} ({1}) is retired")]
    RetiredKey(String, String),
    /// The key's role may not sign in the document's folder.
    #[error("the key {0} has role {1:?}, which may not sign in {2}/ (allowed: {3})")]
    WrongRole(String, String, String, String),
    /// The key's role is not among `[history] signer_roles`: its tag would
    /// not vouch for the pack's state.
    #[error("the key {0} has role {1:?}, whose tags do not vouch for the pack's state ([history] signer_roles: {2})")]
    WrongTagRole(String, String, String),
    /// The pack's repository has no commit to tag.
    #[error(
        "HEAD names a branch without any commit: commit the pack first (git add -A && git commit)"
    )]
    NoCommit,
    /// A tag of that name exists.
    #[error("the tag {0} exists already (use --force to replace it)")]
    TagExists(String),
    /// The pack's git repository cannot be used.
    #[error(transparent)]
    Repo(#[from] crate::history::RepoError),
    /// The key is not the member's.
    #[error("the key {0} ({1}) does not belong to {2:?}")]
    SignerMismatch(String, String, String),
    /// The signature file exists.
    #[error("{0} exists already (use --force to replace it)")]
    SignatureExists(String),
    /// The new signature did not verify; nothing was written.
    #[error(
        "the new signature of {0} does not verify with the pack's keys ({1}); nothing was written"
    )]
    SelfCheckFailed(String, String),
    /// A bulletin with this number exists.
    #[error("bulletin number {0} is taken by {1}")]
    NumberTaken(u32, String),
    /// A canary with this number exists.
    #[error("canary number {0} is taken by {1}")]
    CanaryNumberTaken(u32, String),
    /// `init` wants an empty (or absent) folder.
    #[error("{0} is not empty")]
    NotEmpty(String),
    /// The bulletin still holds template text: it is a draft.
    #[error("{0} still holds template text ({1}); finish the bulletin before signing it")]
    TemplateText(String, String),
    /// A setting of `secpack.toml` is out of range.
    #[error("secpack.toml: {0}")]
    BadSetting(String),
    /// A template does not yield a document secpack reads back.
    #[error("{0}")]
    BadTemplate(String),
    /// An argument is malformed (an empty project name or title, a master
    /// fingerprint that is none, an empty or undated proof of freshness).
    #[error("{0}")]
    BadInput(String),
    /// A date falls outside the calendar secpack computes with.
    #[error("{0}")]
    OutOfRange(String),
    /// `git init` failed.
    #[error("{0}")]
    GitFailed(String),
    /// The proof of freshness is refused.
    #[error(transparent)]
    Proof(#[from] crate::canary::freshness::ProofError),
    /// The key cannot sign.
    #[error(transparent)]
    Signing(#[from] crate::signing::SigningError),
    /// Reading or writing a file failed.
    #[error(transparent)]
    Io(#[from] crate::error::IoError),
}

impl TeamError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotADocument(..) => "not-a-document",
            Self::BadSignerName(_) => "bad-signer-name",
            Self::NoSuchMember(_) => "no-such-member",
            Self::NoMemberKey(_) => "no-member-key",
            Self::AmbiguousMember(..) => "ambiguous-member",
            Self::UntrustedKey(..) => "untrusted-key",
            Self::RetiredKey(..) => "retired-key",
            Self::WrongRole(..) => "wrong-role",
            Self::WrongTagRole(..) => "wrong-role",
            Self::NoCommit => "unborn-head",
            Self::TagExists(_) => "tag-exists",
            Self::Repo(e) => e.code(),
            Self::SignerMismatch(..) => "signer-mismatch",
            Self::SignatureExists(_) => "signature-exists",
            Self::SelfCheckFailed(..) => "self-check-failed",
            Self::NumberTaken(..) => "number-taken",
            Self::CanaryNumberTaken(..) => "canary-number-taken",
            Self::NotEmpty(_) => "not-empty",
            Self::TemplateText(..) => "template-text",
            Self::BadSetting(_) => "bad-setting",
            Self::BadTemplate(_) => "bad-template",
            Self::BadInput(_) => "bad-input",
            Self::OutOfRange(_) => "out-of-range",
            Self::GitFailed(_) => "git-failed",
            Self::Proof(e) => e.code(),
            Self::Signing(e) => e.code(),
            Self::Io(_) => "io",
        }
    }
}

impl crate::error::Coded for TeamError {
    fn code(&self) -> &'static str {
        TeamError::code(self)
    }
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass;
        match self {
            Self::NotADocument(..) => ErrorClass::Usage,
            Self::BadSignerName(..) => ErrorClass::Usage,
            Self::NoSuchMember(..) => ErrorClass::Usage,
            Self::NoMemberKey(..) => ErrorClass::Usage,
            Self::AmbiguousMember(..) => ErrorClass::Usage,
            Self::SignatureExists(..) => ErrorClass::Usage,
            Self::TagExists(..) => ErrorClass::Usage,
            Self::NoCommit => ErrorClass::Usage,
            Self::Repo(e) => crate::error::Coded::class(e),
            Self::NumberTaken(..) => ErrorClass::Usage,
            Self::CanaryNumberTaken(..) => ErrorClass::Usage,
            Self::NotEmpty(..) => ErrorClass::Usage,
            Self::BadInput(..) => ErrorClass::Usage,
            Self::BadSetting(..) | Self::BadTemplate(..) => ErrorClass::Config,
            Self::Proof(e) => crate::error::Coded::class(e),
            Self::Signing(e) => crate::error::Coded::class(e),
            Self::Io(_) => ErrorClass::Io,
            _ => ErrorClass::Failure,
        }
    }
}
