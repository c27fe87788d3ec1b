//! The static website of a security pack: a security centre in every language
//! the pack's content pages use (English and French built in), needing no
//! JavaScript and working offline from the file system.
//!
//! [`render`] turns a pack and the trust engine's verdict on it into files in
//! memory; [`write()`] puts them on disk all at once (a staging folder renamed
//! into place). Every link between pages is relative.
//!
//! * [`content`] reads the pack's markdown pages (`site/*.md`).
//! * [`i18n`] holds the user-interface strings (Fluent).
//! * [`templates`] holds the page templates (overridable by the pack).
//! * [`pages`] assembles every page.
//! * [`feeds`] writes the Atom feeds, [`security_txt`] the RFC 9116 file.
//! * [`urls`] computes the relative links.
//! * [`error`] holds [`SiteError`] and finds this crate's coded errors.

#![warn(missing_docs)]

pub mod canaries_json;
pub mod content;
pub mod error;
pub mod feeds;
pub mod i18n;
pub mod mount;
pub mod pages;
pub mod security_txt;
pub mod templates;
pub mod urls;
mod write;

pub use error::{as_coded, SiteError};
pub use pages::{render, RenderedSite, SiteOptions};
pub use write::write;
