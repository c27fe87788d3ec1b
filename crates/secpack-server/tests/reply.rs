//! Two-way reporting over HTTP (issue 16): codenames, the status page,
//! follow-ups, the team's signed replies, the signed inbox API and several
//! recipients. The server runs in-process on 127.0.0.1:0 on a pack of
//! throwaway keys made with gpg; requests go through a real HTTP client.

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use secpack::report::auth::sign_request;
use secpack::report::decrypt::DecryptionKeys;
use secpack::report::inbox::{Inbox, MessageKind};
use secpack::report::remote::{Refused, Remote, StateChange};
use secpack::report::reply;
use secpack::report::state::ReportState;
use secpack::signing::{SecretKeyFile, SigningKey};
use secpack::trust::pin::MasterPin;
use secpack_server::{Options, Server};
use secpack_testsupport::http::{multipart, multipart_type};
use secpack_testsupport::{email_key, keys, Gpg, TempPostgres, TestPack, BULLETIN, T_KEYS};

struct Running {
    addr: SocketAddr,
    db: PathBuf,
    _runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

impl Running {
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Everything the server logs, from every test of this binary.
fn logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = Arc::clone(&buf);
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || LogWriter(Arc::clone(&writer)))
            .try_init();
        buf
    })
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn start(pack: &Path, rate_limit: u32) -> Running {
    start_on(pack, None, rate_limit)
}

/// A server on `database` (else a SQLite file of its own).
fn start_on(pack: &Path, database: Option<&str>, rate_limit: u32) -> Running {
    logs();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inbox.sqlite");
    let server = Server::new(Options {
        pack: pack.to_path_buf(),
        pin: MasterPin::parse(&keys().master).unwrap(),
        base_url: None,
        allow_failures: false,
        db: match database {
            Some(url) => secpack_server::store::Database::parse(url).unwrap(),
            None => secpack_server::store::Database::Sqlite(db.clone()),
        },
        rate_limit_per_minute: rate_limit,
        max_attachment_bytes: 1000,
        request_timeout: Duration::from_secs(30),
        header_timeout: Duration::from_secs(10),
        poll_interval: Duration::from_secs(3600),
    })
    .expect("the server starts");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(server.run(listener, std::future::pending()));
    Running {
        addr,
        db,
        _runtime: runtime,
        _dir: dir,
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

struct Answer {
    status: u16,
    retry_after: Option<String>,
    cache_control: Option<String>,
    body: String,
}

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
    fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
}

fn answer(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
    let mut r = r.expect("an HTTP answer");
    let retry_after = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    let cache_control = r
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_string());
    let mut body = String::new();
    r.body_mut().as_reader().read_to_string(&mut body).unwrap();
    Answer {
        status: r.status().as_u16(),
        retry_after,
        cache_control,
        body,
    }
}

const BOUNDARY: &str = "----secpack-reply-test-1f2e";

fn submit(run: &Running, details: &str, public_key: Option<&[u8]>) -> Answer {
    let mut parts: Vec<(&str, Option<&str>, &[u8])> = vec![
        ("summary", None, b"Overflow in the parser"),
        ("affected", None, b"4.2"),
        ("details", None, details.as_bytes()),
    ];
    if let Some(k) = public_key {
        parts.push(("public_key", None, k));
    }
    answer(
        agent()
            .post(format!("{}/report/", run.url()))
            .header("Content-Type", multipart_type(BOUNDARY))
            .header("Accept", "application/json")
            .send(&multipart(BOUNDARY, &parts)[..]),
    )
}

