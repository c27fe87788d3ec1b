//! The armour fast path against Sequoia's armour reader on arbitrary bytes:
//! never a panic, and whatever the fast path decodes, Sequoia decodes to the
//! same bytes (the fast path may decline; it may never disagree).
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use secpack::trust::armor::{dearmor, ArmorKind};
use sequoia_openpgp::armor::{Kind, Reader, ReaderMode};

fuzz_target!(|data: &[u8]| {
    for (ours, kind) in [
        (ArmorKind::Signature, Kind::Signature),
        (ArmorKind::PublicKey, Kind::PublicKey),
    ] {
        if let Some(decoded) = dearmor(data, ours) {
            let mut reader = Reader::from_bytes(data, ReaderMode::Tolerant(Some(kind)));
            let mut theirs = Vec::new();
            reader
                .read_to_end(&mut theirs)
                .expect("Sequoia reads what the fast path reads");
            assert_eq!(decoded, theirs);
        }
    }
});
