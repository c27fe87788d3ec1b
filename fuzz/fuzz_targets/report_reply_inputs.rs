//! The untrusted inputs of two-way reporting (issue 16): the inbox API's
//! `Authorization` header, a reporter's codename and a reporter's public
//! key. Never a panic; a header that parses prints back to itself and
//! parses again to the same value; a codename that parses reveals a text
//! that parses to the same codename; a reporter key that is accepted has no
//! secret parts and is accepted again from its own armour.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secpack::report::auth::Authorization;
use secpack::report::codename::Codename;
use secpack::report::reply::{parse_reporter_key, reporter_key_armored};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(auth) = Authorization::parse(text) {
            let again = Authorization::parse(&auth.to_header()).expect("a printed header parses");
            assert_eq!(again, auth);
        }
        if let Ok(c) = Codename::parse(text) {
            assert_eq!(Codename::parse(&c.reveal()).expect("a revealed codename parses"), c);
        }
    }
    if let Ok(armored) = reporter_key_armored(data) {
        let cert = parse_reporter_key(armored.as_bytes()).expect("its own armour is accepted");
        assert!(!cert.is_tsk());
    }
});
