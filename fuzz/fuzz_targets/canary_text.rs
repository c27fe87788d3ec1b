//! Canary text parser, drift and window readers on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secpack::canary::drift::compare;
use secpack::canary::Canary;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let canary = Canary::parse(text);
        // Comparing with itself drifts nowhere.
        assert!(compare(&canary, &canary).is_empty());
    }
});
