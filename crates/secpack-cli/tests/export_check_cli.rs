//! `secpack export check` end to end: the demo pack exported by `secpack
//! export csaf` (signed with the demo team key) passes; a broken hash fails
//! with its code in the human and JSON output; a redirect over HTTP on
//! 127.0.0.1 fails; a target that is no provider is a usage error.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use secpack_testsupport::http::serve_files;

const MASTER: &str = "60DC AA5E AD50 2177 5F7B  8513 8A7D 4754 3A09 DBD0";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn secpack(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_secpack"))
        .args(args)
        .env_remove("SECPACK_MASTER")
        .env("XDG_CONFIG_HOME", "/nonexistent-secpack-test-config")
        .env("SECPACK_NO_CACHE", "1")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The demo pack exported as a trusted provider into `dir/csaf`.
fn export(dir: &Path) -> PathBuf {
    let out = dir.join("csaf");
    let key = workspace().join("examples/demo-keys/THROWAWAY-alice.secret.asc");
    let o = secpack(&[
        "export",
        "csaf",
        s(&workspace().join("examples/demo-pack")),
        "-o",
        s(&out),
        "--master",
        MASTER,
        "--sign-as",
        "alice",
        "--key",
        s(&key),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

#[test]
fn secpacks_own_export_passes() {
    let dir = tempfile::tempdir().unwrap();
    let out = export(dir.path());
    let o = secpack(&["export", "check", s(&out)]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.starts_with("ok "), "{text}");
    assert!(text.contains("csaf_trusted_provider"), "{text}");
    let o = secpack(&["--json", "export", "check", s(&out)]);
    assert_eq!(o.status.code(), Some(0));
    let r = json(&o);
    assert_eq!(r["ok"], true);
    assert_eq!(r["role"], "csaf_trusted_provider");
    assert_eq!(r["findings"], serde_json::json!([]));
    assert!(r["documents"].as_u64().unwrap() >= 2, "{r}");
}

#[test]
fn a_broken_hash_fails_with_its_code() {
    let dir = tempfile::tempdir().unwrap();
    let out = export(dir.path());
    let hash = walk(&out)
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with(".json.sha256"))
        .expect("a hash file");
    let name = hash
        .file_name()
        .unwrap()
        .to_string_lossy()
        .replace(".sha256", "");
    std::fs::write(&hash, format!("{}  {name}\n", "f".repeat(64))).unwrap();
    let o = secpack(&["export", "check", s(&out)]);
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("error [hash-mismatch] §7.1.18"), "{text}");
    assert!(
        text.lines().last().unwrap().starts_with("failed "),
        "{text}"
    );
    let o = secpack(&["--json", "export", "check", s(&out)]);
    assert_eq!(o.status.code(), Some(1));
    let r = json(&o);
    assert_eq!(r["ok"], false);
    let findings = r["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{r}");
    assert_eq!(findings[0]["code"], "hash-mismatch");
    assert_eq!(findings[0]["severity"], "error");
    assert_eq!(findings[0]["requirement"], 18);
}

#[test]
fn a_redirect_over_http_fails() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let site = format!("http://{}", listener.local_addr().unwrap());
    let empty = tempfile::tempdir().unwrap();
    let metadata = "/.well-known/csaf/provider-metadata.json".to_string();
    serve_files(listener, empty.path().to_path_buf(), vec![metadata]);
    let o = secpack(&["--json", "export", "check", &site]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r = json(&o);
    let errors: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(errors, ["redirect"], "{r}");
    assert_eq!(
        r["provider_metadata_url"],
        format!("{site}/.well-known/csaf/provider-metadata.json")
    );
}

#[test]
fn a_target_that_is_no_provider_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = secpack(&["export", "check", s(dir.path())]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("bad-target"));
    let o = secpack(&["export", "check"]);
    assert_eq!(o.status.code(), Some(2));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}
