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
        let lines = text.split('\n').count();
        for e in &file.entries {
            assert_eq!(e.hex.len(), e.algorithm.hex_len());
            assert!(e.hex.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
            assert!(!e.name.is_empty());
            assert!(text.contains(e.name.as_str()));
            assert!(e.line >= 1 && e.line <= lines);
        }
    }
});
