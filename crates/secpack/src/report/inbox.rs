//! The inbox: encrypted reports in a SQLite database.
//!
//! Only ciphertext is stored, with the receipt id, the time received, the
//! fingerprint of the key it is encrypted to, and the team's handling state.
//! The database runs in WAL mode with `synchronous = FULL`: once
//! [`Inbox::insert`] returns, the report survives a crash or power loss, so
//! the intake answers with a receipt only after it.

use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::state::ReportState;
use crate::error::{Coded, ErrorClass, IoError};

/// Why the inbox database refused or failed. Every variant has a stable
/// code.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    /// Neither `XDG_DATA_HOME` nor `HOME` gives a default place.
    #[error("neither XDG_DATA_HOME nor HOME is set: give the database with --db")]
    NoDefaultPath,
    /// No database where one must already be.
    #[error("no inbox database at {} (give it with --db, or make one with `secpack inbox pull`)", .0.display())]
    Missing(PathBuf),
    /// Creating the database, its folder, or narrowing a file's mode.
    #[error(transparent)]
    Io(#[from] IoError),
    /// Opening or preparing the database.
    #[error("opening the inbox database {}: {source}", path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// SQLite would not use WAL mode.
    #[error("the inbox database {} refused WAL mode ({mode})", path.display())]
    NoWal {
        /// The database file.
        path: PathBuf,
        /// The journal mode SQLite kept.
        mode: String,
    },
    /// A database of a layout this secpack does not know.
    #[error("the database {} has layout version {found}; this secpack knows {SCHEMA_VERSION}", path.display())]
    NewerLayout {
        /// The database file.
        path: PathBuf,
        /// Its layout version.
        found: i64,
    },
    /// No report has this receipt id.
    #[error("no report with the id {id:?} in {}", path.display())]
    UnknownReport {
        /// The id asked for.
        id: String,
        /// The database file.
        path: PathBuf,
    },
    /// A row the database holds does not read back.
    #[error("the inbox database holds a malformed {what}: {detail}")]
    Malformed {
        /// What (a time, a state, a message kind).
        what: &'static str,
        /// Which value.
        detail: String,
    },
    /// A merged message names another report.
    #[error("message {message} is not about report {report}")]
    MessageMismatch {
        /// The message's id.
        message: String,
        /// The report it was merged with.
        report: String,
    },
    /// The random source failed.
    #[error("drawing a random id: {0}")]
    Random(#[from] openssl::error::ErrorStack),
    /// A query failed.
    #[error("the inbox database: {0}")]
    Database(#[from] rusqlite::Error),
}

impl Coded for InboxError {
    fn code(&self) -> &'static str {
        match self {
            Self::NoDefaultPath => "no-inbox-path",
            Self::Missing(_) => "no-inbox-database",
            Self::Io(e) => e.code(),
            Self::Open { .. } | Self::NoWal { .. } | Self::Database(_) => "inbox-database",
            Self::NewerLayout { .. } => "inbox-layout",
            Self::UnknownReport { .. } => "unknown-report",
            Self::Malformed { .. } => "inbox-malformed",
            Self::MessageMismatch { .. } => "message-mismatch",
            Self::Random(_) => "random-failed",
        }
    }
    fn class(&self) -> ErrorClass {
        match self {
            Self::NoDefaultPath | Self::Missing(_) | Self::NewerLayout { .. } => ErrorClass::Config,
            Self::UnknownReport { .. } => ErrorClass::Usage,
            Self::Io(_) => ErrorClass::Io,
            _ => ErrorClass::Failure,
        }
    }
}

type Result<T, E = InboxError> = std::result::Result<T, E>;

/// Version of the database layout (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 3;

/// One stored report.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct StoredReport {
    /// Receipt id given to the reporter.
    pub id: String,
    /// When the intake stored it.
    pub received: DateTime<Utc>,
    /// Fingerprint of the key it is encrypted to.
    pub key: String,
    /// The team's handling state.
    pub state: ReportState,
    /// Bulletin number it is covered by, if any.
    pub qsb: Option<u32>,
    /// When the state last changed.
    pub updated: DateTime<Utc>,
    /// Size of the ciphertext, in bytes.
    #[serde(default)]
    pub size: usize,
    /// The OpenPGP message.
    #[serde(skip)]
    pub ciphertext: Vec<u8>,
}

