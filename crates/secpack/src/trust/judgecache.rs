//! A persistent cache of the judgements of documents' signatures.
//!
//! With the keyring's judgement cached ([`super::keycache`]) and every
//! public-key operation answered by the signature cache ([`super::cache`]),
//! what a run of `secpack verify` still spends on an unchanged pack is
//! Sequoia's verifier taking every signature file apart again: parsing,
//! hashing the document, finding the key, validating it at the signature's
//! time. Its outcome, the [`Judgement`]s of one signature file over one
//! document, is kept here, and reused only when nothing it was made from has
//! changed:
//!
//! * It is found by a SHA-256 digest of the document's bytes and of the
//!   signature file's bytes *as read now* (and whether the file is a
//!   detached signature or a clear-signed message), in the entry of the
//!   keyring judgement it was made with: the keyring cache's name for it
//!   ([`super::keycache::entry_id`]: the pin, every key file's path, role,
//!   retired flag and digest, the versions of secpack and of the format). A
//!   changed byte of a document, a signature or a key, another pin or
//!   another secpack finds nothing.
//! * It is used only from the time of its judgement until the keyring's
//!   judgement could change with time alone (a key or signature created, a
//!   key or certification that expires, a revocation that takes effect, a
//!   cut-off date of the policy: [`super::keycache::valid_until`]).
//! * It is kept only when the judgement cannot change with time otherwise:
//!   every judgement names a signature whose creation time, and expiry if
//!   it has one, lie at least a day in the past ([`SETTLED`]; far beyond
//!   Sequoia's tolerance for clock skew). A malformed file, a signature from
//!   the future or that has yet to expire is judged afresh on every run.
//! * Its authentication code verifies, as for the keyring cache
//!   ([`super::entries`]), under the signature cache's key.
//!
//! What is kept is the judgement before the pack-level checks (file names,
//! roles, retirement, thresholds), which every run makes afresh. Entries
//! are files named by the keyring entry's name in `judgements/` beside the
//! signature cache; `--no-cache` turns it off with the others.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::cache::{self, CacheError, Key};
use super::entries::{Counts, EntryFolder, EntryId, Installed};
use super::keycache::{unix, Scope};
use super::keyring::Keyring;
use super::signature::Judgement;
use super::verdict::{SigStatus, SigWarning};

/// First bytes of an entry file.
const MAGIC: &[u8; 16] = b"secpack-judg-v1\n";

/// What the digests of judgements are made with, besides the files: bump it
/// when the judgement of signatures changes in a way the secpack version
/// does not show.
const FORMAT: &[u8] = b"secpack signature judgement, format 1";

/// Entry files kept at most (one per keyring judgement in use).
pub const MAX_FILES: usize = 16;

/// Judgements kept at most in one entry file.
pub const MAX_JUDGEMENTS: usize = 100_000;

/// Largest entry file read.
const MAX_FILE_BYTES: u64 = 256 << 20;

/// How far in the past every time a judgement depends on must lie for it to
/// be kept: a signature's creation time and its expiry.
pub const SETTLED: Duration = Duration::from_secs(86_400);

/// The cache of judgements in use for this run.
#[derive(Debug)]
pub struct JudgementCache {
    folder: EntryFolder,
    key: Option<Key>,
    /// The entry files read or started in this run, by keyring entry name.
    tables: Mutex<HashMap<EntryId, Table>>,
    counts: Counts,
}

/// The judgements of one keyring entry.
#[derive(Debug, Default)]
struct Table {
    judgements: HashMap<[u8; 32], Stored>,
    /// Judgements were added in this run.
    changed: bool,
}

/// The cache [`judge`] uses, installed by
/// [`super::cache::VerificationCache::load_keyed`].
static ACTIVE: Installed<JudgementCache> = Installed::none();

/// The cache installed for this process, if any.
pub fn active() -> Option<Arc<JudgementCache>> {
    ACTIVE.get()
}

/// Installs `cache` as the one [`judge`] uses (`None`: none).
pub fn install(cache: Option<Arc<JudgementCache>>) {
    ACTIVE.set(cache);
}

/// The folder of judgement entries beside the signature cache file `path`.
pub fn folder_beside(path: &Path) -> PathBuf {
    cache::folder_of(path).join("judgements")
}

/// What is judged: a detached signature file over a document, or a
/// clear-signed (or inline-signed) document on its own.
#[derive(Debug, Clone, Copy)]
pub enum Signed<'a> {
    /// A detached signature file's bytes.
    Detached(&'a [u8]),
    /// The document carries its signatures.
    Inline,
}

/// A document's bytes, with their SHA-256 digest computed the first time a
/// judgement cache asks for it.
#[derive(Debug)]
pub struct Document<'a> {
    bytes: &'a [u8],
    digest: OnceLock<[u8; 32]>,
}

impl<'a> Document<'a> {
    /// The document `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            digest: OnceLock::new(),
        }
    }

    fn digest(&self) -> &[u8; 32] {
        self.digest.get_or_init(|| openssl::sha::sha256(self.bytes))
    }
}

