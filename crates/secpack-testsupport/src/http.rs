//! A fixture HTTP server on 127.0.0.1 for tests of everything that fetches:
//! each path answers canned answers in turn, and a news feed to serve.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
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
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 1024];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut chunk) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buf);
                    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
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

/// One HTTP/1.1 request to `addr` (`127.0.0.1:PORT`), asking for JSON; the
/// answer's status and body.
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\nConnection: close\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(body).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
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
}
