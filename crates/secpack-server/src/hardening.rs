//! Limits and headers around every route: a body size limit, a request
//! timeout, security headers (CSP, no referrer, nosniff, no framing), no
//! CORS headers at all (browsers then refuse cross-origin reads), and the
//! per-client rate limit on report submissions.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Instant;

use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

use crate::error::HttpError;
use crate::{AppState, Options};

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

/// Adds the limits and headers to `router`.
pub fn harden(router: Router<AppState>, options: &Options) -> Router<AppState> {
    let max_body = options.max_body_bytes();
    let limited = router
        .layer(DefaultBodyLimit::max(max_body))
        .layer(RequestBodyLimitLayer::new(max_body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            options.request_timeout,
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

/// Refuses a report submission with 429 when its client has used up its
/// allowance. Other methods pass.
pub async fn rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    match state.limiter.check(client, Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            let secs = wait.as_secs() + 1;
            let mut e = HttpError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                format!("too many reports from your address; try again in {secs} seconds"),
                request.headers(),
            );
            e.retry_after = Some(secs);
            e.into_response()
        }
    }
}
