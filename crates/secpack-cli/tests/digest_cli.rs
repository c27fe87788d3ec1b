//! `secpack digest` end to end: images checked against digest files signed
//! with gpg by keys of each role, digests computed independently with the
//! coreutils tools, and files made by secpack checked with gpg.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use secpack_testsupport::{keys, TestPack, T_SIGN};
use serde_json::Value;

const IMAGE: &str = "Demo-R1.0-x86_64.iso";

fn secpack(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_secpack"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Pseudo-random bytes spanning several read buffers, not a multiple of one.
fn image_bytes() -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..(5 << 20) + 12_345)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// The output of `tool` (md5sum, sha256sum...) run in `dir` on `name` with
/// `flags`: an independent reference.
fn tool(tool: &str, flags: &[&str], dir: &Path, name: &str) -> String {
    let out = Command::new(tool)
        .args(flags)
        .arg(name)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{tool} failed");
    String::from_utf8(out.stdout).unwrap()
}

const TOOLS: [&str; 4] = ["md5sum", "sha1sum", "sha256sum", "sha512sum"];

/// Digest file text as real packs write it: `<hex> *<name>` for each tool.
fn reference_digests(dir: &Path, name: &str) -> String {
    TOOLS.iter().map(|t| tool(t, &["-b"], dir, name)).collect()
}

/// A pack with the test keys and an image beside it.
struct Setup {
    pack: TestPack,
    image: std::path::PathBuf,
    digests: std::path::PathBuf,
}

impl Setup {
    fn new() -> Self {
        let pack = TestPack::with_keys();
        pack.write(&format!("images/{IMAGE}"), &image_bytes());
        let image = pack.path(&format!("images/{IMAGE}"));
        let digests = pack.path(&format!("images/{IMAGE}.DIGESTS"));
        Self {
            pack,
            image,
            digests,
        }
    }

    fn images_dir(&self) -> std::path::PathBuf {
        self.pack.path("images")
    }

    fn reference(&self) -> String {
        reference_digests(&self.images_dir(), IMAGE)
    }

    fn write_digests(&self, bytes: &[u8]) {
        std::fs::write(&self.digests, bytes).unwrap();
    }

