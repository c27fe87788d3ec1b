//! Reading a provider tree: from a folder (URLs below the provider folder are
//! mapped onto it) or over HTTP with `ureq`: redirects are not followed
//! (CSAF 2.0 §7.1.6), every body is capped, and a URL that is not https is
//! reported (§7.1.3; a warning on a loopback address, where a local test
//! server stands in for the real one).

use std::cell::{OnceCell, RefCell};
use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{CheckError, CheckOptions, Findings, Severity};

/// Where the provider metadata is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A provider folder on disk (holding `provider-metadata.json`).
    Dir(PathBuf),
    /// The URL of a `provider-metadata.json`.
    Url(String),
}

impl Target {
    /// A folder (the export's output folder or the provider folder), the URL
    /// of `provider-metadata.json`, or a site's URL (its well-known
    /// provider metadata is read).
    pub fn parse(target: &str) -> Result<Self, CheckError> {
        if target.starts_with("https://") || target.starts_with("http://") {
            let url = if target.ends_with(".json") {
                target.to_string()
            } else {
                format!(
                    "{}/.well-known/csaf/provider-metadata.json",
                    target.trim_end_matches('/')
                )
            };
            return Ok(Self::Url(url));
        }
        let dir = Path::new(target);
        for candidate in [dir.join(".well-known/csaf"), dir.to_path_buf()] {
            if candidate.join("provider-metadata.json").is_file() {
                return Ok(Self::Dir(candidate));
            }
        }
        Err(CheckError::BadTarget(target.to_string()))
    }
}

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchFailure {
    /// 404, or no such file.
    NotFound,
    /// The server answered with a redirect (to the location given).
    Redirect(u16, String),
    /// Another HTTP status.
    Status(u16),
    /// Larger than the cap.
    TooLarge(u64),
    /// A folder check cannot read a URL outside the provider folder.
    Outside,
    /// Anything else (connection, I/O, bad path).
    Other(String),
}

impl std::fmt::Display for FetchFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotFound => write!(f, "not found"),
            Self::Redirect(code, to) => write!(f, "redirected ({code}) to {to}"),
            Self::Status(code) => write!(f, "HTTP status {code}"),
            Self::TooLarge(max) => write!(f, "larger than {max} bytes"),
            Self::Outside => write!(
                f,
                "outside the provider folder: a folder check cannot read it"
            ),
            Self::Other(e) => write!(f, "{e}"),
        }
    }
}

/// A provider tree to read from.
pub struct Source {
    target: Target,
    agent: ureq::Agent,
    max_bytes: u64,
    /// In a folder check: the URL of the provider folder (from the
    /// metadata's `canonical_url`), with a final `/`.
    base: OnceCell<String>,
    /// Scheme and host already reported as not https.
    tls_reported: RefCell<BTreeSet<String>>,
}

impl Source {
    /// A reader of `target`.
    pub fn new(target: Target, options: &CheckOptions) -> Self {
        let agent = crate::http::agent(crate::http::ClientOptions {
            timeout: options.timeout,
            max_redirects: 0,
            status_as_error: false,
        });
        Self {
            target,
            agent,
            max_bytes: options.max_bytes,
            base: OnceCell::new(),
            tls_reported: RefCell::new(BTreeSet::new()),
        }
    }

    /// Whether the tree is read over HTTP.
    pub fn is_http(&self) -> bool {
        matches!(self.target, Target::Url(_))
    }

    /// Where the provider metadata is read: its URL, or its path.
    pub fn metadata_url(&self) -> String {
        match &self.target {
            Target::Url(u) => u.clone(),
            Target::Dir(d) => d.join("provider-metadata.json").display().to_string(),
        }
    }

    /// In a folder check, maps the URLs below `folder_url` (the provider
    /// folder as its metadata names it) onto the folder. Set once.
    pub fn set_base(&self, folder_url: &str) {
        let mut base = folder_url.to_string();
        if !base.ends_with('/') {
            base.push('/');
        }
        let _ = self.base.set(base);
    }

    /// Reads `url` (or, in a folder check, the file it maps to).
    pub fn get(&self, url: &str) -> Result<Vec<u8>, FetchFailure> {
        match &self.target {
            Target::Url(_) => self.get_http(url),
            Target::Dir(dir) => {
                let Some(rel) = self.base.get().and_then(|b| url.strip_prefix(b.as_str())) else {
                    return Err(FetchFailure::Outside);
                };
                if !crate::pack::is_plain_relative(rel) || rel.contains(['?', '#', '\\']) {
                    return Err(FetchFailure::Other(format!("{rel:?} is not a plain path")));
                }
                read_capped(&dir.join(rel), self.max_bytes)
            }
        }
    }

    /// Reads the provider metadata itself.
    pub fn get_metadata(&self) -> Result<Vec<u8>, FetchFailure> {
        match &self.target {
            Target::Url(u) => self.get_http(u),
            Target::Dir(d) => read_capped(&d.join("provider-metadata.json"), self.max_bytes),
        }
    }

