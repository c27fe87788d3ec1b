//! The trust engine against real GnuPG: keys, certifications and signatures
//! made with `gpg` in a temporary home, judged by secpack, positive and
//! negative cases alike.

use secpack::trust::verdict::{KeyStatus, SigStatus, SigWarning};
use secpack::trust::VerifyOptions;
use secpack_testsupport::*;

#[test]
fn two_signers_rsa4096_and_ed25519_verify() {
    let k = keys();
    let p = TestPack::with_keys();
    p.signed_config(b"[signers]\nrequired = { QSBs = 2 }\n");
    p.signed_doc(
        "QSBs/qsb-001-2024.txt",
        BULLETIN,
        &[("alice", &k.alice), ("bob", &k.bob)],
    );
    let r = p.verify(&k.master, VerifyOptions::default());
    assert!(r.summary.ok, "{:#?}", r.summary);
    for s in [
        "QSBs/qsb-001-2024.txt.sig.alice",
        "QSBs/qsb-001-2024.txt.sig.bob",
    ] {
        let v = sig(&r, s);
        assert_eq!(v.status, SigStatus::Valid, "{v:?}");
        assert!(v.warnings.is_empty(), "{v:?}");
    }
    assert_eq!(
        sig(&r, "QSBs/qsb-001-2024.txt.sig.alice").key.as_deref(),
        Some(k.alice.as_str())
    );
    assert_eq!(
        sig(&r, "QSBs/qsb-001-2024.txt.sig.bob").key.as_deref(),
        Some(k.bob.as_str())
    );
    let d = &r.documents[0];
    assert_eq!((d.valid_signers, d.required, d.ok), (2, 2, true));
    // Keys: the master, three certified, mallory uncertified.
    let status = |f: &str| r.keys.iter().find(|e| e.file.ends_with(f)).unwrap().status;
    assert_eq!(status("test-master.asc"), KeyStatus::Master);
    assert_eq!(status("alice-test.asc"), KeyStatus::Certified);
    assert_eq!(status("mallory-test.asc"), KeyStatus::Uncertified);
    // And GnuPG agrees with every valid verdict.
    let gpg = &k.gpg;
    for s in ["alice", "bob"] {
        assert!(gpg.verifies(
            &p.path(&format!("QSBs/qsb-001-2024.txt.sig.{s}")),
            &p.path("QSBs/qsb-001-2024.txt")
        ));
    }
}

