//! `secpack export` end to end: the binary on a small pack whose keys and
//! signatures gpg made (a master certifying the team key), signing with that
//! team key and checking the result with gpg; bulletins that do not verify
//! and keys the master does not certify are refused.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use secpack_testsupport::cli::json_error;
use secpack_testsupport::fs::tree;

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
    secpack_pinned(None, args)
}

/// Runs secpack with `master` pinned through SECPACK_MASTER.
fn secpack_pinned(master: Option<&str>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_secpack"));
    c.env_remove("SECPACK_MASTER")
        .env("XDG_CONFIG_HOME", "/nonexistent-secpack-test-config")
        .env("SECPACK_NO_CACHE", "1");
    if let Some(m) = master {
        c.env("SECPACK_MASTER", m);
    }
    c.args(args).stdin(Stdio::null()).output().unwrap()
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
    /// The primary fingerprint of `uid`'s key.
    fn fpr(&self, uid: &str) -> String {
        let out = self.run(&["--with-colons", "--list-keys", uid]).stdout;
        let text = String::from_utf8(out).unwrap();
        let line = text.lines().find(|l| l.starts_with("fpr:")).unwrap();
        line.split(':').nth(9).unwrap().to_string()
    }
    /// `signer` (passphrase `pass`) certifies every user ID of `fpr`.
    fn certify(&self, signer: &str, pass: &str, fpr: &str) {
        let o = self.run(&[
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            pass,
            "-u",
            signer,
            "--quick-sign-key",
            fpr,
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    /// `signer` signs `file` into `file.sig.<name>`.
    fn sign(&self, signer: &str, pass: &str, file: &Path, name: &str) {
        let sig = format!("{}.sig.{name}", file.display());
        let o = self.run(&[
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            pass,
            "-u",
            signer,
            "--armor",
            "--output",
            &sig,
            "--detach-sign",
            &s(file),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
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
    master: String,
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
    let (_, master_public) = gpg.key("Master <master@demo.invalid>", "m");
    let (secret, _) = gpg.key("Alice <alice@demo.invalid>", "open sesame");
    let master = gpg.fpr("master@demo.invalid");
    gpg.certify("master@demo.invalid", "m", &gpg.fpr("alice@demo.invalid"));
    let public = gpg
        .run(&["--armor", "--export", "alice@demo.invalid"])
        .stdout;
    std::fs::create_dir_all(pack_dir.join("keys/master")).unwrap();
    std::fs::write(pack_dir.join("keys/master/master-demo.asc"), master_public).unwrap();
    let keys = pack_dir.join("keys/security-team");
    std::fs::create_dir_all(&keys).unwrap();
    std::fs::write(keys.join("alice-demo.asc"), public).unwrap();
    for f in ["qsb-100-2024.txt", "qsb-101-2024.txt"] {
        gpg.sign(
            "alice@demo.invalid",
            "open sesame",
            &pack_dir.join("QSBs").join(f),
            "alice",
        );
    }
    let key = dir.path().join("alice.sec.asc");
    std::fs::write(&key, secret).unwrap();
    let pass = dir.path().join("pass.txt");
    std::fs::write(&pass, "open sesame\n").unwrap();
    Setup {
        master,
        out: dir.path().join("site"),
        pack: pack_dir,
        key,
        pass,
        gpg,
        _dir: dir,
    }
}

/// The paths of the findings with `code` in an export's JSON report.
fn finding_paths<'a>(report: &'a serde_json::Value, code: &str) -> Vec<&'a str> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .map(|f| f["path"].as_str().unwrap())
        .collect()
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

impl Setup {
    /// Runs secpack with this pack's master pinned.
    fn secpack(&self, args: &[&str]) -> Output {
        secpack_pinned(Some(&self.master), args)
    }
}

#[test]
fn without_a_pin_nothing_is_exported() {
    let t = setup();
    let o = secpack(&["export", "osv", &s(&t.pack), "-o", &s(&t.out)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no master key fingerprint"));
    assert!(!t.out.exists());
}

#[test]
fn a_bulletin_that_does_not_verify_is_left_out_unless_asked() {
    let t = setup();
    // One tampered byte in DSB-101: its signature no longer matches.
    let p = t.pack.join("QSBs/qsb-101-2024.txt");
    let mut text = std::fs::read(&p).unwrap();
    text[10] ^= 0x01;
    std::fs::write(&p, text).unwrap();
    let out = t.out.join("osv");
    let o = t.secpack(&["--json", "export", "osv", &s(&t.pack), "-o", &s(&out)]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        report["files"],
        serde_json::json!(["x_DSB-100-2024.json", "all.json", "all.zip"])
    );
    assert_eq!(
        finding_paths(&report, "unverified-bulletin"),
        ["QSBs/qsb-101-2024.txt"]
    );
    assert!(!out.join("x_DSB-101-2024.json").exists());

    let o = t.secpack(&[
        "--json",
        "export",
        "osv",
        &s(&t.pack),
        "-o",
        &s(&out),
        "--include-unverified",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // Both records, all.json and all.zip.
    assert_eq!(report["files"].as_array().unwrap().len(), 4);
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "unverified-bulletin-included"));
}

#[test]
fn a_sidecar_counts_only_when_it_is_signed_like_its_bulletin() {
    let t = setup();
    // An unsigned sidecar that would add a CVE to the verified DSB-100.
    let sidecar = t.pack.join("QSBs/qsb-100-2024.toml");
    std::fs::write(&sidecar, "cves = [\"CVE-2024-99999\"]\n").unwrap();
    let out = t.out.join("osv");
    let o = t.secpack(&["--json", "export", "osv", &s(&t.pack), "-o", &s(&out)]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        finding_paths(&report, "unverified-sidecar"),
        ["QSBs/qsb-100-2024.txt"]
    );
    assert!(!out.join("x_DSB-100-2024.json").exists());
    // `secpack verify` flags the unsigned sidecar too.
    let v = t.secpack(&["verify", &s(&t.pack)]);
    assert_eq!(v.status.code(), Some(1));

    // Signed by the team key, it is applied.
    t.gpg
        .sign("alice@demo.invalid", "open sesame", &sidecar, "alice");
    let o = t.secpack(&["--json", "export", "osv", &s(&t.pack), "-o", &s(&out)]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let osv: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("x_DSB-100-2024.json")).unwrap()).unwrap();
    let aliases = osv["aliases"].as_array().unwrap();
    assert!(aliases.iter().any(|a| a == "CVE-2024-99999"), "{aliases:?}");
}

#[test]
fn a_team_key_the_master_does_not_certify_may_not_sign() {
    let t = setup();
    let (secret, public) = t.gpg.key("Carol <carol@demo.invalid>", "c");
    std::fs::write(t.pack.join("keys/security-team/carol-demo.asc"), public).unwrap();
    let key = t.pack.parent().unwrap().join("carol.sec.asc");
    std::fs::write(&key, secret).unwrap();
    let pass = t.pack.parent().unwrap().join("carol-pass.txt");
    std::fs::write(&pass, "c\n").unwrap();
    let o = t.secpack(&[
        "export",
        "csaf",
        &s(&t.pack),
        "-o",
        &s(&t.out),
        "--sign-as",
        "carol",
        "--key",
        &s(&key),
        "--passphrase-file",
        &s(&pass),
    ]);
    // A refused signer is a failure (exit 1), with the signing code.
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("is not trusted"), "{stderr}");
    assert!(stderr.contains("[signer-not-allowed]"), "{stderr}");
    assert!(!t.out.exists());
}

#[test]
fn osv_export_writes_one_record_per_bulletin() {
    let t = setup();
    let out = t.out.join("osv");
    let o = t.secpack(&["--json", "export", "osv", &s(&t.pack), "-o", &s(&out)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        report["files"],
        serde_json::json!([
            "x_DSB-100-2024.json",
            "x_DSB-101-2024.json",
            "all.json",
            "all.zip"
        ])
    );
    // The pack is no git repository: its dates come from the sidecars.
    assert_eq!(finding_paths(&report, "no-git-history"), ["."]);
    assert_eq!(
        finding_paths(&report, "no-packages"),
        ["QSBs/qsb-101-2024.txt"]
    );
    let all: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("all.json")).unwrap()).unwrap();
    assert_eq!(all[1]["id"], "x_DSB-101-2024");
    assert!(out.join("all.zip").is_file());
    let rec: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("x_DSB-101-2024.json")).unwrap()).unwrap();
    assert_eq!(rec["aliases"], serde_json::json!(["XSA-500"]));
}

#[test]
fn csaf_export_signed_with_a_team_key_verifies_with_gpg() {
    let t = setup();
    let o = t.secpack(&[
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
    let doc = t.out.join(".well-known/csaf/white/2024/dsb-100-2024.json");
    let sig = t
        .out
        .join(".well-known/csaf/white/2024/dsb-100-2024.json.asc");
    let v = t.gpg.run(&["--verify", &s(&sig), &s(&doc)]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));

    // secpack's trust engine agrees: a valid signature by alice's certified key.
    let pack = secpack::pack::Pack::open(&t.pack).unwrap();
    let pin = secpack::trust::pin::MasterPin::parse(&t.master).unwrap();
    let ring = secpack::trust::keyring::Keyring::load(&pack, &pin);
    let judge = |doc: &Path| {
        ring.verify_detached(&std::fs::read(doc).unwrap(), &std::fs::read(&sig).unwrap())
    };
    let verdicts = judge(&doc);
    assert_eq!(verdicts.len(), 1);
    assert_eq!(
        verdicts[0].status,
        secpack::trust::verdict::SigStatus::Valid
    );
    assert_eq!(
        verdicts[0].key.as_deref(),
        Some(t.gpg.fpr("alice@demo.invalid").as_str())
    );

    // The hash files check with secpack's digest checker.
    for ext in ["sha256", "sha512"] {
        let digests = format!("{}.{ext}", s(&doc));
        let o = t.secpack(&[
            "digest",
            "check",
            &s(&doc),
            "--digests",
            &digests,
            "--allow-unsigned",
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
    // One changed byte: both the signature and the hashes fail.
    let mut bytes = std::fs::read(&doc).unwrap();
    bytes[20] ^= 1;
    std::fs::write(&doc, bytes).unwrap();
    assert_eq!(
        judge(&doc)[0].status,
        secpack::trust::verdict::SigStatus::Bad
    );
    let digests = format!("{}.sha256", s(&doc));
    let o = t.secpack(&[
        "digest",
        "check",
        &s(&doc),
        "--digests",
        &digests,
        "--allow-unsigned",
    ]);
    assert_eq!(o.status.code(), Some(1));
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
    let o = t.secpack(&[
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
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("wrong passphrase"));
    assert!(!t.out.exists());

    // No passphrase file and no terminal to ask.
    let o = t.secpack(&[
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
    let o = t.secpack(&[
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
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no security-team key file for \"bob\""));
    // Alice's file holds another key: refused too.
    let other = Gpg::new();
    let (_, public) = other.key("Mallory <m@demo.invalid>", "x");
    std::fs::write(t.pack.join("keys/security-team/alice-demo.asc"), public).unwrap();
    let o = t.secpack(&[
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
    assert_eq!(o.status.code(), Some(1));
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

/// Breaks DSB-101's signature (one changed byte).
fn tamper_101(t: &Setup) {
    let p = t.pack.join("QSBs/qsb-101-2024.txt");
    let mut text = std::fs::read(&p).unwrap();
    text[10] ^= 0x01;
    std::fs::write(&p, text).unwrap();
}

#[test]
fn an_osv_record_included_once_unverified_is_gone_from_the_next_export() {
    let t = setup();
    tamper_101(&t);
    let out = t.out.join("osv");
    let o = t.secpack(&[
        "export",
        "osv",
        &s(&t.pack),
        "-o",
        &s(&out),
        "--include-unverified",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(out.join("x_DSB-101-2024.json").exists());
    // Without --include-unverified the stale record does not stay published.
    let o = t.secpack(&["export", "osv", &s(&t.pack), "-o", &s(&out)]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        tree(&out),
        [
            ".secpack-export",
            "all.json",
            "all.zip",
            "x_DSB-100-2024.json"
        ]
    );
    // Nothing is left beside the output folder.
    let beside: Vec<String> = std::fs::read_dir(&t.out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(beside, ["osv"]);
}

#[test]
fn a_csaf_document_included_once_unverified_is_gone_from_the_next_export() {
    let t = setup();
    tamper_101(&t);
    let out = t.out.join("csaf");
    let o = t.secpack(&[
        "export",
        "csaf",
        &s(&t.pack),
        "-o",
        &s(&out),
        "--include-unverified",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let white = out.join(".well-known/csaf/white");
    for ext in ["", ".sha256", ".sha512"] {
        assert!(white.join(format!("2024/dsb-101-2024.json{ext}")).exists());
    }
    let o = t.secpack(&["export", "csaf", &s(&t.pack), "-o", &s(&out)]);
    assert_eq!(o.status.code(), Some(1));
    let files = tree(&out);
    assert!(
        files.iter().all(|f| !f.contains("dsb-101")),
        "stale document left: {files:?}"
    );
    assert!(files.contains(&".well-known/csaf/white/2024/dsb-100-2024.json".to_string()));
    // The index, changes and the feed no longer name it either.
    for f in ["index.txt", "changes.csv"] {
        let text = std::fs::read_to_string(white.join(f)).unwrap();
        assert!(!text.contains("dsb-101"), "{f}: {text}");
    }
    let feed = std::fs::read_to_string(out.join(".well-known/csaf/feed-tlp-white.json")).unwrap();
    assert!(!feed.contains("DSB-101"), "{feed}");
}

#[test]
fn a_foreign_folder_is_refused_and_left_untouched() {
    let t = setup();
    // A home folder given as -o by mistake, and a web site.
    let home = t.out.join("home");
    std::fs::create_dir_all(home.join(".config")).unwrap();
    std::fs::write(home.join(".config/settings"), "keep me").unwrap();
    std::fs::write(home.join("thesis.tex"), "years of work").unwrap();
    for format in ["osv", "csaf"] {
        let o = t.secpack(&["export", format, &s(&t.pack), "-o", &s(&home)]);
        assert_eq!(o.status.code(), Some(2), "{format}");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            stderr.contains("not written by secpack export") && stderr.contains("refusing"),
            "{stderr}"
        );
        assert_eq!(tree(&home), [".config/settings", "thesis.tex"]);
        assert_eq!(
            std::fs::read_to_string(home.join("thesis.tex")).unwrap(),
            "years of work"
        );
    }
    // An OSV export is not replaced by a CSAF one, nor the other way round.
    let osv = t.out.join("osv");
    let o = t.secpack(&["export", "osv", &s(&t.pack), "-o", &s(&osv)]);
    assert_eq!(o.status.code(), Some(0));
    let before = tree(&osv);
    let o = t.secpack(&["export", "csaf", &s(&t.pack), "-o", &s(&osv)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("secpack export osv"));
    assert_eq!(tree(&osv), before);
}

#[test]
fn a_signed_draft_still_holding_template_text_is_not_exported() {
    let t = setup();
    let draft = t.pack.join("QSBs/qsb-102-2024.txt");
    std::fs::write(
        &draft,
        "\n        ---===[ Demo Security Bulletin 102 ]===---\n\n                 2024-06-01\n\n                 @@TITLE@@\n\nUser action\n------------\n\nSay in one or two sentences what readers must do: which updates to\n",
    )
    .unwrap();
    t.gpg
        .sign("alice@demo.invalid", "open sesame", &draft, "alice");
    let out = t.out.join("osv");
    let o = t.secpack(&["--json", "export", "osv", &s(&t.pack), "-o", &s(&out)]);
    assert_eq!(o.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        finding_paths(&report, "template-text"),
        ["QSBs/qsb-102-2024.txt"]
    );
    assert_eq!(
        report["files"],
        serde_json::json!([
            "x_DSB-100-2024.json",
            "x_DSB-101-2024.json",
            "all.json",
            "all.zip"
        ])
    );
    // --include-unverified does not include drafts.
    let o = t.secpack(&[
        "export",
        "osv",
        &s(&t.pack),
        "-o",
        &s(&out),
        "--include-unverified",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("[template-text]"), "{stdout}");
    assert!(!out.join("x_DSB-102-2024.json").exists());
}

/// The `{"error": ...}` object of a `--json` run.
#[test]
fn each_class_of_error_has_its_exit_status_and_code() {
    let t = setup();
    // I/O: the output folder cannot be created (its parent is a file);
    // exit 1, code io, the message names the path.
    let blocker = t.out.parent().unwrap().join("a-file");
    std::fs::write(&blocker, "x").unwrap();
    let out = blocker.join("export");
    let o = t.secpack(&["--json", "export", "osv", &s(&t.pack), "-o", &s(&out)]);
    let e = &json_error(&o, 1)["error"];
    assert_eq!(
        (e["code"].as_str(), e["class"].as_str()),
        (Some("io"), Some("io"))
    );
    assert!(e["message"].as_str().unwrap().contains("a-file"), "{e}");
    // Usage: a folder the export does not own; exit 2.
    let home = t.out.join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join("notes.txt"), "mine").unwrap();
    let o = t.secpack(&["--json", "export", "osv", &s(&t.pack), "-o", &s(&home)]);
    let e = &json_error(&o, 2)["error"];
    assert_eq!(
        (e["code"].as_str(), e["class"].as_str()),
        (Some("output-not-an-export"), Some("usage"))
    );
    // Config: a CSAF base URL that is not https; exit 2.
    let o = t.secpack(&[
        "--json",
        "export",
        "csaf",
        &s(&t.pack),
        "-o",
        &s(&t.out),
        "--base-url",
        "http://demo.invalid/csaf",
    ]);
    let e = &json_error(&o, 2)["error"];
    assert_eq!(
        (e["code"].as_str(), e["class"].as_str()),
        (Some("export-settings"), Some("config"))
    );
    // Failure: a bulletin with no date of issue stops the export; exit 1.
    std::fs::write(
        t.pack.join("QSBs/qsb-102-2024.txt"),
        "\n  ---===[ Demo Security Bulletin 102 ]===---\n\n  Title\n",
    )
    .unwrap();
    let o = t.secpack(&[
        "--json",
        "export",
        "osv",
        &s(&t.pack),
        "-o",
        &s(&t.out),
        "--include-unverified",
    ]);
    let e = &json_error(&o, 1)["error"];
    assert_eq!(
        (e["code"].as_str(), e["class"].as_str()),
        (Some("no-date-of-issue"), Some("failure"))
    );
    assert_eq!(tree(&t.out), ["home/notes.txt"], "nothing written");
}
