//! The errors of `secpack inbox` and the report code it calls, one case per
//! class: each exits with its class's status and, with `--json`, prints
//! `{"error":{"code","class","message"}}` with the library's stable code.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use secpack::report::inbox::{Inbox, ReporterAccess};
use secpack_testsupport::cli::{command_uncached, json_error};
use sequoia_openpgp as openpgp;

use openpgp::cert::CertBuilder;
use openpgp::serialize::SerializeInto;

fn secpack() -> Command {
    command_uncached(env!("CARGO_BIN_EXE_secpack"))
}

/// `inbox --json --db DB ARGS...`.
fn inbox(db: &Path, args: &[&str]) -> Output {
    secpack()
        .args(["inbox", "--json", "--db"])
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

/// A fresh secret key without a passphrase, written to `dir/name.asc`: a
/// general-purpose key (signing and encryption subkeys), or a signing-only
/// key.
fn secret_key(dir: &Path, name: &str, encryption: bool) -> (openpgp::Cert, PathBuf) {
    let email = format!("{name}@example.invalid");
    let builder = if encryption {
        CertBuilder::general_purpose(None, Some(email.as_str()))
    } else {
        CertBuilder::new()
            .add_userid(email.as_str())
            .add_signing_subkey()
    };
    let (cert, _) = builder.generate().unwrap();
    let path = dir.join(format!("{name}.asc"));
    std::fs::write(&path, cert.as_tsk().armored().to_vec().unwrap()).unwrap();
    (cert, path)
}

/// An inbox at `dir/inbox.sqlite` holding one report (`ciphertext`) whose
/// replies go to `reply_to`; its receipt id.
fn inbox_with(dir: &Path, ciphertext: &[u8], reply_to: &openpgp::Cert) -> (PathBuf, String) {
    let db = dir.join("inbox.sqlite");
    let mut inbox = Inbox::open(&db).unwrap();
    let access = ReporterAccess {
        index: "ab".repeat(32),
        salt: vec![1; 16],
        verifier: vec![2; 32],
        reply_key: String::from_utf8(reply_to.armored().to_vec().unwrap()).unwrap(),
        own_key: true,
    };
    let id = inbox
        .insert_with_access(ciphertext, "TEAM", chrono::Utc::now(), &access)
        .unwrap();
    (db, id)
}

/// A message signed by a throwaway key and encrypted to `to`.
fn sealed_to(dir: &Path, to: &openpgp::Cert) -> Vec<u8> {
    let (_, signer) = secret_key(dir, "sender", true);
    let key = secpack::signing::SecretKeyFile::load(&signer)
        .unwrap()
        .unlock(None)
        .unwrap();
    secpack::report::reply::seal(&key, to, None, b"a report").unwrap()
}

#[test]
fn a_missing_inbox_database_is_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nowhere.sqlite");
    let v = json_error(&inbox(&db, &["list"]), 2);
    assert_eq!(v["error"]["code"], "no-inbox-database");
    assert_eq!(v["error"]["class"], "config");
    assert!(!db.exists(), "nothing is made for a command that reads");
}

#[test]
fn a_report_for_another_key_is_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let (team, _) = secret_key(dir.path(), "team", true);
    let (_, other) = secret_key(dir.path(), "other", true);
    let (db, id) = inbox_with(dir.path(), &sealed_to(dir.path(), &team), &team);
    let out = inbox(&db, &["show", &id, "--key", other.to_str().unwrap()]);
    let v = json_error(&out, 1);
    assert_eq!(v["error"]["code"], "not-encrypted-to-key");
    assert_eq!(v["error"]["class"], "failure");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.starts_with(&format!("report {id}: ")), "{message}");
}

#[test]
fn a_key_that_cannot_decrypt_and_a_reply_that_is_not_text_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (team, _) = secret_key(dir.path(), "team", true);
    let (_, signing_only) = secret_key(dir.path(), "signer", false);
    let (reporter, _) = secret_key(dir.path(), "reporter", true);
    let (db, id) = inbox_with(dir.path(), &sealed_to(dir.path(), &team), &reporter);
    let out = inbox(&db, &["show", &id, "--key", signing_only.to_str().unwrap()]);
    let v = json_error(&out, 2);
    assert_eq!(v["error"]["code"], "no-decryption-key");
    assert_eq!(v["error"]["class"], "usage");

    let (_, member) = secret_key(dir.path(), "member", true);
    let text = dir.path().join("reply.bin");
    std::fs::write(&text, b"\xff\xfe not UTF-8").unwrap();
    let out = inbox(
        &db,
        &[
            "reply",
            &id,
            "--file",
            text.to_str().unwrap(),
            "--key",
            member.to_str().unwrap(),
        ],
    );
    let v = json_error(&out, 2);
    assert_eq!(v["error"]["code"], "reply-not-text");
    assert_eq!(v["error"]["class"], "usage");

    // A server that is not an http(s) URL, before anything is sent.
    let out = inbox(
        &db,
        &[
            "pull",
            "--server",
            "ftp://example.invalid",
            "--key",
            member.to_str().unwrap(),
        ],
    );
    let v = json_error(&out, 2);
    assert_eq!(v["error"]["code"], "bad-url");
}

#[test]
fn a_gpg_that_cannot_be_run_is_an_io_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let (team, _) = secret_key(dir.path(), "team", true);
    let (db, id) = inbox_with(dir.path(), &sealed_to(dir.path(), &team), &team);
    let gpg = dir.path().join("no-such-gpg");
    let out = inbox(&db, &["show", &id, "--gpg", gpg.to_str().unwrap()]);
    let v = json_error(&out, 1);
    assert_eq!(v["error"]["code"], "io");
    assert_eq!(v["error"]["class"], "io");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains("no-such-gpg"), "{message}");
}
