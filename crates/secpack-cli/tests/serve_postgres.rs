//! Durability on PostgreSQL: two `secpack serve` instances share one
//! database (a throwaway cluster on 127.0.0.1); reports are submitted to
//! both concurrently and one instance is killed with SIGKILL under load.
//! Every report that got a receipt, from either instance, is in the
//! database and decrypts; the surviving instance keeps taking reports.

#[path = "../../secpack/tests/common/mod.rs"]
mod common;
#[path = "../../secpack-server/tests/support/postgres.rs"]
mod postgres;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use secpack::report::decrypt::DecryptionKeys;
use secpack::report::submission::Submission;
use secpack::signing::SecretKeyFile;

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
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .strip_prefix("listening on http://")
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    // The URL is shown without its password.
    assert!(line.contains("postgres://secpack@127.0.0.1"), "{line}");
    (child, addr)
}

fn submit(addr: &str, n: usize) -> std::io::Result<(u16, String)> {
    let boundary = "pg-boundary";
    let mut body = String::new();
    for (name, value) in [
        ("summary", format!("report {n}")),
        ("details", format!("details of report {n}")),
        ("affected", "all".into()),
    ] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "POST /report/ HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\nConnection: close\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status = answer
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status in {answer:?}")))?;
    Ok((
        status,
        answer
            .split_once("\r\n\r\n")
            .map_or("", |(_, b)| b)
            .to_string(),
    ))
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn two_instances_on_postgres_every_receipted_report_survives_sigkill() {
    let Some(pg) = postgres::TempPostgres::start() else {
        return;
    };
    let pack = TestPack::with_email_key();
    let url = pg.url();
    let (mut victim, victim_addr) = serve(pack.root(), &url, false);
    let (mut survivor, survivor_addr) = serve(pack.root(), &url, true);

    let receipts: Arc<Mutex<Vec<(String, usize)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let counter = Arc::new(AtomicUsize::new(0));
    // Two workers per instance.
    let workers: Vec<_> = [&victim_addr, &victim_addr, &survivor_addr, &survivor_addr]
        .into_iter()
        .map(|addr| {
            let (receipts, stop, counter, addr) = (
                receipts.clone(),
                stop.clone(),
                counter.clone(),
                addr.clone(),
            );
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let n = counter.fetch_add(1, Ordering::SeqCst);
                    match submit(&addr, n) {
                        Ok((201, body)) => {
                            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                            receipts
                                .lock()
                                .unwrap()
                                .push((v["id"].as_str().unwrap().to_string(), n));
                        }
                        Ok((status, body)) => panic!("unexpected answer {status}: {body}"),
                        // The instance was killed mid-request: no receipt.
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    let count = || receipts.lock().unwrap().len();
    for _ in 0..600 {
        if count() >= 30 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    victim.kill().unwrap(); // SIGKILL, under load
    victim.wait().unwrap();
    let at_kill = count();
    // The survivor goes on taking reports.
    for _ in 0..600 {
        if count() >= at_kill + 10 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        w.join().unwrap();
    }
    let receipts = receipts.lock().unwrap().clone();
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
