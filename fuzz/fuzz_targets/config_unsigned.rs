//! An unsigned `secpack.toml` grants no trust: whatever it says (thresholds
//! of zero, layouts that move or hide folders, roles, tools folders), the
//! demo pack's keys plus one unsigned bulletin in `QSBs/` never verify.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use secpack::pack::Pack;
use secpack::trust::pin::MasterPin;
use secpack::trust::{verify_pack, VerifyOptions};

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/demo-pack");
const MASTER: &str = "60DCAA5EAD5021775F7B85138A7D47543A09DBD0";

fn copy_keys(to: &Path) {
    for dir in ["keys/master-key", "keys/security-team", "keys/release-keys"] {
        std::fs::create_dir_all(to.join(dir)).unwrap();
        for e in std::fs::read_dir(Path::new(DEMO).join(dir)).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), to.join(dir).join(e.file_name())).unwrap();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(config) = std::str::from_utf8(data) else { return };
    let dir = tempfile::tempdir().unwrap();
    copy_keys(dir.path());
    std::fs::create_dir_all(dir.path().join("QSBs")).unwrap();
    std::fs::write(dir.path().join("QSBs/qsb-001-2026.txt"), "an unsigned bulletin\n").unwrap();
    std::fs::write(dir.path().join("secpack.toml"), config).unwrap();
    let Ok(pack) = Pack::open(dir.path()) else { return };
    let pin = MasterPin::parse(MASTER).unwrap();
    for strict in [false, true] {
        let r = verify_pack(&pack, &pin, VerifyOptions { strict, ..Default::default() }, &|| {});
        assert!(!r.summary.ok, "an unsigned secpack.toml made an unsigned bulletin pass:\n{config}");
    }
});
