//! The embedded store: the inbox database of [`secpack::report::inbox`]
//! (WAL, `synchronous = FULL`, mode 0600), used from blocking threads so
//! that the synced commit does not stall the async workers, plus tables of
//! alert state, inbox API nonces and codename-guessing budgets in the same
//! file (timed by SQLite's clock, so that they hold across restarts). The
//! submission rate-limit counters stay in memory: one process serves a
//! SQLite store.

use std::net::IpAddr;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use secpack::report::inbox::Inbox;

use secpack::report::inbox::{ReporterAccess, StoredMessage, StoredReport};

use super::{
    Counted, DigestClaim, DigestRecord, DigestState, ReportStore, ReportView, Result, StoreError,
    GUESSES, MAX_OUTSTANDING_NONCES,
};
use super::{NewMessage, NewReport};
use crate::ratelimit::{Exhausted, SubmissionLimiter};
use secpack::report::auth::AuthError;
use secpack::report::remote::StateChange;

/// The SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    inbox: Arc<Mutex<Inbox>>,
    /// A second connection to the same file, for the tables the server adds
    /// beside the inbox's.
    extra: Arc<Mutex<Connection>>,
    limiter: Arc<SubmissionLimiter>,
    /// Codename attempts per client and minute (0: no limit).
    per_minute: u32,
}

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS secpack_digests (
    slot TEXT PRIMARY KEY NOT NULL,
    claimed_by TEXT NOT NULL,
    lease_until TEXT NOT NULL,
    finished INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS secpack_nonces (
    nonce TEXT PRIMARY KEY NOT NULL,
    issued REAL NOT NULL,
    expires REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE IF NOT EXISTS secpack_rate_limits (
    budget TEXT NOT NULL,
    client TEXT NOT NULL,
    tokens REAL NOT NULL,
    updated REAL NOT NULL,
    PRIMARY KEY (budget, client)
) STRICT;";

/// SQLite's clock, in Unix seconds with a fraction (the same value for a
/// whole statement).
const NOW: &str = "((julianday('now') - 2440587.5) * 86400.0)";

impl SqliteStore {
    /// Opens (creating when absent) the database at `path`, with
    /// `rate_limit_per_minute` reports per client and minute.
    pub fn open(path: &Path, rate_limit_per_minute: u32) -> Result<Self> {
        let inbox = Inbox::open(path).map_err(|error| StoreError::SqliteOpen {
            path: path.to_path_buf(),
            error,
        })?;
        let extra = Connection::open(path)
            .and_then(|c| {
                c.busy_timeout(Duration::from_secs(10))?;
                c.execute_batch("PRAGMA synchronous = FULL;")?;
                c.execute_batch(SCHEMA)?;
                Ok(c)
            })
            .map_err(|error| StoreError::SqlitePrepare {
                path: path.to_path_buf(),
                error,
            })?;
        Ok(Self {
            inbox: Arc::new(Mutex::new(inbox)),
            extra: Arc::new(Mutex::new(extra)),
            limiter: Arc::new(SubmissionLimiter::new(rate_limit_per_minute)),
            per_minute: rate_limit_per_minute,
        })
    }

    /// Runs `f` on the inbox, on a blocking thread.
    async fn with_inbox<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Inbox) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let inbox = Arc::clone(&self.inbox);
        tokio::task::spawn_blocking(move || {
            let mut inbox = inbox.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut inbox)
        })
        .await?
    }

    /// Runs `f` on the second connection, on a blocking thread.
    async fn with_extra<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let extra = Arc::clone(&self.extra);
        tokio::task::spawn_blocking(move || {
            let conn = extra.lock().unwrap_or_else(|e| e.into_inner());
            f(&conn)
        })
        .await?
    }
}

