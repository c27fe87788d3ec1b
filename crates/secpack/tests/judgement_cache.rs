//! The cache of signature judgements (`trust::judgecache`): an unchanged
//! signature over an unchanged document, judged with an unchanged keyring,
//! is taken from it and judged the same; a changed byte of the document, the
//! signature or a key file, another pin, a clock set back or past the
//! keyring's judgement, and a tampered or foreign entry are each judged
//! afresh; judgements that time alone could change are never kept.

use std::path::Path;
use std::time::{Duration, SystemTime};

use secpack::pack::Pack;
use secpack::trust::cache::Key;
use secpack::trust::judgecache::{Document, JudgementCache, Signed};
use secpack::trust::keycache::KeyringCache;
use secpack::trust::keyring::{read_key_files, Keyring};
use secpack::trust::pin::MasterPin;
use secpack::trust::signature::Judgement;
use secpack::trust::verdict::SigStatus;
use secpack_testsupport::pack::bulletin;
use secpack_testsupport::*;

const KEY: Key = [9; 32];
const DAY: Duration = Duration::from_secs(86_400);

/// The caches of one run, their entries in `dir`.
struct Run {
    keyrings: KeyringCache,
    judgements: JudgementCache,
}

impl Run {
    fn new(dir: &Path, key: Key) -> Self {
        Run {
            keyrings: KeyringCache::new(&dir.join("keyrings"), Some(key)),
            judgements: JudgementCache::new(&dir.join("judgements"), Some(key)),
        }
    }

    /// Saves what this run judged; the next run, as it opens the caches.
    fn next(self, dir: &Path) -> Run {
        self.keyrings.save(&KEY).unwrap();
        self.judgements.save(&KEY).unwrap();
        Run::new(dir, KEY)
    }

    /// The keyring of the pack at `root` judged from `pin` through the
    /// keyring cache.
    fn ring(&self, root: &Path, pin: &str) -> Keyring {
        let pack = Pack::open(root).unwrap();
        let pin = MasterPin::parse(pin).unwrap();
        Keyring::from_files_cached(
            read_key_files(&pack),
            &pin,
            Some(&self.keyrings),
            SystemTime::now(),
        )
    }

    /// The judgements of the detached signature `sig` over `doc` (files of
    /// the pack at `root`) at `now`.
    fn detached(&self, ring: &Keyring, root: &Path, doc: &str, sig: &str, now: SystemTime) -> Said {
        let data = std::fs::read(root.join(doc)).unwrap();
        let sig = std::fs::read(root.join(sig)).unwrap();
        said(
            &self
                .judgements
                .judge(ring, &Document::new(&data), Signed::Detached(&sig), now),
        )
    }

    /// The judgements of the clear-signed `doc` at `now`.
    fn inline(&self, ring: &Keyring, root: &Path, doc: &str, now: SystemTime) -> Said {
        let data = std::fs::read(root.join(doc)).unwrap();
        said(
            &self
                .judgements
                .judge(ring, &Document::new(&data), Signed::Inline, now),
        )
    }

    fn counts(&self) -> (usize, usize) {
        (self.judgements.hits(), self.judgements.misses())
    }
}

/// Everything a judgement says, to compare.
type Said = Vec<(
    SigStatus,
    Vec<String>,
    Option<String>,
    Option<String>,
    String,
)>;

fn said(judgements: &[Judgement]) -> Said {
    judgements
        .iter()
        .map(|j| {
            (
                j.status,
                j.warnings.iter().map(|w| w.code().to_string()).collect(),
                j.key.clone(),
                j.created.map(|c| c.to_rfc3339()),
                j.reason.clone(),
            )
        })
        .collect()
}

