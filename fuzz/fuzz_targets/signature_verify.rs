//! The trust engine on arbitrary signature bytes, detached and inline,
//! against the demo pack's keyring: never a panic, always a verdict, and
//! never `valid` (random bytes cannot forge a signature).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use secpack::pack::Pack;
use secpack::trust::keyring::Keyring;
use secpack::trust::pin::MasterPin;
use secpack::trust::verdict::SigStatus;

fn ring() -> &'static Keyring {
    static RING: OnceLock<Keyring> = OnceLock::new();
    RING.get_or_init(|| {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/demo-pack");
        let pack = Pack::open(std::path::Path::new(root)).unwrap();
        Keyring::load(&pack, &MasterPin::parse("60DCAA5EAD5021775F7B85138A7D47543A09DBD0").unwrap())
    })
}

fuzz_target!(|data: &[u8]| {
    let judgements = ring().verify_detached(b"a document\n", data);
    assert!(!judgements.is_empty());
    assert!(judgements.iter().all(|j| j.status != SigStatus::Valid));
    let (judgements, _) = ring().verify_inline(data);
    assert!(!judgements.is_empty());
    assert!(judgements.iter().all(|j| j.status != SigStatus::Valid));
});
