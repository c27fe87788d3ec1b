//! Packs in temporary folders, holding the shared keys and documents they
//! sign, and the trust engine's verdict on them.

use std::path::{Path, PathBuf};

use secpack::pack::Pack;
use secpack::trust::keyring::Keyring;
use secpack::trust::pin::MasterPin;
use secpack::trust::report::SignatureReport;
use secpack::trust::{verify_pack, PackReport, VerifyOptions};

use crate::keys::{email_key, keys, EMAIL_KEY_FILE, T_SIGN};

/// A bulletin in the pack's format (number 001, dated 2024-03-01).
pub const BULLETIN: &[u8] = b"\n   ---===[ Test Security Bulletin 001 ]===---\n\n              2024-03-01\n\n   A title\n\nSummary\n--------\n\nText.\n";

/// [`BULLETIN`] numbered `n` instead of 1.
pub fn bulletin(n: u32) -> Vec<u8> {
    String::from_utf8(BULLETIN.to_vec())
        .unwrap()
        .replace("Bulletin 001", &format!("Bulletin {n:03}"))
        .into_bytes()
}

/// A pack in a temporary folder.
pub struct TestPack {
    /// The pack's root folder.
    pub dir: tempfile::TempDir,
}

impl TestPack {
    /// An empty pack.
    pub fn empty() -> Self {
        Self {
            dir: tempfile::Builder::new()
                .prefix("secpack-pack-")
                .tempdir()
                .unwrap(),
        }
    }

    /// A pack with the shared keys in their conventional folders (mallory's
    /// key sits in the security team folder, uncertified).
    pub fn with_keys() -> Self {
        let k = keys();
        let p = Self::empty();
        p.write("keys/master-key/test-master.asc", &k.gpg.export(&k.master));
        p.write("keys/security-team/alice-test.asc", &k.gpg.export(&k.alice));
        p.write("keys/security-team/bob-test.asc", &k.gpg.export(&k.bob));
        p.write(
            "keys/security-team/mallory-test.asc",
            &k.gpg.export(&k.mallory),
        );
        p.write(
            "keys/release-keys/release-test.asc",
            &k.gpg.export(&k.release),
        );
        p
    }

    /// [`TestPack::with_keys`] plus the team's e-mail key.
    pub fn with_email_key() -> Self {
        let p = Self::with_keys();
        p.write(EMAIL_KEY_FILE, &keys().gpg.export(email_key()));
        p
    }

    /// The pack's root folder.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The path of `rel` in the pack.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes `data` to `rel`, making its folders.
    pub fn write(&self, rel: &str, data: &[u8]) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }

    /// Writes `doc` and one `.sig.<name>` per `(name, key)` signer.
    pub fn signed_doc(&self, rel: &str, text: &[u8], signers: &[(&str, &str)]) {
        self.write(rel, text);
        for (name, key) in signers {
            let sig = keys().gpg.sign(T_SIGN, key, "SHA256", text);
            self.write(&format!("{rel}.sig.{name}"), &sig);
        }
    }

    /// Writes `secpack.toml` signed by alice and bob (two certified team
    /// members), so that its settings count.
    pub fn signed_config(&self, text: &[u8]) {
        let k = keys();
        self.signed_doc(
            "secpack.toml",
            text,
            &[("alice", &k.alice), ("bob", &k.bob)],
        );
    }

    /// The trust engine's report on the pack, with the master `pin`.
    pub fn verify(&self, pin: &str, options: VerifyOptions) -> PackReport {
        verify_at(self.root(), pin, options)
    }

    /// The pack's keys as the trust engine judges them, with the master `pin`.
    pub fn keyring(&self, pin: &str) -> Keyring {
        let pack = Pack::open(self.root()).expect("pack opens");
        Keyring::load(&pack, &MasterPin::parse(pin).unwrap())
    }
}

/// The trust engine's report on the pack at `root`, with the master `pin`.
pub fn verify_at(root: &Path, pin: &str, options: VerifyOptions) -> PackReport {
    let pack = Pack::open(root).expect("pack opens");
    verify_pack(&pack, &MasterPin::parse(pin).unwrap(), options, &|| {})
}

/// The one signature verdict on `signature` (a pack-relative path).
pub fn sig<'a>(r: &'a PackReport, signature: &str) -> &'a SignatureReport {
    let found: Vec<_> = r
        .signatures
        .iter()
        .filter(|s| s.signature == signature)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one verdict for {signature}: {:#?}",
        r.signatures
    );
    found[0]
}

/// Verification options with `--strict` set, the rest default.
pub fn strict() -> VerifyOptions {
    VerifyOptions {
        strict: true,
        ..Default::default()
    }
}

/// Asserts that one of the report's failures mentions `words` (a code).
pub fn assert_fails_with(r: &PackReport, words: &str) {
    assert!(
        r.summary.failures.iter().any(|f| f.contains(words)),
        "no failure mentions {words:?}: {:?}",
        r.summary.failures
    );
}
