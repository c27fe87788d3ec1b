//! The server's inbox API, as a team member's machine uses it (`secpack
//! inbox pull`, `status` and `reply` with `--server`), and the documents it
//! exchanges. Every request is signed over a fresh server nonce
//! ([`super::auth`]); only ciphertext crosses the wire.
//!
//! * `POST /api/v1/inbox/nonce` → `{"nonce", "expires_in"}`;
//! * `POST /api/v1/inbox/pull` with [`PullRequest`] → [`PullAnswer`]: what
//!   changed since the request's cursor (everything without one), and the
//!   cursor to send next time, which the member's inbox keeps per server;
//! * `POST /api/v1/inbox/reports/ID/state` with [`StateChange`] → the
//!   report ([`WireReport`] without messages);
//! * `POST /api/v1/inbox/reports/ID/replies` with the armoured reply → the
//!   stored message ([`WireMessage`]).

use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::auth::RequestSigningError;
use super::inbox::{Inbox, InboxError, ReplyKeyInfo, StoredMessage, StoredReport};
use super::state::ReportState;
use crate::error::{Coded, ErrorClass};
use crate::http::BadUrl;
use crate::signing::SigningKey;

/// Largest answer read from the server.
pub const MAX_ANSWER_BYTES: u64 = 512 << 20;

/// The paths of the API.
pub mod paths {
    /// Issues a nonce.
    pub const NONCE: &str = "/api/v1/inbox/nonce";
    /// Everything the member's inbox may lack.
    pub const PULL: &str = "/api/v1/inbox/pull";
    /// The path of report `id`'s state.
    pub fn state(id: &str) -> String {
        format!("/api/v1/inbox/reports/{id}/state")
    }
    /// The path of report `id`'s replies.
    pub fn replies(id: &str) -> String {
        format!("/api/v1/inbox/reports/{id}/replies")
    }
}

/// A nonce, as the server issues it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NonceAnswer {
    /// The nonce (64 lower-case hex digits).
    pub nonce: String,
    /// Seconds it may be used for.
    pub expires_in: u64,
}

/// A message on the wire: the stored message, its ciphertext in base64.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireMessage {
    /// The message (its ciphertext apart).
    #[serde(flatten)]
    pub message: StoredMessage,
    /// The OpenPGP message, base64.
    pub ciphertext: String,
}

impl WireMessage {
    /// The wire form of `m`.
    pub fn from_stored(m: &StoredMessage) -> Self {
        Self {
            message: StoredMessage {
                ciphertext: Vec::new(),
                ..m.clone()
            },
            ciphertext: b64(&m.ciphertext),
        }
    }

    /// Back to a stored message.
    pub fn to_stored(&self) -> Result<StoredMessage, RemoteError> {
        let ciphertext = unb64(&self.ciphertext)?;
        Ok(StoredMessage {
            size: ciphertext.len(),
            ciphertext,
            ..self.message.clone()
        })
    }
}

/// A report on the wire: the stored report, its ciphertext in base64, with
/// its reply key and messages.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireReport {
    /// The report (its ciphertext apart).
    #[serde(flatten)]
    pub report: StoredReport,
    /// The OpenPGP message, base64.
    pub ciphertext: String,
    /// The key replies are encrypted to.
    pub reply_key: Option<ReplyKeyInfo>,
    /// Follow-ups and replies, oldest first.
    #[serde(default)]
    pub messages: Vec<WireMessage>,
}

impl WireReport {
    /// The wire form of a stored report.
    pub fn from_stored(
        r: &StoredReport,
        reply_key: Option<ReplyKeyInfo>,
        messages: &[StoredMessage],
    ) -> Self {
        Self {
            report: StoredReport {
                ciphertext: Vec::new(),
                ..r.clone()
            },
            ciphertext: b64(&r.ciphertext),
            reply_key,
            messages: messages.iter().map(WireMessage::from_stored).collect(),
        }
    }

    fn to_stored(&self) -> Result<StoredReport, RemoteError> {
        if !super::inbox::is_receipt_id(&self.report.id) {
            return Err(RemoteError::BadAnswer(format!(
                "a report with a malformed id {:?}",
                self.report.id
            )));
        }
        let ciphertext = unb64(&self.ciphertext)?;
        Ok(StoredReport {
            size: ciphertext.len(),
            ciphertext,
            ..self.report.clone()
        })
    }
}

