//! Block-source answer parsers on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secpack::canary::freshness::{parse_hash, parse_height};

fuzz_target!(|data: &[u8]| {
    let _ = parse_height(data);
    if let Ok(hash) = parse_hash(data) {
        assert_eq!(hash.len(), 64);
    }
});
