//! The security.txt lint (RFC 9116): a good file passes without a finding;
//! each defect gives its exact code; clear-signed files are verified with a
//! pack's keys (made by gpg), and an Expires after the signing key's expiry
//! is refused.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use secpack::securitytxt::{lint, parse, LintOptions, LintReport, Severity};

use secpack_testsupport::*;

const CANONICAL: &str = "https://demo.invalid/.well-known/security.txt";
const CSAF: &str = "https://demo.invalid/.well-known/csaf/provider-metadata.json";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap()
}

/// A file that passes: every field secpack writes.
fn good() -> String {
    format!(
        "# Demo security contact\n\
         Contact: mailto:security@demo.invalid\n\
         Contact: https://demo.invalid/report/\n\
         Expires: 2025-11-28T12:00:00Z\n\
         Encryption: https://demo.invalid/pack/keys/security-team/email.asc\n\
         Canonical: {CANONICAL}\n\
         Policy: https://demo.invalid/index.html\n\
         CSAF: {CSAF}\n\
         Preferred-Languages: en, fr\n"
    )
}

fn options() -> LintOptions<'static> {
    LintOptions {
        canonical: Some(CANONICAL.to_string()),
        csaf: Some(CSAF.to_string()),
        keyring: None,
        now: now(),
    }
}

fn codes(r: &LintReport, severity: Severity) -> BTreeSet<&'static str> {
    r.findings
        .iter()
        .filter(|f| f.severity == severity)
        .map(|f| f.code)
        .collect()
}

/// `text` fails with exactly the error `code`.
fn assert_only_error(text: &str, options: &LintOptions<'_>, code: &str) {
    let r = lint(text.as_bytes(), options);
    assert!(!r.ok, "{code}: passed: {:#?}", r.findings);
    assert_eq!(
        codes(&r, Severity::Error),
        BTreeSet::from([code]),
        "{text}\n{:#?}",
        r.findings
    );
}

#[test]
fn a_good_file_passes_without_findings() {
    let r = lint(good().as_bytes(), &options());
    assert!(r.ok, "{:#?}", r.findings);
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert!(!r.signed);
    assert_eq!(
        r.expires,
        Some(Utc.with_ymd_and_hms(2025, 11, 28, 12, 0, 0).unwrap())
    );
    // CRLF line ends too.
    let crlf = good().replace('\n', "\r\n");
    assert!(lint(crlf.as_bytes(), &options()).findings.is_empty());
}

#[test]
fn one_defect_each() {
    let g = good();
    let cases: Vec<(String, &str)> = vec![
        (
            g.replace("Contact: mailto:security@demo.invalid\n", "")
                .replace("Contact: https://demo.invalid/report/\n", ""),
            "no-contact",
        ),
        (
            g.replace("mailto:security@demo.invalid", "security team"),
            "bad-contact",
        ),
        (
            g.replace(
                "https://demo.invalid/report/",
                "http://demo.invalid/report/",
            ),
            "insecure-uri",
        ),
        (
            g.replace("Expires: 2025-11-28T12:00:00Z\n", ""),
            "no-expires",
        ),
        (
            g.replace(
                "Expires: 2025-11-28T12:00:00Z\n",
                "Expires: 2025-11-28T12:00:00Z\nExpires: 2025-10-01T00:00:00Z\n",
            ),
            "multiple-expires",
        ),
        (
            g.replace("2025-11-28T12:00:00Z", "28 Nov 2025"),
            "bad-expires",
        ),
        (
            g.replace("2025-11-28T12:00:00Z", "2025-05-31T12:00:00Z"),
            "expired",
        ),
        (
            g.replace("2025-11-28T12:00:00Z", "2026-08-01T00:00:00Z"),
            "expires-too-far",
        ),
        (
            g.replace(
                CANONICAL,
                "https://elsewhere.invalid/.well-known/security.txt",
            ),
            "canonical-mismatch",
        ),
        (g.replace("en, fr", "en_US"), "bad-language"),
        (
            g.replace(
                "Preferred-Languages: en, fr\n",
                "Preferred-Languages: en\nPreferred-Languages: fr\n",
            ),
            "multiple-languages",
        ),
        (g.replace(&format!("CSAF: {CSAF}\n"), ""), "csaf-missing"),
        (
            g.replace(
                "Policy: https://demo.invalid/index.html",
                "Policy: ftp://demo.invalid/p",
            ),
            "bad-uri",
        ),
        (
            g.replace("# Demo security contact", "Demo security contact"),
            "bad-line",
        ),
        (
            g.replace("Policy: https://demo.invalid/index.html", "Policy:"),
            "empty-field",
        ),
    ];
    for (text, code) in cases {
        assert_ne!(text, g, "{code}: the defect was not made");
        assert_only_error(&text, &options(), code);
    }
}

