//! CSAF 2.0 `csaf_security_advisory` documents, one per bulletin.
//!
//! The product tree names the project as vendor and each patched package
//! version as a product (under its release when the bulletin says which);
//! those products are `fixed`, with a `vendor_fix` remediation. A bulletin
//! without package versions marks the project itself `known_affected`, the
//! remedy being the bulletin. One vulnerability is written per CVE; without
//! CVEs, one vulnerability carries the upstream advisory identifiers.
//!
//! Documents are labelled TLP:WHITE (bulletins are public) and satisfy the
//! profile's mandatory rules beyond the schema: product tree, product status
//! and notes in every vulnerability, a consecutive revision history whose last
//! number is the document version, and file names derived from the
//! tracking id (CSAF 2.0 §5.1).
//!
//! The dates are the bulletin's lifecycle ([`crate::bulletin::lifecycle`]):
//! the revision history lists the first issue, then each revision with its
//! date (a commit's, when the pack is a git repository) and summary. CSAF
//! 2.0 has no withdrawn status: a withdrawn bulletin's document keeps the
//! status `final`, its last revision says `Withdrawn: <reason>`, and a
//! `general` note titled `Withdrawn` says when and why.

use serde_json::{json, Value};

use super::{bulletin_url, timestamp, upstream_id, ExportError, PackBulletin};
use crate::bulletin::sidecar::{is_web_url, parse_cvss_v3};
use crate::config::PackConfig;

/// Where and by whom the CSAF documents are published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsafSettings {
    /// The https URL of the provider folder (`https://example.org/.well-known/csaf`),
    /// without a trailing slash.
    pub base_url: String,
    /// Publisher name (`Demo Project Security Team`).
    pub publisher_name: String,
    /// Publisher namespace: the project's URL.
    pub publisher_namespace: String,
    /// Contact details of the publisher.
    pub contact: Option<String>,
    /// Vendor name in the product tree: the project's name.
    pub vendor: String,
}

/// The TLP label and folder of every document.
pub const TLP_LABEL: &str = "WHITE";
/// The folder of TLP:WHITE documents below the provider folder.
pub const TLP_FOLDER: &str = "white";

impl CsafSettings {
    /// Settings from the pack configuration. The base URL is `base_url` when
    /// given, else `export.csaf_base_url`, else `/.well-known/csaf` at the
    /// origin of `project.url` (RFC 8615 and CSAF 2.0 §7.1.9 put
    /// `.well-known` at the origin's root, whatever path the project's pages
    /// live under); it must be an https URL.
    pub fn from_config(config: &PackConfig, base_url: Option<&str>) -> Result<Self, ExportError> {
        let project = &config.project;
        let base = base_url
            .map(str::to_string)
            .or_else(|| config.export.csaf_base_url.clone())
            .or_else(|| {
                let url = project.url.as_deref()?;
                let origin = crate::http::origin(url).unwrap_or(url.trim_end_matches('/'));
                Some(format!("{origin}/.well-known/csaf"))
            })
            .ok_or_else(|| {
                ExportError::Settings(
                    "no CSAF base URL: give --base-url, or set export.csaf_base_url or project.url in secpack.toml".into(),
                )
            })?;
        let base = base.trim_end_matches('/').to_string();
        if !(base.starts_with("https://") && is_web_url(&base) && !base.contains(['?', '#'])) {
            return Err(ExportError::Settings(format!(
                "the CSAF base URL {base:?} must be an https URL without query or fragment"
            )));
        }
        let namespace = project.url.clone().unwrap_or_else(|| origin_of(&base));
        if !is_web_url(&namespace) {
            return Err(ExportError::Settings(format!(
                "project.url {namespace:?} must be an http(s) URL"
            )));
        }
        let publisher_name = if project.team_name.contains(&project.name) {
            project.team_name.clone()
        } else {
            format!("{} {}", project.name, project.team_name)
        };
        Ok(Self {
            base_url: base,
            publisher_name,
            publisher_namespace: namespace,
            contact: project.contact.clone(),
            vendor: project.name.clone(),
        })
    }

