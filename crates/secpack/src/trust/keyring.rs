//! The pack's keys and the trust the pinned master key gives them.
//!
//! Every key file is parsed once; a key found in several files is merged (as
//! a keyring import would) and listed once, the other files marked
//! `duplicate`. Each key is then judged once: certified by the master key
//! with a valid, unrevoked certification on one of its user IDs, or not.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use sequoia_openpgp::cert::prelude::*;
use sequoia_openpgp::packet::Signature;
use sequoia_openpgp::parse::{PacketParser, PacketParserResult, Parse};
use sequoia_openpgp::policy::{HashAlgoSecurity, Policy, StandardPolicy};
use sequoia_openpgp::types::{RevocationStatus, SignatureType};
use sequoia_openpgp::{Cert, Fingerprint, KeyHandle, KeyID, Packet};
use serde::Serialize;

use super::armor::{dearmor, ArmorKind};
use super::certslot::CertSlot;
use super::keycache::KeyringCache;
use super::pin::MasterPin;
use super::policy::{is_weak_hash, pack_policy};
use super::verdict::KeyStatus;
use crate::config::ROLE_MASTER;
use crate::pack::{FileClass, Pack};

/// Largest key file read (real key files are a few kilobytes).
pub const MAX_KEY_FILE_BYTES: u64 = 16 << 20;

/// One key found in the pack, and the verdict on it.
#[derive(Debug, Clone, Serialize)]
pub struct KeyEntry {
    /// Key file, relative to the pack root.
    pub file: String,
    /// Primary-key fingerprint (upper-case hex), when the file parsed.
    pub fingerprint: Option<String>,
    /// Role from the key's folder.
    pub role: String,
    /// Kept below a `retired/` folder.
    pub retired: bool,
    /// The verdict.
    pub status: KeyStatus,
    /// Why, in a sentence.
    pub reason: String,
    /// User IDs, as printed.
    pub user_ids: Vec<String>,
    /// Creation time of the primary key.
    pub created: Option<DateTime<Utc>>,
    /// Expiration of the primary key under its newest binding, if any.
    pub expires: Option<DateTime<Utc>>,
    /// Revoked (by itself) now.
    pub revoked: bool,
    /// When the master certified it (the certification secpack relies on).
    pub certified: Option<DateTime<Utc>>,
    /// What the key's valid (sub)keys may do, whether or not they have
    /// expired: `certify`, `sign`, `encrypt` (transport or storage),
    /// `authenticate`. A key that cannot sign owes no signatures.
    pub capabilities: Vec<&'static str>,
    /// Remarks on the key (weak hashes in its certification, ...), each
    /// starting with a stable code (`weak-hash: ...`).
    pub warnings: Vec<String>,
    #[serde(skip)]
    pub(super) cert: CertSlot,
}

impl KeyEntry {
    /// The parsed certificate (merged with duplicates), if the file parsed.
    pub fn cert(&self) -> Option<&Cert> {
        self.cert.get()
    }

    /// Whether one of its (sub)keys may sign documents.
    pub fn can_sign(&self) -> bool {
        self.capabilities.contains(&"sign")
    }

    /// Whether one of its (sub)keys may encrypt.
    pub fn can_encrypt(&self) -> bool {
        self.capabilities.contains(&"encrypt")
    }

    /// The name this key's file starts with (`alice` for
    /// `keys/security-team/alice-team.asc`), lower case.
    pub fn file_stem(&self) -> String {
        let name = self.file.rsplit('/').next().unwrap_or(&self.file);
        name.split(['.'])
            .next()
            .unwrap_or(name)
            .to_ascii_lowercase()
    }
}

/// A key file as read from the pack, before parsing.
#[derive(Debug, Clone)]
pub struct KeyFile {
    /// Path relative to the pack root.
    pub path: String,
    /// Role from its folder.
    pub role: String,
    /// Kept below a `retired/` folder.
    pub retired: bool,
    /// The bytes, or why they could not be read.
    pub contents: Result<Vec<u8>, String>,
}

