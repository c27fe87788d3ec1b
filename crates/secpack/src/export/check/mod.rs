//! `secpack export check`: checks a CSAF 2.0 provider tree, on disk or over
//! HTTP, against the distribution requirements of CSAF 2.0 §7.1, in the
//! spirit of BSI's `csaf_checker`.
//!
//! Every problem is a [`Finding`] with a stable code, a severity, the number
//! of the CSAF requirement it belongs to (when one applies), where it was
//! seen and a sentence a person understands. One file per requirement group:
//!
//! * [`fetch`]: reading the tree (a folder or a URL), redirects, TLS, size cap;
//! * [`metadata`]: `provider-metadata.json`, its signature and keys (7.1.7, 7.1.9, 7.1.20);
//! * [`rolie`]: the ROLIE feed, service and category documents (7.1.15–7.1.17);
//! * [`directory`]: `index.txt` and `changes.csv` (7.1.12, 7.1.13);
//! * [`documents`]: each document: schema, file name, TLP folder, year folder,
//!   hashes, signature (7.1.1, 7.1.2, 7.1.4, 7.1.11, 7.1.18, 7.1.19);
//! * [`openpgp`]: the listed keys and detached signatures (Sequoia);
//! * [`schema`]: the official JSON schemas, embedded.

pub mod directory;
pub mod documents;
pub mod fetch;
pub mod metadata;
pub mod openpgp;
pub mod rolie;
pub mod schema;

use std::collections::BTreeMap;

use serde::Serialize;

use fetch::{Source, Target};

pub use crate::severity::Severity;

/// One result of the check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable machine-readable code (`hash-mismatch`).
    pub code: &'static str,
    /// How bad it is.
    pub severity: Severity,
    /// The CSAF 2.0 requirement (§7.1.N) it belongs to, when one applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirement: Option<u8>,
    /// The URL (or file) where it was seen.
    pub location: String,
    /// A sentence a person understands.
    pub message: String,
}

/// What the check found.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// What was checked, as given.
    pub target: String,
    /// URL of the provider metadata the check started from.
    pub provider_metadata_url: String,
    /// The role the provider metadata claims, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// CSAF documents checked.
    pub documents: usize,
    /// No finding is an error.
    pub ok: bool,
    /// Every finding, in the order they were made.
    pub findings: Vec<Finding>,
}

/// Why the check could not start at all (a usage error, not a finding).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The target is neither an existing folder nor an http(s) URL.
    #[error("{0}: not a folder holding provider-metadata.json nor an http(s) URL")]
    BadTarget(String),
}

impl CheckError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadTarget(_) => "bad-target",
        }
    }
}

/// Collects findings as the check goes.
#[derive(Debug, Default)]
pub struct Findings {
    list: Vec<Finding>,
}

impl Findings {
    /// Records a finding.
    pub fn add(
        &mut self,
        code: &'static str,
        severity: Severity,
        requirement: Option<u8>,
        location: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.list.push(Finding {
            code,
            severity,
            requirement,
            location: location.into(),
            message: message.into(),
        });
    }

    /// Records an error of requirement `req`.
    pub fn error(
        &mut self,
        code: &'static str,
        req: u8,
        location: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.add(code, Severity::Error, Some(req), location, message);
    }

    /// Records a warning of requirement `req`.
    pub fn warn(
        &mut self,
        code: &'static str,
        req: u8,
        location: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.add(code, Severity::Warning, Some(req), location, message);
    }

    /// Whether a finding with `code` was made.
    pub fn has(&self, code: &str) -> bool {
        self.list.iter().any(|f| f.code == code)
    }
}

/// Options of a check.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Largest file read, in bytes.
    pub max_bytes: u64,
    /// Time limit of each HTTP request.
    pub timeout: std::time::Duration,
}

impl Default for CheckOptions {
    fn default() -> Self {
        Self {
            max_bytes: 16 << 20,
            timeout: std::time::Duration::from_secs(30),
        }
    }
}

/// Checks the provider tree at `target`: a folder (an export's output
/// folder, or the provider folder itself holding `provider-metadata.json`),
/// the URL of a `provider-metadata.json`, or a site's URL (its
/// `/.well-known/csaf/provider-metadata.json` is read).
pub fn check(target: &str, options: &CheckOptions) -> Result<CheckReport, CheckError> {
    let target_kind = Target::parse(target)?;
    let source = Source::new(target_kind, options);
    let mut findings = Findings::default();
    let pmd_url = source.metadata_url().to_string();
    let meta = metadata::check(&source, &mut findings);
    let mut documents = 0;
    if let Some(meta) = &meta {
        // Every document the tree lists, by URL, with where it was listed.
        let mut listed: BTreeMap<String, documents::Listing> = BTreeMap::new();
        let mut feeds_read = true;
        for feed in &meta.feeds {
            feeds_read &= rolie::check_feed(&source, feed, &mut findings, &mut listed);
        }
        rolie::check_service(&source, meta, &mut findings);
        for dir in &meta.directories {
            directory::check(&source, dir, &mut findings, &mut listed);
        }
        if meta.feeds.is_empty() && meta.directories.is_empty() {
            findings.error(
                "no-distribution",
                7,
                &pmd_url,
                "the provider metadata names neither a directory nor a ROLIE feed: no document can be found",
            );
        }
        documents = listed.len();
        documents::check_all(&source, meta, &listed, &mut findings);
        directory::check_completeness(meta, &listed, feeds_read, &mut findings);
    }
    let list = findings.list;
    Ok(CheckReport {
        target: target.to_string(),
        provider_metadata_url: pmd_url,
        role: meta.map(|m| m.role),
        documents,
        ok: !list.iter().any(|f| f.severity == Severity::Error),
        findings: list,
    })
}

impl crate::error::Coded for CheckError {
    fn code(&self) -> &'static str {
        CheckError::code(self)
    }
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass;
        ErrorClass::Usage
    }
}
