//! Fuzzes the bulletin parser: any text, never a panic, and what it finds is
//! consistent with the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secpack::bulletin::{Bulletin, BulletinHeader};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let header = BulletinHeader::parse(text, "XSA");
    let b = Bulletin::parse(text, "XSA");
    assert_eq!(b.number, header.number);
    assert_eq!(b.date, header.date);
    // Advisories the bulletin is about are among those cited.
    for n in b.upstream_advisories.iter().chain(&b.related_advisories) {
        assert!(header.upstream_advisories.contains(n));
    }
    for r in &b.references {
        assert!(text.contains(&r.url));
    }
});