/// The tables of layout version 2: how a reporter comes back (their
/// codename's index, salt and argon2id verifier, never the codename; the
/// key replies are encrypted to), and the messages about a report.
const SCHEMA_2: &str = "BEGIN;
     CREATE TABLE IF NOT EXISTS reporters (
         report TEXT PRIMARY KEY NOT NULL REFERENCES reports(id),
         codename_index TEXT UNIQUE,
         salt BLOB,
         verifier BLOB,
         reply_key TEXT NOT NULL,
         own_key INTEGER NOT NULL
     ) STRICT;
     CREATE TABLE IF NOT EXISTS messages (
         id TEXT PRIMARY KEY NOT NULL,
         report TEXT NOT NULL REFERENCES reports(id),
         kind TEXT NOT NULL,
         at TEXT NOT NULL,
         author TEXT,
         ciphertext BLOB NOT NULL
     ) STRICT;
     CREATE INDEX IF NOT EXISTS messages_report ON messages (report, at);
     PRAGMA user_version = 2;
     COMMIT;";

/// Layout version 3: where the last pull from each server stopped (on a
/// member's machine; unused on a server).
const SCHEMA_3: &str = "BEGIN;
     CREATE TABLE IF NOT EXISTS pull_cursors (
         server TEXT PRIMARY KEY NOT NULL,
         cursor TEXT NOT NULL,
         pulled TEXT NOT NULL
     ) STRICT;
     PRAGMA user_version = 3;
     COMMIT;";

/// How the server recognises a report's reporter, and what replies are
/// encrypted to. The codename itself is never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReporterAccess {
    /// The codename's lookup index (see `codename::Codename::index`).
    pub index: String,
    /// The per-report argon2id salt.
    pub salt: Vec<u8>,
    /// The codename's verifier.
    pub verifier: Vec<u8>,
    /// The armoured public key replies are encrypted to.
    pub reply_key: String,
    /// Whether that key is the reporter's own (else derived from the
    /// codename).
    pub own_key: bool,
}

/// The key replies to a report are encrypted to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ReplyKeyInfo {
    /// The armoured public key.
    pub armored: String,
    /// The reporter's own key (else derived from their codename).
    pub own_key: bool,
}

/// What a message about a report is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MessageKind {
    /// From the reporter, encrypted to the team.
    FollowUp,
    /// From a team member, signed, encrypted to the reporter.
    Reply,
}

impl MessageKind {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::FollowUp => "follow-up",
            Self::Reply => "reply",
        }
    }

    /// The kind with the code `code`.
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::FollowUp, Self::Reply]
            .into_iter()
            .find(|k| k.code() == code)
    }
}

/// One stored message (ciphertext only).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct StoredMessage {
    /// Its id.
    pub id: String,
    /// The report it is about.
    pub report: String,
    /// Follow-up or reply.
    pub kind: MessageKind,
    /// When it was stored.
    pub at: DateTime<Utc>,
    /// For a reply: the fingerprint of the member who sent it.
    pub author: Option<String>,
    /// Size of the ciphertext, in bytes.
    #[serde(default)]
    pub size: usize,
    /// The OpenPGP message.
    #[serde(skip)]
    pub ciphertext: Vec<u8>,
}

/// The inbox database.
#[derive(Debug)]
pub struct Inbox {
    conn: Connection,
    path: PathBuf,
}

