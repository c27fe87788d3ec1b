//! The report store: where the server keeps what several instances must
//! share — the encrypted reports, the rate-limit counters and the alert
//! state — behind one trait, [`ReportStore`], with two backends:
//!
//! * [`sqlite`]: the embedded default, one file next to the server (the
//!   inbox of `secpack inbox`); the submission rate-limit counters in the
//!   process's memory, since one process serves it.
//! * [`postgres`]: a PostgreSQL database shared by any number of `secpack
//!   serve` instances behind a load balancer; the counters and the alert
//!   state live in the database too.
//!
//! On both, the inbox API's nonces and the codename-guessing budget live in
//! the database and are judged by the database's clock: a nonce issued by
//! one instance is redeemed once by any, and a client's guesses count
//! against one budget whichever instance answers them.
//!
//! The trait is object-safe (`async_trait`, used as `Arc<dyn ReportStore>`)
//! rather than an enum over the backends: the handlers, the alerts and the
//! tests see one type, a backend is one file that implements it, and a test
//! can wrap a backend (to make it fail, for instance) without touching the
//! others. The cost, one boxed future per call, is nothing beside a synced
//! commit.

pub mod postgres;
pub mod sqlite;

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use secpack::report::auth::AuthError;
use secpack::report::inbox::{
    MessageKind, ReplyKeyInfo, ReporterAccess, StoredMessage, StoredReport,
};
use secpack::report::state::ReportState;

use crate::ratelimit::Exhausted;

/// The server's handle on its store.
pub type Store = Arc<dyn ReportStore>;

/// Where the store lives, as `--db` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file (`--db PATH` or `--db sqlite:PATH`).
    Sqlite(PathBuf),
    /// A PostgreSQL database (`--db postgres://...` or `postgresql://...`).
    Postgres(String),
}

impl Database {
    /// Reads a `--db` value: a `postgres://` or `postgresql://` URL, a
    /// `sqlite:` prefixed path, or a plain path (SQLite).
    pub fn parse(text: &str) -> Result<Self> {
        anyhow::ensure!(!text.is_empty(), "the database is empty");
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(Self::Postgres(text.to_string()));
        }
        if let Some(path) = text.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            anyhow::ensure!(!path.is_empty(), "sqlite: needs a path");
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        anyhow::ensure!(
            !text.contains("://"),
            "unknown database URL scheme (use a path, sqlite:PATH or postgres://...)"
        );
        Ok(Self::Sqlite(PathBuf::from(text)))
    }

    /// A description safe to print and log: the path, or the PostgreSQL
    /// URL without its password and query.
    pub fn display(&self) -> String {
        match self {
            Self::Sqlite(path) => path.display().to_string(),
            Self::Postgres(url) => redact(url),
        }
    }
}

/// `url` without its password and query (which may hold secrets).
fn redact(url: &str) -> String {
    let url = url.split(['?', '#']).next().unwrap_or_default();
    let Some((scheme, rest)) = url.split_once("://") else {
        return String::new();
    };
    match rest.rsplit_once('@') {
        Some((user, host)) => {
            let user = user.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}@{host}")
        }
        None => format!("{scheme}://{rest}"),
    }
}

/// Opens the store: creates or migrates its schema (idempotently, also when
/// several instances start at once). `rate_limit_per_minute` is the budget
/// of reports stored per client and minute (0: no limit; see
/// [`crate::ratelimit`]).
pub async fn open(db: &Database, rate_limit_per_minute: u32) -> Result<Store> {
    Ok(match db {
        Database::Sqlite(path) => {
            let path = path.clone();
            let store = tokio::task::spawn_blocking(move || {
                sqlite::SqliteStore::open(&path, rate_limit_per_minute)
            })
            .await??;
            Arc::new(store)
        }
        Database::Postgres(url) => {
            Arc::new(postgres::PostgresStore::connect(url, rate_limit_per_minute).await?)
        }
    })
}

/// What [`ReportStore::count_since`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Counted {
    /// Reports received.
    Reports,
    /// Follow-up messages from reporters.
    FollowUps,
}

