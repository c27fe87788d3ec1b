//! The keyring's judgement beyond "certified or not": a pin that names a
//! team member's key instead of the master key, key files altered after
//! they were certified (a changed byte in the master's certification or in
//! the key's own self-signature), what each key can do, keys listed without
//! a pin, and `status` not asking an encryption-only key to sign.

use secpack::pack::Pack;
use secpack::trust::keyring::Keyring;
use secpack::trust::pin::MasterPin;
use secpack::trust::verdict::KeyStatus;
use secpack::trust::VerifyOptions;
use secpack_testsupport::*;
use sequoia_openpgp::parse::Parse;
use sequoia_openpgp::serialize::SerializeInto;
use sequoia_openpgp::types::SignatureType;
use sequoia_openpgp::{Cert, KeyHandle, Packet};

fn entry<'a>(ring: &'a Keyring, file: &str) -> &'a secpack::trust::keyring::KeyEntry {
    ring.entries
        .iter()
        .find(|e| e.file == file)
        .unwrap_or_else(|| panic!("{file} in {:#?}", ring.entries))
}

/// Where in a signature packet to change a byte.
#[derive(Debug, Clone, Copy)]
enum Spot {
    /// The last byte: the signature value itself.
    Value,
    /// The last byte of the signature creation time, in the hashed area:
    /// what the signature covers.
    CreationTime,
}

/// The armoured key file `armored` with one byte of one signature changed:
/// the first signature `pick` selects.
fn flip(
    armored: &[u8],
    pick: impl Fn(&Cert, &sequoia_openpgp::packet::Signature) -> bool,
    spot: Spot,
) -> Vec<u8> {
    let cert = Cert::from_bytes(armored).unwrap();
    let sig = cert
        .userids()
        .flat_map(|u| {
            u.self_signatures()
                .chain(u.certifications())
                .cloned()
                .collect::<Vec<_>>()
        })
        .find(|s| pick(&cert, s))
        .expect("a signature to alter");
    let mut bytes = cert.to_vec().unwrap();
    let packet = Packet::from(sig).to_vec().unwrap();
    let start = bytes
        .windows(packet.len())
        .position(|w| w == packet.as_slice())
        .expect("the signature is in the key");
    let at = match spot {
        Spot::Value => packet.len() - 1,
        Spot::CreationTime => {
            // New-format header, then version, type, algorithms, and the
            // hashed area's length.
            let header = match packet[1] {
                0..=191 => 2,
                192..=223 => 3,
                _ => 6,
            };
            let area = header + 6;
            let len = u16::from_be_bytes([packet[header + 4], packet[header + 5]]) as usize;
            let mut i = area;
            loop {
                assert!(i < area + len, "no creation time subpacket");
                let (sub_len, skip) = match packet[i] {
                    n @ 0..=191 => (n as usize, 1),
                    n => (((n as usize - 192) << 8) + packet[i + 1] as usize + 192, 2),
                };
                if packet[i + skip] & 0x7f == 2 {
                    break i + skip + sub_len - 1;
                }
                i += skip + sub_len;
            }
        }
    };
    bytes[start + at] ^= 0x01;
    let mut w =
        sequoia_openpgp::armor::Writer::new(Vec::new(), sequoia_openpgp::armor::Kind::PublicKey)
            .unwrap();
    std::io::Write::write_all(&mut w, &bytes).unwrap();
    w.finalize().unwrap()
}

fn by(master: &str) -> impl Fn(&Cert, &sequoia_openpgp::packet::Signature) -> bool + '_ {
    move |_, s| {
        let h: KeyHandle = master.parse().unwrap();
        s.get_issuers().iter().any(|i| i.aliases(&h))
            && s.typ() != SignatureType::CertificationRevocation
    }
}

fn own(cert: &Cert, s: &sequoia_openpgp::packet::Signature) -> bool {
    let h = KeyHandle::from(cert.fingerprint());
    s.get_issuers().iter().any(|i| i.aliases(&h))
}

