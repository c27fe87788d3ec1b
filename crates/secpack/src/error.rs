//! What every library error shares: a stable machine-readable code and a
//! class that decides how a program reports it.
//!
//! Each module keeps its own error type (a `thiserror` enum beside the rules
//! that raise it) and implements [`Coded`] for it. Binaries hold errors as
//! `anyhow::Error` with context added on the way up; [`find`] walks such a
//! chain of causes and returns the outermost coded error, so `secpack` can
//! print `{"error":{"code","message"}}` and exit with the class's status.
//! A type that implements [`Coded`] is listed once in [`find`]'s registry.

use std::error::Error as StdError;
use std::path::{Path, PathBuf};

/// How a failure is reported to whoever ran the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorClass {
    /// The request itself is wrong: a bad argument, a missing option, a
    /// malformed number. Exit status 2.
    Usage,
    /// The configuration is wrong or unusable: a pin, a config file, a
    /// state file, a folder that is not a pack. Exit status 2.
    Config,
    /// The request was understood and refused or failed: a signature that
    /// does not verify, an untrusted key, a check that found a defect.
    /// Exit status 1.
    Failure,
    /// Reading or writing a file failed; the message names the path.
    /// Exit status 1.
    Io,
}

impl ErrorClass {
    /// The process exit status for this class: 2 for usage and
    /// configuration errors, 1 for failures and I/O errors.
    pub fn exit_status(self) -> u8 {
        match self {
            Self::Usage | Self::Config => 2,
            Self::Failure | Self::Io => 1,
        }
    }
}

/// An error with a stable code (kebab-case, never reworded once published)
/// and a class.
pub trait Coded: StdError {
    /// The stable machine-readable code.
    fn code(&self) -> &'static str;
    /// How a program reports it.
    fn class(&self) -> ErrorClass;
}

/// The cause of a failure inside a library that returns untyped errors
/// (Sequoia's `openpgp::Result`), kept with its own chain of causes so a
/// module's typed error can name it without naming that library's error type.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Reading or writing a file failed.
#[derive(Debug, thiserror::Error)]
#[error("{action} {}: {source}", path.display())]
pub struct IoError {
    /// What was being done ("reading", "writing", "creating", ...).
    pub action: &'static str,
    /// The file or folder.
    pub path: PathBuf,
    /// The operating system's error.
    #[source]
    pub source: std::io::Error,
}

impl IoError {
    /// An I/O error while doing `action` on `path`.
    pub fn new(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        Self {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}

impl Coded for IoError {
    fn code(&self) -> &'static str {
        "io"
    }
    fn class(&self) -> ErrorClass {
        ErrorClass::Io
    }
}

/// The code and class of an error chain, as [`find`] judges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classified {
    /// The stable code.
    pub code: &'static str,
    /// Its class.
    pub class: ErrorClass,
}

/// Lists every [`Coded`] type once: `as_coded` tries each in turn.
macro_rules! registry {
    ($($ty:ty),* $(,)?) => {
        fn as_coded<'a>(e: &'a (dyn StdError + 'static)) -> Option<&'a dyn Coded> {
            $(
                if let Some(c) = e.downcast_ref::<$ty>() {
                    return Some(c);
                }
            )*
            None
        }
    };
}

registry![
    IoError,
    crate::bulletin::ids::BulletinNumberError,
    crate::bulletin::lifecycle::LifecycleError,
    crate::bulletin::sidecar::SidecarError,
    crate::canary::freshness::FreshnessError,
    crate::canary::freshness::ProofError,
    crate::canary::machine::BlockError,
    crate::config::ConfigError,
    crate::digest::check::CompareError,
    crate::digest::hashing::HashError,
    crate::digest::image::ImageError,
    crate::export::ExportError,
    crate::export::check::CheckError,
    crate::fsutil::ReadCappedError,
    crate::history::repo::RepoError,
    crate::history::state::StateError,
    crate::http::BadUrl,
    crate::keys::KeyError,
    crate::pack::NotAPack,
    crate::pack::PackError,
    crate::report::auth::AuthError,
    crate::report::auth::RequestSigningError,
    crate::report::codename::CodenameError,
    crate::report::codename::DeriveError,
    crate::report::decrypt::DecryptError,
    crate::report::encrypt::EncryptError,
    crate::report::encrypt::EncryptionKeyError,
    crate::report::inbox::InboxError,
    crate::report::remote::RemoteError,
    crate::report::reply::ReporterKeyError,
    crate::report::reply::SealError,
    crate::report::state::UnknownState,
    crate::report::submission::PlaintextError,
    crate::report::submission::SubmissionError,
    crate::securitytxt::ReadError,
    crate::signing::SigningError,
    crate::team::TeamError,
    crate::tracker::jekyll::JekyllError,
    crate::tracker::model::ModelError,
    crate::tracker::model::TextError,
    crate::tracker::store::StoreError,
    crate::tracker::sync::SyncError,
    crate::tracker::triage::TriageError,
    crate::tracker::upstream::UpstreamError,
    crate::trust::cache::CacheError,
    crate::trust::pin::PinError,
    crate::trust::tags::TagsError,
];

/// The outermost coded error in `err`'s chain of causes. An operating-system
/// I/O error with no coded error around it is an `io` error; a chain with
/// neither is `None` (the caller decides, usually a failure).
pub fn find(err: &(dyn StdError + 'static)) -> Option<Classified> {
    let mut io = None;
    let mut cause = Some(err);
    while let Some(e) = cause {
        if let Some(c) = as_coded(e) {
            return Some(Classified {
                code: c.code(),
                class: c.class(),
            });
        }
        if io.is_none() && e.is::<std::io::Error>() {
            io = Some(Classified {
                code: "io",
                class: ErrorClass::Io,
            });
        }
        cause = e.source();
    }
    io
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] IoError);

    #[test]
    fn finds_a_coded_error_under_an_uncoded_wrapper() {
        let io = IoError::new(
            "reading",
            Path::new("/nowhere"),
            std::io::Error::from(std::io::ErrorKind::NotFound),
        );
        assert!(io.to_string().contains("/nowhere"));
        let got = find(&Outer(io)).unwrap();
        assert_eq!(got.code, "io");
        assert_eq!(got.class.exit_status(), 1);
    }

    #[test]
    fn the_outermost_coded_error_wins() {
        let inner = crate::history::state::StateError::NoStateFolder;
        let got = find(&inner).unwrap();
        assert_eq!(got.code, "no-state-folder");
        assert_eq!(got.class, ErrorClass::Config);
        assert_eq!(got.class.exit_status(), 2);
    }

    #[test]
    fn a_bare_os_error_is_io_and_anything_else_is_unclassified() {
        let os = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(find(&os).unwrap().class, ErrorClass::Io);
        let fmt = std::fmt::Error;
        assert_eq!(find(&fmt), None);
    }
}
