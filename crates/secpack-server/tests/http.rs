//! End-to-end tests over HTTP: the server runs in-process on 127.0.0.1:0 on
//! a pack of throwaway keys; requests go through a real HTTP client.

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secpack::error::Coded;
use secpack::report::decrypt::DecryptionKeys;
use secpack::report::inbox::Inbox;
use secpack::report::submission::Submission;
use secpack::signing::SecretKeyFile;
use secpack::trust::pin::MasterPin;
use secpack_server::{Options, Server};
use secpack_testsupport::http::{multipart, multipart_type};
use secpack_testsupport::{email_key, keys, TestPack, BULLETIN, EMAIL_KEY_FILE};

struct Running {
    addr: SocketAddr,
    db: PathBuf,
    _runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

fn options(pack: &Path, db: PathBuf) -> Options {
    Options {
        pack: pack.to_path_buf(),
        pin: MasterPin::parse(&keys().master).unwrap(),
        base_url: None,
        allow_failures: false,
        db: secpack_server::store::Database::Sqlite(db),
        rate_limit_per_minute: 0,
        max_attachment_bytes: 1000,
        request_timeout: Duration::from_secs(10),
        header_timeout: Duration::from_secs(10),
        poll_interval: Duration::from_secs(1),
    }
}

fn start(pack: &Path, tune: impl FnOnce(&mut Options)) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inbox.sqlite");
    let mut o = options(pack, db.clone());
    tune(&mut o);
    let server = Server::new(o).expect("the server starts");
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
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

fn answer(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
    let mut r = r.expect("an HTTP answer");
    let headers = r
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let mut body = String::new();
    r.body_mut().as_reader().read_to_string(&mut body).unwrap();
    Answer {
        status: r.status().as_u16(),
        headers,
        body,
    }
}

fn get(run: &Running, path: &str, json: bool) -> Answer {
    let mut req = agent().get(format!("http://{}{path}", run.addr));
    if json {
        req = req.header("Accept", "application/json");
    }
    answer(req.header("Origin", "https://elsewhere.invalid").call())
}

const BOUNDARY: &str = "----secpack-test-boundary-7d1f";

/// A multipart/form-data body; a part with a file name is a file part.
fn form(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    multipart(BOUNDARY, parts)
}

fn post_raw(run: &Running, content_type: &str, body: &[u8], json: bool) -> Answer {
    let mut req = agent()
        .post(format!("http://{}/report/", run.addr))
        .header("Content-Type", content_type);
    if json {
        req = req.header("Accept", "application/json");
    }
    answer(req.send(body))
}

fn post(run: &Running, parts: &[(&str, Option<&str>, &[u8])], json: bool) -> Answer {
    post_raw(run, &multipart_type(BOUNDARY), &form(parts), json)
}

/// Sends `request` as is and returns the status line of the answer.
fn raw_request(run: &Running, request: &str) -> String {
    use std::io::{BufRead, Write};
    let mut stream = std::net::TcpStream::connect(run.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut line = String::new();
    std::io::BufReader::new(stream)
        .read_line(&mut line)
        .unwrap();
    line
}

fn secret_key() -> SecretKeyFile {
    SecretKeyFile::from_bytes(&keys().gpg.export_secret(email_key()), "email key").unwrap()
}

fn stored_count(run: &Running) -> usize {
    Inbox::open(&run.db).unwrap().list().unwrap().len()
}

#[test]
fn a_report_is_encrypted_stored_and_decrypts_with_secpack_and_gpg() {
    let pack = TestPack::with_email_key();
    let run = start(pack.root(), |_| {});
    let marker = "UNIQUE-PLAINTEXT-MARKER-4417";
    let details = format!("Steps to reproduce:\r\n1. {marker}\r\n");
    let attachment: Vec<u8> = (0u8..=255).collect();
    let a = post(
        &run,
        &[
            ("summary", None, b"Heap overflow in the parser"),
            ("details", None, details.as_bytes()),
            ("affected", None, b"4.2 and later"),
            ("contact", None, b"reporter@example.invalid"),
            ("attachment", Some("dir/poc.bin"), &attachment),
        ],
        true,
    );
    assert_eq!(a.status, 201, "{}", a.body);
    let receipt = a.json();
    let id = receipt["id"].as_str().unwrap().to_string();
    assert_eq!(receipt["encrypted_to"], email_key());

    let inbox = Inbox::open(&run.db).unwrap();
    let stored = inbox
        .get(&id)
        .unwrap()
        .expect("the receipted report is stored");
    assert_eq!(stored.key, email_key());
    // Only ciphertext on disk: the marker is in no file of the database.
    for entry in std::fs::read_dir(run.db.parent().unwrap()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes.windows(marker.len()).any(|w| w == marker.as_bytes()));
    }

    let expected = |s: Submission| {
        assert_eq!(s.summary, "Heap overflow in the parser");
        assert_eq!(s.details, format!("Steps to reproduce:\n1. {marker}"));
        assert_eq!(s.affected, "4.2 and later");
        assert_eq!(s.contact.as_deref(), Some("reporter@example.invalid"));
        let att = s.attachment.unwrap();
        assert_eq!(att.name, "poc.bin");
        assert_eq!(att.bytes().unwrap(), attachment);
    };
    let keys_ = DecryptionKeys::unlock(&secret_key(), None).unwrap();
    expected(Submission::from_plaintext(&keys_.decrypt(&stored.ciphertext).unwrap()).unwrap());

    let dir = tempfile::tempdir().unwrap();
    let msg = dir.path().join("report.gpg");
    std::fs::write(&msg, &stored.ciphertext).unwrap();
    let plain = keys().gpg.run(&["--decrypt", msg.to_str().unwrap()]);
    expected(Submission::from_plaintext(&plain).unwrap());

    // A key that is not the team's cannot decrypt it.
    let other = SecretKeyFile::from_bytes(&keys().gpg.export_secret(&keys().bob), "bob").unwrap();
    assert!(DecryptionKeys::unlock(&other, None).is_err());
}

#[test]
fn the_form_page_and_the_html_receipt() {
    let pack = TestPack::with_email_key();
    let run = start(pack.root(), |_| {});
    let page = get(&run, "/report/", false);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    assert!(page.body.contains(email_key()));
    assert!(!page.body.contains("<script"));
    let a = post(
        &run,
        &[
            ("summary", None, b"s"),
            ("details", None, b"d"),
            ("affected", None, b"a"),
        ],
        false,
    );
    assert_eq!(a.status, 201);
    assert!(a.header("content-type").unwrap().starts_with("text/html"));
    let list = Inbox::open(&run.db).unwrap().list().unwrap();
    assert_eq!(list.len(), 1);
    assert!(a.body.contains(&list[0].id), "{}", a.body);
}

#[test]
fn malformed_and_oversized_submissions_are_refused_with_4xx_and_not_stored() {
    let pack = TestPack::with_email_key();
    let run = start(pack.root(), |_| {});
    let ok_fields: [(&str, Option<&str>, &[u8]); 3] = [
        ("summary", None, b"s"),
        ("details", None, b"d"),
        ("affected", None, b"a"),
    ];
    let max_body = options(pack.root(), PathBuf::new()).max_body_bytes();
    let cases: Vec<(Answer, u16, Option<&str>)> = vec![
        (
            post(&run, &ok_fields[1..], true),
            422,
            Some("missing-field"),
        ),
        (
            post(
                &run,
                &[ok_fields[0], ok_fields[1], ok_fields[2], ("cc", None, b"x")],
                true,
            ),
            422,
            Some("unknown-field"),
        ),
        (
            post(
                &run,
                &[ok_fields[0], ("details", None, b"\xff\xfe"), ok_fields[2]],
                true,
            ),
            422,
            Some("not-text"),
        ),
        (
            post(
                &run,
                &[
                    ok_fields[0],
                    ok_fields[1],
                    ok_fields[2],
                    ("attachment", Some("a"), &[7u8; 1001]),
                ],
                true,
            ),
            413,
            Some("attachment-too-large"),
        ),
        (
            post_raw(&run, "application/json", b"{}", true),
            400,
            Some("not-a-form"),
        ),
        (
            post_raw(
                &run,
                &format!("multipart/form-data; boundary={BOUNDARY}"),
                b"--garbage\r\nno headers",
                true,
            ),
            400,
            Some("malformed-form"),
        ),
    ];
    for (i, (a, status, code)) in cases.iter().enumerate() {
        assert_eq!(a.status, *status, "case {i}: {}", a.body);
        if let Some(code) = code {
            assert_eq!(a.json()["error"]["code"], *code, "case {i}");
            assert!(!a.json()["error"]["message"].as_str().unwrap().is_empty());
        }
    }
    // A URL-encoded form is told, in plain words, the type to send; the
    // multipart parser's own message is not passed on.
    let encoded = post_raw(
        &run,
        "application/x-www-form-urlencoded",
        b"summary=x&details=y",
        true,
    );
    assert_eq!(encoded.status, 400, "{}", encoded.body);
    assert_eq!(encoded.json()["error"]["code"], "not-a-form");
    let message = encoded.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("multipart/form-data"), "{message}");
    assert!(!message.contains("boundary"), "{message}");
    // A body announced larger than the limit is refused before it is read.
    let head = raw_request(
        &run,
        &format!(
            "POST /report/ HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\n\r\n",
            max_body + 1
        ),
    );
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert_eq!(stored_count(&run), 0);
    // A method the route does not take.
    let put = answer(
        agent()
            .put(format!("http://{}/report/", run.addr))
            .send(&b""[..]),
    );
    assert_eq!(put.status, 405);
}