/// The same judgements made by the verifier itself, without any cache.
fn uncached_detached(root: &Path, pin: &str, doc: &str, sig: &str) -> Said {
    let pack = Pack::open(root).unwrap();
    let ring = Keyring::load(&pack, &MasterPin::parse(pin).unwrap());
    let data = std::fs::read(root.join(doc)).unwrap();
    let sig = std::fs::read(root.join(sig)).unwrap();
    said(&ring.verify_detached(&data, &sig))
}

/// A pack with keys, a bulletin signed by alice and bob, one signed by
/// mallory (uncertified) and a clear-signed canary by alice, all made on
/// 2024-03-01.
fn pack() -> TestPack {
    let k = keys();
    let p = TestPack::with_keys();
    p.signed_doc(
        "QSBs/QSB-2024-001.txt",
        BULLETIN,
        &[("alice", &k.alice), ("bob", &k.bob)],
    );
    p.signed_doc(
        "QSBs/QSB-2024-002.txt",
        &bulletin(2),
        &[("mallory", &k.mallory)],
    );
    p.write(
        "canaries/canary-001-2024.txt",
        &k.gpg
            .clearsign(T_SIGN, &k.alice, b"Canary 001\n\nAll is well.\n"),
    );
    p
}

const QSB1: &str = "QSBs/QSB-2024-001.txt";
const QSB2: &str = "QSBs/QSB-2024-002.txt";
const CANARY: &str = "canaries/canary-001-2024.txt";

#[test]
fn an_unchanged_signature_is_taken_from_the_cache_and_judged_the_same() {
    let k = keys();
    let p = pack();
    let tmp = tempfile::tempdir().unwrap();
    let now = SystemTime::now();
    let cases = [
        (QSB1, format!("{QSB1}.sig.alice")),
        (QSB1, format!("{QSB1}.sig.bob")),
        (QSB2, format!("{QSB2}.sig.mallory")),
    ];

    let run = Run::new(tmp.path(), KEY);
    let ring = run.ring(p.root(), &k.master);
    let first: Vec<Said> = cases
        .iter()
        .map(|(d, s)| run.detached(&ring, p.root(), d, s, now))
        .collect();
    let canary = run.inline(&ring, p.root(), CANARY, now);
    assert_eq!(run.counts(), (0, 4));
    assert!(run.judgements.has_pending());
    for ((d, s), said) in cases.iter().zip(&first) {
        assert_eq!(*said, uncached_detached(p.root(), &k.master, d, s));
    }
    assert_eq!(first[0][0].0, SigStatus::Valid);
    assert_eq!(first[2][0].0, SigStatus::UntrustedKey);
    assert_eq!(canary[0].0, SigStatus::Valid);

    let run = run.next(tmp.path());
    let ring = run.ring(p.root(), &k.master);
    let second: Vec<Said> = cases
        .iter()
        .map(|(d, s)| run.detached(&ring, p.root(), d, s, now + DAY))
        .collect();
    assert_eq!(run.inline(&ring, p.root(), CANARY, now + DAY), canary);
    assert_eq!(run.counts(), (4, 0));
    assert_eq!(first, second);
    assert!(!run.judgements.has_pending(), "nothing new to save");
}

