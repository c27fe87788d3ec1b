//! `secpack inbox pull`, `inbox reply` and `inbox status --server` against
//! a real `secpack serve` on 127.0.0.1 (issue 16 part 3), with throwaway
//! gpg keys: a certified member pulls, replies and sets a state; the
//! reporter sees it on the status page; an uncertified key is refused with
//! a code and exit 1; the server's log holds no plaintext.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use secpack_testsupport::cli::listening_address;
use secpack_testsupport::http::{request, try_submit_report};
use secpack_testsupport::{email_key, keys, TestPack};

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

fn serve(pack: &Path, db: &Path, log: &Path) -> Serving {
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
        .env("SECPACK_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let addr = listening_address(&mut child);
    Serving { child, addr }
}

fn submit(addr: &str, details: &str) -> serde_json::Value {
    let (status, answer) = try_submit_report(addr, "Overflow", details, "4.2").unwrap();
    assert_eq!(status, 201, "{answer}");
    serde_json::from_str(&answer).unwrap()
}

fn status_page(addr: &str, codename: &str) -> serde_json::Value {
    let (status, body) = request(
        addr,
        "POST",
        "/report/status",
        "application/x-www-form-urlencoded",
        format!("codename={codename}").as_bytes(),
    );
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

#[test]
fn a_member_pulls_replies_and_sets_a_state_and_others_are_refused() {
    let k = keys();
    let pack = TestPack::with_email_key();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    let server = serve(pack.root(), &dir.path().join("server.sqlite"), &log);
    let url = format!("http://{}", server.addr);
    let marker_report = "MARKER-CLI-REPORT-1207";
    let receipt = submit(&server.addr, marker_report);
    let id = receipt["id"].as_str().unwrap().to_string();
    let codename = receipt["codename"].as_str().unwrap().to_string();

    let bob_key = dir.path().join("bob.sec");
    std::fs::write(&bob_key, k.gpg.export_secret(&k.bob)).unwrap();
    let local = dir.path().join("local/inbox.sqlite");
    let run = |args: &[&str]| {
        let out = secpack()
            .arg("inbox")
            .arg("--db")
            .arg(&local)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };

    // An uncertified key (mallory's, in the team folder) is refused: exit 1
    // with the code; nothing is written to the local inbox.
    let mallory_key = dir.path().join("mallory.sec");
    std::fs::write(&mallory_key, k.gpg.export_secret(&k.mallory)).unwrap();
    let (code, _, err) = run(&[
        "pull",
        "--server",
        &url,
        "--key",
        mallory_key.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("uncertified-key"), "{err}");

    // Bob pulls: the report arrives, and decrypts with the team key.
    let (code, out, err) = run(&[
        "--json",
        "pull",
        "--server",
        &url,
        "--key",
        bob_key.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(summary["changed"][0], id.as_str());
    let email_sec = dir.path().join("email.sec");
    std::fs::write(&email_sec, k.gpg.export_secret(email_key())).unwrap();
    let (code, out, err) = run(&["show", &id, "--key", email_sec.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(marker_report), "{out}");
    // A second pull changes nothing.
    let (_, out, _) = run(&[
        "--json",
        "pull",
        "--server",
        &url,
        "--key",
        bob_key.to_str().unwrap(),
    ]);
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(summary["changed"].as_array().unwrap().len(), 0);

    // Bob replies and marks the report confirmed, on the server.
    let marker_reply = "MARKER-CLI-REPLY-6604";
    let reply_file = dir.path().join("reply.txt");
    std::fs::write(&reply_file, format!("Confirmed. {marker_reply}")).unwrap();
    let (code, _, err) = run(&[
        "reply",
        &id,
        "--file",
        reply_file.to_str().unwrap(),
        "--server",
        &url,
        "--key",
        bob_key.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&[
        "status",
        &id,
        "--set",
        "confirmed",
        "--server",
        &url,
        "--key",
        bob_key.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");

    // The reporter sees both, the reply signed by a certified team key.
    let doc = status_page(&server.addr, &codename);
    assert_eq!(doc["state"], "confirmed");
    assert!(doc["replies"][0]["text"]
        .as_str()
        .unwrap()
        .contains(marker_reply));
    assert_eq!(doc["replies"][0]["certified_signer"], true);

    // Mallory cannot push a state or a reply either.
    let (code, _, err) = run(&[
        "status",
        &id,
        "--set",
        "rejected",
        "--server",
        &url,
        "--key",
        mallory_key.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("uncertified-key"), "{err}");
    assert_eq!(status_page(&server.addr, &codename)["state"], "confirmed");
    // An unknown id is a usage error.
    let (code, _, _) = run(&[
        "reply",
        "20200101-000000000000",
        "--file",
        reply_file.to_str().unwrap(),
        "--key",
        bob_key.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);

    // No plaintext or codename in the server's database files or log.
    drop(server);
    let compact: String = codename.chars().filter(|c| *c != '-').collect();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !(name.starts_with("server.sqlite") || name == "serve.log") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        for marker in [marker_report, marker_reply, &codename, &compact] {
            assert!(
                !bytes.windows(marker.len()).any(|w| w == marker.as_bytes()),
                "{marker} in {name}"
            );
        }
    }
    assert!(
        std::fs::metadata(&log).unwrap().len() > 0,
        "the log was written"
    );
}

#[test]
fn a_pull_fetches_only_what_changed_since_the_last_and_all_fetches_everything() {
    use secpack::report::inbox::Inbox;
    let k = keys();
    let pack = TestPack::with_email_key();
    let dir = tempfile::tempdir().unwrap();
    let server = serve(
        pack.root(),
        &dir.path().join("server.sqlite"),
        &dir.path().join("serve.log"),
    );
    let url = format!("http://{}", server.addr);
    let bob_key = dir.path().join("bob.sec");
    std::fs::write(&bob_key, k.gpg.export_secret(&k.bob)).unwrap();
    let local = dir.path().join("local/inbox.sqlite");
    let pull = |extra: &[&str]| -> serde_json::Value {
        let out = secpack()
            .arg("inbox")
            .arg("--db")
            .arg(&local)
            .args(["--json", "pull", "--server", &url, "--key"])
            .arg(&bob_key)
            .args(extra)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{err}");
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let changed = |summary: &serde_json::Value| -> Vec<String> {
        summary["changed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    // Past the overlap every cursor keeps: the next pull sees only what the
    // server stores from now on.
    let move_cursor_to_now = || {
        Inbox::open(&local)
            .unwrap()
            .set_pull_cursor(
                &url,
                &chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                chrono::Utc::now(),
            )
            .unwrap();
    };

    let a = submit(&server.addr, "first");
    let a_id = a["id"].as_str().unwrap().to_string();
    let codename = a["codename"].as_str().unwrap().to_string();

    // The first pull fetches everything and remembers the server's cursor.
    let first = pull(&[]);
    assert!(first["since"].is_null(), "{first}");
    assert_eq!(
        (first["reports"].as_u64(), changed(&first)),
        (Some(1), vec![a_id.clone()])
    );
    let cursor = first["cursor"].as_str().expect("a cursor").to_string();
    assert_eq!(
        Inbox::open(&local).unwrap().pull_cursor(&url).unwrap(),
        Some(cursor.clone())
    );
    // The next one starts from it (within the overlap, A comes again, and
    // changes nothing here).
    let second = pull(&[]);
    assert_eq!(second["since"].as_str(), Some(cursor.as_str()));
    assert!(changed(&second).is_empty(), "{second}");

    // Nothing new since the cursor: nothing sent.
    move_cursor_to_now();
    assert_eq!(pull(&[])["reports"], 0);

    // A new report and a follow-up to the old one: both, the old report
    // with only its new message.
    move_cursor_to_now();
    let b_id = submit(&server.addr, "second")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = request(
        &server.addr,
        "POST",
        "/report/follow-up",
        "application/x-www-form-urlencoded",
        format!("codename={codename}&message=more").as_bytes(),
    );
    assert_eq!(status, 201, "{body}");
    let third = pull(&[]);
    assert_eq!(third["reports"], 2, "{third}");
    let mut got = changed(&third);
    got.sort();
    let mut want = vec![a_id.clone(), b_id.clone()];
    want.sort();
    assert_eq!(got, want);
    let inbox = Inbox::open(&local).unwrap();
    assert_eq!(inbox.messages(Some(&a_id)).unwrap().len(), 1);
    drop(inbox);

    // A state change alone brings its report (already set here by the
    // same command, so nothing changes locally).
    move_cursor_to_now();
    let out = secpack()
        .arg("inbox")
        .arg("--db")
        .arg(&local)
        .args([
            "status", &a_id, "--set", "triaged", "--server", &url, "--key",
        ])
        .arg(&bob_key)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fourth = pull(&[]);
    assert_eq!(fourth["reports"], 1, "{fourth}");
    assert_eq!(
        Inbox::open(&local)
            .unwrap()
            .get(&a_id)
            .unwrap()
            .unwrap()
            .state,
        secpack::report::state::ReportState::Triaged
    );

    // --all fetches everything again, whatever the cursor.
    move_cursor_to_now();
    let all = pull(&["--all"]);
    assert!(all["since"].is_null());
    assert_eq!(all["reports"], 2);
    assert!(changed(&all).is_empty(), "everything was here already");
}
