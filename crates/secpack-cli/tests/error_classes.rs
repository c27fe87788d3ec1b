//! Every error the CLI reports carries a stable code and the exit status of
//! its class: usage and configuration errors exit 2, failures and I/O errors
//! exit 1; with `--json` the error is `{"error":{"code","class","message"}}`
//! on standard output. One case per class, on the demo pack.

use std::process::Command;

use secpack_testsupport::cli::{command_uncached, json_error};
use secpack_testsupport::demo::{demo_copy, demo_key, demo_pack, DEMO_MASTER};

fn secpack() -> Command {
    command_uncached(env!("CARGO_BIN_EXE_secpack"))
}

#[test]
fn a_key_id_given_as_pin_is_a_usage_error() {
    let out = secpack()
        .args(["verify", "--json", "--master", "8A7D47543A09DBD0"])
        .arg(demo_pack())
        .output()
        .unwrap();
    let v = json_error(&out, 2);
    assert_eq!(v["error"]["code"], "key-id-pin");
    assert_eq!(v["error"]["class"], "usage");
}

#[test]
fn a_missing_pack_folder_is_a_configuration_error() {
    let missing = tempfile::tempdir().unwrap().path().join("nowhere");
    let out = secpack()
        .args(["key", "list", "--json", "--pack"])
        .arg(&missing)
        .output()
        .unwrap();
    let v = json_error(&out, 2);
    assert_eq!(v["error"]["code"], "pack-not-found");
    assert_eq!(v["error"]["class"], "config");
}

#[test]
fn signing_as_someone_else_is_a_failure() {
    let pack = demo_copy();
    let out = secpack()
        .args(["sign", "--json", "--as", "alice", "--master", DEMO_MASTER])
        .arg("--pack")
        .arg(pack.path())
        .arg("--key")
        .arg(demo_key("release"))
        .arg(pack.path().join("QSBs/qsb-001-2025.txt"))
        .args(["--force"])
        .output()
        .unwrap();
    let v = json_error(&out, 1);
    assert_eq!(v["error"]["class"], "failure");
    // The release key is certified, but it is not alice's and its role may
    // not sign bulletins: either refusal is a failure, never a usage error.
    let code = v["error"]["code"].as_str().unwrap();
    assert!(["signer-mismatch", "wrong-role"].contains(&code), "{code}");
}

#[test]
fn a_write_that_fails_is_an_io_error_naming_the_path() {
    let out_dir = tempfile::tempdir().unwrap();
    let target = out_dir.path().join("no-such-folder").join("alice.asc");
    let out = secpack()
        .args(["key", "export", "alice", "--json", "--pack"])
        .arg(demo_pack())
        .arg("--output")
        .arg(&target)
        .output()
        .unwrap();
    let v = json_error(&out, 1);
    assert_eq!(v["error"]["code"], "io");
    assert_eq!(v["error"]["class"], "io");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains("no-such-folder"), "{message}");
    assert!(!target.exists());
}

#[test]
fn a_store_path_serve_cannot_use_is_a_configuration_error() {
    // The database's folder is a regular file: no SQLite file can be made.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, "x").unwrap();
    let out = secpack()
        .args([
            "serve",
            "--json",
            "--master",
            DEMO_MASTER,
            "--addr",
            "127.0.0.1:0",
        ])
        .arg("--db")
        .arg(file.join("inbox.sqlite"))
        .arg(demo_pack())
        .output()
        .unwrap();
    let v = json_error(&out, 2);
    assert_eq!(v["error"]["code"], "store-unusable");
    assert_eq!(v["error"]["class"], "config");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains("not-a-folder"), "{message}");
}

#[test]
fn a_site_output_that_cannot_be_made_is_an_io_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, "x").unwrap();
    let out = secpack()
        .args(["site", "build", "--json", "--master", DEMO_MASTER])
        .arg(demo_pack())
        .arg("--output")
        .arg(file.join("site"))
        .output()
        .unwrap();
    let v = json_error(&out, 1);
    assert_eq!(v["error"]["code"], "io");
    assert_eq!(v["error"]["class"], "io");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains("not-a-folder"), "{message}");
}