#[test]
fn a_changed_byte_of_the_document_or_the_signature_is_judged_afresh() {
    let k = keys();
    let p = pack();
    let tmp = tempfile::tempdir().unwrap();
    let now = SystemTime::now();
    let sig = format!("{QSB1}.sig.alice");
    let run = Run::new(tmp.path(), KEY);
    let ring = run.ring(p.root(), &k.master);
    run.detached(&ring, p.root(), QSB1, &sig, now);
    run.inline(&ring, p.root(), CANARY, now);
    let run = run.next(tmp.path());
    let ring = run.ring(p.root(), &k.master);

    let original = std::fs::read(p.path(QSB1)).unwrap();
    let mut changed = original.clone();
    changed[10] ^= 0x20;
    p.write(QSB1, &changed);
    let judged = run.detached(&ring, p.root(), QSB1, &sig, now);
    assert_eq!(judged[0].0, SigStatus::Bad, "{judged:?}");
    assert_eq!(run.counts(), (0, 1));
    p.write(QSB1, &original);

    let signature = std::fs::read(p.path(&sig)).unwrap();
    let mut changed = signature.clone();
    let at = changed.len() - 40;
    changed[at] = if changed[at] == b'A' { b'B' } else { b'A' };
    p.write(&sig, &changed);
    let judged = run.detached(&ring, p.root(), QSB1, &sig, now);
    assert_ne!(judged[0].0, SigStatus::Valid, "{judged:?}");
    assert_eq!(run.counts(), (0, 2));
    p.write(&sig, &signature);

    let canary = std::fs::read(p.path(CANARY)).unwrap();
    let text = String::from_utf8(canary.clone()).unwrap();
    p.write(
        CANARY,
        text.replace("All is well", "All is gone").as_bytes(),
    );
    let judged = run.inline(&ring, p.root(), CANARY, now);
    assert_eq!(judged[0].0, SigStatus::Bad, "{judged:?}");
    assert_eq!(run.counts(), (0, 3));
    p.write(CANARY, &canary);

    // The unchanged files are found again.
    assert_eq!(
        run.detached(&ring, p.root(), QSB1, &sig, now)[0].0,
        SigStatus::Valid
    );
    assert_eq!(
        run.inline(&ring, p.root(), CANARY, now)[0].0,
        SigStatus::Valid
    );
    assert_eq!(run.counts(), (2, 3));
}

#[test]
fn a_changed_key_file_or_another_pin_is_judged_afresh() {
    let k = keys();
    let p = pack();
    let tmp = tempfile::tempdir().unwrap();
    let now = SystemTime::now();
    let sig = format!("{QSB1}.sig.bob");
    let run = Run::new(tmp.path(), KEY);
    let ring = run.ring(p.root(), &k.master);
    assert_eq!(
        run.detached(&ring, p.root(), QSB1, &sig, now)[0].0,
        SigStatus::Valid
    );
    let run = run.next(tmp.path());

    // Another pin: bob's key vouches for nobody, not even himself.
    let other = run.ring(p.root(), &k.alice);
    let judged = run.detached(&other, p.root(), QSB1, &sig, now);
    assert_eq!(judged[0].0, SigStatus::UntrustedKey, "{judged:?}");
    assert_eq!(run.counts(), (0, 1));

    // Bob's key file, re-exported with its armour's line ends changed: the
    // same key, but not the same bytes.
    let bob = String::from_utf8(k.gpg.export(&k.bob)).unwrap();
    p.write(
        "keys/security-team/bob-test.asc",
        bob.replace('\n', "\r\n").as_bytes(),
    );
    let ring = run.ring(p.root(), &k.master);
    assert_eq!(
        run.detached(&ring, p.root(), QSB1, &sig, now)[0].0,
        SigStatus::Valid
    );
    assert_eq!(run.counts(), (0, 2));
}

/// A time as gpg's `--faked-system-time` takes it.
fn gpg_time(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t)
        .format("%Y%m%dT%H%M%S")
        .to_string()
}