#[test]
fn a_csaf_line_naming_something_else() {
    let text = good().replace(
        &format!("CSAF: {CSAF}"),
        "CSAF: https://demo.invalid/csaf.json",
    );
    let r = lint(text.as_bytes(), &options());
    assert_eq!(
        codes(&r, Severity::Error),
        BTreeSet::from(["csaf-missing", "bad-csaf"])
    );
    // No provider published: no CSAF line is due, but a bad one is still bad.
    let none = LintOptions {
        csaf: None,
        ..options()
    };
    let r = lint(text.as_bytes(), &none);
    assert_eq!(codes(&r, Severity::Error), BTreeSet::from(["bad-csaf"]));
    let without = good().replace(&format!("CSAF: {CSAF}\n"), "");
    assert!(lint(without.as_bytes(), &none).findings.is_empty());
}

#[test]
fn unknown_fields_and_a_missing_canonical_are_warnings() {
    let text = good().replace(&format!("Canonical: {CANONICAL}\n"), "") + "X-Custom: yes\n";
    let r = lint(text.as_bytes(), &options());
    assert!(r.ok, "{:#?}", r.findings);
    assert_eq!(
        codes(&r, Severity::Warning),
        BTreeSet::from(["no-canonical", "unknown-field"])
    );
    let line = r
        .findings
        .iter()
        .find(|f| f.code == "unknown-field")
        .unwrap()
        .line;
    assert_eq!(line, Some(9));
}

#[test]
fn not_utf8() {
    let r = lint(b"Contact: \xff\n", &options());
    assert_eq!(codes(&r, Severity::Error), BTreeSet::from(["not-utf8"]));
}

// --- clear-signed files -----------------------------------------------

#[test]
fn a_file_signed_by_a_team_key_verifies() {
    let k = keys();
    let pack = TestPack::with_keys();
    let ring = pack.keyring(&keys().master);
    let signed = k.gpg.clearsign(T_SIGN, &k.bob, good().as_bytes());
    let opts = LintOptions {
        keyring: Some(&ring),
        ..options()
    };
    let r = lint(&signed, &opts);
    assert!(r.ok, "{:#?}", r.findings);
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert!(r.signed);
    assert_eq!(r.signed_by.as_deref(), Some(k.bob.as_str()));
    // Without a pack the signature is not checked, and that is said.
    let r = lint(&signed, &options());
    assert!(r.ok);
    assert_eq!(
        codes(&r, Severity::Warning),
        BTreeSet::from(["signature-unchecked"])
    );
}

#[test]
fn signatures_that_do_not_verify_are_refused() {
    let k = keys();
    let pack = TestPack::with_keys();
    let ring = pack.keyring(&keys().master);
    let opts = LintOptions {
        keyring: Some(&ring),
        ..options()
    };
    // Mallory's key is in the pack but not certified.
    let by_mallory = k.gpg.clearsign(T_SIGN, &k.mallory, good().as_bytes());
    let r = lint(&by_mallory, &opts);
    assert_eq!(
        codes(&r, Severity::Error),
        BTreeSet::from(["signature-invalid"])
    );
    // Altered after signing.
    let signed = k.gpg.clearsign(T_SIGN, &k.bob, good().as_bytes());
    let altered = String::from_utf8(signed).unwrap().replace(
        "mailto:security@demo.invalid",
        "mailto:attacker@evil.invalid",
    );
    let r = lint(altered.as_bytes(), &opts);
    assert!(
        codes(&r, Severity::Error).contains("signature-invalid"),
        "{:#?}",
        r.findings
    );
    assert_eq!(r.signed_by, None);
}

