//! Structure-aware forgeries: a real team key makes a signature of any type,
//! hash, creation time and validity over the document, and the engine judges
//! it. The key's only binding is newer than some of those creation times, so
//! both paths that can end in `valid` are reached (the normal one and
//! `binding-after-signature`). `valid` only ever goes to a binary or text
//! signature, with an accepted hash, alive now, made after the key existed.
#![no_main]

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use openpgp::cert::prelude::*;
use openpgp::crypto::KeyPair;
use openpgp::packet::key::{Key4, PrimaryRole, SecretParts};
use openpgp::packet::signature::SignatureBuilder;
use openpgp::packet::{Key, UserID};
use openpgp::serialize::{Marshal, MarshalInto};
use openpgp::types::{Curve, HashAlgorithm, KeyFlags, SignatureType};
use openpgp::{Cert, Packet};
use secpack::pack::Pack;
use secpack::trust::keyring::Keyring;
use secpack::trust::pin::MasterPin;
use secpack::trust::verdict::SigStatus;
use sequoia_openpgp as openpgp;

/// 2019-01-01, when the key was made; its binding is from 2023-01-01.
const T_KEY: u64 = 1_546_300_800;
const T_BINDING: u64 = 1_672_531_200;

struct World {
    ring: Keyring,
    signer: std::sync::Mutex<KeyPair>,
    _dir: tempfile::TempDir,
}

fn at(unix: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(unix)
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let (master, _) = CertBuilder::new()
            .set_creation_time(at(T_KEY))
            .add_userid("Fuzz Master (throwaway)")
            .set_primary_key_flags(KeyFlags::empty().set_certification())
            .generate()
            .unwrap();
        let mut master_signer = master
            .primary_key()
            .key()
            .clone()
            .parts_into_secret()
            .unwrap()
            .into_keypair()
            .unwrap();
        let mut k: Key4<SecretParts, PrimaryRole> = Key4::generate_ecc(true, Curve::Ed25519).unwrap();
        k.set_creation_time(at(T_KEY)).unwrap();
        let key: Key<SecretParts, PrimaryRole> = k.into();
        let mut signer = key.clone().into_keypair().unwrap();
        let bare = Cert::try_from(vec![Packet::from(key)]).unwrap();
        let uid = UserID::from("Fuzz Member (throwaway)");
        let binding = uid
            .bind(
                &mut signer,
                &bare,
                SignatureBuilder::new(SignatureType::PositiveCertification)
                    .set_signature_creation_time(at(T_BINDING))
                    .unwrap()
                    .set_key_flags(KeyFlags::empty().set_signing())
                    .unwrap(),
            )
            .unwrap();
        let member = bare.insert_packets(vec![Packet::from(uid.clone()), binding.into()]).unwrap();
        let cert = uid
            .certify(&mut master_signer, &member, SignatureType::GenericCertification, None, at(T_BINDING + 60))
            .unwrap();
        let member = member.insert_packets(vec![Packet::from(uid), cert.into()]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        for (path, cert) in [("keys/master-key/m.asc", &master), ("keys/security-team/member.asc", &member)] {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, cert.armored().to_vec().unwrap()).unwrap();
        }
        let pack = Pack::open(dir.path()).unwrap();
        let ring = Keyring::load(&pack, &MasterPin::parse(&master.fingerprint().to_hex()).unwrap());
        World { ring, signer: std::sync::Mutex::new(signer), _dir: dir }
    })
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let typ = SignatureType::from(data[0]);
    let hash = HashAlgorithm::from(data[1]);
    // Anywhere from 2018 to 2030.
    let when = 1_514_764_800 + u64::from(u32::from_le_bytes([data[2], data[3], data[4], 0])) * 23;
    let validity = match data[5] {
        0 => None,
        n => Some(Duration::from_secs(u64::from(n) * 86_400 * 30)),
    };
    let doc = &data[6..];
    let Ok(mut ctx) = hash.context() else { return };
    ctx.update(doc);
    let mut b = SignatureBuilder::new(typ).set_signature_creation_time(at(when)).unwrap();
    if let Some(v) = validity {
        b = b.set_signature_validity_period(v).unwrap();
    }
    let w = world();
    let Ok(sig) = b.sign_hash(&mut *w.signer.lock().unwrap(), ctx) else { return };
    let mut armored = Vec::new();
    {
        let mut a = openpgp::armor::Writer::new(&mut armored, openpgp::armor::Kind::Signature).unwrap();
        Packet::from(sig.clone()).serialize(&mut a).unwrap();
        a.finalize().unwrap();
    }
    for j in w.ring.verify_detached(doc, &armored) {
        if j.status != SigStatus::Valid {
            continue;
        }
        assert!(matches!(typ, SignatureType::Binary | SignatureType::Text), "{typ} judged valid");
        assert!(
            !matches!(hash, HashAlgorithm::MD5) && hash.is_supported(),
            "{hash} judged valid"
        );
        assert!(sig.signature_alive(None, None).is_ok(), "an expired signature judged valid");
        assert!(when >= T_KEY, "a signature older than its key judged valid");
    }
});
