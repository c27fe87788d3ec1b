//! The cache of keyring judgements (`trust::keycache`): an unchanged
//! keyring is taken from it and judged the same; a changed key file, a newly
//! revoked key, a certification or key that has expired since, another pin,
//! a clock set back, and a tampered or foreign entry are each judged afresh.

use std::path::Path;
use std::time::{Duration, SystemTime};

use secpack::pack::Pack;
use secpack::trust::cache::Key;
use secpack::trust::keycache::{self, KeyringCache};
use secpack::trust::keyring::{read_key_files, KeyEntry, Keyring};
use secpack::trust::pin::MasterPin;
use secpack::trust::verdict::{KeyStatus, SigStatus};
use secpack_testsupport::*;

const KEY: Key = [7; 32];
const DAY: Duration = Duration::from_secs(86_400);

/// A time as gpg's `--faked-system-time` takes it.
fn at(t: &str) -> SystemTime {
    let t = chrono::NaiveDateTime::parse_from_str(t, "%Y%m%dT%H%M%S").unwrap();
    t.and_utc().into()
}

fn pin(fpr: &str) -> MasterPin {
    MasterPin::parse(fpr).unwrap()
}

/// The keyring of the pack at `root` judged at `now`, through `cache`.
fn judge(root: &Path, pin: &MasterPin, cache: &KeyringCache, now: SystemTime) -> Keyring {
    let pack = Pack::open(root).unwrap();
    Keyring::from_files_cached(read_key_files(&pack), pin, Some(cache), now)
}

/// The same keyring judged without a cache.
fn fresh(root: &Path, pin: &MasterPin, now: SystemTime) -> Keyring {
    let pack = Pack::open(root).unwrap();
    Keyring::from_files_cached(read_key_files(&pack), pin, None, now)
}

fn entry<'a>(ring: &'a Keyring, file: &str) -> &'a KeyEntry {
    ring.entries
        .iter()
        .find(|e| e.file == file)
        .unwrap_or_else(|| panic!("{file} in {:#?}", ring.entries))
}

/// Everything a keyring says, as the report shows it.
fn said(ring: &Keyring) -> serde_json::Value {
    serde_json::json!({
        "entries": ring.entries,
        "master": ring.master,
        "problem": ring.master_problem,
        "warnings": ring.master_warnings,
    })
}

/// A cache in `dir` after `ring`'s run: saved, then opened again as the next
/// run opens it.
fn next_run(dir: &Path, cache: KeyringCache) -> KeyringCache {
    cache.save(&KEY).unwrap();
    KeyringCache::new(dir, Some(KEY))
}

/// A folder for the cache's entries, inside a temporary folder that the
/// first value keeps alive.
fn cache_dir() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("keyrings");
    (tmp, dir)
}

/// A master key made by `gpg` on 2024-01-01 (its fingerprint).
fn new_master(gpg: &Gpg) -> String {
    gpg.generate(
        "20240101T000000",
        "Master <m@test.invalid>",
        "ed25519",
        "cert",
        "never",
    )
}

/// A pack holding `master` and the team `members` (name, fingerprint), as
/// `gpg` exports them now.
fn pack_of(gpg: &Gpg, master: &str, members: &[(&str, &str)]) -> TestPack {
    let p = TestPack::empty();
    p.write("keys/master-key/master.asc", &gpg.export(master));
    for (name, fpr) in members {
        p.write(&format!("keys/security-team/{name}.asc"), &gpg.export(fpr));
    }
    p
}

/// The entry files in `dir`.
fn entry_files(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default()
}