/// Every key of a pack, judged from the pinned master key.
#[derive(Debug)]
pub struct Keyring {
    /// All key entries, in file order.
    pub entries: Vec<KeyEntry>,
    /// Index of the master key's entry, when the pin matched one.
    pub master: Option<usize>,
    /// Why the master key cannot be used, when it cannot.
    pub master_problem: Option<String>,
    /// Remarks on the pinned key that do not stop it from vouching (a
    /// warning, a failure under `--strict`), each starting with a stable
    /// code: `pin-not-master-folder` when the pinned key is not kept in the
    /// master key's folder (the folder whose role is `master`,
    /// `keys/master-key/` by default).
    pub master_warnings: Vec<String>,
    /// The keys were judged from a pin; `false` for [`Keyring::unjudged`],
    /// whose entries are only read and described.
    pub judged: bool,
    /// Key ID (primary and subkeys) to the entries holding that key.
    by_keyid: HashMap<KeyID, Vec<usize>>,
    /// Primary fingerprint to entry.
    by_fingerprint: HashMap<Fingerprint, usize>,
    policy: StandardPolicy<'static>,
    /// What names this judgement in the keyring cache and until when it
    /// holds; `None` when no cache was in use (nor is then any judgement
    /// made with it cached).
    pub(super) scope: Option<super::keycache::Scope>,
}

impl Keyring {
    /// Reads and judges every key of `pack` from the pinned master key.
    pub fn load(pack: &Pack, pin: &MasterPin) -> Self {
        Self::from_files(read_key_files(pack), pin)
    }

    /// Reads every key of `pack` and states the facts about it (user IDs,
    /// dates, capabilities, revocation) without judging it: no master key
    /// is pinned. Every parsed key is [`KeyStatus::Uncertified`] with the
    /// reason "not judged", and [`Keyring::judged`] is `false`; show them as
    /// unjudged, never as untrusted.
    pub fn unjudged(pack: &Pack) -> Self {
        let files = read_key_files(pack);
        let mut ring = Self::parsed(files, None);
        ring.facts(SystemTime::now());
        for e in ring.entries.iter_mut().filter(|e| e.cert.is_some()) {
            e.status = KeyStatus::Uncertified;
            e.reason = "not judged: no master key fingerprint is pinned".into();
        }
        ring
    }

    /// Builds the keyring from already-read key files (parsed in parallel,
    /// listed in file order), judged now. When a cache of keyring
    /// judgements is in use in this process ([`super::keycache::active`]),
    /// an entry for these very files and pin, still valid now, is taken
    /// instead, and a fresh judgement is kept in it.
    pub fn from_files(files: Vec<KeyFile>, pin: &MasterPin) -> Self {
        let cache = super::keycache::active();
        Self::from_files_cached(files, pin, cache.as_deref(), SystemTime::now())
    }

    /// [`Keyring::from_files`] judged at `now`, with `cache` (or none).
    pub fn from_files_cached(
        files: Vec<KeyFile>,
        pin: &MasterPin,
        cache: Option<&KeyringCache>,
        now: SystemTime,
    ) -> Self {
        let id = cache.and_then(|_| super::keycache::entry_id(&files, pin));
        if let (Some(cache), Some(id)) = (cache, &id) {
            if let Some(ring) = cache.lookup(id, now) {
                return ring;
            }
        }
        let mut ring = Self::parsed(files, Some(pin.fingerprint()));
        tracing::debug!(keys = ring.entries.len(), "key files parsed");
        ring.judged = true;
        ring.judge(pin, now);
        tracing::debug!("keyring judged");
        if let (Some(cache), Some(id)) = (cache, id) {
            let scope = super::keycache::Scope {
                id,
                valid_until: super::keycache::valid_until(
                    ring.entries.iter().filter_map(KeyEntry::cert),
                    ring.policy(),
                    now,
                ),
            };
            cache.store(scope, &ring, now);
            ring.scope = Some(scope);
        }
        ring
    }

    /// A keyring judged earlier, as the cache of judgements kept it: the
    /// entries (with their certificates) and what was found about the
    /// master key.
    pub(super) fn restored(
        entries: Vec<KeyEntry>,
        master: Option<usize>,
        master_problem: Option<String>,
        master_warnings: Vec<String>,
        scope: super::keycache::Scope,
    ) -> Self {
        let mut ring = Self {
            entries,
            master,
            master_problem,
            master_warnings,
            judged: true,
            by_keyid: HashMap::new(),
            by_fingerprint: HashMap::new(),
            policy: pack_policy(),
            scope: Some(scope),
        };
        // The certificates are read back when first needed (`CertSlot`).
        ring.index();
        ring
    }

    /// Parses the key files, merges duplicates and indexes the keys. Only
    /// the certifications `master` (or the key itself) made are kept
    /// ([`trust_relevant`]).
    fn parsed(files: Vec<KeyFile>, master: Option<&Fingerprint>) -> Self {
        let entries: Vec<KeyEntry> = files
            .into_par_iter()
            .map(|f| parse_key_file(f, master))
            .collect::<Vec<_>>()
            .into_iter()
            .flatten()
            .collect();
        let mut ring = Self {
            entries,
            master: None,
            master_problem: None,
            master_warnings: Vec::new(),
            judged: false,
            by_keyid: HashMap::new(),
            by_fingerprint: HashMap::new(),
            policy: pack_policy(),
            scope: None,
        };
        ring.merge_duplicates();
        ring.index();
        ring
    }

