//! Release digests: the `<image>.DIGESTS` files a project publishes beside
//! its installation images, and checking an image against them.
//!
//! * [`file`] parses digest files in every line format real packs use
//!   (`<hex> *<name>`, `<hex>  <name>`, BSD `SHA256 (<name>) = <hex>`).
//! * [`hashing`] computes several digests of a large file in one read, one
//!   thread per algorithm.
//! * [`check`] compares what a digest file lists for an image with what was
//!   computed, and judges the digest file's signature (release keys only).
//! * [`render`] writes a digest file in the format real packs use.

pub mod check;
pub mod file;
pub mod hashing;

mod algorithm;
mod render;

pub use algorithm::Algorithm;
pub use render::render;