    /// The `publisher` object of documents and provider metadata.
    pub fn publisher(&self) -> Value {
        let mut p = json!({
            "category": "vendor",
            "name": self.publisher_name,
            "namespace": self.publisher_namespace,
        });
        if let Some(c) = &self.contact {
            p["contact_details"] = json!(c);
        }
        p
    }
}

/// `https://host` of `https://host/path`.
fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    let host = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{host}")
}

/// The file name of a document with tracking id `id` (CSAF 2.0 §5.1): lower
/// case, every character other than `+`, `-`, `a-z`, `0-9` replaced by `_`.
pub fn file_name_for(id: &str) -> String {
    let stem: String = id
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '+' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{stem}.json")
}

/// Path of a bulletin's document below the provider folder:
/// `white/<year of first issue>/<file name>`.
pub fn document_path(b: &PackBulletin) -> String {
    format!(
        "{TLP_FOLDER}/{}/{}",
        b.published.format("%Y"),
        file_name_for(&b.id)
    )
}

/// The CSAF document of a bulletin.
pub fn csaf_document(
    b: &PackBulletin,
    config: &PackConfig,
    settings: &CsafSettings,
) -> Result<Value, ExportError> {
    let bul = &b.bulletin;
    let (product_tree, product_ids, fixed) = product_tree(b, settings);
    let self_url = format!("{}/{}", settings.base_url, document_path(b));

    let mut references = vec![json!({
        "category": "self",
        "summary": "This document",
        "url": self_url,
    })];
    if let Some(url) = bulletin_url(config, b) {
        references.push(json!({
            "category": "external",
            "summary": format!("The bulletin {} as published", b.id),
            "url": url,
        }));
    }
    for r in &bul.references {
        let summary = match &r.label {
            Some(l) => format!("Reference [{l}] of the bulletin"),
            None => "Cited by the bulletin".to_string(),
        };
        references.push(json!({ "category": "external", "summary": summary, "url": r.url }));
    }

    let summary_text = bul.summary.clone().unwrap_or_else(|| b.title.clone());
    let mut notes = vec![json!({
        "category": "summary",
        "title": "Summary",
        "text": summary_text,
    })];
    if !bul.details.is_empty() {
        notes.push(json!({
            "category": "details",
            "title": "Bulletin text",
            "text": bul.details,
        }));
    }

    let life = &b.lifecycle;
    let mut revisions = vec![json!({
        "date": timestamp(life.published),
        "number": "1",
        "summary": "Initial release.",
    })];
    for (i, r) in life.revisions.iter().enumerate() {
        revisions.push(json!({
            "date": timestamp(r.date),
            "number": (i + 2).to_string(),
            "summary": r.summary,
        }));
    }
    if let Some(w) = &life.withdrawn {
        notes.push(json!({
            "category": "general",
            "title": "Withdrawn",
            "text": format!("This advisory was withdrawn on {}: {}", w.date.format("%Y-%m-%d"), w.reason),
        }));
    }
    let version = revisions.len().to_string();

    let status_key = if fixed { "fixed" } else { "known_affected" };
    let remediation_details = if fixed {
        "Install the fixed package versions listed for your release, or later ones.".to_string()
    } else {
        format!("Follow the instructions of the bulletin {}.", b.id)
    };
    let mut remediation = json!({
        "category": "vendor_fix",
        "details": remediation_details,
        "product_ids": product_ids,
    });
    if let Some(url) = bulletin_url(config, b) {
        remediation["url"] = json!(url);
    }
    let scores = match &bul.cvss_v3 {
        Some(v) => vec![json!({ "products": product_ids, "cvss_v3": cvss_v3_object(v)? })],
        None => Vec::new(),
    };

    let mut ids = vec![json!({
        "system_name": format!("{} Security Bulletin", config.project.name),
        "text": b.id,
    })];
    let vulnerability = |cve: Option<&str>, ids: &[Value]| {
        let mut v = json!({
            "title": b.title,
            "ids": ids,
            "notes": [{ "category": "description", "title": "Summary", "text": summary_text }],
            "product_status": { status_key: product_ids },
            "remediations": [remediation.clone()],
            "release_date": timestamp(b.lifecycle.published),
        });
        if let Some(c) = cve {
            v["cve"] = json!(c);
        }
        if let Some(cwe) = &bul.cwe {
            v["cwe"] = json!({ "id": cwe.id, "name": cwe.name });
        }
        if !scores.is_empty() {
            v["scores"] = json!(scores);
        }
        v
    };
    // The upstream advisories and aliases name the vulnerabilities whether or
    // not they also have CVE numbers.
    ids.extend(bul.upstream_advisories.iter().map(|n| {
        json!({
            "system_name": format!("{} Security Advisory", config.project.upstream_name),
            "text": upstream_id(config, *n),
        })
    }));
    ids.extend(
        bul.aliases
            .iter()
            .filter(|a| !bul.cves.contains(a))
            .map(|a| json!({ "system_name": "Alias", "text": a })),
    );
    let vulnerabilities: Vec<Value> = if bul.cves.is_empty() {
        vec![vulnerability(None, &ids)]
    } else {
        bul.cves
            .iter()
            .map(|c| vulnerability(Some(c), &ids))
            .collect()
    };

    Ok(json!({
        "document": {
            "category": "csaf_security_advisory",
            "csaf_version": "2.0",
            "distribution": { "tlp": { "label": TLP_LABEL, "url": "https://www.first.org/tlp/" } },
            "lang": "en",
            "notes": notes,
            "publisher": settings.publisher(),
            "references": references,
            "title": b.title,
            "tracking": {
                "current_release_date": timestamp(life.modified),
                "generator": { "engine": { "name": "secpack", "version": env!("CARGO_PKG_VERSION") } },
                "id": b.id,
                "initial_release_date": timestamp(life.published),
                "revision_history": revisions,
                "status": "final",
                "version": version,
            },
        },
        "product_tree": product_tree,
        "vulnerabilities": vulnerabilities,
    }))
}

