//! News feed parser on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secpack::canary::freshness::parse_feed;

fuzz_target!(|data: &[u8]| {
    if let Ok(feed) = parse_feed(data) {
        assert!(feed.headlines.iter().all(|h| !h.is_empty() && !h.contains('\n')));
    }
});
