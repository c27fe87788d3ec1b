//! Master fingerprints as users paste them: parsing never panics, and what
//! parses prints back as 40 or 64 upper-case hex digits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secpack::trust::pin::MasterPin;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(pin) = MasterPin::parse(text) {
            let hex = pin.to_hex();
            assert!(hex.len() == 40 || hex.len() == 64);
            assert!(hex.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
        }
    }
});