    /// Runs `digest check --json` on the image with `extra` arguments.
    fn check(&self, extra: &[&str]) -> (i32, Value) {
        let mut args = vec![
            "--json",
            "digest",
            "check",
            self.image.to_str().unwrap(),
            "--pack",
            self.pack.root().to_str().unwrap(),
            "--master",
            &keys().master,
        ];
        args.extend_from_slice(extra);
        let out = secpack(&args);
        let code = out.status.code().unwrap();
        let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
            panic!(
                "no JSON (exit {code}): {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (code, json)
    }
}

fn statuses(report: &Value) -> Vec<(String, String)> {
    report["digests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["algorithm"].as_str().unwrap().to_string(),
                d["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn all(status: &str) -> Vec<(String, String)> {
    ["md5", "sha1", "sha256", "sha512"]
        .iter()
        .map(|a| (a.to_string(), status.to_string()))
        .collect()
}

#[test]
fn clear_signed_by_a_release_key_and_matching() {
    let s = Setup::new();
    let k = keys();
    s.write_digests(
        &k.gpg
            .clearsign(T_SIGN, &k.release, s.reference().as_bytes()),
    );
    let (code, r) = s.check(&[]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["signature"]["status"], "valid");
    assert_eq!(r["signature"]["trusted"], true);
    assert_eq!(r["signature"]["role"], "release");
    assert_eq!(r["signature"]["key"], k.release.as_str());
    assert_eq!(statuses(&r), all("match"));
    assert_eq!(r["bytes_read"], image_bytes().len() as u64);
    assert_eq!(r["ok"], true);
    // Human output says so too.
    let out = secpack(&[
        "digest",
        "check",
        s.image.to_str().unwrap(),
        "--pack",
        s.pack.root().to_str().unwrap(),
        "--master",
        &k.master,
    ]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("OK the image matches every digest of its signed digest file"),
        "{stdout}"
    );
}

#[test]
fn a_flipped_byte_or_a_truncated_image_fails_every_digest() {
    let s = Setup::new();
    let k = keys();
    s.write_digests(
        &k.gpg
            .clearsign(T_SIGN, &k.release, s.reference().as_bytes()),
    );
    let mut bytes = image_bytes();
    bytes[3 << 20] ^= 0x01;
    std::fs::write(&s.image, &bytes).unwrap();
    let (code, r) = s.check(&[]);
    assert_eq!(code, 1);
    assert_eq!(r["signature"]["trusted"], true);
    assert_eq!(statuses(&r), all("mismatch"));
    // The actual digests reported are the image's, as sha256sum sees it.
    let actual = tool("sha256sum", &["-b"], &s.images_dir(), IMAGE);
    let sha256 = &r["digests"][2];
    assert_eq!(sha256["algorithm"], "sha256");
    assert!(actual.starts_with(sha256["actual"].as_str().unwrap()));

    bytes = image_bytes();
    bytes.truncate(bytes.len() - 1);
    std::fs::write(&s.image, &bytes).unwrap();
    let (code, r) = s.check(&[]);
    assert_eq!(code, 1);
    assert_eq!(statuses(&r), all("mismatch"));
    assert_eq!(r["bytes_read"], bytes.len() as u64);
}

#[test]
fn a_digest_file_for_another_name_is_refused_clearly() {
    let s = Setup::new();
    let k = keys();
    let other = s.reference().replace(IMAGE, "Demo-R0.9-x86_64.iso");
    s.write_digests(&k.gpg.clearsign(T_SIGN, &k.release, other.as_bytes()));
    let (code, r) = s.check(&[]);
    assert_eq!(code, 1);
    assert_eq!(r["problem"]["code"], "other-name");
    let message = r["problem"]["message"].as_str().unwrap();
    assert!(
        message.contains("digest file is for another name"),
        "{message}"
    );
    assert!(message.contains("Demo-R0.9-x86_64.iso"), "{message}");
    assert_eq!(r["bytes_read"], 0, "the image is not read for nothing");
}

#[test]
fn a_bad_signature_fails_although_the_digests_match() {
    let s = Setup::new();
    let k = keys();
    let text = format!("# first build\n{}", s.reference());
    let signed = String::from_utf8(k.gpg.clearsign(T_SIGN, &k.release, text.as_bytes())).unwrap();
    s.write_digests(signed.replace("# first build", "# later build").as_bytes());
    let (code, r) = s.check(&[]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(r["signature"]["status"], "bad");
    assert_eq!(r["signature"]["trusted"], false);
    assert_eq!(r["ok"], false);
}

#[test]
fn text_put_before_the_signed_message_is_extra_content() {
    let s = Setup::new();
    let k = keys();
    let signed = k
        .gpg
        .clearsign(T_SIGN, &k.release, s.reference().as_bytes());
    let mut file = format!("{} *Evil.iso\nHello\n", "0".repeat(32)).into_bytes();
    file.extend_from_slice(&signed);
    s.write_digests(&file);
    // gpg still finds a good signature in it.
    assert!(k.gpg.verifies_clearsigned(&s.digests));
    let (code, r) = s.check(&[]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(r["signature"]["status"], "extra-content", "{r:#}");
    assert_eq!(r["signature"]["trusted"], false);
    assert_eq!(r["ok"], false);
}

#[test]
fn a_key_the_master_does_not_certify_is_untrusted() {
    let s = Setup::new();
    let k = keys();
    s.write_digests(
        &k.gpg
            .clearsign(T_SIGN, &k.mallory, s.reference().as_bytes()),
    );
    let (code, r) = s.check(&[]);
    assert_eq!(code, 1);
    assert_eq!(r["signature"]["status"], "untrusted-key");
    assert_eq!(r["signature"]["trusted"], false);
    assert_eq!(statuses(&r), all("match"));
}

#[test]
fn a_security_team_key_has_the_wrong_role_for_digests() {
    let s = Setup::new();
    let k = keys();
    s.write_digests(&k.gpg.clearsign(T_SIGN, &k.alice, s.reference().as_bytes()));
    let (code, r) = s.check(&[]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(r["signature"]["status"], "valid");
    assert_eq!(
        r["signature"]["warnings"],
        serde_json::json!(["wrong-role"])
    );
    assert_eq!(r["signature"]["role"], "security-team");
    assert_eq!(r["signature"]["trusted"], false);
    assert!(r["signature"]["reason"]
        .as_str()
        .unwrap()
        .contains("release key"));
}

#[test]
fn an_unsigned_file_fails_unless_allowed() {
    let s = Setup::new();
    s.write_digests(s.reference().as_bytes());
    let (code, r) = s.check(&[]);
    assert_eq!(code, 1);
    assert_eq!(r["signature"]["status"], "unsigned");
    assert_eq!(statuses(&r), all("match"));
    let (code, r) = s.check(&["--allow-unsigned"]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["signature"]["status"], "unsigned");
    assert_eq!(r["unsigned_allowed"], true);
    // The human verdict says the file is unsigned, never "signed".
    let human = |extra: &[&str]| {
        let mut args = vec![
            "digest",
            "check",
            s.image.to_str().unwrap(),
            "--pack",
            s.pack.root().to_str().unwrap(),
            "--master",
            &keys().master,
        ];
        args.extend_from_slice(extra);
        let out = secpack(&args);
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
        )
    };
    let (code, stdout) = human(&["--allow-unsigned"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("matches every digest of its unsigned digest file"),
        "{stdout}"
    );
    assert!(!stdout.contains("signed digest file\n"), "{stdout}");
    assert!(!stdout.contains("its signed"), "{stdout}");
    let (code, stdout) = human(&[]);
    assert_eq!(code, 1);
    assert!(stdout.contains("FAILED") && !stdout.contains("matches every"));
    // Allowing unsigned files does not excuse a mismatch.
    let mut bytes = image_bytes();
    bytes[0] ^= 0x80;
    std::fs::write(&s.image, &bytes).unwrap();
    let (code, _) = s.check(&["--allow-unsigned"]);
    assert_eq!(code, 1);
}

#[test]
fn a_detached_asc_beside_the_file() {
    let s = Setup::new();
    let k = keys();
    let text = s.reference();
    s.write_digests(text.as_bytes());
    let asc = s.pack.path(&format!("images/{IMAGE}.DIGESTS.asc"));
    std::fs::write(
        &asc,
        k.gpg.sign(T_SIGN, &k.release, "SHA256", text.as_bytes()),
    )
    .unwrap();
    let (code, r) = s.check(&[]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["signature"]["trusted"], true);
    assert_eq!(r["signature"]["source"], asc.to_str().unwrap());
    // The same signature over another text is bad.
    s.write_digests(format!("# extra\n{text}").as_bytes());
    let (code, r) = s.check(&[]);
    assert_eq!(code, 1);
    assert_eq!(r["signature"]["status"], "bad");
    // An explicit --signature elsewhere is used.
    let elsewhere = s.pack.path("sig.asc");
    std::fs::rename(&asc, &elsewhere).unwrap();
    s.write_digests(text.as_bytes());
    let (code, _) = s.check(&[]);
    assert_eq!(code, 1, "no .asc beside: unsigned");
    let (code, r) = s.check(&["--signature", elsewhere.to_str().unwrap()]);
    assert_eq!(code, 0, "{r:#}");
}

#[test]
fn lines_in_every_format_with_other_files_listed() {
    let s = Setup::new();
    let dir = s.images_dir();
    std::fs::write(dir.join("other.iso"), b"another image").unwrap();
    let mut text = String::from("# digests of two images\r\n\r\n");
    text += &tool("md5sum", &[], &dir, IMAGE); // text mode: two spaces
    text += &tool("sha1sum", &["-b"], &dir, "other.iso");
    text += &tool("sha1sum", &["--tag"], &dir, IMAGE); // BSD style
    text += &tool("sha256sum", &["-b"], &dir, IMAGE).replace('\n', "\r\n");
    text += &tool("sha512sum", &["--tag"], &dir, IMAGE);
    text += &tool("md5sum", &["--tag"], &dir, "other.iso");
    assert!(text.contains(&format!("SHA1 ({IMAGE}) = ")));
    s.write_digests(text.as_bytes());
    let (code, r) = s.check(&["--allow-unsigned"]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(statuses(&r), all("match"));
    // A line no format accepts makes the file unreadable.
    s.write_digests(format!("{text}not a digest\n").as_bytes());
    let (code, r) = s.check(&["--allow-unsigned"]);
    assert_eq!(code, 1);
    assert_eq!(r["problem"]["code"], "malformed-digest-file");
    assert!(r["problem"]["message"].as_str().unwrap().contains("line 9"));
}

#[test]
fn make_writes_the_real_format_and_clear_signs_it_for_gpg() {
    let s = Setup::new();
    let k = keys();
    let secret = s.pack.dir.path().join("release-secret.asc");
    std::fs::write(&secret, k.gpg.export_secret(&k.release)).unwrap();
    let out = secpack(&[
        "--json",
        "digest",
        "make",
        s.image.to_str().unwrap(),
        "--pack",
        s.pack.root().to_str().unwrap(),
        "--sign-as",
        "release",
        "--key",
        secret.to_str().unwrap(),
        "--master",
        &k.master,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["signed_with"], "keys/release-keys/release-test.asc");
    let signed = std::fs::read_to_string(&s.digests).unwrap();
    assert!(signed.starts_with("-----BEGIN PGP SIGNED MESSAGE-----\n"));
    // The signed text is exactly what the coreutils tools write in binary mode.
    let body = signed
        .split_once("\n\n")
        .unwrap()
        .1
        .split_once("-----BEGIN PGP SIGNATURE-----")
        .unwrap()
        .0;
    // The line end before the signature belongs to the framing (RFC 4880 7.1).
    assert_eq!(body.strip_suffix('\n'), Some(s.reference().as_str()));
    // gpg accepts the signature.
    let status = Command::new("gpg")
        .env("GNUPGHOME", k.gpg.home.path())
        .args(["--batch", "--verify"])
        .arg(&s.digests)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    // And secpack checks it.
    let (code, r) = s.check(&[]);
    assert_eq!(code, 0, "{r:#}");
    // Not over an existing file without --force.
    let again = secpack(&["digest", "make", s.image.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&s.digests).unwrap(), signed);
}

#[test]
fn make_lists_several_images_unsigned_and_refuses_a_non_release_key() {
    let s = Setup::new();
    let k = keys();
    let dir = s.images_dir();
    std::fs::write(dir.join("b.iso"), b"second").unwrap();
    let out_file = dir.join("ALL.DIGESTS");
    let out = secpack(&[
        "digest",
        "make",
        s.image.to_str().unwrap(),
        dir.join("b.iso").to_str().unwrap(),
        "-o",
        out_file.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = s.reference() + &reference_digests(&dir, "b.iso");
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), expected);
    // Several images need -o.
    let out = secpack(&["digest", "make", s.image.to_str().unwrap(), "b.iso"]);
    assert_eq!(out.status.code(), Some(2));
    // A security-team key may not sign digests.
    let secret = s.pack.dir.path().join("alice-secret.asc");
    std::fs::write(&secret, k.gpg.export_secret(&k.alice)).unwrap();
    let out = secpack(&[
        "digest",
        "make",
        s.image.to_str().unwrap(),
        "--pack",
        s.pack.root().to_str().unwrap(),
        "--sign-as",
        "alice",
        "--key",
        secret.to_str().unwrap(),
        "--master",
        &k.master,
    ]);
    // A refused signer is a failure (exit 1), not a usage error.
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no release key file for \"alice\""));
    assert!(!s.digests.exists(), "nothing written");
}

#[test]
fn make_signs_only_with_a_release_key_the_master_certifies() {
    let s = Setup::new();
    let k = keys();
    // Mallory's key, published as a release key but never certified.
    s.pack.write(
        "keys/release-keys/mallory-release.asc",
        &k.gpg.export(&k.mallory),
    );
    let secret = s.pack.dir.path().join("mallory-secret.asc");
    std::fs::write(&secret, k.gpg.export_secret(&k.mallory)).unwrap();
    let make = |extra: &[&str]| {
        let mut args = vec![
            "digest",
            "make",
            s.image.to_str().unwrap(),
            "--pack",
            s.pack.root().to_str().unwrap(),
            "--sign-as",
            "mallory",
            "--key",
            secret.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        Command::new(env!("CARGO_BIN_EXE_secpack"))
            .args(&args)
            .env_remove("SECPACK_MASTER")
            .env("XDG_CONFIG_HOME", "/nonexistent-secpack-test-config")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let out = make(&["--master", &k.master]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not trusted"), "{err}");
    assert!(!s.digests.exists(), "nothing written");
    // Signing needs the pin; without one, nothing is hashed or written.
    let out = make(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("master"));
    assert!(!s.digests.exists(), "nothing written");
}

/// `digest make` signed by `signer` with the secret of `fpr`, `--json`.
fn make_signed(s: &Setup, signer: &str, fpr: &str) -> Output {
    let k = keys();
    let secret = s.pack.dir.path().join(format!("{signer}-secret.asc"));
    std::fs::write(&secret, k.gpg.export_secret(fpr)).unwrap();
    secpack(&[
        "--json",
        "digest",
        "make",
        s.image.to_str().unwrap(),
        "--force",
        "--pack",
        s.pack.root().to_str().unwrap(),
        "--sign-as",
        signer,
        "--key",
        secret.to_str().unwrap(),
        "--master",
        &k.master,
    ])
}

/// The `{"error": ...}` object of a `--json` run.
fn json_error(out: &Output) -> Value {
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    v["error"].clone()
}

#[test]
fn one_role_rule_for_make_and_check_from_the_signed_config() {
    let s = Setup::new();
    let k = keys();
    // The team lets security-team keys (and not release keys) sign digests.
    s.pack
        .signed_config(b"[signers.roles]\ndigests = [\"security-team\"]\n");
    let out = make_signed(&s, "alice", &k.alice);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["signed_with"], "keys/security-team/alice-test.asc");
    // What make wrote, check accepts, by the same rule.
    let (code, r) = s.check(&[]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["signature"]["role"], "security-team");
    assert_eq!(r["ok"], true);
    // The release key may no longer sign them: make refuses before writing...
    let before = std::fs::read(&s.digests).unwrap();
    let out = make_signed(&s, "release", &k.release);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = json_error(&out);
    assert_eq!(err["class"], "failure");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("no security-team key file for \"release\""),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&s.digests).unwrap(),
        before,
        "nothing written"
    );
    // ...and check does not trust a file the release key signs.
    s.write_digests(
        &k.gpg
            .clearsign(T_SIGN, &k.release, s.reference().as_bytes()),
    );
    let (code, r) = s.check(&[]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(r["signature"]["trusted"], false);
}

#[test]
fn each_class_of_error_has_its_exit_status_and_code() {
    let s = Setup::new();
    let k = keys();
    // Failure: a tampered image fails the check (exit 1, a mismatch).
    s.write_digests(
        &k.gpg
            .clearsign(T_SIGN, &k.release, s.reference().as_bytes()),
    );
    let mut tampered = image_bytes();
    tampered[1000] ^= 1;
    std::fs::write(&s.image, &tampered).unwrap();
    let (code, r) = s.check(&[]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(r["ok"], false);
    assert_eq!(statuses(&r), all("mismatch"));
    // I/O: a digest file that cannot be read (exit 1, code read-error, the
    // path named).
    let missing = s.images_dir().join("missing.DIGESTS");
    let (code, r) = s.check(&["--digests", missing.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(
        (r["error"]["code"].as_str(), r["error"]["class"].as_str()),
        (Some("read-error"), Some("io"))
    );
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("missing.DIGESTS"),
        "{r}"
    );
    // Usage: several images and no --output (exit 2, code output-needed).
    let out = secpack(&[
        "--json",
        "digest",
        "make",
        s.image.to_str().unwrap(),
        "b.iso",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = json_error(&out);
    assert_eq!(
        (err["code"].as_str(), err["class"].as_str()),
        (Some("output-needed"), Some("usage"))
    );
    // I/O: the digest file cannot be written (exit 1, the path named).
    let out_file = s.pack.dir.path().join("no-such-folder/x.DIGESTS");
    let out = secpack(&[
        "--json",
        "digest",
        "make",
        s.image.to_str().unwrap(),
        "-o",
        out_file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = json_error(&out);
    assert_eq!(err["class"], "io", "{err}");
    assert!(
        err["message"].as_str().unwrap().contains("no-such-folder"),
        "{err}"
    );
}

/// `digest make --json` signed as `signer` through the gpg at `home`.
fn make_through_gpg(s: &Setup, signer: &str, home: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_secpack"))
        .args([
            "--json",
            "digest",
            "make",
            s.image.to_str().unwrap(),
            "--pack",
            s.pack.root().to_str().unwrap(),
            "--sign-as",
            signer,
            "--gpg",
            "--master",
            &keys().master,
        ])
        .env("GNUPGHOME", home)
        .env_remove("SECPACK_GPG")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn make_clear_signs_through_the_release_managers_gpg() {
    let s = Setup::new();
    let k = keys();
    let out = make_through_gpg(&s, "release", k.gpg.home.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["signed_with"], "keys/release-keys/release-test.asc");
    assert!(k.gpg.verifies_clearsigned(&s.digests));
    let (code, r) = s.check(&[]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(statuses(&r), all("match"));
}

#[test]
fn make_through_gpg_refuses_a_wrong_role_a_missing_key_and_an_unpublished_subkey() {
    let s = Setup::new();
    let k = keys();
    // Alice's key is a security-team key: not for digests.
    let out = make_through_gpg(&s, "alice", k.gpg.home.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no release key file for \"alice\""));
    assert!(!s.digests.exists(), "nothing written");

    // A gpg that does not hold the release key.
    let empty = secpack_testsupport::Gpg::new();
    let out = make_through_gpg(&s, "release", empty.path());
    assert_eq!(json_error(&out)["code"], "gpg-failed");
    assert!(!s.digests.exists(), "nothing written");

    // A gpg holding the release key with a signing subkey the pack's copy
    // lacks: its signature could not be checked by anyone.
    let gpg = secpack_testsupport::Gpg::new();
    let secret = s.pack.dir.path().join("release-secret.asc");
    std::fs::write(&secret, k.gpg.export_secret(&k.release)).unwrap();
    gpg.import(&secret);
    gpg.run(&["--quick-add-key", &k.release, "ed25519", "sign", "never"]);
    let out = make_through_gpg(&s, "release", gpg.path());
    let e = json_error(&out);
    assert_eq!(e["code"], "gpg-failed");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("pack's copy of the key"),
        "{e}"
    );
    assert!(!s.digests.exists(), "nothing written");
}
