//! Key files with arbitrary contents: parsing and judging never panic, and
//! bytes that are not the pinned master never become trusted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secpack::trust::keyring::{KeyFile, Keyring};
use secpack::trust::pin::MasterPin;

fuzz_target!(|data: &[u8]| {
    let pin = MasterPin::parse("60DCAA5EAD5021775F7B85138A7D47543A09DBD0").unwrap();
    let ring = Keyring::from_files(
        vec![KeyFile {
            path: "keys/security-team/fuzz.asc".into(),
            role: "security-team".into(),
            retired: false,
            contents: Ok(data.to_vec()),
        }],
        &pin,
    );
    assert!(ring.entries.iter().all(|e| !e.status.is_trusted()));
});