#[test]
fn a_pin_on_a_team_members_key_is_warned_and_fails_strict() {
    let k = keys();
    let p = TestPack::with_keys();
    // The real master: no warning.
    let r = p.keyring(&k.master);
    assert!(r.master_warnings.is_empty(), "{:?}", r.master_warnings);
    let report = p.verify(&k.master, VerifyOptions::default());
    assert!(report.master.warnings.is_empty());

    // bob's key pinned as the master: it is found, and warned about.
    let r = p.keyring(&k.bob);
    assert_eq!(
        r.entries[r.master.unwrap()].file,
        "keys/security-team/bob-test.asc"
    );
    assert_eq!(r.master_warnings.len(), 1, "{:?}", r.master_warnings);
    let w = &r.master_warnings[0];
    assert!(w.starts_with("pin-not-master-folder: "), "{w}");
    assert!(w.contains("keys/security-team/bob-test.asc"), "{w}");
    assert!(r.master_problem.is_none());

    let report = p.verify(&k.bob, VerifyOptions::default());
    assert_eq!(report.master.warnings, r.master_warnings);
    assert!(
        !report
            .summary
            .failures
            .iter()
            .any(|f| f.contains("pin-not-master-folder")),
        "a warning, not a failure: {:?}",
        report.summary.failures
    );
    let json = serde_json::to_value(&report).unwrap();
    assert!(json["master"]["warnings"][0]
        .as_str()
        .unwrap()
        .starts_with("pin-not-master-folder"));
    let strict = p.verify(
        &k.bob,
        VerifyOptions {
            strict: true,
            ..Default::default()
        },
    );
    assert!(!strict.summary.ok);
    assert!(strict
        .summary
        .failures
        .iter()
        .any(|f| f.starts_with("pin-not-master-folder")));

    // A master key kept in a folder the layout gives the role "master" is
    // not warned about, whatever the folder's name.
    let q = TestPack::with_keys();
    std::fs::remove_file(q.path("keys/master-key/test-master.asc")).unwrap();
    q.write("keys/root/test-master.asc", &k.gpg.export(&k.master));
    q.signed_config(b"[layout.key_roles]\nroot = \"master\"\nsecurity-team = \"security-team\"\n");
    let report = q.verify(&k.master, VerifyOptions::default());
    assert_eq!(
        report.master.file.as_deref(),
        Some("keys/root/test-master.asc")
    );
    assert!(
        report.master.warnings.is_empty(),
        "{:?}",
        report.master.warnings
    );
}

#[test]
fn an_altered_certification_says_so_and_is_not_sent_to_certification_again() {
    let k = keys();
    for spot in [Spot::Value, Spot::CreationTime] {
        let p = TestPack::with_keys();
        let file = "keys/security-team/bob-test.asc";
        let altered = flip(&k.gpg.export(&k.bob), by(&k.master), spot);
        p.write(file, &altered);
        let r = p.keyring(&k.master);
        let e = entry(&r, file);
        assert_eq!(e.status, KeyStatus::Uncertified, "{spot:?}");
        assert!(
            e.reason.contains("certification")
                && e.reason.contains("does not verify")
                && e.reason.contains("altered")
                && !e.reason.starts_with("not certified"),
            "{spot:?}: {}",
            e.reason
        );
        // Untouched keys keep their verdicts.
        assert_eq!(
            entry(&r, "keys/security-team/alice-test.asc").status,
            KeyStatus::Certified
        );

        // `key certify` refuses to vouch for it again.
        let master_secret = Cert::from_bytes(&k.gpg.export_secret(&k.master)).unwrap();
        let altered_cert = Cert::from_bytes(&altered).unwrap();
        let e = secpack::keys::certification_plan(&master_secret, &altered_cert).unwrap_err();
        assert_eq!(e.code(), "altered-key", "{spot:?}");
    }
    // A key never certified keeps the plain reason.
    let p = TestPack::with_keys();
    let r = p.keyring(&k.master);
    let mallory = entry(&r, "keys/security-team/mallory-test.asc");
    assert_eq!(mallory.status, KeyStatus::Uncertified);
    assert_eq!(mallory.reason, "not certified by the pinned master key");
}

