//! Alert digests end to end, with local fixtures: a minimal SMTP server and
//! a webhook on 127.0.0.1. The digest has the counts and the period only;
//! a failing webhook is retried, shown failing in `/healthz`, then
//! recovers; of several instances only one sends each digest.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use secpack::trust::pin::MasterPin;
use secpack_server::alerts::Alerter;
use secpack_server::alerts_config::{AlertsConfig, ServerConfig};
use secpack_server::store::{self, Database, Store};
use secpack_server::{Options, Server};
use secpack_testsupport::{keys, TempPostgres, TestPack};

/// A webhook fixture: answers `500` to the first `failures` requests, then
/// `200`; holds request number `hold_at` until released. Records bodies.
struct Hook {
    url: String,
    bodies: Arc<Mutex<Vec<String>>>,
    seen: Arc<AtomicUsize>,
    release: std::sync::mpsc::Sender<()>,
}

fn webhook(failures: usize, hold_at: Option<usize>) -> Hook {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let bodies: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen: Arc<AtomicUsize> = Arc::default();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (b, s) = (bodies.clone(), seen.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let n = s.fetch_add(1, Ordering::SeqCst) + 1;
            if Some(n) == hold_at {
                released.recv().unwrap();
            }
            let status = if n <= failures {
                "500 Internal Server Error"
            } else {
                b.lock().unwrap().push(String::from_utf8(body).unwrap());
                "200 OK"
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    Hook {
        url,
        bodies,
        seen,
        release,
    }
}

/// A minimal SMTP server: records the AUTH line and each message.
struct Smtp {
    port: u16,
    messages: Arc<Mutex<Vec<String>>>,
    auth: Arc<Mutex<Vec<String>>>,
}

fn smtp_server() -> Smtp {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let messages: Arc<Mutex<Vec<String>>> = Arc::default();
    let auth: Arc<Mutex<Vec<String>>> = Arc::default();
    let (m, a) = (messages.clone(), auth.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let (m, a) = (m.clone(), a.clone());
            std::thread::spawn(move || smtp_session(stream, &m, &a));
        }
    });
    Smtp {
        port,
        messages,
        auth,
    }
}

fn smtp_session(mut stream: TcpStream, messages: &Mutex<Vec<String>>, auth: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut say = |s: &str| stream.write_all(s.as_bytes()).unwrap();
    say("220 fixture ESMTP\r\n");
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            say("250-fixture\r\n250 AUTH PLAIN LOGIN\r\n");
        } else if upper.starts_with("AUTH") {
            auth.lock().unwrap().push(line.trim_end().to_string());
            say("235 2.7.0 ok\r\n");
        } else if upper.starts_with("MAIL")
            || upper.starts_with("RCPT")
            || upper.starts_with("RSET")
        {
            say("250 ok\r\n");
        } else if upper.starts_with("DATA") {
            say("354 go on\r\n");
            let mut data = String::new();
            loop {
                let mut l = String::new();
                if reader.read_line(&mut l).unwrap_or(0) == 0 || l == ".\r\n" {
                    break;
                }
                data.push_str(&l);
            }
            messages.lock().unwrap().push(data);
            say("250 queued\r\n");
        } else if upper.starts_with("QUIT") {
            say("221 bye\r\n");
            return;
        } else {
            say("502 no\r\n");
        }
    }
}

fn config(text: &str) -> AlertsConfig {
    ServerConfig::parse(text).unwrap().alerts.unwrap()
}

/// Half a minute into the first `hour`:00 UTC still to come: the digest of
/// that slot covers the 24 hours before it, so what was stored a moment ago
/// is counted in it, whatever the time of day the test runs at.
fn next_at(hour: u32) -> DateTime<Utc> {
    let now = Utc::now();
    let slot = now.date_naive().and_hms_opt(hour, 0, 0).unwrap().and_utc();
    let slot = if slot > now {
        slot
    } else {
        slot + chrono::Duration::days(1)
    };
    slot + chrono::Duration::seconds(30)
}

const MARKER: &[u8] = b"REPORT-CONTENT-MARKER-7d1f";

/// Stores `n` reports whose "ciphertext" holds a marker.
async fn store_reports(store: &Store, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for _ in 0..n {
        ids.push(
            store
                .insert(MARKER.to_vec(), "AAAA".into())
                .await
                .unwrap()
                .0,
        );
    }
    ids
}

