//! Fuzzes the sidecar parser: any text, never a panic; an accepted sidecar
//! applies cleanly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secpack::bulletin::{Bulletin, Sidecar};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(sidecar) = Sidecar::parse(text) {
        let mut b = Bulletin::parse("", "XSA");
        sidecar.apply(&mut b);
        if let Some(t) = &sidecar.title {
            assert_eq!(b.title.as_ref(), Some(t));
        }
    }
});