fn form_post(run: &Running, path: &str, fields: &[(&str, &str)], json: bool) -> Answer {
    let body: String = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut req = agent()
        .post(format!("{}{path}", run.url()))
        .header("Content-Type", "application/x-www-form-urlencoded");
    if json {
        req = req.header("Accept", "application/json");
    }
    answer(req.send(body.as_bytes()))
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn status(run: &Running, codename: &str) -> Answer {
    form_post(run, "/report/status", &[("codename", codename)], true)
}

fn member(fpr: &str) -> SigningKey {
    SecretKeyFile::from_bytes(&keys().gpg.export_secret(fpr), "member")
        .unwrap()
        .unlock(None)
        .unwrap()
}

fn email_secret() -> DecryptionKeys {
    let file = SecretKeyFile::from_bytes(&keys().gpg.export_secret(email_key()), "email").unwrap();
    DecryptionKeys::unlock(&file, None).unwrap()
}

/// The reply key of report `id`, as a member's pull brings it.
fn pulled(run: &Running, key: &SigningKey) -> (tempfile::TempDir, Inbox) {
    let dir = tempfile::tempdir().unwrap();
    let mut inbox = Inbox::open(&dir.path().join("local.sqlite")).unwrap();
    Remote::new(&run.url(), key)
        .unwrap()
        .pull(&mut inbox, false)
        .unwrap();
    (dir, inbox)
}

fn reply_cert(inbox: &Inbox, id: &str) -> sequoia_openpgp::Cert {
    use sequoia_openpgp::parse::Parse;
    let k = inbox
        .reply_key(id)
        .unwrap()
        .expect("a reply key was pulled");
    sequoia_openpgp::Cert::from_bytes(k.armored.as_bytes()).unwrap()
}

fn refused(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Refused {
    let e = e.into();
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&*e);
    while let Some(c) = cause {
        if let Some(r) = c.downcast_ref::<Refused>() {
            return r.clone();
        }
        cause = c.source();
    }
    panic!("not a refusal by the server: {e}")
}

#[test]
fn codename_status_follow_up_reply_and_pull_round_trip() {
    let pack = TestPack::with_email_key();
    let run = start(pack.root(), 0);
    let bob = member(&keys().bob);
    let marker_report = "MARKER-REPORT-8812";
    let a = submit(&run, &format!("Details {marker_report}"), None);
    assert_eq!(a.status, 201, "{}", a.body);
    let receipt = a.json();
    let id = receipt["id"].as_str().unwrap().to_string();
    let codename = receipt["codename"].as_str().unwrap().to_string();
    assert_eq!(receipt["replies_to_own_key"], false);
    assert_eq!(codename.len(), 47, "{codename}");
    assert_eq!(a.cache_control.as_deref(), Some("no-store"));

    // The status page: received, no replies yet; the codename as typed with
    // spaces and capitals works too.
    let s = status(&run, &codename.replace('-', " ").to_uppercase());
    assert_eq!(s.status, 200, "{}", s.body);
    assert_eq!(s.cache_control.as_deref(), Some("no-store"));
    let doc = s.json();
    assert_eq!(doc["id"], id.as_str());
    assert_eq!(doc["state"], "received");
    assert_eq!(doc["replies"].as_array().unwrap().len(), 0);

    // A follow-up, encrypted to the team.
    let marker_follow = "MARKER-FOLLOWUP-2231";
    let f = form_post(
        &run,
        "/report/follow-up",
        &[
            ("codename", &codename),
            ("message", &format!("More: {marker_follow}")),
        ],
        true,
    );
    assert_eq!(f.status, 201, "{}", f.body);

    // A member pulls: the report, its reply key and the follow-up arrive.
    let (_local, inbox) = pulled(&run, &bob);
    let local = inbox.get(&id).unwrap().expect("the report was pulled");
    assert_eq!(local.state, ReportState::Received);
    let messages = inbox.messages(Some(&id)).unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].kind, MessageKind::FollowUp);
    let follow = email_secret().decrypt(&messages[0].ciphertext).unwrap();
    assert!(String::from_utf8_lossy(&follow).contains(marker_follow));

    // The member replies, signed and encrypted to the codename's key; the
    // reporter reads it on the status page, signed by a certified key.
    let marker_reply = "MARKER-REPLY-5540";
    let sealed = reply::seal(
        &bob,
        &reply_cert(&inbox, &id),
        None,
        format!("Thanks, confirmed. {marker_reply}").as_bytes(),
    )
    .unwrap();
    let remote = Remote::new(&run.url(), &bob).unwrap();
    remote.reply(&id, &sealed).unwrap();
    remote
        .set_state(
            &id,
            &StateChange {
                state: ReportState::Confirmed,
                qsb: None,
            },
        )
        .unwrap();
    let doc = status(&run, &codename).json();
    assert_eq!(doc["state"], "confirmed");
    let replies = doc["replies"].as_array().unwrap();
    assert_eq!(replies.len(), 1, "{doc}");
    assert!(replies[0]["text"].as_str().unwrap().contains(marker_reply));
    assert_eq!(replies[0]["certified_signer"], true);
    assert_eq!(replies[0]["signer"], "keys/security-team/bob-test.asc");
    // The HTML page says so too, escaped, in French when asked.
    let html = answer(
        agent()
            .post(format!("{}/report/status", run.url()))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept-Language", "fr-FR,fr;q=0.9")
            .send(format!("codename={codename}").as_bytes()),
    );
    assert_eq!(html.status, 200);
    assert!(
        html.body.contains("signée par une clé certifiée"),
        "{}",
        html.body
    );
    assert!(html.body.contains(marker_reply));
    // French puts a narrow no-break space before a colon.
    assert!(
        html.body.contains("État\u{202f}:</strong>"),
        "{}",
        html.body
    );

    // A reply signed by a key the master does not certify is shown as such.
    let mallory = member(&keys().mallory);
    let forged = reply::seal(&mallory, &reply_cert(&inbox, &id), None, b"pay me").unwrap();
    {
        let db = Inbox::open(&run.db).unwrap();
        db.add_message(&id, MessageKind::Reply, None, &forged, chrono::Utc::now())
            .unwrap();
    }
    let doc = status(&run, &codename).json();
    let replies = doc["replies"].as_array().unwrap();
    assert_eq!(replies.len(), 2);
    assert_eq!(replies[1]["certified_signer"], false, "{doc}");

    // No plaintext of the report, follow-up, reply or codename in the
    // database files or the logs.
    let mut files: Vec<Vec<u8>> = std::fs::read_dir(run.db.parent().unwrap())
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    files.push(logs().lock().unwrap().clone());
    assert!(!files.last().unwrap().is_empty(), "the logs were captured");
    let compact: String = codename.chars().filter(|c| *c != '-').collect();
    for marker in [
        marker_report,
        marker_follow,
        marker_reply,
        codename.as_str(),
        compact.as_str(),
        &compact[..16],
    ] {
        for bytes in &files {
            assert!(
                !bytes.windows(marker.len()).any(|w| w == marker.as_bytes()),
                "{marker} reached a file or the logs"
            );
        }
    }
}

