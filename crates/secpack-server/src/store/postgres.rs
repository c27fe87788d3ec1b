//! The PostgreSQL store: one database shared by several `secpack serve`
//! instances. Reports, the rate-limit token buckets and the digest state all
//! live in it, so every instance sees the same inbox, the same budgets per
//! client and the same alert claims.
//!
//! A pool of connections (`deadpool-postgres`) serves the requests. The
//! schema is created or migrated at startup inside a transaction holding an
//! advisory lock, so that instances starting together do not race. A report
//! is acknowledged once its `INSERT` is committed (PostgreSQL's default
//! `synchronous_commit = on`: the commit is flushed to the server's WAL).
//! Times that decide the rate limits are the database's (`now()`), so that
//! the instances' clocks do not matter there.

use std::net::IpAddr;
use std::ops::Range;
use std::str::FromStr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use postgres_openssl::MakeTlsConnector;
use secpack::report::state::ReportState;

use secpack::report::inbox::{
    MessageKind, ReplyKeyInfo, ReporterAccess, StoredMessage, StoredReport,
};

use super::{
    Counted, DigestClaim, DigestRecord, DigestState, ReportStore, ReportView, Result, StoreError,
    GUESSES, MAX_OUTSTANDING_NONCES,
};
use super::{NewMessage, NewReport};
use crate::error::chain;
use crate::ratelimit::{Exhausted, REFUSED_FACTOR};
use secpack::report::auth::AuthError;
use secpack::report::remote::StateChange;

/// Version of the server's tables in PostgreSQL.
pub const SCHEMA_VERSION: i32 = 2;

/// Connections kept by one instance.
pub const POOL_SIZE: usize = 16;

/// Arbitrary key of the advisory lock held while the schema is prepared.
const MIGRATION_LOCK: i64 = 0x5ec9_ac4b_0016;

