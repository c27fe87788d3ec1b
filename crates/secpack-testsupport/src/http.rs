//! A fixture HTTP server on 127.0.0.1 for tests of everything that fetches:
//! each path answers canned answers in turn, and a news feed to serve; and
//! the client side of tests of a server: one request, multipart form bodies.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One canned answer.
#[derive(Clone)]
pub struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// The body.
    pub body: String,
    /// Wait this long before answering (for timeouts).
    pub delay: Duration,
}

/// A 200 answer with `body`.
pub fn ok(body: impl Into<String>) -> Answer {
    Answer {
        status: 200,
        body: body.into(),
        delay: Duration::ZERO,
    }
}

/// An answer with status `code`.
pub fn status(code: u16) -> Answer {
    Answer {
        status: code,
        body: "no".into(),
        delay: Duration::ZERO,
    }
}

/// A fixture server: each path answers its list of answers in turn (the last
/// one repeats); unknown paths answer 404. It serves at most `MAX_REQUESTS`
/// connections and then stops.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

/// How many connections a [`Server`] serves before it stops.
pub const MAX_REQUESTS: usize = 64;

impl Server {
    /// Starts a server answering `routes` (path, answers in turn).
    pub fn start(routes: Vec<(&str, Vec<Answer>)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let routes: HashMap<String, Vec<Answer>> = routes
            .into_iter()
            .map(|(p, a)| (p.to_string(), a))
            .collect();
        let routes = Arc::new(routes);
        let hits = Arc::new(Mutex::new(HashMap::new()));
        let served = Arc::new(AtomicUsize::new(0));
        let hits2 = hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(MAX_REQUESTS) {
                let Ok(mut stream) = stream else { continue };
                let (routes, hits) = (routes.clone(), hits2.clone());
                served.fetch_add(1, Ordering::SeqCst);
                std::thread::spawn(move || {
                    stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
                    let Some(head) = read_head(&mut stream) else {
                        return;
                    };
                    let path = request_path(&head);
                    let n = {
                        let mut h = hits.lock().unwrap();
                        let e = h.entry(path.clone()).or_insert(0);
                        *e += 1;
                        *e
                    };
                    let answer = routes
                        .get(&path)
                        .map(|list| list[(n - 1).min(list.len() - 1)].clone())
                        .unwrap_or_else(|| status(404));
                    std::thread::sleep(answer.delay);
                    let reply = format!(
                        "HTTP/1.1 {} X\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                        answer.status,
                        answer.body.len(),
                        answer.body
                    );
                    let _ = stream.write_all(reply.as_bytes());
                });
            }
        });
        Self { base, hits }
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// How many requests `path` received.
    pub fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

/// An RSS 2.0 feed; items as (title, RFC 2822 date) in document order.
pub fn rss(title: &str, items: &[(&str, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(t, d)| format!("<item><title>{t}</title><link>https://n.example/{t}</link><pubDate>{d}</pubDate></item>"))
        .collect();
    format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{title}</title><link>https://n.example/</link><description>d</description>{items}</channel></rss>")
}

/// Reads a request's head (up to its blank line, at most 16 KiB) from
/// `stream`; `None` when the client goes away first.
fn read_head(stream: &mut impl Read) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    Some(String::from_utf8_lossy(&buf).into_owned())
}

/// The path a request head asks for (`/` when it names none).
fn request_path(head: &str) -> String {
    head.split_whitespace().nth(1).unwrap_or("/").to_string()
}

/// Serves the files below `root` on `listener` (bound by the caller, who
/// may need its address before the files exist), read afresh at each
/// request, as `application/json`; a missing file (or a path with `..`)
/// answers 404. Each path in `redirects` answers 301 to the same path with
/// `?moved`. Runs until the test ends.
pub fn serve_files(listener: TcpListener, root: PathBuf, redirects: Vec<String>) {
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (root, redirects) = (root.clone(), redirects.clone());
            std::thread::spawn(move || {
                let Some(head) = read_head(&mut stream) else {
                    return;
                };
                let path = request_path(&head);
                let reply = if redirects.contains(&path) {
                    format!("HTTP/1.1 301 Moved\r\nLocation: {path}?moved\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").into_bytes()
                } else {
                    let file = root.join(path.trim_start_matches('/'));
                    match (path.contains(".."), std::fs::read(&file)) {
                        (false, Ok(body)) => {
                            let mut r = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).into_bytes();
                            r.extend(body);
                            r
                        }
                        _ => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
                    }
                };
                let _ = stream.write_all(&reply);
            });
        }
    });
}

