//! `provider-metadata.json` (CSAF 2.0 §7.1.7): valid against its schema,
//! published where its `canonical_url` says (at the well-known path,
//! §7.1.9), a known role, distributions to find documents in, and the
//! OpenPGP keys that sign them (§7.1.20), each at its URL with the
//! fingerprint given.

use sequoia_openpgp::Cert;
use serde_json::Value;

use super::fetch::{folder_of, Source};
use super::openpgp;
use super::schema::{self, Schema};
use super::Findings;

/// The three roles of CSAF 2.0 §7.2.
pub const ROLES: &[&str] = &["csaf_publisher", "csaf_provider", "csaf_trusted_provider"];

/// A ROLIE feed the metadata names.
#[derive(Debug, Clone)]
pub struct FeedRef {
    /// Its URL.
    pub url: String,
    /// Its `tlp_label` (`WHITE`, `GREEN`, ..., `UNLABELED`).
    pub tlp_label: String,
}

/// What the rest of the check needs from the provider metadata.
#[derive(Debug, Clone)]
pub struct Metadata {
    /// Where it was read (its URL over HTTP, its `canonical_url` for a folder).
    pub url: String,
    /// The folder holding it, with a final `/`.
    pub folder: String,
    /// `role`.
    pub role: String,
    /// The ROLIE feeds of every distribution.
    pub feeds: Vec<FeedRef>,
    /// The `directory_url` of every distribution, with a final `/`.
    pub directories: Vec<String>,
    /// The keys listed whose fingerprint matched, with their fingerprints.
    pub keys: Vec<Cert>,
    /// `publisher.namespace`.
    pub namespace: Option<String>,
}

impl Metadata {
    /// Whether the role promises signed documents.
    pub fn trusted(&self) -> bool {
        self.role == "csaf_trusted_provider"
    }
}

/// Reads and checks the provider metadata; `None` when it cannot be read
/// as JSON at all (nothing else can be checked then).
pub fn check(source: &Source, findings: &mut Findings) -> Option<Metadata> {
    let fetched_at = source.metadata_url();
    if source.is_http() {
        source.check_tls(&fetched_at, findings);
    }
    let bytes = match source.get_metadata() {
        Ok(b) => b,
        Err(e) => {
            super::fetch::report_failure(
                findings,
                &fetched_at,
                &e,
                "metadata-missing",
                7,
                "provider-metadata.json",
            );
            return None;
        }
    };
    let value: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            findings.error(
                "metadata-not-json",
                7,
                &fetched_at,
                format!("provider-metadata.json is not JSON: {e}"),
            );
            return None;
        }
    };
    for e in schema::errors(Schema::Provider, &value, 20) {
        findings.error(
            "metadata-schema",
            7,
            &fetched_at,
            format!("not valid against the provider metadata schema: {e}"),
        );
    }
    let canonical = value["canonical_url"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let url = if source.is_http() {
        if canonical != fetched_at {
            findings.error(
                "canonical-url-mismatch",
                7,
                &fetched_at,
                format!("canonical_url is {canonical:?}, not the URL it was fetched from"),
            );
        }
        fetched_at.clone()
    } else {
        source.set_base(&folder_of(&canonical));
        canonical.clone()
    };
    let well_known = crate::http::origin(&canonical)
        .map(|o| format!("{o}/.well-known/csaf/provider-metadata.json"));
    if well_known.as_deref() != Some(canonical.as_str()) {
        findings.warn(
            "not-well-known",
            9,
            &url,
            format!("canonical_url {canonical:?} is not at /.well-known/csaf/provider-metadata.json of its origin's root, where consumers look first"),
        );
    }
    source.check_tls(&canonical, findings);
    let role = value["role"].as_str().unwrap_or_default().to_string();
    if !ROLES.contains(&role.as_str()) {
        findings.error(
            "unknown-role",
            7,
            &url,
            format!("role {role:?} is none of {}", ROLES.join(", ")),
        );
    }
    let mut feeds = Vec::new();
    let mut directories = Vec::new();
    for d in value["distributions"].as_array().into_iter().flatten() {
        if let Some(dir) = d["directory_url"].as_str() {
            let mut dir = dir.to_string();
            if !dir.ends_with('/') {
                dir.push('/');
            }
            directories.push(dir);
        }
        for f in d["rolie"]["feeds"].as_array().into_iter().flatten() {
            if let Some(u) = f["url"].as_str() {
                feeds.push(FeedRef {
                    url: u.to_string(),
                    tlp_label: f["tlp_label"].as_str().unwrap_or("UNLABELED").to_string(),
                });
            }
        }
    }
    let keys = check_keys(source, &url, &value, findings);
    let meta = Metadata {
        folder: folder_of(&url),
        url,
        role,
        feeds,
        directories,
        keys,
        namespace: value["publisher"]["namespace"].as_str().map(str::to_string),
    };
    if meta.trusted() && meta.keys.is_empty() && !findings.has("key-missing") {
        findings.error(
            "no-openpgp-keys",
            20,
            &meta.url,
            "a csaf_trusted_provider lists no usable public_openpgp_keys: its signatures cannot be checked",
        );
    }
    check_own_signature(source, &meta, &bytes, findings);
    Some(meta)
}

/// Fetches every listed key and checks its fingerprint.
fn check_keys(source: &Source, at: &str, value: &Value, findings: &mut Findings) -> Vec<Cert> {
    let mut keys = Vec::new();
    for k in value["public_openpgp_keys"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let Some(key_url) = k["url"].as_str() else {
            findings.error(
                "key-missing",
                20,
                at,
                "a public_openpgp_keys entry has no url",
            );
            continue;
        };
        let Some(bytes) = source.fetch(key_url, findings, "key-missing", 20, "the OpenPGP key")
        else {
            continue;
        };
        let cert = match openpgp::read_cert(&bytes) {
            Ok(c) => c,
            Err(e) => {
                findings.error(
                    "key-unreadable",
                    20,
                    key_url,
                    format!("not an OpenPGP certificate: {e}"),
                );
                continue;
            }
        };
        let actual = cert.fingerprint().to_hex();
        match k["fingerprint"].as_str() {
            Some(listed) if listed.eq_ignore_ascii_case(&actual) => keys.push(cert),
            Some(listed) => findings.error(
                "key-fingerprint-mismatch",
                20,
                key_url,
                format!("the key's fingerprint is {actual}, not {listed} as provider-metadata.json says"),
            ),
            None => findings.warn(
                "key-no-fingerprint",
                20,
                key_url,
                format!("no fingerprint is listed for this key ({actual}): consumers cannot check they got the right one"),
            ),
        }
    }
    keys
}

/// `provider-metadata.json.asc`: when present it must verify; a trusted
/// provider should have one.
fn check_own_signature(source: &Source, meta: &Metadata, data: &[u8], findings: &mut Findings) {
    let sig_url = format!("{}.asc", meta.url);
    match source.get(&sig_url) {
        Ok(sig) => openpgp::report(
            openpgp::check_detached(&meta.keys, data, &sig),
            &sig_url,
            7,
            findings,
        ),
        Err(super::fetch::FetchFailure::NotFound) if meta.trusted() => findings.warn(
            "metadata-unsigned",
            7,
            &sig_url,
            "the provider metadata of a trusted provider has no signature",
        ),
        Err(super::fetch::FetchFailure::NotFound) => {}
        Err(e) => super::fetch::report_failure(
            findings,
            &sig_url,
            &e,
            "signature-missing",
            7,
            "the provider metadata's signature",
        ),
    }
}
