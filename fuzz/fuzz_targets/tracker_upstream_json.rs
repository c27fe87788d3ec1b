//! The upstream advisory list parser, and syncing what it accepts into an
//! empty tracker: never panics; every listed advisory ends up in the tracker.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secpack::tracker::{sync, upstream, Tracker};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(list) = upstream::parse(text) {
        let mut tracker = Tracker::default();
        sync::apply(&mut tracker, &list.advisories).expect("parsed advisories sync");
        assert_eq!(tracker.rows().len(), list.advisories.len());
    }
});
