//! A persistent cache of keyring judgements.
//!
//! Judging a pack's keys reads every key file (megabytes of armour on keys
//! with years of certifications), builds each certificate (Sequoia hashes
//! every signature it keeps) and checks every self-signature and the
//! master's certifications. A pack's keys rarely change between two runs of
//! `secpack verify`, so the judgement is kept: the verdict on every key
//! entry (status, reason, facts, warnings), what is wrong with the master
//! key, and each certificate as judged (only the packets that can grant
//! trust: the key's own and the pinned master's signatures), read back only
//! when a signature must be judged with it (`certslot`).
//!
//! An entry is used only when all of these hold; otherwise the keys are
//! judged afresh and the entry replaced:
//!
//! * It is named by a SHA-256 digest of everything the judgement reads: the
//!   pinned fingerprint, every key file's path, role, retired flag and the
//!   SHA-256 of its bytes, in order, and the versions of secpack and of this
//!   format. A changed byte in a key file (a new revocation, a new
//!   certification, an altered signature), a key added, moved or removed,
//!   another pin or another secpack gives another name. A key file that
//!   could not be read is never cached.
//! * The clock is at or after the time of the judgement and before the first
//!   instant after it at which the judgement could change with time alone
//!   ([`valid_until`]): the creation time of a key or of a signature
//!   (binding, certification, revocation), the expiry of a signature or of a
//!   key under any of its bindings, and a cut-off date of the policy. A key
//!   that expires, a certification that runs out, a revocation dated in the
//!   future: each ends the entry's life.
//! * Its authentication code verifies: an entry carries an HMAC-SHA256 over
//!   this format's header, its name and its contents, under the key of the
//!   signature cache ([`super::cache`]), and is read with the same checks (a
//!   regular file owned by the user, not a link, not writable by others, in
//!   folders only the user may change). An entry that fails is ignored with
//!   a warning.
//!
//! Entries are files named by their digest in `keyrings/` beside the
//! signature cache (`$XDG_CACHE_HOME/secpack/keyrings/`), written
//! atomically; the [`MAX_ENTRIES`] most recently written are kept. The cache
//! is restored and saved with the signature cache
//! ([`super::cache::VerificationCache`]), which makes it the one
//! [`Keyring::from_files`] uses; `--no-cache` turns both off.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use sequoia_openpgp::packet::Signature;
use sequoia_openpgp::policy::{AsymmetricAlgorithm, HashAlgoSecurity, StandardPolicy};
use sequoia_openpgp::serialize::SerializeInto;
use sequoia_openpgp::types::HashAlgorithm;
use sequoia_openpgp::{Cert, Fingerprint, KeyID};
use serde::{Deserialize, Serialize};

use super::cache::{self, CacheError, Key};
use super::certslot::CertSlot;
use super::entries::{Counts, EntryFolder, Installed};
use super::keyring::{KeyEntry, KeyFile, Keyring};
use super::pin::MasterPin;
use super::verdict::KeyStatus;

/// First bytes of an entry file.
const MAGIC: &[u8; 16] = b"secpack-keyr-v1\n";

/// What the entry names are derived from, besides the inputs: bump it when
/// the judgement of keys changes in a way the secpack version does not show.
const FORMAT: &[u8] = b"secpack keyring judgement, format 2";

/// Entries kept at most (one per pack and pin verified).
pub const MAX_ENTRIES: usize = 16;

/// Largest entry file read (the certificates of a large pack are a few
/// megabytes).
const MAX_ENTRY_BYTES: u64 = 64 << 20;

pub use super::entries::EntryId;

/// Where a keyring judgement stands in the cache: its name, and the first
/// instant at which it could change with time alone ([`valid_until`];
/// `None`: never). Whatever is judged with the keyring holds no longer
/// (the judgements of documents' signatures, [`super::judgecache`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    /// The entry's name ([`entry_id`]).
    pub id: EntryId,
    /// Until when the judgement holds.
    pub valid_until: Option<SystemTime>,
}

/// The capabilities a key entry may list ([`KeyEntry::capabilities`]).
const CAPABILITIES: [&str; 4] = ["certify", "sign", "encrypt", "authenticate"];

/// The cache of keyring judgements in use for this run.
#[derive(Debug)]
pub struct KeyringCache {
    folder: EntryFolder,
    key: Option<Key>,
    pending: Mutex<Vec<(EntryId, Vec<u8>)>>,
    counts: Counts,
}

