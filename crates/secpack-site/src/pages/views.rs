//! What the pages show: plain serialisable views of the pack, built by
//! `gather` and read by the templates.

use std::collections::BTreeSet;

use secpack::canary::audit::AuditReport;
use serde::Serialize;

use crate::mount::Mount;

/// A signature as shown on the pages.
#[derive(Debug, Clone, Serialize)]
pub(super) struct SigView {
    pub(super) who: Option<String>,
    pub(super) status: &'static str,
    pub(super) ok: bool,
    pub(super) key: Option<String>,
    pub(super) warnings: Vec<&'static str>,
    pub(super) reason: String,
    pub(super) file: String,
}

/// A bulletin or canary as shown on the pages.
#[derive(Debug, Clone, Serialize)]
pub(super) struct DocView {
    pub(super) id: String,
    pub(super) stem: String,
    pub(super) number: u32,
    pub(super) date: Option<String>,
    pub(super) title: Option<String>,
    pub(super) raw: String,
    pub(super) text: String,
    pub(super) signatures: Vec<SigView>,
    pub(super) ok: bool,
    pub(super) valid: usize,
    pub(super) required: u32,
    pub(super) bulletin_count: Option<u32>,
    pub(super) next_window: Option<String>,
}

/// A release digest file that verifies, as linked from the hub.
#[derive(Debug, Clone, Serialize)]
pub(super) struct DigestView {
    /// Its path below the digests folder.
    pub(super) name: String,
    /// Its copy in the site.
    pub(super) href: String,
    /// It carries its own (valid) cleartext signature.
    pub(super) clearsigned: bool,
    /// Its valid detached signatures.
    pub(super) signatures: Vec<SigLink>,
}

/// The team's contact as linked from the pages.
#[derive(Debug, Clone, Serialize)]
pub(super) struct ContactView {
    /// As `secpack.toml` gives it (without `mailto:`).
    pub(super) text: String,
    /// The URI it links to.
    pub(super) href: String,
}

/// A signature file to download.
#[derive(Debug, Clone, Serialize)]
pub(super) struct SigLink {
    pub(super) who: Option<String>,
    pub(super) href: String,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct NavItem {
    pub(super) href: String,
    pub(super) label: String,
    pub(super) current: bool,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct Translation {
    pub(super) lang: String,
    pub(super) name: String,
    pub(super) href: String,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct TrustView {
    pub(super) ok: bool,
    pub(super) master: String,
    pub(super) failures: Vec<String>,
    pub(super) documents: usize,
    pub(super) documents_ok: usize,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct TrackerRow {
    pub(super) number: u32,
    pub(super) anchor: String,
    pub(super) date: Option<String>,
    pub(super) affected: &'static str,
    pub(super) bulletin: Option<String>,
    pub(super) bulletin_stem: Option<String>,
    pub(super) unused: bool,
    pub(super) title: Option<String>,
    /// The team's note: why not affected, or what mitigates it.
    pub(super) mitigation: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct TrackerStats {
    pub(super) first: Option<String>,
    pub(super) last: Option<String>,
    pub(super) published: usize,
    pub(super) affected: usize,
    pub(super) tba: usize,
    /// The share affected with two decimals and a point; each language
    /// writes it with its own decimal separator (`Speaker::decimal`).
    pub(super) percent: String,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct TrackerView {
    pub(super) rows: Vec<TrackerRow>,
    pub(super) stats: TrackerStats,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct KeyView {
    pub(super) file: String,
    pub(super) href: String,
    pub(super) fingerprint: Option<String>,
    pub(super) user_ids: Vec<String>,
    pub(super) status: &'static str,
    pub(super) trusted: bool,
    pub(super) certified: bool,
    pub(super) retired: bool,
    pub(super) revoked: bool,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct KeyGroup {
    pub(super) role: String,
    pub(super) keys: Vec<KeyView>,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct MemberView {
    pub(super) name: String,
    pub(super) role: String,
    pub(super) signer: String,
}

/// Everything language-independent the pages show.
pub(super) struct Data {
    /// Where the content pages' own site puts the security centre.
    pub(super) mount: Mount,
    /// Every file the site publishes (generated and content pages, copies of
    /// pack files below `pack/`), for links of mounted pages.
    pub(super) published: BTreeSet<String>,
    pub(super) project: String,
    pub(super) team_name: String,
    pub(super) upstream: String,
    pub(super) upstream_prefix: String,
    pub(super) trust: TrustView,
    pub(super) bulletins: Vec<DocView>,
    pub(super) canaries: Vec<DocView>,
    pub(super) digests: Vec<DigestView>,
    pub(super) audit: AuditReport,
    pub(super) tracker: Option<TrackerView>,
    pub(super) key_groups: Vec<KeyGroup>,
    pub(super) current: Vec<MemberView>,
    pub(super) emeritus: Vec<MemberView>,
    /// How to write to the team (`project.contact`), when usable.
    pub(super) contact: Option<ContactView>,
    pub(super) master_file: String,
    pub(super) team_keys: String,
    pub(super) example_doc: String,
    pub(super) example_sig: String,
}