/// The judgements of `signed` over `doc` under `ring`, taken from the active
/// cache when it holds them for this keyring and these bytes, else judged
/// (and kept when they may be). Without a cache, or for a keyring judged
/// without one, this is [`Keyring::verify_detached`] or
/// [`Keyring::verify_inline`].
pub fn judge(ring: &Keyring, doc: &Document, signed: Signed) -> Vec<Judgement> {
    match active() {
        Some(cache) => cache.judge(ring, doc, signed, SystemTime::now()),
        None => fresh(ring, doc, signed),
    }
}

/// The judgements of `signed` over `doc` made now by `ring`'s verifier.
fn fresh(ring: &Keyring, doc: &Document, signed: Signed) -> Vec<Judgement> {
    match signed {
        Signed::Detached(sig) => ring.verify_detached(doc.bytes, sig),
        Signed::Inline => ring.verify_inline(doc.bytes).0,
    }
}

/// The name of the judgement of `signed` over `doc`.
fn judgement_id(doc: &Document, signed: Signed) -> [u8; 32] {
    let mut h = openssl::sha::Sha256::new();
    h.update(&(FORMAT.len() as u64).to_le_bytes());
    h.update(FORMAT);
    h.update(doc.digest());
    match signed {
        Signed::Detached(sig) => {
            h.update(b"D");
            h.update(&openssl::sha::sha256(sig));
        }
        Signed::Inline => h.update(b"I"),
    }
    h.finish()
}

/// Whether `judgements`, made at `now`, can change with time only as the
/// keyring's judgement can: each names a signature made, and expired if it
/// expires, at least [`SETTLED`] before `now`.
fn settled(judgements: &[Judgement], now: SystemTime) -> bool {
    let Some(limit) = now.checked_sub(SETTLED).map(DateTime::<Utc>::from) else {
        return false;
    };
    !judgements.is_empty()
        && judgements
            .iter()
            .all(|j| j.created.is_some_and(|c| c <= limit) && j.expires.is_none_or(|e| e <= limit))
}

impl JudgementCache {
    /// A cache of entries in `dir`, authenticated with `key` (without a key,
    /// nothing is found and [`JudgementCache::save`] needs one).
    pub fn new(dir: &Path, key: Option<Key>) -> Self {
        Self {
            folder: EntryFolder::new(dir, MAGIC, MAX_FILE_BYTES, MAX_FILES),
            key,
            tables: Mutex::new(HashMap::new()),
            counts: Counts::default(),
        }
    }

    /// How many signature files this run took the judgement of from the
    /// cache.
    pub fn hits(&self) -> usize {
        self.counts.hits()
    }

    /// How many signature files this run judged while the cache was in use.
    pub fn misses(&self) -> usize {
        self.counts.misses()
    }

    /// [`judge`] with this cache at `now`: the kept judgements when they
    /// hold, else judged afresh and kept when they may be. A keyring judged
    /// without the keyring cache has no name to keep judgements under: its
    /// signatures are judged afresh, and counted neither as hits nor misses.
    pub fn judge(
        &self,
        ring: &Keyring,
        doc: &Document,
        signed: Signed,
        now: SystemTime,
    ) -> Vec<Judgement> {
        let Some(scope) = ring.scope else {
            return fresh(ring, doc, signed);
        };
        let id = judgement_id(doc, signed);
        if let Some(found) = self.lookup(&scope, &id, now) {
            return found;
        }
        let judgements = fresh(ring, doc, signed);
        self.store(&scope, id, &judgements, now);
        judgements
    }

    /// Whether judgements wait to be saved.
    pub fn has_pending(&self) -> bool {
        self.tables
            .lock()
            .is_ok_and(|t| t.values().any(|t| t.changed))
    }

    /// The judgements named `id` made with the keyring judgement `scope`, if
    /// kept and still valid `now`.
    fn lookup(&self, scope: &Scope, id: &[u8; 32], now: SystemTime) -> Option<Vec<Judgement>> {
        let found = self.tables.lock().ok().and_then(|mut tables| {
            let table = tables
                .entry(scope.id)
                .or_insert_with(|| self.read_table(&scope.id));
            table.judgements.get(id).and_then(|s| s.restore(now))
        });
        self.counts.record(&found);
        found
    }

    /// Keeps `judgements` made at `now` with the keyring judgement `scope`
    /// under `id`, when they may be kept ([`settled`]) and the keyring's
    /// judgement still holds.
    fn store(&self, scope: &Scope, id: [u8; 32], judgements: &[Judgement], now: SystemTime) {
        if !settled(judgements, now) || scope.valid_until.is_some_and(|u| now >= u) {
            return;
        }
        let stored = Stored {
            judged_at: unix(now),
            valid_until: scope.valid_until.map(unix),
            judgements: judgements.iter().map(StoredJudgement::from).collect(),
        };
        if let Ok(mut tables) = self.tables.lock() {
            let table = tables.entry(scope.id).or_default();
            table.judgements.insert(id, stored);
            table.changed = true;
        }
    }

