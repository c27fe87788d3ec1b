//! Shared fixtures of secpack's tests (never published): real GnuPG in a
//! temporary home with throwaway keys, git repositories signed with them,
//! packs in temporary folders, a fixture HTTP server on 127.0.0.1, a
//! throwaway PostgreSQL cluster, and the environment and argument lists the
//! `secpack` binary is run with.
//!
//! Every key made here is a throwaway key made for the test run.

#![warn(missing_docs)]

pub mod cli;
pub mod demo;
pub mod fs;
pub mod git;
pub mod gpg;
pub mod http;
pub mod keys;
pub mod pack;
pub mod postgres;

pub use cli::Argv;
pub use git::Git;
pub use gpg::Gpg;
pub use keys::{email_key, keys, Keys, EMAIL_KEY_FILE, T_CERT, T_KEYS, T_SIGN};
pub use pack::{assert_fails_with, sig, strict, TestPack, BULLETIN};
pub use postgres::TempPostgres;