#[test]
fn the_rate_limit_refuses_the_excess_per_client() {
    let pack = TestPack::with_email_key();
    let run = start(pack.root(), |o| o.rate_limit_per_minute = 3);
    let fields: [(&str, Option<&str>, &[u8]); 3] = [
        ("summary", None, b"s"),
        ("details", None, b"d"),
        ("affected", None, b"a"),
    ];
    let statuses: Vec<u16> = (0..5).map(|_| post(&run, &fields, true).status).collect();
    assert_eq!(statuses, [201, 201, 201, 429, 429]);
    let refused = post(&run, &fields, true);
    assert_eq!(refused.json()["error"]["code"], "rate-limited");
    let retry: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=21).contains(&retry), "{retry}");
    assert_eq!(stored_count(&run), 3);
    // Reading is not limited.
    assert_eq!(get(&run, "/report/", false).status, 200);
}

#[test]
fn site_api_health_and_headers() {
    let pack = TestPack::with_email_key();
    pack.signed_doc(
        "QSBs/qsb-001-2024.txt",
        BULLETIN,
        &[("alice", &keys().alice)],
    );
    pack.signed_doc(
        "QSBs/qsb-001-2024.toml",
        b"modified = 2024-03-05\nsummary = \"Revised.\"\n",
        &[("alice", &keys().alice)],
    );
    let run = start(pack.root(), |_| {});
    let home = get(&run, "/", false);
    assert_eq!(home.status, 200);
    assert!(home.body.contains("<html"));
    // The served hub leads to the report form, whose links stay on the site.
    assert!(
        home.body.contains("href=\"report/\""),
        "no link to the form"
    );
    let form = get(&run, "/report/", false);
    assert_eq!(form.status, 200);
    assert!(form.body.contains("action=\"../report/\""));
    assert_eq!(get(&run, "/style.css", false).status, 200);
    for (name, value) in [
        (
            "content-security-policy",
            secpack_server::hardening::CONTENT_SECURITY_POLICY,
        ),
        ("referrer-policy", "no-referrer"),
        ("x-content-type-options", "nosniff"),
    ] {
        assert_eq!(home.header(name), Some(value), "{name}");
    }
    assert_eq!(home.header("access-control-allow-origin"), None, "no CORS");
    assert!(home
        .header("content-security-policy")
        .unwrap()
        .contains("default-src 'none'"));

    let bulletins = get(&run, "/api/v1/bulletins", true).json();
    let b = &bulletins.as_array().unwrap()[0];
    assert_eq!(
        (b["number"].as_u64(), b["year"].as_i64()),
        (Some(1), Some(2024))
    );
    assert_eq!(b["date"], "2024-03-01");
    assert_eq!(b["title"], "A title");
    assert_eq!(b["signatures_ok"], true);
    assert_eq!(b["sidecar"]["path"], "QSBs/qsb-001-2024.toml");
    assert_eq!(
        (
            b["sidecar"]["valid_signers"].as_u64(),
            b["sidecar"]["ok"].as_bool()
        ),
        (Some(1), Some(true)),
        "{b}"
    );
    assert_eq!(
        get(&run, "/api/v1/verify", true).json()["summary"]["ok"],
        true
    );
    let canary = get(&run, "/api/v1/canary", true).json();
    assert!(canary["audit"]["findings"].is_array(), "{canary}");
    assert_eq!(get(&run, "/api/v1/xsa", true).json()["present"], false);
    assert!(get(&run, "/api/v1/xsa/stats", true).json()["stats"].is_object());
    let health = get(&run, "/healthz", true);
    assert_eq!(
        (health.status, health.json()["status"].as_str()),
        (200, Some("ok"))
    );

    let missing = get(&run, "/no/such/page.html", true);
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["error"]["code"], "not-found");

    // The site is rebuilt when the pack changes.
    pack.signed_doc(
        "QSBs/qsb-002-2024.txt",
        &BULLETIN
            .to_vec()
            .iter()
            .map(|&c| if c == b'1' { b'2' } else { c })
            .collect::<Vec<u8>>(),
        &[("alice", &keys().alice)],
    );
    let mut count = 1;
    for _ in 0..60 {
        std::thread::sleep(Duration::from_millis(500));
        count = get(&run, "/api/v1/bulletins", true)
            .json()
            .as_array()
            .unwrap()
            .len();
        if count == 2 {
            break;
        }
    }
    assert_eq!(count, 2, "the new bulletin appears after a rebuild");
}

