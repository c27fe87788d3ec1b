//! The master key's third-party certification of a team key.

use sequoia_openpgp as openpgp;

use openpgp::cert::amalgamation::UserIDAmalgamation;
use openpgp::crypto::{KeyPair, Password};
use openpgp::packet::key::{PublicParts, UnspecifiedRole};
use openpgp::packet::{Key, Signature};
use openpgp::policy::{HashAlgoSecurity, Policy, StandardPolicy};
use openpgp::types::{HashAlgorithm, SignatureType};
use openpgp::{Cert, KeyHandle};

use super::KeyError;
use crate::signing::SigningError;

/// Unlocks the primary (certifying) key of a secret certificate, decrypting
/// it with `passphrase` when it is protected.
pub fn unlock_certifier(secret: &Cert, passphrase: Option<&Password>) -> Result<KeyPair, KeyError> {
    let fpr = secret.fingerprint().to_hex();
    let key = secret
        .primary_key()
        .key()
        .clone()
        .parts_into_secret()
        .map_err(|_| SigningError::NoSecretKey(fpr.clone()))?;
    let key = if key.has_unencrypted_secret() {
        key
    } else {
        let password = passphrase.ok_or_else(|| SigningError::PassphraseRequired(fpr.clone()))?;
        key.decrypt_secret(password)
            .map_err(|_| SigningError::WrongPassphrase(fpr.clone()))?
    };
    key.into_keypair()
        .map_err(|e| KeyError::OpenPgp(format!("using the primary key of {fpr}: {e}")))
}

/// What [`certify`] does, or did, to a key's user IDs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// User IDs to certify (certified, once [`certify`] returns).
    pub added: Vec<String>,
    /// User IDs the master key had certified already (left as they are).
    pub already: Vec<String>,
}

impl Plan {
    /// Nothing to add: every user ID is certified already.
    pub fn unchanged(&self) -> bool {
        self.added.is_empty()
    }
}

/// The outcome of [`certify`].
#[derive(Debug, Clone)]
pub struct Certified {
    /// The key with the new certifications (unchanged when there are none).
    pub cert: Cert,
    /// What was certified now and what was already.
    pub plan: Plan,
}

/// What [`certify`] would do to `key` with the master key `master` (its
/// public part is enough, so this is known before the master's passphrase
/// is asked). Refuses the master key itself
/// ([`KeyError::SelfCertification`]) and a key holding a certification by
/// the master that does not verify ([`KeyError::AlteredKey`]).
pub fn certification_plan(master: &Cert, key: &Cert) -> Result<Plan, KeyError> {
    plan(master.primary_key().key().role_as_unspecified(), key)
}

fn plan(master: &Key<PublicParts, UnspecifiedRole>, key: &Cert) -> Result<Plan, KeyError> {
    if key.fingerprint() == master.fingerprint() {
        return Err(KeyError::SelfCertification(master.fingerprint().to_hex()));
    }
    if holds_broken_certification(master, key) {
        return Err(KeyError::AlteredKey(key.fingerprint().to_hex()));
    }
    let policy = StandardPolicy::new();
    let mut plan = Plan::default();
    for ua in key.userids() {
        let text = String::from_utf8_lossy(ua.userid().value()).into_owned();
        if certified_by(master, key, &ua, &policy) {
            plan.already.push(text);
        } else {
            plan.added.push(text);
        }
    }
    if plan.added.is_empty() && plan.already.is_empty() {
        return Err(KeyError::NoUserId(key.fingerprint().to_hex()));
    }
    Ok(plan)
}

