//! The embedded store: the inbox database of [`secpack::report::inbox`]
//! (WAL, `synchronous = FULL`, mode 0600), used from blocking threads so
//! that the synced commit does not stall the async workers, plus a table of
//! alert state in the same file. The rate-limit counters stay in memory:
//! one process serves a SQLite store.

use std::net::IpAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use secpack::report::inbox::Inbox;

use secpack::report::inbox::{MessageKind, ReporterAccess, StoredMessage, StoredReport};
use secpack::report::state::ReportState;

use super::{Counted, DigestState, ReportStore, ReportView};
use crate::ratelimit::{Exhausted, SubmissionLimiter};

/// The SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    inbox: Arc<Mutex<Inbox>>,
    /// A second connection to the same file, for the tables the server adds
    /// beside the inbox's.
    extra: Arc<Mutex<Connection>>,
    limiter: Arc<SubmissionLimiter>,
}

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS secpack_digests (
    slot TEXT PRIMARY KEY NOT NULL,
    claimed_by TEXT NOT NULL,
    lease_until TEXT NOT NULL,
    finished INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL
) STRICT;";

impl SqliteStore {
    /// Opens (creating when absent) the database at `path`, with
    /// `rate_limit_per_minute` reports per client and minute.
    pub fn open(path: &Path, rate_limit_per_minute: u32) -> Result<Self> {
        let inbox = Inbox::open(path)?;
        let extra =
            Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
        extra.busy_timeout(Duration::from_secs(10))?;
        extra.execute_batch("PRAGMA synchronous = FULL;")?;
        extra
            .execute_batch(SCHEMA)
            .with_context(|| format!("preparing the alert table in {}", path.display()))?;
        Ok(Self {
            inbox: Arc::new(Mutex::new(inbox)),
            extra: Arc::new(Mutex::new(extra)),
            limiter: Arc::new(SubmissionLimiter::new(rate_limit_per_minute)),
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

    async fn count_since(
        &self,
        kind: Counted,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<u64> {
        match kind {
            Counted::Reports => {
                self.with_extra(move |c| {
                    let n: i64 = c.query_row(
                        "SELECT count(*) FROM reports WHERE received >= ?1 AND received < ?2",
                        params![timestamp(since), timestamp(until)],
                        |r| r.get(0),
                    )?;
                    Ok(u64::try_from(n)?)
                })
                .await
            }
            Counted::FollowUps => {
                self.with_extra(move |c| {
                    let n: i64 = c.query_row(
                        "SELECT count(*) FROM messages WHERE kind = 'follow-up'
                         AND at >= ?1 AND at < ?2",
                        params![timestamp(since), timestamp(until)],
                        |r| r.get(0),
                    )?;
                    Ok(u64::try_from(n)?)
                })
                .await
            }
        }
    }

    async fn claim_digest(
        &self,
        initial: &DigestState,
        instance: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<bool> {
        let state = serde_json::to_string(initial)?;
        let slot = timestamp(initial.slot);
        let instance = instance.to_string();
        let until = timestamp(now + chrono::Duration::from_std(lease)?);
        let now = timestamp(now);
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

    async fn record_digest(
        &self,
        instance: &str,
        state: &DigestState,
        finished: bool,
        lease_until: DateTime<Utc>,
    ) -> Result<()> {
        let json = serde_json::to_string(state)?;
        let slot = timestamp(state.slot);
        let instance = instance.to_string();
        let until = timestamp(lease_until);
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
            json.map(|j| serde_json::from_str(&j).context("a digest state in the store"))
                .transpose()
        })
        .await
    }

    async fn insert_with_access(
        &self,
        ciphertext: Vec<u8>,
        key: String,
        access: ReporterAccess,
    ) -> Result<(String, DateTime<Utc>)> {
        self.with_inbox(move |inbox| {
            let received = Utc::now();
            let id = inbox.insert_with_access(&ciphertext, &key, received, &access)?;
            Ok((id, received))
        })
        .await
    }

    async fn find_by_index(&self, index: String) -> Result<Option<(String, ReporterAccess)>> {
        self.with_inbox(move |inbox| inbox.find_by_index(&index))
            .await
    }

    async fn report(&self, id: String) -> Result<Option<ReportView>> {
        self.with_inbox(move |inbox| view(inbox, &id)).await
    }

    async fn all_reports(&self) -> Result<Vec<ReportView>> {
        self.with_inbox(|inbox| {
            let reports = inbox.list()?;
            let mut messages = inbox.messages(None)?;
            let mut views = Vec::with_capacity(reports.len());
            for report in reports {
                let (mine, rest) = messages.into_iter().partition(|m| m.report == report.id);
                messages = rest;
                views.push(ReportView {
                    reply_key: inbox.reply_key(&report.id)?,
                    messages: mine,
                    report,
                });
            }
            Ok(views)
        })
        .await
    }

    async fn add_message(
        &self,
        id: String,
        kind: MessageKind,
        author: Option<String>,
        ciphertext: Vec<u8>,
    ) -> Result<StoredMessage> {
        self.with_inbox(move |inbox| {
            inbox.add_message(&id, kind, author.as_deref(), &ciphertext, Utc::now())
        })
        .await
    }

    async fn set_state(
        &self,
        id: String,
        state: ReportState,
        qsb: Option<u32>,
    ) -> Result<StoredReport> {
        self.with_inbox(move |inbox| inbox.set_state(&id, state, qsb, Utc::now()))
            .await
    }
}

/// Report `id` with its reply key and messages.
fn view(inbox: &Inbox, id: &str) -> Result<Option<ReportView>> {
    let Some(report) = inbox.get(id)? else {
        return Ok(None);
    };
    Ok(Some(ReportView {
        reply_key: inbox.reply_key(id)?,
        messages: inbox.messages(Some(id))?,
        report,
    }))
}