/// A package name and the branches of its fixed versions.
type NameBranch = (String, Vec<Value>);

/// The product tree, every product id, and whether the products are fixed
/// package versions (else the project itself, known affected).
fn product_tree(b: &PackBulletin, settings: &CsafSettings) -> (Value, Vec<String>, bool) {
    let packages = &b.bulletin.packages;
    if packages.is_empty() {
        let id = "CSAFPID-0001".to_string();
        let tree = json!({ "branches": [{
            "category": "vendor",
            "name": settings.vendor,
            "branches": [{
                "category": "product_name",
                "name": settings.vendor,
                "product": { "product_id": id, "name": settings.vendor },
            }],
        }]});
        return (tree, vec![id], false);
    }
    // Group by release (product family), then package name, then version.
    let mut families: Vec<(Option<String>, Vec<NameBranch>)> = Vec::new();
    let mut ids = Vec::new();
    for p in packages {
        let id = format!("CSAFPID-{:04}", ids.len() + 1);
        let mut full = format!("{} {} {}", settings.vendor, p.name, p.version);
        match (&p.release, &p.location) {
            (Some(r), Some(l)) => full.push_str(&format!(" ({r}, {l})")),
            (Some(r), None) => full.push_str(&format!(" ({r})")),
            (None, Some(l)) => full.push_str(&format!(" ({l})")),
            (None, None) => {}
        }
        let version_branch = json!({
            "category": "product_version",
            "name": p.version,
            "product": { "product_id": id, "name": full },
        });
        let fi = match families.iter().position(|f| f.0 == p.release) {
            Some(i) => i,
            None => {
                families.push((p.release.clone(), Vec::new()));
                families.len() - 1
            }
        };
        let names = &mut families[fi].1;
        match names.iter_mut().find(|n| n.0 == p.name) {
            Some(n) => n.1.push(version_branch),
            None => names.push((p.name.clone(), vec![version_branch])),
        }
        ids.push(id);
    }
    let vendor_children: Vec<Value> = families
        .into_iter()
        .flat_map(|(release, names)| {
            let name_branches: Vec<Value> = names
                .into_iter()
                .map(|(name, versions)| {
                    json!({
                        "category": "product_name",
                        "name": name,
                        "branches": versions,
                    })
                })
                .collect();
            match release {
                Some(r) => vec![
                    json!({ "category": "product_family", "name": r, "branches": name_branches }),
                ],
                None => name_branches,
            }
        })
        .collect();
    let tree = json!({ "branches": [{
        "category": "vendor",
        "name": settings.vendor,
        "branches": vendor_children,
    }]});
    (tree, ids, true)
}

