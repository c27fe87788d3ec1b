//! OSV records (<https://ossf.github.io/osv-schema/>), one per bulletin.
//!
//! The record's id is `export.osv_id_prefix` + the bulletin id (`x_QSB-100-2024`
//! by default: the OSV schema accepts only registered database prefixes and
//! `x_` for the others). Upstream advisories the bulletin is about and its
//! CVEs are aliases; upstream advisories it only mentions are related.

use serde::Serialize;

use super::{bulletin_url, day_timestamp, json_bytes, upstream_id, OutputFile, PackBulletin};
use crate::bulletin::{PatchedPackage, Reference};
use crate::config::PackConfig;

/// The OSV schema version the records follow.
pub const OSV_SCHEMA_VERSION: &str = "1.6.0";

/// An OSV record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OsvRecord {
    /// Schema version.
    pub schema_version: &'static str,
    /// Record identifier.
    pub id: String,
    /// Last revision (RFC 3339, UTC).
    pub modified: String,
    /// First issue (RFC 3339, UTC).
    pub published: String,
    /// Identifiers of the same issue elsewhere.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Identifiers of related issues.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// One-line summary: the title.
    pub summary: String,
    /// Longer text.
    pub details: String,
    /// CVSS scores.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<OsvSeverity>,
    /// Links.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<OsvReference>,
    /// Facts OSV has no field for.
    pub database_specific: OsvDatabaseSpecific,
}

/// An OSV severity entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OsvSeverity {
    /// `CVSS_V3`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The vector.
    pub score: String,
}

/// An OSV reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OsvReference {
    /// `ADVISORY` for the bulletin itself, `WEB` for what it cites.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The URL.
    pub url: String,
}

/// Bulletin facts OSV has no field for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OsvDatabaseSpecific {
    /// The bulletin identifier (`QSB-100-2024`).
    pub bulletin_id: String,
    /// Pack-relative path of the bulletin text.
    pub source: String,
    /// Patched package versions (these are not packages of an OSV ecosystem).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub patched_packages: Vec<PatchedPackage>,
    /// The weakness, `CWE-NNN`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwe_ids: Option<Vec<String>>,
}

/// The OSV record of a bulletin.
pub fn osv_record(b: &PackBulletin, config: &PackConfig) -> OsvRecord {
    let bul = &b.bulletin;
    let aliases = bul
        .upstream_advisories
        .iter()
        .map(|n| upstream_id(config, *n))
        .chain(bul.cves.iter().cloned())
        .chain(bul.aliases.iter().cloned())
        .fold(Vec::new(), push_unique);
    let related = bul
        .related_advisories
        .iter()
        .map(|n| upstream_id(config, *n))
        .collect();
    let mut references: Vec<OsvReference> = bulletin_url(config, b)
        .map(|url| OsvReference {
            kind: "ADVISORY",
            url,
        })
        .into_iter()
        .collect();
    for Reference { url, .. } in &bul.references {
        if !references.iter().any(|r| &r.url == url) {
            references.push(OsvReference {
                kind: "WEB",
                url: url.clone(),
            });
        }
    }
    OsvRecord {
        schema_version: OSV_SCHEMA_VERSION,
        id: osv_id(config, b),
        modified: day_timestamp(b.modified),
        published: day_timestamp(b.published),
        aliases,
        related,
        summary: b.title.clone(),
        details: if bul.details.is_empty() {
            b.title.clone()
        } else {
            bul.details.clone()
        },
        severity: bul
            .cvss_v3
            .iter()
            .map(|v| OsvSeverity {
                kind: "CVSS_V3",
                score: v.clone(),
            })
            .collect(),
        references,
        database_specific: OsvDatabaseSpecific {
            bulletin_id: b.id.clone(),
            source: b.path.clone(),
            patched_packages: bul.packages.clone(),
            cwe_ids: bul.cwe.as_ref().map(|c| vec![c.id.clone()]),
        },
    }
}

/// The OSV id of a bulletin.
pub fn osv_id(config: &PackConfig, b: &PackBulletin) -> String {
    format!("{}{}", config.export.osv_id_prefix, b.id)
}

/// One `<id>.json` file per bulletin.
pub fn osv_files(
    bulletins: &[PackBulletin],
    config: &PackConfig,
) -> anyhow::Result<Vec<OutputFile>> {
    bulletins
        .iter()
        .map(|b| {
            let record = osv_record(b, config);
            anyhow::ensure!(
                !record.id.is_empty()
                    && record.id.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                    && !record.id.starts_with('.'),
                "OSV id {:?} is not usable as a file name (check export.osv_id_prefix and project.bulletin_id_prefix)",
                record.id
            );
            Ok(OutputFile {
                path: format!("{}.json", record.id),
                contents: json_bytes(&record)?,
            })
        })
        .collect()
}

fn push_unique(mut v: Vec<String>, s: String) -> Vec<String> {
    if !v.contains(&s) {
        v.push(s);
    }
    v
}
