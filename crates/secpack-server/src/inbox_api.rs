//! The team's inbox API (`secpack inbox pull`, `status` and `reply` with
//! `--server`): requests signed by a member's certified key over a nonce
//! this server issued (see `secpack::report::auth`); only ciphertext is
//! served and taken.

use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use secpack::report::auth::{self, AuthError, Authorization, NONCE_LIFETIME};
use secpack::report::inbox::{is_receipt_id, MessageKind};
use secpack::report::remote::{
    next_cursor, NonceAnswer, PullAnswer, PullRequest, StateChange, WireMessage, WireReport,
};
use secpack::report::reply::MAX_MESSAGE_BYTES;

use crate::error::{logged, HttpError};
use crate::store::NewMessage;
use crate::AppState;

/// Largest sealed reply taken (armour and signature around the text).
pub const MAX_SEALED_REPLY_BYTES: usize = 2 * MAX_MESSAGE_BYTES + 16 * 1024;

/// `POST /api/v1/inbox/nonce`: a fresh nonce.
pub async fn nonce(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let nonce = state
        .store
        .issue_nonce(NONCE_LIFETIME)
        .await
        .map_err(logged("issuing a nonce", || {
            HttpError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "nonce-unavailable",
                "no nonce could be drawn",
                &headers,
            )
        }))?;
    Ok(axum::Json(NonceAnswer {
        nonce,
        expires_in: NONCE_LIFETIME.as_secs(),
    })
    .into_response())
}

fn json_headers(headers: &HeaderMap) -> HeaderMap {
    // API errors are JSON whatever the client's Accept says.
    let mut h = headers.clone();
    h.insert(header::ACCEPT, "application/json".parse().expect("static"));
    h
}

/// Checks the request's nonce (redeemed once in the store, whichever
/// instance issued it) and signature; returns the signer's fingerprint.
async fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    method: &Method,
    uri: &Uri,
    body: &[u8],
) -> Result<String, HttpError> {
    let refuse = |e: AuthError| {
        let status = match e {
            AuthError::Uncertified(..) => StatusCode::FORBIDDEN,
            _ => StatusCode::UNAUTHORIZED,
        };
        tracing::info!("inbox API request refused: {}", e.code());
        HttpError::new(status, e.code(), e.to_string(), &json_headers(headers))
    };
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(AuthError::Missing)
        .and_then(|v| v.to_str().map_err(|_| AuthError::Malformed("not ASCII")))
        .map_err(refuse)?;
    let auth = Authorization::parse(value).map_err(refuse)?;
    state
        .store
        .redeem_nonce(auth.nonce.clone())
        .await
        .map_err(logged("redeeming a nonce", || unavailable(headers)))?
        .map_err(refuse)?;
    let snapshot = state.snapshot();
    let entry = auth::verify_request(&auth, &snapshot.keys, method.as_str(), uri.path(), body)
        .map_err(refuse)?;
    Ok(entry.fingerprint.clone().unwrap_or_default())
}

/// A request of the inbox API whose nonce and signature check out (see
/// [`authorize`]): its signer's fingerprint, its headers and its body.
pub struct Signed {
    /// The fingerprint of the member key that signed it.
    pub who: String,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its body.
    pub body: Bytes,
}

impl FromRequest<AppState> for Signed {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (parts, body) = request.into_parts();
        let (method, uri, headers) = (
            parts.method.clone(),
            parts.uri.clone(),
            parts.headers.clone(),
        );
        let body = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let who = authorize(state, &headers, &method, &uri, &body)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Self { who, headers, body })
    }
}

fn unavailable(headers: &HeaderMap) -> HttpError {
    HttpError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "storage-failed",
        "the report store is unavailable; try again later",
        &json_headers(headers),
    )
}

/// The request's JSON body as a `T`; else 422 with `code`, saying the body
/// is not `what`.
fn json_body<T: serde::de::DeserializeOwned>(
    body: &[u8],
    code: &'static str,
    what: &str,
    headers: &HeaderMap,
) -> Result<T, HttpError> {
    serde_json::from_slice(body).map_err(|e| {
        HttpError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
            format!("the body is not {what}: {e}"),
            &json_headers(headers),
        )
    })
}

