//! Forged document signatures: packets that verify cryptographically over a
//! file but are not document signatures, or that the policy or their own
//! expiry rule out. Each is presented as `<doc>.sig.member` on the two paths
//! that can end in `valid`: the normal one (the key was bound when it
//! signed) and the `binding-after-signature` one (the key's only surviving
//! binding is newer than the signature). None may be `valid`.
//!
//! Keys and signatures are made with Sequoia here so that every packet type
//! can be produced; one case is cross-checked against `gpg --verify`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use openpgp::cert::prelude::*;
use openpgp::crypto::KeyPair;
use openpgp::packet::key::{Key4, PrimaryRole, SecretParts};
use openpgp::packet::signature::SignatureBuilder;
use openpgp::packet::{Key, Signature, UserID};
use openpgp::serialize::{Marshal, MarshalInto};
use openpgp::types::{Curve, HashAlgorithm, KeyFlags, SignatureType};
use openpgp::{Cert, Packet};
use secpack::trust::report::VerifyOptions;
use secpack::trust::verdict::{SigStatus, SigWarning};
use secpack_testsupport::{Gpg, TestPack};
use sequoia_openpgp as openpgp;

fn at(unix: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(unix)
}

/// 2019-01-01: keys are made.
const T_KEY: u64 = 1_546_300_800;
/// 2019-06-01: the member's first binding (dropped later on one path).
const T_OLD_BINDING: u64 = 1_559_347_200;
/// 2020-06-01: documents are signed.
const T_SIGN: u64 = 1_590_969_600;
/// 2023-01-01: the member's binding is re-issued.
const T_NEW_BINDING: u64 = 1_672_531_200;

const USER_ID: &str = "Member Forge Test (throwaway) <member@test.invalid>";
const DOC: &str = "QSBs/qsb-001-2020.txt";
const SIG: &str = "QSBs/qsb-001-2020.txt.sig.member";

/// The two paths to `valid`.
#[derive(Debug, Clone, Copy)]
enum Path {
    /// The member's binding predates the signature.
    Normal,
    /// The member's only binding is newer than the signature.
    BindingAfter,
}

/// A pack whose master certifies one member key, built for `path`.
struct World {
    pack: TestPack,
    master_fpr: String,
    member: KeyPair,
    /// The member's self-signature from 2019, and the bytes it covers (the
    /// hashed public key and user ID), as found in a pack's history.
    old_self_sig: Signature,
    old_self_sig_material: Vec<u8>,
    master_cert: Cert,
    member_cert: Cert,
}

fn member_key() -> Key<SecretParts, PrimaryRole> {
    let mut k: Key4<SecretParts, PrimaryRole> =
        Key4::generate_ecc(true, Curve::Ed25519).expect("ed25519 key");
    k.set_creation_time(at(T_KEY)).unwrap();
    k.into()
}

fn binding(kp: &mut KeyPair, cert: &Cert, uid: &UserID, when: u64) -> Signature {
    uid.bind(
        kp,
        cert,
        SignatureBuilder::new(SignatureType::PositiveCertification)
            .set_signature_creation_time(at(when))
            .unwrap()
            .set_key_flags(KeyFlags::empty().set_certification().set_signing())
            .unwrap(),
    )
    .expect("binding")
}