#[test]
fn only_judgements_that_time_cannot_change_are_kept() {
    let k = keys();
    let p = pack();
    let tmp = tempfile::tempdir().unwrap();
    let now = SystemTime::now();
    let sign = |name: &str, time: &str, extra: &[&str]| {
        let doc = format!("QSBs/{name}.txt");
        p.write(&doc, BULLETIN);
        let sig = p.path(&format!("{doc}.sig.alice"));
        let mut args = vec!["-u", &k.alice, "--armor", "--detach-sign"];
        args.extend_from_slice(extra);
        let sig_arg = sig.to_str().unwrap().to_string();
        let doc_arg = p.path(&doc).to_str().unwrap().to_string();
        args.extend_from_slice(&["-o", &sig_arg, &doc_arg]);
        k.gpg.at(time, &args);
        (doc.clone(), format!("{doc}.sig.alice"))
    };
    let recent = sign("recent", &gpg_time(now - DAY / 2), &[]);
    let expiring = sign("expiring", T_SIGN, &["--default-sig-expire", "20y"]);
    let expired = sign("expired", T_SIGN, &["--default-sig-expire", "10d"]);
    p.write("QSBs/garbage.txt", BULLETIN);
    p.write("QSBs/garbage.txt.sig.alice", b"not a signature");
    let garbage = (
        "QSBs/garbage.txt".to_string(),
        "QSBs/garbage.txt.sig.alice".to_string(),
    );

    let run = Run::new(tmp.path(), KEY);
    let ring = run.ring(p.root(), &k.master);
    let statuses: Vec<SigStatus> = [&recent, &expiring, &expired, &garbage]
        .iter()
        .map(|(d, s)| run.detached(&ring, p.root(), d, s, now)[0].0)
        .collect();
    assert_eq!(
        statuses,
        [
            SigStatus::Valid,
            SigStatus::Valid,
            SigStatus::ExpiredSignature,
            SigStatus::Malformed
        ]
    );
    let run = run.next(tmp.path());
    let ring = run.ring(p.root(), &k.master);
    for (d, s) in [&recent, &expiring, &expired, &garbage] {
        run.detached(&ring, p.root(), d, s, now);
    }
    // A signature made half a day ago, one that has yet to expire and a
    // file that is not a signature are judged again; a signature that
    // expired years ago no longer can change.
    assert_eq!(run.counts(), (1, 3));
}

#[test]
fn a_clock_set_back_or_past_the_keyrings_judgement_ends_an_entry() {
    // A member key that expires in 2044: the keyring's judgement, and every
    // judgement made with it, hold until then at the latest.
    let gpg = Gpg::new();
    let master = gpg.generate(
        T_KEYS,
        "Master <m@test.invalid>",
        "ed25519",
        "cert",
        "never",
    );
    let carol = gpg.generate(T_KEYS, "Carol <c@test.invalid>", "ed25519", "sign", "20y");
    gpg.certify(T_CERT, &master, &carol);
    let p = TestPack::empty();
    p.write("keys/master-key/master.asc", &gpg.export(&master));
    p.write("keys/security-team/carol.asc", &gpg.export(&carol));
    p.write(QSB1, BULLETIN);
    p.write(
        &format!("{QSB1}.sig.carol"),
        &gpg.sign(T_SIGN, &carol, "SHA256", BULLETIN),
    );
    let sig = format!("{QSB1}.sig.carol");
    let tmp = tempfile::tempdir().unwrap();
    let now = SystemTime::now();

    let run = Run::new(tmp.path(), KEY);
    let ring = run.ring(p.root(), &master);
    assert_eq!(
        run.detached(&ring, p.root(), QSB1, &sig, now)[0].0,
        SigStatus::Valid
    );
    let run = run.next(tmp.path());
    let ring = run.ring(p.root(), &master);
    run.detached(&ring, p.root(), QSB1, &sig, now + DAY);
    assert_eq!(run.counts(), (1, 0));
    run.detached(&ring, p.root(), QSB1, &sig, now - DAY);
    assert_eq!(run.counts(), (1, 1), "a clock set back");
    let after_expiry = chrono::DateTime::parse_from_rfc3339("2044-06-01T00:00:00Z")
        .unwrap()
        .into();
    run.detached(&ring, p.root(), QSB1, &sig, after_expiry);
    assert_eq!(run.counts(), (1, 2), "past the keyring's judgement");
}