#[test]
fn the_json_report_has_the_documented_shape() {
    let k = keys();
    let p = TestPack::with_keys();
    p.signed_doc("QSBs/qsb-001-2024.txt", BULLETIN, &[("alice", &k.alice)]);
    let r = p.verify(&k.master, VerifyOptions::default());
    let v = serde_json::to_value(&r).unwrap();
    let s = &v["signatures"][0];
    assert_eq!(s["document"], "QSBs/qsb-001-2024.txt");
    assert_eq!(s["signature"], "QSBs/qsb-001-2024.txt.sig.alice");
    assert_eq!(s["signer"], "alice");
    assert_eq!(s["status"], "valid");
    assert_eq!(s["warnings"], serde_json::json!([]));
    assert_eq!(s["key"], k.alice.as_str());
    assert!(s["created"]
        .as_str()
        .unwrap()
        .starts_with("2024-03-01T12:00:00"));
    assert!(s["reason"].as_str().is_some());
    let key = v["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["file"] == "keys/security-team/alice-test.asc")
        .unwrap();
    assert_eq!(key["fingerprint"], k.alice.as_str());
    assert_eq!(key["role"], "security-team");
    assert_eq!(key["retired"], false);
    assert_eq!(key["status"], "certified");
    let d = &v["documents"][0];
    assert_eq!(d["path"], "QSBs/qsb-001-2024.txt");
    assert_eq!(
        (
            d["valid_signers"].as_u64(),
            d["required"].as_u64(),
            d["ok"].as_bool()
        ),
        (Some(1), Some(1), Some(true))
    );
    assert_eq!(v["summary"]["ok"], true);
}

#[test]
fn one_changed_byte_makes_the_signature_bad() {
    let k = keys();
    let p = TestPack::with_keys();
    p.signed_doc(
        "QSBs/qsb-001-2024.txt",
        BULLETIN,
        &[("alice", &k.alice), ("bob", &k.bob)],
    );
    let mut tampered = BULLETIN.to_vec();
    let i = tampered.iter().position(|&b| b == b'T').unwrap();
    tampered[i] = b't';
    p.write("QSBs/qsb-001-2024.txt", &tampered);
    let r = p.verify(&k.master, VerifyOptions::default());
    assert!(!r.summary.ok);
    assert_eq!(
        sig(&r, "QSBs/qsb-001-2024.txt.sig.alice").status,
        SigStatus::Bad
    );
    assert_eq!(
        sig(&r, "QSBs/qsb-001-2024.txt.sig.bob").status,
        SigStatus::Bad
    );
    assert!(!r.documents[0].ok);
    assert!(!k.gpg.verifies(
        &p.path("QSBs/qsb-001-2024.txt.sig.alice"),
        &p.path("QSBs/qsb-001-2024.txt")
    ));
}

#[test]
fn a_signature_of_another_document_is_bad() {
    let k = keys();
    let p = TestPack::with_keys();
    p.signed_doc("QSBs/qsb-001-2024.txt", BULLETIN, &[("alice", &k.alice)]);
    p.signed_doc(
        "QSBs/qsb-002-2024.txt",
        b"another bulletin\n",
        &[("alice", &k.alice)],
    );
    // Swap the two signatures.
    let a = std::fs::read(p.path("QSBs/qsb-001-2024.txt.sig.alice")).unwrap();
    let b = std::fs::read(p.path("QSBs/qsb-002-2024.txt.sig.alice")).unwrap();
    p.write("QSBs/qsb-001-2024.txt.sig.alice", &b);
    p.write("QSBs/qsb-002-2024.txt.sig.alice", &a);
    let r = p.verify(&k.master, VerifyOptions::default());
    assert_eq!(
        sig(&r, "QSBs/qsb-001-2024.txt.sig.alice").status,
        SigStatus::Bad
    );
    assert_eq!(
        sig(&r, "QSBs/qsb-002-2024.txt.sig.alice").status,
        SigStatus::Bad
    );
    assert!(!r.summary.ok);
}

#[test]
fn a_signature_filed_under_another_name_is_flagged() {
    let k = keys();
    let p = TestPack::with_keys();
    p.write("QSBs/qsb-001-2024.txt", BULLETIN);
    p.write(
        "QSBs/qsb-001-2024.txt.sig.bob",
        &k.gpg.sign(T_SIGN, &k.alice, "SHA256", BULLETIN),
    );
    let r = p.verify(&k.master, VerifyOptions::default());
    let v = sig(&r, "QSBs/qsb-001-2024.txt.sig.bob");
    assert_eq!(v.status, SigStatus::Valid);
    assert_eq!(v.warnings, vec![SigWarning::SignerNameMismatch]);
    assert!(r.summary.ok, "warnings are allowed by default");
    let r = p.verify(&k.master, strict());
    assert!(!r.summary.ok, "--strict turns the warning into a failure");
    assert!(!sig(&r, "QSBs/qsb-001-2024.txt.sig.bob").ok);
}

#[test]
fn an_uncertified_key_is_untrusted_and_an_absent_key_unknown() {
    let k = keys();
    let p = TestPack::with_keys();
    p.signed_doc(
        "QSBs/qsb-001-2024.txt",
        BULLETIN,
        &[("mallory", &k.mallory)],
    );
    let r = p.verify(&k.master, VerifyOptions::default());
    let v = sig(&r, "QSBs/qsb-001-2024.txt.sig.mallory");
    assert_eq!(v.status, SigStatus::UntrustedKey);
    assert!(v.reason.contains("mallory-test.asc"), "{}", v.reason);
    assert!(!r.summary.ok);
    // GnuPG, which trusts nothing yet, still calls it a good signature:
    // secpack is the stricter judge here, by design.
    assert!(k.gpg.verifies(
        &p.path("QSBs/qsb-001-2024.txt.sig.mallory"),
        &p.path("QSBs/qsb-001-2024.txt")
    ));

    std::fs::remove_file(p.path("keys/security-team/mallory-test.asc")).unwrap();
    let r = p.verify(&k.master, VerifyOptions::default());
    assert_eq!(
        sig(&r, "QSBs/qsb-001-2024.txt.sig.mallory").status,
        SigStatus::UnknownKey
    );
}

#[test]
fn a_wrong_pin_trusts_nothing() {
    let k = keys();
    let p = TestPack::with_keys();
    p.signed_doc("QSBs/qsb-001-2024.txt", BULLETIN, &[("alice", &k.alice)]);
    // Pinning a key that is in the pack but certifies nothing.
    let r = p.verify(&k.mallory, VerifyOptions::default());
    assert!(!r.summary.ok);
    assert_eq!(
        sig(&r, "QSBs/qsb-001-2024.txt.sig.alice").status,
        SigStatus::UntrustedKey
    );
    assert!(r.signatures.iter().all(|s| !s.ok));
    // Pinning a fingerprint that is not in the pack at all.
    let r = p.verify(
        "0000000000000000000000000000000000000001",
        VerifyOptions::default(),
    );
    assert!(!r.summary.ok);
    assert!(r
        .master
        .problem
        .as_deref()
        .unwrap()
        .contains("no key in the pack"));
    assert!(r.signatures.iter().all(|s| s.status != SigStatus::Valid));
    assert!(r.keys.iter().all(|e| !e.status.is_trusted()));
}

#[test]
fn a_forged_master_key_file_does_not_help() {
    // An attacker replaces the master key file with their own key, which
    // certifies their signing key: the pin still names the real master.
    let k = keys();
    let forger = Gpg::new();
    let fake_master = forger.generate(
        T_KEYS,
        "Test Master (throwaway) <master@test.invalid>",
        "ed25519",
        "cert",
        "never",
    );
    let fake_signer = forger.generate(
        T_KEYS,
        "Alice Test (throwaway) <alice@test.invalid>",
        "ed25519",
        "sign",
        "never",
    );
    forger.certify(T_CERT, &fake_master, &fake_signer);
    let p = TestPack::with_keys();
    p.write(
        "keys/master-key/test-master.asc",
        &forger.export(&fake_master),
    );
    p.write(
        "keys/security-team/alice-test.asc",
        &forger.export(&fake_signer),
    );
    p.write("QSBs/qsb-001-2024.txt", BULLETIN);
    p.write(
        "QSBs/qsb-001-2024.txt.sig.alice",
        &forger.sign(T_SIGN, &fake_signer, "SHA256", BULLETIN),
    );
    let r = p.verify(&k.master, VerifyOptions::default());
    assert!(!r.summary.ok);
    assert!(r.master.problem.is_some());
    assert_ne!(
        sig(&r, "QSBs/qsb-001-2024.txt.sig.alice").status,
        SigStatus::Valid
    );
}

#[test]
fn sha1_is_accepted_with_a_warning_and_refused_when_strict() {
    let k = keys();
    let p = TestPack::with_keys();
    p.write("QSBs/qsb-001-2024.txt", BULLETIN);
    p.write(
        "QSBs/qsb-001-2024.txt.sig.alice",
        &k.gpg.sign(T_SIGN, &k.alice, "SHA1", BULLETIN),
    );
    p.write(
        "QSBs/qsb-001-2024.txt.sig.bob",
        &k.gpg.sign(T_SIGN, &k.bob, "SHA512", BULLETIN),
    );
    let r = p.verify(&k.master, VerifyOptions::default());
    let a = sig(&r, "QSBs/qsb-001-2024.txt.sig.alice");
    assert_eq!(
        (a.status, a.warnings.clone()),
        (SigStatus::Valid, vec![SigWarning::WeakHash])
    );
    assert_eq!(a.hash.as_deref(), Some("SHA1"));
    assert!(sig(&r, "QSBs/qsb-001-2024.txt.sig.bob").warnings.is_empty());
    assert!(r.summary.ok);
    assert!(!p.verify(&k.master, strict()).summary.ok);
}

#[test]
fn truncated_garbage_empty_and_huge_signatures_are_malformed() {
    let k = keys();
    let p = TestPack::with_keys();
    p.write("QSBs/qsb-001-2024.txt", BULLETIN);
    let good = k.gpg.sign(T_SIGN, &k.alice, "SHA256", BULLETIN);
    p.write("QSBs/qsb-001-2024.txt.sig.alice", &good[..good.len() / 2]);
    p.write(
        "QSBs/qsb-001-2024.txt.sig.bob",
        b"-----BEGIN PGP SIGNATURE-----\n\ngarbage!!\n-----END PGP SIGNATURE-----\n",
    );
    p.write("QSBs/qsb-001-2024.txt.sig.carol", b"");
    let mut huge = b"-----BEGIN PGP SIGNATURE-----\n\n".to_vec();
    huge.resize(2 << 20, b'A');
    p.write("QSBs/qsb-001-2024.txt.sig.dave", &huge);
    let r = p.verify(&k.master, VerifyOptions::default());
    for who in ["alice", "bob", "carol", "dave"] {
        let v = sig(&r, &format!("QSBs/qsb-001-2024.txt.sig.{who}"));
        assert_eq!(v.status, SigStatus::Malformed, "{who}: {v:?}");
        assert!(!v.reason.is_empty());
    }
    assert!(sig(&r, "QSBs/qsb-001-2024.txt.sig.dave")
        .reason
        .contains("larger than"));
    assert!(!r.summary.ok);
}

#[test]
fn a_revoked_key_is_revoked() {
    let k = keys();
    let gpg = &k.gpg;
    let carol = gpg.generate(
        T_KEYS,
        "Carol Revoked (throwaway) <carol@test.invalid>",
        "ed25519",
        "sign",
        "never",
    );
    gpg.certify(T_CERT, &k.master, &carol);
    let p = TestPack::with_keys();
    p.write("QSBs/qsb-001-2024.txt", BULLETIN);
    p.write(
        "QSBs/qsb-001-2024.txt.sig.carol",
        &gpg.sign(T_SIGN, &carol, "SHA256", BULLETIN),
    );
    // Import GnuPG's own revocation certificate (reason: none, i.e. hard).
    gpg.revoke(Some("20240601T000000"), &carol);
    p.write("keys/security-team/carol-test.asc", &gpg.export(&carol));
    let r = p.verify(&k.master, VerifyOptions::default());
    let v = sig(&r, "QSBs/qsb-001-2024.txt.sig.carol");
    assert_eq!(v.status, SigStatus::RevokedKey, "{v:?}");
    assert!(!r.summary.ok);
    let key = r
        .keys
        .iter()
        .find(|e| e.file.ends_with("carol-test.asc"))
        .unwrap();
    assert!(key.revoked);
}

#[test]
fn a_key_that_expired_after_signing_is_fine_but_not_before() {
    use openpgp::parse::Parse;
    use sequoia_openpgp as openpgp;

    let gpg = Gpg::new();
    let master = gpg.generate(
        "20190101T000000",
        "M3 (throwaway) <m3@test.invalid>",
        "ed25519",
        "cert",
        "never",
    );
    // Created 2020-01-01, valid one year.
    let dave = gpg.generate(
        "20200101T000000",
        "Dave Expiring (throwaway) <dave@test.invalid>",
        "ed25519",
        "sign",
        "1y",
    );
    gpg.certify("20200102T000000", &master, &dave);
    let p = TestPack {
        dir: tempfile::tempdir().unwrap(),
    };
    p.write("keys/master-key/m3.asc", &gpg.export(&master));
    p.write("keys/security-team/dave-test.asc", &gpg.export(&dave));
    // Signed while valid: still valid today, although the key has expired.
    p.write("QSBs/qsb-001-2024.txt", BULLETIN);
    p.write(
        "QSBs/qsb-001-2024.txt.sig.dave",
        &gpg.sign("20200601T000000", &dave, "SHA256", BULLETIN),
    );

    // GnuPG refuses to sign with an expired key, so the signature made after
    // expiry is crafted with Sequoia from the same secret key.
    let tsk = openpgp::Cert::from_bytes(&gpg.export_secret(&dave)).unwrap();
    let mut signer = tsk
        .keys()
        .secret()
        .next()
        .unwrap()
        .key()
        .clone()
        .into_keypair()
        .unwrap();
    let late = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_640_995_200); // 2022-01-01
    let text = b"signed after expiry\n";
    let s =
        openpgp::packet::signature::SignatureBuilder::new(openpgp::types::SignatureType::Binary)
            .set_signature_creation_time(late)
            .unwrap()
            .sign_message(&mut signer, text)
            .unwrap();
    let mut w = openpgp::armor::Writer::new(Vec::new(), openpgp::armor::Kind::Signature).unwrap();
    openpgp::serialize::Serialize::serialize(&openpgp::Packet::from(s), &mut w).unwrap();
    let armored = w.finalize().unwrap();
    p.write("QSBs/qsb-002-2024.txt", text);
    p.write("QSBs/qsb-002-2024.txt.sig.dave", &armored);

    let r = p.verify(&master, VerifyOptions::default());
    assert_eq!(
        sig(&r, "QSBs/qsb-001-2024.txt.sig.dave").status,
        SigStatus::Valid
    );
    let late = sig(&r, "QSBs/qsb-002-2024.txt.sig.dave");
    assert_eq!(late.status, SigStatus::ExpiredKey, "{late:?}");
    assert!(late.reason.contains("expired"), "{}", late.reason);
}

