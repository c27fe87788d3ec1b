//! `/.well-known/security.txt` (RFC 9116).

use chrono::{DateTime, Duration, SecondsFormat, Utc};

use crate::urls;

/// Days from the build until the file's `Expires` (RFC 9116 advises less
/// than a year).
pub const EXPIRES_AFTER_DAYS: i64 = 180;

/// What goes into the file.
#[derive(Debug, Clone)]
pub struct SecurityTxt {
    /// `Contact` URIs (at least one is required).
    pub contacts: Vec<String>,
    /// `Expires`.
    pub expires: DateTime<Utc>,
    /// `Encryption`: URL of the key reports are encrypted to.
    pub encryption: Option<String>,
    /// `Canonical`: where this file is published.
    pub canonical: Option<String>,
    /// `Policy`: the page describing how to report.
    pub policy: Option<String>,
    /// `Preferred-Languages`.
    pub languages: Vec<String>,
    /// `CSAF` (RFC 9116 extension of CSAF 2.0, section 7.1.8): the URL of
    /// the provider's `provider-metadata.json`.
    pub csaf: Option<String>,
}

impl SecurityTxt {
    /// The fields for a site: `contact` from `secpack.toml` (an address becomes
    /// a `mailto:` URI), the URLs from `base_url` when the site has one, the
    /// CSAF field from `csaf_base_url` (where the project publishes its CSAF
    /// provider folder, `export.csaf_base_url`); with `report_form`, the
    /// served report form is a `Contact` too.
    pub fn for_site(
        contact: Option<&str>,
        base_url: Option<&str>,
        encryption_key: Option<&str>,
        csaf_base_url: Option<&str>,
        report_form: bool,
        languages: &[String],
        now: DateTime<Utc>,
    ) -> Option<Self> {
        let mut contacts = Vec::new();
        if let Some(c) = contact.map(str::trim).filter(|c| !c.is_empty()) {
            contacts.push(if c.contains(':') {
                c.to_string()
            } else {
                format!("mailto:{c}")
            });
        }
        if let Some(base) = base_url {
            if report_form {
                contacts.push(urls::absolute(base, "report/"));
            }
            contacts.push(urls::absolute(base, "team/index.html"));
        }
        if contacts.is_empty() {
            return None;
        }
        Some(Self {
            contacts,
            expires: now + Duration::days(EXPIRES_AFTER_DAYS),
            encryption: base_url
                .zip(encryption_key)
                .map(|(b, k)| urls::absolute(b, &format!("pack/{k}"))),
            canonical: base_url.map(|b| urls::absolute(b, ".well-known/security.txt")),
            policy: base_url.map(|b| urls::absolute(b, "index.html")),
            languages: languages.to_vec(),
            csaf: csaf_base_url
                .map(|b| format!("{}/provider-metadata.json", b.trim_end_matches('/'))),
        })
    }

    /// The file's text (CRLF line ends are optional; LF is used).
    pub fn render(&self) -> String {
        let mut out = String::new();
        for c in &self.contacts {
            out.push_str(&format!("Contact: {c}\n"));
        }
        out.push_str(&format!(
            "Expires: {}\n",
            self.expires.to_rfc3339_opts(SecondsFormat::Secs, true)
        ));
        for (field, value) in [
            ("Encryption", &self.encryption),
            ("Canonical", &self.canonical),
            ("Policy", &self.policy),
            ("CSAF", &self.csaf),
        ] {
            if let Some(v) = value {
                out.push_str(&format!("{field}: {v}\n"));
            }
        }
        if !self.languages.is_empty() {
            out.push_str(&format!(
                "Preferred-Languages: {}\n",
                self.languages.join(", ")
            ));
        }
        out
    }
}