/// How far back the cursor of a pull reaches before the pull's start: a
/// change committed late, or stamped by an instance whose clock lags, is
/// sent again rather than missed (merging it twice changes nothing).
pub const PULL_OVERLAP: chrono::Duration = chrono::Duration::minutes(5);

/// A pull: what changed since `since`, the cursor of the last pull (every
/// report when absent).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullRequest {
    /// The cursor the server gave at the last pull.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
}

impl PullRequest {
    /// The time the cursor stands for (server side): an RFC 3339 time.
    pub fn since_time(&self) -> Option<Result<DateTime<Utc>, chrono::ParseError>> {
        self.since
            .as_deref()
            .map(|c| DateTime::parse_from_rfc3339(c).map(|t| t.with_timezone(&Utc)))
    }
}

/// The cursor a pull that started at `started` answers with.
pub fn next_cursor(started: DateTime<Utc>) -> String {
    (started - PULL_OVERLAP).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The answer to a pull.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PullAnswer {
    /// The reports received or changed since the cursor (every report
    /// without one), each with the messages stored since.
    pub reports: Vec<WireReport>,
    /// The cursor to send with the next pull.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// A state change pushed to the server.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StateChange {
    /// The new state.
    pub state: ReportState,
    /// The bulletin covering the report.
    pub qsb: Option<u32>,
}

/// An error answer of the server.
#[derive(Debug, Clone, Deserialize)]
struct ErrorAnswer {
    error: ErrorBody,
}

#[derive(Debug, Clone, Deserialize)]
struct ErrorBody {
    code: String,
    message: String,
}

/// The server refused a request (its code and message).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code} (HTTP {status}): {message}")]
pub struct Refused {
    /// HTTP status.
    pub status: u16,
    /// The server's stable code.
    pub code: String,
    /// Its message.
    pub message: String,
}

/// Why a request to the server's inbox API failed. Every variant has a
/// stable code.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// `--server` is not an http(s) URL.
    #[error(transparent)]
    BadUrl(#[from] BadUrl),
    /// The request could not be made, or its answer not read.
    #[error("the request to {url} failed: {source}")]
    Http {
        /// The URL.
        url: String,
        /// The HTTP client's error.
        #[source]
        source: Box<ureq::Error>,
    },
    /// The server answered with an error (its code and message follow).
    #[error("the server refused the request")]
    Refused(#[from] Refused),
    /// The server's answer is not what the API promises.
    #[error("the server's answer is malformed: {0}")]
    BadAnswer(String),
    /// The request could not be signed.
    #[error(transparent)]
    Sign(#[from] RequestSigningError),
    /// The local inbox failed.
    #[error(transparent)]
    Inbox(#[from] InboxError),
}

impl Coded for RemoteError {
    fn code(&self) -> &'static str {
        match self {
            Self::BadUrl(e) => e.code(),
            Self::Http { .. } => "server-unreachable",
            Self::Refused(_) => "server-refused",
            Self::BadAnswer(_) => "bad-server-answer",
            Self::Sign(e) => e.code(),
            Self::Inbox(e) => e.code(),
        }
    }
    fn class(&self) -> ErrorClass {
        match self {
            Self::BadUrl(e) => e.class(),
            Self::Sign(e) => e.class(),
            Self::Inbox(e) => e.class(),
            Self::Http { .. } | Self::Refused(_) | Self::BadAnswer(_) => ErrorClass::Failure,
        }
    }
}

/// A client of one server's inbox API, signing with one member's key.
pub struct Remote<'a> {
    base: String,
    key: &'a SigningKey,
    agent: ureq::Agent,
}

impl std::fmt::Debug for Remote<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote").field("base", &self.base).finish()
    }
}

/// What a pull brought.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PullSummary {
    /// The cursor the pull started from (`None`: everything was fetched).
    pub since: Option<String>,
    /// Reports the server sent (changed since the cursor, or all).
    pub reports: usize,
    /// Reports new or changed in the local inbox.
    pub changed: Vec<String>,
    /// The cursor remembered for the next pull.
    pub cursor: Option<String>,
}

impl<'a> Remote<'a> {
    /// A client of the server at `base` (its root URL).
    pub fn new(base: &str, key: &'a SigningKey) -> Result<Self, RemoteError> {
        let base = base.trim_end_matches('/').to_string();
        crate::http::check_base_url("--server", &base)?;
        let agent = crate::http::agent(crate::http::ClientOptions {
            timeout: std::time::Duration::from_secs(120),
            max_redirects: 0,
            status_as_error: false,
        });
        Ok(Self { base, key, agent })
    }