#[test]
fn intake_does_not_start_without_a_key_the_master_certifies() {
    let dir = tempfile::tempdir().unwrap();
    // No e-mail key at all.
    let pack = TestPack::with_keys();
    let e = Server::new(options(pack.root(), dir.path().join("a.sqlite"))).unwrap_err();
    assert_eq!(e.code(), "no-encryption-key", "{e}");
    // An e-mail key the master does not certify: mallory's, under that name.
    let pack = TestPack::with_keys();
    pack.write(EMAIL_KEY_FILE, &keys().gpg.export(&keys().mallory));
    let e = Server::new(options(pack.root(), dir.path().join("b.sqlite"))).unwrap_err();
    assert_eq!(e.code(), "untrusted-encryption-key", "{e}");
    // A certified key without an encryption subkey, named in secpack.toml.
    let pack = TestPack::with_keys();
    pack.write(
        "secpack.toml",
        b"[report]\nencryption_key = \"keys/security-team/bob-test.asc\"\n",
    );
    let e = Server::new(options(pack.root(), dir.path().join("c.sqlite"))).unwrap_err();
    assert_eq!(e.code(), "no-encryption-subkey", "{e}");
}

#[test]
fn reports_go_to_the_key_secpack_toml_names() {
    // The team key under a name the default choice would not take, named in
    // secpack.toml; a second "email" key that would make the default
    // ambiguous.
    let pack = TestPack::with_keys();
    let named = "keys/security-team/intake.asc";
    pack.write(named, &keys().gpg.export(email_key()));
    pack.write(
        "keys/security-team/alice-email.asc",
        &keys().gpg.export(&keys().alice),
    );
    pack.write(
        "secpack.toml",
        format!("[report]\nencryption_key = \"{named}\"\n").as_bytes(),
    );
    let run = start(pack.root(), |_| {});
    let a = post(
        &run,
        &[
            ("summary", None, b"Named key"),
            ("details", None, b"Goes to the configured key."),
            ("affected", None, b"all"),
        ],
        true,
    );
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.json()["encrypted_to"], email_key());
    let id = a.json()["id"].as_str().unwrap().to_string();
    let stored = Inbox::open(&run.db).unwrap().get(&id).unwrap().unwrap();
    let keys_ = DecryptionKeys::unlock(&secret_key(), None).unwrap();
    let s = Submission::from_plaintext(&keys_.decrypt(&stored.ciphertext).unwrap()).unwrap();
    assert_eq!(s.summary, "Named key");

    // Without the setting, two candidate e-mail keys: refused, not guessed.
    let pack = TestPack::with_email_key();
    pack.write(
        "keys/security-team/alice-email.asc",
        &keys().gpg.export(&keys().alice),
    );
    let dir = tempfile::tempdir().unwrap();
    let e = Server::new(options(pack.root(), dir.path().join("d.sqlite"))).unwrap_err();
    assert_eq!(e.code(), "ambiguous-encryption-key", "{e}");
}

