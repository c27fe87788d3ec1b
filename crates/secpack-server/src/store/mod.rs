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
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use secpack::error::{Coded, ErrorClass};
use secpack::report::auth::AuthError;
use secpack::report::inbox::{
    InboxError, MessageKind, ReplyKeyInfo, ReporterAccess, StoredMessage, StoredReport,
};
use secpack::report::remote::StateChange;

use crate::ratelimit::Exhausted;

/// A result of the store.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A `--db` value that names no store.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// The value is empty.
    #[error("the database is empty")]
    Empty,
    /// `sqlite:` with nothing after it.
    #[error("sqlite: needs a path")]
    NoSqlitePath,
    /// A URL of a kind of database secpack does not speak.
    #[error("unknown database URL scheme (use a path, sqlite:PATH or postgres://...)")]
    UnknownScheme,
}

impl Coded for DatabaseError {
    fn code(&self) -> &'static str {
        "bad-database"
    }
    fn class(&self) -> ErrorClass {
        ErrorClass::Usage
    }
}

/// What the store could not do. Opening it ([`open`]) fails with a
/// configuration error; later errors are failures (the handlers log them
/// and answer 503).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The SQLite file cannot be opened as an inbox.
    #[error("opening the SQLite store {}", path.display())]
    SqliteOpen {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        error: InboxError,
    },
    /// The server's tables cannot be added to the SQLite file.
    #[error("preparing the server's tables in {}", path.display())]
    SqlitePrepare {
        /// The file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        error: rusqlite::Error,
    },
    /// The PostgreSQL URL does not parse.
    #[error("the PostgreSQL URL does not parse")]
    PostgresUrl(#[source] tokio_postgres::Error),
    /// TLS for PostgreSQL could not be set up.
    #[error("setting up TLS for PostgreSQL")]
    PostgresTls(#[source] openssl::error::ErrorStack),
    /// The connection pool could not be made.
    #[error("creating the PostgreSQL pool")]
    PostgresPool(#[source] deadpool_postgres::BuildError),
    /// No connection to PostgreSQL.
    #[error("connecting to PostgreSQL")]
    PostgresUnreachable(#[source] deadpool_postgres::PoolError),
    /// The schema could not be created or migrated.
    #[error("preparing the PostgreSQL schema")]
    PostgresSchema(#[source] tokio_postgres::Error),
    /// The database has a layout of a newer secpack.
    #[error(
        "the PostgreSQL database has layout version {found}; this secpack knows {}",
        postgres::SCHEMA_VERSION
    )]
    NewerLayout {
        /// Its layout version.
        found: i32,
    },
    /// A PostgreSQL statement failed.
    #[error(transparent)]
    Postgres(#[from] tokio_postgres::Error),
    /// A SQLite statement failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// The inbox (the SQLite store's reports) failed.
    #[error(transparent)]
    Inbox(#[from] InboxError),
    /// The blocking task of a store operation did not finish.
    #[error("a store task did not finish")]
    Task(#[from] tokio::task::JoinError),
    /// A digest state in the store does not read back.
    #[error("a digest state in the store")]
    DigestState(#[from] serde_json::Error),
    /// A row holds what this secpack does not know.
    #[error("{0}")]
    Malformed(String),
    /// A number does not fit.
    #[error("a number out of range")]
    Number(#[from] std::num::TryFromIntError),
    /// A time does not fit.
    #[error("a time out of range")]
    Time(#[from] chrono::OutOfRangeError),
    /// No report has this id.
    #[error("no report with the id {0:?}")]
    UnknownReport(String),
    /// The operating system's random numbers failed.
    #[error("drawing {what}")]
    Random {
        /// What was drawn.
        what: &'static str,
        /// OpenSSL's error.
        #[source]
        error: openssl::error::ErrorStack,
    },
}

impl Coded for StoreError {
    fn code(&self) -> &'static str {
        match self {
            // A configuration error of the inbox (a newer layout) keeps its code.
            Self::SqliteOpen { error, .. } if error.class() == ErrorClass::Config => error.code(),
            Self::SqliteOpen { .. } | Self::SqlitePrepare { .. } => "store-unusable",
            Self::PostgresUrl(_) => "bad-database",
            Self::PostgresTls(_) => "postgres-tls",
            Self::PostgresPool(_) | Self::PostgresUnreachable(_) => "postgres-unreachable",
            Self::PostgresSchema(_) => "postgres-schema",
            Self::NewerLayout { .. } => "store-layout",
            Self::Inbox(e) => e.code(),
            Self::Postgres(_) | Self::Sqlite(_) | Self::Task(_) => "store-failed",
            Self::DigestState(_) | Self::Malformed(_) | Self::Number(_) | Self::Time(_) => {
                "store-malformed"
            }
            Self::UnknownReport(_) => "unknown-report",
            Self::Random { .. } => "random-failed",
        }
    }
    fn class(&self) -> ErrorClass {
        match self {
            Self::SqliteOpen { .. }
            | Self::SqlitePrepare { .. }
            | Self::PostgresUrl(_)
            | Self::PostgresTls(_)
            | Self::PostgresPool(_)
            | Self::PostgresUnreachable(_)
            | Self::PostgresSchema(_)
            | Self::NewerLayout { .. } => ErrorClass::Config,
            Self::Inbox(e) => e.class(),
            Self::UnknownReport(_) => ErrorClass::Usage,
            _ => ErrorClass::Failure,
        }
    }
}

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
    pub fn parse(text: &str) -> Result<Self, DatabaseError> {
        if text.is_empty() {
            return Err(DatabaseError::Empty);
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(Self::Postgres(text.to_string()));
        }
        if let Some(path) = text.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(DatabaseError::NoSqlitePath);
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if text.contains("://") {
            return Err(DatabaseError::UnknownScheme);
        }
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

/// What [`ReportStore::count_in`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Counted {
    /// Reports received.
    Reports,
    /// Follow-up messages from reporters.
    FollowUps,
}

impl Counted {
    /// The statement that counts them in the window `[$1, $2)`, on either
    /// backend (SQLite takes `$1` and `$2` as its first two parameters).
    fn count_sql(self) -> &'static str {
        match self {
            Self::Reports => "SELECT count(*) FROM reports WHERE received >= $1 AND received < $2",
            Self::FollowUps => {
                "SELECT count(*) FROM messages WHERE kind = 'follow-up' AND at >= $1 AND at < $2"
            }
        }
    }
}

/// An instance's claim on a digest (see [`ReportStore::claim_digest`]).
#[derive(Debug, Clone, Copy)]
pub struct DigestClaim<'a> {
    /// The digest's state when its slot is new.
    pub initial: &'a DigestState,
    /// The instance claiming it.
    pub instance: &'a str,
    /// When it claims it.
    pub now: DateTime<Utc>,
    /// How long the claim lasts unless renewed.
    pub lease: Duration,
}

/// What an instance records of a digest it holds (see
/// [`ReportStore::record_digest`]).
#[derive(Debug, Clone, Copy)]
pub struct DigestRecord<'a> {
    /// The instance holding the claim.
    pub instance: &'a str,
    /// The digest's state.
    pub state: &'a DigestState,
    /// Delivered or abandoned: the claim is released for good.
    pub finished: bool,
    /// Until when the claim holds otherwise.
    pub lease_until: DateTime<Utc>,
}

impl DigestClaim<'_> {
    /// When the claim lapses: `now + lease`.
    fn lease_until(&self) -> Result<DateTime<Utc>> {
        Ok(self.now + chrono::Duration::from_std(self.lease)?)
    }
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

/// A report to store with how its reporter comes back to it.
#[derive(Debug, Clone)]
pub struct NewReport {
    /// The report, encrypted to the team.
    pub ciphertext: Vec<u8>,
    /// The fingerprint of the key it is encrypted to.
    pub key: String,
    /// The reporter's codename index, salt and verifier, and the key replies
    /// are encrypted to.
    pub access: ReporterAccess,
}

/// A follow-up or a reply to store about a report.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// The report's id.
    pub report: String,
    /// A follow-up from the reporter or a reply from the team.
    pub kind: MessageKind,
    /// Who wrote it: the team member's fingerprint for a reply.
    pub author: Option<String>,
    /// The message, encrypted.
    pub ciphertext: Vec<u8>,
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

    /// How many `kind` arrived in `window` (its start included, its end not).
    async fn count_in(&self, kind: Counted, window: Range<DateTime<Utc>>) -> Result<u64>;

    /// Claims the digest of `claim.initial.slot` for `claim.instance` until
    /// `now + lease`: true when this instance is now the one to send it
    /// (nobody claimed it, or the claim of another lapsed and it is not
    /// finished). Starts its state with `initial` when the slot is new.
    async fn claim_digest(&self, claim: DigestClaim<'_>) -> Result<bool>;

    /// Records the state of a digest `record.instance` holds, and extends
    /// its claim to `lease_until`; `finished` releases it for good
    /// (delivered or abandoned). Ignored when the instance no longer holds
    /// the claim.
    async fn record_digest(&self, record: DigestRecord<'_>) -> Result<()>;

    /// The most recent digest's state, whoever sent it.
    async fn last_digest(&self) -> Result<Option<DigestState>>;

    /// Stores a report as [`ReportStore::insert`] does, with how its
    /// reporter comes back to it (their codename's index, salt and
    /// verifier; the key replies are encrypted to), in one commit.
    async fn insert_with_access(&self, report: NewReport) -> Result<(String, DateTime<Utc>)>;

    /// The report whose codename has the lookup index `index`.
    async fn find_by_index(&self, index: String) -> Result<Option<(String, ReporterAccess)>>;

    /// Report `id` with its reply key and its messages.
    async fn report(&self, id: String) -> Result<Option<ReportView>>;

    /// The team's pull: every report received, changed, or with a message
    /// stored at or after `since` (every report when `None`), oldest first,
    /// with its reply key and the messages stored at or after `since`.
    async fn changed_since(&self, since: Option<DateTime<Utc>>) -> Result<Vec<ReportView>>;

    /// Stores a follow-up or a reply about a report; committed on return.
    async fn add_message(&self, message: NewMessage) -> Result<StoredMessage>;

    /// Sets the handling state of report `id` (and its bulletin number when
    /// the change gives one).
    async fn set_state(&self, id: String, change: StateChange) -> Result<StoredReport>;

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

/// A fresh inbox API nonce.
fn new_nonce() -> Result<String> {
    secpack::report::auth::new_nonce().map_err(|error| StoreError::Random {
        what: "a nonce",
        error,
    })
}

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