    /// Merges certificates found in several files into the first one.
    fn merge_duplicates(&mut self) {
        let mut first: HashMap<Fingerprint, usize> = HashMap::new();
        for i in 0..self.entries.len() {
            let Some(fingerprint) = self.entries[i].cert.get().map(Cert::fingerprint) else {
                continue;
            };
            match first.get(&fingerprint) {
                None => {
                    first.insert(fingerprint, i);
                }
                Some(&j) => {
                    let cert = self.entries[i]
                        .cert
                        .get()
                        .cloned()
                        .expect("the entry has a cert");
                    let merged = self.entries[j]
                        .cert
                        .take()
                        .expect("first entry has a cert")
                        .merge_public(cert);
                    match merged {
                        Ok(m) => self.entries[j].cert = CertSlot::parsed(Some(m)),
                        Err(e) => {
                            tracing::warn!("merging {}: {e}", self.entries[i].file);
                        }
                    }
                    if !self.entries[j].cert.is_some() {
                        self.entries[j].cert = self.entries[i].cert.clone();
                    }
                    let reason = format!(
                        "the same key as {}; both files were read and merged there",
                        self.entries[j].file
                    );
                    let e = &mut self.entries[i];
                    e.cert = CertSlot::default();
                    e.status = KeyStatus::Duplicate;
                    e.reason = reason;
                }
            }
        }
    }

    fn index(&mut self) {
        for (i, e) in self.entries.iter().enumerate() {
            let Some((fingerprint, keyids)) = e.cert.keys() else {
                continue;
            };
            self.by_fingerprint.insert(fingerprint, i);
            for k in keyids {
                self.by_keyid.entry(k).or_default().push(i);
            }
        }
    }

    /// Facts every entry shows, whatever its trust (self-signatures are
    /// checked here: in parallel, each key once).
    fn facts(&mut self, now: SystemTime) {
        let policy = &self.policy;
        self.entries.par_iter_mut().for_each(|e| {
            let Some(cert) = e.cert.get() else { return };
            e.user_ids = cert
                .userids()
                .map(|u| String::from_utf8_lossy(u.userid().value()).into_owned())
                .collect();
            e.created = Some(cert.primary_key().creation_time().into());
            match cert.with_policy(policy, now) {
                Ok(vc) => {
                    e.expires = vc
                        .primary_key()
                        .key_expiration_time()
                        .map(DateTime::<Utc>::from);
                    e.revoked = matches!(vc.revocation_status(), RevocationStatus::Revoked(_));
                    e.capabilities = capabilities(&vc);
                }
                Err(err) => {
                    tracing::debug!("{}: the key is not valid now: {err}", e.file);
                    e.revoked = matches!(
                        cert.revocation_status(policy, now),
                        RevocationStatus::Revoked(_)
                    );
                }
            }
            if let Some(w) = altered_self_signature(cert) {
                e.warnings.push(format!("self-signature-invalid: {w}"));
            }
        });
    }

    fn judge(&mut self, pin: &MasterPin, now: SystemTime) {
        self.facts(now);
        tracing::debug!("self-signatures checked");

        let master = self.by_fingerprint.get(pin.fingerprint()).copied();
        let Some(mi) = master else {
            let msg = match self.by_keyid.get(&KeyID::from(pin.fingerprint())) {
                Some(_) => format!(
                    "the pinned fingerprint {pin} is a subkey in the pack, not a primary key"
                ),
                None => format!("no key in the pack has the pinned fingerprint {pin}"),
            };
            self.master_problem = Some(msg.clone());
            for e in self.entries.iter_mut().filter(|e| e.cert.is_some()) {
                e.status = KeyStatus::Uncertified;
                e.reason = format!("not trusted: {msg}");
            }
            return;
        };
        self.master = Some(mi);
        let master_cert = self.entries[mi]
            .cert
            .get()
            .cloned()
            .expect("indexed entries have certs");
        self.master_problem = master_problem(&master_cert, &self.policy, now);
        if self.entries[mi].role != ROLE_MASTER {
            let e = &self.entries[mi];
            self.master_warnings.push(format!(
                "pin-not-master-folder: the pinned key {} is kept among the {} keys, not in \
                 the master key's folder ({}/master-key/ by default): check that the pinned \
                 fingerprint is the master key's, not a team member's",
                e.file,
                e.role,
                e.file.split('/').next().unwrap_or("keys"),
            ));
        }
        {
            let e = &mut self.entries[mi];
            e.status = KeyStatus::Master;
            e.reason = match &self.master_problem {
                None => "the pinned master key".into(),
                Some(p) => format!("the pinned master key, but {p}"),
            };
        }
        // Every certification is checked once, in parallel.
        let judged: Vec<_> = self
            .entries
            .par_iter()
            .enumerate()
            .map(|(i, e)| {
                let cert = e.cert.get().filter(|_| i != mi)?;
                Some(match &self.master_problem {
                    Some(p) => Err((KeyStatus::Uncertified, format!("not trusted: {p}"))),
                    None => certification(&master_cert, cert, &self.policy, now),
                })
            })
            .collect();
        for (e, judged) in self.entries.iter_mut().zip(judged) {
            let Some(judged) = judged else { continue };
            match judged {
                Ok(c) => {
                    e.status = KeyStatus::Certified;
                    e.certified = Some(c.time);
                    e.reason = format!(
                        "certified by the master key on {} (user ID {})",
                        c.time.format("%Y-%m-%d"),
                        c.userid
                    );
                    if c.weak_hash {
                        e.warnings
                            .push("weak-hash: the master's certification uses SHA-1".into());
                    }
                }
                Err((status, reason)) => {
                    e.status = status;
                    e.reason = reason;
                }
            }
        }
    }

