//! Report intake: the form page, and the handler that checks a submission,
//! encrypts it to the team's key and stores only the ciphertext.
//!
//! The plaintext lives only in this request's memory: it is never written to
//! disk nor logged (the log line says a report was stored, with its id).

use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use secpack::report::codename::{new_salt, Codename};
use secpack::report::inbox::ReporterAccess;
use secpack::report::submission::{FormField, Submission};
use serde::Serialize;

use crate::error::{escape_html, wants_json, HttpError};
use crate::AppState;

/// Most parts a form may have (it has six fields).
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
<p><label for="public_key">Your OpenPGP public key, to encrypt the team's replies to (optional; without it, replies are encrypted to a key only your codename opens)</label><br>
<textarea id="public_key" name="public_key" rows="4" cols="70"></textarea></p>
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
    let sealed = tokio::task::spawn_blocking(move || {
        let plaintext = submission.to_plaintext();
        let ciphertext = key.encrypt(&plaintext, false)?;
        let (access, codename) = new_access(own_key)?;
        anyhow::Ok((ciphertext, access, codename))
    })
    .await
    .map_err(anyhow::Error::from)
    .and_then(|r| r)
    .map_err(|e| {
        tracing::error!("encrypting a report failed: {e:#}");
        unavailable(&headers)
    })?;
    let (ciphertext, access, codename) = sealed;
    let (id, received) = state
        .store
        .insert_with_access(ciphertext, fingerprint.clone(), access)
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
        codename: codename.reveal(),
        replies_to_own_key,
    };
    // The receipt holds the codename: never cached.
    let no_store = [(axum::http::header::CACHE_CONTROL, "no-store")];
    if wants_json(&headers) {
        return Ok((StatusCode::CREATED, no_store, axum::Json(receipt)).into_response());
    }
    Ok((
        StatusCode::CREATED,
        no_store,
        Html(format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Report received</title>\
             <link rel=\"stylesheet\" href=\"../style.css\"></head>\n<body><main><h1>Report received</h1>\
             <p>Thank you. Your report was encrypted to the security team's key <code>{}</code> and stored.</p>\
             <p>Your receipt id is <strong><code>{}</code></strong> (received {}). Quote it when you \
             write to the team about this report.</p>\
             <p>Your codename is <strong><code>{}</code></strong>. Write it down now: it is shown \
             only once and the server does not keep it. With it, <a href=\"../report/status\">the \
             status page</a> shows where your report stands and the team's replies, and lets you \
             add a message. Anyone who has it can read the replies.</p></main></body></html>\n",
            escape_html(&receipt.encrypted_to),
            escape_html(&receipt.id),
            escape_html(&receipt.received),
            escape_html(&receipt.codename),
        )),
    )
        .into_response())
}

/// A new codename and what the server stores of it: its index, a salt,
/// the argon2id verifier, and the key replies are encrypted to (`own_key`,
/// the reporter's, or the one derived from the codename).
fn new_access(own_key: Option<String>) -> anyhow::Result<(ReporterAccess, Codename)> {
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