#[test]
fn a_binding_reissued_after_the_signature_is_accepted_with_a_warning() {
    let gpg = Gpg::new();
    let master = gpg.generate(
        "20190101T000000",
        "M (throwaway) <m@test.invalid>",
        "ed25519",
        "cert",
        "never",
    );
    let erin = gpg.generate(
        "20200101T000000",
        "Erin Rebound (throwaway) <erin@test.invalid>",
        "ed25519",
        "sign",
        "never",
    );
    let sig_2020 = gpg.sign("20200601T000000", &erin, "SHA256", BULLETIN);
    // Re-issue the self-signature in 2023 and drop the old one.
    gpg.at(
        "20230101T000000",
        &["--quick-set-expire", &erin, "2030-01-01"],
    );
    gpg.edit("20230101T000100", &erin, "minimize\nsave\n");
    gpg.certify("20230102T000000", &master, &erin);
    let p = TestPack {
        dir: tempfile::tempdir().unwrap(),
    };
    p.write("keys/master-key/m.asc", &gpg.export(&master));
    p.write("keys/security-team/erin-test.asc", &gpg.export(&erin));
    p.write("QSBs/qsb-001-2020.txt", BULLETIN);
    p.write("QSBs/qsb-001-2020.txt.sig.erin", &sig_2020);
    let r = p.verify(&master, VerifyOptions::default());
    let v = sig(&r, "QSBs/qsb-001-2020.txt.sig.erin");
    assert_eq!(v.status, SigStatus::Valid, "{v:?}");
    assert!(
        v.warnings.contains(&SigWarning::BindingAfterSignature),
        "{v:?}"
    );
    assert!(r.summary.ok);
    assert!(!p.verify(&master, strict()).summary.ok);
    // GnuPG accepts it too.
    assert!(gpg.verifies(
        &p.path("QSBs/qsb-001-2020.txt.sig.erin"),
        &p.path("QSBs/qsb-001-2020.txt")
    ));
    // And a tampered document is still bad through this path.
    p.write("QSBs/qsb-001-2020.txt", b"changed\n");
    assert_eq!(
        sig(
            &p.verify(&master, VerifyOptions::default()),
            "QSBs/qsb-001-2020.txt.sig.erin"
        )
        .status,
        SigStatus::Bad
    );
}

