//! The Jekyll `sec-xsa.yml` importer: never panics, and what it accepts
//! exports to YAML that imports back to the same tracker.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secpack::tracker::jekyll;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(tracker) = jekyll::import(text) {
        let exported = jekyll::export(&tracker);
        assert_eq!(jekyll::import(&exported).expect("exported YAML imports"), tracker);
    }
});
