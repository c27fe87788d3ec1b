//! What the team publishes signed (`security.txt`, CSAF documents), signed
//! through the member's own GnuPG (`--sign-as NAME --gpg`): gpg and secpack
//! accept the result, and a gpg that cannot sign, or signs with a key the
//! pack does not hold, leaves nothing written.

use std::path::Path;
use std::process::Output;

use secpack_testsupport::cli::{command_at_home, json_error};
use secpack_testsupport::demo::{demo_key, demo_pack, DEMO_MASTER as MASTER};
use secpack_testsupport::fs::files_below;
use secpack_testsupport::Gpg;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `secpack ARGS` with `GNUPGHOME` set to `gpg`'s home.
fn secpack(gpg: &Gpg, home: &Path, args: &[&str]) -> Output {
    command_at_home(env!("CARGO_BIN_EXE_secpack"), home)
        .env("GNUPGHOME", gpg.path())
        .env_remove("SECPACK_GPG")
        .args(args)
        .output()
        .unwrap()
}

/// A GnuPG home holding Alice's throwaway demo key.
fn alices_gpg() -> Gpg {
    let gpg = Gpg::new();
    gpg.import(&demo_key("alice"));
    gpg
}

/// The demo pack's keyring, judged from its master.
fn demo_ring() -> secpack::trust::keyring::Keyring {
    let pack = secpack::pack::Pack::open(&demo_pack()).unwrap();
    let pin = secpack::trust::pin::MasterPin::parse(MASTER).unwrap();
    secpack::trust::keyring::Keyring::load(&pack, &pin)
}

/// Alice's primary fingerprint, as the pack holds it.
fn alice_fingerprint(ring: &secpack::trust::keyring::Keyring) -> String {
    ring.entries
        .iter()
        .find(|e| e.file.contains("alice"))
        .and_then(|e| e.fingerprint.clone())
        .unwrap()
}

fn site_build(gpg: &Gpg, dir: &Path, out: &Path) -> Output {
    secpack(
        gpg,
        dir,
        &[
            "--json",
            "site",
            "build",
            s(&demo_pack()),
            "-o",
            s(out),
            "--master",
            MASTER,
            "--base-url",
            "https://demo.invalid/security/",
            "--sign-as",
            "alice",
            "--gpg",
        ],
    )
}

#[test]
fn security_txt_is_clear_signed_through_the_members_gpg() {
    let dir = tempfile::tempdir().unwrap();
    let gpg = alices_gpg();
    let out = dir.path().join("site");
    let r = site_build(&gpg, dir.path(), &out);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let file = out.join(".well-known/security.txt");
    assert!(gpg.verifies_clearsigned(&file));
    let ring = demo_ring();
    let (judgements, text) = ring.verify_inline(&std::fs::read(&file).unwrap());
    assert_eq!(judgements.len(), 1);
    assert_eq!(
        judgements[0].status,
        secpack::trust::verdict::SigStatus::Valid
    );
    assert_eq!(
        judgements[0].key.as_deref(),
        Some(alice_fingerprint(&ring).as_str())
    );
    let text = String::from_utf8(text.unwrap()).unwrap();
    assert!(
        text.contains("Contact: mailto:security@demo.invalid"),
        "{text}"
    );
}

#[test]
fn a_gpg_without_the_key_or_with_a_subkey_the_pack_lacks_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");

    // The member's gpg does not hold the key.
    let r = site_build(&Gpg::new(), dir.path(), &out);
    let e = json_error(&r, 1);
    assert_eq!(e["error"]["code"], "gpg-failed");
    assert!(!out.exists(), "nothing written");

    // It holds the key with a newer signing subkey, never published in the
    // pack: gpg signs with that subkey, which nobody could check.
    let gpg = alices_gpg();
    let fpr = alice_fingerprint(&demo_ring());
    gpg.run(&["--quick-add-key", &fpr, "ed25519", "sign", "never"]);
    let r = site_build(&gpg, dir.path(), &out);
    let e = json_error(&r, 1);
    assert_eq!(e["error"]["code"], "gpg-failed");
    let message = e["error"]["message"].as_str().unwrap();
    assert!(message.contains("pack's copy of the key"), "{message}");
    assert!(!out.exists(), "nothing written");
}

#[test]
fn csaf_documents_are_signed_through_the_members_gpg() {
    let dir = tempfile::tempdir().unwrap();
    let gpg = alices_gpg();
    let out = dir.path().join("csaf");
    let r = secpack(
        &gpg,
        dir.path(),
        &[
            "export",
            "csaf",
            s(&demo_pack()),
            "-o",
            s(&out),
            "--master",
            MASTER,
            "--base-url",
            "https://demo.invalid/security",
            "--sign-as",
            "alice",
            "--gpg",
        ],
    );
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let mut signed = 0;
    for entry in files_below(&out) {
        // The signatures (the signing key is published as `openpgp/FPR.asc`).
        let Some(doc) = entry.to_str().unwrap().strip_suffix(".json.asc") else {
            continue;
        };
        let doc = format!("{doc}.json");
        assert!(gpg.verifies(&entry, Path::new(&doc)), "{doc}");
        signed += 1;
    }
    assert!(signed > 0, "no signed CSAF document");
}

#[test]
fn a_signer_needs_a_key_file_or_gpg_and_not_both() {
    let dir = tempfile::tempdir().unwrap();
    let gpg = alices_gpg();
    let out = dir.path().join("site");
    let demo = demo_pack();
    let base = [
        "site",
        "build",
        s(&demo),
        "-o",
        s(&out),
        "--master",
        MASTER,
        "--sign-as",
        "alice",
    ];
    let r = secpack(&gpg, dir.path(), &base);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("--key SECRETKEYFILE or --gpg"));
    let key = demo_key("alice");
    let mut both = base.to_vec();
    both.extend_from_slice(&["--gpg", "--key", s(&key)]);
    let r = secpack(&gpg, dir.path(), &both);
    assert_eq!(r.status.code(), Some(2));
    let r = secpack(
        &gpg,
        dir.path(),
        &["site", "build", s(&demo_pack()), "-o", s(&out), "--gpg"],
    );
    assert_eq!(r.status.code(), Some(2), "--gpg needs --sign-as");
    assert!(!out.exists(), "nothing written");
}
