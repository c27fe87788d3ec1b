//! Splitting git tag objects into payload and signature: the two parts
//! always put back together give the object.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secpack::trust::tags::split_signed_tag;

fuzz_target!(|data: &[u8]| {
    if let Some((payload, sig)) = split_signed_tag(data) {
        assert_eq!([payload, sig].concat(), data);
        assert!(sig.starts_with(b"-----BEGIN PGP SIGNATURE-----"));
    }
});
