//! Errors answered to clients: a status, a stable code and a sentence, as
//! JSON when the client asks for it and as a small HTML page otherwise.
//!
//! The server's own errors (setting up, the store, the configuration) are
//! typed with stable codes ([`crate::ServerError`],
//! [`crate::store::StoreError`], ...); [`as_coded`] finds them in a chain of
//! causes for the program that reports them.

use std::error::Error as StdError;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use crate::alerts_config::ConfigError;
use crate::snapshot::SnapshotError;
use crate::store::{DatabaseError, StoreError};
use crate::ServerError;

/// An error of any type, boxed (what a task or a library call returns).
pub type BoxError = Box<dyn StdError + Send + Sync>;

secpack_site::coded_registry!(
    ServerError,
    SnapshotError,
    StoreError,
    DatabaseError,
    ConfigError
);

/// An error and its causes on one line, `outer: inner: ...`.
pub fn chain(e: &(dyn StdError + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// For a failure of the server's own (the store, a task) that the client is
/// not told about: logs what failed with every cause, and answers `answer`.
pub fn logged<'a, E: Into<BoxError>>(
    what: &'a str,
    answer: impl FnOnce() -> HttpError + 'a,
) -> impl FnOnce(E) -> HttpError + 'a {
    move |e| {
        let e: BoxError = e.into();
        tracing::error!("{what} failed: {}", chain(&*e));
        answer()
    }
}

/// An error answered to the client.
#[derive(Debug, Clone)]
pub struct HttpError {
    /// The HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// A sentence for the client (never quotes what they sent).
    pub message: String,
    /// Answer in JSON.
    pub json: bool,
    /// Seconds to wait before retrying (`Retry-After`).
    pub retry_after: Option<u64>,
    /// The language of the HTML page (`en`, `fr`).
    pub lang: &'static str,
}

impl HttpError {
    /// An error; JSON when `headers` accept it.
    pub fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        headers: &HeaderMap,
    ) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            json: wants_json(headers),
            retry_after: None,
            lang: crate::pages::lang(headers),
        }
    }
}

/// Whether the client asked for JSON (`Accept: application/json`).
pub fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',')
                .any(|t| t.trim().starts_with("application/json"))
        })
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let mut response = if self.json {
            let body = serde_json::json!({
                "error": { "code": self.code, "message": self.message }
            });
            (self.status, axum::Json(body)).into_response()
        } else {
            let body = html_page(self.lang, self.status, self.code, &self.message);
            (self.status, Html(body)).into_response()
        };
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// The small HTML page of an error in `lang`: its status, `message` and
/// `code` (the site's template `server-error.html`).
pub fn html_page(lang: &str, status: StatusCode, code: &str, message: &str) -> String {
    let title = status
        .canonical_reason()
        .map_or_else(|| crate::pages::text(lang, "error-title"), str::to_string);
    crate::pages::render(
        lang,
        "server-error.html",
        serde_json::json!({
            "title": title,
            "root": "/",
            "message": message,
            "code": code,
        }),
    )
}
