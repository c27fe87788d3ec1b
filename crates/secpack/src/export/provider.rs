//! The CSAF trusted provider layout (CSAF 2.0 §7.1).
//!
//! Below the output folder, everything lives at `.well-known/csaf/`:
//!
//! ```text
//! .well-known/csaf/provider-metadata.json (+ .asc)
//! .well-known/csaf/feed-tlp-white.json          ROLIE feed
//! .well-known/csaf/category-white.json          ROLIE category document
//! .well-known/csaf/service.json                 ROLIE service document
//! .well-known/csaf/openpgp/<FINGERPRINT>.asc    the signing certificate
//! .well-known/csaf/white/index.txt              every document path
//! .well-known/csaf/white/changes.csv            path, last change; newest first
//! .well-known/csaf/white/<year>/<id>.json       + .sha256, .sha512, .asc
//! security-txt-csaf.txt                         the `CSAF:` line for security.txt
//! ```
//!
//! Without a signing key the documents are hashed but not signed and the
//! role is `csaf_provider`; with one, every document and the provider
//! metadata get a detached signature and the role is `csaf_trusted_provider`.

use crate::digest::hashing::{sha256_hex, sha512_hex};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;

use super::csaf::{csaf_document, document_path, CsafSettings, TLP_FOLDER, TLP_LABEL};
use super::{json_bytes, timestamp, ExportError, OutputFile, PackBulletin};
use crate::config::PackConfig;
use crate::signing::{Framing, Signer};

/// Folder of the provider below the output folder.
pub const WELL_KNOWN: &str = ".well-known/csaf";
/// File name of the ROLIE feed.
pub const FEED_FILE: &str = "feed-tlp-white.json";
/// File name of the ROLIE category document of the feed (CSAF 2.0 §7.1.17:
/// `category-<tlp label>.json` beside the feed).
pub const CATEGORY_FILE: &str = "category-white.json";
/// File name of the ROLIE service document (CSAF 2.0 §7.1.16), beside
/// `provider-metadata.json`.
pub const SERVICE_FILE: &str = "service.json";
/// File holding the `CSAF:` line for security.txt, at the output root.
pub const SECURITY_TXT_SNIPPET: &str = "security-txt-csaf.txt";

/// Everything a provider publishes, built in memory.
#[derive(Debug, Clone)]
pub struct ProviderLayout {
    /// The files, relative to the output folder.
    pub files: Vec<OutputFile>,
    /// URL of `provider-metadata.json`.
    pub provider_metadata_url: String,
    /// The line to add to security.txt.
    pub security_txt_line: String,
    /// Paths (relative to the output folder) of the CSAF documents.
    pub documents: Vec<String>,
    /// Whether documents are signed (trusted provider).
    pub signed: bool,
}

