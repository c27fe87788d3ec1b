//! Fuzzes the strict RFC 4180 reader of `changes.csv` (export check): any
//! text, never a panic; every row it returns has a usable relative path and
//! sits on a line of the text; the error and problem lines are lines of it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secpack::export::check::directory::{first_unsorted, parse_changes, parse_csv, path_problem};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lines = text.split('\n').count();
    if let Ok(records) = parse_csv(text) {
        for (line, fields) in &records {
            assert!(*line >= 1 && *line <= lines);
            assert!(!fields.is_empty());
        }
    }
    match parse_changes(text) {
        Ok((rows, problems)) => {
            for r in &rows {
                assert!(r.line >= 1 && r.line <= lines);
                assert_eq!(path_problem(&r.path), None);
            }
            for p in &problems {
                assert!(p.line >= 1 && p.line <= lines);
                assert!(p.code.starts_with("changes-"));
            }
            if let Some(r) = first_unsorted(&rows) {
                assert!(rows.iter().any(|x| x.time < r.time));
            }
        }
        Err(p) => {
            assert!(p.line >= 1 && p.line <= lines);
            assert_eq!(p.code, "changes-bad-csv");
        }
    }
});
