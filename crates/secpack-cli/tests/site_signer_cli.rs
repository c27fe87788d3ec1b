//! `site build --sign-as`: the signer signs security.txt only, and a build
//! that makes no security.txt says the signer went unused, and why.

use std::process::Output;

use secpack_testsupport::cli::command_uncached;
use secpack_testsupport::demo::{demo_copy, demo_key, DEMO_MASTER};

fn site_build(pack: &std::path::Path, out: &std::path::Path, json: bool) -> Output {
    let mut c = command_uncached(env!("CARGO_BIN_EXE_secpack"));
    if json {
        c.arg("--json");
    }
    c.args(["site", "build"])
        .arg(pack)
        .arg("-o")
        .arg(out)
        .args(["--master", DEMO_MASTER, "--allow-failures"])
        .args(["--sign-as", "alice", "--key"])
        .arg(demo_key("alice"))
        .output()
        .unwrap()
}

#[test]
fn a_signer_with_no_security_txt_to_sign_is_named_unused() {
    let dir = tempfile::tempdir().unwrap();
    let pack = demo_copy();
    // With a contact, security.txt is built and signed: no such note.
    let out = site_build(pack.path(), &dir.path().join("with"), false);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("security.txt signed"), "{text}");
    assert!(!text.contains("was not used"), "{text}");

    // Without one, no security.txt: the signer signed nothing, and says so.
    let config = std::fs::read_to_string(pack.path().join("secpack.toml")).unwrap();
    let without: String = config
        .lines()
        .filter(|l| !l.trim_start().starts_with("contact"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(without, config, "the demo pack names a contact");
    std::fs::write(pack.path().join("secpack.toml"), without).unwrap();
    let out = site_build(pack.path(), &dir.path().join("without"), false);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("security.txt skipped"), "{text}");
    assert!(
        text.contains(
            "note: --sign-as alice was not used: it signs security.txt only, and no security.txt was built"
        ),
        "{text}"
    );
    let out = site_build(pack.path(), &dir.path().join("json"), true);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["signer_unused"]
            .as_str()
            .is_some_and(|s| s.starts_with("--sign-as alice was not used")),
        "{v:#}"
    );
}
