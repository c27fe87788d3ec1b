//! The shared fixtures, for the test files that still include this module
//! with `#[path = ...]`: they live in the `secpack-testsupport` crate now
//! (new tests use it directly).

#![allow(unused_imports)]

pub use secpack_testsupport::http;
pub use secpack_testsupport::{
    email_key, keys, sig, Gpg, Keys, TestPack, BULLETIN, EMAIL_KEY_FILE, T_CERT, T_KEYS, T_SIGN,
};
