//! The upstream-advisory tracker: for every upstream advisory (Xen's XSAs for
//! Qubes), whether the project is affected and which bulletin covers it.
//!
//! Bulletins can only confirm that the project is affected; the tracker is
//! what confirms that it is not. It lives in the pack as a TOML file
//! ([`store`]), can be migrated from and to a Jekyll site's data file
//! ([`jekyll`]), follows the upstream's published list ([`upstream`],
//! [`sync`]), and is summarized ([`stats`]) and checked against the pack's
//! bulletins ([`check`]). [`model`] holds the rows and triage decisions;
//! [`triage`] records one decision as a person gives it.

pub mod check;
pub mod jekyll;
pub mod model;
pub mod stats;
pub mod store;
pub mod sync;
pub mod triage;
pub mod upstream;

#[cfg(test)]
pub(crate) mod testing;

pub use model::{Advisory, Affected, BulletinRef, Decision, Tracker};