#[test]
fn a_wrong_codename_gets_the_answer_of_an_unknown_one() {
    let pack = TestPack::with_email_key();
    let run = start(pack.root(), 0);
    let codename = submit(&run, "details", None).json()["codename"]
        .as_str()
        .unwrap()
        .to_string();
    // Same selector (the lookup finds the report), wrong rest.
    let last = codename.chars().last().unwrap();
    let wrong = format!(
        "{}{}",
        &codename[..codename.len() - 1],
        if last == '0' { '1' } else { '0' }
    );
    let unknown = "00000-00000-00000-00000-00000-00000-00000-00000";
    let w = status(&run, &wrong);
    let u = status(&run, unknown);
    assert_eq!((w.status, u.status), (404, 404));
    assert_eq!(w.body, u.body);
    assert_eq!(w.code(), "unknown-codename");
    // The HTML answers are the same too.
    let wh = form_post(&run, "/report/status", &[("codename", &wrong)], false);
    let uh = form_post(&run, "/report/status", &[("codename", unknown)], false);
    assert_eq!((wh.status, &wh.body), (uh.status, &uh.body));
    // A follow-up with a wrong codename is refused the same way.
    let f = form_post(
        &run,
        "/report/follow-up",
        &[("codename", &wrong), ("message", "hi")],
        true,
    );
    assert_eq!((f.status, f.body.as_str()), (404, w.body.as_str()));
    // Malformed: a clear error, not a lookup.
    let m = status(&run, "not a codename");
    assert_eq!((m.status, m.code().as_str()), (422, "bad-codename"));
    let extra = form_post(
        &run,
        "/report/status",
        &[("codename", &codename), ("x", "1")],
        true,
    );
    assert_eq!(
        (extra.status, extra.code().as_str()),
        (400, "malformed-form")
    );
    assert_eq!(status(&run, &codename).status, 200);
}

