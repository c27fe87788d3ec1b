//! Fuzzes the export check from an untrusted `provider-metadata.json`: any
//! bytes in a provider folder, never a panic, never a read outside the
//! folder (URLs map onto it only as plain relative paths), and a report
//! whose verdict agrees with its findings.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use secpack::export::check::{check, CheckOptions, Severity};

fn folder() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap())
}

fuzz_target!(|data: &[u8]| {
    let dir = folder();
    std::fs::write(dir.path().join("provider-metadata.json"), data).unwrap();
    let options = CheckOptions {
        max_bytes: 1 << 20,
        timeout: std::time::Duration::from_secs(1),
    };
    let report = check(&dir.path().display().to_string(), &options).unwrap();
    assert_eq!(
        report.ok,
        !report
            .findings
            .iter()
            .any(|f| f.severity == Severity::Error)
    );
    if std::str::from_utf8(data).is_err() {
        assert!(!report.ok, "a file that is not UTF-8 is not JSON");
    }
});
