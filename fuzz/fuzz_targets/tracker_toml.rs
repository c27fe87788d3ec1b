//! The tracker file parser: never panics, and what it accepts renders to a
//! file that parses back to the same tracker.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secpack::tracker::store;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(tracker) = store::parse(text) {
        let rendered = store::render(&tracker).expect("a parsed tracker renders");
        assert_eq!(store::parse(&rendered).expect("rendered text parses"), tracker);
    }
});