#[test]
fn slow_and_idle_clients_are_disconnected() {
    use std::io::{Read, Write};
    let pack = TestPack::with_email_key();
    let run = start(pack.root(), |o| o.header_timeout = Duration::from_secs(1));
    let connect = || {
        let s = std::net::TcpStream::connect(run.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        s
    };
    // Headers that never end: the server closes the connection.
    let mut slow = connect();
    let started = std::time::Instant::now();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    let mut got = Vec::new();
    let _ = slow.read_to_end(&mut got);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "closed after {:?}",
        started.elapsed()
    );
    assert!(!String::from_utf8_lossy(&got).contains(" 200 "));
    // A kept-alive connection that stays idle after its answer is closed too.
    let mut idle = connect();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut got = Vec::new();
    let _ = idle.read_to_end(&mut got);
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "idle connection closed after {:?}",
        started.elapsed()
    );
}

/// Sends `bytes` on a new connection, ends the sending side, and returns
/// everything the server answers until it closes.
fn exchange(run: &Running, bytes: &[u8]) -> String {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(run.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream.write_all(bytes).unwrap();
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    let mut got = Vec::new();
    stream.read_to_end(&mut got).unwrap();
    String::from_utf8_lossy(&got).into_owned()
}

/// The answers in `text`, one after the other, each as (status line,
/// lowercased head); every answer has a `Content-Length`.
fn answers(text: &str) -> Vec<(String, String)> {
    let mut all = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (head, after) = rest.split_once("\r\n\r\n").expect("a whole head");
        let head = head.to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .unwrap_or_else(|| panic!("no content-length:\n{head}"))
            .parse()
            .unwrap();
        let status = head.lines().next().unwrap().to_string();
        assert!(status.starts_with("http/1.1 "), "{status}");
        all.push((status, head));
        rest = &after[length..];
    }
    all
}

