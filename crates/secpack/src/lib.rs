//! The domain of secpack: a project's *security pack* and everything that can be
//! said about it.
//!
//! A security pack is a git repository of OpenPGP keys (all certified by one
//! master key), security bulletins, warrant canaries, release digests and other
//! announcements, each signed by several team members with detached signatures.
//!
//! * [`pack`] reads a pack from disk and classifies every file in it.
//! * [`digest`] parses, checks and makes release digest files (one read per image).
//! * [`bulletin`] reads the plain text of security bulletins (and their sidecars).
//! * [`canary`] audits warrant canaries and gathers their proof of freshness.
//! * [`export`] turns bulletins into OSV and CSAF 2.0 advisories and the CSAF
//!   trusted provider layout.
//! * [`securitytxt`] lints a `security.txt` (RFC 9116), its signature and
//!   its `CSAF` field.
//! * [`signing`] makes detached OpenPGP signatures with a secret key file or
//!   the user's own GnuPG.
//! * [`keys`] generates, certifies, retires and revokes the team's keys.
//! * [`report`] takes vulnerability reports: checks, encrypts to the team, stores
//!   ciphertext in the inbox.
//! * [`team`] is the team's workflow: a new pack, new bulletins, signing.
//! * [`config`] is the optional `secpack.toml` that describes packs which differ
//!   from the conventional layout.
//! * [`trust`] is the trust engine: the pinned master key, the keyring it
//!   certifies, and the verdict on every signature.
//! * [`tracker`] is the upstream-advisory tracker: import, sync, triage,
//!   statistics and consistency with the bulletins.
//! * [`http`] is the one HTTP client configuration (TLS, user agent).
//! * [`fsutil`] holds the small file-system helpers every writer uses
//!   (atomic writes).

#![warn(missing_docs)]

pub mod bulletin;
pub mod canary;
pub mod config;
pub mod digest;
pub mod error;
pub mod export;
pub mod fsutil;
pub mod history;
pub mod http;
pub mod keys;
pub mod pack;
pub mod report;
pub mod securitytxt;
pub mod severity;
pub mod signing;
pub mod team;
pub mod tracker;
pub mod trust;
