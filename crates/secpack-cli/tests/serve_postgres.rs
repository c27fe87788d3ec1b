//! Durability on PostgreSQL: two `secpack serve` instances share one
//! database (a throwaway cluster on 127.0.0.1); reports are submitted to
//! both concurrently and one instance is killed with SIGKILL under load.
//! Every report that got a receipt, from either instance, is in the
//! database and decrypts; the surviving instance keeps taking reports.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use secpack::report::decrypt::DecryptionKeys;
use secpack::report::submission::Submission;
use secpack::signing::SecretKeyFile;
use secpack_testsupport::cli::listening_line;
use secpack_testsupport::http::Submitters;
use secpack_testsupport::{email_key, keys, TempPostgres, TestPack};

/// Starts an instance on `db`, given with `--db` or, `via_env`, in
/// `SECPACK_DB` (where a URL with a password belongs).
fn serve(pack: &Path, db: &str, via_env: bool) -> (Child, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_secpack"));
    command
        .arg("serve")
        .arg(pack)
        .args(["--master", &keys().master, "--addr", "127.0.0.1:0"])
        .args(["--rate-limit", "0"]);
    if via_env {
        command.env("SECPACK_DB", db);
    } else {
        command.args(["--db", db]);
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let (addr, line) = listening_line(&mut child);
    // The URL is shown without its password.
    assert!(line.contains("postgres://secpack@127.0.0.1"), "{line}");
    (child, addr)
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn two_instances_on_postgres_every_receipted_report_survives_sigkill() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    let pack = TestPack::with_email_key();
    let url = pg.url();
    let (mut victim, victim_addr) = serve(pack.root(), &url, false);
    let (mut survivor, survivor_addr) = serve(pack.root(), &url, true);

    // Two workers per instance.
    let submitters = Submitters::start(&[
        victim_addr.as_str(),
        victim_addr.as_str(),
        survivor_addr.as_str(),
        survivor_addr.as_str(),
    ]);
    submitters.wait_for(30);
    victim.kill().unwrap(); // SIGKILL, under load
    victim.wait().unwrap();
    let at_kill = submitters.count();
    // The survivor goes on taking reports.
    submitters.wait_for(at_kill + 10);
    let receipts = submitters.finish();
    assert!(at_kill >= 30, "only {at_kill} receipts before the kill");
    assert!(
        receipts.len() >= at_kill + 10,
        "the survivor stopped taking reports"
    );
    survivor.kill().unwrap();
    survivor.wait().unwrap();

    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("team-secret.asc");
    std::fs::write(&key_file, keys().gpg.export_secret(email_key())).unwrap();
    let keys_ = DecryptionKeys::unlock(&SecretKeyFile::load(&key_file).unwrap(), None).unwrap();
    let stored: std::collections::HashMap<String, Vec<u8>> = pg
        .psql("SELECT id || ' ' || encode(ciphertext, 'hex') FROM reports")
        .lines()
        .map(|l| {
            let (id, c) = l.split_once(' ').unwrap();
            (id.to_string(), hex(c))
        })
        .collect();
    for (id, n) in &receipts {
        let ciphertext = stored
            .get(id)
            .unwrap_or_else(|| panic!("receipted report {id} is missing"));
        let s = Submission::from_plaintext(&keys_.decrypt(ciphertext).unwrap()).unwrap();
        assert_eq!(s.summary, format!("report {n}"));
        assert_eq!(s.details, format!("details of report {n}"));
    }
    // Only ciphertext reached the database.
    let dump = pg.psql("SELECT string_agg(encode(ciphertext, 'escape'), '') FROM reports");
    assert!(!dump.contains("details of report"));
}

#[test]
fn a_bad_database_or_configuration_is_a_usage_error() {
    let pack = TestPack::with_email_key();
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bad_config = dir.path().join("serve.toml");
    std::fs::write(
        &bad_config,
        "[alerts]\nhour = 9\n[alerts.smtp]\nhost = \"mail.example\"\ntls = \"none\"\nfrom = \"a@example.org\"\nto = [\"b@example.org\"]\n",
    )
    .unwrap();
    let missing_secret = dir.path().join("hook.toml");
    std::fs::write(
        &missing_secret,
        "[alerts]\nhour = 9\n[alerts.webhook]\nurl_file = \"no-such-file\"\n",
    )
    .unwrap();
    let sqlite = dir.path().join("inbox.sqlite");
    for (args, expected) in [
        (
            vec!["--db".into(), "mysql://x/y".into()],
            "unknown database URL scheme",
        ),
        (
            vec![
                "--db".into(),
                format!("postgres://secpack:s3cret@127.0.0.1:{port}/x"),
            ],
            "PostgreSQL",
        ),
        (
            vec![
                "--db".into(),
                sqlite.display().to_string(),
                "--config".into(),
                bad_config.display().to_string(),
            ],
            "loopback",
        ),
        (
            vec![
                "--db".into(),
                sqlite.display().to_string(),
                "--config".into(),
                missing_secret.display().to_string(),
            ],
            "no-such-file",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_secpack"))
            .arg("serve")
            .arg(pack.root())
            .args(["--master", &keys().master, "--addr", "127.0.0.1:0"])
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        // A secret file that cannot be read is an I/O error naming it
        // (exit 1); every other case is a usage or configuration error.
        let status = if expected == "no-such-file" { 1 } else { 2 };
        assert_eq!(out.status.code(), Some(status), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("s3cret"), "the password leaks: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