#[test]
fn an_altered_self_signature_is_warned_about() {
    let k = keys();
    let p = TestPack::with_keys();
    let file = "keys/security-team/bob-test.asc";
    p.write(file, &flip(&k.gpg.export(&k.bob), own, Spot::CreationTime));
    let r = p.keyring(&k.master);
    let e = entry(&r, file);
    assert!(
        e.warnings
            .iter()
            .any(|w| w.starts_with("self-signature-invalid: ") && w.contains("altered")),
        "{e:#?}"
    );
    // The same change on a key the master never certified is in its reason.
    let file = "keys/security-team/mallory-test.asc";
    p.write(
        file,
        &flip(&k.gpg.export(&k.mallory), own, Spot::CreationTime),
    );
    let r = p.keyring(&k.master);
    let e = entry(&r, file);
    assert_eq!(e.status, KeyStatus::Uncertified);
    assert!(
        e.reason
            .starts_with("not certified by the pinned master key, and ")
            && e.reason.contains("altered"),
        "{}",
        e.reason
    );
    // Unaltered keys carry no such warning.
    assert!(entry(&r, "keys/security-team/alice-test.asc")
        .warnings
        .is_empty());
}

#[test]
fn capabilities_and_keys_listed_without_a_pin() {
    let k = keys();
    let p = TestPack::with_email_key();
    let r = p.keyring(&k.master);
    assert!(r.judged);
    let email = entry(&r, EMAIL_KEY_FILE);
    assert_eq!(email.status, KeyStatus::Certified);
    assert_eq!(email.capabilities, ["certify", "encrypt"]);
    assert!(email.can_encrypt() && !email.can_sign());
    let bob = entry(&r, "keys/security-team/bob-test.asc");
    assert!(
        bob.can_sign() && !bob.can_encrypt(),
        "{:?}",
        bob.capabilities
    );

    let pack = Pack::open(p.root()).unwrap();
    let unjudged = Keyring::unjudged(&pack);
    assert!(!unjudged.judged);
    assert!(unjudged.master.is_none() && unjudged.master_problem.is_none());
    assert_eq!(unjudged.entries.len(), r.entries.len());
    for (u, j) in unjudged.entries.iter().zip(&r.entries) {
        assert_eq!(u.file, j.file);
        assert_eq!(u.fingerprint, j.fingerprint);
        assert_eq!(u.user_ids, j.user_ids);
        assert_eq!(u.created, j.created);
        assert_eq!(u.expires, j.expires);
        assert_eq!(u.capabilities, j.capabilities);
        assert!(u.certified.is_none());
        assert!(u.reason.starts_with("not judged"), "{}", u.reason);
    }
}

#[test]
fn status_asks_no_signature_of_a_key_that_cannot_sign() {
    let k = keys();
    // The team's e-mail key under a name of its own ("email"), as `secpack
    // key generate --encryption` names it.
    let p = TestPack::with_keys();
    p.write(
        "keys/security-team/email-0123456789abcdef.asc",
        &k.gpg.export(email_key()),
    );
    p.signed_config(b"[signers]\nrequired = { QSBs = 2 }\n");
    p.signed_doc("QSBs/qsb-001-2024.txt", BULLETIN, &[("alice", &k.alice)]);
    let pack = Pack::open(p.root()).unwrap();
    let today = chrono::Utc::now().date_naive();
    let status =
        secpack::team::status::pack_status(&pack, &MasterPin::parse(&k.master).unwrap(), today);
    let item = status
        .items
        .iter()
        .find(|i| i.code == "below-threshold")
        .expect("the bulletin lacks a signature");
    // The e-mail key is certified, of the security team's role, and cannot
    // sign: it owes nothing.
    assert_eq!(item.missing_signers, ["bob"], "{item:#?}");
    assert!(
        item.message.ends_with("not signed yet by bob"),
        "{}",
        item.message
    );
}
