//! The trust engine.
//!
//! Trust flows from one place: the master key fingerprint the user pinned out
//! of band ([`pin`]). The master key certifies the project's keys
//! ([`keyring`]); those keys sign documents, and every signature gets a
//! [`verdict`] with a stable code and a sentence a person understands.

pub mod armor;
pub mod cache;
mod certslot;
pub mod cleartext;
pub mod config;
mod entries;
pub mod judgecache;
pub mod keycache;
pub mod keyring;
pub mod pin;
pub mod policy;
pub mod report;
pub mod signature;
pub mod tags;
pub mod verdict;

pub use config::{open_verified, VerifiedPack};
pub use report::{verify_pack, verify_settled, PackReport, VerifyOptions};