/// Certifies every user ID of `key` with `master` (a generic third-party
/// certification, SHA-512) that the master has not certified yet, and
/// returns the key with the certifications added. A user ID that carries a
/// valid, unexpired, unrevoked certification by `master` (acceptable under
/// the standard policy) is left alone, so certifying twice changes nothing.
/// Secret material of `key`, if any, is dropped. Refused as
/// [`certification_plan`] refuses.
pub fn certify(master: &mut KeyPair, key: Cert) -> Result<Certified, KeyError> {
    let key = key.strip_secret_key_material();
    let plan = plan(master.public(), &key)?;
    let mut sigs = Vec::new();
    for ua in key.userids() {
        let text = String::from_utf8_lossy(ua.userid().value()).into_owned();
        if !plan.added.contains(&text) {
            continue;
        }
        let sig = ua
            .userid()
            .certify(
                master,
                &key,
                SignatureType::GenericCertification,
                HashAlgorithm::SHA512,
                None::<std::time::SystemTime>,
            )
            .map_err(|e| KeyError::OpenPgp(format!("certifying {text:?}: {e}")))?;
        sigs.push(sig);
    }
    let cert = if sigs.is_empty() {
        key
    } else {
        key.insert_packets(sigs)
            .map_err(|e| KeyError::OpenPgp(format!("adding the certifications to the key: {e}")))?
    };
    Ok(Certified { cert, plan })
}

/// Whether `key` carries a certification by `master` that does not verify
/// (set aside by Sequoia because its hash prefix no longer matches, or
/// failing the public-key check): the key file was altered after the master
/// certified it.
fn holds_broken_certification(master: &Key<PublicParts, UnspecifiedRole>, key: &Cert) -> bool {
    let handle = KeyHandle::from(master.fingerprint());
    let by_master = |s: &Signature| s.get_issuers().iter().any(|h| h.aliases(&handle));
    let is_certification = |s: &Signature| {
        matches!(
            s.typ(),
            SignatureType::GenericCertification
                | SignatureType::PersonaCertification
                | SignatureType::CasualCertification
                | SignatureType::PositiveCertification
        )
    };
    let pk = key.primary_key().key();
    key.bad_signatures()
        .any(|s| by_master(s) && is_certification(s))
        || key.userids().any(|ua| {
            ua.certifications()
                .filter(|s| by_master(s))
                .any(|s| s.verify_userid_binding(master, pk, ua.userid()).is_err())
        })
}