#[test]
fn codename_guessing_is_rate_limited() {
    let pack = TestPack::with_email_key();
    let run = start(pack.root(), 3);
    let codename = submit(&run, "details", None).json()["codename"]
        .as_str()
        .unwrap()
        .to_string();
    // The right codename does not use the budget.
    for _ in 0..4 {
        assert_eq!(status(&run, &codename).status, 200);
    }
    let unknown = "11111-00000-00000-00000-00000-00000-00000-00000";
    for _ in 0..3 {
        assert_eq!(status(&run, unknown).status, 404);
    }
    let limited = status(&run, unknown);
    assert_eq!(
        (limited.status, limited.code().as_str()),
        (429, "rate-limited")
    );
    assert!(limited.retry_after.is_some());
    // Blocked for every codename from that address until it refills.
    assert_eq!(status(&run, &codename).status, 429);
    let f = form_post(
        &run,
        "/report/follow-up",
        &[("codename", &codename), ("message", "hi")],
        true,
    );
    assert_eq!(f.status, 429);
}

#[test]
fn an_oversized_follow_up_is_refused() {
    let pack = TestPack::with_email_key();
    let run = start(pack.root(), 0);
    let codename = submit(&run, "details", None).json()["codename"]
        .as_str()
        .unwrap()
        .to_string();
    let big = "x".repeat(reply::MAX_MESSAGE_BYTES + 1);
    let f = form_post(
        &run,
        "/report/follow-up",
        &[("codename", &codename), ("message", &big)],
        true,
    );
    assert_eq!(
        (f.status, f.code().as_str()),
        (413, "follow-up-too-large"),
        "{}",
        f.body
    );
    let empty = form_post(
        &run,
        "/report/follow-up",
        &[("codename", &codename), ("message", "  ")],
        true,
    );
    assert_eq!(empty.status, 422);
    let inbox = Inbox::open(&run.db).unwrap();
    assert!(inbox.messages(None).unwrap().is_empty());
    let ok = form_post(
        &run,
        "/report/follow-up",
        &[
            ("codename", &codename),
            ("message", &big[..reply::MAX_MESSAGE_BYTES]),
        ],
        true,
    );
    assert_eq!(ok.status, 201, "{}", ok.body);
}

#[test]
fn a_reply_to_the_reporters_own_key_decrypts_and_verifies_with_gpg() {
    let pack = TestPack::with_email_key();
    let run = start(pack.root(), 0);
    let reporter = Gpg::new();
    let fpr = reporter.generate(
        T_KEYS,
        "Reporter (throwaway) <reporter@test.invalid>",
        "ed25519",
        "sign",
        "never",
    );
    reporter.at(
        T_KEYS,
        &["--quick-add-key", &fpr, "cv25519", "encr", "never"],
    );
    let public = reporter.export(&fpr);

    // A secret key, or a key without an encryption subkey, is refused.
    let secret = reporter.export_secret(&fpr);
    let a = submit(&run, "details", Some(&secret));
    assert_eq!((a.status, a.code().as_str()), (422, "secret-key-given"));
    let signing_only = keys().gpg.export(&keys().bob);
    let a = submit(&run, "details", Some(&signing_only));
    assert_eq!((a.status, a.code().as_str()), (422, "no-encryption-subkey"));
    let a = submit(&run, "details", Some(b"hello"));
    assert_eq!((a.status, a.code().as_str()), (422, "bad-public-key"));

    let a = submit(&run, "details", Some(&public));
    assert_eq!(a.status, 201, "{}", a.body);
    let receipt = a.json();
    assert_eq!(receipt["replies_to_own_key"], true);
    let id = receipt["id"].as_str().unwrap().to_string();
    let codename = receipt["codename"].as_str().unwrap().to_string();

    let bob = member(&keys().bob);
    let (_local, inbox) = pulled(&run, &bob);
    let cert = reply_cert(&inbox, &id);
    assert_eq!(cert.fingerprint().to_hex(), fpr);
    let marker = "MARKER-OWNKEY-REPLY-9931";
    let sealed = reply::seal(&bob, &cert, None, marker.as_bytes()).unwrap();
    Remote::new(&run.url(), &bob)
        .unwrap()
        .reply(&id, &sealed)
        .unwrap();

    // The server cannot read it: the status page hands the ciphertext over.
    let doc = status(&run, &codename).json();
    let r = &doc["replies"][0];
    assert!(r["text"].is_null());
    let armored = r["encrypted"].as_str().unwrap();
    assert!(!armored.contains(marker));
    // The reporter's gpg decrypts it and checks bob's signature.
    let bob_public = keys().gpg.export(&keys().bob);
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("bob.asc");
    std::fs::write(&key_file, bob_public).unwrap();
    reporter.run(&["--import", key_file.to_str().unwrap()]);
    let msg = dir.path().join("reply.asc");
    std::fs::write(&msg, armored).unwrap();
    let out = std::process::Command::new("gpg")
        .env("GNUPGHOME", reporter.home.path())
        .args(["--batch", "--status-fd", "2", "--decrypt"])
        .arg(&msg)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), marker);
    let status_lines = String::from_utf8_lossy(&out.stderr);
    assert!(
        status_lines.contains(&format!("VALIDSIG {}", keys().bob)),
        "{status_lines}"
    );
}