/// The inbox's time format (RFC 3339, milliseconds, `Z`): it sorts as text.
fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[async_trait]
impl ReportStore for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> Result<()> {
        self.with_extra(|c| {
            c.query_row("SELECT count(*) FROM secpack_digests", [], |r| {
                r.get::<_, i64>(0)
            })?;
            Ok(())
        })
        .await
    }

    async fn insert(&self, ciphertext: Vec<u8>, key: String) -> Result<(String, DateTime<Utc>)> {
        let inbox = Arc::clone(&self.inbox);
        tokio::task::spawn_blocking(move || {
            let received = Utc::now();
            let inbox = inbox.lock().unwrap_or_else(|e| e.into_inner());
            let id = inbox.insert(&ciphertext, &key, received)?;
            Ok((id, received))
        })
        .await?
    }

    async fn begin_submission(&self, client: IpAddr) -> Result<(), Exhausted> {
        self.limiter.begin(client, Instant::now())
    }

    async fn finish_submission(&self, client: IpAddr, stored: bool) {
        self.limiter.finish(client, stored);
    }

    async fn count_in(&self, kind: Counted, window: Range<DateTime<Utc>>) -> Result<u64> {
        let (since, until) = (timestamp(window.start), timestamp(window.end));
        self.with_extra(move |c| {
            let n: i64 = c.query_row(kind.count_sql(), params![since, until], |r| r.get(0))?;
            Ok(u64::try_from(n)?)
        })
        .await
    }

    async fn claim_digest(&self, claim: DigestClaim<'_>) -> Result<bool> {
        let state = serde_json::to_string(claim.initial)?;
        let slot = timestamp(claim.initial.slot);
        let instance = claim.instance.to_string();
        let until = timestamp(claim.lease_until()?);
        let now = timestamp(claim.now);
        self.with_extra(move |c| {
            let changed = c.execute(
                "INSERT INTO secpack_digests (slot, claimed_by, lease_until, finished, state)
                 VALUES (?1, ?2, ?3, 0, ?4)
                 ON CONFLICT (slot) DO UPDATE SET claimed_by = excluded.claimed_by,
                     lease_until = excluded.lease_until
                 WHERE secpack_digests.finished = 0
                   AND (secpack_digests.lease_until < ?5 OR secpack_digests.claimed_by = ?2)",
                params![slot, instance, until, state, now],
            )?;
            Ok(changed == 1)
        })
        .await
    }

    async fn record_digest(&self, record: DigestRecord<'_>) -> Result<()> {
        let json = serde_json::to_string(record.state)?;
        let slot = timestamp(record.state.slot);
        let instance = record.instance.to_string();
        let (finished, until) = (record.finished, timestamp(record.lease_until));
        self.with_extra(move |c| {
            c.execute(
                "UPDATE secpack_digests SET state = ?3, finished = ?4, lease_until = ?5
                 WHERE slot = ?1 AND claimed_by = ?2 AND finished = 0",
                params![slot, instance, json, finished, until],
            )?;
            Ok(())
        })
        .await
    }

    async fn last_digest(&self) -> Result<Option<DigestState>> {
        self.with_extra(|c| {
            let json: Option<String> = c
                .query_row(
                    "SELECT state FROM secpack_digests ORDER BY slot DESC LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
        })
        .await
    }

    async fn insert_with_access(&self, report: NewReport) -> Result<(String, DateTime<Utc>)> {
        self.with_inbox(move |inbox| {
            let received = Utc::now();
            let NewReport {
                ciphertext,
                key,
                access,
            } = &report;
            let id = inbox.insert_with_access(ciphertext, key, received, access)?;
            Ok((id, received))
        })
        .await
    }

    async fn find_by_index(&self, index: String) -> Result<Option<(String, ReporterAccess)>> {
        self.with_inbox(move |inbox| Ok(inbox.find_by_index(&index)?))
            .await
    }

    async fn report(&self, id: String) -> Result<Option<ReportView>> {
        self.with_inbox(move |inbox| view(inbox, &id)).await
    }

    async fn changed_since(&self, since: Option<DateTime<Utc>>) -> Result<Vec<ReportView>> {
        self.with_inbox(move |inbox| {
            let reports = inbox.list_changed(since)?;
            views(inbox, reports, inbox.messages_since(since)?)
        })
        .await
    }

    async fn add_message(&self, message: NewMessage) -> Result<StoredMessage> {
        self.with_inbox(move |inbox| {
            let NewMessage {
                report,
                kind,
                author,
                ciphertext,
            } = &message;
            Ok(inbox.add_message(report, *kind, author.as_deref(), ciphertext, Utc::now())?)
        })
        .await
    }

    async fn set_state(&self, id: String, change: StateChange) -> Result<StoredReport> {
        self.with_inbox(move |inbox| {
            Ok(inbox.set_state(&id, change.state, change.qsb, Utc::now())?)
        })
        .await
    }
    async fn issue_nonce(&self, lifetime: Duration) -> Result<String> {
        let nonce = super::new_nonce()?;
        let seconds = lifetime.as_secs_f64();
        let keep = i64::try_from(MAX_OUTSTANDING_NONCES)? - 1;
        let issued = nonce.clone();
        self.with_extra(move |c| {
            let tx = c.unchecked_transaction()?;
            tx.execute(
                &format!(
                    "DELETE FROM secpack_nonces WHERE expires <= {NOW} OR nonce IN
                     (SELECT nonce FROM secpack_nonces ORDER BY issued DESC LIMIT -1 OFFSET ?1)"
                ),
                params![keep],
            )?;
            tx.execute(
                &format!(
                    "INSERT INTO secpack_nonces (nonce, issued, expires, used)
                     VALUES (?1, {NOW}, {NOW} + ?2, 0)"
                ),
                params![issued, seconds],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await?;
        Ok(nonce)
    }

    async fn redeem_nonce(&self, nonce: String) -> Result<Result<(), AuthError>> {
        self.with_extra(move |c| {
            let taken = c.execute(
                &format!(
                    "UPDATE secpack_nonces SET used = 1
                     WHERE nonce = ?1 AND used = 0 AND expires > {NOW}"
                ),
                params![nonce],
            )?;
            if taken == 1 {
                return Ok(Ok(()));
            }
            let used: Option<bool> = c
                .query_row(
                    &format!(
                        "SELECT used FROM secpack_nonces WHERE nonce = ?1 AND expires > {NOW}"
                    ),
                    params![nonce],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(Err(if used == Some(true) {
                AuthError::ReplayedNonce
            } else {
                AuthError::UnknownNonce
            }))
        })
        .await
    }

    async fn take_guess(&self, client: IpAddr) -> Result<Result<(), Duration>> {
        if self.per_minute == 0 {
            return Ok(Ok(()));
        }
        let capacity = f64::from(self.per_minute);
        let who = client.to_string();
        self.with_extra(move |c| {
            let refilled = format!("MIN(?3, b.tokens + MAX(0, {NOW} - b.updated) * ?3 / 60.0)");
            let tx = c.unchecked_transaction()?;
            // Buckets idle for a minute have refilled: the same as absent.
            tx.execute(
                &format!("DELETE FROM secpack_rate_limits WHERE updated < {NOW} - 61"),
                [],
            )?;
            let taken = tx
                .query_row(
                    &format!(
                        "INSERT INTO secpack_rate_limits AS b (budget, client, tokens, updated)
                         VALUES (?1, ?2, ?3 - 1, {NOW})
                         ON CONFLICT (budget, client) DO UPDATE
                         SET tokens = {refilled} - 1, updated = MAX(b.updated, {NOW})
                         WHERE {refilled} >= 1
                         RETURNING tokens"
                    ),
                    params![GUESSES, who, capacity],
                    |r| r.get::<_, f64>(0),
                )
                .optional()?;
            let answer = match taken {
                Some(_) => Ok(()),
                None => {
                    let tokens: f64 = tx.query_row(
                        &format!(
                            "SELECT {refilled} FROM secpack_rate_limits AS b
                             WHERE budget = ?1 AND client = ?2"
                        ),
                        params![GUESSES, who, capacity],
                        |r| r.get(0),
                    )?;
                    let per_second = capacity / 60.0;
                    Err(Duration::from_secs_f64(
                        ((1.0 - tokens) / per_second).max(0.001),
                    ))
                }
            };
            tx.commit()?;
            Ok(answer)
        })
        .await
    }

    async fn refund_guess(&self, client: IpAddr) -> Result<()> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let who = client.to_string();
        self.with_extra(move |c| {
            c.execute(
                "UPDATE secpack_rate_limits SET tokens = MIN(?3, tokens + 1)
                 WHERE budget = ?1 AND client = ?2",
                params![GUESSES, who, capacity],
            )?;
            Ok(())
        })
        .await
    }
}

/// Report `id` with its reply key and messages.
fn view(inbox: &Inbox, id: &str) -> Result<Option<ReportView>> {
    let Some(report) = inbox.get(id)? else {
        return Ok(None);
    };
    let messages = inbox.messages(Some(id))?;
    Ok(views(inbox, vec![report], messages)?.pop())
}

/// `reports` with their reply keys and `messages`.
fn views(
    inbox: &Inbox,
    reports: Vec<StoredReport>,
    messages: Vec<StoredMessage>,
) -> Result<Vec<ReportView>> {
    let mut with_keys = Vec::with_capacity(reports.len());
    for report in reports {
        let key = inbox.reply_key(&report.id)?;
        with_keys.push((report, key));
    }
    Ok(super::assemble(with_keys, messages))
}