    /// Reads `url`, reporting a failure as `missing_code` of requirement
    /// `req` (a redirect as `redirect`, §7.1.6), and a URL that is not
    /// https (§7.1.3).
    pub fn fetch(
        &self,
        url: &str,
        findings: &mut Findings,
        missing_code: &'static str,
        req: u8,
        what: &str,
    ) -> Option<Vec<u8>> {
        self.check_tls(url, findings);
        match self.get(url) {
            Ok(b) => Some(b),
            Err(e) => {
                report_failure(findings, url, &e, missing_code, req, what);
                None
            }
        }
    }

    /// Reports `url` when it is not https: an error, or a warning on a
    /// loopback address. Once per scheme and host.
    pub fn check_tls(&self, url: &str, findings: &mut Findings) {
        let Some(rest) = url.strip_prefix("http://") else {
            if !url.starts_with("https://") {
                findings.error(
                    "not-https",
                    3,
                    url,
                    "not an https URL: CSAF documents are published over TLS",
                );
            }
            return;
        };
        let host = rest.split('/').next().unwrap_or(rest).to_string();
        if !self.tls_reported.borrow_mut().insert(host.clone()) {
            return;
        }
        if is_loopback(&host) {
            findings.add(
                "not-https",
                Severity::Warning,
                Some(3),
                url,
                format!("plain HTTP on the loopback address {host}: accepted for a local test server only; a published provider must use https"),
            );
        } else {
            findings.error(
                "not-https",
                3,
                url,
                format!("plain HTTP on {host}: CSAF documents are published over TLS (https)"),
            );
        }
    }

    fn get_http(&self, url: &str) -> Result<Vec<u8>, FetchFailure> {
        let mut response = self
            .agent
            .get(url)
            .call()
            .map_err(|e| FetchFailure::Other(e.to_string()))?;
        let status = response.status().as_u16();
        if (300..400).contains(&status) {
            let to = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("(no Location header)")
                .to_string();
            return Err(FetchFailure::Redirect(status, to));
        }
        match status {
            200 => {}
            404 | 410 => return Err(FetchFailure::NotFound),
            other => return Err(FetchFailure::Status(other)),
        }
        let mut body = Vec::new();
        response
            .body_mut()
            .as_reader()
            .take(self.max_bytes + 1)
            .read_to_end(&mut body)
            .map_err(|e| FetchFailure::Other(e.to_string()))?;
        if body.len() as u64 > self.max_bytes {
            return Err(FetchFailure::TooLarge(self.max_bytes));
        }
        Ok(body)
    }
}

/// Records the failure to read `url`.
pub fn report_failure(
    findings: &mut Findings,
    url: &str,
    e: &FetchFailure,
    missing_code: &'static str,
    req: u8,
    what: &str,
) {
    match e {
        FetchFailure::Redirect(code, to) => findings.error(
            "redirect",
            6,
            url,
            format!("{what}: the server redirects ({code}) to {to}; CSAF documents and their files must be served without redirects"),
        ),
        FetchFailure::TooLarge(max) => findings.error(
            "too-large",
            req,
            url,
            format!("{what} is larger than {max} bytes: not read"),
        ),
        other => findings.error(missing_code, req, url, format!("{what} cannot be read: {other}")),
    }
}

/// Whether `host` (with an optional port) is a loopback address.
pub fn is_loopback(host: &str) -> bool {
    let name = if let Some(v6) = host.strip_prefix('[') {
        v6.split(']').next().unwrap_or(v6)
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    name == "localhost"
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn read_capped(path: &Path, max: u64) -> Result<Vec<u8>, FetchFailure> {
    use crate::fsutil::ReadCappedError;
    let meta = std::fs::symlink_metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => FetchFailure::NotFound,
        _ => FetchFailure::Other(e.to_string()),
    })?;
    if !meta.is_file() {
        return Err(FetchFailure::Other(
            "not a regular file (a link is not followed)".to_string(),
        ));
    }
    crate::fsutil::read_capped(path, max).map_err(|e| match e {
        ReadCappedError::TooLarge { limit, .. } => FetchFailure::TooLarge(limit),
        ReadCappedError::Io(io) => FetchFailure::Other(io.source.to_string()),
    })
}

/// The URL of the folder holding `url`, with a final `/`.
pub fn folder_of(url: &str) -> String {
    match url.rfind('/') {
        Some(i) => url[..=i].to_string(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for h in ["127.0.0.1:8080", "127.0.0.1", "localhost:1", "[::1]:80"] {
            assert!(is_loopback(h), "{h}");
        }
        for h in ["example.org", "10.0.0.1:80", "127.0.0.1.example.org"] {
            assert!(!is_loopback(h), "{h}");
        }
    }

    #[test]
    fn targets() {
        assert_eq!(
            Target::parse("https://example.org/").unwrap(),
            Target::Url("https://example.org/.well-known/csaf/provider-metadata.json".into())
        );
        assert_eq!(
            Target::parse("https://example.org/x/provider-metadata.json").unwrap(),
            Target::Url("https://example.org/x/provider-metadata.json".into())
        );
        let err = Target::parse("/nonexistent/folder").unwrap_err();
        assert_eq!(err.code(), "bad-target");
        assert_eq!(folder_of("https://a/b/c.json"), "https://a/b/");
    }
}
