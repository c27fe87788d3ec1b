//! The throwaway keys shared by the tests of one test binary (generating
//! them is the slow part): a master, certified team and release keys, an
//! uncertified key, and the team's e-mail key.

use std::sync::OnceLock;

use crate::Gpg;

/// The keys of [`keys`], in one GnuPG home.
pub struct Keys {
    /// The home holding every key, secret parts included.
    pub gpg: Gpg,
    /// Ed25519, certification only: the pack's master key.
    pub master: String,
    /// RSA-4096, security team, certified.
    pub alice: String,
    /// Ed25519, security team, certified.
    pub bob: String,
    /// Ed25519, release key, certified.
    pub release: String,
    /// Ed25519, not certified by the master.
    pub mallory: String,
}

/// When the keys are made.
pub const T_KEYS: &str = "20240101T000000";
/// When the master certifies them.
pub const T_CERT: &str = "20240102T000000";
/// When the fixtures' documents are signed.
pub const T_SIGN: &str = "20240301T120000";

/// The shared keys, made on first use.
pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let gpg = Gpg::for_this_process();
        let make =
            |uid: &str, algo: &str, usage: &str| gpg.generate(T_KEYS, uid, algo, usage, "never");
        let master = make(
            "Test Master (throwaway) <master@test.invalid>",
            "ed25519",
            "cert",
        );
        let alice = make(
            "Alice Test (throwaway) <alice@test.invalid>",
            "rsa4096",
            "sign",
        );
        let bob = make("Bob Test (throwaway) <bob@test.invalid>", "ed25519", "sign");
        let release = make(
            "Release Test (throwaway) <release@test.invalid>",
            "ed25519",
            "sign",
        );
        let mallory = make(
            "Mallory Test (throwaway) <mallory@test.invalid>",
            "ed25519",
            "sign",
        );
        for k in [&alice, &bob, &release] {
            gpg.certify(T_CERT, &master, k);
        }
        Keys {
            gpg,
            master,
            alice,
            bob,
            release,
            mallory,
        }
    })
}

/// The team's e-mail key (Ed25519 primary, Curve25519 encryption subkey),
/// certified by the master, in the shared GnuPG home; its fingerprint.
pub fn email_key() -> &'static str {
    static KEY: OnceLock<String> = OnceLock::new();
    KEY.get_or_init(|| {
        encryption_key(
            "Team Email Test (throwaway) <security@test.invalid>",
            "cert",
        )
    })
}

/// Where [`crate::TestPack::with_email_key`] puts the e-mail key.
pub const EMAIL_KEY_FILE: &str = "keys/security-team/test-security-team-email-key.asc";

/// A new key of `uid` that reports can be encrypted to, in the shared
/// GnuPG home: an Ed25519 primary for `usage` (`cert`, `sign`) with a
/// Curve25519 encryption subkey, certified by the master; its fingerprint.
pub fn encryption_key(uid: &str, usage: &str) -> String {
    let k = keys();
    let fpr = k.gpg.generate(T_KEYS, uid, "ed25519", usage, "never");
    k.gpg.at(
        T_KEYS,
        &["--quick-add-key", &fpr, "cv25519", "encr", "never"],
    );
    k.gpg.certify(T_CERT, &k.master, &fpr);
    fpr
}