#[test]
fn clear_signed_and_asc_signed_digests() {
    let k = keys();
    let p = TestPack::with_keys();
    let digests = b"0123456789abcdef0123456789abcdef *Demo.iso\n";
    p.write(
        "digests/Demo.iso.DIGESTS",
        &k.gpg.clearsign(T_SIGN, &k.release, digests),
    );
    p.write("digests/Other.iso.DIGESTS", digests);
    p.write(
        "digests/Other.iso.DIGESTS.asc",
        &k.gpg.sign(T_SIGN, &k.release, "SHA256", digests),
    );
    let r = p.verify(&k.master, VerifyOptions::default());
    let v = sig(&r, "digests/Demo.iso.DIGESTS");
    assert_eq!(
        (v.status, v.warnings.is_empty()),
        (SigStatus::Valid, true),
        "{v:?}"
    );
    assert_eq!(
        sig(&r, "digests/Other.iso.DIGESTS.asc").status,
        SigStatus::Valid
    );
    assert!(r.summary.ok, "{:#?}", r.summary);

    // Change one digest inside the clear-signed text.
    let signed = std::fs::read(p.path("digests/Demo.iso.DIGESTS")).unwrap();
    let text = String::from_utf8(signed)
        .unwrap()
        .replace("0123456789abcdef0123", "f123456789abcdef0123");
    p.write("digests/Demo.iso.DIGESTS", text.as_bytes());
    let r = p.verify(&k.master, VerifyOptions::default());
    assert_eq!(sig(&r, "digests/Demo.iso.DIGESTS").status, SigStatus::Bad);
}

