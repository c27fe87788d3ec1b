//! The reporter's side after the receipt, without an account: with their
//! codename, `/report/status` shows the report's state and the team's
//! replies (decrypted in memory with the key derived from the codename, or
//! left encrypted to the reporter's own key), and `/report/follow-up` adds a
//! message, encrypted to the team like the report.
//!
//! No oracle: a codename that is wrong and one that is unknown get the same
//! answer after the same work (argon2id runs on a miss too, over a fixed
//! salt). Every attempt counts against the client's guessing budget, kept
//! in the store (shared by every instance); a successful one is given back.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::{Extension, Form};
use secpack::report::codename::{Codename, Derived, SALT_BYTES};
use secpack::report::inbox::{MessageKind, ReporterAccess};
use secpack::report::reply::{self, MAX_MESSAGE_BYTES};
use secpack::report::state::ReportState;
use serde::{Deserialize, Serialize};

use crate::error::{logged, wants_json, BoxError, HttpError};
use crate::pages;
use crate::store::{NewMessage, ReportView};
use crate::AppState;

/// The status form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusForm {
    codename: String,
}

/// The follow-up form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUpForm {
    codename: String,
    message: String,
}

/// `GET /report/status`: the codename form.
pub async fn form(headers: HeaderMap) -> Response {
    let lang = pages::lang(&headers);
    Html(status_page(lang, None, "")).into_response()
}

/// The status page: the codename form, or the report `shown`.
fn status_page(lang: &str, shown: Option<&Shown>, codename: &str) -> String {
    pages::render(
        lang,
        "report-status.html",
        serde_json::json!({
            "title": pages::text(lang, "status-title"),
            "root": "../",
            "shown": shown,
            "codename": codename,
            "max_message": MAX_MESSAGE_BYTES,
        }),
    )
}

/// A reply as the reporter sees it.
#[derive(Debug, Serialize)]
struct ShownReply {
    at: String,
    /// The text, when the server could decrypt it (codename key).
    text: Option<String>,
    /// The armoured message, when it is encrypted to the reporter's key.
    encrypted: Option<String>,
    /// Whether a certified security-team key signed it (`None` when the
    /// server cannot tell: encrypted to the reporter's own key).
    certified_signer: Option<bool>,
    signer: Option<String>,
}

/// The status document (JSON) or page.
#[derive(Debug, Serialize)]
struct Shown {
    id: String,
    received: String,
    state: ReportState,
    bulletin: Option<String>,
    bulletin_url: Option<String>,
    replies: Vec<ShownReply>,
    follow_ups: usize,
}

/// A salt used when the codename is unknown, so that the miss costs the
/// same argon2id run as a hit.
const MISS_SALT: [u8; SALT_BYTES] = *b"secpack-no-such!";

fn client_of(connect: &Option<Extension<ConnectInfo<SocketAddr>>>) -> IpAddr {
    connect
        .as_ref()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0 .0.ip())
}

/// Checks the codename (rate-limited, same answer and work for wrong and
/// unknown): the report's id, its access and what argon2id derived.
async fn authenticate(
    state: &AppState,
    client: IpAddr,
    headers: &HeaderMap,
    text: &str,
) -> Result<(String, ReporterAccess, Derived), HttpError> {
    let budget = state
        .store
        .take_guess(client)
        .await
        .map_err(logged("counting a codename attempt", || {
            unavailable(headers)
        }))?;
    if let Err(wait) = budget {
        let secs = (wait.as_secs_f64().ceil() as u64).max(1);
        let mut e = HttpError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            format!(
                "too many codename attempts from your address; try again in {}",
                crate::hardening::seconds(secs)
            ),
            headers,
        );
        e.retry_after = Some(secs);
        return Err(e);
    }
    let codename = Codename::parse(text).map_err(|e| {
        HttpError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            e.code(),
            e.to_string(),
            headers,
        )
    })?;
    let found = state
        .store
        .find_by_index(codename.index())
        .await
        .map_err(logged("looking up a codename", || unavailable(headers)))?;
    let salt = found
        .as_ref()
        .map_or(MISS_SALT.to_vec(), |(_, a)| a.salt.clone());
    let verifier = found
        .as_ref()
        .map_or(vec![0u8; 32], |(_, a)| a.verifier.clone());
    let derived = tokio::task::spawn_blocking(move || codename.derive(&salt))
        .await
        .map_err(BoxError::from)
        .and_then(|r| r.map_err(BoxError::from))
        .map_err(logged("deriving from a codename", || unavailable(headers)))?;
    match found {
        Some((id, access)) if derived.matches(&verifier) => {
            if let Err(e) = state.store.refund_guess(client).await {
                let e = crate::error::chain(&e);
                tracing::warn!("giving back a codename attempt failed: {e}");
            }
            Ok((id, access, derived))
        }
        _ => Err(HttpError::new(
            StatusCode::NOT_FOUND,
            "unknown-codename",
            pages::text(pages::lang(headers), "status-unknown"),
            headers,
        )),
    }
}