/// Whether `master` certifies this user ID of `key` now: a certification
/// that verifies, is alive, is acceptable under `policy`, and that no later
/// certification revocation by `master` withdraws.
fn certified_by(
    master: &Key<PublicParts, UnspecifiedRole>,
    key: &Cert,
    ua: &UserIDAmalgamation<'_>,
    policy: &StandardPolicy,
) -> bool {
    let handle = KeyHandle::from(master.fingerprint());
    let by_master = |s: &Signature| s.get_issuers().iter().any(|h| h.aliases(&handle));
    let pk = key.primary_key().key();
    let uid = ua.userid();
    ua.certifications().filter(|s| by_master(s)).any(|sig| {
        let t = sig
            .signature_creation_time()
            .unwrap_or(std::time::UNIX_EPOCH);
        sig.verify_userid_binding(master, pk, uid).is_ok()
            && policy
                .signature(sig, HashAlgoSecurity::CollisionResistance)
                .is_ok()
            && sig.signature_alive(None, std::time::Duration::ZERO).is_ok()
            && !ua.other_revocations().any(|r| {
                by_master(r)
                    && r.typ() == SignatureType::CertificationRevocation
                    && r.signature_creation_time().is_some_and(|rt| rt >= t)
                    && r.verify_userid_revocation(master, pk, uid).is_ok()
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use openpgp::cert::{CertBuilder, CipherSuite};

    fn key(uid: &str) -> Cert {
        CertBuilder::new()
            .set_cipher_suite(CipherSuite::Cv25519)
            .add_userid(uid)
            .add_signing_subkey()
            .generate()
            .unwrap()
            .0
    }

    #[test]
    fn certifying_twice_adds_nothing_new_or_revoked_user_ids_are_certified() {
        let master = key("Master <master@test.invalid>");
        let mut signer = unlock_certifier(&master, None).unwrap();
        let alice_secret = key("Alice <alice@test.invalid>");
        let once = certify(&mut signer, alice_secret.clone()).unwrap();
        assert_eq!(once.plan.added, ["Alice <alice@test.invalid>"]);
        assert!(once.plan.already.is_empty());
        let count = |c: &Cert| {
            c.userids()
                .map(|u| u.certifications().count())
                .sum::<usize>()
        };
        assert_eq!(count(&once.cert), 1);

        let twice = certify(&mut signer, once.cert.clone()).unwrap();
        assert!(twice.plan.unchanged());
        assert_eq!(twice.plan.already, ["Alice <alice@test.invalid>"]);
        assert_eq!(certification_plan(&master, &once.cert).unwrap(), twice.plan);
        assert_eq!(twice.cert, once.cert);

        // A user ID added later is certified alone.
        use openpgp::packet::signature::SignatureBuilder;
        use openpgp::packet::UserID;
        let uid = UserID::from("Alice <alice@elsewhere.invalid>");
        let mut own = alice_secret
            .primary_key()
            .key()
            .clone()
            .parts_into_secret()
            .unwrap()
            .into_keypair()
            .unwrap();
        let binding = uid
            .bind(
                &mut own,
                &alice_secret,
                SignatureBuilder::new(SignatureType::PositiveCertification),
            )
            .unwrap();
        let grown = once
            .cert
            .clone()
            .insert_packets([
                openpgp::Packet::from(uid.clone()),
                openpgp::Packet::from(binding),
            ])
            .unwrap();
        let third = certify(&mut signer, grown).unwrap();
        assert_eq!(third.plan.added, ["Alice <alice@elsewhere.invalid>"]);
        assert_eq!(third.plan.already, ["Alice <alice@test.invalid>"]);
        assert_eq!(count(&third.cert), 2);

        // A revoked certification no longer counts: certifying again adds
        // a new one.
        let ua = once.cert.userids().next().unwrap();
        let revocation = SignatureBuilder::new(SignatureType::CertificationRevocation)
            .sign_userid_binding(&mut signer, once.cert.primary_key().key(), ua.userid())
            .unwrap();
        let revoked = once.cert.clone().insert_packets([revocation]).unwrap();
        let again = certify(&mut signer, revoked).unwrap();
        assert_eq!(again.plan.added, ["Alice <alice@test.invalid>"]);
    }

    /// `cert` with one byte of its serialized certification `sig` flipped,
    /// `at` bytes from the end of that packet.
    fn flip(cert: &Cert, sig: &Signature, at: usize) -> Cert {
        use openpgp::parse::Parse;
        use openpgp::serialize::SerializeInto;
        let mut bytes = cert.to_vec().unwrap();
        let packet = openpgp::Packet::from(sig.clone()).to_vec().unwrap();
        let start = bytes
            .windows(packet.len())
            .position(|w| w == packet.as_slice())
            .expect("the certification is in the key");
        bytes[start + packet.len() - at] ^= 0x01;
        Cert::from_bytes(&bytes).unwrap()
    }

    #[test]
    fn a_key_whose_certification_was_altered_is_not_certified_again() {
        let master = key("Master <master@test.invalid>");
        let mut signer = unlock_certifier(&master, None).unwrap();
        let once = certify(&mut signer, key("Alice <alice@test.invalid>")).unwrap();
        let sig = once
            .cert
            .userids()
            .next()
            .unwrap()
            .certifications()
            .next()
            .unwrap()
            .clone();
        // The last byte (the signature value) and one byte near the start of
        // the hashed area (what the signature covers).
        let header = 2;
        let packet_len = {
            use openpgp::serialize::SerializeInto;
            openpgp::Packet::from(sig.clone()).to_vec().unwrap().len()
        };
        for at in [1, packet_len - header - 8] {
            let altered = flip(&once.cert, &sig, at);
            let e = certify(&mut signer, altered.clone()).unwrap_err();
            assert_eq!(e.code(), "altered-key", "byte {at} from the end");
            let e = certification_plan(&master, &altered).unwrap_err();
            assert_eq!(e.code(), "altered-key");
        }
    }

    #[test]
    fn the_master_key_does_not_certify_itself() {
        let master = key("Master <master@test.invalid>");
        let mut signer = unlock_certifier(&master, None).unwrap();
        let e = certify(&mut signer, master.clone()).unwrap_err();
        assert_eq!(e.code(), "self-certification");
        let e = certification_plan(&master, &master).unwrap_err();
        assert_eq!(e.code(), "self-certification");
    }
}
