//! `secpack inbox show` shows a report's whole thread (finding 3 of the
//! new team's walk): against a real `secpack serve` on 127.0.0.1, a report,
//! the reporter's follow-up and a member's reply (sealed to the team key
//! too) come back in time order, in text and in `--json`; a message that
//! the given key cannot decrypt keeps its place with its code and the
//! command exits 1.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use secpack::report::inbox::{Inbox, MessageKind};
use secpack_testsupport::cli::listening_address;
use secpack_testsupport::http::{request, try_submit_report};
use secpack_testsupport::{email_key, keys, TestPack};
use sequoia_openpgp as openpgp;

use openpgp::serialize::SerializeInto;

fn secpack() -> Command {
    Command::new(env!("CARGO_BIN_EXE_secpack"))
}

struct Serving {
    child: Child,
    addr: String,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(pack: &Path, db: &Path) -> Serving {
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
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr = listening_address(&mut child);
    Serving { child, addr }
}

/// `secpack inbox --db DB ARGS...`: exit status, stdout, stderr.
fn inbox(db: &Path, args: &[&str]) -> (i32, String, String) {
    let out = secpack()
        .arg("inbox")
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The positions of `markers` in `text`, each present.
fn positions(text: &str, markers: &[&str]) -> Vec<usize> {
    markers
        .iter()
        .map(|m| text.find(m).unwrap_or_else(|| panic!("{m} not in {text}")))
        .collect()
}

#[test]
fn show_gives_the_report_its_follow_up_and_the_reply_in_order_and_names_an_unreadable_one() {
    let k = keys();
    let pack = TestPack::with_email_key();
    let dir = tempfile::tempdir().unwrap();
    let server = serve(pack.root(), &dir.path().join("server.sqlite"));
    let url = format!("http://{}", server.addr);
    let (status, answer) =
        try_submit_report(&server.addr, "Overflow", "MARKER-THREAD-REPORT", "4.2").unwrap();
    assert_eq!(status, 201, "{answer}");
    let receipt: serde_json::Value = serde_json::from_str(&answer).unwrap();
    let id = receipt["id"].as_str().unwrap().to_string();
    let codename = receipt["codename"].as_str().unwrap().to_string();

    // The reporter follows up; the message holds an escape sequence, which
    // the terminal must not receive.
    let (status, body) = request(
        &server.addr,
        "POST",
        "/report/follow-up",
        "application/x-www-form-urlencoded",
        format!("codename={codename}&message=MARKER-THREAD-FOLLOW-UP%0Asecond+line%1B%5B31m")
            .as_bytes(),
    );
    assert_eq!(status, 201, "{body}");

    let bob_key = dir.path().join("bob.sec");
    std::fs::write(&bob_key, k.gpg.export_secret(&k.bob)).unwrap();
    let email_sec = dir.path().join("email.sec");
    std::fs::write(&email_sec, k.gpg.export_secret(email_key())).unwrap();
    let local = dir.path().join("inbox.sqlite");
    let bob = bob_key.to_str().unwrap();
    let pull = || {
        let (code, _, err) = inbox(&local, &["pull", "--server", &url, "--key", bob]);
        assert_eq!(code, 0, "{err}");
    };
    pull();

    // Bob replies with the pack at hand: sealed to the reporter and to the
    // team key; the next pull brings the reply into the thread.
    let reply_file = dir.path().join("reply.txt");
    std::fs::write(&reply_file, "MARKER-THREAD-REPLY").unwrap();
    let pack_dir = pack.root().to_str().unwrap();
    let (code, out, err) = inbox(
        &local,
        &[
            "--json",
            "reply",
            &id,
            "--file",
            reply_file.to_str().unwrap(),
            "--server",
            &url,
            "--pack",
            pack_dir,
            "--key",
            bob,
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "{err}");
    let sent: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(sent["to_team_key"], true, "{sent}");
    pull();

    // Text: the report, then the follow-up from the reporter, then the
    // reply by bob, each with its time; the escape sequence is shown
    // escaped.
    let email = email_sec.to_str().unwrap();
    let (code, out, err) = inbox(&local, &["show", &id, "--key", email]);
    assert_eq!(code, 0, "{err}");
    let at = positions(
        &out,
        &[
            "MARKER-THREAD-REPORT",
            "follow-up:",
            "MARKER-THREAD-FOLLOW-UP",
            "second line",
            "reply:",
            "MARKER-THREAD-REPLY",
        ],
    );
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{out}");
    assert!(out.contains("from the reporter"), "{out}");
    assert!(out.contains(&format!("by {}", k.bob)), "{out}");
    assert!(!out.contains('\u{1b}'), "{out:?}");

    // JSON: the report's fields as before, and the messages in order.
    let (code, out, err) = inbox(&local, &["--json", "show", &id, "--key", email]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["id"], id.as_str());
    assert!(doc["report"]["details"]
        .as_str()
        .unwrap()
        .contains("MARKER-THREAD-REPORT"));
    let messages = doc["messages"].as_array().unwrap();
    let kinds: Vec<&str> = messages
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["follow-up", "reply"], "{doc}");
    assert_eq!(
        messages[0]["text"],
        "MARKER-THREAD-FOLLOW-UP\nsecond line\u{1b}[31m"
    );
    assert!(messages[0]["author"].is_null());
    assert_eq!(messages[1]["text"], "MARKER-THREAD-REPLY");
    assert_eq!(messages[1]["author"], k.bob.as_str());
    assert!(messages.iter().all(|m| m["error"].is_null()), "{doc}");
    assert!(messages[0]["at"].as_str() < messages[1]["at"].as_str());

    // The reporter still reads the reply on the status page.
    let (status, body) = request(
        &server.addr,
        "POST",
        "/report/status",
        "application/x-www-form-urlencoded",
        format!("codename={codename}").as_bytes(),
    );
    assert_eq!(status, 200, "{body}");
    let page: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["replies"][0]["text"], "MARKER-THREAD-REPLY");

    // A follow-up encrypted to another key: shown in its place with its
    // code, the rest of the thread still shown, exit 1.
    let (other, _) = openpgp::cert::CertBuilder::general_purpose(None, Some("o@x.invalid"))
        .generate()
        .unwrap();
    let signer = secpack::signing::SecretKeyFile::from_bytes(
        &other.as_tsk().armored().to_vec().unwrap(),
        "other",
    )
    .unwrap()
    .unlock(None)
    .unwrap();
    let unreadable = secpack::report::reply::seal(&signer, &other, None, b"secret").unwrap();
    let stored = Inbox::open(&local)
        .unwrap()
        .add_message(
            &id,
            MessageKind::FollowUp,
            None,
            &unreadable,
            chrono::Utc::now(),
        )
        .unwrap();
    let (code, out, err) = inbox(&local, &["show", &id, "--key", email]);
    assert_eq!(code, 1, "{out}{err}");
    let at = positions(
        &out,
        &[
            "MARKER-THREAD-REPORT",
            "MARKER-THREAD-FOLLOW-UP",
            "MARKER-THREAD-REPLY",
            &stored.id,
            "cannot be decrypted",
            "[not-encrypted-to-key]",
        ],
    );
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{out}");
    let (code, out, _) = inbox(&local, &["--json", "show", &id, "--key", email]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let last = &doc["messages"][2];
    assert_eq!(last["id"], stored.id.as_str());
    assert!(last["text"].is_null());
    assert_eq!(last["error"]["code"], "not-encrypted-to-key");
    assert_eq!(doc["messages"][1]["text"], "MARKER-THREAD-REPLY");
}

#[test]
fn a_reply_without_the_pack_warns_that_the_team_cannot_read_it() {
    let k = keys();
    let pack = TestPack::with_email_key();
    let dir = tempfile::tempdir().unwrap();
    let server = serve(pack.root(), &dir.path().join("server.sqlite"));
    let url = format!("http://{}", server.addr);
    let (status, answer) = try_submit_report(&server.addr, "Overflow", "details", "4.2").unwrap();
    assert_eq!(status, 201, "{answer}");
    let receipt: serde_json::Value = serde_json::from_str(&answer).unwrap();
    let id = receipt["id"].as_str().unwrap();
    let bob_key = dir.path().join("bob.sec");
    std::fs::write(&bob_key, k.gpg.export_secret(&k.bob)).unwrap();
    let email_sec = dir.path().join("email.sec");
    std::fs::write(&email_sec, k.gpg.export_secret(email_key())).unwrap();
    let local = dir.path().join("inbox.sqlite");
    let bob = bob_key.to_str().unwrap();
    let (code, _, err) = inbox(&local, &["pull", "--server", &url, "--key", bob]);
    assert_eq!(code, 0, "{err}");
    let reply_file = dir.path().join("reply.txt");
    std::fs::write(&reply_file, "thanks").unwrap();
    // --pack names a folder that is not a pack: the reply is sent, with a
    // warning that it is encrypted to the reporter only.
    let (code, out, err) = inbox(
        &local,
        &[
            "reply",
            id,
            "--file",
            reply_file.to_str().unwrap(),
            "--server",
            &url,
            "--pack",
            dir.path().to_str().unwrap(),
            "--key",
            bob,
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("encrypted to the reporter only"), "{err}");
    assert!(!out.contains("and to the team key"), "{out}");
    let (code, _, err) = inbox(&local, &["pull", "--server", &url, "--key", bob]);
    assert_eq!(code, 0, "{err}");
    // The team key cannot read that reply: a per-message error, exit 1.
    let (code, out, _) = inbox(
        &local,
        &["--json", "show", id, "--key", email_sec.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{out}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["messages"][0]["kind"], "reply");
    assert_eq!(doc["messages"][0]["error"]["code"], "not-encrypted-to-key");
}