    /// The entry holding the certificate with this primary fingerprint.
    pub fn entry_by_fingerprint(&self, fpr: &Fingerprint) -> Option<&KeyEntry> {
        self.by_fingerprint.get(fpr).map(|&i| &self.entries[i])
    }

    /// Certificates holding a key (primary or subkey) with one of these handles.
    pub fn certs_for(&self, handles: &[KeyHandle]) -> Vec<Cert> {
        let mut idx: Vec<usize> = handles
            .iter()
            .flat_map(|h| {
                self.by_keyid
                    .get(&KeyID::from(h))
                    .map(Vec::as_slice)
                    .unwrap_or_default()
            })
            .copied()
            .collect();
        idx.sort_unstable();
        idx.dedup();
        idx.into_iter()
            .filter_map(|i| self.entries[i].cert.get().cloned())
            .collect()
    }

    /// The policy keys and signatures are judged with.
    pub fn policy(&self) -> &StandardPolicy<'static> {
        &self.policy
    }

    /// The master key's certificate, when the pin matched one.
    pub fn master_cert(&self) -> Option<&Cert> {
        self.master.and_then(|i| self.entries[i].cert.get())
    }
}

/// Why the master key cannot vouch for anything, if it cannot.
fn master_problem(master: &Cert, policy: &StandardPolicy, now: SystemTime) -> Option<String> {
    if let RevocationStatus::Revoked(revs) = master.revocation_status(policy, now) {
        let why = revs
            .first()
            .and_then(|r| r.reason_for_revocation())
            .map(|(code, msg)| format!("{code}: {}", String::from_utf8_lossy(msg)))
            .unwrap_or_else(|| "no reason given".into());
        return Some(format!("the master key is revoked ({why})"));
    }
    match master.with_policy(policy, now) {
        Ok(_) => None,
        Err(e) => Some(format!("the master key is not valid now: {e}")),
    }
}

/// The master's certification secpack relies on.
struct Certification {
    time: DateTime<Utc>,
    userid: String,
    weak_hash: bool,
}