#[test]
fn a_tampered_foreign_or_unsafe_entry_is_not_used() {
    let k = keys();
    let p = pack();
    let tmp = tempfile::tempdir().unwrap();
    let now = SystemTime::now();
    let sig = format!("{QSB1}.sig.alice");
    let run = Run::new(tmp.path(), KEY);
    let ring = run.ring(p.root(), &k.master);
    let fresh = run.detached(&ring, p.root(), QSB1, &sig, now);
    run.keyrings.save(&KEY).unwrap();
    run.judgements.save(&KEY).unwrap();
    let files: Vec<_> = std::fs::read_dir(tmp.path().join("judgements"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let entry = &files[0];
    let bytes = std::fs::read(entry).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(entry).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the entry is private: {mode:o}");
    }

    // The verdict inside changed to something else: the code no longer
    // verifies.
    let text = String::from_utf8_lossy(&bytes).into_owned();
    assert!(text.contains("\"valid\""), "{text}");
    std::fs::write(entry, text.replacen("\"valid\"", "\"bad\"  ", 1)).unwrap();
    let run = Run::new(tmp.path(), KEY);
    let ring = run.ring(p.root(), &k.master);
    assert_eq!(run.detached(&ring, p.root(), QSB1, &sig, now), fresh);
    assert_eq!(run.counts(), (0, 1));

    // Under another key.
    std::fs::write(entry, &bytes).unwrap();
    let run = Run::new(tmp.path(), [1; 32]);
    let ring = run.ring(p.root(), &k.master);
    assert_eq!(run.detached(&ring, p.root(), QSB1, &sig, now), fresh);
    assert_eq!(run.counts(), (0, 1));

    // Writable by others.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(entry, std::fs::Permissions::from_mode(0o666)).unwrap();
        let run = Run::new(tmp.path(), KEY);
        let ring = run.ring(p.root(), &k.master);
        run.detached(&ring, p.root(), QSB1, &sig, now);
        assert_eq!(run.counts(), (0, 1));
        std::fs::set_permissions(entry, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    // Authenticated under the right key, but not a table of judgements.
    let name: [u8; 32] =
        sequoia_openpgp::fmt::hex::decode(entry.file_name().unwrap().to_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
    let magic = &bytes[..16];
    let forge = |body: &[u8]| {
        let mac_key = openssl::pkey::PKey::hmac(&KEY).unwrap();
        let mut mac =
            openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &mac_key).unwrap();
        for part in [magic, name.as_slice(), body] {
            mac.update(part).unwrap();
        }
        let mut file = magic.to_vec();
        file.extend_from_slice(&mac.sign_to_vec().unwrap());
        file.extend_from_slice(body);
        file
    };
    // The forging is right: it rebuilds the entry secpack wrote.
    assert_eq!(forge(&bytes[16 + 32..]), bytes);
    let forged = forge(b"not a table of judgements");
    std::fs::write(entry, forged).unwrap();
    let run = Run::new(tmp.path(), KEY);
    let ring = run.ring(p.root(), &k.master);
    assert_eq!(run.detached(&ring, p.root(), QSB1, &sig, now), fresh);
    assert_eq!(run.counts(), (0, 1));
    std::fs::write(entry, &bytes).unwrap();

    // Untouched, it is used.
    let run = Run::new(tmp.path(), KEY);
    let ring = run.ring(p.root(), &k.master);
    assert_eq!(run.detached(&ring, p.root(), QSB1, &sig, now), fresh);
    assert_eq!(run.counts(), (1, 0));
}

#[test]
fn a_keyring_judged_without_its_cache_keeps_nothing() {
    let k = keys();
    let p = pack();
    let tmp = tempfile::tempdir().unwrap();
    let run = Run::new(tmp.path(), KEY);
    let pack = Pack::open(p.root()).unwrap();
    let ring = Keyring::load(&pack, &MasterPin::parse(&k.master).unwrap());
    let sig = format!("{QSB1}.sig.alice");
    let judged = run.detached(&ring, p.root(), QSB1, &sig, SystemTime::now());
    assert_eq!(judged[0].0, SigStatus::Valid);
    assert_eq!(run.counts(), (0, 0));
    assert!(!run.judgements.has_pending());
}
