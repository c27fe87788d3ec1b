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
    expect_error(&out, 1, "io", "io", "no-such-folder");
    assert!(!target.exists());
}

#[test]
fn a_store_path_serve_cannot_use_is_a_configuration_error() {
    // The database's folder is a regular file: no SQLite file can be made.
    let (_dir, file) = regular_file_as_folder();
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
    expect_error(&out, 2, "store-unusable", "config", "not-a-folder");
}

#[test]
fn a_site_output_that_cannot_be_made_is_an_io_error_naming_the_path() {
    let (_dir, file) = regular_file_as_folder();
    let out = secpack()
        .args(["site", "build", "--json", "--master", DEMO_MASTER])
        .arg(demo_pack())
        .arg("--output")
        .arg(file.join("site"))
        .output()
        .unwrap();
    expect_error(&out, 1, "io", "io", "not-a-folder");
}

/// A regular file (in a temporary folder kept alive by the first value)
/// that a command is asked to use as a folder.
fn regular_file_as_folder() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, "x").unwrap();
    (dir, file)
}

/// `out` failed with `status`, and its JSON error has `code` and `class`
/// and a message naming `names`.
fn expect_error(out: &std::process::Output, status: i32, code: &str, class: &str, names: &str) {
    let v = json_error(out, status);
    assert_eq!(v["error"]["code"], code);
    assert_eq!(v["error"]["class"], class);
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains(names), "{message}");
}
