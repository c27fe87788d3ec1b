//! The machine-readable block of a canary on arbitrary text: extracted and
//! compared with the prose without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secpack::canary::machine::{check, extract};
use secpack::canary::Canary;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(Ok(block)) = extract(text) {
            let canary = Canary::parse(text);
            let _ = check(&block, block.number, &canary);
        }
    }
});
