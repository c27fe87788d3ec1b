//! `secpack site build` end to end: exit statuses, nothing written when the
//! pack does not verify, and a clear-signed security.txt.

use std::path::Path;
use std::process::Output;

use secpack_testsupport::cli::{command_at_home, Ran};
use secpack_testsupport::demo::{demo_key, demo_pack, DEMO_MASTER as MASTER};
use secpack_testsupport::fs::copy_dir;

fn secpack(args: &[&str], home: &Path) -> Output {
    command_at_home(env!("CARGO_BIN_EXE_secpack"), home)
        .args(args)
        .output()
        .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_tampered_bulletin_fails_the_build_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack");
    copy_dir(&demo_pack(), &pack);
    let out = dir.path().join("site");
    let ok = secpack(
        &[
            "site",
            "build",
            s(&pack),
            "-o",
            s(&out),
            "--master",
            MASTER,
            "--json",
        ],
        dir.path(),
    );
    ok.assert_success();
    let json: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(json["built"], true);
    assert_eq!(json["verified"], true);
    std::fs::remove_dir_all(&out).unwrap();

    let bulletin = pack.join("QSBs/qsb-001-2025.txt");
    let text = std::fs::read_to_string(&bulletin).unwrap();
    std::fs::write(&bulletin, text.replacen("Summary", "Summery", 1)).unwrap();
    let bad = secpack(
        &["site", "build", s(&pack), "-o", s(&out), "--master", MASTER],
        dir.path(),
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("does not verify"));
    assert!(!out.exists(), "nothing may be written");

    let allowed = secpack(
        &[
            "site",
            "build",
            s(&pack),
            "-o",
            s(&out),
            "--master",
            MASTER,
            "--allow-failures",
        ],
        dir.path(),
    );
    assert_eq!(allowed.status.code(), Some(0));
    let page = std::fs::read_to_string(out.join("bulletins/qsb-001-2025.html")).unwrap();
    assert!(
        page.contains("NOT verified") && page.contains("<code>bad</code>"),
        "{page}"
    );
    let hub = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(hub.contains("class=\"trust bad\""));
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let demo = demo_pack();
    let out = dir.path().join("site");
    let no_pin = secpack(&["site", "build", s(&demo), "-o", s(&out)], dir.path());
    assert_eq!(no_pin.status.code(), Some(2));
    let bad_url = secpack(
        &[
            "site",
            "build",
            s(&demo),
            "-o",
            s(&out),
            "--master",
            MASTER,
            "--base-url",
            "ftp://x",
        ],
        dir.path(),
    );
    assert_eq!(bad_url.status.code(), Some(2));
    assert!(!out.exists());
}

#[test]
fn security_txt_is_clear_signed_by_a_team_key_that_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let demo = demo_pack();
    let key = demo_key("alice");
    let out = dir.path().join("site");
    let r = secpack(
        &[
            "site",
            "build",
            s(&demo),
            "-o",
            s(&out),
            "--master",
            MASTER,
            "--base-url",
            "https://demo.invalid/security/",
            "--sign-as",
            "alice",
            "--key",
            s(&key),
        ],
        dir.path(),
    );
    r.assert_success();
    let signed = std::fs::read(out.join(".well-known/security.txt")).unwrap();
    assert!(signed.starts_with(b"-----BEGIN PGP SIGNED MESSAGE-----"));
    let pack = secpack::pack::Pack::open(&demo).unwrap();
    let pin = secpack::trust::pin::MasterPin::parse(MASTER).unwrap();
    let ring = secpack::trust::keyring::Keyring::load(&pack, &pin);
    let (judgements, text) = ring.verify_inline(&signed);
    assert_eq!(judgements.len(), 1);
    assert_eq!(
        judgements[0].status,
        secpack::trust::verdict::SigStatus::Valid
    );
    let text = String::from_utf8_lossy(text.as_deref().unwrap()).into_owned();
    assert!(
        text.contains("Contact: mailto:security@demo.invalid"),
        "{text}"
    );
}

#[test]
fn the_build_says_where_contact_points_and_which_fields_are_missing() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack");
    copy_dir(&demo_pack(), &pack);
    let out = dir.path().join("site");
    let build = |extra: &[&str]| {
        let mut args = vec!["site", "build", s(&pack), "-o", s(&out), "--master", MASTER];
        args.extend_from_slice(extra);
        let o = secpack(&args, dir.path());
        o.assert_success();
        String::from_utf8(o.stdout).unwrap()
    };
    let stdout = build(&[]);
    assert!(
        stdout
            .contains("note: security.txt Contact: mailto:security@demo.invalid (project.contact)"),
        "{stdout}"
    );
    let notes: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("security.txt has no"))
        .collect();
    assert_eq!(
        notes,
        ["note: security.txt has no Encryption, Canonical or Policy field: give --base-url for the URLs"]
    );
    let stdout = build(&["--base-url", "https://demo.invalid/security/"]);
    assert!(!stdout.contains("security.txt has no"), "{stdout}");
    assert!(stdout.contains("security.txt unsigned"), "{stdout}");

    // Without project.contact: no security.txt, and the build says why. (The
    // changed secpack.toml is no longer signed, so the build falls back to
    // the defaults, which have no contact either, and reports the unsigned
    // file: allow that failure.)
    let config = pack.join("secpack.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("contact = \"security@demo.invalid\"\n", ""),
    )
    .unwrap();
    let stdout = build(&["--allow-failures"]);
    assert!(stdout.contains("security.txt skipped"), "{stdout}");
    assert!(
        stdout.contains("no security.txt: it needs a Contact and the pack gives none"),
        "{stdout}"
    );
    assert!(!out.join(".well-known/security.txt").exists());
}