/// The cache [`Keyring::from_files`] uses, installed by
/// [`super::cache::VerificationCache::load_keyed`].
static ACTIVE: Installed<KeyringCache> = Installed::none();

/// The cache installed for this process, if any.
pub fn active() -> Option<Arc<KeyringCache>> {
    ACTIVE.get()
}

/// Installs `cache` as the one [`Keyring::from_files`] uses (`None`: none).
pub fn install(cache: Option<Arc<KeyringCache>>) {
    ACTIVE.set(cache);
}

/// The folder of keyring entries beside the signature cache file `path`.
pub fn folder_beside(path: &Path) -> PathBuf {
    cache::folder_of(path).join("keyrings")
}

impl KeyringCache {
    /// A cache of entries in `dir`, authenticated with `key` (without a key,
    /// nothing is found and [`KeyringCache::save`] needs one).
    pub fn new(dir: &Path, key: Option<Key>) -> Self {
        Self {
            folder: EntryFolder::new(dir, MAGIC, MAX_ENTRY_BYTES, MAX_ENTRIES),
            key,
            pending: Mutex::new(Vec::new()),
            counts: Counts::default(),
        }
    }

    /// How many keyrings this run took from the cache.
    pub fn hits(&self) -> usize {
        self.counts.hits()
    }

    /// How many keyrings this run judged afresh while the cache was in use.
    pub fn misses(&self) -> usize {
        self.counts.misses()
    }

    /// Whether judgements wait to be saved.
    pub fn has_pending(&self) -> bool {
        self.pending.lock().is_ok_and(|p| !p.is_empty())
    }

    /// The keyring judged at `judged` from the files `id` names, if an
    /// authenticated entry holds it and is still valid `now`.
    pub(super) fn lookup(&self, id: &EntryId, now: SystemTime) -> Option<Keyring> {
        let found = self.key.as_ref().and_then(|key| {
            self.folder
                .read_decoded(key, id, "keyring", |body| decode(body, id, now))
                .flatten()
        });
        self.counts.record(&found);
        found
    }

    /// Keeps `ring`, judged at `judged_at` from the files `scope` names, to
    /// be written by [`KeyringCache::save`].
    pub(super) fn store(&self, scope: Scope, ring: &Keyring, judged_at: SystemTime) {
        let body = encode(ring, judged_at, scope.valid_until);
        if let Ok(mut p) = self.pending.lock() {
            p.retain(|(i, _)| *i != scope.id);
            p.push((scope.id, body));
        }
    }

    /// Writes the judgements kept in this run (each atomically, mode 0600,
    /// authenticated with `key`), then removes all but the [`MAX_ENTRIES`]
    /// most recently written entries.
    pub fn save(&self, key: &Key) -> Result<(), CacheError> {
        let pending = match self.pending.lock() {
            Ok(mut p) => std::mem::take(&mut *p),
            Err(_) => return Ok(()),
        };
        if pending.is_empty() {
            return Ok(());
        }
        for (id, body) in &pending {
            self.folder.write(key, id, body)?;
        }
        self.folder.prune();
        Ok(())
    }
}

/// The name of the judgement of `files` from `pin`, or `None` when a file
/// could not be read (such a judgement is not cached).
pub(super) fn entry_id(files: &[KeyFile], pin: &MasterPin) -> Option<EntryId> {
    let digests: Vec<[u8; 32]> = files
        .par_iter()
        .map(|f| f.contents.as_ref().ok().map(|b| openssl::sha::sha256(b)))
        .collect::<Option<Vec<_>>>()?;
    let mut h = openssl::sha::Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    field(FORMAT);
    field(env!("CARGO_PKG_VERSION").as_bytes());
    field(pin.to_hex().as_bytes());
    field(&(files.len() as u64).to_le_bytes());
    for (f, digest) in files.iter().zip(&digests) {
        field(f.path.as_bytes());
        field(f.role.as_bytes());
        field(&[u8::from(f.retired)]);
        field(digest);
    }
    Some(h.finish())
}