#[test]
fn the_inbox_api_refuses_unsigned_uncertified_replayed_and_forged_requests() {
    let pack = TestPack::with_email_key();
    let run = start(pack.root(), 0);
    submit(&run, "details", None);
    let dir = tempfile::tempdir().unwrap();
    let mut inbox = Inbox::open(&dir.path().join("local.sqlite")).unwrap();

    // Mallory's key is in the team folder, not certified by the master.
    let mallory = member(&keys().mallory);
    let e = refused(
        Remote::new(&run.url(), &mallory)
            .unwrap()
            .pull(&mut inbox, false)
            .unwrap_err(),
    );
    assert_eq!((e.status, e.code.as_str()), (403, "uncertified-key"));
    // The release key is certified, but not a security-team key.
    let release = member(&keys().release);
    let e = refused(
        Remote::new(&run.url(), &release)
            .unwrap()
            .pull(&mut inbox, false)
            .unwrap_err(),
    );
    assert_eq!(e.code, "uncertified-key");
    assert!(inbox.list().unwrap().is_empty());

    let nonce = || nonce_from(&run);
    let pull = |auth: Option<&str>| {
        let mut req = agent()
            .post(format!("{}/api/v1/inbox/pull", run.url()))
            .header("Accept", "application/json");
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        answer(req.send(&b"{}"[..]))
    };
    let alice = member(&keys().alice);
    assert_eq!(pull(None).code(), "unauthenticated");
    assert_eq!(pull(Some("Basic YWxpY2U6cHc=")).code(), "bad-authorization");
    // A good request works once; the same nonce again is refused.
    let n = nonce();
    let auth = sign_request(&alice, &n, "POST", "/api/v1/inbox/pull", b"{}").unwrap();
    let ok = pull(Some(&auth));
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.json()["reports"].as_array().unwrap().len(), 1);
    let again = pull(Some(&auth));
    assert_eq!(
        (again.status, again.code().as_str()),
        (401, "replayed-nonce")
    );
    // A nonce the server never issued.
    let made_up = sign_request(
        &alice,
        &"ab".repeat(32),
        "POST",
        "/api/v1/inbox/pull",
        b"{}",
    )
    .unwrap();
    assert_eq!(pull(Some(&made_up)).code(), "unknown-nonce");
    // A signature over another request (path, body) does not verify.
    let n = nonce();
    let other_path = sign_request(&alice, &n, "POST", "/api/v1/inbox/other", b"{}").unwrap();
    let e = pull(Some(&other_path));
    assert_eq!((e.status, e.code().as_str()), (401, "bad-signature"));
    let n = nonce();
    let other_body = sign_request(&alice, &n, "POST", "/api/v1/inbox/pull", b"{\"x\":1}").unwrap();
    assert_eq!(pull(Some(&other_body)).code(), "bad-signature");
    // A signature made for one nonce, sent with another.
    let n1 = nonce();
    let n2 = nonce();
    let swapped = sign_request(&alice, &n1, "POST", "/api/v1/inbox/pull", b"{}")
        .unwrap()
        .replace(&n1, &n2);
    assert_eq!(pull(Some(&swapped)).code(), "bad-signature");
    // A signed pull whose cursor this server never gave, or with a body
    // that is not a pull.
    for (body, code) in [
        (&b"{\"since\":\"yesterday\"}"[..], "bad-cursor"),
        (&b"{\"all\":true}"[..], "bad-pull"),
    ] {
        let n = nonce();
        let auth = sign_request(&alice, &n, "POST", "/api/v1/inbox/pull", body).unwrap();
        let e = answer(
            agent()
                .post(format!("{}/api/v1/inbox/pull", run.url()))
                .header("Accept", "application/json")
                .header("Authorization", &auth)
                .send(body),
        );
        assert_eq!((e.status, e.code().as_str()), (422, code), "{}", e.body);
    }
}

