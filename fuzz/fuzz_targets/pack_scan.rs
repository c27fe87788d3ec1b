//! The pack scanner on arbitrary trees: entries are `name\0contents\0...`.
//! Names may hold `/` (sub-folders) but never `..`; the scanner must not
//! panic and must list every file exactly once.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secpack::pack::Pack;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let mut parts = data.split(|&b| b == 0);
    let mut written = std::collections::BTreeSet::new();
    while let (Some(name), Some(body)) = (parts.next(), parts.next()) {
        let Ok(name) = std::str::from_utf8(name) else { continue };
        let name = name.trim_matches('/');
        if name.is_empty() || name.split('/').any(|c| c.is_empty() || c == "." || c == ".." || c == ".git") {
            continue;
        }
        let path = dir.path().join(name);
        if std::fs::create_dir_all(path.parent().unwrap()).is_err() || std::fs::write(&path, body).is_err() {
            continue;
        }
        written.insert(name.to_string());
    }
    if let Ok(pack) = Pack::open(dir.path()) {
        let listed: Vec<_> = pack.files.iter().map(|f| f.path.clone()).collect();
        let unique: std::collections::BTreeSet<_> = listed.iter().cloned().collect();
        assert_eq!(listed.len(), unique.len(), "a file listed twice");
        for w in &written {
            if std::path::Path::new(dir.path()).join(w).is_file() {
                assert!(unique.contains(w), "{w} not listed");
            }
        }
    }
});
