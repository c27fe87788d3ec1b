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
//! * [`image`] is the whole of `digest check` and `digest make`: where the
//!   signature is, the check of one image, the self-check of a new file.

pub mod check;
pub mod file;
pub mod hashing;
pub mod image;

mod algorithm;
mod render;

pub use algorithm::Algorithm;
pub use render::render;
