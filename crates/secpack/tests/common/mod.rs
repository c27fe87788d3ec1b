//! Test harness: real GnuPG in a temporary home, and packs in temporary folders.
//!
//! Every key here is a throwaway key made for the test run.

#![allow(dead_code)]

pub mod http;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use secpack::pack::Pack;
use secpack::trust::pin::MasterPin;
use secpack::trust::{verify_pack, PackReport, VerifyOptions};

/// A GnuPG home in a temporary folder.
pub struct Gpg {
    pub home: tempfile::TempDir,
}

impl Gpg {
    pub fn new() -> Self {
        let home = tempfile::Builder::new()
            .prefix("secpack-gpg-")
            .tempdir()
            .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        std::fs::write(
            home.path().join("gpg-agent.conf"),
            "allow-loopback-pinentry\n",
        )
        .unwrap();
        Self { home }
    }

    fn command(&self) -> Command {
        let mut c = Command::new("gpg");
        c.env("GNUPGHOME", self.home.path()).args([
            "--batch",
            "--yes",
            "--quiet",
            "--no-tty",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
        ]);
        c
    }

    /// Runs gpg with `args` and returns stdout; panics with stderr on failure.
    pub fn run(&self, args: &[&str]) -> Vec<u8> {
        let out = self.command().args(args).output().expect("gpg runs");
        assert!(
            out.status.success(),
            "gpg {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// Runs gpg at a faked time (`20200101T000000`).
    pub fn at(&self, time: &str, args: &[&str]) -> Vec<u8> {
        let t = format!("{time}!");
        let mut all = vec!["--faked-system-time", t.as_str()];
        all.extend_from_slice(args);
        self.run(&all)
    }

    /// Status of `gpg --verify`: true when gpg accepts the signature.
    pub fn verifies(&self, sig: &Path, data: &Path) -> bool {
        self.verify_files(&[sig, data])
    }

    /// Whether `gpg --verify` accepts a clear-signed file.
    pub fn verifies_clearsigned(&self, file: &Path) -> bool {
        self.verify_files(&[file])
    }

    fn verify_files(&self, files: &[&Path]) -> bool {
        self.command()
            .arg("--verify")
            .args(files)
            .output()
            .unwrap()
            .status
            .success()
    }

    /// Generates a key and returns its fingerprint.
    pub fn generate(&self, time: &str, uid: &str, algo: &str, usage: &str, expire: &str) -> String {
        self.at(time, &["--quick-gen-key", uid, algo, usage, expire]);
        self.fingerprint(uid)
    }

    pub fn fingerprint(&self, who: &str) -> String {
        let out = self.run(&["--with-colons", "--fingerprint", who]);
        String::from_utf8(out)
            .unwrap()
            .lines()
            .find_map(|l| {
                l.strip_prefix("fpr:")
                    .map(|r| r.trim_matches(':').to_string())
            })
            .expect("a fingerprint")
    }

    /// The master certifies `key` at `time`.
    pub fn certify(&self, time: &str, master: &str, key: &str) {
        self.at(time, &["-u", master, "--quick-sign-key", key]);
    }

    pub fn export(&self, fpr: &str) -> Vec<u8> {
        self.run(&["--armor", "--export", fpr])
    }

    pub fn export_secret(&self, fpr: &str) -> Vec<u8> {
        self.run(&["--armor", "--export-secret-keys", fpr])
    }

    /// A detached armoured signature of `data` by `key` at `time`.
    pub fn sign(&self, time: &str, key: &str, digest: &str, data: &[u8]) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        std::fs::write(&input, data).unwrap();
        let out = dir.path().join("out.sig");
        self.at(
            time,
            &[
                "-u",
                key,
                "--digest-algo",
                digest,
                "--armor",
                "--detach-sign",
                "-o",
                out.to_str().unwrap(),
                input.to_str().unwrap(),
            ],
        );
        std::fs::read(out).unwrap()
    }

    /// A cleartext-signed copy of `data`.
    pub fn clearsign(&self, time: &str, key: &str, data: &[u8]) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        std::fs::write(&input, data).unwrap();
        let out = dir.path().join("out.asc");
        self.at(
            time,
            &[
                "-u",
                key,
                "--clearsign",
                "-o",
                out.to_str().unwrap(),
                input.to_str().unwrap(),
            ],
        );
        std::fs::read(out).unwrap()
    }

