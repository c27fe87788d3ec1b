//! Report intake: the form page, and the handler that checks a submission,
//! encrypts it to the team's key and stores only the ciphertext.
//!
//! The plaintext lives only in this request's memory: it is never written to
//! disk nor logged (the log line says a report was stored, with its id).

use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use secpack::report::submission::{FormField, Submission};
use serde::Serialize;

use crate::error::{escape_html, wants_json, HttpError};
use crate::AppState;

/// Most parts a form may have (it has five fields).
pub const MAX_PARTS: usize = 16;

/// `GET /report/`: the form (plain HTML, no JavaScript).
pub async fn form(State(state): State<AppState>) -> Response {
    let snapshot = state.snapshot();
    let key = match &snapshot.key {
        Ok(key) => format!(
            "<p>Your report is encrypted on arrival to the security team's key \
             <code>{}</code> ({}); only the team can read it.</p>",
            escape_html(&key.fingerprint),
            escape_html(&key.user_ids.join(", "))
        ),
        Err(_) => "<p><strong>Report intake is unavailable right now.</strong></p>".to_string(),
    };
    let max = state.options.max_attachment_bytes;
    Html(format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Report a vulnerability</title><link rel="stylesheet" href="../style.css"></head>
<body><main>
<h1>Report a vulnerability</h1>
{key}
<form method="post" action="../report/" enctype="multipart/form-data">
<p><label for="summary">Summary (one line)</label><br>
<input id="summary" name="summary" required maxlength="200" size="60"></p>
<p><label for="affected">Affected versions</label><br>
<input id="affected" name="affected" required maxlength="2000" size="60"></p>
<p><label for="details">Details: what you found, how to reproduce it, its impact</label><br>
<textarea id="details" name="details" required rows="14" cols="70"></textarea></p>
<p><label for="contact">How to reach you (optional)</label><br>
<input id="contact" name="contact" maxlength="320" size="60"></p>
<p><label for="attachment">Attachment (optional, at most {max} bytes)</label><br>
<input id="attachment" name="attachment" type="file"></p>
<p><button type="submit">Send the report</button></p>
</form>
</main></body></html>
"#
    ))
    .into_response()
}

/// The answer to a stored report.
#[derive(Debug, Serialize)]
struct Receipt {
    id: String,
    received: String,
    encrypted_to: String,
}

/// `POST /report/`: checks, encrypts, stores, answers with a receipt id
/// (HTML, or JSON with `Accept: application/json`).
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, HttpError> {
    let error = |status, code, message: String| HttpError::new(status, code, message, &headers);
    let mut multipart = multipart.map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            "not-a-form",
            format!("send the report as multipart/form-data ({})", e.body_text()),
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
    let fields = parts
        .iter()
        .map(|(name, file_name, content_type, data)| FormField {
            name,
            file_name: file_name.as_deref(),
            content_type: content_type.as_deref(),
            data,
        });
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
    let ciphertext = tokio::task::spawn_blocking(move || {
        let plaintext = submission.to_plaintext();
        key.encrypt(&plaintext, false)
    })
    .await
    .map_err(anyhow::Error::from)
    .and_then(|r| r)
    .map_err(|e| {
        tracing::error!("encrypting a report failed: {e:#}");
        unavailable(&headers)
    })?;
    let (id, received) = state
        .store
        .insert(ciphertext, fingerprint.clone())
        .await
        .map_err(|e| {
            tracing::error!("storing a report failed: {e:#}");
            unavailable(&headers)
        })?;
    tracing::info!("report {id} stored");
    let receipt = Receipt {
        id,
        received: received.to_rfc3339(),
        encrypted_to: fingerprint,
    };
    if wants_json(&headers) {
        return Ok((StatusCode::CREATED, axum::Json(receipt)).into_response());
    }
    Ok((
        StatusCode::CREATED,
        Html(format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Report received</title>\
             <link rel=\"stylesheet\" href=\"../style.css\"></head>\n<body><main><h1>Report received</h1>\
             <p>Thank you. Your report was encrypted to the security team's key <code>{}</code> and stored.</p>\
             <p>Your receipt id is <strong><code>{}</code></strong> (received {}). Quote it when you \
             write to the team about this report.</p></main></body></html>\n",
            escape_html(&receipt.encrypted_to),
            escape_html(&receipt.id),
            escape_html(&receipt.received),
        )),
    )
        .into_response())
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
