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
//!   [`remote`] the server's inbox API as that machine uses it; [`thread`]
//!   a report's follow-ups and replies as the team reads them.

pub mod auth;
pub mod codename;
pub mod decrypt;
pub mod encrypt;
pub mod inbox;
pub mod remote;
pub mod reply;
pub mod state;
pub mod submission;
pub mod thread;

use sequoia_openpgp as openpgp;

use openpgp::cert::amalgamation::key::ValidKeyAmalgamationIter;
use openpgp::packet::key::{PublicParts, UnspecifiedRole};
use openpgp::policy::Policy;
use openpgp::Cert;

/// The keys of `cert` usable now under `policy`: of a supported algorithm,
/// alive and not revoked. Callers narrow them to signing or encryption.
pub(crate) fn keys_usable_now<'a>(
    cert: &'a Cert,
    policy: &'a dyn Policy,
) -> ValidKeyAmalgamationIter<'a, PublicParts, UnspecifiedRole> {
    cert.keys()
        .with_policy(policy, None)
        .supported()
        .alive()
        .revoked(false)
}
