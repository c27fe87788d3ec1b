//! `secpack serve` lints the `security.txt` it would serve as `site build`
//! lints the one it would write (finding 4 of the new team's walk): an
//! http:// base URL (insecure-uri) refuses to start, exit 2 with the code;
//! an https:// one starts and serves a file that passes the same lint.

use std::path::Path;
use std::process::{Command, Stdio};

use secpack_testsupport::cli::listening_address;
use secpack_testsupport::http::request;
use secpack_testsupport::{keys, TestPack};

fn serve(pack: &Path, db: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_secpack"));
    cmd.args(extra)
        .arg("serve")
        .arg(pack)
        .args(["--master", &keys().master, "--addr", "127.0.0.1:0"])
        .arg("--db")
        .arg(db);
    cmd
}

#[test]
fn an_http_base_url_refuses_to_start_with_the_lint_findings() {
    let pack = TestPack::with_email_key();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inbox.sqlite");
    let base = ["--base-url", "http://frobnix.example.org/"];
    let out = serve(pack.root(), &db, &[]).args(base).output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(!stdout.contains("listening on"), "{stdout}");
    // The findings, as `site build` prints them, then the refusal.
    assert!(
        stdout.contains("error [insecure-uri] security.txt"),
        "{stdout}"
    );
    assert!(stderr.contains("[security-txt-lint]"), "{stderr}");
    assert!(stderr.contains("not started"), "{stderr}");
    assert!(stderr.contains("https://"), "{stderr}");

    // --json: the error document with the code, nothing else on stdout.
    let out = serve(pack.root(), &db, &["--json"])
        .args(base)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["code"], "security-txt-lint", "{doc}");
    assert_eq!(doc["error"]["class"], "usage");
    assert!(doc["error"]["message"]
        .as_str()
        .unwrap()
        .contains("insecure-uri"));
}

#[test]
fn an_https_base_url_starts_and_serves_a_file_that_passes_the_lint() {
    let pack = TestPack::with_email_key();
    let dir = tempfile::tempdir().unwrap();
    let mut child = serve(pack.root(), &dir.path().join("inbox.sqlite"), &[])
        .args(["--base-url", "https://frobnix.example.org/"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr = listening_address(&mut child);
    let (status, body) = request(&addr, "GET", "/.well-known/security.txt", "text/plain", b"");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("Canonical: https://frobnix.example.org/.well-known/security.txt"),
        "{body}"
    );
    let file = dir.path().join("security.txt");
    std::fs::write(&file, &body).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_secpack"))
        .args(["site", "check-securitytxt"])
        .arg(&file)
        .args(["--base-url", "https://frobnix.example.org/"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