/// The state of one digest (the alert for one slot), shared by every
/// instance through the store. It holds counts and times, never content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestState {
    /// The hour the digest is for (it covers the period before it).
    pub slot: DateTime<Utc>,
    /// New reports in the period.
    pub reports: u64,
    /// Follow-ups in the period.
    pub follow_ups: u64,
    /// Whether every channel delivered it.
    pub delivered: bool,
    /// Whether the instance gave up on it (the next slot came).
    pub abandoned: bool,
    /// Each channel's outcome.
    pub channels: Vec<ChannelState>,
}

/// How one alert channel fared with a digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelState {
    /// `smtp` or `webhook`.
    pub channel: String,
    /// Whether it delivered.
    pub delivered: bool,
    /// Failed attempts so far.
    pub failures: u32,
    /// When the last attempt failed, if one did.
    pub last_failure: Option<DateTime<Utc>>,
    /// The stable code of the last failure (never its text: it could name
    /// hosts or accounts).
    pub last_error: Option<String>,
}

/// The store of reports, rate-limit counters and alert state.
///
/// Every method is safe to call from several instances at once (on a
/// backend several instances may share).
#[async_trait]
pub trait ReportStore: Send + Sync + std::fmt::Debug {
    /// The backend's name (`sqlite`, `postgres`).
    fn backend(&self) -> &'static str;

    /// Whether the store answers.
    async fn ping(&self) -> Result<()>;

    /// Stores `ciphertext` (encrypted to `key`); returns the receipt id and
    /// the time received once the row is durably committed.
    async fn insert(&self, ciphertext: Vec<u8>, key: String) -> Result<(String, DateTime<Utc>)>;

    /// Before a report submission from `client` is handled: reserves a token
    /// of each budget (see [`crate::ratelimit::SubmissionLimiter`]); refused
    /// when either is empty. A store that cannot be reached lets the
    /// submission through (storing it will then fail, and be answered so).
    async fn begin_submission(&self, client: IpAddr) -> Result<(), Exhausted>;

    /// After it was handled: keeps the token of the budget it counts against
    /// (reports `stored`, or refused) and gives the other back.
    async fn finish_submission(&self, client: IpAddr, stored: bool);

