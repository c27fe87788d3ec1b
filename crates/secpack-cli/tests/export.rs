//! `secpack export` end to end: the binary on a small pack, signing with a
//! gpg-made team key and checking the result with gpg.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const CONFIG: &str = r#"
[project]
name = "Demo"
url = "https://demo.invalid"
bulletin_id_prefix = "DSB"
"#;

/// A pack with two fixture bulletins of the library's tests.
fn pack(dir: &Path) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../secpack/tests/data/bulletins");
    std::fs::create_dir_all(dir.join("QSBs")).unwrap();
    for f in ["qsb-100-2024.txt", "qsb-101-2024.txt"] {
        std::fs::copy(src.join(f), dir.join("QSBs").join(f)).unwrap();
    }
    std::fs::write(dir.join("secpack.toml"), CONFIG).unwrap();
}

fn secpack(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_secpack"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// A throw-away gpg home; its agent is stopped on drop.
struct Gpg(tempfile::TempDir);

impl Gpg {
    fn new() -> Self {
        Self(
            tempfile::Builder::new()
                .prefix("g")
                .tempdir_in("/tmp")
                .unwrap(),
        )
    }
    fn run(&self, args: &[&str]) -> Output {
        Command::new("gpg")
            .arg("--homedir")
            .arg(self.0.path())
            .arg("--batch")
            .args(args)
            .output()
            .expect("gpg must be installed to run this test")
    }
    /// Makes a passphrase-protected ed25519 signing key; returns (secret, public).
    fn key(&self, uid: &str, pass: &str) -> (Vec<u8>, Vec<u8>) {
        let loopback = ["--pinentry-mode", "loopback", "--passphrase", pass];
        let mut gen = loopback.to_vec();
        gen.extend(["--quick-gen-key", uid, "ed25519", "sign", "0"]);
        assert!(self.run(&gen).status.success());
        let mut exp = loopback.to_vec();
        exp.extend(["--armor", "--export-secret-keys", uid]);
        let secret = self.run(&exp).stdout;
        let public = self.run(&["--armor", "--export", uid]).stdout;
        assert!(!secret.is_empty() && !public.is_empty());
        (secret, public)
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .arg("--homedir")
            .arg(self.0.path())
            .args(["--kill", "gpg-agent"])
            .output();
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    pack: PathBuf,
    out: PathBuf,
    key: PathBuf,
    pass: PathBuf,
    gpg: Gpg,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let pack_dir = dir.path().join("pack");
    pack(&pack_dir);
    let gpg = Gpg::new();
    let (secret, public) = gpg.key("Alice <alice@demo.invalid>", "open sesame");
    let keys = pack_dir.join("keys/security-team");
    std::fs::create_dir_all(&keys).unwrap();
    std::fs::write(keys.join("alice-demo.asc"), public).unwrap();
    let key = dir.path().join("alice.sec.asc");
    std::fs::write(&key, secret).unwrap();
    let pass = dir.path().join("pass.txt");
    std::fs::write(&pass, "open sesame\n").unwrap();
    Setup {
        out: dir.path().join("site"),
        pack: pack_dir,
        key,
        pass,
        gpg,
        _dir: dir,
    }
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn osv_export_writes_one_record_per_bulletin() {
    let dir = tempfile::tempdir().unwrap();
    pack(dir.path());
    let out = dir.path().join("osv");
    let o = secpack(&["--json", "export", "osv", &s(dir.path()), "-o", &s(&out)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        report["files"],
        serde_json::json!(["x_DSB-100.json", "x_DSB-101.json"])
    );
    assert_eq!(report["findings"][0]["code"], "no-packages");
    let rec: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("x_DSB-101.json")).unwrap()).unwrap();
    assert_eq!(rec["aliases"], serde_json::json!(["XSA-500"]));
}

#[test]
fn csaf_export_signed_with_a_team_key_verifies_with_gpg() {
    let t = setup();
    let o = secpack(&[
        "export",
        "csaf",
        &s(&t.pack),
        "-o",
        &s(&t.out),
        "--sign-as",
        "alice",
        "--key",
        &s(&t.key),
        "--passphrase-file",
        &s(&t.pass),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout.contains("CSAF: https://demo.invalid/.well-known/csaf/provider-metadata.json"),
        "{stdout}"
    );
    let doc = t.out.join(".well-known/csaf/white/2024/dsb-100.json");
    let sig = t.out.join(".well-known/csaf/white/2024/dsb-100.json.asc");
    let v = t.gpg.run(&["--verify", &s(&sig), &s(&doc)]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
    let meta: serde_json::Value = serde_json::from_slice(
        &std::fs::read(t.out.join(".well-known/csaf/provider-metadata.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(meta["role"], "csaf_trusted_provider");
}

#[test]
fn wrong_or_missing_passphrase_fails_clearly_and_writes_nothing() {
    let t = setup();
    std::fs::write(&t.pass, "not the passphrase\n").unwrap();
    let o = secpack(&[
        "export",
        "csaf",
        &s(&t.pack),
        "-o",
        &s(&t.out),
        "--sign-as",
        "alice",
        "--key",
        &s(&t.key),
        "--passphrase-file",
        &s(&t.pass),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("wrong passphrase"));
    assert!(!t.out.exists());

    // No passphrase file and no terminal to ask.
    let o = secpack(&[
        "export",
        "csaf",
        &s(&t.pack),
        "-o",
        &s(&t.out),
        "--sign-as",
        "alice",
        "--key",
        &s(&t.key),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--passphrase-file"));
    assert!(!t.out.exists());
}

#[test]
fn a_key_that_is_not_the_members_team_key_is_refused() {
    let t = setup();
    let o = secpack(&[
        "export",
        "csaf",
        &s(&t.pack),
        "-o",
        &s(&t.out),
        "--sign-as",
        "bob",
        "--key",
        &s(&t.key),
        "--passphrase-file",
        &s(&t.pass),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no security-team key file for \"bob\""));
    // Alice's file holds another key: refused too.
    let other = Gpg::new();
    let (_, public) = other.key("Mallory <m@demo.invalid>", "x");
    std::fs::write(t.pack.join("keys/security-team/alice-demo.asc"), public).unwrap();
    let o = secpack(&[
        "export",
        "csaf",
        &s(&t.pack),
        "-o",
        &s(&t.out),
        "--sign-as",
        "alice",
        "--key",
        &s(&t.key),
        "--passphrase-file",
        &s(&t.pass),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not in alice's key file"));
    assert!(!t.out.exists());
}

#[test]
fn key_without_signer_is_a_usage_error() {
    let o = secpack(&[
        "export",
        "csaf",
        ".",
        "-o",
        "/nonexistent",
        "--key",
        "k.asc",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--sign-as"));
}