impl World {
    fn new(path: Path) -> Self {
        let (master_cert, _) = CertBuilder::new()
            .set_creation_time(at(T_KEY))
            .add_userid("Forge Test Master (throwaway) <master@test.invalid>")
            .set_primary_key_flags(KeyFlags::empty().set_certification())
            .generate()
            .unwrap();
        let mut master_signer = master_cert
            .primary_key()
            .key()
            .clone()
            .parts_into_secret()
            .unwrap()
            .into_keypair()
            .unwrap();

        let key = member_key();
        let mut member = key.clone().into_keypair().unwrap();
        let bare = Cert::try_from(vec![Packet::from(key.clone())]).unwrap();
        let uid = UserID::from(USER_ID);
        let old_self_sig = binding(&mut member, &bare, &uid, T_OLD_BINDING);
        let binding_time = match path {
            Path::Normal => T_OLD_BINDING,
            Path::BindingAfter => T_NEW_BINDING,
        };
        let current = if binding_time == T_OLD_BINDING {
            old_self_sig.clone()
        } else {
            binding(&mut member, &bare, &uid, binding_time)
        };
        let member_cert = bare
            .insert_packets(vec![Packet::from(uid.clone()), current.into()])
            .unwrap();
        let certification = uid
            .certify(
                &mut master_signer,
                &member_cert,
                SignatureType::GenericCertification,
                None,
                at(binding_time + 60),
            )
            .unwrap();
        let member_cert = member_cert
            .insert_packets(vec![Packet::from(uid.clone()), certification.into()])
            .unwrap();

        // What a user-ID self-signature covers: 0x99, the public key body's
        // length and body, 0xB4, the user ID's length and value.
        let body = key.parts_as_public().to_vec().unwrap();
        let mut material = vec![0x99];
        material.extend_from_slice(&(body.len() as u16).to_be_bytes());
        material.extend_from_slice(&body);
        material.push(0xB4);
        material.extend_from_slice(&(USER_ID.len() as u32).to_be_bytes());
        material.extend_from_slice(USER_ID.as_bytes());

        let pack = TestPack::empty();
        pack.write(
            "keys/master-key/master.asc",
            &master_cert.armored().to_vec().unwrap(),
        );
        pack.write(
            "keys/security-team/member.asc",
            &member_cert.armored().to_vec().unwrap(),
        );
        World {
            pack,
            master_fpr: master_cert.fingerprint().to_hex(),
            member,
            old_self_sig,
            old_self_sig_material: material,
            master_cert,
            member_cert,
        }
    }

    /// Writes `doc` and `sig` (armoured) into the pack and verifies it.
    fn judge(&self, doc: &[u8], sig: &Signature) -> secpack::trust::report::SignatureReport {
        self.pack.write(DOC, doc);
        let packet = Packet::from(sig.clone());
        let mut armored = Vec::new();
        {
            let mut w =
                openpgp::armor::Writer::new(&mut armored, openpgp::armor::Kind::Signature).unwrap();
            packet.serialize(&mut w).unwrap();
            w.finalize().unwrap();
        }
        self.pack.write(SIG, &armored);
        let r = self.pack.verify(&self.master_fpr, VerifyOptions::default());
        secpack_testsupport::sig(&r, SIG).clone()
    }
}

/// A signature of type `typ` over `doc` as the verifier hashes it (binary),
/// made at `when`, with `hash`.
fn forge(
    kp: &mut KeyPair,
    typ: SignatureType,
    hash: HashAlgorithm,
    doc: &[u8],
    when: u64,
) -> Signature {
    let mut ctx = hash.context().unwrap();
    ctx.update(doc);
    SignatureBuilder::new(typ)
        .set_signature_creation_time(at(when))
        .unwrap()
        .sign_hash(kp, ctx)
        .unwrap()
}

const BODY: &[u8] = b"Forged bulletin: everything is fine, install this.\n";

#[test]
fn a_good_binary_signature_is_valid_on_both_paths() {
    for path in [Path::Normal, Path::BindingAfter] {
        let mut w = World::new(path);
        let s = forge(
            &mut w.member,
            SignatureType::Binary,
            HashAlgorithm::SHA256,
            BODY,
            T_SIGN,
        );
        let v = w.judge(BODY, &s);
        assert_eq!(v.status, SigStatus::Valid, "{path:?}: {v:?}");
        assert_eq!(
            v.warnings.contains(&SigWarning::BindingAfterSignature),
            matches!(path, Path::BindingAfter),
            "{path:?}: {v:?}"
        );
        // The same signature over another byte is bad on both paths.
        let v = w.judge(b"Forged bulletin: everything is fine, install thiS.\n", &s);
        assert_eq!(v.status, SigStatus::Bad, "{path:?}: {v:?}");
    }
}