#[test]
fn an_unchanged_keyring_is_taken_from_the_cache_and_judged_the_same() {
    let k = keys();
    let p = TestPack::with_keys();
    p.signed_doc(
        "QSBs/QSB-2024-001.txt",
        BULLETIN,
        &[("alice", &k.alice), ("bob", &k.bob)],
    );
    let (_tmp, dir) = cache_dir();
    let now = SystemTime::now();
    let master = pin(&k.master);

    let cache = KeyringCache::new(&dir, Some(KEY));
    let first = judge(p.root(), &master, &cache, now);
    assert_eq!((cache.hits(), cache.misses()), (0, 1));
    assert_eq!(said(&first), said(&fresh(p.root(), &master, now)));
    let cache = next_run(&dir, cache);
    assert_eq!(entry_files(&dir).len(), 1);

    let second = judge(p.root(), &master, &cache, now + DAY);
    assert_eq!((cache.hits(), cache.misses()), (1, 0));
    assert_eq!(said(&second), said(&first));
    assert_eq!(
        entry(&second, "keys/security-team/alice-test.asc").status,
        KeyStatus::Certified
    );
    assert_eq!(
        entry(&second, "keys/security-team/mallory-test.asc").status,
        KeyStatus::Uncertified
    );
    // The certificates it restored verify signatures as the fresh ones do.
    let data = BULLETIN.to_vec();
    for who in ["alice", "bob"] {
        let sig = std::fs::read(p.path(&format!("QSBs/QSB-2024-001.txt.sig.{who}"))).unwrap();
        let judged = second.verify_detached(&data, &sig);
        assert_eq!(judged.len(), 1);
        assert_eq!(judged[0].status, SigStatus::Valid, "{}", judged[0].reason);
        let mut other = data.clone();
        other[0] ^= 1;
        assert_eq!(
            second.verify_detached(&other, &sig)[0].status,
            SigStatus::Bad
        );
    }
    // An entry is found only under the key it was written with.
    let foreign = KeyringCache::new(&dir, Some([8; 32]));
    judge(p.root(), &master, &foreign, now);
    assert_eq!((foreign.hits(), foreign.misses()), (0, 1));
    let keyless = KeyringCache::new(&dir, None);
    judge(p.root(), &master, &keyless, now);
    assert_eq!((keyless.hits(), keyless.misses()), (0, 1));
}

#[test]
fn a_changed_key_file_is_judged_afresh() {
    let gpg = Gpg::new();
    let t = "20240101T000000";
    let master = new_master(&gpg);
    let carol = gpg.generate(t, "Carol <c@test.invalid>", "ed25519", "sign", "never");
    let p = pack_of(&gpg, &master, &[("carol", &carol)]);
    let (_tmp, dir) = cache_dir();
    let now = SystemTime::now();
    let pinned = pin(&master);

    let cache = KeyringCache::new(&dir, Some(KEY));
    let before = judge(p.root(), &pinned, &cache, now);
    assert_eq!(
        entry(&before, "keys/security-team/carol.asc").status,
        KeyStatus::Uncertified
    );
    let cache = next_run(&dir, cache);
    // The master certifies carol; her key file now holds the certification.
    gpg.certify("20240102T000000", &master, &carol);
    p.write("keys/security-team/carol.asc", &gpg.export(&carol));
    let after = judge(p.root(), &pinned, &cache, now);
    assert_eq!((cache.hits(), cache.misses()), (0, 1));
    assert_eq!(
        entry(&after, "keys/security-team/carol.asc").status,
        KeyStatus::Certified
    );
    assert_eq!(said(&after), said(&fresh(p.root(), &pinned, now)));
    // A key file added, or one moved to another folder, is another keyring.
    let cache = next_run(&dir, cache);
    judge(p.root(), &pinned, &cache, now);
    assert_eq!((cache.hits(), cache.misses()), (1, 0));
    std::fs::create_dir_all(p.path("keys/security-team/retired")).unwrap();
    std::fs::rename(
        p.path("keys/security-team/carol.asc"),
        p.path("keys/security-team/retired/carol.asc"),
    )
    .unwrap();
    let moved = judge(p.root(), &pinned, &cache, now);
    assert_eq!((cache.hits(), cache.misses()), (1, 1));
    assert!(entry(&moved, "keys/security-team/retired/carol.asc").retired);
}

#[test]
fn a_newly_revoked_key_is_judged_afresh() {
    let gpg = Gpg::new();
    let t = "20240101T000000";
    let master = new_master(&gpg);
    let dave = gpg.generate(t, "Dave <d@test.invalid>", "ed25519", "sign", "never");
    gpg.certify("20240102T000000", &master, &dave);
    let p = pack_of(&gpg, &master, &[("dave", &dave)]);
    let (_tmp, dir) = cache_dir();
    let now = SystemTime::now();
    let pinned = pin(&master);

    let cache = KeyringCache::new(&dir, Some(KEY));
    let before = judge(p.root(), &pinned, &cache, now);
    assert!(!entry(&before, "keys/security-team/dave.asc").revoked);
    let cache = next_run(&dir, cache);
    gpg.revoke(Some("20240601T000000"), &dave);
    p.write("keys/security-team/dave.asc", &gpg.export(&dave));
    let after = judge(p.root(), &pinned, &cache, now);
    assert_eq!((cache.hits(), cache.misses()), (0, 1));
    assert!(entry(&after, "keys/security-team/dave.asc").revoked);
    assert_eq!(said(&after), said(&fresh(p.root(), &pinned, now)));
}

