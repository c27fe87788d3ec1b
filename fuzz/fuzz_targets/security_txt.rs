//! Fuzzes the security.txt lint (RFC 9116): any bytes, signed-looking or
//! not, never a panic; a file without Contact or Expires never passes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secpack::securitytxt::{lint, parse, LintOptions};

fuzz_target!(|data: &[u8]| {
    let options = LintOptions {
        canonical: Some("https://example.org/.well-known/security.txt".into()),
        // The epoch: every Expires a fuzzer writes is in the future.
        ..LintOptions::default()
    };
    let report = lint(data, &options);
    if let Ok(text) = std::str::from_utf8(data) {
        let p = parse(text);
        let lines = text.lines().count();
        assert!(p.fields.iter().all(|f| f.line >= 1 && f.line <= lines));
        if !text
            .trim_start()
            .starts_with("-----BEGIN PGP SIGNED MESSAGE-----")
            && (p.values("Contact").next().is_none() || p.values("Expires").next().is_none())
        {
            assert!(!report.ok);
        }
    } else {
        assert!(!report.ok);
    }
});