/// Whether `master` certifies one of `cert`'s user IDs with a valid,
/// unrevoked certification. The newest such certification is returned.
fn certification(
    master: &Cert,
    cert: &Cert,
    policy: &StandardPolicy,
    now: SystemTime,
) -> Result<Certification, (KeyStatus, String)> {
    let mkey = master.primary_key().key();
    let mfpr = KeyHandle::from(master.fingerprint());
    let pk = cert.primary_key().key();
    let mut best: Option<Certification> = None;
    let mut problems = Vec::new();
    let mut altered = Vec::new();
    let mut revoked = None;
    let by_master = |s: &Signature| s.get_issuers().iter().any(|h| h.aliases(&mfpr));
    let created = |s: &Signature| s.signature_creation_time().unwrap_or(std::time::UNIX_EPOCH);
    // The master's certifications, newest first (a stable sort: at equal
    // times, in user ID and file order). The first one that passes every
    // check is the newest valid one, which is all the verdict needs: the
    // older ones are not verified (a public-key operation each), and what
    // is wrong with the others is only reported when none passes, after
    // every one was tried. Each problem is kept with the certification's
    // place in the file, to be told in file order.
    let mut candidates: Vec<_> = cert
        .userids()
        .flat_map(|ua| {
            ua.certifications()
                .filter(|s| by_master(s))
                .map(move |sig| (ua.clone(), sig))
        })
        .enumerate()
        .collect();
    candidates.sort_by_key(|(_, (_, sig))| std::cmp::Reverse(created(sig)));
    for (place, (ua, sig)) in candidates {
        let uid = ua.userid();
        let uid_text = String::from_utf8_lossy(uid.value()).into_owned();
        if sig.verify_userid_binding(mkey, pk, uid).is_err() {
            altered.push((place, uid_text));
            continue;
        }
        if let Err(e) = policy.signature(sig, HashAlgoSecurity::CollisionResistance) {
            problems.push((
                place,
                format!("a certification of {uid_text:?} is rejected: {e}"),
            ));
            continue;
        }
        if sig.signature_alive(now, Duration::from_secs(0)).is_err() {
            problems.push((
                place,
                format!("the certification of {uid_text:?} has expired"),
            ));
            continue;
        }
        let t = created(sig);
        let revocation = ua.other_revocations().find(|r| {
            by_master(r)
                && r.typ() == SignatureType::CertificationRevocation
                && r.signature_creation_time().is_some_and(|rt| rt >= t)
                && r.verify_userid_revocation(mkey, pk, uid).is_ok()
        });
        if let Some(r) = revocation {
            let when: DateTime<Utc> = r
                .signature_creation_time()
                .unwrap_or(std::time::UNIX_EPOCH)
                .into();
            let r = format!(
                "the master key revoked its certification of {uid_text:?} on {}",
                when.format("%Y-%m-%d")
            );
            // The last one in file order is told.
            if revoked.as_ref().is_none_or(|(p, _)| place > *p) {
                revoked = Some((place, r));
            }
            continue;
        }
        best = Some(Certification {
            time: t.into(),
            userid: uid_text,
            weak_hash: is_weak_hash(sig.hash_algo()),
        });
        break;
    }
    if let Some(b) = best {
        return Ok(b);
    }
    altered.sort_unstable();
    problems.sort_unstable();
    let altered: Vec<String> = altered.into_iter().map(|(_, a)| a).collect();
    let problems: Vec<String> = problems.into_iter().map(|(_, p)| p).collect();
    if let Some((_, r)) = revoked {
        return Err((KeyStatus::CertificationRevoked, r));
    }
    // A certification by the master that Sequoia set aside (its hash prefix
    // does not match the key and user ID any more) or that does not verify:
    // the file was altered after the master certified it. Re-certifying
    // would vouch for whatever was changed.
    let set_aside = cert.bad_signatures().any(|s| {
        by_master(s)
            && s.hash_algo().is_supported()
            && matches!(
                s.typ(),
                SignatureType::GenericCertification
                    | SignatureType::PersonaCertification
                    | SignatureType::CasualCertification
                    | SignatureType::PositiveCertification
            )
    });
    if set_aside || !altered.is_empty() {
        let what = match altered.first() {
            Some(uid) => format!("the master key's certification of {uid:?}"),
            None => "a certification by the master key".to_string(),
        };
        return Err((
            KeyStatus::Uncertified,
            format!(
                "{what} is in the key file but does not verify: the key file was altered \
                 after the master certified it; restore it from the pack's history or its \
                 owner, do not certify it again"
            ),
        ));
    }
    if let Some(w) = altered_self_signature(cert) {
        return Err((
            KeyStatus::Uncertified,
            format!("not certified by the pinned master key, and {w}"),
        ));
    }
    let mut reason = "not certified by the pinned master key".to_string();
    if !problems.is_empty() {
        reason = format!("{reason}: {}", problems.join("; "));
    }
    Err((KeyStatus::Uncertified, reason))
}