const SCHEMA_V1: &str = "
CREATE TABLE IF NOT EXISTS reports (
    id TEXT PRIMARY KEY,
    received TIMESTAMPTZ NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL,
    qsb INTEGER,
    updated TIMESTAMPTZ NOT NULL,
    ciphertext BYTEA NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_received ON reports (received);
CREATE TABLE IF NOT EXISTS secpack_rate_limits (
    budget TEXT NOT NULL,
    client TEXT NOT NULL,
    tokens DOUBLE PRECISION NOT NULL,
    updated TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (budget, client)
);
CREATE TABLE IF NOT EXISTS reporters (
    report TEXT PRIMARY KEY REFERENCES reports(id),
    codename_index TEXT UNIQUE,
    salt BYTEA,
    verifier BYTEA,
    reply_key TEXT NOT NULL,
    own_key BOOLEAN NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY,
    report TEXT NOT NULL REFERENCES reports(id),
    kind TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    author TEXT,
    ciphertext BYTEA NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_report ON messages (report, at);
CREATE TABLE IF NOT EXISTS secpack_digests (
    slot TIMESTAMPTZ PRIMARY KEY,
    claimed_by TEXT NOT NULL,
    lease_until TIMESTAMPTZ NOT NULL,
    finished BOOLEAN NOT NULL DEFAULT FALSE,
    state TEXT NOT NULL
);
";

/// Version 2: the inbox API's nonces, shared by every instance (the
/// guessing budget uses `secpack_rate_limits`).
const SCHEMA_V2: &str = "
CREATE TABLE IF NOT EXISTS secpack_nonces (
    nonce TEXT PRIMARY KEY,
    issued TIMESTAMPTZ NOT NULL,
    expires TIMESTAMPTZ NOT NULL,
    used BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX IF NOT EXISTS secpack_nonces_expires ON secpack_nonces (expires);
";

/// The PostgreSQL store.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    /// Reports stored per client and minute (0: no limit).
    per_minute: u32,
    /// When this instance last dropped refilled buckets (Unix seconds).
    last_sweep: std::sync::Arc<AtomicI64>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The pool's configuration holds the password: never printed.
        f.debug_struct("PostgresStore")
            .field("per_minute", &self.per_minute)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to `url` (a libpq-style `postgres://` URL; TLS as its
    /// `sslmode` says, verified against the system's roots) and prepares
    /// the schema.
    pub async fn connect(url: &str, rate_limit_per_minute: u32) -> Result<Self> {
        let mut config = tokio_postgres::Config::from_str(url).map_err(StoreError::PostgresUrl)?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        config.application_name("secpack serve");
        let tls = openssl::ssl::SslConnector::builder(openssl::ssl::SslMethod::tls())
            .map_err(StoreError::PostgresTls)?;
        let manager = Manager::from_config(
            config,
            MakeTlsConnector::new(tls.build()),
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(10)))
            .create_timeout(Some(Duration::from_secs(10)))
            .recycle_timeout(Some(Duration::from_secs(5)))
            .build()
            .map_err(StoreError::PostgresPool)?;
        let store = Self {
            pool,
            per_minute: rate_limit_per_minute,
            last_sweep: Default::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool
            .get()
            .await
            .map_err(StoreError::PostgresUnreachable)
    }

    /// Creates the tables, or checks their version, under an advisory lock.
    async fn migrate(&self) -> Result<()> {
        let mut client = self.client().await?;
        let version = Self::prepare_schema(&mut client)
            .await
            .map_err(|e| match e {
                StoreError::Postgres(e) => StoreError::PostgresSchema(e),
                other => other,
            })?;
        if let Some(found) = version.filter(|v| *v > SCHEMA_VERSION) {
            return Err(StoreError::NewerLayout { found });
        }
        // Not back to the pool: this connection's task may run on a
        // runtime that ends with startup (`Server::new`).
        drop(deadpool_postgres::Object::take(client));
        Ok(())
    }

    /// Creates or migrates the tables in one transaction under the advisory
    /// lock; the version found when it is newer than [`SCHEMA_VERSION`]
    /// (nothing is changed then).
    async fn prepare_schema(client: &mut deadpool_postgres::Object) -> Result<Option<i32>> {
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS secpack_schema (
                 one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
                 version INTEGER NOT NULL
             )",
        )
        .await?;
        let version: Option<i32> = tx
            .query_opt("SELECT version FROM secpack_schema", &[])
            .await?
            .map(|r| r.get(0));
        match version {
            None => {
                tx.batch_execute(SCHEMA_V1).await?;
                tx.batch_execute(SCHEMA_V2).await?;
                tx.execute(
                    "INSERT INTO secpack_schema (version) VALUES ($1)",
                    &[&SCHEMA_VERSION],
                )
                .await?;
            }
            Some(1) => {
                tx.batch_execute(SCHEMA_V2).await?;
                tx.execute("UPDATE secpack_schema SET version = $1", &[&SCHEMA_VERSION])
                    .await?;
            }
            Some(SCHEMA_VERSION) => {}
            Some(other) => return Ok(Some(other)),
        }
        tx.commit().await?;
        Ok(None)
    }

    /// Takes one token of `budget` (of `capacity` per minute) for `client`;
    /// when none is left, how long until one is.
    async fn take(&self, budget: &str, client: &str, capacity: u32) -> Result<Option<Duration>> {
        let db = self.client().await?;
        let capacity = f64::from(capacity);
        let taken = db
            .query_opt(
                "INSERT INTO secpack_rate_limits AS b (budget, client, tokens, updated)
                 VALUES ($1, $2, $3::float8 - 1, now())
                 ON CONFLICT (budget, client) DO UPDATE
                 SET tokens = LEAST($3, b.tokens
                         + GREATEST(0, EXTRACT(EPOCH FROM now() - b.updated)::float8) * $3 / 60) - 1,
                     updated = GREATEST(b.updated, now())
                 WHERE LEAST($3, b.tokens
                         + GREATEST(0, EXTRACT(EPOCH FROM now() - b.updated)::float8) * $3 / 60) >= 1
                 RETURNING tokens",
                &[&budget, &client, &capacity],
            )
            .await?;
        if taken.is_some() {
            return Ok(None);
        }
        let tokens: f64 = db
            .query_opt(
                "SELECT LEAST($3::float8, tokens
                     + GREATEST(0, EXTRACT(EPOCH FROM now() - updated)::float8) * $3 / 60)
                 FROM secpack_rate_limits WHERE budget = $1 AND client = $2",
                &[&budget, &client, &capacity],
            )
            .await?
            .map_or(capacity, |r| r.get(0));
        let per_second = capacity / 60.0;
        Ok(Some(Duration::from_secs_f64(
            ((1.0 - tokens) / per_second).max(0.001),
        )))
    }

    /// Gives back one token of `budget` to `client`, never above `capacity`.
    async fn refund(&self, budget: &str, client: &str, capacity: u32) -> Result<()> {
        self.client()
            .await?
            .execute(
                "UPDATE secpack_rate_limits SET tokens = LEAST($3::float8, tokens + 1)
                 WHERE budget = $1 AND client = $2",
                &[&budget, &client, &f64::from(capacity)],
            )
            .await?;
        Ok(())
    }

    /// At most once a minute per instance: drops the buckets idle for a
    /// minute (they have refilled: the same as absent), so that the table
    /// holds only the clients of the last minute.
    async fn sweep(&self) {
        let now = Utc::now().timestamp();
        let last = self.last_sweep.load(Ordering::Relaxed);
        if now - last < 60
            || self
                .last_sweep
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        let swept = async {
            self.client()
                .await?
                .execute(
                    "DELETE FROM secpack_rate_limits WHERE updated < now() - interval '61 seconds'",
                    &[],
                )
                .await?;
            Ok::<_, StoreError>(())
        };
        if let Err(e) = swept.await {
            tracing::warn!("dropping refilled rate-limit buckets: {}", chain(&e));
        }
    }
}

/// Stores a report received at `received` under a new receipt id (drawn
/// again on the rare collision); returns the id.
async fn insert_report(
    db: &impl tokio_postgres::GenericClient,
    received: DateTime<Utc>,
    key: &str,
    ciphertext: &[u8],
) -> Result<String> {
    let state = ReportState::Received.code();
    loop {
        let id = new_id(received)?;
        let inserted = db
            .execute(
                "INSERT INTO reports (id, received, key, state, qsb, updated, ciphertext)
                 VALUES ($1, $2, $3, $4, NULL, $2, $5) ON CONFLICT (id) DO NOTHING",
                &[&id, &received, &key, &state, &ciphertext],
            )
            .await?;
        if inserted == 1 {
            return Ok(id);
        }
    }
}

/// A receipt id: the day received and 48 random bits, as the SQLite inbox
/// makes them (`20260502-9f3a1c2b7d4e`).
fn new_id(received: DateTime<Utc>) -> Result<String> {
    let mut random = [0u8; 6];
    openssl::rand::rand_bytes(&mut random).map_err(|error| StoreError::Random {
        what: "a random id",
        error,
    })?;
    let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{}-{hex}", received.format("%Y%m%d")))
}

#[async_trait]
impl ReportStore for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> Result<()> {
        self.client().await?.execute("SELECT 1", &[]).await?;
        Ok(())
    }

    async fn insert(&self, ciphertext: Vec<u8>, key: String) -> Result<(String, DateTime<Utc>)> {
        let db = self.client().await?;
        let received = Utc::now();
        let id = insert_report(&**db, received, &key, &ciphertext).await?;
        Ok((id, received))
    }

    async fn begin_submission(&self, client: IpAddr) -> Result<(), Exhausted> {
        if self.per_minute == 0 {
            return Ok(());
        }
        self.sweep().await;
        let who = client.to_string();
        let refused = self.per_minute.saturating_mul(REFUSED_FACTOR);
        let outcome = async {
            if let Some(wait) = self.take("stored", &who, self.per_minute).await? {
                return Ok(Err(Exhausted::Stored(wait)));
            }
            if let Some(wait) = self.take("refused", &who, refused).await? {
                self.refund("stored", &who, self.per_minute).await?;
                return Ok(Err(Exhausted::Refused(wait)));
            }
            Ok::<_, StoreError>(Ok(()))
        };
        outcome.await.unwrap_or_else(|e| {
            tracing::warn!(
                "rate limit unavailable, submission let through: {}",
                chain(&e)
            );
            Ok(())
        })
    }

    async fn finish_submission(&self, client: IpAddr, stored: bool) {
        if self.per_minute == 0 {
            return;
        }
        let who = client.to_string();
        let back = if stored {
            self.refund(
                "refused",
                &who,
                self.per_minute.saturating_mul(REFUSED_FACTOR),
            )
            .await
        } else {
            self.refund("stored", &who, self.per_minute).await
        };
        if let Err(e) = back {
            tracing::warn!("giving back a rate-limit token: {}", chain(&e));
        }
    }

    async fn count_in(&self, kind: Counted, window: Range<DateTime<Utc>>) -> Result<u64> {
        let n: i64 = self
            .client()
            .await?
            .query_one(kind.count_sql(), &[&window.start, &window.end])
            .await?
            .get(0);
        Ok(u64::try_from(n)?)
    }

    async fn claim_digest(&self, claim: DigestClaim<'_>) -> Result<bool> {
        let DigestClaim {
            initial,
            instance,
            now,
            ..
        } = claim;
        let state = serde_json::to_string(initial)?;
        let until = claim.lease_until()?;
        let changed = self
            .client()
            .await?
            .execute(
                "INSERT INTO secpack_digests AS d (slot, claimed_by, lease_until, finished, state)
                 VALUES ($1, $2, $3, FALSE, $4)
                 ON CONFLICT (slot) DO UPDATE SET claimed_by = excluded.claimed_by,
                     lease_until = excluded.lease_until
                 WHERE NOT d.finished AND (d.lease_until < $5 OR d.claimed_by = $2)",
                &[&initial.slot, &instance, &until, &state, &now],
            )
            .await?;
        Ok(changed == 1)
    }

    async fn record_digest(&self, record: DigestRecord<'_>) -> Result<()> {
        let DigestRecord {
            instance,
            state,
            finished,
            lease_until,
        } = record;
        let json = serde_json::to_string(state)?;
        self.client()
            .await?
            .execute(
                "UPDATE secpack_digests SET state = $3, finished = $4, lease_until = $5
                 WHERE slot = $1 AND claimed_by = $2 AND NOT finished",
                &[&state.slot, &instance, &json, &finished, &lease_until],
            )
            .await?;
        Ok(())
    }

    async fn last_digest(&self) -> Result<Option<DigestState>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT state FROM secpack_digests ORDER BY slot DESC LIMIT 1",
                &[],
            )
            .await?;
        Ok(row
            .map(|r| serde_json::from_str(r.get::<_, &str>(0)))
            .transpose()?)
    }

    async fn insert_with_access(&self, report: NewReport) -> Result<(String, DateTime<Utc>)> {
        let NewReport {
            ciphertext,
            key,
            access,
        } = report;
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        let received = Utc::now();
        let id = insert_report(&*tx, received, &key, &ciphertext).await?;
        tx.execute(
            "INSERT INTO reporters (report, codename_index, salt, verifier, reply_key, own_key)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &id,
                &access.index,
                &access.salt,
                &access.verifier,
                &access.reply_key,
                &access.own_key,
            ],
        )
        .await?;
        tx.commit().await?;
        Ok((id, received))
    }

    async fn find_by_index(&self, index: String) -> Result<Option<(String, ReporterAccess)>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT report, codename_index, salt, verifier, reply_key, own_key
                 FROM reporters WHERE codename_index = $1",
                &[&index],
            )
            .await?;
        Ok(row.map(|r| {
            (
                r.get(0),
                ReporterAccess {
                    index: r.get::<_, Option<String>>(1).unwrap_or_default(),
                    salt: r.get::<_, Option<Vec<u8>>>(2).unwrap_or_default(),
                    verifier: r.get::<_, Option<Vec<u8>>>(3).unwrap_or_default(),
                    reply_key: r.get(4),
                    own_key: r.get(5),
                },
            )
        }))
    }

    async fn report(&self, id: String) -> Result<Option<ReportView>> {
        Ok(self.views(Some(&id), None).await?.pop())
    }

    async fn changed_since(&self, since: Option<DateTime<Utc>>) -> Result<Vec<ReportView>> {
        self.views(None, since).await
    }

    async fn add_message(&self, message: NewMessage) -> Result<StoredMessage> {
        let NewMessage {
            report: id,
            kind,
            author,
            ciphertext,
        } = message;
        let at = Utc::now();
        let message_id = new_id(at)?;
        let inserted = self
            .client()
            .await?
            .execute(
                "INSERT INTO messages (id, report, kind, at, author, ciphertext)
                 SELECT $1, id, $3, $4, $5, $6 FROM reports WHERE id = $2",
                &[&message_id, &id, &kind.code(), &at, &author, &ciphertext],
            )
            .await?;
        if inserted != 1 {
            return Err(StoreError::UnknownReport(id));
        }
        Ok(StoredMessage {
            id: message_id,
            report: id,
            kind,
            at,
            author,
            size: ciphertext.len(),
            ciphertext,
        })
    }

    async fn set_state(&self, id: String, change: StateChange) -> Result<StoredReport> {
        let StateChange { state, qsb } = change;
        let qsb = qsb.map(i32::try_from).transpose()?;
        let changed = self
            .client()
            .await?
            .execute(
                "UPDATE reports SET state = $2, qsb = COALESCE($3, qsb), updated = $4 WHERE id = $1",
                &[&id, &state.code(), &qsb, &Utc::now()],
            )
            .await?;
        if changed != 1 {
            return Err(StoreError::UnknownReport(id));
        }
        self.views(Some(&id), None)
            .await?
            .pop()
            .map(|v| v.report)
            .ok_or(StoreError::UnknownReport(id))
    }
    async fn issue_nonce(&self, lifetime: Duration) -> Result<String> {
        let nonce = super::new_nonce()?;
        let seconds = lifetime.as_secs_f64();
        let keep = i64::try_from(MAX_OUTSTANDING_NONCES)?;
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        tx.execute(
            "DELETE FROM secpack_nonces WHERE expires <= now() OR nonce IN
                 (SELECT nonce FROM secpack_nonces ORDER BY issued DESC OFFSET $1)",
            &[&(keep - 1)],
        )
        .await?;
        tx.execute(
            "INSERT INTO secpack_nonces (nonce, issued, expires, used)
             VALUES ($1, now(), now() + make_interval(secs => $2), FALSE)",
            &[&nonce, &seconds],
        )
        .await?;
        tx.commit().await?;
        Ok(nonce)
    }

    async fn redeem_nonce(&self, nonce: String) -> Result<Result<(), AuthError>> {
        let db = self.client().await?;
        // One statement: of two instances redeeming the same nonce at once,
        // the second waits for the first's row lock, then finds it used.
        let taken = db
            .execute(
                "UPDATE secpack_nonces SET used = TRUE
                 WHERE nonce = $1 AND NOT used AND expires > now()",
                &[&nonce],
            )
            .await?;
        if taken == 1 {
            return Ok(Ok(()));
        }
        let used = db
            .query_opt(
                "SELECT used FROM secpack_nonces WHERE nonce = $1 AND expires > now()",
                &[&nonce],
            )
            .await?
            .is_some_and(|r| r.get::<_, bool>(0));
        Ok(Err(if used {
            AuthError::ReplayedNonce
        } else {
            AuthError::UnknownNonce
        }))
    }

    async fn take_guess(&self, client: IpAddr) -> Result<Result<(), Duration>> {
        if self.per_minute == 0 {
            return Ok(Ok(()));
        }
        self.sweep().await;
        Ok(
            match self
                .take(GUESSES, &client.to_string(), self.per_minute)
                .await?
            {
                Some(wait) => Err(wait),
                None => Ok(()),
            },
        )
    }

    async fn refund_guess(&self, client: IpAddr) -> Result<()> {
        if self.per_minute == 0 {
            return Ok(());
        }
        self.refund(GUESSES, &client.to_string(), self.per_minute)
            .await
    }
}

