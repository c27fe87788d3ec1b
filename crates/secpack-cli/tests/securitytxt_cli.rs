//! `secpack site check-securitytxt` end to end, and its run by `site build`:
//! the demo site's signed security.txt passes with the pack's keys; an
//! altered copy, a file without Contact and a file whose Canonical names
//! another place (fetched over HTTP on 127.0.0.1) fail with their codes; a
//! missing file is a usage error; a site build whose security.txt would fail
//! the lint writes nothing.

use std::path::Path;
use std::process::Output;

use secpack_testsupport::cli::{command, Ran};
use secpack_testsupport::demo::{demo_key, demo_pack as demo, DEMO_MASTER as MASTER};
use secpack_testsupport::fs::copy_dir;
use secpack_testsupport::http::{ok, Server};
use secpack_testsupport::Gpg;

const BASE: &str = "https://demo.invalid/security/";

fn secpack(args: &[&str]) -> Output {
    command(env!("CARGO_BIN_EXE_secpack"))
        .args(args)
        .env("SECPACK_NO_CACHE", "1")
        .output()
        .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Builds the demo site, security.txt signed by alice, into `out`.
fn build(pack: &Path, out: &Path) -> Output {
    let key = demo_key("alice");
    secpack(&[
        "--json",
        "site",
        "build",
        s(pack),
        "-o",
        s(out),
        "--master",
        MASTER,
        "--base-url",
        BASE,
        "--sign-as",
        "alice",
        "--key",
        s(&key),
    ])
}

fn error_codes(r: &serde_json::Value) -> Vec<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_built_signed_file_passes_and_an_altered_copy_fails() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let o = build(&demo(), &out);
    o.assert_success();
    let r = o.json();
    assert_eq!(r["security_txt_lint"]["ok"], true, "{r}");
    let file = out.join(".well-known/security.txt");
    let o = secpack(&[
        "--json",
        "site",
        "check-securitytxt",
        s(&file),
        "--pack",
        s(&demo()),
        "--master",
        MASTER,
        "--base-url",
        BASE,
    ]);
    o.assert_success();
    let r = o.json();
    assert_eq!(r["ok"], true);
    assert_eq!(r["signed"], true);
    assert!(r["signed_by"].as_str().is_some(), "{r}");
    assert_eq!(r["findings"], serde_json::json!([]), "{r}");

    // One changed letter in the signed text.
    let text = std::fs::read_to_string(&file).unwrap().replace(
        "mailto:security@demo.invalid",
        "mailto:security@dem0.invalid",
    );
    let altered = dir.path().join("altered.txt");
    std::fs::write(&altered, text).unwrap();
    let o = secpack(&[
        "site",
        "check-securitytxt",
        s(&altered),
        "--pack",
        s(&demo()),
        "--master",
        MASTER,
    ]);
    assert_eq!(o.status.code(), Some(1));
    let human = String::from_utf8_lossy(&o.stdout);
    assert!(human.contains("error [signature-invalid]"), "{human}");
}

#[test]
fn unsigned_files_by_defect() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("security.txt");
    std::fs::write(
        &file,
        "Expires: 2099-01-01T00:00:00Z\nPreferred-Languages: en\n",
    )
    .unwrap();
    let o = secpack(&["--json", "site", "check-securitytxt", s(&file)]);
    assert_eq!(o.status.code(), Some(1));
    let r = o.json();
    assert_eq!(error_codes(&r), ["no-contact", "expires-too-far"], "{r}");
    let o = secpack(&[
        "site",
        "check-securitytxt",
        s(&dir.path().join("missing.txt")),
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "an unreadable file is an I/O error"
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("unreadable"));
}

#[test]
fn canonical_must_name_the_url_it_was_fetched_from() {
    let expires = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let body = format!(
        "Contact: mailto:security@demo.invalid\nExpires: {expires}\nCanonical: https://demo.invalid/.well-known/security.txt\n"
    );
    let path = "/.well-known/security.txt";
    let server = Server::start(vec![(path, vec![ok(body)])]);
    let url = server.url(path);
    let o = secpack(&["--json", "site", "check-securitytxt", &url]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(error_codes(&o.json()), ["canonical-mismatch"]);
}

#[test]
fn a_site_whose_security_txt_fails_the_lint_is_not_built() {
    // The demo pack with a CSAF provider published and a contact over
    // plain http, its secpack.toml signed again by alice and bob.
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack");
    copy_dir(&demo(), &pack);
    let config = std::fs::read_to_string(pack.join("secpack.toml"))
        .unwrap()
        .replace(
            "contact = \"security@demo.invalid\"",
            "contact = \"http://demo.invalid/contact\"",
        );
    assert!(config.contains("http://demo.invalid/contact"));
    std::fs::write(pack.join("secpack.toml"), &config).unwrap();
    let gpg = Gpg::new();
    for who in ["alice", "bob"] {
        gpg.import(&demo_key(who));
        let sig = pack.join(format!("secpack.toml.sig.{who}"));
        let uid = format!("{who}@");
        gpg.run(&[
            "--armor",
            "--detach-sign",
            "--local-user",
            &uid,
            "--output",
            s(&sig),
            s(&pack.join("secpack.toml")),
        ]);
    }
    let out = dir.path().join("site");
    let o = build(&pack, &out);
    drop(gpg);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r = o.json();
    assert_eq!(r["built"], false);
    assert_eq!(
        error_codes(&r["security_txt_lint"]),
        ["insecure-uri"],
        "{r}"
    );
    assert!(!out.exists(), "nothing is written");
}