    /// Sends a signed `POST path` with `body`; returns the answer's body.
    fn post(&self, path: &str, body: &[u8], content_type: &str) -> Result<Vec<u8>, RemoteError> {
        let nonce_url = format!("{}{}", self.base, paths::NONCE);
        let nonce: NonceAnswer = {
            let answer = self
                .agent
                .post(&nonce_url)
                .header("Accept", "application/json")
                .send_empty();
            parse(&read_answer(&nonce_url, answer, 4096)?)?
        };
        let auth = super::auth::sign_request(self.key, &nonce.nonce, "POST", path, body)?;
        let url = format!("{}{path}", self.base);
        let answer = self
            .agent
            .post(&url)
            .header("Accept", "application/json")
            .header("Authorization", &auth)
            .header("Content-Type", content_type)
            .send(body);
        read_answer(&url, answer, MAX_ANSWER_BYTES)
    }

    /// Fetches what changed on the server since the cursor `inbox` keeps
    /// for it (everything when there is none, or with `all`): new reports,
    /// state changes, follow-ups and replies; merges them into `inbox`, then
    /// remembers the server's new cursor there.
    pub fn pull(&self, inbox: &mut Inbox, all: bool) -> Result<PullSummary, RemoteError> {
        let since = if all {
            None
        } else {
            inbox.pull_cursor(&self.base)?
        };
        let request = PullRequest {
            since: since.clone(),
        };
        let bytes = self.post(paths::PULL, &json(&request), "application/json")?;
        let answer: PullAnswer = parse(&bytes)?;
        let mut summary = PullSummary {
            since,
            reports: answer.reports.len(),
            cursor: answer.cursor.clone(),
            ..PullSummary::default()
        };
        for r in &answer.reports {
            let stored = r.to_stored()?;
            let messages = r
                .messages
                .iter()
                .map(WireMessage::to_stored)
                .collect::<Result<Vec<_>, _>>()?;
            if inbox.merge(&stored, r.reply_key.as_ref(), &messages)? {
                summary.changed.push(stored.id);
            }
        }
        // Only once everything is merged: a pull cut short starts again
        // from the old cursor.
        if let Some(cursor) = &answer.cursor {
            inbox.set_pull_cursor(&self.base, cursor, Utc::now())?;
        }
        Ok(summary)
    }

    /// Sets the state of report `id` on the server.
    pub fn set_state(&self, id: &str, change: &StateChange) -> Result<WireReport, RemoteError> {
        let bytes = self.post(&paths::state(id), &json(change), "application/json")?;
        parse(&bytes)
    }

    /// Stores a sealed reply to report `id` on the server.
    pub fn reply(&self, id: &str, sealed: &[u8]) -> Result<WireMessage, RemoteError> {
        let bytes = self.post(&paths::replies(id), sealed, "application/pgp-encrypted")?;
        parse(&bytes)
    }
}

/// The body of an answer to a request to `url`, at most `limit` bytes; an
/// error for a non-2xx answer, with the server's code when it gave one.
fn read_answer(
    url: &str,
    answer: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    limit: u64,
) -> Result<Vec<u8>, RemoteError> {
    let failed = |source| RemoteError::Http {
        url: url.to_string(),
        source: Box::new(source),
    };
    let mut answer = answer.map_err(failed)?;
    let body = answer
        .body_mut()
        .with_config()
        .limit(limit)
        .read_to_vec()
        .map_err(failed)?;
    let status = answer.status().as_u16();
    if (200..300).contains(&status) {
        return Ok(body);
    }
    let (code, message) = match serde_json::from_slice::<ErrorAnswer>(&body) {
        Ok(e) => (e.error.code, e.error.message),
        Err(_) => ("http-error".to_string(), format!("HTTP {status}")),
    };
    Err(Refused {
        status,
        code,
        message,
    }
    .into())
}

/// A request document as JSON.
fn json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("a request document serialises")
}

/// An answer document of the API.
fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, RemoteError> {
    serde_json::from_slice(bytes).map_err(|e| RemoteError::BadAnswer(e.to_string()))
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(text: &str) -> Result<Vec<u8>, RemoteError> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| RemoteError::BadAnswer(format!("a ciphertext is not base64: {e}")))
}
