//! Durability of report intake, and the team's inbox commands: reports are
//! submitted concurrently to a `secpack serve` process, which is killed with
//! SIGKILL; after a restart every report that got a receipt is present and
//! decrypts (with a key file and with gpg).

use std::path::Path;
use std::process::{Child, Command, Stdio};

use secpack::report::decrypt::DecryptionKeys;
use secpack::report::inbox::Inbox;
use secpack::report::submission::Submission;
use secpack::signing::SecretKeyFile;
use secpack_testsupport::cli::listening_address;
use secpack_testsupport::http::{try_request, try_submit_numbered, Submitters};
use secpack_testsupport::{email_key, keys, TestPack};

fn secpack() -> Command {
    Command::new(env!("CARGO_BIN_EXE_secpack"))
}

/// Starts `secpack serve` and returns it with its address.
fn serve(pack: &Path, db: &Path) -> (Child, String) {
    let mut child = secpack()
        .arg("serve")
        .arg(pack)
        .args([
            "--master",
            &keys().master,
            "--addr",
            "127.0.0.1:0",
            "--rate-limit",
            "0",
        ])
        .arg("--db")
        .arg(db)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let addr = listening_address(&mut child);
    (child, addr)
}

#[test]
fn every_receipted_report_survives_sigkill_and_decrypts() {
    let pack = TestPack::with_email_key();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inbox.sqlite");
    let (mut server, addr) = serve(pack.root(), &db);

    let submitters = Submitters::start(&[addr.as_str(); 4]);
    // Bounded: at most 60 s for 30 receipts.
    submitters.wait_for(30);
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    let receipts = submitters.finish();
    assert!(receipts.len() >= 30, "only {} receipts", receipts.len());

    // Restarted on the same database, it serves and takes reports again.
    let (mut server, addr) = serve(pack.root(), &db);
    assert_eq!(
        try_request(&addr, "GET", "/healthz", "text/plain", b"")
            .unwrap()
            .0,
        200
    );
    let (status, _) = try_submit_numbered(&addr, 9999).unwrap();
    assert_eq!(status, 201);
    server.kill().unwrap();
    server.wait().unwrap();

    let key_file = dir.path().join("team-secret.asc");
    std::fs::write(&key_file, keys().gpg.export_secret(email_key())).unwrap();
    let keys_ = DecryptionKeys::unlock(&SecretKeyFile::load(&key_file).unwrap(), None).unwrap();
    let inbox = Inbox::open(&db).unwrap();
    for (id, n) in &receipts {
        let stored = inbox
            .get(id)
            .unwrap()
            .unwrap_or_else(|| panic!("receipted report {id} is missing"));
        let s = Submission::from_plaintext(&keys_.decrypt(&stored.ciphertext).unwrap()).unwrap();
        assert_eq!(s.summary, format!("report {n}"));
        assert_eq!(s.details, format!("details of report {n}"));
    }

    // The team's commands on that inbox.
    let (id, n) = &receipts[0];
    let out = secpack()
        .args(["--json", "inbox", "--db"])
        .arg(&db)
        .args(["show", id, "--key"])
        .arg(&key_file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["report"]["summary"], format!("report {n}"));
    assert_eq!(shown["state"], "received");

    // The gpg-agent route: the user's own GnuPG holds the key.
    let out = secpack()
        .env("GNUPGHOME", keys().gpg.home.path())
        .args(["--json", "inbox", "--db"])
        .arg(&db)
        .args(["show", id])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["report"]["details"], format!("details of report {n}"));

    // --qsb names a bulletin of the pack.
    let bulletins = dir.path().join("pack");
    std::fs::create_dir_all(bulletins.join("QSBs")).unwrap();
    std::fs::create_dir_all(bulletins.join("keys")).unwrap();
    std::fs::write(bulletins.join("QSBs/qsb-007-2026.txt"), "bulletin 7\n").unwrap();
    let out = secpack()
        .args(["--json", "inbox", "--db"])
        .arg(&db)
        .args(["status", id, "--set", "confirmed", "--qsb", "7", "--pack"])
        .arg(&bulletins)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = Inbox::open(&db).unwrap().get(id).unwrap().unwrap();
    assert_eq!((r.state.code(), r.qsb), ("confirmed", Some(7)));

    // Refusals: an unknown state and an unknown id are usage errors.
    let bad_state = secpack()
        .args(["inbox", "--db"])
        .arg(&db)
        .args(["status", id, "--set", "done"])
        .output()
        .unwrap();
    assert_eq!(bad_state.status.code(), Some(2));
    let unknown = secpack()
        .args(["inbox", "--db"])
        .arg(&db)
        .args(["show", "20200101-000000000000", "--key"])
        .arg(&key_file)
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no report with the id"));
    // A key that is not the team's cannot decrypt: exit 1.
    let wrong = dir.path().join("bob-secret.asc");
    std::fs::write(&wrong, keys().gpg.export_secret(&keys().bob)).unwrap();
    let denied = secpack()
        .args(["inbox", "--db"])
        .arg(&db)
        .args(["show", id, "--key"])
        .arg(&wrong)
        .output()
        .unwrap();
    assert_ne!(denied.status.code(), Some(0));
}

#[test]
fn report_encrypt_writes_a_message_gpg_decrypts_and_refuses_without_a_key() {
    let pack = TestPack::with_email_key();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.txt");
    std::fs::write(&report, "A bug in the frobnicator.\n").unwrap();
    let out = secpack()
        .args(["report", "encrypt", "--master", &keys().master, "--pack"])
        .arg(pack.root())
        .arg(&report)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.starts_with(b"-----BEGIN PGP MESSAGE-----"));
    let msg = dir.path().join("report.asc");
    std::fs::write(&msg, &out.stdout).unwrap();
    let plain = keys().gpg.run(&["--decrypt", msg.to_str().unwrap()]);
    assert_eq!(plain, b"A bug in the frobnicator.\n");

    let bare = TestPack::with_keys();
    let out = secpack()
        .args(["report", "encrypt", "--master", &keys().master, "--pack"])
        .arg(bare.root())
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-encryption-key"));
    assert!(out.stdout.is_empty());
}