impl Inbox {
    /// The default database: `$XDG_DATA_HOME/secpack/inbox.sqlite`, else
    /// `~/.local/share/secpack/inbox.sqlite` (outside any pack).
    pub fn default_path() -> Result<PathBuf> {
        let base = match std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => {
                let home = std::env::var_os("HOME")
                    .filter(|v| !v.is_empty())
                    .ok_or(InboxError::NoDefaultPath)?;
                PathBuf::from(home).join(".local/share")
            }
        };
        Ok(base.join("secpack").join("inbox.sqlite"))
    }

    /// Opens (creating when absent) the database at `path`.
    ///
    /// The database and its `-wal` and `-shm` files are for the user alone
    /// (mode 0600, whatever the umask): the file is created so before
    /// SQLite opens it, and SQLite gives its side files the database's mode.
    /// Files left readable by others (by an older secpack) are narrowed to
    /// 0600. A folder created for the database has mode 0700.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            create_private_dir(parent).map_err(|e| IoError::new("creating", parent, e))?;
        }
        make_private(path, true).map_err(|e| IoError::new("creating", path, e))?;
        let open = |source| InboxError::Open {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open(path).map_err(open)?;
        let inbox = Self {
            conn,
            path: path.to_path_buf(),
        };
        inbox.prepare().map_err(|e| match e {
            InboxError::Database(source) => open(source),
            other => other,
        })?;
        for suffix in ["-wal", "-shm"] {
            let mut side = path.as_os_str().to_owned();
            side.push(suffix);
            let side = Path::new(&side);
            make_private(side, false).map_err(|e| IoError::new("setting the mode of", side, e))?;
        }
        Ok(inbox)
    }

    /// Opens the database at `path`, which must exist
    /// ([`InboxError::Missing`] otherwise).
    pub fn open_existing(path: &Path) -> Result<Self> {
        if !path.exists() {
            return Err(InboxError::Missing(path.to_path_buf()));
        }
        Self::open(path)
    }

    fn prepare(&self) -> Result<()> {
        let c = &self.conn;
        c.busy_timeout(std::time::Duration::from_secs(10))?;
        let mode: String = c.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(InboxError::NoWal {
                path: self.path.clone(),
                mode,
            });
        }
        c.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
        let version: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version == 0 {
            c.execute_batch(
                "BEGIN;
                 CREATE TABLE IF NOT EXISTS reports (
                     id TEXT PRIMARY KEY NOT NULL,
                     received TEXT NOT NULL,
                     key TEXT NOT NULL,
                     state TEXT NOT NULL,
                     qsb INTEGER,
                     updated TEXT NOT NULL,
                     ciphertext BLOB NOT NULL
                 ) STRICT;
                 PRAGMA user_version = 1;
                 COMMIT;",
            )?;
        }
        match version {
            0 | 1 => c.execute_batch(&format!("{SCHEMA_2}{SCHEMA_3}"))?,
            2 => c.execute_batch(SCHEMA_3)?,
            SCHEMA_VERSION => {}
            found => {
                return Err(InboxError::NewerLayout {
                    path: self.path.clone(),
                    found,
                })
            }
        }
        Ok(())
    }

    /// Stores a report as [`Inbox::insert`] does, with the reporter's means
    /// of coming back to it, in one transaction.
    pub fn insert_with_access(
        &mut self,
        ciphertext: &[u8],
        key: &str,
        received: DateTime<Utc>,
        access: &ReporterAccess,
    ) -> Result<String> {
        let tx = self.conn.transaction()?;
        let when = timestamp(received);
        let id = loop {
            let id = new_id(received)?;
            let inserted = tx.execute(
                "INSERT OR IGNORE INTO reports (id, received, key, state, qsb, updated, ciphertext)
                 VALUES (?1, ?2, ?3, ?4, NULL, ?2, ?5)",
                params![id, when, key, ReportState::Received.code(), ciphertext],
            )?;
            if inserted == 1 {
                break id;
            }
        };
        tx.execute(
            "INSERT INTO reporters (report, codename_index, salt, verifier, reply_key, own_key)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                id,
                access.index,
                access.salt,
                access.verifier,
                access.reply_key,
                access.own_key
            ],
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// The report whose codename has the lookup index `index`, and how its
    /// reporter is recognised.
    pub fn find_by_index(&self, index: &str) -> Result<Option<(String, ReporterAccess)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT report, codename_index, salt, verifier, reply_key, own_key
                 FROM reporters WHERE codename_index = ?1",
                [index],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        ReporterAccess {
                            index: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                            salt: r.get::<_, Option<Vec<u8>>>(2)?.unwrap_or_default(),
                            verifier: r.get::<_, Option<Vec<u8>>>(3)?.unwrap_or_default(),
                            reply_key: r.get(4)?,
                            own_key: r.get(5)?,
                        },
                    ))
                },
            )
            .optional()?)
    }

    /// The key replies to report `id` are encrypted to (armoured), and
    /// whether it is the reporter's own.
    pub fn reply_key(&self, id: &str) -> Result<Option<ReplyKeyInfo>> {
        Ok(self
            .conn
            .query_row(
                "SELECT reply_key, own_key FROM reporters WHERE report = ?1",
                [id],
                |r| {
                    Ok(ReplyKeyInfo {
                        armored: r.get(0)?,
                        own_key: r.get(1)?,
                    })
                },
            )
            .optional()?)
    }

    /// Stores a message about report `id` (a reporter's follow-up, or a
    /// team member's reply); committed when this returns.
    pub fn add_message(
        &self,
        id: &str,
        kind: MessageKind,
        author: Option<&str>,
        ciphertext: &[u8],
        at: DateTime<Utc>,
    ) -> Result<StoredMessage> {
        self.require(id)?;
        let message_id = new_id(at)?;
        self.conn.execute(
            "INSERT INTO messages (id, report, kind, at, author, ciphertext)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                message_id,
                id,
                kind.code(),
                timestamp(at),
                author,
                ciphertext
            ],
        )?;
        Ok(StoredMessage {
            id: message_id,
            report: id.to_string(),
            kind,
            at,
            author: author.map(str::to_string),
            size: ciphertext.len(),
            ciphertext: ciphertext.to_vec(),
        })
    }

    /// The messages about report `id` (every report when `None`), oldest
    /// first; messages stored in the same millisecond in the order they were
    /// stored.
    pub fn messages(&self, id: Option<&str>) -> Result<Vec<StoredMessage>> {
        self.select_messages("?1 IS NULL OR report = ?1", id.map(str::to_string))
    }

    /// The messages stored at or after `since` (every message when `None`),
    /// oldest first.
    pub fn messages_since(&self, since: Option<DateTime<Utc>>) -> Result<Vec<StoredMessage>> {
        self.select_messages("?1 IS NULL OR at >= ?1", since.map(timestamp))
    }

    /// Reports received, changed, or with a message stored at or after
    /// `since` (every report when `None`), oldest first.
    pub fn list_changed(&self, since: Option<DateTime<Utc>>) -> Result<Vec<StoredReport>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, received, key, state, qsb, updated, ciphertext FROM reports
             WHERE ?1 IS NULL OR received >= ?1 OR updated >= ?1
                OR id IN (SELECT report FROM messages WHERE at >= ?1)
             ORDER BY received, id",
        )?;
        let rows = stmt.query_map([since.map(timestamp)], row)?;
        rows.map(|r| r?).collect()
    }

    /// Where the last pull from `server` stopped, if there was one.
    pub fn pull_cursor(&self, server: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT cursor FROM pull_cursors WHERE server = ?1",
                [server],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Remembers where a pull from `server` stopped (`cursor`, as the server
    /// gave it), at `now`.
    pub fn set_pull_cursor(&self, server: &str, cursor: &str, now: DateTime<Utc>) -> Result<()> {
        self.conn.execute(
            "INSERT INTO pull_cursors (server, cursor, pulled) VALUES (?1, ?2, ?3)
             ON CONFLICT (server) DO UPDATE SET cursor = excluded.cursor, pulled = excluded.pulled",
            params![server, cursor, timestamp(now)],
        )?;
        Ok(())
    }

    /// The messages matching `condition` over the one parameter `param`.
    fn select_messages(
        &self,
        condition: &str,
        param: Option<String>,
    ) -> Result<Vec<StoredMessage>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT id, report, kind, at, author, ciphertext FROM messages
             WHERE {condition} ORDER BY at, rowid"
        ))?;
        let rows = stmt.query_map([param], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Vec<u8>>(5)?,
            ))
        })?;
        rows.map(|r| {
            let (id, report, kind, at, author, ciphertext) = r?;
            Ok(StoredMessage {
                kind: MessageKind::from_code(&kind).ok_or_else(|| InboxError::Malformed {
                    what: "message kind",
                    detail: format!("message {id}: {kind:?}"),
                })?,
                at: parse_time(&at)?,
                size: ciphertext.len(),
                id,
                report,
                author,
                ciphertext,
            })
        })
        .collect()
    }

    /// Merges a report pulled from a server into this (local) inbox: added
    /// when absent; its state taken when the server's is newer; its reply
    /// key and messages added when absent. Returns whether anything changed.
    pub fn merge(
        &mut self,
        report: &StoredReport,
        reply_key: Option<&ReplyKeyInfo>,
        messages: &[StoredMessage],
    ) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let mut changed = tx.execute(
            "INSERT OR IGNORE INTO reports (id, received, key, state, qsb, updated, ciphertext)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                report.id,
                timestamp(report.received),
                report.key,
                report.state.code(),
                report.qsb,
                timestamp(report.updated),
                report.ciphertext
            ],
        )?;
        changed += tx.execute(
            "UPDATE reports SET state = ?2, qsb = ?3, updated = ?4 WHERE id = ?1 AND updated < ?4",
            params![
                report.id,
                report.state.code(),
                report.qsb,
                timestamp(report.updated)
            ],
        )?;
        if let Some(k) = reply_key {
            changed += tx.execute(
                "INSERT OR IGNORE INTO reporters (report, reply_key, own_key) VALUES (?1, ?2, ?3)",
                params![report.id, k.armored, k.own_key],
            )?;
        }
        for m in messages {
            if m.report != report.id {
                return Err(InboxError::MessageMismatch {
                    message: m.id.clone(),
                    report: report.id.clone(),
                });
            }
            changed += tx.execute(
                "INSERT OR IGNORE INTO messages (id, report, kind, at, author, ciphertext)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    m.id,
                    m.report,
                    m.kind.code(),
                    timestamp(m.at),
                    m.author,
                    m.ciphertext
                ],
            )?;
        }
        tx.commit()?;
        Ok(changed > 0)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stores a report encrypted to `key` and returns its new receipt id.
    /// The insert is committed (and synced) when this returns.
    pub fn insert(&self, ciphertext: &[u8], key: &str, received: DateTime<Utc>) -> Result<String> {
        let when = timestamp(received);
        loop {
            let id = new_id(received)?;
            let inserted = self.conn.execute(
                "INSERT OR IGNORE INTO reports (id, received, key, state, qsb, updated, ciphertext)
                 VALUES (?1, ?2, ?3, ?4, NULL, ?2, ?5)",
                params![id, when, key, ReportState::Received.code(), ciphertext],
            )?;
            if inserted == 1 {
                return Ok(id);
            }
        }
    }

    /// Every report, oldest first.
    pub fn list(&self) -> Result<Vec<StoredReport>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, received, key, state, qsb, updated, ciphertext FROM reports
             ORDER BY received, id",
        )?;
        let rows = stmt.query_map([], row)?;
        rows.map(|r| r?).collect()
    }

    /// The report with receipt id `id`.
    pub fn get(&self, id: &str) -> Result<Option<StoredReport>> {
        self.conn
            .query_row(
                "SELECT id, received, key, state, qsb, updated, ciphertext FROM reports WHERE id = ?1",
                [id],
                row,
            )
            .optional()?
            .transpose()
    }

    /// Sets the state of report `id` (and its bulletin number when `qsb` is
    /// given) and returns the updated report.
    pub fn set_state(
        &self,
        id: &str,
        state: ReportState,
        qsb: Option<u32>,
        now: DateTime<Utc>,
    ) -> Result<StoredReport> {
        let changed = self.conn.execute(
            "UPDATE reports SET state = ?2, qsb = COALESCE(?3, qsb), updated = ?4 WHERE id = ?1",
            params![id, state.code(), qsb, timestamp(now)],
        )?;
        if changed != 1 {
            return Err(self.unknown(id));
        }
        self.require(id)
    }

    /// The report with receipt id `id`; [`InboxError::UnknownReport`] when
    /// there is none.
    pub fn require(&self, id: &str) -> Result<StoredReport> {
        self.get(id)?.ok_or_else(|| self.unknown(id))
    }

    fn unknown(&self, id: &str) -> InboxError {
        InboxError::UnknownReport {
            id: id.to_string(),
            path: self.path.clone(),
        }
    }
}