/// Builds the provider layout for `bulletins`. `now` dates the provider
/// metadata and the feed.
pub fn build_provider(
    bulletins: &[PackBulletin],
    config: &PackConfig,
    settings: &CsafSettings,
    signer: Option<&Signer>,
    now: DateTime<Utc>,
) -> Result<ProviderLayout, ExportError> {
    let base = &settings.base_url;
    let now_text = now.to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut files = Vec::new();
    let mut documents = Vec::new();
    let mut entries = Vec::new();
    let mut changes: Vec<(String, String)> = Vec::new();
    let sign = |bytes: &[u8]| -> Result<Option<Vec<u8>>, ExportError> {
        Ok(signer
            .map(|k| k.sign(bytes, Framing::Detached).map(String::into_bytes))
            .transpose()?)
    };

    for b in bulletins {
        let doc = csaf_document(b, config, settings)?;
        let bytes = json_bytes(&doc)?;
        let rel = document_path(b);
        let in_tlp = rel
            .strip_prefix(&format!("{TLP_FOLDER}/"))
            .unwrap_or(&rel)
            .to_string();
        let file_name = rel.rsplit('/').next().unwrap_or(&rel).to_string();
        let path = format!("{WELL_KNOWN}/{rel}");
        let url = format!("{base}/{rel}");
        files.push(OutputFile {
            path: format!("{path}.sha256"),
            contents: hash_line(&sha256_hex(&bytes), &file_name),
        });
        files.push(OutputFile {
            path: format!("{path}.sha512"),
            contents: hash_line(&sha512_hex(&bytes), &file_name),
        });
        let mut links = vec![
            json!({ "rel": "self", "href": url }),
            json!({ "rel": "hash", "href": format!("{url}.sha256") }),
            json!({ "rel": "hash", "href": format!("{url}.sha512") }),
        ];
        if let Some(sig) = sign(&bytes)? {
            files.push(OutputFile {
                path: format!("{path}.asc"),
                contents: sig,
            });
            links.push(json!({ "rel": "signature", "href": format!("{url}.asc") }));
        }
        files.push(OutputFile {
            path: path.clone(),
            contents: bytes,
        });
        entries.push((
            timestamp(b.lifecycle.modified),
            json!({
                "id": b.id,
                "title": b.title,
                "link": links,
                "published": timestamp(b.lifecycle.published),
                "updated": timestamp(b.lifecycle.modified),
                "summary": { "content": b.bulletin.summary.clone().unwrap_or_else(|| b.title.clone()) },
                "content": { "type": "application/json", "src": url },
                "format": {
                    "schema": "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json",
                    "version": "2.0",
                },
            }),
        ));
        changes.push((in_tlp, timestamp(b.lifecycle.modified)));
        documents.push(path);
    }

    // index.txt: every path, sorted; changes.csv: newest change first.
    let mut index: Vec<&str> = changes.iter().map(|c| c.0.as_str()).collect();
    index.sort_unstable();
    files.push(OutputFile {
        path: format!("{WELL_KNOWN}/{TLP_FOLDER}/index.txt"),
        contents: index
            .iter()
            .map(|p| format!("{p}\n"))
            .collect::<String>()
            .into_bytes(),
    });
    changes.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    files.push(OutputFile {
        path: format!("{WELL_KNOWN}/{TLP_FOLDER}/changes.csv"),
        contents: changes
            .iter()
            .map(|(p, t)| format!("{},{}\n", csv_field(p), csv_field(t)))
            .collect::<String>()
            .into_bytes(),
    });

    entries.sort_by(|a, b| b.0.cmp(&a.0));
    let feed_url = format!("{base}/{FEED_FILE}");
    let csaf_category = json!({
        "scheme": "urn:ietf:params:rolie:category:information-type",
        "term": "csaf",
    });
    let feed_title = format!("{} CSAF feed (TLP:WHITE)", settings.publisher_name);
    files.push(OutputFile {
        path: format!("{WELL_KNOWN}/{CATEGORY_FILE}"),
        contents: json_bytes(&json!({ "categories": { "category": [csaf_category.clone()] } }))?,
    });
    files.push(OutputFile {
        path: format!("{WELL_KNOWN}/{SERVICE_FILE}"),
        contents: json_bytes(&json!({ "service": { "workspace": [{
            "title": format!("{} CSAF advisories", settings.publisher_name),
            "collection": [{
                "title": feed_title,
                "href": feed_url,
                "categories": { "category": [csaf_category] },
            }],
        }]}}))?,
    });
    let feed = json!({ "feed": {
        "id": format!("{}-csaf-feed-tlp-white", slug(&settings.vendor)),
        "title": feed_title,
        "link": [{ "rel": "self", "href": feed_url }],
        "category": [
            { "scheme": "urn:ietf:params:rolie:category:information-type", "term": "csaf" }
        ],
        "updated": now_text,
        "entry": entries.into_iter().map(|e| e.1).collect::<Vec<_>>(),
    }});
    files.push(OutputFile {
        path: format!("{WELL_KNOWN}/{FEED_FILE}"),
        contents: json_bytes(&feed)?,
    });

    let provider_metadata_url = format!("{base}/provider-metadata.json");
    let mut metadata = json!({
        "canonical_url": provider_metadata_url,
        "distributions": [{
            "directory_url": format!("{base}/{TLP_FOLDER}/"),
            "rolie": { "feeds": [{
                "summary": format!("All TLP:WHITE advisories of {}.", settings.publisher_name),
                "tlp_label": TLP_LABEL,
                "url": feed_url,
            }]},
        }],
        "last_updated": now_text,
        "list_on_CSAF_aggregators": true,
        "metadata_version": "2.0",
        "mirror_on_CSAF_aggregators": true,
        "publisher": settings.publisher(),
        "role": if signer.is_some() { "csaf_trusted_provider" } else { "csaf_provider" },
    });
    if let Some(k) = signer {
        let fpr = k.cert_fingerprint();
        let key_rel = format!("openpgp/{fpr}.asc");
        metadata["public_openpgp_keys"] = json!([{
            "fingerprint": fpr,
            "url": format!("{base}/{key_rel}"),
        }]);
        files.push(OutputFile {
            path: format!("{WELL_KNOWN}/{key_rel}"),
            contents: k.public_cert_armored()?.into_bytes(),
        });
    }
    let metadata_bytes = json_bytes(&metadata)?;
    if let Some(sig) = sign(&metadata_bytes)? {
        files.push(OutputFile {
            path: format!("{WELL_KNOWN}/provider-metadata.json.asc"),
            contents: sig,
        });
    }
    files.push(OutputFile {
        path: format!("{WELL_KNOWN}/provider-metadata.json"),
        contents: metadata_bytes,
    });
    let security_txt_line = format!("CSAF: {provider_metadata_url}");
    files.push(OutputFile {
        path: SECURITY_TXT_SNIPPET.to_string(),
        contents: format!("{security_txt_line}\n").into_bytes(),
    });
    Ok(ProviderLayout {
        files,
        provider_metadata_url,
        security_txt_line,
        documents,
        signed: signer.is_some(),
    })
}

/// A `sha256sum`-style line: `<hex>  <file name>`.
fn hash_line(hex: &str, file_name: &str) -> Vec<u8> {
    format!("{hex}  {file_name}\n").into_bytes()
}

/// A CSV field, always quoted, quotes doubled.
fn csv_field(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Lower-case letters and digits, other runs turned into one `-`.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(csv_field("a\"b"), "\"a\"\"b\"");
        assert_eq!(slug("Demo OS Project!"), "demo-os-project");
    }
}
