//! `secpack.toml` grants no trust: its settings that change verification
//! count only when the file is signed by enough certified team members.

use secpack::pack::ConfigTrust;
use secpack::trust::verdict::SigStatus;
use secpack::trust::VerifyOptions;
use secpack_testsupport::{assert_fails_with, keys, sig, strict, TestPack, BULLETIN};

fn doc<'a>(
    r: &'a secpack::trust::PackReport,
    path: &str,
) -> &'a secpack::trust::report::DocumentReport {
    r.documents.iter().find(|d| d.path == path).unwrap()
}

const ZERO: &[u8] = b"[signers]\nrequired = { QSBs = 0 }\n";

#[test]
fn an_unsigned_threshold_of_zero_does_not_pass_an_unsigned_bulletin() {
    let k = keys();
    let p = TestPack::with_keys();
    p.write("secpack.toml", ZERO);
    p.write("QSBs/qsb-001-2024.txt", BULLETIN);
    for options in [VerifyOptions::default(), strict()] {
        let r = p.verify(&k.master, options);
        assert!(!r.summary.ok, "{:#?}", r.summary);
        let d = doc(&r, "QSBs/qsb-001-2024.txt");
        assert_eq!((d.valid_signers, d.required, d.ok), (0, 1, false));
        assert!(
            matches!(&r.config, ConfigTrust::Unsigned { ignored, required: 1, valid_signers: 0 }
                if ignored == &["signers"]),
            "{:?}",
            r.config
        );
    }
}

#[test]
fn a_signed_threshold_of_zero_still_has_a_floor_of_one() {
    let k = keys();
    let p = TestPack::with_keys();
    p.signed_config(ZERO);
    p.write("QSBs/qsb-001-2024.txt", BULLETIN);
    let r = p.verify(&k.master, VerifyOptions::default());
    assert!(
        matches!(r.config, ConfigTrust::Signed { .. }),
        "{:?}",
        r.config
    );
    assert_eq!(doc(&r, "QSBs/qsb-001-2024.txt").required, 1);
    assert!(!r.summary.ok);
}

#[test]
fn an_unsigned_config_warns_and_fails_only_under_strict() {
    let k = keys();
    let p = TestPack::with_keys();
    // Harmless on its face, but unsigned: the threshold of 2 is ignored.
    p.write("secpack.toml", b"[signers]\nrequired = { QSBs = 2 }\n");
    p.signed_doc("QSBs/qsb-001-2024.txt", BULLETIN, &[("alice", &k.alice)]);
    let r = p.verify(&k.master, VerifyOptions::default());
    assert!(r.summary.ok, "{:#?}", r.summary);
    assert_eq!(r.config.code(), "unsigned-config");
    assert_eq!(doc(&r, "QSBs/qsb-001-2024.txt").required, 1);
    let r = p.verify(&k.master, strict());
    assert!(!r.summary.ok);
    assert_fails_with(&r, "unsigned-config");
}

#[test]
fn a_config_signed_by_enough_members_applies() {
    let k = keys();
    let p = TestPack::with_keys();
    p.signed_config(b"[signers]\nrequired = { QSBs = 2 }\n");
    p.signed_doc("QSBs/qsb-001-2024.txt", BULLETIN, &[("alice", &k.alice)]);
    let r = p.verify(&k.master, strict());
    match &r.config {
        ConfigTrust::Signed { signers, required } => {
            assert_eq!(*required, 2);
            assert_eq!(signers.len(), 2);
        }
        other => panic!("{other:?}"),
    }
    let d = doc(&r, "QSBs/qsb-001-2024.txt");
    assert_eq!((d.valid_signers, d.required, d.ok), (1, 2, false));
    assert!(!r.summary.ok);
    // The configuration's own signatures are reported like any other.
    assert_eq!(sig(&r, "secpack.toml.sig.alice").status, SigStatus::Valid);
}