/// What `gpg --clearsign` writes takes secpack's cleartext fast path, and
/// the fast path agrees with GnuPG on good and tampered messages alike:
/// dash-escaped lines, trailing white space, CRLF text, no final newline.
#[test]
fn gpg_clearsigned_shapes_take_the_fast_path() {
    let k = keys();
    let p = TestPack::with_keys();
    let texts: [&[u8]; 5] = [
        b"0123456789abcdef0123456789abcdef *Demo.iso\n",
        b"- a list\n-- \nThe team\n-----BEGIN PGP SIGNATURE-----\n",
        b"trailing spaces   \ntab\t\n\n\nblank lines above\n",
        b"crlf line\r\nends\r\n",
        b"no final newline",
    ];
    for (i, text) in texts.iter().enumerate() {
        let name = format!("digests/Case{i}.iso.DIGESTS");
        let signed = k.gpg.clearsign(T_SIGN, &k.release, text);
        assert!(
            secpack::trust::cleartext::split(&signed).is_some(),
            "gpg's output takes the fast path: {}",
            String::from_utf8_lossy(&signed)
        );
        p.write(&name, &signed);
        let v = sig(&p.verify(&k.master, VerifyOptions::default()), &name).clone();
        assert_eq!(v.status, SigStatus::Valid, "{v:?}");
        assert!(k.gpg.verifies_clearsigned(&p.path(&name)));

        // One letter of the signed text changed: bad for both.
        let at = signed
            .windows(2)
            .position(|w| w == b"\n\n")
            .expect("the empty line after the headers")
            + 2;
        let mut tampered = signed.clone();
        tampered[at] = if tampered[at] == b'x' { b'y' } else { b'x' };
        p.write(&name, &tampered);
        let v = sig(&p.verify(&k.master, VerifyOptions::default()), &name).clone();
        assert_eq!(v.status, SigStatus::Bad, "{v:?}");
        assert!(!k.gpg.verifies_clearsigned(&p.path(&name)));
        std::fs::remove_file(p.path(&name)).unwrap();
    }
}

#[test]
fn thresholds_roles_names_and_retirement() {
    let k = keys();
    let p = TestPack::with_keys();
    p.signed_config(b"[signers]\nrequired = { QSBs = 2 }\n");
    // Only one signer where two are needed.
    p.signed_doc("QSBs/qsb-001-2024.txt", BULLETIN, &[("alice", &k.alice)]);
    // A bulletin signed by the release key, under a variant file name.
    p.write("QSBs/qsb-002-2024.txt", b"second\n");
    p.write(
        "QSBs/qsb-002-2024.txt.sign.release",
        &k.gpg.sign(T_SIGN, &k.release, "SHA256", b"second\n"),
    );
    p.write(
        "QSBs/qsb-002-2024.txt.sig.alice",
        &k.gpg.sign(T_SIGN, &k.alice, "SHA256", b"second\n"),
    );
    // Bob's key moves to retired/.
    std::fs::create_dir_all(p.path("keys/security-team/retired")).unwrap();
    std::fs::rename(
        p.path("keys/security-team/bob-test.asc"),
        p.path("keys/security-team/retired/bob-test.asc"),
    )
    .unwrap();
    p.signed_doc("fund/letter.txt", b"letter\n", &[("bob", &k.bob)]);
    let r = p.verify(&k.master, VerifyOptions::default());
    let doc = |path: &str| r.documents.iter().find(|d| d.path == path).unwrap();
    assert_eq!(
        (
            doc("QSBs/qsb-001-2024.txt").valid_signers,
            doc("QSBs/qsb-001-2024.txt").ok
        ),
        (1, false)
    );
    let v = sig(&r, "QSBs/qsb-002-2024.txt.sign.release");
    assert_eq!(v.status, SigStatus::Valid);
    assert!(v.warnings.contains(&SigWarning::WrongRole), "{v:?}");
    assert!(v.warnings.contains(&SigWarning::NonstandardName), "{v:?}");
    assert!(
        doc("QSBs/qsb-002-2024.txt").ok,
        "wrong-role is a warning by default"
    );
    let b = sig(&r, "fund/letter.txt.sig.bob");
    assert_eq!(
        (b.status, b.warnings.clone()),
        (SigStatus::Valid, vec![SigWarning::RetiredKey])
    );
    assert!(!r.summary.ok, "qsb-001 lacks a signer");
    // Under --strict, wrong-role no longer counts but a retired key still does.
    let r = p.verify(&k.master, strict());
    let doc = |path: &str| r.documents.iter().find(|d| d.path == path).unwrap().clone();
    assert!(!doc("QSBs/qsb-002-2024.txt").ok);
    assert!(doc("fund/letter.txt").ok);
}

