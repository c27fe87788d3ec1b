//! Fuzzes the digest-file parser: any text, never a panic, and every entry
//! it returns is consistent with the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secpack::digest::file::DigestFile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(file) = DigestFile::parse(text) {
        let lines: Vec<&str> = text.split('\n').collect();
        for e in &file.entries {
            assert_eq!(e.hex.len(), e.algorithm.hex_len());
            assert!(e.hex.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
            assert!(!e.name.is_empty());
            assert!(e.line >= 1 && e.line <= lines.len());
            // On its own line (searching the whole text for every entry was
            // quadratic: large inputs timed this check, not the parser).
            assert!(lines[e.line - 1].contains(e.name.as_str()));
        }
    }
});