#[test]
fn expires_after_the_signing_key_is_refused() {
    let k = keys();
    let pack = TestPack::with_keys();
    let uid = "Short Lived (throwaway) <short@test.invalid>";
    let short = k.gpg.generate(T_KEYS, uid, "ed25519", "sign", "2025-10-01");
    k.gpg.certify(T_CERT, &k.master, &short);
    pack.write("keys/security-team/short-test.asc", &k.gpg.export(&short));
    let ring = pack.keyring(&keys().master);
    let opts = LintOptions {
        keyring: Some(&ring),
        ..options()
    };
    let signed = k.gpg.clearsign(T_SIGN, &short, good().as_bytes());
    let r = lint(&signed, &opts);
    assert_eq!(
        r.signed_by.as_deref(),
        Some(short.as_str()),
        "{:#?}",
        r.findings
    );
    assert_eq!(
        codes(&r, Severity::Error),
        BTreeSet::from(["expires-after-key"]),
        "{:#?}",
        r.findings
    );
    // Expiring before the key does is fine.
    let early = good().replace("2025-11-28T12:00:00Z", "2025-09-01T00:00:00Z");
    let signed = k.gpg.clearsign(T_SIGN, &short, early.as_bytes());
    let r = lint(&signed, &opts);
    assert!(r.ok && r.findings.is_empty(), "{:#?}", r.findings);
}

proptest! {
    /// Any text: the parser and the lint never panic, every field they
    /// report is on a line of the text, and a file without a Contact or
    /// an Expires never passes.
    #[test]
    fn lint_never_panics(text in "(?s)[ -~\r\n\t#:\u{e9}]{0,300}") {
        let p = parse(&text);
        let lines = text.lines().count();
        for f in &p.fields {
            prop_assert!(f.line >= 1 && f.line <= lines);
        }
        let r = lint(text.as_bytes(), &options());
        let has_contact = p.values("Contact").next().is_some();
        let has_expires = p.values("Expires").next().is_some();
        if !has_contact || !has_expires {
            prop_assert!(!r.ok);
        }
    }

    /// Arbitrary bytes (signed-looking or not) never panic the lint.
    #[test]
    fn lint_takes_any_bytes(prefix in prop::bool::ANY, bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let mut data = Vec::new();
        if prefix {
            data.extend_from_slice(b"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n");
        }
        data.extend(bytes);
        let _ = lint(&data, &options());
    }
}

#[test]
fn a_canonical_place_under_a_path_is_not_where_clients_look() {
    // RFC 9116 §3: /.well-known/security.txt of the origin (or the legacy
    // /security.txt); a site under /security/ must still publish it there.
    for (place, warned) in [
        ("https://demo.invalid/.well-known/security.txt", false),
        ("https://demo.invalid/security.txt", false),
        (
            "https://demo.invalid/security/.well-known/security.txt",
            true,
        ),
        ("https://demo.invalid/security/security.txt", true),
    ] {
        let text = good().replace(CANONICAL, place);
        let opts = LintOptions {
            canonical: Some(place.to_string()),
            ..options()
        };
        let r = lint(text.as_bytes(), &opts);
        assert!(r.ok, "{place}: {:#?}", r.findings);
        assert_eq!(
            codes(&r, Severity::Warning).contains("not-well-known"),
            warned,
            "{place}: {:#?}",
            r.findings
        );
        let f = r.findings.iter().find(|f| f.code == "not-well-known");
        if let Some(f) = f {
            assert!(f.message.contains("RFC 9116"), "{}", f.message);
        }
    }
}