/// The first instant after `judged_at` at which a judgement of `certs` under
/// `policy` could change with the time alone, `None` if none can: the
/// creation time of every key and every signature (including bad and
/// embedded ones), the expiry of every signature, every key's creation time
/// plus every key validity period a signature of its certificate states (a
/// superset of its real expiries), and every cut-off date of the policy
/// (hash and public-key algorithms).
pub fn valid_until<'a>(
    certs: impl IntoIterator<Item = &'a Cert>,
    policy: &StandardPolicy,
    judged_at: SystemTime,
) -> Option<SystemTime> {
    let mut first: Option<SystemTime> = None;
    let mut consider = |t: SystemTime| {
        if t > judged_at && first.is_none_or(|f| t < f) {
            first = Some(t);
        }
    };
    for cert in certs {
        let created: Vec<SystemTime> = cert.keys().map(|k| k.key().creation_time()).collect();
        created.iter().copied().for_each(&mut consider);
        let sigs = signatures(cert);
        for sig in sigs {
            let Some(c) = sig.signature_creation_time() else {
                continue;
            };
            consider(c);
            if let Some(v) = sig.signature_validity_period() {
                consider(c.checked_add(v).unwrap_or(c));
            }
            if let Some(v) = sig.key_validity_period() {
                for k in &created {
                    consider(k.checked_add(v).unwrap_or(*k));
                }
            }
        }
    }
    for h in HashAlgorithm::variants() {
        for sec in [
            HashAlgoSecurity::CollisionResistance,
            HashAlgoSecurity::SecondPreImageResistance,
        ] {
            if let Some(t) = policy.hash_cutoff(h, sec) {
                consider(t);
            }
        }
    }
    for a in AsymmetricAlgorithm::variants() {
        if let Some(t) = policy.asymmetric_algo_cutoff(a) {
            consider(t);
        }
    }
    first
}

/// Every signature of `cert`, of every component, good or set aside, with
/// the signatures embedded in them.
fn signatures(cert: &Cert) -> Vec<&Signature> {
    let mut out: Vec<&Signature> = Vec::new();
    out.extend(cert.primary_key().signatures());
    for u in cert.userids() {
        out.extend(u.signatures());
    }
    for u in cert.user_attributes() {
        out.extend(u.signatures());
    }
    for k in cert.keys().subkeys() {
        out.extend(k.signatures());
    }
    for u in cert.unknowns() {
        out.extend(u.signatures());
    }
    out.extend(cert.bad_signatures());
    let embedded: Vec<&Signature> = out
        .iter()
        .flat_map(|s| {
            s.hashed_area()
                .iter()
                .chain(s.unhashed_area().iter())
                .filter_map(|sp| match sp.value() {
                    sequoia_openpgp::packet::signature::subpacket::SubpacketValue::EmbeddedSignature(e) => Some(e),
                    _ => None,
                })
        })
        .collect();
    out.extend(embedded);
    out
}

/// One key entry as kept in the cache.
#[derive(Serialize, Deserialize)]
struct StoredEntry {
    file: String,
    fingerprint: Option<String>,
    role: String,
    retired: bool,
    status: String,
    reason: String,
    user_ids: Vec<String>,
    created: Option<DateTime<Utc>>,
    expires: Option<DateTime<Utc>>,
    revoked: bool,
    certified: Option<DateTime<Utc>>,
    capabilities: Vec<String>,
    warnings: Vec<String>,
    /// Where its certificate lies in the entry's certificate bytes.
    cert: Option<(usize, usize)>,
    /// The key IDs of the certificate's primary key and subkeys.
    keyids: Vec<String>,
}

/// A keyring judgement as kept in the cache (the certificates follow it).
#[derive(Serialize, Deserialize)]
struct Stored {
    /// Seconds since the epoch.
    judged_at: u64,
    /// Seconds since the epoch; `None`: valid for ever.
    valid_until: Option<u64>,
    master: Option<usize>,
    master_problem: Option<String>,
    master_warnings: Vec<String>,
    entries: Vec<StoredEntry>,
}

