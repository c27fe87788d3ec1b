//! The one HTTP client configuration every fetch uses: the platform's TLS
//! (native-tls with the system's roots), secpack's user agent, a global
//! timeout, and a redirect policy chosen by the caller.

use std::time::Duration;

/// How a client follows redirects and reports HTTP statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientOptions {
    /// The whole request's time limit.
    pub timeout: Duration,
    /// Redirects followed (0: a redirect is answered as it is).
    pub max_redirects: u32,
    /// Whether a 4xx/5xx status is an error (`true`) or an answer the
    /// caller reads (`false`).
    pub status_as_error: bool,
}

/// The `User-Agent` secpack sends.
pub const USER_AGENT: &str = concat!("secpack/", env!("CARGO_PKG_VERSION"));

/// A client with the platform's TLS and these options.
pub fn agent(options: ClientOptions) -> ureq::Agent {
    use ureq::tls::{RootCerts, TlsConfig, TlsProvider};
    let tls = TlsConfig::builder()
        .provider(TlsProvider::NativeTls)
        .root_certs(RootCerts::PlatformVerifier)
        .build();
    ureq::Agent::config_builder()
        .tls_config(tls)
        .timeout_global(Some(options.timeout))
        .max_redirects(options.max_redirects)
        .http_status_as_error(options.status_as_error)
        .user_agent(USER_AGENT)
        .build()
        .new_agent()
}

/// A URL option that is not an `http://` or `https://` URL with a host.
#[derive(Debug, thiserror::Error)]
#[error("{option} must be an http(s) URL, not {url:?}")]
pub struct BadUrl {
    /// The option or setting (`--base-url`).
    pub option: String,
    /// What was given.
    pub url: String,
}

impl crate::error::Coded for BadUrl {
    fn code(&self) -> &'static str {
        "bad-url"
    }
    fn class(&self) -> crate::error::ErrorClass {
        crate::error::ErrorClass::Usage
    }
}

/// Checks the base URL a site or server is published at (the one rule for
/// `site build --base-url` and `serve --base-url`): an `http://` or
/// `https://` URL with a host and no white space.
pub fn check_base_url(option: &str, url: &str) -> Result<(), BadUrl> {
    if crate::bulletin::sidecar::is_web_url(url) {
        Ok(())
    } else {
        Err(BadUrl {
            option: option.to_string(),
            url: url.to_string(),
        })
    }
}

/// The origin of an `http://` or `https://` URL (`https://example.org:8443`
/// of `https://example.org:8443/security/?x`): where RFC 8615 puts
/// `/.well-known/`, whatever path a site lives under. `None` for anything
/// that is no web URL ([`crate::bulletin::sidecar::is_web_url`]).
pub fn origin(url: &str) -> Option<&str> {
    if !crate::bulletin::sidecar::is_web_url(url) {
        return None;
    }
    let start = url.find("://")? + 3;
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    Some(&url[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// A one-shot server on 127.0.0.1 answering a redirect, and what the
    /// client sent.
    fn redirecting_server() -> (String, std::thread::JoinHandle<String>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let handle = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut buf = [0u8; 2048];
            let n = stream.read(&mut buf).unwrap();
            stream
                .write_all(b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .unwrap();
            String::from_utf8_lossy(&buf[..n]).into_owned()
        });
        (url, handle)
    }

    #[test]
    fn base_urls_are_web_urls_with_a_host() {
        for good in ["https://example.org/security/", "http://127.0.0.1:8080/"] {
            assert!(check_base_url("--base-url", good).is_ok(), "{good}");
        }
        for bad in ["ftp://x", "https://", "example.org", "https://a b/", ""] {
            let e = check_base_url("--base-url", bad).unwrap_err();
            assert_eq!(crate::error::Coded::code(&e), "bad-url");
            assert!(e.to_string().starts_with("--base-url"), "{e}");
        }
    }

    #[test]
    fn the_origin_of_a_url_drops_its_path_query_and_fragment() {
        let cases = [
            ("https://example.org/security/", "https://example.org"),
            ("https://example.org", "https://example.org"),
            ("http://127.0.0.1:8080/a/b?c#d", "http://127.0.0.1:8080"),
            ("https://example.org?x", "https://example.org"),
            ("https://example.org#x", "https://example.org"),
        ];
        for (url, want) in cases {
            assert_eq!(origin(url), Some(want), "{url}");
        }
        for bad in ["ftp://x/y", "example.org/a", "https:///a", ""] {
            assert_eq!(origin(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_redirect_is_answered_as_it_is_when_none_is_followed() {
        let (url, server) = redirecting_server();
        let client = agent(ClientOptions {
            timeout: Duration::from_secs(10),
            max_redirects: 0,
            status_as_error: false,
        });
        let response = client.get(&url).call().unwrap();
        assert_eq!(response.status().as_u16(), 302);
        let request = server.join().unwrap();
        assert!(
            request
                .to_ascii_lowercase()
                .contains(&format!("user-agent: {}", USER_AGENT).to_ascii_lowercase()),
            "{request}"
        );
    }
}