    /// The table of the entry `id` as its file holds it (empty when there is
    /// none or it cannot be used, with a warning for the latter).
    fn read_table(&self, id: &EntryId) -> Table {
        let judgements = self
            .key
            .as_ref()
            .and_then(|key| self.folder.read_decoded(key, id, "judgement", decode))
            .unwrap_or_default();
        Table {
            judgements,
            changed: false,
        }
    }

    /// Writes the entries this run added judgements to (each atomically,
    /// mode 0600, authenticated with `key`), without the judgements no
    /// longer valid; then removes all but the [`MAX_FILES`] most recently
    /// written entry files.
    pub fn save(&self, key: &Key) -> Result<(), CacheError> {
        let changed: Vec<(EntryId, Vec<u8>)> = match self.tables.lock() {
            Ok(mut tables) => tables
                .iter_mut()
                .filter(|(_, t)| t.changed)
                .map(|(id, t)| {
                    t.changed = false;
                    (*id, encode(&t.judgements, SystemTime::now()))
                })
                .collect(),
            Err(_) => return Ok(()),
        };
        if changed.is_empty() {
            return Ok(());
        }
        for (id, body) in &changed {
            self.folder.write(key, id, body)?;
        }
        self.folder.prune();
        Ok(())
    }
}

/// The judgements of one signature file as kept.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    /// Seconds since the epoch.
    judged_at: u64,
    /// Seconds since the epoch; `None`: as long as the keyring's judgement
    /// cannot change with time.
    valid_until: Option<u64>,
    judgements: Vec<StoredJudgement>,
}

impl Stored {
    /// Whether it holds at `now`: at or after its judgement, before the end
    /// of the keyring judgement it was made with.
    fn valid_at(&self, now: SystemTime) -> bool {
        let Ok(now) = now.duration_since(UNIX_EPOCH) else {
            return false;
        };
        now >= Duration::from_secs(self.judged_at)
            && self
                .valid_until
                .is_none_or(|u| now < Duration::from_secs(u))
    }

    /// The judgements, if they hold at `now` and read back.
    fn restore(&self, now: SystemTime) -> Option<Vec<Judgement>> {
        if !self.valid_at(now) {
            return None;
        }
        self.judgements
            .iter()
            .map(StoredJudgement::restore)
            .collect()
    }
}

/// One [`Judgement`] as kept: the status and warnings by their codes.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredJudgement {
    status: String,
    warnings: Vec<String>,
    key: Option<String>,
    created: Option<DateTime<Utc>>,
    expires: Option<DateTime<Utc>>,
    hash: Option<String>,
    reason: String,
}

impl From<&Judgement> for StoredJudgement {
    fn from(j: &Judgement) -> Self {
        Self {
            status: j.status.code().to_string(),
            warnings: j.warnings.iter().map(|w| w.code().to_string()).collect(),
            key: j.key.clone(),
            created: j.created,
            expires: j.expires,
            hash: j.hash.clone(),
            reason: j.reason.clone(),
        }
    }
}

impl StoredJudgement {
    /// The judgement, or `None` when a code is not one this secpack knows.
    fn restore(&self) -> Option<Judgement> {
        let status = SigStatus::ALL
            .into_iter()
            .find(|s| s.code() == self.status)?;
        let warnings = self
            .warnings
            .iter()
            .map(|c| SigWarning::ALL.into_iter().find(|w| w.code() == c))
            .collect::<Option<_>>()?;
        Some(Judgement {
            status,
            warnings,
            key: self.key.clone(),
            created: self.created,
            expires: self.expires,
            hash: self.hash.clone(),
            reason: self.reason.clone(),
        })
    }
}

/// The body of an entry file: its judgements still valid `now` (at most
/// [`MAX_JUDGEMENTS`], the most recent first), as JSON.
fn encode(judgements: &HashMap<[u8; 32], Stored>, now: SystemTime) -> Vec<u8> {
    let mut kept: Vec<(&[u8; 32], &Stored)> =
        judgements.iter().filter(|(_, s)| s.valid_at(now)).collect();
    kept.sort_by_key(|(_, s)| std::cmp::Reverse(s.judged_at));
    kept.truncate(MAX_JUDGEMENTS);
    let map: HashMap<String, &Stored> = kept
        .into_iter()
        .map(|(id, s)| (crate::digest::hashing::to_hex(id), s))
        .collect();
    serde_json::to_vec(&map).expect("judgements serialise")
}

/// The judgements of an authenticated body.
fn decode(body: &[u8]) -> Result<HashMap<[u8; 32], Stored>, &'static str> {
    const DAMAGED: &str = "its contents do not read back";
    let map: HashMap<String, Stored> = serde_json::from_slice(body).map_err(|_| DAMAGED)?;
    map.into_iter()
        .map(|(id, s)| {
            let id = sequoia_openpgp::fmt::hex::decode(&id)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or(DAMAGED)?;
            Ok((id, s))
        })
        .collect()
}