#[test]
fn the_digest_goes_by_smtp_and_webhook_with_counts_only() {
    let smtp = smtp_server();
    let hook = webhook(0, None);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("smtp-password"), "pa55word\n").unwrap();
    std::fs::write(dir.path().join("hook-url"), format!("{}\n", hook.url)).unwrap();
    let file = dir.path().join("serve.toml");
    std::fs::write(
        &file,
        format!(
            "[alerts]\nhour = 7\n[alerts.smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\n\
             from = \"secpack@example.org\"\nto = [\"team@example.org\", \"lead@example.org\"]\n\
             username = \"secpack\"\npassword_file = \"smtp-password\"\n\
             [alerts.webhook]\nurl_file = \"hook-url\"\n",
            smtp.port
        ),
    )
    .unwrap();
    let alerts = ServerConfig::load(&file).unwrap().alerts.unwrap();
    let alerter = Alerter::new(&alerts).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let state = rt.block_on(async {
        let store = store::open(&Database::Sqlite(dir.path().join("inbox.sqlite")), 0)
            .await
            .unwrap();
        let ids = store_reports(&store, 3).await;
        let state = alerter
            .deliver_due(&store, next_at(7))
            .await
            .unwrap()
            .expect("this instance sends it");
        // Sent: a second look at the same hour sends nothing more.
        assert!(alerter
            .deliver_due(&store, next_at(7))
            .await
            .unwrap()
            .is_none());
        (state, ids)
    });
    let (state, ids) = state;
    assert!(state.delivered, "{state:?}");
    assert_eq!((state.reports, state.follow_ups), (3, 0));
    let messages = smtp.messages.lock().unwrap().clone();
    assert_eq!(messages.len(), 1);
    let mail = &messages[0];
    assert!(
        mail.contains("Subject: secpack: 3 new reports, 0 follow-ups"),
        "{mail}"
    );
    assert!(
        mail.contains("team@example.org") && mail.contains("lead@example.org"),
        "{mail}"
    );
    // The password reached the server (from its file), AUTH PLAIN.
    let auth = smtp.auth.lock().unwrap().join("\n");
    assert!(auth.starts_with("AUTH"), "{auth}");
    let bodies = hook.bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1);
    let json: serde_json::Value = serde_json::from_str(&bodies[0]).unwrap();
    let text = json["text"].as_str().unwrap();
    assert!(
        text.starts_with("secpack digest: 3 new reports, 0 follow-ups in the 24 hours to "),
        "{text}"
    );
    // Exactly the digest: counts and the period, nothing of the reports
    // (no content, no id, no time of arrival).
    let slot = next_at(7).with_second(0).unwrap();
    let (_, expected) = secpack_server::alerts::digest_text(3, 0, slot);
    assert_eq!(text, expected);
    let body = mail.split_once("\r\n\r\n").unwrap().1.replace("=\r\n", "");
    assert!(
        body.contains("3 new reports, 0 follow-ups in the 24 hours to"),
        "{body}"
    );
    for sent in [mail.as_str(), bodies[0].as_str()] {
        assert!(!sent.contains(std::str::from_utf8(MARKER).unwrap()));
        for id in &ids {
            assert!(!sent.contains(id.as_str()), "{sent}");
        }
    }
}