/// A whole HTTP/1.1 answer with `status` (`"200 OK"`) and a JSON `body`,
/// for [`serve_once`].
pub fn json_answer(status: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Serves one connection on 127.0.0.1: reads the request's head, then
/// writes `answer` as it is (a whole HTTP answer), or, when `None`, holds
/// the connection open for `hold` without a word (for timeouts). Returns the
/// URL of `path` on it and the thread, to join once the request was made.
pub fn serve_once(
    path: &str,
    answer: Option<String>,
    hold: Duration,
) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}{path}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let _ = read_head(&mut stream);
        match answer {
            Some(a) => {
                let _ = stream.write_all(a.as_bytes());
            }
            None => std::thread::sleep(hold),
        }
    });
    (url, handle)
}

/// One HTTP/1.1 request to `addr` (`127.0.0.1:PORT`), asking for JSON; the
/// answer's status and body. Panics when the request fails (see
/// [`try_request`]).
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> (u16, String) {
    try_request(addr, method, path, content_type, body).unwrap()
}

/// [`request`], with the failure to connect, send or read returned (for a
/// server killed mid-request): the answer's status and body.
pub fn try_request(
    addr: &str,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> std::io::Result<(u16, String)> {
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\nConnection: close\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status = answer
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status in {answer:?}")))?;
    let body = answer
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    Ok((status, body))
}

/// Submits a report (`summary`, `details`, `affected`) to `/report/` of the
/// `secpack serve` at `addr`, as its form does, asking for JSON: the
/// answer's status and body, or the failure to connect, send or read (a
/// server killed mid-request).
pub fn try_submit_report(
    addr: &str,
    summary: &str,
    details: &str,
    affected: &str,
) -> std::io::Result<(u16, String)> {
    const BOUNDARY: &str = "----secpack-test-report-5c1e";
    let fields = [
        ("summary", summary),
        ("details", details),
        ("affected", affected),
    ];
    try_request(
        addr,
        "POST",
        "/report/",
        &multipart_type(BOUNDARY),
        &text_form(BOUNDARY, &fields),
    )
}

/// [`try_submit_report`] of report number `n`: summary `report N`,
/// details `details of report N`, affected `all` (for checking later that
/// every receipted report is stored).
pub fn try_submit_numbered(addr: &str, n: usize) -> std::io::Result<(u16, String)> {
    try_submit_report(
        addr,
        &format!("report {n}"),
        &format!("details of report {n}"),
        "all",
    )
}

/// Threads submitting numbered reports ([`try_submit_numbered`]) to
/// servers under test, for durability tests: each goes on until stopped or
/// until its server stops answering (killed mid-request: no receipt); an
/// answer other than `201` makes it panic, which [`Submitters::finish`]
/// passes on.
pub struct Submitters {
    receipts: Arc<Mutex<Vec<(String, usize)>>>,
    stop: Arc<AtomicBool>,
    workers: Vec<std::thread::JoinHandle<()>>,
}

impl Submitters {
    /// Starts one thread per address of `addrs` (an address may be given
    /// more than once), the reports numbered from 0 across all of them.
    pub fn start(addrs: &[&str]) -> Self {
        let receipts: Arc<Mutex<Vec<(String, usize)>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let counter = Arc::new(AtomicUsize::new(0));
        let workers = addrs
            .iter()
            .map(|addr| {
                let (receipts, stop, counter, addr) = (
                    receipts.clone(),
                    stop.clone(),
                    counter.clone(),
                    addr.to_string(),
                );
                std::thread::spawn(move || {
                    while !stop.load(Ordering::SeqCst) {
                        let n = counter.fetch_add(1, Ordering::SeqCst);
                        match try_submit_numbered(&addr, n) {
                            Ok((201, body)) => {
                                let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                                receipts
                                    .lock()
                                    .unwrap()
                                    .push((v["id"].as_str().unwrap().to_string(), n));
                            }
                            Ok((status, body)) => panic!("unexpected answer {status}: {body}"),
                            // The server was killed mid-request: no receipt.
                            Err(_) => break,
                        }
                    }
                })
            })
            .collect();
        Self {
            receipts,
            stop,
            workers,
        }
    }

    /// How many receipts came so far.
    pub fn count(&self) -> usize {
        self.receipts.lock().unwrap().len()
    }

    /// Waits until `n` receipts came, or 60 seconds passed; the count then.
    pub fn wait_for(&self, n: usize) -> usize {
        for _ in 0..600 {
            if self.count() >= n {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        self.count()
    }

    /// Stops the threads and waits for them: every receipt (the report's
    /// id and its number).
    pub fn finish(self) -> Vec<(String, usize)> {
        self.stop.store(true, Ordering::SeqCst);
        for w in self.workers {
            w.join().unwrap();
        }
        let receipts = self.receipts.lock().unwrap().clone();
        receipts
    }
}

/// The content type of a `multipart/form-data` body made with `boundary`.
pub fn multipart_type(boundary: &str) -> String {
    format!("multipart/form-data; boundary={boundary}")
}

/// A `multipart/form-data` body of `parts` (name, file name, data) between
/// `boundary` lines; a part with a file name is a file part
/// (`application/octet-stream`).
pub fn multipart(boundary: &str, parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, file, data) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let disposition = match file {
            Some(f) => format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            ),
            None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
        };
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

/// A `multipart/form-data` body of text `fields` (name, value), as a form
/// without files sends it.
pub fn text_form(boundary: &str, fields: &[(&str, &str)]) -> Vec<u8> {
    let parts: Vec<(&str, Option<&str>, &[u8])> = fields
        .iter()
        .map(|(name, value)| (*name, None, value.as_bytes()))
        .collect();
    multipart(boundary, &parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_come_in_turn_and_unknown_paths_are_not_found() {
        let s = Server::start(vec![("/a", vec![status(503), ok("fine")])]);
        let addr = s.base.strip_prefix("http://").unwrap();
        assert_eq!(request(addr, "GET", "/a", "text/plain", b"").0, 503);
        assert_eq!(
            request(addr, "GET", "/a", "text/plain", b""),
            (200, "fine".to_string())
        );
        assert_eq!(request(addr, "GET", "/a", "text/plain", b"").0, 200);
        assert_eq!(request(addr, "GET", "/b", "text/plain", b"").0, 404);
        assert_eq!((s.hits("/a"), s.hits("/b")), (3, 1));
    }

    #[test]
    fn files_are_served_as_they_are_now_and_redirects_answer_301() {
        let dir = tempfile::tempdir().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        serve_files(listener, dir.path().to_path_buf(), vec!["/moved".into()]);
        assert_eq!(request(&addr, "GET", "/a.json", "text/plain", b"").0, 404);
        std::fs::write(dir.path().join("a.json"), "{}").unwrap();
        assert_eq!(
            request(&addr, "GET", "/a.json", "text/plain", b""),
            (200, "{}".to_string())
        );
        assert_eq!(request(&addr, "GET", "/moved", "text/plain", b"").0, 301);
        assert_eq!(
            request(&addr, "GET", "/../a.json", "text/plain", b"").0,
            404
        );
    }

    #[test]
    fn serve_once_answers_one_request_as_given() {
        let (url, server) = serve_once(
            "/x.json",
            Some(json_answer("200 OK", "[1]")),
            Duration::ZERO,
        );
        let addr = url
            .strip_prefix("http://")
            .unwrap()
            .strip_suffix("/x.json")
            .unwrap();
        assert_eq!(
            request(addr, "GET", "/x.json", "text/plain", b""),
            (200, "[1]".to_string())
        );
        server.join().unwrap();
    }

    #[test]
    fn multipart_bodies_hold_text_and_file_parts() {
        let body = multipart(
            "B",
            &[("summary", None, b"hi"), ("file", Some("a.txt"), b"x")],
        );
        assert_eq!(
            String::from_utf8(body).unwrap(),
            "--B\r\nContent-Disposition: form-data; name=\"summary\"\r\n\r\nhi\r\n\
             --B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\
             Content-Type: application/octet-stream\r\n\r\nx\r\n--B--\r\n"
        );
        assert_eq!(
            text_form("B", &[("a", "1")]),
            multipart("B", &[("a", None, b"1")])
        );
        assert_eq!(multipart_type("B"), "multipart/form-data; boundary=B");
    }
}