/// Seconds since the epoch, rounded down (0 before it).
pub(super) fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The body of an entry: the judgement as JSON, its length first (8 bytes,
/// little endian), then the certificates.
fn encode(ring: &Keyring, judged_at: SystemTime, until: Option<SystemTime>) -> Vec<u8> {
    let mut blob = Vec::new();
    let entries = ring
        .entries
        .iter()
        .map(|e| {
            let cert = e.cert().and_then(|c| c.to_vec().ok()).map(|bytes| {
                let start = blob.len();
                blob.extend_from_slice(&bytes);
                (start, blob.len())
            });
            StoredEntry {
                file: e.file.clone(),
                fingerprint: e.fingerprint.clone(),
                role: e.role.clone(),
                retired: e.retired,
                status: e.status.code().to_string(),
                reason: e.reason.clone(),
                user_ids: e.user_ids.clone(),
                created: e.created,
                expires: e.expires,
                revoked: e.revoked,
                certified: e.certified,
                capabilities: e.capabilities.iter().map(|c| c.to_string()).collect(),
                warnings: e.warnings.clone(),
                cert,
                keyids: e
                    .cert()
                    .map(|c| c.keys().map(|k| k.keyid().to_hex()).collect())
                    .unwrap_or_default(),
            }
        })
        .collect();
    let stored = Stored {
        // Whole seconds, as OpenPGP keeps times; the end rounded down, so
        // that the entry never outlives the judgement.
        judged_at: unix(judged_at),
        valid_until: until.map(unix),
        master: ring.master,
        master_problem: ring.master_problem.clone(),
        master_warnings: ring.master_warnings.clone(),
        entries,
    };
    let json = serde_json::to_vec(&stored).expect("a judgement serialises");
    let mut body = Vec::with_capacity(8 + json.len() + blob.len());
    body.extend_from_slice(&(json.len() as u64).to_le_bytes());
    body.extend_from_slice(&json);
    body.extend_from_slice(&blob);
    body
}

/// The keyring of the authenticated body of entry `id`, if still valid `now`.
fn decode(body: &[u8], id: &EntryId, now: SystemTime) -> Result<Option<Keyring>, &'static str> {
    const DAMAGED: &str = "its contents do not read back";
    let len = body
        .get(..8)
        .and_then(|l| <[u8; 8]>::try_from(l).ok())
        .map(u64::from_le_bytes)
        .ok_or(DAMAGED)?;
    let json_end = usize::try_from(len)
        .ok()
        .and_then(|l| l.checked_add(8))
        .filter(|&e| e <= body.len())
        .ok_or(DAMAGED)?;
    let stored: Stored = serde_json::from_slice(&body[8..json_end]).map_err(|_| DAMAGED)?;
    let blob = &body[json_end..];
    let now_s = now.duration_since(UNIX_EPOCH).map_err(|_| DAMAGED)?;
    let judged_at = Duration::from_secs(stored.judged_at);
    if now_s < judged_at
        || stored
            .valid_until
            .is_some_and(|u| now_s >= Duration::from_secs(u))
    {
        tracing::debug!("keyring cache entry judged at {judged_at:?}: not valid now");
        return Ok(None);
    }
    // The certificates are parsed when first needed (`CertSlot`).
    let blob: Arc<[u8]> = Arc::from(blob);
    let entries = stored
        .entries
        .into_iter()
        .map(|e| {
            let cert = match e.cert {
                None => CertSlot::default(),
                Some((a, b)) => {
                    let fingerprint = e
                        .fingerprint
                        .as_deref()
                        .and_then(|f| f.parse::<Fingerprint>().ok())
                        .ok_or(DAMAGED)?;
                    let keyids = e
                        .keyids
                        .iter()
                        .map(|k| k.parse::<KeyID>().map_err(|_| DAMAGED))
                        .collect::<Result<_, _>>()?;
                    blob.get(a..b).ok_or(DAMAGED)?;
                    CertSlot::stored(blob.clone(), a..b, fingerprint, keyids)
                }
            };
            let status = KeyStatus::ALL
                .into_iter()
                .find(|s| s.code() == e.status)
                .ok_or(DAMAGED)?;
            let capabilities = e
                .capabilities
                .iter()
                .map(|c| CAPABILITIES.into_iter().find(|k| k == c).ok_or(DAMAGED))
                .collect::<Result<_, _>>()?;
            Ok(KeyEntry {
                file: e.file,
                fingerprint: e.fingerprint,
                role: e.role,
                retired: e.retired,
                status,
                reason: e.reason,
                user_ids: e.user_ids,
                created: e.created,
                expires: e.expires,
                revoked: e.revoked,
                certified: e.certified,
                capabilities,
                warnings: e.warnings,
                cert,
            })
        })
        .collect::<Result<Vec<_>, &'static str>>()?;
    if stored.master.is_some_and(|m| m >= entries.len()) {
        return Err(DAMAGED);
    }
    let scope = Scope {
        id: *id,
        valid_until: stored
            .valid_until
            .map(|u| UNIX_EPOCH + Duration::from_secs(u)),
    };
    Ok(Some(Keyring::restored(
        entries,
        stored.master,
        stored.master_problem,
        stored.master_warnings,
        scope,
    )))
}