/// What the valid (sub)keys of `vc` may do, expired ones included.
fn capabilities(vc: &ValidCert<'_>) -> Vec<&'static str> {
    let mut out = Vec::new();
    let keys = || vc.keys().revoked(false);
    if keys().for_certification().next().is_some() {
        out.push("certify");
    }
    if keys().for_signing().next().is_some() {
        out.push("sign");
    }
    if keys()
        .for_transport_encryption()
        .for_storage_encryption()
        .next()
        .is_some()
    {
        out.push("encrypt");
    }
    if keys().for_authentication().next().is_some() {
        out.push("authenticate");
    }
    out
}

/// Why the key's own signatures show it was altered, if they do: a
/// self-signature (user ID binding, subkey binding, direct key signature)
/// that Sequoia set aside because it no longer matches what it signs (one
/// it set aside for an unsupported hash algorithm does not count). Only
/// the hash-prefix check Sequoia makes while reading is used here (no
/// public-key operation); a self-signature whose cryptographic check fails
/// leaves the key without a valid binding, which [`Keyring`] reports through
/// its status and the verdicts on its signatures.
fn altered_self_signature(cert: &Cert) -> Option<String> {
    let own = KeyHandle::from(cert.fingerprint());
    let n = cert
        .bad_signatures()
        .filter(|s| {
            s.get_issuers().iter().any(|h| h.aliases(&own))
                && s.hash_algo().is_supported()
                && !matches!(s.typ(), SignatureType::Binary | SignatureType::Text)
        })
        .count();
    (n > 0).then(|| {
        format!(
            "{n} of the key's own self-signature(s) do not match the key any more: the key \
             file was altered"
        )
    })
}

/// Reads a file of at most `max` bytes ([`crate::fsutil::read_capped`]);
/// the error is the end of a sentence about a pack file (the report names
/// the file by its place in the pack).
pub(crate) fn read_limited(path: &std::path::Path, max: u64) -> Result<Vec<u8>, String> {
    use crate::fsutil::ReadCappedError;
    crate::fsutil::read_capped(path, max).map_err(|e| match e {
        ReadCappedError::TooLarge { limit, .. } => format!("is larger than {limit} bytes; refused"),
        ReadCappedError::Io(e) => format!("cannot be read: {}", e.source),
    })
}

/// Every key file of `pack`, read in parallel.
pub fn read_key_files(pack: &Pack) -> Vec<KeyFile> {
    let files: Vec<_> = pack
        .files
        .iter()
        .filter_map(|f| match &f.class {
            FileClass::Key { role, retired } => Some((f.path.clone(), role.clone(), *retired)),
            _ => None,
        })
        .collect();
    files
        .into_par_iter()
        .map(|(path, role, retired)| KeyFile {
            contents: read_limited(&pack.path_of(&path), MAX_KEY_FILE_BYTES),
            path,
            role,
            retired,
        })
        .collect()
}

/// The packets of a key file without the certifications (and certification
/// revocations) of user IDs made by other keys than the key itself and the
/// pinned `master`: they can make no key trusted, and a real key carries
/// dozens of them, which Sequoia would otherwise check one by one (hash
/// prefix) and copy with the key for every signature it verifies. A
/// certification that names no issuer is kept. `bytes` are binary packets
/// (one dearmoured block). `None` when they do not all read as known
/// packets: they are then parsed as they are, so errors and unknown packets
/// are handled as before.
fn trust_relevant(bytes: &[u8], master: Option<&Fingerprint>) -> Option<Vec<Packet>> {
    let mut ppr = PacketParser::from_bytes(bytes).ok()?;
    let mut packets = Vec::new();
    let mut own: Option<KeyHandle> = None;
    while let PacketParserResult::Some(pp) = ppr {
        let (packet, next) = pp.next().ok()?;
        ppr = next;
        match &packet {
            Packet::PublicKey(k) => own = Some(k.key_handle()),
            Packet::SecretKey(k) => own = Some(k.key_handle()),
            Packet::Signature(sig) if is_third_party(sig, own.as_ref(), master) => continue,
            Packet::Unknown(_) => return None,
            _ => {}
        }
        packets.push(packet);
    }
    Some(packets)
}

/// A certification (or certification revocation) of a user ID by a key
/// that is neither `own` nor `master`.
fn is_third_party(sig: &Signature, own: Option<&KeyHandle>, master: Option<&Fingerprint>) -> bool {
    let certification = matches!(
        sig.typ(),
        SignatureType::GenericCertification
            | SignatureType::PersonaCertification
            | SignatureType::CasualCertification
            | SignatureType::PositiveCertification
            | SignatureType::CertificationRevocation
    );
    let master = master.map(|m| KeyHandle::from(m.clone()));
    let issuers = sig.get_issuers();
    certification
        && !issuers.is_empty()
        && !issuers.iter().any(|h| {
            own.is_some_and(|o| h.aliases(o)) || master.as_ref().is_some_and(|m| h.aliases(m))
        })
}

/// The entries of one key file: one per certificate it holds, or one that
/// says why it holds none.
fn parse_key_file(f: KeyFile, master: Option<&Fingerprint>) -> Vec<KeyEntry> {
    let base = KeyEntry {
        file: f.path,
        fingerprint: None,
        role: f.role,
        retired: f.retired,
        status: KeyStatus::Malformed,
        reason: String::new(),
        user_ids: Vec::new(),
        created: None,
        expires: None,
        revoked: false,
        certified: None,
        capabilities: Vec::new(),
        warnings: Vec::new(),
        cert: CertSlot::default(),
    };
    let bytes = match f.contents {
        Ok(b) => b,
        Err(e) => return vec![KeyEntry { reason: e, ..base }],
    };
    let parse = |bytes: &[u8]| -> Vec<_> {
        match CertParser::from_bytes(bytes) {
            Ok(p) => p.collect(),
            Err(e) => vec![Err(e)],
        }
    };
    // A canonical armoured file on the fast path, without the
    // certifications that cannot make it trusted; anything it does not
    // take, or that then does not parse, as it is.
    let fast = dearmor(&bytes, ArmorKind::PublicKey)
        .map(|binary| match trust_relevant(&binary, master) {
            Some(packets) => CertParser::from_iter(packets.into_iter().map(Ok)).collect(),
            None => parse(&binary),
        })
        .filter(|certs| !certs.is_empty() && certs.iter().all(Result::is_ok));
    let certs = fast.unwrap_or_else(|| parse(&bytes));
    if certs.is_empty() {
        return vec![KeyEntry {
            reason: "the file holds no OpenPGP key".into(),
            ..base
        }];
    }
    certs
        .into_iter()
        .map(|c| match c {
            Ok(cert) => KeyEntry {
                fingerprint: Some(cert.fingerprint().to_hex()),
                cert: CertSlot::parsed(Some(cert.strip_secret_key_material())),
                ..base.clone()
            },
            Err(e) => KeyEntry {
                reason: format!("the key cannot be parsed: {e}"),
                ..base.clone()
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sequoia_openpgp::serialize::SerializeInto;
    use std::time::UNIX_EPOCH;

    /// 2020-01-01.
    const T0: u64 = 1_577_836_800;
    const DAY: u64 = 86_400;

    fn at(days: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(T0 + days * DAY)
    }

    fn key(uids: &[&str]) -> Cert {
        let mut b = CertBuilder::new()
            .set_creation_time(at(0))
            .add_signing_subkey();
        for u in uids {
            b = b.add_userid(*u);
        }
        b.generate().unwrap().0
    }

    /// Certifications of `cert`'s user ID `uid` by `by`, one per day in
    /// `days`.
    fn certify(by: &Cert, cert: &Cert, uid: &str, days: &[u64]) -> Vec<Signature> {
        let mut signer = by
            .primary_key()
            .key()
            .clone()
            .parts_into_secret()
            .unwrap()
            .into_keypair()
            .unwrap();
        let ua = cert
            .userids()
            .find(|u| u.userid().value() == uid.as_bytes())
            .unwrap();
        days.iter()
            .map(|&d| {
                ua.userid()
                    .certify(
                        &mut signer,
                        cert,
                        SignatureType::GenericCertification,
                        None,
                        at(d),
                    )
                    .unwrap()
            })
            .collect()
    }

    /// The armoured public key, with the last byte (the signature value,
    /// outside what the hash prefix covers) of each of `spoiled` changed.
    fn armored(cert: &Cert, spoiled: &[&Signature]) -> Vec<u8> {
        let mut bytes = cert.to_vec().unwrap();
        for sig in spoiled {
            let packet = Packet::from((*sig).clone()).to_vec().unwrap();
            let start = bytes
                .windows(packet.len())
                .position(|w| w == packet.as_slice())
                .expect("the signature is in the key");
            bytes[start + packet.len() - 1] ^= 0x01;
        }
        let mut w = sequoia_openpgp::armor::Writer::new(
            Vec::new(),
            sequoia_openpgp::armor::Kind::PublicKey,
        )
        .unwrap();
        std::io::Write::write_all(&mut w, &bytes).unwrap();
        w.finalize().unwrap()
    }

    fn file(path: &str, contents: Vec<u8>) -> KeyFile {
        KeyFile {
            path: path.into(),
            role: "security-team".into(),
            retired: false,
            contents: Ok(contents),
        }
    }

    /// The keyring of `master` (pinned) and `member` as written.
    fn judged(master: &Cert, member: Vec<u8>) -> Keyring {
        let pin = MasterPin::parse(&master.fingerprint().to_hex()).unwrap();
        Keyring::from_files(
            vec![
                file("keys/master-key/m.asc", armored(master, &[])),
                file("keys/security-team/alice.asc", member),
            ],
            &pin,
        )
    }

    #[test]
    fn outside_certifications_are_left_out_and_change_no_verdict() {
        let master = key(&["Master <m@example.org>"]);
        let outsiders = [
            key(&["Out 1 <o1@example.org>"]),
            key(&["Out 2 <o2@example.org>"]),
        ];
        let (a, work) = ("Alice <a@example.org>", "Alice (work) <a@work.example.org>");
        let alice = key(&[a, work]);
        let mut sigs = certify(&master, &alice, a, &[1]);
        for o in &outsiders {
            sigs.extend(certify(o, &alice, a, &[2, 3]));
            sigs.extend(certify(o, &alice, work, &[2]));
        }
        let alice = alice.insert_packets(sigs).unwrap();
        assert_eq!(
            alice
                .userids()
                .map(|u| u.certifications().count())
                .sum::<usize>(),
            7
        );
        let ring = judged(&master, armored(&alice, &[]));
        let e = &ring.entries[1];
        assert_eq!(e.status, KeyStatus::Certified, "{}", e.reason);
        assert_eq!(e.certified, Some(at(1).into()));
        let kept = e.cert().unwrap();
        let kept_certifications: Vec<_> = kept.userids().flat_map(|u| u.certifications()).collect();
        assert_eq!(
            kept_certifications.len(),
            1,
            "only the master's certification is kept"
        );
        let m = KeyHandle::from(master.fingerprint());
        assert!(kept_certifications[0]
            .get_issuers()
            .iter()
            .all(|h| h.aliases(&m)));
        // The key's own signatures, user IDs and facts are all there.
        assert_eq!(kept.userids().count(), 2);
        assert_eq!(
            kept.userids()
                .map(|u| u.self_signatures().count())
                .sum::<usize>(),
            2
        );
        assert_eq!(kept.keys().count(), alice.keys().count());
        assert_eq!(e.user_ids.len(), 2);
        assert!(e.can_sign());
        // Read without a pin, no certification is kept at all.
        let unjudged = Keyring::parsed(vec![file("a.asc", armored(&alice, &[]))], None);
        let kept = unjudged.entries[0].cert().unwrap();
        assert_eq!(kept.userids().flat_map(|u| u.certifications()).count(), 0);
        assert_eq!(kept.userids().count(), 2);
    }

    #[test]
    fn certifications_by_outsiders_alone_do_not_make_a_key_trusted() {
        let master = key(&["Master <m@example.org>"]);
        let outsider = key(&["Out <o@example.org>"]);
        let alice = key(&["Alice <a@example.org>"]);
        let sigs = certify(&outsider, &alice, "Alice <a@example.org>", &[1, 2]);
        let alice = alice.insert_packets(sigs).unwrap();
        let ring = judged(&master, armored(&alice, &[]));
        let e = &ring.entries[1];
        assert_eq!(e.status, KeyStatus::Uncertified);
        assert_eq!(e.reason, "not certified by the pinned master key");
        // Pinning the outsider's key instead makes it the master: the same
        // certifications then count.
        let ring = judged(&outsider, armored(&alice, &[]));
        assert_eq!(ring.entries[1].status, KeyStatus::Certified);
        assert_eq!(ring.entries[1].certified, Some(at(2).into()));
    }

    #[test]
    fn the_newest_certification_that_verifies_counts() {
        let master = key(&["Master <m@example.org>"]);
        let alice = key(&["Alice <a@example.org>", "Alice (work) <a@work.example.org>"]);
        // The user IDs in the order the key holds them: the older
        // certification on the first, the newer one on the second, so that
        // the newest (tried first) is not the first in the file.
        let uids: Vec<String> = alice
            .userids()
            .map(|u| String::from_utf8(u.userid().value().to_vec()).unwrap())
            .collect();
        let older = certify(&master, &alice, &uids[0], &[1]);
        let newer = certify(&master, &alice, &uids[1], &[5]);
        let alice = alice
            .insert_packets(older.iter().chain(&newer).cloned().collect::<Vec<_>>())
            .unwrap();
        // Both good: the newer one.
        let ring = judged(&master, armored(&alice, &[]));
        let e = &ring.entries[1];
        assert_eq!(e.status, KeyStatus::Certified);
        assert_eq!(e.certified, Some(at(5).into()));
        assert!(
            e.reason.ends_with(&format!("(user ID {})", uids[1])),
            "{}",
            e.reason
        );
        // The newer one does not verify: the older one counts.
        let ring = judged(&master, armored(&alice, &[&newer[0]]));
        let e = &ring.entries[1];
        assert_eq!(e.status, KeyStatus::Certified, "{}", e.reason);
        assert_eq!(e.certified, Some(at(1).into()));
        assert!(
            e.reason.ends_with(&format!("(user ID {})", uids[0])),
            "{}",
            e.reason
        );
        // Neither verifies: altered, naming the first in file order (not
        // the first tried, which is the newest).
        let ring = judged(&master, armored(&alice, &[&older[0], &newer[0]]));
        let e = &ring.entries[1];
        assert_eq!(e.status, KeyStatus::Uncertified);
        assert!(
            e.reason.starts_with(&format!(
                "the master key's certification of {:?} is in the key file but does not verify",
                uids[0]
            )),
            "{}",
            e.reason
        );
    }
}