/// A fresh nonce from `run`.
fn nonce_from(run: &Running) -> String {
    answer(
        agent()
            .post(format!("{}/api/v1/inbox/nonce", run.url()))
            .send_empty(),
    )
    .json()["nonce"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A signed inbox pull sent to `run`.
fn signed_pull(run: &Running, auth: &str) -> Answer {
    answer(
        agent()
            .post(format!("{}/api/v1/inbox/pull", run.url()))
            .header("Accept", "application/json")
            .header("Authorization", auth)
            .send(&b"{}"[..]),
    )
}

#[test]
fn two_instances_on_one_postgres_share_nonces_and_the_guessing_budget() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    let pack = TestPack::with_email_key();
    let url = pg.url();
    let a = start_on(pack.root(), Some(&url), 3);
    let b = start_on(pack.root(), Some(&url), 3);
    let alice = member(&keys().alice);
    let codename = submit(&a, "details", None).json()["codename"]
        .as_str()
        .unwrap()
        .to_string();

    // A nonce A issued is accepted once by B, then refused as replayed on
    // both.
    let n = nonce_from(&a);
    let auth = sign_request(&alice, &n, "POST", "/api/v1/inbox/pull", b"{}").unwrap();
    let ok = signed_pull(&b, &auth);
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.json()["reports"].as_array().unwrap().len(), 1);
    for run in [&b, &a] {
        let again = signed_pull(run, &auth);
        assert_eq!(
            (again.status, again.code().as_str()),
            (401, "replayed-nonce")
        );
    }
    // And the other way round, through the client library.
    let n = nonce_from(&b);
    let auth = sign_request(&alice, &n, "POST", "/api/v1/inbox/pull", b"{}").unwrap();
    assert_eq!(signed_pull(&a, &auth).status, 200);
    assert_eq!(signed_pull(&b, &auth).code(), "replayed-nonce");

    // The right codename answers on both and costs nothing.
    assert_eq!(status(&a, &codename).status, 200);
    assert_eq!(status(&b, &codename).status, 200);
    // A wrong codename on one instance and an unknown one on the other get
    // the same answer.
    let last = codename.chars().last().unwrap();
    let wrong = format!(
        "{}{}",
        &codename[..codename.len() - 1],
        if last == '0' { '1' } else { '0' }
    );
    let unknown = "11111-00000-00000-00000-00000-00000-00000-00000";
    let w = status(&a, &wrong);
    let u = status(&b, unknown);
    assert_eq!((w.status, &w.body), (404, &u.body));
    // Three attempts in all (the budget), then B refuses: the budget
    // exhausted on A counts on B.
    assert_eq!(status(&a, unknown).status, 404);
    let limited = status(&b, unknown);
    assert_eq!(
        (limited.status, limited.code().as_str()),
        (429, "rate-limited"),
        "{}",
        limited.body
    );
    assert!(limited.retry_after.is_some());
    assert_eq!(status(&a, &codename).status, 429);
    assert_eq!(status(&b, &codename).status, 429);
}

