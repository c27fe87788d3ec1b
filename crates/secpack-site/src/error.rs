//! Why a site cannot be built or written, with stable codes.
//!
//! Each module keeps its own error type ([`PermalinkError`],
//! [`ContentError`], [`StringsError`], [`TemplateError`]); [`SiteError`] is
//! what [`crate::render`] and [`crate::write()`] return. An error of the
//! `secpack` library inside one keeps its own code and class. [`as_coded`]
//! finds this crate's errors in a chain of causes, as
//! [`secpack::error::find`] does for the library's.

use std::path::PathBuf;

use secpack::error::{Coded, ErrorClass, IoError};

use crate::content::ContentError;
use crate::i18n::StringsError;
use crate::templates::TemplateError;
use crate::urls::PermalinkError;

/// A site that cannot be built or written.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    /// A content page.
    #[error(transparent)]
    Content(#[from] ContentError),
    /// A permalink or a redirect.
    #[error(transparent)]
    Permalink(#[from] PermalinkError),
    /// A template.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// A user-interface string.
    #[error(transparent)]
    Strings(#[from] StringsError),
    /// A page did not render (a pack's template asks for what is not there).
    #[error("rendering {file} with template {template}")]
    Render {
        /// The page.
        file: String,
        /// The template.
        template: String,
        /// minijinja's error.
        #[source]
        error: minijinja::Error,
    },
    /// Two pages would be written at one path.
    #[error("{by} and {other} would both be written at {file}")]
    Clash {
        /// The path in the site.
        file: String,
        /// What claims it now.
        by: String,
        /// What claimed it first.
        other: String,
    },
    /// The output exists and is not a folder.
    #[error("{} exists and is not a folder", path.display())]
    OutputNotAFolder {
        /// The output.
        path: PathBuf,
    },
    /// The output folder holds something else than a site secpack built.
    #[error("{} is not empty and was not built by secpack (no {marker}); refusing to replace it", path.display())]
    OutputNotASite {
        /// The output.
        path: PathBuf,
        /// The marker file it lacks.
        marker: &'static str,
    },
    /// A document of the pack could not be read.
    #[error(transparent)]
    Document(#[from] secpack::fsutil::ReadCappedError),
    /// The tracker could not be read.
    #[error(transparent)]
    Tracker(#[from] secpack::tracker::store::StoreError),
    /// `security.txt` could not be signed.
    #[error(transparent)]
    Signing(#[from] secpack::signing::SigningError),
    /// Reading or writing a file failed.
    #[error(transparent)]
    Io(#[from] IoError),
}

impl Coded for SiteError {
    fn code(&self) -> &'static str {
        match self {
            Self::Render { .. } => "render-failed",
            Self::Clash { .. } => "path-clash",
            Self::OutputNotAFolder { .. } => "output-not-a-folder",
            Self::OutputNotASite { .. } => "output-not-a-site",
            other => other.inner().map_or("error", Coded::code),
        }
    }
    fn class(&self) -> ErrorClass {
        match self {
            Self::Render { .. } | Self::Clash { .. } => ErrorClass::Config,
            Self::OutputNotAFolder { .. } | Self::OutputNotASite { .. } => ErrorClass::Usage,
            other => other.inner().map_or(ErrorClass::Failure, Coded::class),
        }
    }
}

impl SiteError {
    /// The coded error a variant wraps, whose code and class it keeps.
    fn inner(&self) -> Option<&dyn Coded> {
        Some(match self {
            Self::Content(e) => e,
            Self::Permalink(e) => e,
            Self::Template(e) => e,
            Self::Strings(e) => e,
            Self::Document(e) => e,
            Self::Tracker(e) => e,
            Self::Signing(e) => e,
            Self::Io(e) => e,
            Self::Render { .. }
            | Self::Clash { .. }
            | Self::OutputNotAFolder { .. }
            | Self::OutputNotASite { .. } => return None,
        })
    }
}

/// Defines `pub fn as_coded`: an error as a [`Coded`] one when it is of one
/// of the types listed (not its causes, which the caller walks with
/// `source()`). A crate's registry of its coded errors, as
/// [`secpack::error::find`] keeps the library's; the server keeps its own.
#[macro_export]
macro_rules! coded_registry {
    ($($ty:ty),+ $(,)?) => {
        /// `e` as one of this crate's coded errors, if it is one (not its
        /// causes: walk them with `source()`).
        pub fn as_coded<'a>(
            e: &'a (dyn ::std::error::Error + 'static),
        ) -> ::std::option::Option<&'a dyn ::secpack::error::Coded> {
            $(
                if let ::std::option::Option::Some(c) = e.downcast_ref::<$ty>() {
                    return ::std::option::Option::Some(c);
                }
            )+
            ::std::option::Option::None
        }
    };
}

coded_registry!(
    SiteError,
    ContentError,
    PermalinkError,
    StringsError,
    TemplateError
);