#[test]
fn an_expiry_or_a_clock_set_back_ends_the_entry() {
    let gpg = Gpg::new();
    let t = "20240101T000000";
    let master = new_master(&gpg);
    // Erin's key expires a year after it was made; the master's
    // certification of frank runs out a year after it was made.
    let erin = gpg.generate(t, "Erin <e@test.invalid>", "ed25519", "sign", "1y");
    let frank = gpg.generate(t, "Frank <f@test.invalid>", "ed25519", "sign", "never");
    gpg.certify("20240102T000000", &master, &erin);
    gpg.at(
        "20240102T000000",
        &[
            "--default-cert-expire",
            "1y",
            "-u",
            &master,
            "--quick-sign-key",
            &frank,
        ],
    );
    let p = pack_of(&gpg, &master, &[("erin", &erin), ("frank", &frank)]);
    let (_tmp, dir) = cache_dir();
    let pinned = pin(&master);
    let june = at("20240601T000000");

    let cache = KeyringCache::new(&dir, Some(KEY));
    let judged = judge(p.root(), &pinned, &cache, june);
    assert_eq!(
        entry(&judged, "keys/security-team/frank.asc").status,
        KeyStatus::Certified
    );
    let cache = next_run(&dir, cache);
    // Later, before anything expires: the same judgement.
    judge(p.root(), &pinned, &cache, at("20240901T000000"));
    judge(p.root(), &pinned, &cache, at("20241230T000000"));
    assert_eq!((cache.hits(), cache.misses()), (2, 0));
    // Before the judgement (a clock set back): judged afresh.
    let cache = KeyringCache::new(&dir, Some(KEY));
    judge(p.root(), &pinned, &cache, june - DAY);
    assert_eq!((cache.hits(), cache.misses()), (0, 1));
    // Once erin's key has expired (gpg's "1y" from 2024-01-01, the first
    // expiry): judged afresh.
    let cache = KeyringCache::new(&dir, Some(KEY));
    judge(p.root(), &pinned, &cache, at("20250101T120000"));
    assert_eq!((cache.hits(), cache.misses()), (0, 1));
    // Once frank's certification has run out too, it no longer counts.
    let later = at("20250601T000000");
    let expired = judge(p.root(), &pinned, &cache, later);
    assert_eq!((cache.hits(), cache.misses()), (0, 2));
    let f = entry(&expired, "keys/security-team/frank.asc");
    assert_eq!(f.status, KeyStatus::Uncertified, "{}", f.reason);
    assert!(f.reason.contains("has expired"), "{}", f.reason);
    assert_eq!(said(&expired), said(&fresh(p.root(), &pinned, later)));
    // That judgement is kept in turn, for ever: nothing left can expire.
    let cache = next_run(&dir, cache);
    judge(p.root(), &pinned, &cache, at("20400101T000000"));
    assert_eq!((cache.hits(), cache.misses()), (1, 0));
}

#[test]
fn another_pin_is_judged_afresh() {
    let k = keys();
    let p = TestPack::with_keys();
    let (_tmp, dir) = cache_dir();
    let now = SystemTime::now();

    let cache = KeyringCache::new(&dir, Some(KEY));
    judge(p.root(), &pin(&k.master), &cache, now);
    let cache = next_run(&dir, cache);
    let bob = judge(p.root(), &pin(&k.bob), &cache, now);
    assert_eq!((cache.hits(), cache.misses()), (0, 1));
    assert_eq!(
        entry(&bob, "keys/security-team/bob-test.asc").status,
        KeyStatus::Master
    );
    assert_eq!(
        entry(&bob, "keys/security-team/alice-test.asc").status,
        KeyStatus::Uncertified
    );
    assert_eq!(bob.master_warnings.len(), 1);
    let cache = next_run(&dir, cache);
    let master = judge(p.root(), &pin(&k.master), &cache, now);
    let bob_again = judge(p.root(), &pin(&k.bob), &cache, now);
    assert_eq!((cache.hits(), cache.misses()), (2, 0));
    assert_eq!(
        entry(&master, "keys/security-team/alice-test.asc").status,
        KeyStatus::Certified
    );
    assert_eq!(said(&bob_again), said(&bob));
}

