//! Key files with arbitrary contents: parsing and judging never panic, and
//! bytes that are not the pinned master never become trusted. (A corpus seeded
//! with the demo pack's own master key does hold the pinned master: that key,
//! and only that key, is then the master, wherever its file lies.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use secpack::trust::keyring::{KeyFile, Keyring};
use secpack::trust::pin::MasterPin;
use secpack::trust::verdict::KeyStatus;

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
    match ring.master {
        None => assert!(ring.entries.iter().all(|e| !e.status.is_trusted())),
        Some(i) => {
            let pinned = pin.to_hex();
            assert_eq!(
                ring.entries[i].fingerprint.as_deref(),
                Some(pinned.as_str())
            );
            for e in &ring.entries {
                if e.status == KeyStatus::Master {
                    assert_eq!(e.fingerprint.as_deref(), Some(pinned.as_str()));
                }
            }
        }
    }
});