fn not_found(id: &str, headers: &HeaderMap) -> HttpError {
    HttpError::new(
        StatusCode::NOT_FOUND,
        "unknown-report",
        format!(
            "no report with the id {:?}",
            id.chars().take(40).collect::<String>()
        ),
        &json_headers(headers),
    )
}

/// `POST /api/v1/inbox/pull`: the reports received or changed since the
/// request's cursor (every report without one), each with its state, reply
/// key and the messages stored since, as ciphertext; and the next cursor.
pub async fn pull(
    State(state): State<AppState>,
    Signed { who, headers, body }: Signed,
) -> Result<Response, HttpError> {
    let request: PullRequest = json_body(&body, "bad-pull", "a pull request", &headers)?;
    let since = request.since_time().transpose().map_err(|_| {
        HttpError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad-cursor",
            "the cursor is not one this server gave (pull with --all)",
            &json_headers(&headers),
        )
    })?;
    let started = chrono::Utc::now();
    let views = state
        .store
        .changed_since(since)
        .await
        .map_err(logged("reading the reports", || unavailable(&headers)))?;
    tracing::info!(
        "inbox pulled by {who} ({} reports, {})",
        views.len(),
        if since.is_some() { "changes" } else { "all" }
    );
    let reports = views
        .into_iter()
        .map(|v| WireReport::from_stored(&v.report, v.reply_key, &v.messages))
        .collect();
    Ok(axum::Json(PullAnswer {
        reports,
        cursor: Some(next_cursor(started)),
    })
    .into_response())
}

/// `POST /api/v1/inbox/reports/{id}/state`: sets a report's state.
pub async fn set_state(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Signed { who, headers, body }: Signed,
) -> Result<Response, HttpError> {
    let change: StateChange = json_body(&body, "bad-state-change", "a state change", &headers)?;
    let view = existing(&state, &id, &headers).await?;
    let report = state
        .store
        .set_state(id.clone(), change)
        .await
        .map_err(logged("setting a state", || unavailable(&headers)))?;
    tracing::info!("report {id} set to {} by {who}", report.state);
    Ok(axum::Json(WireReport::from_stored(&report, view.reply_key, &[])).into_response())
}

async fn existing(
    state: &AppState,
    id: &str,
    headers: &HeaderMap,
) -> Result<crate::store::ReportView, HttpError> {
    if !is_receipt_id(id) {
        return Err(not_found(id, headers));
    }
    state
        .store
        .report(id.to_string())
        .await
        .map_err(logged("reading a report", || unavailable(headers)))?
        .ok_or_else(|| not_found(id, headers))
}

/// `POST /api/v1/inbox/reports/{id}/replies`: stores a sealed reply (an
/// armoured OpenPGP message the member signed and encrypted to the
/// reporter's key).
pub async fn reply(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Signed { who, headers, body }: Signed,
) -> Result<Response, HttpError> {
    if body.len() > MAX_SEALED_REPLY_BYTES {
        return Err(HttpError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "reply-too-large",
            format!("a sealed reply is at most {MAX_SEALED_REPLY_BYTES} bytes"),
            &json_headers(&headers),
        ));
    }
    if !body.starts_with(b"-----BEGIN PGP MESSAGE-----") {
        return Err(HttpError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not-a-message",
            "a reply is an ASCII-armoured OpenPGP message (secpack inbox reply makes it)",
            &json_headers(&headers),
        ));
    }
    let view = existing(&state, &id, &headers).await?;
    if view.reply_key.is_none() {
        return Err(HttpError::new(
            StatusCode::CONFLICT,
            "no-reply-key",
            "this report came without a codename: its reporter cannot read replies here",
            &json_headers(&headers),
        ));
    }
    let stored = state
        .store
        .add_message(NewMessage {
            report: id.clone(),
            kind: MessageKind::Reply,
            author: Some(who.clone()),
            ciphertext: body.to_vec(),
        })
        .await
        .map_err(logged("storing a reply", || unavailable(&headers)))?;
    tracing::info!("reply {} to report {id} stored, by {who}", stored.id);
    Ok((
        StatusCode::CREATED,
        axum::Json(WireMessage::from_stored(&stored)),
    )
        .into_response())
}
