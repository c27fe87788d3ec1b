//! A small HTTP client for the proof-of-freshness sources: timeouts, a size
//! limit, and retries on transient failures (timeouts, connection errors,
//! 5xx, 408, 429). TLS goes through the system's native library and its
//! certificate store. Sources that are local files (`file://` URLs, paths)
//! are read directly, under the same size limit.

use std::path::PathBuf;
use std::time::Duration;

use super::source::{locate, read_local, Location};
use super::FreshnessError;

type Result<T, E = FreshnessError> = std::result::Result<T, E>;

/// How the client behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpOptions {
    /// Time allowed for one whole request (connect, send, receive).
    pub timeout: Duration,
    /// Further attempts after a transient failure.
    pub retries: u32,
    /// Pause before the first retry; doubled before each further one.
    pub retry_delay: Duration,
    /// Largest response body accepted.
    pub max_bytes: u64,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(20),
            retries: 2,
            retry_delay: Duration::from_secs(1),
            max_bytes: 8 << 20,
        }
    }
}

/// An HTTP client, which also reads local sources.
pub struct Fetcher {
    agent: ureq::Agent,
    options: HttpOptions,
    base_dir: Option<PathBuf>,
}

impl Fetcher {
    /// A client with these options.
    pub fn new(options: HttpOptions) -> Self {
        let agent = crate::http::agent(crate::http::ClientOptions {
            timeout: options.timeout,
            max_redirects: 5,
            status_as_error: true,
        });
        Self {
            agent,
            options,
            base_dir: None,
        }
    }

    /// Relative paths of local sources are taken from `dir` (the pack
    /// root) instead of the current folder.
    pub fn with_base_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.base_dir = Some(dir.into());
        self
    }

    /// Where `url` is, as [`Fetcher::get`] would read it.
    pub fn locate(&self, url: &str) -> Result<Location> {
        locate(url, self.base_dir.as_deref())
    }

    /// GETs `url` and returns the body, or reads it when it is a local file
    /// (see [`locate`]). Transient HTTP failures are retried; the error of
    /// the last attempt is returned.
    pub fn get(&self, url: &str) -> Result<Vec<u8>> {
        let url = match self.locate(url)? {
            Location::Http(url) => url,
            Location::File(path) => return read_local(&path, self.options.max_bytes),
        };
        let url = url.as_str();
        let mut delay = self.options.retry_delay;
        let mut attempt = 0;
        loop {
            match self.get_once(url) {
                Ok(body) => return Ok(body),
                Err(e) if attempt < self.options.retries && is_transient(&e) => {
                    tracing::info!("{url}: {e}; retrying");
                    std::thread::sleep(delay);
                    delay = delay.saturating_mul(2);
                    attempt += 1;
                }
                Err(e) => {
                    let tries = if attempt == 0 {
                        String::new()
                    } else {
                        format!(" (after {} attempts)", attempt + 1)
                    };
                    return Err(FreshnessError::Http(format!(
                        "{}{tries}",
                        describe(&e, &self.options)
                    )));
                }
            }
        }
    }

    fn get_once(&self, url: &str) -> Result<Vec<u8>, ureq::Error> {
        let mut response = self.agent.get(url).call()?;
        response
            .body_mut()
            .with_config()
            .limit(self.options.max_bytes)
            .read_to_vec()
    }
}

fn is_transient(e: &ureq::Error) -> bool {
    match e {
        ureq::Error::StatusCode(code) => *code >= 500 || *code == 408 || *code == 429,
        ureq::Error::Timeout(_)
        | ureq::Error::Io(_)
        | ureq::Error::ConnectionFailed
        | ureq::Error::HostNotFound => true,
        _ => false,
    }
}

fn describe(e: &ureq::Error, options: &HttpOptions) -> String {
    match e {
        ureq::Error::StatusCode(code) => format!("the server answered HTTP {code}"),
        ureq::Error::Timeout(_) => format!("no answer within {:?}", options.timeout),
        ureq::Error::BodyExceedsLimit(n) => format!("the answer is larger than {n} bytes"),
        other => other.to_string(),
    }
}