fn assert_security_headers(status: &str, head: &str) {
    for (name, value) in secpack_server::hardening::SECURITY_HEADERS {
        let line = format!("\r\n{name}: {}", value.to_ascii_lowercase());
        assert!(head.contains(&line), "{status}: no {name}:\n{head}");
    }
}

#[test]
fn malformed_and_oversized_request_heads_are_answered_with_the_security_headers() {
    let pack = TestPack::with_email_key();
    let run = start(pack.root(), |_| {});
    let big = format!(
        "GET / HTTP/1.1\r\nHost: x\r\n{}\r\n",
        (0..1024)
            .map(|i| format!("X-Filler-{i:04}: {}\r\n", "f".repeat(100)))
            .collect::<String>()
    );
    assert!(big.len() > 100 * 1024);
    let many = format!("GET / HTTP/1.1\r\n{}\r\n", "A: b\r\n".repeat(200));
    let long_target = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(70_000));
    let cases: [(&str, &[u8]); 7] = [
        ("400", b"this is not http\r\n\r\n"),
        ("400", b"GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n"),
        (
            "400",
            b"POST /report/ HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        ),
        (
            "400",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
        ),
        ("431", big.as_bytes()),
        ("431", many.as_bytes()),
        ("414", long_target.as_bytes()),
    ];
    for (status, request) in cases {
        let text = exchange(&run, request);
        let all = answers(&text);
        assert_eq!(all.len(), 1, "{text}");
        let (line, head) = &all[0];
        assert!(line.starts_with(&format!("http/1.1 {status} ")), "{line}");
        assert!(head.contains("\r\nconnection: close"), "{head}");
        assert_security_headers(line, head);
    }

    // On a kept-alive connection, the requests before the bad one are
    // answered first, in order, then the bad one, with the headers.
    let text = exchange(
        &run,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n\
          POST /report/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n\
          GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n\
          NOT HTTP AT ALL\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    let all = answers(&text);
    let statuses: Vec<&str> = all.iter().map(|(l, _)| &l[9..12]).collect();
    assert_eq!(statuses, ["200", "400", "200", "400"], "{text}");
    for (line, head) in &all {
        assert_security_headers(line, head);
    }
    assert!(
        text.contains("not-a-form"),
        "the chunked POST reached the router"
    );

    // The server still answers well-formed requests.
    assert_eq!(get(&run, "/healthz", true).status, 200);
}

#[test]
fn no_api_answer_shows_the_servers_path_to_the_pack() {
    let pack = TestPack::with_email_key();
    pack.signed_doc(
        "QSBs/qsb-001-2024.txt",
        BULLETIN,
        &[("alice", &keys().alice)],
    );
    let run = start(pack.root(), |_| {});
    let root = pack.root().to_str().unwrap().to_string();
    let canonical = pack.root().canonicalize().unwrap();
    let canonical = canonical.to_str().unwrap();
    for path in [
        "/api/v1/bulletins",
        "/api/v1/canary",
        "/api/v1/xsa",
        "/api/v1/xsa/stats",
        "/api/v1/verify",
        "/healthz",
        "/no/such/page",
    ] {
        let a = get(&run, path, true);
        assert!(
            a.status == 200 || path == "/no/such/page",
            "{path}: {}",
            a.status
        );
        a.json();
        for p in [root.as_str(), canonical] {
            assert!(!a.body.contains(p), "{path} shows {p}:\n{}", a.body);
        }
        // Nor does the temporary folder's name appear.
        let name = pack.root().file_name().unwrap().to_str().unwrap();
        assert!(!a.body.contains(name), "{path} shows {name}");
    }
    let verify = get(&run, "/api/v1/verify", true).json();
    assert_eq!(verify["pack"], ".");
    assert_eq!(verify["summary"]["ok"], true);
}

/// A request head announcing a body one byte over the server's limit.
fn oversized_head(run_max_body: usize, accept: Option<&str>) -> String {
    let accept = accept.map_or(String::new(), |a| format!("Accept: {a}\r\n"));
    format!(
        "POST /report/ HTTP/1.1\r\nHost: x\r\n{accept}Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        run_max_body + 1
    )
}

#[test]
fn a_body_over_the_limit_is_answered_like_every_client_error() {
    let pack = TestPack::with_email_key();
    let run = start(pack.root(), |_| {});
    let max_body = options(pack.root(), PathBuf::new()).max_body_bytes();
    for (accept, json) in [
        (Some("application/json"), true),
        (Some("text/html, application/json;q=0.9"), true),
        (Some("text/html"), false),
        (None, false),
    ] {
        let text = exchange(&run, oversized_head(max_body, accept).as_bytes());
        let all = answers(&text);
        assert_eq!(all.len(), 1, "{text}");
        let (status, head) = &all[0];
        assert!(status.starts_with("http/1.1 413"), "{status}");
        assert_security_headers(status, head);
        let body = text.split_once("\r\n\r\n").unwrap().1;
        assert!(!body.contains("length limit exceeded"), "{body}");
        if json {
            assert!(head.contains("content-type: application/json"), "{head}");
            let v: serde_json::Value = serde_json::from_str(body).unwrap();
            assert_eq!(v["error"]["code"], "too-large");
            let message = v["error"]["message"].as_str().unwrap();
            assert!(message.contains(&max_body.to_string()), "{message}");
        } else {
            assert!(head.contains("content-type: text/html"), "{head}");
            assert!(body.contains("<code>too-large</code>"), "{body}");
        }
    }
    assert_eq!(stored_count(&run), 0);
}

#[test]
fn refused_submissions_do_not_use_the_report_budget_but_are_bounded() {
    let pack = TestPack::with_email_key();
    // Two reports a minute; ten refused submissions a minute.
    let run = start(pack.root(), |o| o.rate_limit_per_minute = 2);
    let good: [(&str, Option<&str>, &[u8]); 3] = [
        ("summary", None, b"s"),
        ("details", None, b"d"),
        ("affected", None, b"a"),
    ];
    let max_body = options(pack.root(), PathBuf::new()).max_body_bytes();
    // Mistakes: a missing field, not a form, a body announced too large.
    assert_eq!(post(&run, &good[1..], true).status, 422);
    assert_eq!(post_raw(&run, "text/plain", b"hello", true).status, 400);
    let text = exchange(&run, oversized_head(max_body, None).as_bytes());
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    // The two reports of the minute are still there, and no third.
    assert_eq!(post(&run, &good, true).status, 201);
    assert_eq!(post(&run, &good, true).status, 201);
    let refused = post(&run, &good, true);
    assert_eq!(refused.status, 429);
    let message = refused.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("too many reports"), "{message}");
    assert_eq!(stored_count(&run), 2);

    // Another run: a client sending only bad submissions is stopped after
    // ten (three counted above would be on another server).
    let run = start(pack.root(), |o| o.rate_limit_per_minute = 2);
    let statuses: Vec<u16> = (0..11)
        .map(|_| post(&run, &good[1..], true).status)
        .collect();
    assert_eq!(statuses[..10], [422; 10]);
    assert_eq!(statuses[10], 429);
    let refused = post(&run, &good, true);
    assert_eq!(refused.status, 429, "a good report waits too");
    let message = refused.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("too many refused submissions"),
        "{message}"
    );
    // An oversized body counts as refused as well: it is refused for its
    // rate now, and its 429 page is HTML for a browser.
    let text = exchange(&run, oversized_head(max_body, None).as_bytes());
    assert!(text.starts_with("HTTP/1.1 429"), "{text}");
    assert!(text.contains("<code>rate-limited</code>"), "{text}");
    assert_eq!(stored_count(&run), 0);
}

