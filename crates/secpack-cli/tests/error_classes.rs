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

#[test]
fn a_name_that_is_no_member_is_a_usage_error_in_sign_and_tag_as_in_key_export() {
    let pack = demo_copy();
    let doc = pack.path().join("QSBs/qsb-001-2025.txt");
    // `carol` names no key of the pack: whatever key is given, it is no
    // member (not a key that "does not belong" to her).
    let sign = secpack()
        .args(["sign", "--json", "--as", "carol", "--master", DEMO_MASTER])
        .arg("--pack")
        .arg(pack.path())
        .arg("--key")
        .arg(demo_key("alice"))
        .arg(&doc)
        .output()
        .unwrap();
    expect_error(&sign, 2, "no-such-member", "usage", "\"carol\"");
    assert!(!pack.path().join("QSBs/qsb-001-2025.txt.sig.carol").exists());
    let tag = secpack()
        .args(["tag", "--json", "--as", "carol", "--master", DEMO_MASTER])
        .arg("--pack")
        .arg(pack.path())
        .arg("--key")
        .arg(demo_key("alice"))
        .output()
        .unwrap();
    expect_error(&tag, 2, "no-such-member", "usage", "\"carol\"");
    let export = secpack()
        .args(["key", "export", "carol", "--json", "--pack"])
        .arg(pack.path())
        .output()
        .unwrap();
    expect_error(&export, 2, "no-such-member", "usage", "\"carol\"");
    // A member with another member's key is still refused as such.
    let out = secpack()
        .args(["sign", "--json", "--as", "bob", "--master", DEMO_MASTER])
        .arg("--pack")
        .arg(pack.path())
        .arg("--key")
        .arg(demo_key("alice"))
        .arg(&doc)
        .args(["--force"])
        .output()
        .unwrap();
    expect_error(&out, 1, "signer-mismatch", "failure", "\"bob\"");
}

#[test]
fn a_file_at_the_pack_root_is_not_a_document_in_words_that_say_why() {
    let pack = demo_copy();
    std::fs::write(pack.path().join("foo.txt"), "notes\n").unwrap();
    let out = secpack()
        .args(["sign", "--json", "--as", "alice", "--master", DEMO_MASTER])
        .arg("--pack")
        .arg(pack.path())
        .arg("--key")
        .arg(demo_key("alice"))
        .arg(pack.path().join("foo.txt"))
        .output()
        .unwrap();
    expect_error(
        &out,
        2,
        "not-a-document",
        "usage",
        "foo.txt is not a document of the pack (a file at the pack's root, outside every folder of documents)",
    );
    // A key file says what is done with keys instead.
    let key = std::fs::read_dir(pack.path().join("keys/security-team"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("alice")
        })
        .unwrap();
    let out = secpack()
        .args(["sign", "--json", "--as", "alice", "--master", DEMO_MASTER])
        .arg("--pack")
        .arg(pack.path())
        .arg("--key")
        .arg(demo_key("alice"))
        .arg(&key)
        .output()
        .unwrap();
    expect_error(
        &out,
        2,
        "not-a-document",
        "usage",
        "(a key file: the master key certifies keys",
    );
}

#[test]
fn gpgs_message_is_one_line_in_a_gpg_failed_error() {
    // A GnuPG home without alice's key: gpg says so on two lines.
    let gpg = secpack_testsupport::gpg::Gpg::new();
    let pack = demo_copy();
    let out = secpack()
        .env("GNUPGHOME", gpg.path())
        .env_remove("SECPACK_GPG")
        .args(["sign", "--json", "--as", "alice", "--gpg", "--force"])
        .args(["--master", DEMO_MASTER, "--pack"])
        .arg(pack.path())
        .arg(pack.path().join("QSBs/qsb-001-2025.txt"))
        .output()
        .unwrap();
    let v = json_error(&out, 1);
    assert_eq!(v["error"]["code"], "gpg-failed");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("No secret key; gpg: ") && !message.contains('\n'),
        "{message}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("\\n"), "no escaped line break: {stderr}");
}