#[test]
fn reports_are_encrypted_to_each_listed_recipient() {
    let k = keys();
    static CAROL: OnceLock<String> = OnceLock::new();
    let carol = CAROL.get_or_init(|| {
        secpack_testsupport::keys::encryption_key(
            "Carol Test (throwaway) <carol@test.invalid>",
            "sign",
        )
    });
    let pack = TestPack::with_email_key();
    pack.write("keys/security-team/carol-test.asc", &k.gpg.export(carol));
    pack.signed_config(b"[report]\nrecipients = [\"carol\"]\n");
    let run = start(pack.root(), 0);
    let marker = "MARKER-MULTI-7710";
    let a = submit(&run, marker, None);
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.json()["id"].as_str().unwrap().to_string();
    let stored = Inbox::open(&run.db).unwrap().get(&id).unwrap().unwrap();

    // Carol alone (her secret key only, in her own GnuPG home) decrypts it,
    // and so does the team key.
    let home = Gpg::new();
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("carol.sec");
    std::fs::write(&secret, k.gpg.export_secret(carol)).unwrap();
    home.run(&["--import", secret.to_str().unwrap()]);
    let msg = dir.path().join("report.gpg");
    std::fs::write(&msg, &stored.ciphertext).unwrap();
    let plain = home.run(&["--decrypt", msg.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&plain).contains(marker));
    let team = email_secret().decrypt(&stored.ciphertext).unwrap();
    assert!(String::from_utf8_lossy(&team).contains(marker));
    // Someone else's key does not.
    let other = Gpg::new();
    let bob_secret = dir.path().join("bob.sec");
    std::fs::write(&bob_secret, k.gpg.export_secret(&k.bob)).unwrap();
    other.run(&["--import", bob_secret.to_str().unwrap()]);
    let out = std::process::Command::new("gpg")
        .env("GNUPGHOME", other.home.path())
        .args(["--batch", "--decrypt"])
        .arg(&msg)
        .output()
        .unwrap();
    assert!(!out.status.success());

    // A listed member without a usable key stops the server with a code.
    let pack = TestPack::with_email_key();
    pack.signed_config(b"[report]\nrecipients = [\"bob\"]\n");
    let dir = tempfile::tempdir().unwrap();
    let e = Server::new(Options {
        pack: pack.root().to_path_buf(),
        pin: MasterPin::parse(&k.master).unwrap(),
        base_url: None,
        allow_failures: false,
        db: secpack_server::store::Database::Sqlite(dir.path().join("db.sqlite")),
        rate_limit_per_minute: 0,
        max_attachment_bytes: 1000,
        request_timeout: Duration::from_secs(30),
        header_timeout: Duration::from_secs(10),
        poll_interval: Duration::from_secs(3600),
    })
    .unwrap_err();
    assert_eq!(secpack::error::Coded::code(&e), "bad-recipient", "{e}");
}

#[test]
fn a_published_report_links_to_its_bulletin() {
    let pack = TestPack::with_email_key();
    pack.signed_doc(
        "QSBs/qsb-001-2024.txt",
        BULLETIN,
        &[("alice", &keys().alice)],
    );
    let run = start(pack.root(), 0);
    let receipt = submit(&run, "details", None).json();
    let id = receipt["id"].as_str().unwrap().to_string();
    let codename = receipt["codename"].as_str().unwrap().to_string();
    let alice = member(&keys().alice);
    let remote = Remote::new(&run.url(), &alice).unwrap();
    let set = |state| {
        remote
            .set_state(
                &id,
                &StateChange {
                    state,
                    qsb: Some(1),
                },
            )
            .unwrap()
    };
    // Confirmed, with the bulletin that will cover it: the page does not
    // say "published in" before it is.
    set(ReportState::Confirmed);
    let doc = status(&run, &codename).json();
    assert_eq!(doc["state"], "confirmed");
    assert!(doc["bulletin"].is_null(), "{doc}");
    assert!(doc["bulletin_url"].is_null(), "{doc}");
    let html = form_post(&run, "/report/status", &[("codename", &codename)], false);
    assert!(!html.body.contains("QSB-001-2024"), "{}", html.body);
    set(ReportState::Published);
    let doc = status(&run, &codename).json();
    assert_eq!(doc["state"], "published");
    assert_eq!(doc["bulletin"], "QSB-001-2024", "{doc}");
    let url = doc["bulletin_url"]
        .as_str()
        .expect("a link to the bulletin");
    let page = answer(agent().get(format!("{}{url}", run.url())).call());
    assert_eq!(page.status, 200, "{url}");
    let html = form_post(&run, "/report/status", &[("codename", &codename)], false);
    assert!(
        html.body.contains(&format!("href=\"{url}\"")),
        "{}",
        html.body
    );
}