#[test]
fn the_wait_is_said_in_seconds_correctly_pluralised() {
    let pack = TestPack::with_email_key();
    // Twelve reports a minute: sixty refused submissions, one a second.
    let run = start(pack.root(), |o| o.rate_limit_per_minute = 12);
    let bad: [(&str, Option<&str>, &[u8]); 1] = [("summary", None, b"s")];
    let mut refused = None;
    for _ in 0..70 {
        let a = post(&run, &bad, true);
        if a.status == 429 {
            refused = Some(a);
            break;
        }
        assert_eq!(a.status, 422);
    }
    let refused = refused.expect("the refused budget runs out");
    let retry: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    let message = refused.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(retry, 1, "{message}");
    assert!(message.ends_with("try again in 1 second"), "{message}");
    // With one report a minute, the wait is many seconds.
    let run = start(pack.root(), |o| o.rate_limit_per_minute = 1);
    let good: [(&str, Option<&str>, &[u8]); 3] = [
        ("summary", None, b"s"),
        ("details", None, b"d"),
        ("affected", None, b"a"),
    ];
    assert_eq!(post(&run, &good, true).status, 201);
    let refused = post(&run, &good, false);
    assert_eq!(refused.status, 429);
    let retry: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 1, "{retry}");
    assert!(
        refused
            .body
            .contains(&format!("try again in {retry} seconds")),
        "{}",
        refused.body
    );
    assert!(refused
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
}
