//! Report intake: the form page, and the handler that checks a submission,
//! encrypts it to the team's key and stores only the ciphertext.
//!
//! The plaintext lives only in this request's memory: it is never written to
//! disk nor logged (the log line says a report was stored, with its id).

use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use secpack::report::codename::{new_salt, Codename, DeriveError};
use secpack::report::inbox::ReporterAccess;
use secpack::report::submission::{FormField, Submission};
use serde::Serialize;

use crate::error::{logged, wants_json, BoxError, HttpError};
use crate::pages;
use crate::store::NewReport;
use crate::AppState;

/// Most parts a form may have (it has six fields).
pub const MAX_PARTS: usize = 16;

/// `GET /report/`: the form (plain HTML, no JavaScript).
pub async fn form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let snapshot = state.snapshot();
    let key = snapshot.key.as_ref().ok().map(|key| {
        serde_json::json!({
            "fingerprint": key.fingerprint,
            "names": key.user_ids.join(", "),
        })
    });
    let lang = pages::lang(&headers);
    Html(pages::render(
        lang,
        "report-form.html",
        serde_json::json!({
            "title": pages::text(lang, "report-title"),
            "root": "../",
            "key": key,
            "max_attachment": state.options.max_attachment_bytes,
        }),
    ))
    .into_response()
}

/// The answer to a stored report.
#[derive(Debug, Serialize)]
struct Receipt {
    id: String,
    received: String,
    encrypted_to: String,
    /// Shown once, never stored: the reporter's way back to the report.
    codename: String,
    /// Whether replies will be encrypted to the reporter's own key.
    replies_to_own_key: bool,
}

/// `POST /report/`: checks, encrypts, stores, answers with a receipt id
/// (HTML, or JSON with `Accept: application/json`).
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, HttpError> {
    let error = |status, code, message: String| HttpError::new(status, code, message, &headers);
    // The only rejection is a Content-Type that is not multipart/form-data
    // with a boundary: the parser's own words would not help a reporter.
    let mut multipart = multipart.map_err(|_: MultipartRejection| {
        error(
            StatusCode::BAD_REQUEST,
            "not-a-form",
            "send the report as multipart/form-data, as the form at /report/ does (the request is not of that type)".to_string(),
        )
    })?;
    let mut parts = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| form_error(e, &headers))?
    {
        if parts.len() == MAX_PARTS {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "too-many-parts",
                format!("the form has at most {MAX_PARTS} parts"),
            ));
        }
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let content_type = field.content_type().map(str::to_string);
        let data = field.bytes().await.map_err(|e| form_error(e, &headers))?;
        parts.push((name, file_name, content_type, data));
    }
    // The reporter's own key is for replies, not part of the report.
    let mut own_key = None;
    for (name, _, _, data) in &parts {
        if name == "public_key" && !data.iter().all(u8::is_ascii_whitespace) {
            if own_key.is_some() {
                return Err(error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "duplicate-field",
                    "the field public_key is given twice".into(),
                ));
            }
            own_key = Some(
                secpack::report::reply::reporter_key_armored(data).map_err(|e| {
                    error(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string())
                })?,
            );
        }
    }
    let fields = parts.iter().filter(|(name, ..)| name != "public_key").map(
        |(name, file_name, content_type, data)| FormField {
            name,
            file_name: file_name.as_deref(),
            content_type: content_type.as_deref(),
            data,
        },
    );
    let submission =
        Submission::from_fields(fields, state.options.max_attachment_bytes).map_err(|e| {
            let status = match e {
                secpack::report::submission::SubmissionError::AttachmentTooLarge(_) => {
                    StatusCode::PAYLOAD_TOO_LARGE
                }
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            error(status, e.code(), e.to_string())
        })?;
    drop(parts);
    let key = state.snapshot().key.clone().map_err(|e| {
        tracing::error!("report intake unavailable: {e}");
        error(
            StatusCode::SERVICE_UNAVAILABLE,
            "intake-unavailable",
            "report intake is unavailable right now; please write to the security team by e-mail"
                .into(),
        )
    })?;
    let fingerprint = key.fingerprint.clone();
    let replies_to_own_key = own_key.is_some();
    let sealed = tokio::task::spawn_blocking(move || -> Result<_, BoxError> {
        let plaintext = submission.to_plaintext();
        let ciphertext = key.encrypt(&plaintext, false)?;
        let (access, codename) = new_access(own_key)?;
        Ok((ciphertext, access, codename))
    })
    .await
    .map_err(BoxError::from)
    .and_then(|r| r)
    .map_err(logged("encrypting a report", || unavailable(&headers)))?;
    let (ciphertext, access, codename) = sealed;
    let (id, received) = state
        .store
        .insert_with_access(NewReport {
            ciphertext,
            key: fingerprint.clone(),
            access,
        })
        .await
        .map_err(logged("storing a report", || unavailable(&headers)))?;
    tracing::info!("report {id} stored");
    let receipt = Receipt {
        id,
        received: received.to_rfc3339(),
        encrypted_to: fingerprint,
        codename: codename.reveal(),
        replies_to_own_key,
    };
    // The receipt holds the codename: never cached.
    let lang = pages::lang(&headers);
    let no_store = [(axum::http::header::CACHE_CONTROL, "no-store")];
    if wants_json(&headers) {
        return Ok((StatusCode::CREATED, no_store, axum::Json(receipt)).into_response());
    }
    Ok((
        StatusCode::CREATED,
        no_store,
        Html(pages::render(
            lang,
            "report-receipt.html",
            serde_json::json!({
                "title": pages::text(lang, "receipt-title"),
                "root": "../",
                "receipt": receipt,
            }),
        )),
    )
        .into_response())
}

/// A new codename and what the server stores of it: its index, a salt,
/// the argon2id verifier, and the key replies are encrypted to (`own_key`,
/// the reporter's, or the one derived from the codename).
fn new_access(own_key: Option<String>) -> Result<(ReporterAccess, Codename), DeriveError> {
    let codename = Codename::generate()?;
    let salt = new_salt()?;
    let derived = codename.derive(&salt)?;
    let (reply_key, own) = match own_key {
        Some(k) => (k, true),
        None => (
            derived
                .reply_key(std::time::SystemTime::now())?
                .public_armored()?,
            false,
        ),
    };
    Ok((
        ReporterAccess {
            index: codename.index(),
            salt,
            verifier: derived.verifier.to_vec(),
            reply_key,
            own_key: own,
        },
        codename,
    ))
}

fn unavailable(headers: &HeaderMap) -> HttpError {
    HttpError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "storage-failed",
        "the report could not be stored; please try again later or write to the security team by e-mail",
        headers,
    )
}

/// A malformed or oversized body: 413 when a limit was hit, else 400.
fn form_error(e: MultipartError, headers: &HeaderMap) -> HttpError {
    let status = e.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        HttpError::new(
            status,
            "too-large",
            "the report is larger than the server accepts",
            headers,
        )
    } else {
        let status = if status.is_client_error() {
            status
        } else {
            StatusCode::BAD_REQUEST
        };
        HttpError::new(
            status,
            "malformed-form",
            format!("the form data could not be read: {}", e.body_text()),
            headers,
        )
    }
}