#[test]
fn a_tampered_or_misplaced_entry_is_not_used() {
    let k = keys();
    let p = TestPack::with_keys();
    let (_tmp, dir) = cache_dir();
    let now = SystemTime::now();
    let master = pin(&k.master);
    let cache = KeyringCache::new(&dir, Some(KEY));
    judge(p.root(), &master, &cache, now);
    let cache = next_run(&dir, cache);
    let file = entry_files(&dir).pop().unwrap();
    let good = std::fs::read(&file).unwrap();

    // mallory "certified" in the entry, as someone who can write the cache
    // but not read its key would make it.
    let text = String::from_utf8_lossy(&good).into_owned();
    let forged = text.replacen("\"status\":\"uncertified\"", "\"status\":\"certified\"", 1);
    assert_ne!(forged, text, "the entry names an uncertified key");
    std::fs::write(&file, forged.as_bytes()).unwrap();
    let ring = judge(p.root(), &master, &cache, now);
    assert_eq!((cache.hits(), cache.misses()), (0, 1));
    assert_eq!(
        entry(&ring, "keys/security-team/mallory-test.asc").status,
        KeyStatus::Uncertified
    );
    // One bit anywhere (here in the certificates after the judgement).
    for at in [good.len() - 1, good.len() / 2, 20] {
        let mut bad = good.clone();
        bad[at] ^= 1;
        std::fs::write(&file, &bad).unwrap();
        let cache = KeyringCache::new(&dir, Some(KEY));
        judge(p.root(), &master, &cache, now);
        assert_eq!((cache.hits(), cache.misses()), (0, 1), "byte {at}");
    }
    // A good entry under another name (another pack's or pin's) is not
    // taken for this one.
    std::fs::write(&file, &good).unwrap();
    let other = TestPack::with_keys();
    std::fs::remove_file(other.path("keys/security-team/mallory-test.asc")).unwrap();
    let cache = KeyringCache::new(&dir, Some(KEY));
    judge(other.root(), &master, &cache, now);
    let cache = next_run(&dir, cache);
    let mut files = entry_files(&dir);
    files.sort();
    assert_eq!(files.len(), 2);
    let (a, b) = (
        std::fs::read(&files[0]).unwrap(),
        std::fs::read(&files[1]).unwrap(),
    );
    std::fs::write(&files[0], &b).unwrap();
    std::fs::write(&files[1], &a).unwrap();
    judge(p.root(), &master, &cache, now);
    judge(other.root(), &master, &cache, now);
    assert_eq!((cache.hits(), cache.misses()), (0, 2));
    // Written by others: not used.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let cache = KeyringCache::new(&dir, Some(KEY));
        judge(p.root(), &master, &cache, now);
        let cache = next_run(&dir, cache);
        for f in entry_files(&dir) {
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o666)).unwrap();
        }
        judge(p.root(), &master, &cache, now);
        assert_eq!((cache.hits(), cache.misses()), (0, 1));
    }
}

#[test]
fn the_signature_cache_brings_the_keyring_cache_with_it() {
    use secpack::trust::cache::VerificationCache;
    let k = keys();
    let p = TestPack::with_keys();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("cache/secpack/signatures.cache");
    let key_path = tmp.path().join("state/secpack/cache.key");
    let master = pin(&k.master);
    let load = || Keyring::load(&Pack::open(p.root()).unwrap(), &master);

    let cache = VerificationCache::load_keyed(&path, Some(&key_path));
    let first = load();
    assert_eq!(cache.keyrings().misses(), 1);
    cache.save().unwrap();
    assert!(key_path.exists(), "the key is made on the first save");
    assert_eq!(entry_files(&keycache::folder_beside(&path)).len(), 1);
    let cache = VerificationCache::load_keyed(&path, Some(&key_path));
    let second = load();
    assert_eq!(cache.keyrings().hits(), 1);
    assert_eq!(said(&second), said(&first));
    keycache::install(None);
    // Without an installed cache, nothing is looked up.
    let third = load();
    assert_eq!(cache.keyrings().hits(), 1);
    assert_eq!(said(&third), said(&first));
}

#[test]
fn no_more_than_the_bound_of_entries_is_kept() {
    let k = keys();
    let p = TestPack::with_keys();
    let (_tmp, dir) = cache_dir();
    let master = pin(&k.master);
    let base = SystemTime::now();
    let mut cache = KeyringCache::new(&dir, Some(KEY));
    for i in 0..keycache::MAX_ENTRIES + 2 {
        // Another keyring each time: a key file more.
        p.write(
            &format!("keys/security-team/extra-{i}.asc"),
            &keys().gpg.export(&k.mallory),
        );
        judge(p.root(), &master, &cache, base);
        cache = next_run(&dir, cache);
    }
    assert_eq!(entry_files(&dir).len(), keycache::MAX_ENTRIES);
    // The newest is kept.
    judge(p.root(), &master, &cache, base);
    assert_eq!(cache.hits(), 1);
}