fn unavailable(headers: &HeaderMap) -> HttpError {
    HttpError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "storage-failed",
        "the report store is unavailable; please try again later",
        headers,
    )
}

fn malformed(e: FormRejection, headers: &HeaderMap) -> HttpError {
    HttpError::new(
        StatusCode::BAD_REQUEST,
        "malformed-form",
        format!(
            "send the form as application/x-www-form-urlencoded with the fields it has ({})",
            e.body_text()
        ),
        headers,
    )
}

/// `POST /report/status`: the report's state and replies for a codename.
pub async fn show(
    State(state): State<AppState>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    form: Result<Form<StatusForm>, FormRejection>,
) -> Result<Response, HttpError> {
    let Form(form) = form.map_err(|e| malformed(e, &headers))?;
    let client = client_of(&connect);
    let (id, access, derived) = authenticate(&state, client, &headers, &form.codename).await?;
    let view = state
        .store
        .report(id)
        .await
        .map_err(logged("reading a report", || unavailable(&headers)))?
        .ok_or_else(|| unavailable(&headers))?;
    let snapshot = state.snapshot();
    let keys = std::sync::Arc::clone(&snapshot.keys);
    let shown = tokio::task::spawn_blocking(move || shown(&view, &access, &derived, &keys))
        .await
        .map_err(|_| unavailable(&headers))?;
    let mut shown = shown;
    if let Some(n) = view_qsb(&shown) {
        let (name, url) = bulletin_link(&snapshot, n, pages::lang(&headers) == "fr");
        shown.bulletin = Some(name);
        shown.bulletin_url = url;
    }
    // The answer holds the codename and the replies: never cached.
    let no_store = [(header::CACHE_CONTROL, "no-store")];
    if wants_json(&headers) {
        return Ok((no_store, axum::Json(shown)).into_response());
    }
    Ok((
        no_store,
        Html(status_page(
            pages::lang(&headers),
            Some(&shown),
            &form.codename,
        )),
    )
        .into_response())
}

fn view_qsb(shown: &Shown) -> Option<u32> {
    shown
        .bulletin
        .as_deref()
        .and_then(|b| b.parse::<u32>().ok())
}

/// The bulletin's name and, when the site serves it, its address.
fn bulletin_link(
    snapshot: &crate::snapshot::Snapshot,
    number: u32,
    fr: bool,
) -> (String, Option<String>) {
    #[derive(Deserialize)]
    struct Entry {
        id: String,
        number: u32,
        path: String,
    }
    let entries: Vec<Entry> = serde_json::from_slice(&snapshot.api.bulletins).unwrap_or_default();
    match entries.into_iter().find(|e| e.number == number) {
        Some(e) => {
            // The site's page of the bulletin, in the reader's language
            // when there is one, else the bulletin's file.
            let stem = std::path::Path::new(&e.path)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let prefixes: &[&str] = if fr {
                &["fr/", "en/", ""]
            } else {
                &["en/", ""]
            };
            let url = prefixes
                .iter()
                .map(|p| format!("{p}bulletins/{stem}.html"))
                .chain(std::iter::once(e.path.clone()))
                .find(|path| snapshot.files.contains_key(path))
                .map(|path| format!("/{path}"));
            (e.id, url)
        }
        None => (format!("bulletin {number:03}"), None),
    }
}