/// The CSAF `cvss_v3` object of a vector: version, vector, base score and
/// severity, computed from the vector.
pub fn cvss_v3_object(vector: &str) -> Result<Value, ExportError> {
    let v = parse_cvss_v3(vector).map_err(|e| ExportError::Cvss(e.to_string()))?;
    let score = v.base_score();
    Ok(json!({
        "version": format!("3.{}", v.minor_version),
        "vectorString": vector,
        "baseScore": score.value(),
        "baseSeverity": score.severity().as_str().to_uppercase(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_follow_section_5_1() {
        assert_eq!(file_name_for("QSB-100-2024"), "qsb-100-2024.json");
        assert_eq!(
            file_name_for("Example Co - 2019:YH3234"),
            "example_co_-_2019_yh3234.json"
        );
        assert_eq!(file_name_for("a+b.c"), "a+b_c.json");
    }

    #[test]
    fn base_url_precedence_and_checks() {
        let mut c = PackConfig::default();
        let e = CsafSettings::from_config(&c, None).unwrap_err();
        assert!(e.to_string().contains("--base-url"));
        c.project.url = Some("https://demo.example".into());
        let s = CsafSettings::from_config(&c, None).unwrap();
        assert_eq!(s.base_url, "https://demo.example/.well-known/csaf");
        assert_eq!(s.publisher_namespace, "https://demo.example");
        // A project whose pages live under a path: .well-known at the root.
        c.project.url = Some("https://demo.example/security/".into());
        let s = CsafSettings::from_config(&c, None).unwrap();
        assert_eq!(s.base_url, "https://demo.example/.well-known/csaf");
        c.export.csaf_base_url = Some("https://cdn.example/csaf/".into());
        assert_eq!(
            CsafSettings::from_config(&c, None).unwrap().base_url,
            "https://cdn.example/csaf"
        );
        let s = CsafSettings::from_config(&c, Some("https://x.example/.well-known/csaf")).unwrap();
        assert_eq!(s.base_url, "https://x.example/.well-known/csaf");
        assert!(CsafSettings::from_config(&c, Some("http://x.example/csaf")).is_err());
        assert!(CsafSettings::from_config(&c, Some("https://x.example/a b")).is_err());
    }

    #[test]
    fn cvss_scores_are_computed_from_the_vector() {
        // Base score of AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H is 9.8 in CVSS 3.1
        // (FIRST's calculator); AV:L/AC:H/PR:H/UI:N/S:U/C:L/I:N/A:N is 1.9.
        let o = cvss_v3_object("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap();
        assert_eq!(o["baseScore"], json!(9.8));
        assert_eq!(o["baseSeverity"], "CRITICAL");
        assert_eq!(o["version"], "3.1");
        let o = cvss_v3_object("CVSS:3.0/AV:L/AC:H/PR:H/UI:N/S:U/C:L/I:N/A:N").unwrap();
        assert_eq!(o["baseScore"], json!(1.9));
        assert_eq!(o["baseSeverity"], "LOW");
        assert_eq!(o["version"], "3.0");
        assert!(cvss_v3_object("CVSS:2.0/AV:N").is_err());
    }
}