#[test]
fn a_revoked_certification_untrusts_the_key() {
    let gpg = Gpg::new();
    let master = gpg.generate(
        T_KEYS,
        "M2 (throwaway) <m2@test.invalid>",
        "ed25519",
        "cert",
        "never",
    );
    let frank = gpg.generate(
        T_KEYS,
        "Frank (throwaway) <frank@test.invalid>",
        "ed25519",
        "sign",
        "never",
    );
    gpg.certify(T_CERT, &master, &frank);
    gpg.at("20240201T000000", &["--quick-revoke-sig", &frank, &master]);
    let p = TestPack {
        dir: tempfile::tempdir().unwrap(),
    };
    p.write("keys/master-key/m.asc", &gpg.export(&master));
    p.write("keys/security-team/frank.asc", &gpg.export(&frank));
    p.write("QSBs/qsb-001-2024.txt", BULLETIN);
    p.write(
        "QSBs/qsb-001-2024.txt.sig.frank",
        &gpg.sign(T_SIGN, &frank, "SHA256", BULLETIN),
    );
    let r = p.verify(&master, VerifyOptions::default());
    let key = r
        .keys
        .iter()
        .find(|e| e.file.ends_with("frank.asc"))
        .unwrap();
    assert_eq!(key.status, KeyStatus::CertificationRevoked, "{key:?}");
    assert_eq!(
        sig(&r, "QSBs/qsb-001-2024.txt.sig.frank").status,
        SigStatus::UntrustedKey
    );
}

#[test]
fn corrupt_key_files_links_and_unsigned_bulletins_fail() {
    let k = keys();
    let p = TestPack::with_keys();
    p.write(
        "keys/security-team/broken.asc",
        b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot a key\n-----END PGP PUBLIC KEY BLOCK-----\n",
    );
    let r = p.verify(&k.master, VerifyOptions::default());
    let e = r
        .keys
        .iter()
        .find(|e| e.file.ends_with("broken.asc"))
        .unwrap();
    assert_eq!(e.status, KeyStatus::Malformed);
    assert!(!r.summary.ok);
    std::fs::remove_file(p.path("keys/security-team/broken.asc")).unwrap();

    p.write("QSBs/qsb-001-2024.txt", BULLETIN);
    let r = p.verify(&k.master, VerifyOptions::default());
    assert!(
        !r.documents[0].ok,
        "a numbered bulletin with no signature fails"
    );
    p.signed_doc("QSBs/qsb-001-2024.txt", BULLETIN, &[("alice", &k.alice)]);
    assert!(p.verify(&k.master, VerifyOptions::default()).summary.ok);

    #[cfg(unix)]
    {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("x"), b"x").unwrap();
        std::os::unix::fs::symlink(outside.path().join("x"), p.path("QSBs/link.txt")).unwrap();
        let r = p.verify(&k.master, VerifyOptions::default());
        assert!(!r.summary.ok);
        assert!(r
            .files
            .iter()
            .any(|f| f.path == "QSBs/link.txt" && f.code == "symlink"));
    }
}

#[test]
fn signed_git_tags() {
    let k = keys();
    let p = TestPack::with_keys();
    p.signed_doc("QSBs/qsb-001-2024.txt", BULLETIN, &[("alice", &k.alice)]);
    let git = k.gpg.git();
    let dir = p.root();
    git.init(dir);
    git.commit_all(dir, "pack");
    git.signed_tag(dir, &k.alice, "alice_sec_1", "signed by alice");
    git.signed_tag(dir, &k.mallory, "mallory_sec_1", "signed by mallory");
    git.run(dir, &["tag", "-a", "-m", "not signed", "plain_annotated"]);
    git.run(dir, &["tag", "lightweight"]);
    let r = p.verify(
        &k.master,
        VerifyOptions {
            tags: true,
            ..Default::default()
        },
    );
    let tags = r.tags.as_ref().unwrap();
    let t = |name: &str| tags.iter().find(|t| t.tag == name).unwrap();
    assert_eq!(
        t("alice_sec_1").status,
        SigStatus::Valid,
        "{:?}",
        t("alice_sec_1")
    );
    assert_eq!(t("alice_sec_1").key.as_deref(), Some(k.alice.as_str()));
    assert_eq!(t("mallory_sec_1").status, SigStatus::UntrustedKey);
    assert_eq!(t("plain_annotated").status, SigStatus::Unsigned);
    assert_eq!(t("lightweight").status, SigStatus::Unsigned);
    // Unsigned tags are listed but fail only under --strict; mallory's
    // signed tag fails.
    assert!(t("plain_annotated").ok && t("lightweight").ok);
    assert_eq!((r.summary.tags, r.summary.tags_ok), (4, 3));
    assert!(!r.summary.ok);
    // The .git folder is listed, not silently skipped.
    assert!(r
        .files
        .iter()
        .any(|f| f.path == ".git" && f.code == "git-metadata"));
}