    /// How many `kind` arrived in `[since, until)`.
    async fn count_since(
        &self,
        kind: Counted,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<u64>;

    /// Claims the digest of `slot` for `instance` until `now + lease`: true
    /// when this instance is now the one to send it (nobody claimed it, or
    /// the claim of another lapsed and it is not finished). Starts its state
    /// with `initial` when the slot is new.
    async fn claim_digest(
        &self,
        initial: &DigestState,
        instance: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<bool>;

    /// Records the state of a digest `instance` holds, and extends its claim
    /// to `lease_until`; `finished` releases it for good (delivered or
    /// abandoned). Ignored when `instance` no longer holds the claim.
    async fn record_digest(
        &self,
        instance: &str,
        state: &DigestState,
        finished: bool,
        lease_until: DateTime<Utc>,
    ) -> Result<()>;

    /// The most recent digest's state, whoever sent it.
    async fn last_digest(&self) -> Result<Option<DigestState>>;

    /// Stores a report as [`ReportStore::insert`] does, with how its
    /// reporter comes back to it (their codename's index, salt and
    /// verifier; the key replies are encrypted to), in one commit.
    async fn insert_with_access(
        &self,
        ciphertext: Vec<u8>,
        key: String,
        access: ReporterAccess,
    ) -> Result<(String, DateTime<Utc>)>;

    /// The report whose codename has the lookup index `index`.
    async fn find_by_index(&self, index: String) -> Result<Option<(String, ReporterAccess)>>;

    /// Report `id` with its reply key and its messages.
    async fn report(&self, id: String) -> Result<Option<ReportView>>;

    /// The team's pull: every report received, changed, or with a message
    /// stored at or after `since` (every report when `None`), oldest first,
    /// with its reply key and the messages stored at or after `since`.
    async fn changed_since(&self, since: Option<DateTime<Utc>>) -> Result<Vec<ReportView>>;

    /// Stores a follow-up or a reply about report `id`; committed on return.
    async fn add_message(
        &self,
        id: String,
        kind: MessageKind,
        author: Option<String>,
        ciphertext: Vec<u8>,
    ) -> Result<StoredMessage>;

    /// Sets the handling state of report `id` (and its bulletin number when
    /// `qsb` is given).
    async fn set_state(
        &self,
        id: String,
        state: ReportState,
        qsb: Option<u32>,
    ) -> Result<StoredReport>;

    /// Issues a nonce for the inbox API, redeemable once until `lifetime`
    /// from now by the database's clock. Expired nonces are purged, and at
    /// most [`MAX_OUTSTANDING_NONCES`] are kept (the oldest dropped first).
    async fn issue_nonce(&self, lifetime: Duration) -> Result<String>;

    /// Redeems `nonce` once, atomically: the first redemption of an issued,
    /// unexpired nonce is `Ok`, on any instance sharing the store; a second
    /// one is [`AuthError::ReplayedNonce`]; a nonce never issued, expired or
    /// purged is [`AuthError::UnknownNonce`]. The outer error is the store's.
    async fn redeem_nonce(&self, nonce: String) -> Result<Result<(), AuthError>>;

    /// Takes one codename attempt from `client`'s guessing budget (as many
    /// per minute as reports, [`crate::Options::rate_limit_per_minute`]; 0:
    /// no limit), counted in the database by its clock; when the budget is
    /// empty, how long until an attempt is allowed.
    async fn take_guess(&self, client: IpAddr) -> Result<Result<(), Duration>>;

    /// Gives back the attempt a right codename took (never above the burst).
    async fn refund_guess(&self, client: IpAddr) -> Result<()>;
}

/// Most inbox API nonces a store keeps outstanding at once.
pub use secpack::report::auth::MAX_OUTSTANDING_NONCES;

/// The name of the guessing budget among a store's rate-limit buckets.
const GUESSES: &str = "codename-guesses";

/// A report with the key replies are encrypted to and its messages.
#[derive(Debug, Clone)]
pub struct ReportView {
    /// The report.
    pub report: StoredReport,
    /// The key replies are encrypted to, when the reporter has a codename.
    pub reply_key: Option<ReplyKeyInfo>,
    /// Follow-ups and replies, oldest first.
    pub messages: Vec<StoredMessage>,
}

/// The views of `reports` (each with its reply key), each with its
/// `messages`, in the order of `reports`; messages about other reports are
/// dropped.
fn assemble(
    reports: Vec<(StoredReport, Option<ReplyKeyInfo>)>,
    messages: Vec<StoredMessage>,
) -> Vec<ReportView> {
    let mut by_report: std::collections::HashMap<String, Vec<StoredMessage>> =
        std::collections::HashMap::new();
    for m in messages {
        by_report.entry(m.report.clone()).or_default().push(m);
    }
    reports
        .into_iter()
        .map(|(report, reply_key)| ReportView {
            messages: by_report.remove(&report.id).unwrap_or_default(),
            reply_key,
            report,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_and_paths() {
        assert_eq!(
            Database::parse("/var/lib/inbox.sqlite").unwrap(),
            Database::Sqlite("/var/lib/inbox.sqlite".into())
        );
        assert_eq!(
            Database::parse("sqlite:rel/inbox.sqlite").unwrap(),
            Database::Sqlite("rel/inbox.sqlite".into())
        );
        assert_eq!(
            Database::parse("sqlite:///abs.sqlite").unwrap(),
            Database::Sqlite("/abs.sqlite".into())
        );
        let url = "postgres://secpack:hunter2@db.example:5432/secpack?sslmode=require";
        assert_eq!(
            Database::parse(url).unwrap(),
            Database::Postgres(url.into())
        );
        let shown = Database::parse(url).unwrap().display();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("db.example"), "{shown}");
        for bad in ["", "mysql://x/y", "sqlite:"] {
            assert!(Database::parse(bad).is_err(), "{bad}");
        }
    }
}