type Row = Result<StoredReport>;

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let id: String = r.get(0)?;
    let received: String = r.get(1)?;
    let key: String = r.get(2)?;
    let state: String = r.get(3)?;
    let qsb: Option<u32> = r.get(4)?;
    let updated: String = r.get(5)?;
    let ciphertext: Vec<u8> = r.get(6)?;
    Ok((|| {
        Ok(StoredReport {
            received: parse_time(&received)?,
            state: ReportState::from_code(&state).ok_or_else(|| InboxError::Malformed {
                what: "state",
                detail: format!("report {id}: {state:?}"),
            })?,
            updated: parse_time(&updated)?,
            size: ciphertext.len(),
            id,
            key,
            qsb,
            ciphertext,
        })
    })())
}

/// Creates `dir` and its missing parents with mode 0700.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Gives the file at `path` mode 0600: creates it empty (an empty file is an
/// empty SQLite database) when `create` and it is missing, and narrows the
/// mode of an existing file that group or others may use.
#[cfg(unix)]
fn make_private(path: &Path, create: bool) -> std::io::Result<()> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
    const PRIVATE: u32 = 0o600;
    let private = || std::fs::Permissions::from_mode(PRIVATE);
    if create {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(PRIVATE)
            .open(path)
        {
            // The umask may only have taken bits away; SQLite needs 0600.
            Ok(file) => return file.set_permissions(private()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if meta.is_file() && meta.mode() & 0o077 != 0 {
        // Not fatal: a file secpack may not change (another user's) stays
        // as it is, with a warning.
        match std::fs::set_permissions(path, private()) {
            Ok(()) => tracing::info!(
                "{} was open to others (mode {:o}): narrowed to 0600",
                path.display(),
                meta.mode() & 0o777
            ),
            Err(e) => tracing::warn!(
                "{} is open to others (mode {:o}) and could not be narrowed to 0600: {e}",
                path.display(),
                meta.mode() & 0o777
            ),
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn make_private(path: &Path, create: bool) -> std::io::Result<()> {
    if create && !path.exists() {
        std::fs::File::create(path)?;
    }
    Ok(())
}

fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_time(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| InboxError::Malformed {
            what: "time",
            detail: format!("{s:?}"),
        })
}

/// A receipt id: the day received and 48 random bits (`20260502-9f3a1c2b7d4e`).
fn new_id(received: DateTime<Utc>) -> Result<String> {
    let mut random = [0u8; 6];
    openssl::rand::rand_bytes(&mut random)?;
    let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{}-{hex}", received.format("%Y%m%d")))
}

/// Whether `id` has the shape of a receipt id (checked before looking it up).
pub fn is_receipt_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    bytes.len() == 21
        && bytes[..8].iter().all(u8::is_ascii_digit)
        && bytes[8] == b'-'
        && bytes[9..]
            .iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn messages_of_one_millisecond_keep_the_order_they_were_stored_in() {
        let dir = tempfile::tempdir().unwrap();
        let inbox = Inbox::open(&dir.path().join("inbox.sqlite")).unwrap();
        let t = at("2026-05-02T10:00:00Z");
        let report = inbox.insert(b"cipher", "AAAA", t).unwrap();
        // Message ids are random after the time: twenty messages stored in
        // the same millisecond would come back shuffled if ordered by id.
        let stored: Vec<String> = (0..20)
            .map(|i| {
                let kind = [MessageKind::FollowUp, MessageKind::Reply][i % 2];
                let m = inbox.add_message(&report, kind, None, b"m", t).unwrap();
                m.id
            })
            .collect();
        let listed: Vec<String> = inbox
            .messages(Some(&report))
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(listed, stored);
        let since: Vec<String> = inbox
            .messages_since(Some(t))
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(since, stored);
    }

    #[test]
    fn reports_are_stored_listed_and_moved_through_states() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/inbox.sqlite");
        let inbox = Inbox::open(&path).unwrap();
        let a = inbox
            .insert(b"cipher-a", "AAAA", at("2026-05-02T10:00:00Z"))
            .unwrap();
        let b = inbox
            .insert(b"cipher-bb", "AAAA", at("2026-05-01T10:00:00Z"))
            .unwrap();
        assert!(a.starts_with("20260502-") && is_receipt_id(&a), "{a}");
        assert!(is_receipt_id(&b));
        assert_ne!(a, b);
        let list = inbox.list().unwrap();
        assert_eq!(
            list.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            [&b, &a]
        );
        assert_eq!(list[0].size, 9);
        assert_eq!(list[1].ciphertext, b"cipher-a");
        assert_eq!(list[1].state, ReportState::Received);

        let t = at("2026-05-03T00:00:00Z");
        let r = inbox
            .set_state(&a, ReportState::Confirmed, Some(105), t)
            .unwrap();
        assert_eq!(
            (r.state, r.qsb, r.updated),
            (ReportState::Confirmed, Some(105), t)
        );
        // A later change without --qsb keeps the number.
        let r = inbox
            .set_state(&a, ReportState::Published, None, t)
            .unwrap();
        assert_eq!(r.qsb, Some(105));
        drop(inbox);

        // Reopened: the data and the settings persist.
        let inbox = Inbox::open(&path).unwrap();
        assert_eq!(
            inbox.get(&a).unwrap().unwrap().state,
            ReportState::Published
        );
        assert!(inbox.get("20260101-000000000000").unwrap().is_none());
        let e = inbox
            .set_state("nope", ReportState::Fixed, None, t)
            .unwrap_err();
        assert!(e.to_string().contains("no report with the id"), "{e}");
        let mode: String = inbox
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = inbox
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "FULL");
    }

    #[cfg(unix)]
    #[test]
    fn the_database_and_its_side_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let files = |db: &Path| {
            ["", "-wal", "-shm"].map(|suffix| {
                let mut p = db.as_os_str().to_owned();
                p.push(suffix);
                PathBuf::from(p)
            })
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/secpack/inbox.sqlite");
        let inbox = Inbox::open(&path).unwrap();
        inbox
            .insert(b"cipher", "AAAA", at("2026-05-02T10:00:00Z"))
            .unwrap();
        for f in files(&path) {
            assert_eq!(mode(&f), 0o600, "{}", f.display());
        }
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(mode(&dir.path().join("data")), 0o700);

        // Files an older secpack left readable by others are narrowed when
        // the database is opened again.
        for f in files(&path) {
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let again = Inbox::open(&path).unwrap();
        again
            .insert(b"cipher-2", "AAAA", at("2026-05-02T11:00:00Z"))
            .unwrap();
        for f in files(&path) {
            assert_eq!(mode(&f), 0o600, "{}", f.display());
        }
        assert_eq!(again.list().unwrap().len(), 2);
        drop(inbox);
    }

    #[test]
    fn reporters_and_messages_are_stored_and_merged() {
        let dir = tempfile::tempdir().unwrap();
        let mut server = Inbox::open(&dir.path().join("server.sqlite")).unwrap();
        let access = ReporterAccess {
            index: "ab".repeat(32),
            salt: vec![1; 16],
            verifier: vec![2; 32],
            reply_key: "KEY".into(),
            own_key: false,
        };
        let t = at("2026-05-02T10:00:00Z");
        let id = server
            .insert_with_access(b"cipher", "AAAA", t, &access)
            .unwrap();
        let (found, got) = server.find_by_index(&access.index).unwrap().unwrap();
        assert_eq!((found.as_str(), &got), (id.as_str(), &access));
        assert!(server.find_by_index(&"cd".repeat(32)).unwrap().is_none());
        // A second report cannot take the same index.
        assert!(server
            .insert_with_access(b"other", "AAAA", t, &access)
            .is_err());
        let f = server
            .add_message(&id, MessageKind::FollowUp, None, b"more", t)
            .unwrap();
        let r = server
            .add_message(
                &id,
                MessageKind::Reply,
                Some("FPR"),
                b"answer",
                at("2026-05-03T10:00:00Z"),
            )
            .unwrap();
        assert!(server
            .add_message("20260101-000000000000", MessageKind::Reply, None, b"x", t)
            .is_err());
        let all = server.messages(Some(&id)).unwrap();
        assert_eq!(
            all.iter()
                .map(|m| (m.id.as_str(), m.kind))
                .collect::<Vec<_>>(),
            [
                (f.id.as_str(), MessageKind::FollowUp),
                (r.id.as_str(), MessageKind::Reply)
            ]
        );
        assert_eq!(all[1].ciphertext, b"answer");
        assert_eq!(server.messages(None).unwrap().len(), 2);
        server
            .set_state(&id, ReportState::Triaged, None, at("2026-05-04T00:00:00Z"))
            .unwrap();

        // A member's local copy: merged once, then only what is new.
        let mut local = Inbox::open(&dir.path().join("local.sqlite")).unwrap();
        let report = server.get(&id).unwrap().unwrap();
        let key = server.reply_key(&id).unwrap().unwrap();
        assert_eq!(key.armored, "KEY");
        assert!(local.merge(&report, Some(&key), &all).unwrap());
        assert!(!local.merge(&report, Some(&key), &all).unwrap());
        assert_eq!(local.get(&id).unwrap().unwrap().state, ReportState::Triaged);
        assert_eq!(local.messages(None).unwrap().len(), 2);
        // The local copy holds no codename material.
        assert!(local.find_by_index(&access.index).unwrap().is_none());
        // An older state from the server does not overwrite a newer one.
        local
            .set_state(&id, ReportState::Fixed, None, at("2026-05-05T00:00:00Z"))
            .unwrap();
        local.merge(&report, None, &[]).unwrap();
        assert_eq!(local.get(&id).unwrap().unwrap().state, ReportState::Fixed);
    }

    #[test]
    fn a_version_1_database_is_upgraded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inbox.sqlite");
        Connection::open(&path)
            .unwrap()
            .execute_batch(
                "CREATE TABLE reports (id TEXT PRIMARY KEY NOT NULL, received TEXT NOT NULL,
                 key TEXT NOT NULL, state TEXT NOT NULL, qsb INTEGER, updated TEXT NOT NULL,
                 ciphertext BLOB NOT NULL) STRICT; PRAGMA user_version = 1;",
            )
            .unwrap();
        let inbox = Inbox::open(&path).unwrap();
        let id = inbox.insert(b"c", "K", at("2026-05-02T10:00:00Z")).unwrap();
        assert!(inbox.messages(Some(&id)).unwrap().is_empty());
        let v: i64 = inbox
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
    }

    #[test]
    fn a_newer_layout_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inbox.sqlite");
        Connection::open(&path)
            .unwrap()
            .execute_batch("PRAGMA user_version = 7")
            .unwrap();
        let e = format!("{:#}", Inbox::open(&path).unwrap_err());
        assert!(e.contains("layout version 7"), "{e}");
    }

    #[test]
    fn receipt_id_shape() {
        assert!(is_receipt_id("20260502-9f3a1c2b7d4e"));
        for bad in [
            "",
            "20260502-9F3A1C2B7D4E",
            "2026050-9f3a1c2b7d4e0",
            "20260502_9f3a1c2b7d4e",
            "../../etc/passwd",
        ] {
            assert!(!is_receipt_id(bad), "{bad}");
        }
    }
}
