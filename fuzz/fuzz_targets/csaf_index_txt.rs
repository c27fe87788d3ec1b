//! Fuzzes the `index.txt` reader (export check): any text, never a panic;
//! every line is either a usable relative path or a problem, never both.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secpack::export::check::directory::{parse_index, path_problem};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (paths, problems) = parse_index(text);
    let lines = text.split('\n').count();
    for (line, path) in &paths {
        assert!(*line >= 1 && *line <= lines);
        assert_eq!(path_problem(path), None);
        assert!(!path.starts_with('/') && !path.split('/').any(|s| s == ".."));
    }
    for p in &problems {
        assert!(p.line >= 1 && p.line <= lines);
        assert!(!paths.iter().any(|(l, _)| *l == p.line));
    }
});