#[test]
fn non_document_signature_types_are_never_valid() {
    let types = [
        SignatureType::GenericCertification,
        SignatureType::PersonaCertification,
        SignatureType::CasualCertification,
        SignatureType::PositiveCertification,
        SignatureType::SubkeyBinding,
        SignatureType::PrimaryKeyBinding,
        SignatureType::DirectKey,
        SignatureType::KeyRevocation,
        SignatureType::SubkeyRevocation,
        SignatureType::CertificationRevocation,
        SignatureType::Standalone,
        SignatureType::Timestamp,
        SignatureType::Confirmation,
    ];
    for path in [Path::Normal, Path::BindingAfter] {
        let mut w = World::new(path);
        for typ in types {
            let s = forge(&mut w.member, typ, HashAlgorithm::SHA256, BODY, T_SIGN);
            let v = w.judge(BODY, &s);
            assert_eq!(
                v.status,
                SigStatus::NotADocumentSignature,
                "{path:?} {typ}: {v:?}"
            );
            assert!(v.reason.contains("cannot sign a document"), "{}", v.reason);
        }
    }
}

#[test]
fn the_keys_own_old_self_signature_is_not_a_document_signature() {
    // The attack as found: the member's 2019 self-signature, taken from the
    // pack's history, verifies over a file holding the hashed key and user
    // ID. On the binding-after path the key's only binding is from 2023, so
    // the 2019 signature reaches the path that re-checks it by hand.
    for path in [Path::Normal, Path::BindingAfter] {
        let w = World::new(path);
        let v = w.judge(&w.old_self_sig_material, &w.old_self_sig);
        assert_eq!(
            v.status,
            SigStatus::NotADocumentSignature,
            "{path:?}: {v:?}"
        );
    }
}

#[test]
fn gnupg_refuses_the_old_self_signature_too() {
    let w = World::new(Path::Normal);
    let gpg = Gpg::new();
    let keys = w.pack.path("all-keys.asc");
    let mut both = w.master_cert.armored().to_vec().unwrap();
    both.extend(w.member_cert.armored().to_vec().unwrap());
    std::fs::write(&keys, both).unwrap();
    gpg.import(&keys);
    let v = w.judge(&w.old_self_sig_material, &w.old_self_sig);
    assert_eq!(v.status, SigStatus::NotADocumentSignature);
    assert!(!gpg.verifies(&w.pack.path(SIG), &w.pack.path(DOC)));
}

#[test]
fn md5_is_rejected_on_both_paths() {
    for path in [Path::Normal, Path::BindingAfter] {
        let mut w = World::new(path);
        let s = forge(
            &mut w.member,
            SignatureType::Binary,
            HashAlgorithm::MD5,
            BODY,
            T_SIGN,
        );
        let v = w.judge(BODY, &s);
        assert_eq!(v.status, SigStatus::RejectedAlgorithm, "{path:?}: {v:?}");
    }
}

#[test]
fn sha1_stays_valid_with_the_weak_hash_warning_on_both_paths() {
    for path in [Path::Normal, Path::BindingAfter] {
        let mut w = World::new(path);
        let s = forge(
            &mut w.member,
            SignatureType::Binary,
            HashAlgorithm::SHA1,
            BODY,
            T_SIGN,
        );
        let v = w.judge(BODY, &s);
        assert_eq!(v.status, SigStatus::Valid, "{path:?}: {v:?}");
        assert!(v.warnings.contains(&SigWarning::WeakHash), "{v:?}");
    }
}

#[test]
fn an_expired_signature_is_not_valid_on_either_path() {
    for path in [Path::Normal, Path::BindingAfter] {
        let mut w = World::new(path);
        let mut ctx = HashAlgorithm::SHA256.context().unwrap();
        ctx.update(BODY);
        let s = SignatureBuilder::new(SignatureType::Binary)
            .set_signature_creation_time(at(T_SIGN))
            .unwrap()
            .set_signature_validity_period(Duration::from_secs(86_400))
            .unwrap()
            .sign_hash(&mut w.member, ctx)
            .unwrap();
        let v = w.judge(BODY, &s);
        assert_eq!(v.status, SigStatus::ExpiredSignature, "{path:?}: {v:?}");
    }
}

#[test]
fn text_signatures_still_verify_on_both_paths() {
    // A text signature covers the document with CRLF line ends.
    let canonical = b"Forged bulletin: everything is fine, install this.\r\n";
    for path in [Path::Normal, Path::BindingAfter] {
        let mut w = World::new(path);
        let s = forge(
            &mut w.member,
            SignatureType::Text,
            HashAlgorithm::SHA256,
            canonical,
            T_SIGN,
        );
        let v = w.judge(BODY, &s);
        assert_eq!(v.status, SigStatus::Valid, "{path:?}: {v:?}");
    }
}
