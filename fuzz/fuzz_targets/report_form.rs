//! Fuzzes the report form's field parser: any fields, never a panic; an
//! accepted submission has its required fields, a one-line summary, and
//! survives its plaintext round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secpack::report::submission::{FormField, Submission};

const NAMES: [&str; 6] = ["summary", "details", "affected", "contact", "attachment", "other"];

fuzz_target!(|data: &[u8]| {
    // Fields separated by 0xFE; the first byte of each picks its name and
    // whether it carries a file name.
    let parts: Vec<&[u8]> = data.split(|&b| b == 0xFE).collect();
    let fields = parts.iter().filter_map(|p| {
        let (&selector, rest) = p.split_first()?;
        Some(FormField {
            name: NAMES[usize::from(selector) % NAMES.len()],
            file_name: (selector & 0x80 != 0).then_some("f.txt"),
            content_type: None,
            data: rest,
        })
    });
    if let Ok(s) = Submission::from_fields(fields, 64) {
        assert!(!s.summary.is_empty() && !s.details.is_empty() && !s.affected.is_empty());
        assert!(!s.summary.contains('\n'));
        assert_eq!(Submission::from_plaintext(&s.to_plaintext()).unwrap(), s);
    }
});
