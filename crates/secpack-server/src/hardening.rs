//! Limits and headers around every route: a body size limit, a request
//! timeout, security headers (CSP, no referrer, nosniff, no framing), no
//! CORS headers at all (browsers then refuse cross-origin reads), and the
//! per-client rate limits on report submissions.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

use crate::error::HttpError;
use crate::ratelimit::Exhausted;
use crate::AppState;

/// The Content-Security-Policy of every answer: the site's own stylesheet
/// and images, forms posted to itself, nothing else (no scripts at all).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The security headers of every answer, those the server writes itself for
/// malformed requests included ([`crate::http1`]).
pub const SECURITY_HEADERS: [(HeaderName, &str); 4] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
];

/// Adds the limits and headers to `router`. From the outside in: the
/// security headers, the rate limits on report submissions (outside the
/// size limits, so that a submission refused for its size counts as
/// refused), the request timeout, and the body size limits.
pub fn harden(router: Router<AppState>, state: &AppState) -> Router<AppState> {
    let max_body = state.options.max_body_bytes();
    let limited = router
        .layer(DefaultBodyLimit::max(max_body))
        .layer(RequestBodyLimitLayer::new(max_body))
        // A Content-Length over the limit is answered here, as every client
        // error is (JSON or HTML), rather than by RequestBodyLimitLayer's
        // plain-text "length limit exceeded".
        .layer(axum::middleware::from_fn(move |request, next| {
            content_length_limit(max_body, request, next)
        }))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            state.options.request_timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            rate_limit,
        ));
    SECURITY_HEADERS
        .into_iter()
        .fold(limited, |router, (name, value)| {
            router.layer(SetResponseHeaderLayer::if_not_present(
                name,
                HeaderValue::from_static(value),
            ))
        })
}

/// Refuses, before reading it, a body whose `Content-Length` is over
/// `max_body` bytes: `413`, code `too-large`. Bodies without a length are
/// cut at the limit as they are read (the form handler answers those).
async fn content_length_limit(max_body: usize, request: Request, next: Next) -> Response {
    let length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match length {
        Some(n) if n > max_body as u64 => HttpError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            format!("the request is larger than the server accepts ({max_body} bytes at most)"),
            request.headers(),
        )
        .into_response(),
        _ => next.run(request).await,
    }
}

/// Whether `request` submits a report.
fn is_submission(request: &Request) -> bool {
    request.method() == Method::POST && matches!(request.uri().path(), "/report/" | "/report")
}

/// Report submissions count against their client's budgets (see
/// [`crate::ratelimit::SubmissionLimiter`]): only a report stored (a `2xx`
/// answer) uses the budget of reports, anything else the larger budget of
/// refused submissions. A client out of either budget gets `429` with
/// `Retry-After`. Other requests pass.
pub async fn rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !is_submission(&request) {
        return next.run(request).await;
    }
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    match state.store.begin_submission(client).await {
        Ok(()) => {
            let response = next.run(request).await;
            state
                .store
                .finish_submission(client, response.status().is_success())
                .await;
            response
        }
        Err(exhausted) => {
            // Whole seconds, rounded up: never an invitation to come back early.
            let secs = (exhausted.wait().as_secs_f64().ceil() as u64).max(1);
            let what = match exhausted {
                Exhausted::Stored(_) => "too many reports from your address",
                Exhausted::Refused(_) => "too many refused submissions from your address",
            };
            let mut e = HttpError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                format!("{what}; try again in {}", seconds(secs)),
                request.headers(),
            );
            e.retry_after = Some(secs);
            e.into_response()
        }
    }
}

/// `1 second`, `2 seconds`.
pub fn seconds(n: u64) -> String {
    if n == 1 {
        "1 second".into()
    } else {
        format!("{n} seconds")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn seconds_are_pluralised() {
        assert_eq!(super::seconds(0), "0 seconds");
        assert_eq!(super::seconds(1), "1 second");
        assert_eq!(super::seconds(2), "2 seconds");
    }
}