/// What the reporter sees, replies decrypted in memory when encrypted to
/// the codename's key.
fn shown(
    view: &ReportView,
    access: &ReporterAccess,
    derived: &Derived,
    keys: &[secpack::trust::keyring::KeyEntry],
) -> Shown {
    let secret = if access.own_key {
        None
    } else {
        derived
            .reply_key_for(&access.reply_key)
            .map_err(|e| tracing::warn!("the reply key could not be derived: {e:#}"))
            .ok()
    };
    let replies = view
        .messages
        .iter()
        .filter(|m| m.kind == MessageKind::Reply)
        .map(|m| {
            let at = m.at.to_rfc3339();
            match &secret {
                Some(key) => match reply::open(key.secret_cert(), &m.ciphertext, keys) {
                    Ok(opened) => ShownReply {
                        at,
                        text: Some(opened.text),
                        encrypted: None,
                        certified_signer: Some(opened.signer.as_ref().is_some_and(|s| s.certified)),
                        signer: opened.signer.and_then(|s| s.file),
                    },
                    Err(e) => {
                        tracing::warn!("a reply could not be opened: {e:#}");
                        ShownReply {
                            at,
                            text: None,
                            encrypted: None,
                            certified_signer: Some(false),
                            signer: None,
                        }
                    }
                },
                None => ShownReply {
                    at,
                    text: None,
                    encrypted: Some(String::from_utf8_lossy(&m.ciphertext).into_owned()),
                    certified_signer: None,
                    signer: m.author.clone(),
                },
            }
        })
        .collect();
    Shown {
        id: view.report.id.clone(),
        received: view.report.received.to_rfc3339(),
        state: view.report.state,
        // The page says "published in": a bulletin the team has linked
        // before publishing is not named (nor announced) to the reporter.
        bulletin: view
            .report
            .qsb
            .filter(|_| view.report.state == ReportState::Published)
            .map(|n| n.to_string()),
        bulletin_url: None,
        replies,
        follow_ups: view
            .messages
            .iter()
            .filter(|m| m.kind == MessageKind::FollowUp)
            .count(),
    }
}

/// `POST /report/follow-up`: a reporter's message, encrypted to the team.
pub async fn follow_up(
    State(state): State<AppState>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    form: Result<Form<FollowUpForm>, FormRejection>,
) -> Result<Response, HttpError> {
    let Form(form) = form.map_err(|e| malformed(e, &headers))?;
    if form.message.len() > MAX_MESSAGE_BYTES {
        return Err(HttpError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "follow-up-too-large",
            format!(
                "a follow-up message is at most {MAX_MESSAGE_BYTES} bytes; this one has {}",
                form.message.len()
            ),
            &headers,
        ));
    }
    if form.message.trim().is_empty() {
        return Err(HttpError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "missing-field",
            "the message is empty",
            &headers,
        ));
    }
    let client = client_of(&connect);
    let (id, _, _) = authenticate(&state, client, &headers, &form.codename).await?;
    let key = state
        .snapshot()
        .key
        .clone()
        .map_err(|_| unavailable(&headers))?;
    let document = serde_json::json!({
        "format": secpack::report::thread::FOLLOW_UP_FORMAT,
        "report": id,
        "message": form.message,
    });
    let plaintext = serde_json::to_vec_pretty(&document).map_err(|_| unavailable(&headers))?;
    drop(form);
    let ciphertext = tokio::task::spawn_blocking(move || key.encrypt(&plaintext, true))
        .await
        .map_err(BoxError::from)
        .and_then(|r| r.map_err(BoxError::from))
        .map_err(logged("encrypting a follow-up", || unavailable(&headers)))?;
    let stored = state
        .store
        .add_message(NewMessage {
            report: id.clone(),
            kind: MessageKind::FollowUp,
            author: None,
            ciphertext,
        })
        .await
        .map_err(logged("storing a follow-up", || unavailable(&headers)))?;
    tracing::info!("follow-up {} to report {id} stored", stored.id);
    if wants_json(&headers) {
        return Ok((
            StatusCode::CREATED,
            axum::Json(
                serde_json::json!({"id": stored.id, "report": id, "at": stored.at.to_rfc3339()}),
            ),
        )
            .into_response());
    }
    let lang = pages::lang(&headers);
    let page = pages::render(
        lang,
        "report-sent.html",
        serde_json::json!({"title": pages::text(lang, "status-title"), "root": "../"}),
    );
    Ok((StatusCode::CREATED, Html(page)).into_response())
}
