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

/// Where a site's `security.txt` is published (its `Canonical`):
/// `/.well-known/security.txt` at the root of `base`'s origin, where RFC 9116
/// clients look, also for a site that lives under a path
/// (`https://example.org/security/`); that site's own copy must then be
/// published at the root too.
pub fn canonical_url(base: &str) -> String {
    match secpack::http::origin(base) {
        Some(origin) => format!("{origin}/.well-known/security.txt"),
        None => urls::absolute(base, ".well-known/security.txt"),
    }
}

/// The `CSAF` field for a provider published at `csaf_base_url`
/// (`export.csaf_base_url`): its `provider-metadata.json`.
pub fn csaf_url(csaf_base_url: &str) -> String {
    format!(
        "{}/provider-metadata.json",
        csaf_base_url.trim_end_matches('/')
    )
}

/// The URI of the team's contact as `project.contact` gives it: an e-mail
/// address becomes a `mailto:` URI; `mailto:`, `https:`, `http:` and `tel:`
/// URIs are kept; anything else is no usable contact (`None`).
pub fn contact_uri(contact: &str) -> Option<String> {
    let c = contact.trim();
    if c.is_empty() || c.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
        return None;
    }
    let lower = c.to_ascii_lowercase();
    if ["mailto:", "https://", "http://", "tel:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme) && lower.len() > scheme.len())
    {
        return Some(c.to_string());
    }
    match c.split_once('@') {
        Some((user, host)) if !c.contains(':') && !user.is_empty() && host.contains('.') => {
            Some(format!("mailto:{c}"))
        }
        _ => None,
    }
}

/// Where `Contact` points, and why: the build says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactSource {
    /// `project.contact` of `secpack.toml`.
    Project,
    /// The report form `secpack serve` answers at `/report/`.
    ReportForm,
}

impl SecurityTxt {
    /// The fields for a site. `Contact` is `contact` (from `secpack.toml`;
    /// an address becomes a `mailto:` URI) and, with `report_form` and a
    /// `base_url`, the served report form; without either there is no one to
    /// contact and no file (`None`). The URLs come from `base_url` when the
    /// site has one, the CSAF field from `csaf_base_url` (where the project
    /// publishes its CSAF provider folder, `export.csaf_base_url`).
    pub fn for_site(
        contact: Option<&str>,
        base_url: Option<&str>,
        encryption_key: Option<&str>,
        csaf_base_url: Option<&str>,
        report_form: bool,
        languages: &[String],
        now: DateTime<Utc>,
    ) -> Option<(Self, Vec<ContactSource>)> {
        let mut contacts = Vec::new();
        let mut sources = Vec::new();
        if let Some(c) = contact.and_then(contact_uri) {
            contacts.push(c);
            sources.push(ContactSource::Project);
        }
        if let (Some(base), true) = (base_url, report_form) {
            contacts.push(urls::absolute(base, "report/"));
            sources.push(ContactSource::ReportForm);
        }
        if contacts.is_empty() {
            return None;
        }
        let fields = Self {
            contacts,
            expires: now + Duration::days(EXPIRES_AFTER_DAYS),
            encryption: base_url
                .zip(encryption_key)
                .map(|(b, k)| urls::absolute(b, &format!("pack/{k}"))),
            canonical: base_url.map(canonical_url),
            policy: base_url.map(|b| urls::absolute(b, "index.html")),
            languages: languages.to_vec(),
            csaf: csaf_base_url.map(csaf_url),
        };
        Some((fields, sources))
    }

    /// The optional fields secpack writes when it can that this file lacks
    /// (`Encryption`, `Canonical`, `Policy`), in that order.
    pub fn missing_fields(&self) -> Vec<&'static str> {
        [
            ("Encryption", &self.encryption),
            ("Canonical", &self.canonical),
            ("Policy", &self.policy),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_none())
        .map(|(name, _)| name)
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canonical_place_is_at_the_origins_root() {
        for (base, place) in [
            (
                "https://example.org/",
                "https://example.org/.well-known/security.txt",
            ),
            (
                "https://example.org",
                "https://example.org/.well-known/security.txt",
            ),
            (
                "https://example.org/security/",
                "https://example.org/.well-known/security.txt",
            ),
            (
                "http://127.0.0.1:8080/a/b",
                "http://127.0.0.1:8080/.well-known/security.txt",
            ),
        ] {
            assert_eq!(canonical_url(base), place, "{base}");
        }
    }

    #[test]
    fn contacts_are_uris() {
        assert_eq!(
            contact_uri(" security@example.org ").as_deref(),
            Some("mailto:security@example.org")
        );
        for kept in [
            "mailto:security@example.org",
            "https://example.org/security/",
            "tel:+1-201-555-0123",
        ] {
            assert_eq!(contact_uri(kept).as_deref(), Some(kept));
        }
        for bad in [
            "",
            "  ",
            "the security team",
            "javascript:alert(1)",
            "mailto:",
            "a b@example.org",
            "@example.org",
            "user@localhost",
            "ftp://example.org",
        ] {
            assert_eq!(contact_uri(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn contact_comes_from_the_config_or_the_served_form_only() {
        let now = Utc::now();
        let base = Some("https://example.org/security/");
        let build = |contact, base, form| {
            SecurityTxt::for_site(contact, base, Some("k.asc"), None, form, &[], now)
        };
        // Neither a contact nor a served form: no file at all.
        assert!(build(None, base, false).is_none());
        assert!(build(Some("not an address"), base, false).is_none());
        // The form needs an absolute URL.
        assert!(build(None, None, true).is_none());
        let (f, from) = build(None, base, true).unwrap();
        assert_eq!(f.contacts, ["https://example.org/security/report/"]);
        assert_eq!(from, [ContactSource::ReportForm]);
        let (f, from) = build(Some("s@example.org"), base, true).unwrap();
        assert_eq!(
            f.contacts,
            [
                "mailto:s@example.org",
                "https://example.org/security/report/"
            ]
        );
        assert_eq!(from, [ContactSource::Project, ContactSource::ReportForm]);
        // Never the team page.
        assert!(!f.render().contains("team/"));
        assert_eq!(f.missing_fields(), Vec::<&str>::new());
        let (f, _) = build(Some("s@example.org"), None, false).unwrap();
        assert_eq!(f.missing_fields(), ["Encryption", "Canonical", "Policy"]);
        let (f, _) =
            SecurityTxt::for_site(Some("s@example.org"), base, None, None, false, &[], now)
                .unwrap();
        assert_eq!(f.missing_fields(), ["Encryption"]);
    }
}
