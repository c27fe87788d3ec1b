//! OSV records (<https://ossf.github.io/osv-schema/>), one per bulletin,
//! laid out as OSV.dev's REST data source reads them.
//!
//! The record's id is `export.osv_prefix` + the bulletin id (`x_QSB-100-2024`
//! by default: the OSV schema accepts only registered database prefixes and
//! `x_` for the others). Upstream advisories the bulletin is about and its
//! CVEs are aliases and `upstream` (the issues it derives from); upstream
//! advisories it only mentions are related. `published`, `modified` and
//! `withdrawn` come from the bulletin's lifecycle
//! ([`crate::bulletin::lifecycle`]), never from the time of the export.
//!
//! [`osv_files`] writes `<id>.json` per record, `all.json` (every record's
//! `id` and `modified`, the list a REST source serves) and `all.zip` (every
//! record, as OSV.dev's own exports are bundled): byte for byte the same
//! from the same pack.

use serde::Serialize;

use super::{
    bulletin_url, json_bytes, timestamp, upstream_id, ExportError, OutputFile, PackBulletin,
};
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
    /// When the bulletin was withdrawn (RFC 3339, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    /// Identifiers of the same issue elsewhere.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Identifiers of related issues.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// Identifiers of the issues this one derives from: the upstream
    /// advisories and their CVEs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub upstream: Vec<String>,
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
    /// Why the bulletin was withdrawn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn_reason: Option<String>,
    /// Where the dates come from: `git` or `sidecar`.
    pub dates_from: crate::bulletin::lifecycle::DatesFrom,
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
    let upstream = bul
        .upstream_advisories
        .iter()
        .map(|n| upstream_id(config, *n))
        .chain(bul.cves.iter().cloned())
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
        modified: timestamp(b.lifecycle.modified),
        published: timestamp(b.lifecycle.published),
        withdrawn: b.lifecycle.withdrawn.as_ref().map(|w| timestamp(w.date)),
        aliases,
        related,
        upstream,
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
            withdrawn_reason: b.lifecycle.withdrawn.as_ref().map(|w| w.reason.clone()),
            dates_from: b.lifecycle.dates_from,
        },
    }
}

/// The OSV id of a bulletin.
pub fn osv_id(config: &PackConfig, b: &PackBulletin) -> String {
    format!("{}{}", config.export.osv_prefix, b.id)
}

/// The file listing every record: `all.json`.
pub const ALL_JSON: &str = "all.json";
/// The archive of every record: `all.zip`.
pub const ALL_ZIP: &str = "all.zip";

/// An entry of `all.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ListEntry {
    /// The record id.
    pub id: String,
    /// Its `modified` timestamp.
    pub modified: String,
}

/// One `<id>.json` file per bulletin, then `all.json` and `all.zip`, in id
/// order.
pub fn osv_files(
    bulletins: &[PackBulletin],
    config: &PackConfig,
) -> Result<Vec<OutputFile>, ExportError> {
    let mut records = record_files(bulletins, config)?;
    records.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    if let Some(w) = records.windows(2).find(|w| w[0].0.id == w[1].0.id) {
        return Err(ExportError::BadName(format!(
            "two bulletins have the OSV id {}",
            w[0].0.id
        )));
    }
    let list: Vec<ListEntry> = records
        .iter()
        .map(|(r, _)| ListEntry {
            id: r.id.clone(),
            modified: r.modified.clone(),
        })
        .collect();
    let zip = zip_records(records.iter().map(|(_, f)| f))?;
    let mut files: Vec<OutputFile> = records.into_iter().map(|(_, f)| f).collect();
    files.push(OutputFile {
        path: ALL_JSON.into(),
        contents: json_bytes(&list)?,
    });
    files.push(OutputFile {
        path: ALL_ZIP.into(),
        contents: zip,
    });
    Ok(files)
}

/// A zip archive of `files` at its root, in the given order, every entry
/// dated 1980-01-01 00:00 (the archive's epoch) with mode 0644: the same
/// records give the same bytes.
fn zip_records<'a>(files: impl Iterator<Item = &'a OutputFile>) -> Result<Vec<u8>, ExportError> {
    use std::io::Write;
    let failed = |e: &dyn std::fmt::Display| ExportError::Encoding {
        what: "all.zip",
        reason: e.to_string(),
    };
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    for f in files {
        zip.start_file(f.path.as_str(), options)
            .map_err(|e| failed(&e))?;
        zip.write_all(&f.contents).map_err(|e| failed(&e))?;
    }
    Ok(zip.finish().map_err(|e| failed(&e))?.into_inner())
}

/// Each bulletin's record and its `<id>.json` file.
fn record_files(
    bulletins: &[PackBulletin],
    config: &PackConfig,
) -> Result<Vec<(OsvRecord, OutputFile)>, ExportError> {
    bulletins
        .iter()
        .map(|b| {
            let record = osv_record(b, config);
            let usable = !record.id.is_empty()
                && record.id.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                && !record.id.starts_with('.');
            if !usable {
                return Err(ExportError::BadName(format!(
                    "OSV id {:?} is not usable as a file name (check export.osv_prefix and project.bulletin_id_prefix)",
                    record.id
                )));
            }
            if record.id == "all" {
                return Err(ExportError::BadName(
                    "OSV id \"all\" would clash with all.json".into(),
                ));
            }
            let file = OutputFile {
                path: format!("{}.json", record.id),
                contents: json_bytes(&record)?,
            };
            Ok((record, file))
        })
        .collect()
}

fn push_unique(mut v: Vec<String>, s: String) -> Vec<String> {
    if !v.contains(&s) {
        v.push(s);
    }
    v
}
