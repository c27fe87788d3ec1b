//! Each CSAF document the tree lists: it can be read (where it is listed),
//! is valid against the CSAF schema (§7.1.1), has the file name its
//! tracking id gives (§7.1.2), sits in the folder of its TLP label
//! (§7.1.4; TLP:AMBER and TLP:RED are never public, §7.1.5) and of the year
//! of its initial release (§7.1.11), matches the time `changes.csv` gives
//! (§7.1.13) and the feed's label (§7.1.15), has `.sha256`/`.sha512` files
//! that match (§7.1.18) and, from a trusted provider, an armoured signature
//! by a listed key (§7.1.19).

use std::collections::BTreeMap;

use crate::digest::hashing::{sha256_hex, sha512_hex};
use chrono::{DateTime, Datelike, FixedOffset};
use serde_json::Value;

use super::fetch::{FetchFailure, Source};
use super::metadata::Metadata;
use super::openpgp;
use super::schema::{self, Schema};
use super::Findings;

/// Where a document was listed.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// The directory (with a final `/`) whose index or changes list it.
    pub directory: Option<String>,
    /// `index.txt` lists it.
    pub in_index: bool,
    /// `changes.csv` lists it, with this time.
    pub changed: Option<DateTime<FixedOffset>>,
    /// A feed lists it: the feed's URL.
    pub feed_url: Option<String>,
    /// The TLP label of that feed.
    pub feed_label: Option<String>,
    /// The feed's entry links its signature.
    pub signature_linked: bool,
}

/// TLP labels, from the most to the least shareable.
const TLP_ORDER: &[&str] = &["WHITE", "GREEN", "AMBER", "RED"];

/// The folder names a TLP label may have: its name in lower case (and
/// `clear`, the TLP 2.0 name of WHITE).
fn tlp_of_folder(folder: &str) -> Option<&'static str> {
    match folder {
        "white" | "clear" => Some("WHITE"),
        "green" => Some("GREEN"),
        "amber" => Some("AMBER"),
        "red" => Some("RED"),
        "unlabeled" => Some("UNLABELED"),
        _ => None,
    }
}

/// Whether `name` is a conforming CSAF file name (§5.1): lower-case
/// letters, digits, `+`, `-` and `_`, then `.json`.
pub fn conforming_file_name(name: &str) -> bool {
    name.strip_suffix(".json").is_some_and(|stem| {
        !stem.is_empty()
            && stem
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-_".contains(c))
    })
}

/// Checks every listed document.
pub fn check_all(
    source: &Source,
    meta: &Metadata,
    listed: &BTreeMap<String, Listing>,
    findings: &mut Findings,
) {
    for (url, listing) in listed {
        check_one(source, meta, url, listing, findings);
    }
}

fn check_one(
    source: &Source,
    meta: &Metadata,
    url: &str,
    listing: &Listing,
    findings: &mut Findings,
) {
    let file_name = url.rsplit('/').next().unwrap_or(url);
    if !conforming_file_name(file_name) {
        findings.error(
            "filename",
            2,
            url,
            format!("{file_name:?} is not a CSAF file name (lower-case letters, digits, +, - and _, then .json)"),
        );
    }
    let missing_code = if listing.in_index {
        "index-entry-missing"
    } else if listing.changed.is_some() {
        "changes-entry-missing"
    } else {
        "feed-entry-missing"
    };
    let Some(bytes) = source.fetch(url, findings, missing_code, 1, "the listed document") else {
        return;
    };
    let doc: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            findings.error(
                "document-not-json",
                1,
                url,
                format!("not a JSON document: {e}"),
            );
            return;
        }
    };
    for e in schema::errors(Schema::Csaf, &doc, 5) {
        findings.error(
            "document-schema",
            1,
            url,
            format!("not valid against the CSAF schema: {e}"),
        );
    }
    let tracking = &doc["document"]["tracking"];
    if let Some(id) = tracking["id"].as_str() {
        let expected = crate::export::csaf::file_name_for(id);
        if expected != file_name {
            findings.error(
                "filename",
                2,
                url,
                format!(
                    "the tracking id {id:?} gives the file name {expected:?}, not {file_name:?}"
                ),
            );
        }
    }
    if meta.namespace.is_some()
        && doc["document"]["publisher"]["namespace"].as_str() != meta.namespace.as_deref()
    {
        findings.warn(
            "publisher-mismatch",
            7,
            url,
            format!(
                "the publisher namespace {} is not the provider's {:?}",
                doc["document"]["publisher"]["namespace"],
                meta.namespace.as_deref().unwrap_or_default()
            ),
        );
    }
    check_folders(url, listing, &doc, findings);
    if let (Some(listed), Some(current)) = (
        listing.changed,
        tracking["current_release_date"]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok()),
    ) {
        if listed != current {
            findings.error(
                "changes-date-mismatch",
                13,
                url,
                format!(
                    "changes.csv gives {listed}, the document's current_release_date is {current}"
                ),
            );
        }
    }
    check_hashes(source, url, file_name, &bytes, findings);
    check_signature(source, meta, url, listing, &bytes, findings);
}

