//! Errors answered to clients: a status, a stable code and a sentence, as
//! JSON when the client asks for it and as a small HTML page otherwise.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

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
            let body = html_page(self.status, self.code, &self.message);
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

/// The small HTML page of an error: its status, `message` and `code`.
pub fn html_page(status: StatusCode, code: &str, message: &str) -> String {
    let title = status.canonical_reason().unwrap_or("Error");
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <link rel=\"stylesheet\" href=\"/style.css\"></head>\n<body><main><h1>{title}</h1>\
         <p>{}</p><p><code>{}</code></p></main></body></html>\n",
        escape_html(message),
        escape_html(code)
    )
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