#[test]
fn too_few_signers_wrong_role_or_uncertified_keys_do_not_count() {
    let k = keys();
    let config = b"[signers]\nrequired = { QSBs = 2 }\n";
    // One member where the file's own threshold asks for two; the release
    // key (another role); mallory (not certified).
    let cases: [&[(&str, &str)]; 3] = [
        &[("alice", &k.alice)],
        &[("alice", &k.alice), ("release", &k.release)],
        &[("alice", &k.alice), ("mallory", &k.mallory)],
    ];
    for signers in cases {
        let p = TestPack::with_keys();
        p.signed_doc("secpack.toml", config, signers);
        p.signed_doc("QSBs/qsb-001-2024.txt", BULLETIN, &[("alice", &k.alice)]);
        let r = p.verify(&k.master, VerifyOptions::default());
        assert!(
            matches!(
                &r.config,
                ConfigTrust::Unsigned {
                    valid_signers: 1,
                    required: 2,
                    ..
                }
            ),
            "{signers:?}: {:?}",
            r.config
        );
        // The defaults apply: one signer is enough for the bulletin.
        assert!(doc(&r, "QSBs/qsb-001-2024.txt").ok);
    }
}

#[test]
fn a_config_changed_after_signing_is_a_failure_and_is_ignored() {
    let k = keys();
    let p = TestPack::with_keys();
    p.signed_config(b"[signers]\nrequired = { QSBs = 2 }\n");
    p.write("secpack.toml", ZERO);
    p.write("QSBs/qsb-001-2024.txt", BULLETIN);
    let r = p.verify(&k.master, VerifyOptions::default());
    assert_eq!(r.config.code(), "unsigned-config");
    assert_eq!(sig(&r, "secpack.toml.sig.alice").status, SigStatus::Bad);
    assert!(!r.summary.ok);
}

#[test]
fn an_unsigned_layout_cannot_hide_bulletins() {
    let k = keys();
    let p = TestPack::with_keys();
    // Bulletins "moved" to an empty folder and the real folder renamed:
    // unsigned, so the conventional layout stays and the bulletin needs its
    // signature.
    p.write(
        "secpack.toml",
        b"[layout]\nbulletins = \"nothing-here\"\ncanaries = \"also-nothing\"\n",
    );
    p.write("QSBs/qsb-001-2024.txt", BULLETIN);
    let r = p.verify(&k.master, VerifyOptions::default());
    assert!(
        matches!(&r.config, ConfigTrust::Unsigned { ignored, .. } if ignored == &["layout"]),
        "{:?}",
        r.config
    );
    assert!(!doc(&r, "QSBs/qsb-001-2024.txt").ok);
    assert!(!r.summary.ok);
}

#[test]
fn a_tools_folder_over_bulletins_is_refused() {
    let k = keys();
    let p = TestPack::with_keys();
    p.signed_config(b"[layout]\ntools = [\"QSBs\"]\n");
    p.write("QSBs/qsb-001-2024.txt", BULLETIN);
    let e = secpack::pack::Pack::open(p.root()).unwrap_err();
    assert!(
        format!("{e:#}").contains("cannot be a tools folder"),
        "{e:#}"
    );
    // Even under an unrelated tools folder, a numbered bulletin is a document.
    p.signed_config(b"[layout]\ntools = [\"scripts\"]\n");
    p.write("scripts/qsb-002-2024.txt", BULLETIN);
    let r = p.verify(&k.master, VerifyOptions::default());
    assert!(r
        .files
        .iter()
        .all(|f| f.path != "scripts/qsb-002-2024.txt" || f.code != "tool"));
}

#[test]
fn gnupg_accepts_the_config_signatures_secpack_counts() {
    let k = keys();
    let p = TestPack::with_keys();
    p.signed_config(b"[signers]\nrequired = { QSBs = 2 }\n");
    for who in ["alice", "bob"] {
        assert!(k.gpg.verifies(
            &p.path(&format!("secpack.toml.sig.{who}")),
            &p.path("secpack.toml")
        ));
    }
}
