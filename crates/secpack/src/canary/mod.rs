//! Warrant canaries: reading them, auditing every canary a pack published, and
//! gathering the proof of freshness for a new one.
//!
//! * [`parse`] reads a canary's text (every era of wording).
//! * [`window`] reads the promised window for the next canary.
//! * [`drift`] compares statements between consecutive canaries.
//! * [`audit`](mod@audit) checks a pack's whole series and says what needs attention.
//! * [`freshness`] fetches news headlines and a block hash over HTTP.
//! * [`machine`] is the JSON block a canary carries for monitors.

pub mod audit;
pub mod drift;
pub mod freshness;
pub mod machine;
pub mod parse;
pub mod window;
pub mod words;

pub use audit::{
    audit, audit_pack, AuditOptions, AuditReport, DocumentSigners, Finding, FindingKind, Severity,
};
pub use parse::Canary;