    /// Runs `gpg --edit-key KEY` with commands on standard input.
    pub fn edit(&self, time: &str, key: &str, commands: &str) {
        use std::io::Write;
        let t = format!("{time}!");
        let mut child = self
            .command()
            .args([
                "--faked-system-time",
                &t,
                "--command-fd",
                "0",
                "--edit-key",
                key,
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(commands.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "edit-key: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Keys shared by the tests of one binary (generation is the slow part).
pub struct Keys {
    pub gpg: Gpg,
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

/// Times used by the fixtures.
pub const T_KEYS: &str = "20240101T000000";
pub const T_CERT: &str = "20240102T000000";
pub const T_SIGN: &str = "20240301T120000";

pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let gpg = Gpg::new();
        let master = gpg.generate(
            T_KEYS,
            "Test Master (throwaway) <master@test.invalid>",
            "ed25519",
            "cert",
            "never",
        );
        let alice = gpg.generate(
            T_KEYS,
            "Alice Test (throwaway) <alice@test.invalid>",
            "rsa4096",
            "sign",
            "never",
        );
        let bob = gpg.generate(
            T_KEYS,
            "Bob Test (throwaway) <bob@test.invalid>",
            "ed25519",
            "sign",
            "never",
        );
        let release = gpg.generate(
            T_KEYS,
            "Release Test (throwaway) <release@test.invalid>",
            "ed25519",
            "sign",
            "never",
        );
        let mallory = gpg.generate(
            T_KEYS,
            "Mallory Test (throwaway) <mallory@test.invalid>",
            "ed25519",
            "sign",
            "never",
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

/// A pack in a temporary folder.
pub struct TestPack {
    pub dir: tempfile::TempDir,
}

impl TestPack {
    /// A pack with the shared keys in their conventional folders (mallory's
    /// key sits in the security team folder, uncertified).
    pub fn with_keys() -> Self {
        let k = keys();
        let p = Self {
            dir: tempfile::Builder::new()
                .prefix("secpack-pack-")
                .tempdir()
                .unwrap(),
        };
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

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

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

    pub fn verify(&self, pin: &str, options: VerifyOptions) -> PackReport {
        let pack = Pack::open(self.root()).expect("pack opens");
        verify_pack(&pack, &MasterPin::parse(pin).unwrap(), options, &|| {})
    }
}

/// The one signature verdict on `signature` (a pack-relative path).
pub fn sig<'a>(r: &'a PackReport, signature: &str) -> &'a secpack::trust::report::SignatureReport {
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

pub const BULLETIN: &[u8] = b"\n   ---===[ Test Security Bulletin 001 ]===---\n\n              2024-03-01\n\n   A title\n\nSummary\n--------\n\nText.\n";

/// The team's e-mail key (Ed25519 primary, Curve25519 encryption subkey),
/// certified by the master, in the shared GnuPG home; its fingerprint.
pub fn email_key() -> &'static str {
    static KEY: OnceLock<String> = OnceLock::new();
    KEY.get_or_init(|| {
        let k = keys();
        let fpr = k.gpg.generate(
            T_KEYS,
            "Team Email Test (throwaway) <security@test.invalid>",
            "ed25519",
            "cert",
            "never",
        );
        k.gpg.at(
            T_KEYS,
            &["--quick-add-key", &fpr, "cv25519", "encr", "never"],
        );
        k.gpg.certify(T_CERT, &k.master, &fpr);
        fpr
    })
}

/// Where [`TestPack::with_email_key`] puts the e-mail key.
pub const EMAIL_KEY_FILE: &str = "keys/security-team/test-security-team-email-key.asc";

impl TestPack {
    /// [`TestPack::with_keys`] plus the team's e-mail key.
    pub fn with_email_key() -> Self {
        let p = Self::with_keys();
        p.write(EMAIL_KEY_FILE, &keys().gpg.export(email_key()));
        p
    }
}