/// TLP folder, feed label and year folder.
fn check_folders(url: &str, listing: &Listing, doc: &Value, findings: &mut Findings) {
    let label = doc["document"]["distribution"]["tlp"]["label"]
        .as_str()
        .unwrap_or("UNLABELED");
    if matches!(label, "AMBER" | "RED") {
        findings.error(
            "tlp-not-protected",
            5,
            url,
            format!("a TLP:{label} document is readable without authentication"),
        );
    }
    // The folders above the file name: `<tlp>/<year>/<name>`.
    let mut up = url.rsplit('/').skip(1);
    let year_folder = up.next().unwrap_or_default();
    let tlp_folder = up.next().unwrap_or_default();
    match tlp_of_folder(tlp_folder) {
        Some(folder_label) if folder_label != label => findings.error(
            "tlp-folder",
            4,
            url,
            format!("a TLP:{label} document in the {tlp_folder}/ folder (TLP:{folder_label})"),
        ),
        Some(_) => {}
        None => findings.warn(
            "tlp-folder",
            4,
            url,
            format!(
                "not in a folder named by its TLP label ({}/)",
                label.to_ascii_lowercase()
            ),
        ),
    }
    if let Some(feed_label) = &listing.feed_label {
        let rank = |l: &str| TLP_ORDER.iter().position(|x| *x == l);
        if let (Some(doc_rank), Some(feed_rank)) = (rank(label), rank(feed_label)) {
            if doc_rank > feed_rank {
                findings.error(
                    "feed-tlp",
                    15,
                    url,
                    format!("a TLP:{label} document in a TLP:{feed_label} feed"),
                );
            }
        }
    }
    let initial = doc["document"]["tracking"]["initial_release_date"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok());
    if let Some(initial) = initial {
        let year = initial.with_timezone(&chrono::Utc).year();
        if year_folder != year.to_string() {
            findings.error(
                "folder-year",
                11,
                url,
                format!("first released in {year}, but in the folder {year_folder:?}; documents go in the folder of their initial release year"),
            );
        }
    }
}

/// `.sha256` and `.sha512` beside the document.
fn check_hashes(
    source: &Source,
    url: &str,
    file_name: &str,
    bytes: &[u8],
    findings: &mut Findings,
) {
    let mut found = 0;
    for (ext, digest) in [("sha256", sha256_hex(bytes)), ("sha512", sha512_hex(bytes))] {
        let hash_url = format!("{url}.{ext}");
        source.check_tls(&hash_url, findings);
        let text = match source.get(&hash_url) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(FetchFailure::NotFound) => continue,
            Err(e) => {
                super::fetch::report_failure(
                    findings,
                    &hash_url,
                    &e,
                    "hash-missing",
                    18,
                    "the hash file",
                );
                continue;
            }
        };
        found += 1;
        match parse_hash_file(&text) {
            None => findings.error(
                "hash-unreadable",
                18,
                &hash_url,
                "no hexadecimal hash at the start of the file",
            ),
            Some((hash, name)) => {
                if !hash.eq_ignore_ascii_case(&digest) {
                    findings.error(
                        "hash-mismatch",
                        18,
                        &hash_url,
                        format!("the {ext} of the document is {digest}, the file says {hash}"),
                    );
                }
                if let Some(name) = name.filter(|n| *n != file_name) {
                    findings.warn(
                        "hash-file-name",
                        18,
                        &hash_url,
                        format!("names the file {name:?}, not {file_name:?}"),
                    );
                }
            }
        }
    }
    if found == 0 {
        findings.error(
            "hash-missing",
            18,
            url,
            "neither a .sha256 nor a .sha512 file beside the document",
        );
    }
}

/// `<hex>` or `<hex>  <file name>` (the `sha256sum` format; a `*` before
/// the name marks binary mode): the hash and the name.
pub fn parse_hash_file(text: &str) -> Option<(&str, Option<&str>)> {
    let line = text.lines().next()?.trim();
    let (hash, rest) = match line.split_once(char::is_whitespace) {
        Some((h, r)) => (h, Some(r.trim().trim_start_matches('*'))),
        None => (line, None),
    };
    let ok = matches!(hash.len(), 64 | 128) && hash.chars().all(|c| c.is_ascii_hexdigit());
    ok.then_some((hash, rest.filter(|r| !r.is_empty())))
}

/// `.asc` beside the document: required from a trusted provider.
fn check_signature(
    source: &Source,
    meta: &Metadata,
    url: &str,
    listing: &Listing,
    bytes: &[u8],
    findings: &mut Findings,
) {
    let sig_url = format!("{url}.asc");
    source.check_tls(&sig_url, findings);
    match source.get(&sig_url) {
        Ok(sig) => {
            openpgp::report(
                openpgp::check_detached(&meta.keys, bytes, &sig),
                &sig_url,
                19,
                findings,
            );
            if listing.feed_url.is_some() && !listing.signature_linked {
                findings.warn(
                    "feed-entry-links",
                    15,
                    url,
                    "its feed entry does not link the signature (rel \"signature\")",
                );
            }
        }
        Err(FetchFailure::NotFound) if meta.trusted() => findings.error(
            "signature-missing",
            19,
            &sig_url,
            "a trusted provider signs every document; this one has no .asc signature",
        ),
        Err(FetchFailure::NotFound) => {}
        Err(e) => super::fetch::report_failure(
            findings,
            &sig_url,
            &e,
            "signature-missing",
            19,
            "the signature",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        assert!(conforming_file_name("dsb-100-2024.json"));
        assert!(conforming_file_name("a_b+c.json"));
        for bad in ["DSB-1.json", "a b.json", ".json", "a.JSON", "a.json.txt"] {
            assert!(!conforming_file_name(bad), "{bad}");
        }
    }

    #[test]
    fn hash_files() {
        let h = "a".repeat(64);
        assert_eq!(
            parse_hash_file(&format!("{h}  x.json\n")),
            Some((h.as_str(), Some("x.json")))
        );
        assert_eq!(
            parse_hash_file(&format!("{h} *x.json")),
            Some((h.as_str(), Some("x.json")))
        );
        assert_eq!(parse_hash_file(&h), Some((h.as_str(), None)));
        assert_eq!(parse_hash_file("zz  x.json"), None);
        assert_eq!(parse_hash_file(""), None);
    }
}