#[test]
fn a_failing_webhook_is_retried_shown_in_healthz_and_recovers() {
    // Fails twice, the third attempt is held until the test has looked.
    let hook = webhook(2, Some(3));
    let pack = TestPack::with_email_key();
    let dir = tempfile::tempdir().unwrap();
    let options = Options {
        pack: pack.root().to_path_buf(),
        pin: MasterPin::parse(&keys().master).unwrap(),
        base_url: None,
        allow_failures: false,
        db: Database::Sqlite(dir.path().join("inbox.sqlite")),
        rate_limit_per_minute: 0,
        max_attachment_bytes: 1000,
        request_timeout: Duration::from_secs(10),
        header_timeout: Duration::from_secs(10),
        poll_interval: Duration::from_secs(60),
    };
    let alerts = config(&format!(
        "[alerts]\nhour = 5\nretry_seconds = 1\n[alerts.webhook]\nurl = \"{}\"\n",
        hook.url
    ));
    // The server's own digest loop sends today's digest to another hook;
    // the test sends tomorrow's (the latest, the one /healthz shows).
    let other = webhook(0, None);
    let own = config(&format!(
        "[alerts]\nhour = 5\n[alerts.webhook]\nurl = \"{}\"\n",
        other.url
    ));
    let server = Server::new(options)
        .unwrap()
        .with_alerts(Alerter::new(&own).unwrap());
    let store = server.state().store.clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(server.run(listener, std::future::pending()));
    let health = |addr: SocketAddr| -> serde_json::Value {
        let mut s = TcpStream::connect(addr).unwrap();
        write!(
            s,
            "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        serde_json::from_str(answer.split_once("\r\n\r\n").unwrap().1).unwrap()
    };
    let h = health(addr);
    assert_eq!(h["store"]["backend"], "sqlite");
    assert_eq!(h["store"]["reachable"], true);
    assert_eq!(h["alerts"]["channels"], serde_json::json!(["webhook"]));
    let alerter = Alerter::new(&alerts).unwrap();
    let digest = rt.spawn(async move {
        store_reports(&store, 2).await;
        alerter.deliver_due(&store, next_at(5)).await
    });
    for _ in 0..300 {
        if hook.seen.load(Ordering::SeqCst) >= 3 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        hook.seen.load(Ordering::SeqCst),
        3,
        "two failures, one retry held"
    );
    let h = health(addr);
    assert_eq!(
        h["status"], "ok",
        "alert failures do not fail the check: {h}"
    );
    assert_eq!(h["alerts"]["failing"], true, "{h}");
    let channel = &h["alerts"]["last_digest"]["channels"][0];
    assert_eq!(channel["channel"], "webhook");
    assert_eq!(channel["failures"], 2);
    assert_eq!(channel["last_error"], "webhook-status");
    assert_eq!(channel["delivered"], false);
    // Nothing about the reports, nothing secret.
    let shown = h.to_string();
    assert!(
        !shown.contains("reports") && !shown.contains(&hook.url),
        "{shown}"
    );
    hook.release.send(()).unwrap();
    let state = rt.block_on(digest).unwrap().unwrap().unwrap();
    assert!(state.delivered && !state.abandoned, "{state:?}");
    assert_eq!(state.reports, 2);
    let h = health(addr);
    assert_eq!(h["alerts"]["failing"], false, "{h}");
    assert_eq!(h["alerts"]["last_digest"]["delivered"], true, "{h}");
    assert_eq!(
        h["alerts"]["last_digest"]["channels"][0]["failures"], 2,
        "{h}"
    );
    let bodies = hook.bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1);
    assert!(
        bodies[0].contains("2 new reports, 0 follow-ups"),
        "{bodies:?}"
    );
}

/// Several instances at the same hour: one digest.
async fn one_digest_for_several_instances(stores: Vec<Store>, hook: &Hook, alerts: &AlertsConfig) {
    store_reports(&stores[0], 1).await;
    let runs = stores.into_iter().map(|store| {
        let alerter = Alerter::new(alerts).unwrap();
        tokio::spawn(async move { alerter.deliver_due(&store, next_at(3)).await.unwrap() })
    });
    let mut sent = 0;
    for run in runs.collect::<Vec<_>>() {
        sent += usize::from(run.await.unwrap().is_some());
    }
    assert_eq!(sent, 1, "exactly one instance sends the digest");
    assert_eq!(hook.bodies.lock().unwrap().len(), 1);
}

#[test]
fn several_instances_send_each_digest_once_sqlite() {
    let hook = webhook(0, None);
    let alerts = config(&format!(
        "[alerts]\nhour = 3\n[alerts.webhook]\nurl = \"{}\"\n",
        hook.url
    ));
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = store::open(&Database::Sqlite(dir.path().join("i.sqlite")), 0)
            .await
            .unwrap();
        one_digest_for_several_instances(vec![store.clone(), store.clone(), store], &hook, &alerts)
            .await;
    });
}

#[test]
fn several_instances_send_each_digest_once_postgres() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    let hook = webhook(0, None);
    let alerts = config(&format!(
        "[alerts]\nhour = 3\n[alerts.webhook]\nurl = \"{}\"\n",
        hook.url
    ));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = Database::parse(&pg.url()).unwrap();
        let mut stores = Vec::new();
        for _ in 0..3 {
            stores.push(store::open(&db, 0).await.unwrap());
        }
        one_digest_for_several_instances(stores, &hook, &alerts).await;
    });
}