#[test]
fn tags_of_a_folder_that_is_not_a_repository_fail_clearly() {
    let k = keys();
    let p = TestPack::with_keys();
    let r = p.verify(
        &k.master,
        VerifyOptions {
            tags: true,
            ..Default::default()
        },
    );
    let tags = r.tags.unwrap();
    assert_eq!(tags.len(), 1);
    assert!(
        tags[0].reason.contains("cannot be read"),
        "{}",
        tags[0].reason
    );
    assert!(!r.summary.ok);
}

/// A clear-signed file holding more than its signed text (issue 14): text
/// appended after the signature, a second signed block, text before the
/// header, foreign header lines, or a `Hash:` header that does not name the
/// signature's hash algorithm. Each case with what `gpg --verify` says of it
/// and secpack's verdict: whatever GnuPG refuses is never `valid`, and
/// secpack also refuses unsigned text around the message, which GnuPG 2.2
/// accepts silently. White space around the message stays normal.
#[test]
fn clear_signed_files_with_more_than_the_signed_text() {
    let k = keys();
    let p = TestPack::with_keys();
    let text = b"0123456789abcdef0123456789abcdef *Demo.iso\n";
    let utf8 = |b: Vec<u8>| String::from_utf8(b).unwrap();
    let signed = utf8(k.gpg.clearsign(T_SIGN, &k.release, text));
    let other = utf8(k.gpg.clearsign(T_SIGN, &k.bob, b"fedcba *Evil.iso\n"));
    assert!(signed.contains("\nHash: SHA256\n"), "{signed}");
    let sha512 = {
        let dir = tempfile::tempdir().unwrap();
        let (input, out) = (dir.path().join("in"), dir.path().join("out.asc"));
        std::fs::write(&input, text).unwrap();
        k.gpg.at(
            T_SIGN,
            &[
                "-u",
                &k.release,
                "--digest-algo",
                "SHA512",
                "--clearsign",
                "-o",
                out.to_str().unwrap(),
                input.to_str().unwrap(),
            ],
        );
        utf8(std::fs::read(out).unwrap())
    };
    let end = "-----END PGP SIGNATURE-----";
    let begin = "-----BEGIN PGP SIGNATURE-----\n";
    let hash = |h: &str| signed.replace("Hash: SHA256\n", h);
    // (case, file, whether gpg accepts it, secpack's verdict)
    let cases: Vec<(&str, String, bool, &str)> = vec![
        ("as-written", signed.clone(), true, "valid"),
        ("blank-lines-after", format!("{signed}\n\n"), true, "valid"),
        ("spaces-after", format!("{signed}  \n\t\n"), true, "valid"),
        (
            "crlf-blank-after",
            format!("{signed}\r\n\r\n"),
            true,
            "valid",
        ),
        (
            "no-final-newline",
            signed.trim_end().to_string(),
            true,
            "valid",
        ),
        ("blank-line-before", format!("\n{signed}"), true, "valid"),
        (
            "two-hash-headers",
            hash("Hash: SHA512\nHash: SHA256\n"),
            true,
            "valid",
        ),
        ("hash-list", hash("Hash: SHA512,SHA256\n"), true, "valid"),
        (
            "hash-list-spaced",
            hash("Hash: SHA512, SHA256 \n"),
            true,
            "valid",
        ),
        ("sha512-as-written", sha512.clone(), true, "valid"),
        (
            "comment-in-signature",
            signed.replace(begin, &format!("{begin}Comment: c\n")),
            true,
            "valid",
        ),
        // GnuPG 2.2 accepts these; the text around is signed by no one.
        (
            "text-after",
            format!("{signed}Also download Evil.iso.\n"),
            true,
            "extra-content",
        ),
        (
            "paragraph-after",
            format!("{signed}\nP.S. the real digest is 0000 *Demo.iso\n"),
            true,
            "extra-content",
        ),
        (
            "text-after-no-newline",
            format!("{signed}x"),
            true,
            "extra-content",
        ),
        (
            "text-after-end-line",
            signed.replace(end, &format!("{end} unsigned")),
            true,
            "extra-content",
        ),
        (
            "text-before",
            format!("Signed digests follow.\n{signed}"),
            true,
            "extra-content",
        ),
        (
            "armor-after",
            format!("{signed}-----BEGIN PGP MESSAGE-----\n"),
            true,
            "extra-content",
        ),
        (
            "text-after-marker",
            signed.replace(begin, "-----BEGIN PGP SIGNATURE----- unsigned\n"),
            true,
            "extra-content",
        ),
        // GnuPG refuses these: "multiple plaintexts seen".
        (
            "second-block-same-key",
            format!("{signed}{signed}"),
            false,
            "extra-content",
        ),
        (
            "second-block-other-key",
            format!("{signed}\n{other}"),
            false,
            "extra-content",
        ),
        // GnuPG: "invalid armor header", then a bad signature.
        (
            "junk-header",
            hash("Hash: SHA256\nunsigned line\n"),
            false,
            "extra-content",
        ),
        (
            "charset-header",
            hash("Hash: SHA256\nCharset: UTF-8\n"),
            false,
            "extra-content",
        ),
        (
            "junk-in-signature-header",
            signed.replace(begin, &format!("{begin}Comment: c\nunsigned\n")),
            false,
            "extra-content",
        ),
        // GnuPG: "signature digest conflict in message".
        (
            "hash-sha512-sig-sha256",
            hash("Hash: SHA512\n"),
            false,
            "hash-header-mismatch",
        ),
        (
            "hash-sha256-sig-sha512",
            sha512.replace("Hash: SHA512\n", "Hash: SHA256\n"),
            false,
            "hash-header-mismatch",
        ),
        (
            "hash-list-without-it",
            hash("Hash: SHA512,SHA384\n"),
            false,
            "hash-header-mismatch",
        ),
        (
            "hash-unknown",
            hash("Hash: FOO\n"),
            false,
            "hash-header-mismatch",
        ),
        (
            "hash-unknown-in-list",
            hash("Hash: FOO,SHA256\n"),
            false,
            "hash-header-mismatch",
        ),
        (
            "hash-lower-case",
            hash("Hash: sha256\n"),
            false,
            "hash-header-mismatch",
        ),
        (
            "hash-no-space",
            hash("Hash:SHA256\n"),
            false,
            "hash-header-mismatch",
        ),
        (
            "hash-md5",
            hash("Hash: MD5\n"),
            false,
            "hash-header-mismatch",
        ),
        ("no-hash-header", hash(""), false, "hash-header-mismatch"),
    ];
    for (i, (case, file, _, _)) in cases.iter().enumerate() {
        p.write(&format!("digests/{i:02}-{case}.DIGESTS"), file.as_bytes());
    }
    let r = p.verify(&k.master, VerifyOptions::default());
    let pack = secpack::pack::Pack::open(p.root()).unwrap();
    let pin = secpack::trust::pin::MasterPin::parse(&k.master).unwrap();
    let ring = secpack::trust::keyring::Keyring::load(&pack, &pin);
    let mut wrong = Vec::new();
    for (i, (case, file, gpg_accepts, expected)) in cases.iter().enumerate() {
        let name = format!("digests/{i:02}-{case}.DIGESTS");
        let gpg = k.gpg.verifies_clearsigned(&p.path(&name));
        let (judgements, signed_text) = ring.verify_inline(file.as_bytes());
        let codes: Vec<&str> = judgements.iter().map(|j| j.status.code()).collect();
        // The pack verdict: the scan takes every one of these files as
        // clear-signed, text before the header line included (its signed
        // message is still what readers find), so the pack says the same.
        let in_pack: Vec<&str> = r
            .signatures
            .iter()
            .filter(|s| s.signature == name)
            .map(|s| s.status.code())
            .collect();
        let reasons: Vec<&str> = judgements.iter().map(|j| j.reason.as_str()).collect();
        eprintln!("{case}: gpg {gpg}, secpack {codes:?}, pack {in_pack:?}: {reasons:?}");
        let pack_ok = in_pack == codes;
        if gpg != *gpg_accepts || codes != [*expected] || !pack_ok {
            wrong.push(format!(
                "{case}: gpg {gpg}, secpack {codes:?}, pack {in_pack:?}"
            ));
        }
        if *expected == "valid" {
            assert_eq!(
                signed_text.as_deref(),
                Some(&text[..text.len() - 1]),
                "{case}"
            );
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn a_signed_bulletin_still_holding_template_text_is_a_draft() {
    let k = keys();
    let p = TestPack::with_keys();
    let draft = b"\n   ---===[ Test Security Bulletin 001 ]===---\n\nSummary\n--------\n\nTODO: say what goes wrong.\n";
    p.signed_doc("QSBs/qsb-001-2024.txt", draft, &[("alice", &k.alice)]);
    // A finished bulletin and a letter beside it are not drafts.
    p.signed_doc("QSBs/qsb-002-2024.txt", BULLETIN, &[("alice", &k.alice)]);
    let r = p.verify(&k.master, VerifyOptions::default());
    assert!(r.summary.ok, "{:?}", r.summary.failures);
    let doc = |path: &str| r.documents.iter().find(|d| d.path == path).unwrap();
    let lines = &doc("QSBs/qsb-001-2024.txt").template_text;
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0].line, 7);
    assert!(doc("QSBs/qsb-002-2024.txt").template_text.is_empty());
    let r = p.verify(&k.master, strict());
    assert_fails_with(&r, "template-text");
}