impl PostgresStore {
    /// Report `id` (every report when `None`) with its reply key and the
    /// messages about it; with `since`, only the reports received, changed
    /// or with a message at or after it, and only those messages.
    async fn views(
        &self,
        id: Option<&str>,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<ReportView>> {
        let db = self.client().await?;
        let rows = db
            .query(
                "SELECT r.id, r.received, r.key, r.state, r.qsb, r.updated, r.ciphertext,
                        p.reply_key, p.own_key
                 FROM reports r LEFT JOIN reporters p ON p.report = r.id
                 WHERE ($1::TEXT IS NULL OR r.id = $1)
                   AND ($2::TIMESTAMPTZ IS NULL OR r.received >= $2 OR r.updated >= $2
                        OR r.id IN (SELECT report FROM messages WHERE at >= $2))
                 ORDER BY r.received, r.id",
                &[&id, &since],
            )
            .await?;
        let messages = db
            .query(
                "SELECT id, report, kind, at, author, ciphertext FROM messages
                 WHERE ($1::TEXT IS NULL OR report = $1)
                   AND ($2::TIMESTAMPTZ IS NULL OR at >= $2)
                 ORDER BY at, id",
                &[&id, &since],
            )
            .await?;
        let messages = messages
            .into_iter()
            .map(|m| {
                let kind: String = m.get(2);
                let ciphertext: Vec<u8> = m.get(5);
                Ok(StoredMessage {
                    id: m.get(0),
                    report: m.get(1),
                    kind: MessageKind::from_code(&kind).ok_or_else(|| {
                        StoreError::Malformed(format!("unknown message kind {kind:?}"))
                    })?,
                    at: m.get(3),
                    author: m.get(4),
                    size: ciphertext.len(),
                    ciphertext,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let reports = rows
            .into_iter()
            .map(|r| {
                let id: String = r.get(0);
                let state: String = r.get(3);
                let qsb: Option<i32> = r.get(4);
                let ciphertext: Vec<u8> = r.get(6);
                let reply_key: Option<String> = r.get(7);
                let own_key: Option<bool> = r.get(8);
                let report = StoredReport {
                    state: state
                        .parse()
                        .map_err(|e| StoreError::Malformed(format!("report {id}: {e}")))?,
                    received: r.get(1),
                    key: r.get(2),
                    qsb: qsb.map(u32::try_from).transpose()?,
                    updated: r.get(5),
                    size: ciphertext.len(),
                    ciphertext,
                    id,
                };
                let reply_key = reply_key.map(|armored| ReplyKeyInfo {
                    armored,
                    own_key: own_key.unwrap_or(false),
                });
                Ok((report, reply_key))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(super::assemble(reports, messages))
    }
}
