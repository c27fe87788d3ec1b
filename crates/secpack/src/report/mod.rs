//! Vulnerability reports: the intake form's contents, encryption to the
//! team's key, the encrypted inbox and the team's handling states.
//!
//! * [`submission`] checks a submitted form and builds the plaintext.
//! * [`encrypt`] chooses the team's encryption key (vouched for by the trust
//!   engine) and encrypts to it.
//! * [`decrypt`] decrypts on a team member's machine (key file or GnuPG).
//! * [`inbox`] stores only ciphertext, in SQLite (WAL, synchronous FULL).
//! * [`state`] is the handling state of a report.
//! * [`codename`] is the reporter's one secret; [`reply`] the team's signed,
//!   encrypted replies; [`auth`] how a member's machine signs its requests;
//!   [`remote`] the server's inbox API as that machine uses it.

pub mod auth;
pub mod codename;
pub mod decrypt;
pub mod encrypt;
pub mod inbox;
pub mod remote;
pub mod reply;
pub mod state;
pub mod submission;
