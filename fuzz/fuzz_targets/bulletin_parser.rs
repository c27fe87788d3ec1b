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
    // Advisories the bulletin is about are among those cited (a sorted list).
    for n in b.upstream_advisories.iter().chain(&b.related_advisories) {
        assert!(header.upstream_advisories.binary_search(n).is_ok());
    }
    // References are in the text, in the order the text cites them (each
    // searched from where the one before it starts: linear, so large inputs
    // time the parser and not this check).
    let mut at = 0;
    for r in &b.references {
        at += text[at..]
            .find(&r.url)
            .expect("a reference is in the text, in order");
    }
});
