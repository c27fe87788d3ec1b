//! A lint of `security.txt` (RFC 9116), in the spirit of internet.nl's
//! checks: the fields and their syntax, `Expires` (present exactly once, in
//! the future, within a year, and not after the expiry of the key that
//! signed the file), `Canonical` matching where the file is published, the
//! `CSAF` field (CSAF 2.0 §7.1.8) when a CSAF provider is published, and an
//! optional clear-signature verified with the pack's keys (the trust
//! engine's cleartext verification, [`crate::trust::keyring::Keyring::verify_inline`]).
//!
//! [`parse`] reads untrusted text and never panics; [`lint`] gives every
//! finding a stable code, a severity, the line and a sentence.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::trust::keyring::Keyring;
use crate::trust::verdict::SigStatus;

/// Largest `security.txt` read (real ones are well under a kilobyte).
pub const MAX_BYTES: u64 = 64 << 10;

/// The fields RFC 9116 defines, and `CSAF` (registered by CSAF 2.0).
pub const KNOWN_FIELDS: &[&str] = &[
    "Acknowledgments",
    "Canonical",
    "Contact",
    "Encryption",
    "Expires",
    "Hiring",
    "Policy",
    "Preferred-Languages",
    "CSAF",
];

pub use crate::severity::Severity;

/// One result of the lint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable machine-readable code (`no-contact`).
    pub code: &'static str,
    /// How bad it is.
    pub severity: Severity,
    /// The line (1-based, in the signed text when the file is signed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// A sentence a person understands.
    pub message: String,
}

/// One `Name: value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// 1-based line number.
    pub line: usize,
    /// The name as written.
    pub name: String,
    /// The value, trimmed.
    pub value: String,
}

/// A `security.txt` taken apart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Every field, in order.
    pub fields: Vec<Field>,
    /// Lines that are neither a field, a comment nor empty: (line, text).
    pub bad_lines: Vec<(usize, String)>,
}

impl Parsed {
    /// The values of the field `name` (case-insensitive), with their lines.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Field> + 'a {
        self.fields
            .iter()
            .filter(move |f| f.name.eq_ignore_ascii_case(name))
    }
}

/// Takes the text apart (RFC 9116 §4: `field-name ":" OWS value`, comments
/// start with `#`, LF or CRLF line ends).
pub fn parse(text: &str) -> Parsed {
    let mut out = Parsed::default();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let field = line.split_once(':').and_then(|(name, value)| {
            let ok = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c));
            ok.then(|| Field {
                line: i + 1,
                name: name.to_string(),
                value: value.trim().to_string(),
            })
        });
        match field {
            Some(f) => out.fields.push(f),
            None => out.bad_lines.push((i + 1, line.to_string())),
        }
    }
    out
}

/// What the file is checked against.
#[derive(Default)]
pub struct LintOptions<'a> {
    /// The URL the file is published at (where it was fetched, or the
    /// site's base URL + `.well-known/security.txt`): `Canonical` must name
    /// it.
    pub canonical: Option<String>,
    /// The URL of the `provider-metadata.json` the project publishes:
    /// a `CSAF` field must name it.
    pub csaf: Option<String>,
    /// The pack's keys: a clear-signed file is verified with them.
    pub keyring: Option<&'a Keyring>,
    /// The time of the check.
    pub now: DateTime<Utc>,
}

/// What the lint found.
#[derive(Debug, Clone, Serialize)]
pub struct LintReport {
    /// The file is clear-signed.
    pub signed: bool,
    /// Fingerprint of the pack key whose signature verified, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_by: Option<String>,
    /// `Expires`, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<DateTime<Utc>>,
    /// No finding is an error.
    pub ok: bool,
    /// Every finding.
    pub findings: Vec<Finding>,
}

struct Out(Vec<Finding>);

impl Out {
    fn error(&mut self, code: &'static str, line: Option<usize>, message: impl Into<String>) {
        self.push(code, Severity::Error, line, message);
    }
    fn warn(&mut self, code: &'static str, line: Option<usize>, message: impl Into<String>) {
        self.push(code, Severity::Warning, line, message);
    }
    fn push(
        &mut self,
        code: &'static str,
        severity: Severity,
        line: Option<usize>,
        message: impl Into<String>,
    ) {
        self.0.push(Finding {
            code,
            severity,
            line,
            message: message.into(),
        });
    }
}

const SIGNED_HEADER: &str = "-----BEGIN PGP SIGNED MESSAGE-----";

/// Lints the bytes of a `security.txt`.
pub fn lint(bytes: &[u8], options: &LintOptions<'_>) -> LintReport {
    let mut out = Out(Vec::new());
    let Ok(text) = std::str::from_utf8(bytes) else {
        out.error("not-utf8", None, "not UTF-8 text (RFC 9116 §4)");
        return finish(out, false, None, None);
    };
    let signed = text.trim_start().starts_with(SIGNED_HEADER);
    let mut signed_by = None;
    let mut key_expires = None;
    let body = if signed {
        match options.keyring {
            None => {
                out.warn(
                    "signature-unchecked",
                    None,
                    "the file is clear-signed but no pack was given to verify it with",
                );
                crate::trust::cleartext::split(bytes)
                    .map(|c| String::from_utf8_lossy(&c.text).into_owned())
                    .unwrap_or_else(|| text.to_string())
            }
            Some(ring) => {
                let (judgements, signed_text) = ring.verify_inline(bytes);
                match judgements.iter().find(|j| j.status == SigStatus::Valid) {
                    Some(j) => {
                        signed_by = j.key.clone();
                        key_expires = j.key.as_deref().and_then(|fpr| {
                            ring.entries
                                .iter()
                                .find(|e| {
                                    e.fingerprint
                                        .as_deref()
                                        .is_some_and(|f| f.eq_ignore_ascii_case(fpr))
                                })
                                .and_then(|e| e.expires)
                        });
                    }
                    None => {
                        let why = judgements
                            .first()
                            .map(|j| j.reason.clone())
                            .unwrap_or_else(|| "no signature found".to_string());
                        out.error(
                            "signature-invalid",
                            None,
                            format!(
                                "the clear-signature does not verify with the pack's keys: {why}"
                            ),
                        );
                    }
                }
                match signed_text {
                    Some(t) => String::from_utf8_lossy(&t).into_owned(),
                    None => text.to_string(),
                }
            }
        }
    } else {
        text.to_string()
    };
    let parsed = parse(&body);
    let expires = check_fields(&parsed, options, signed, key_expires, &mut out);
    finish(out, signed, signed_by, expires)
}

fn finish(
    out: Out,
    signed: bool,
    signed_by: Option<String>,
    expires: Option<DateTime<Utc>>,
) -> LintReport {
    LintReport {
        signed,
        signed_by,
        expires,
        ok: !out.0.iter().any(|f| f.severity == Severity::Error),
        findings: out.0,
    }
}

fn check_fields(
    parsed: &Parsed,
    options: &LintOptions<'_>,
    signed: bool,
    key_expires: Option<DateTime<Utc>>,
    out: &mut Out,
) -> Option<DateTime<Utc>> {
    for (line, text) in &parsed.bad_lines {
        out.error(
            "bad-line",
            Some(*line),
            format!("{text:?} is neither a field (Name: value), a comment nor empty"),
        );
    }
    for f in &parsed.fields {
        if !KNOWN_FIELDS.iter().any(|k| k.eq_ignore_ascii_case(&f.name)) {
            out.warn(
                "unknown-field",
                Some(f.line),
                format!("{:?} is not a field of RFC 9116", f.name),
            );
        }
        if f.value.is_empty() {
            out.error(
                "empty-field",
                Some(f.line),
                format!("{} has no value", f.name),
            );
        }
    }
    let contacts: Vec<&Field> = parsed.values("Contact").collect();
    if contacts.is_empty() {
        out.error(
            "no-contact",
            None,
            "no Contact field: RFC 9116 requires at least one",
        );
    }
    for c in contacts {
        let lower = c.value.to_ascii_lowercase();
        let ok = ["mailto:", "tel:", "https://"]
            .iter()
            .any(|s| lower.starts_with(s) && lower.len() > s.len());
        if lower.starts_with("http://") {
            insecure(c, out);
        } else if !ok {
            out.error(
                "bad-contact",
                Some(c.line),
                format!(
                    "Contact {:?} is not a mailto:, tel: or https:// URI",
                    c.value
                ),
            );
        }
    }
    for name in [
        "Encryption",
        "Policy",
        "Acknowledgments",
        "Hiring",
        "Canonical",
        "CSAF",
    ] {
        for f in parsed.values(name) {
            let lower = f.value.to_ascii_lowercase();
            if lower.starts_with("http://") {
                insecure(f, out);
            } else if !(lower.starts_with("https://")
                || (name == "Encryption"
                    && (lower.starts_with("dns:") || lower.starts_with("openpgp4fpr:"))))
                && !f.value.is_empty()
            {
                out.error(
                    "bad-uri",
                    Some(f.line),
                    format!("{name} {:?} is not an https:// URI", f.value),
                );
            }
        }
    }
    let expires = check_expires(parsed, options, key_expires, out);
    check_canonical(parsed, options, signed, out);
    let langs: Vec<&Field> = parsed.values("Preferred-Languages").collect();
    if langs.len() > 1 {
        out.error(
            "multiple-languages",
            Some(langs[1].line),
            "Preferred-Languages appears more than once",
        );
    }
    for f in langs {
        for tag in f.value.split(',').map(str::trim) {
            if !is_language_tag(tag) {
                out.error(
                    "bad-language",
                    Some(f.line),
                    format!("{tag:?} is not a language tag (RFC 5646), in a comma-separated list"),
                );
            }
        }
    }
    if let Some(expected) = &options.csaf {
        if !parsed.values("CSAF").any(|f| &f.value == expected) {
            out.error(
                "csaf-missing",
                None,
                format!("no CSAF field names the published provider metadata {expected} (CSAF 2.0 §7.1.8)"),
            );
        }
    }
    for f in parsed.values("CSAF") {
        if !f.value.ends_with("/provider-metadata.json") {
            out.error(
                "bad-csaf",
                Some(f.line),
                format!("CSAF {:?} does not name a provider-metadata.json", f.value),
            );
        }
    }
    expires
}

fn insecure(f: &Field, out: &mut Out) {
    out.error(
        "insecure-uri",
        Some(f.line),
        format!(
            "{} {:?} uses http://; RFC 9116 requires https://",
            f.name, f.value
        ),
    );
}

fn check_expires(
    parsed: &Parsed,
    options: &LintOptions<'_>,
    key_expires: Option<DateTime<Utc>>,
    out: &mut Out,
) -> Option<DateTime<Utc>> {
    let all: Vec<&Field> = parsed.values("Expires").collect();
    let Some(first) = all.first() else {
        out.error(
            "no-expires",
            None,
            "no Expires field: RFC 9116 requires one",
        );
        return None;
    };
    if all.len() > 1 {
        out.error(
            "multiple-expires",
            Some(all[1].line),
            "Expires appears more than once; RFC 9116 allows exactly one",
        );
    }
    let expires = match DateTime::parse_from_rfc3339(&first.value) {
        Ok(t) => t.with_timezone(&Utc),
        Err(e) => {
            out.error(
                "bad-expires",
                Some(first.line),
                format!("Expires {:?} is not an RFC 3339 time: {e}", first.value),
            );
            return None;
        }
    };
    if expires <= options.now {
        out.error(
            "expired",
            Some(first.line),
            format!("the file expired on {expires}"),
        );
    } else if expires > options.now + Duration::days(366) {
        out.error(
            "expires-too-far",
            Some(first.line),
            format!("Expires {expires} is more than a year away; RFC 9116 advises less than a year so the file does not go stale"),
        );
    }
    if let Some(key) = key_expires.filter(|k| expires > *k) {
        out.error(
            "expires-after-key",
            Some(first.line),
            format!("Expires {expires} is after the signing key expires ({key}): the file would outlive its signature"),
        );
    }
    Some(expires)
}

fn check_canonical(parsed: &Parsed, options: &LintOptions<'_>, signed: bool, out: &mut Out) {
    let canon: Vec<&Field> = parsed.values("Canonical").collect();
    match &options.canonical {
        Some(expected) if canon.is_empty() => out.warn(
            "no-canonical",
            None,
            format!("no Canonical field; the file is published at {expected}"),
        ),
        Some(expected) if !canon.iter().any(|c| &c.value == expected) => out.error(
            "canonical-mismatch",
            Some(canon[0].line),
            format!(
                "Canonical names {}, not {expected} where the file is published",
                canon
                    .iter()
                    .map(|c| c.value.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        None if canon.is_empty() && signed => out.warn(
            "no-canonical",
            None,
            "a signed file should name where it is published (Canonical), or the signature can be replayed elsewhere",
        ),
        _ => {}
    }
    // RFC 9116 §3: at /.well-known/security.txt of the origin (or, for old
    // clients, /security.txt), not under the path a site lives in.
    for c in canon {
        let Some(origin) = crate::http::origin(&c.value) else {
            continue;
        };
        let places = [
            format!("{origin}/.well-known/security.txt"),
            format!("{origin}/security.txt"),
        ];
        if !places.contains(&c.value) {
            out.warn(
                "not-well-known",
                Some(c.line),
                format!(
                    "Canonical {} is not {}, where clients look for the file (RFC 9116 §3): publish it at the root of the origin",
                    c.value, places[0]
                ),
            );
        }
    }
}

/// Whether `tag` has the shape of an RFC 5646 language tag: a 2–8 letter
/// primary subtag, then `-` subtags of 1–8 letters or digits.
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    primary_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Why a `security.txt` could not be read (not a finding: nothing to lint).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// A local file could not be read.
    #[error("reading {0}: {1}")]
    File(String, std::io::Error),
    /// Larger than [`MAX_BYTES`].
    #[error("{0} is larger than {MAX_BYTES} bytes: not a security.txt")]
    TooLarge(String),
    /// The URL could not be fetched (or redirected).
    #[error("fetching {0}: {1}")]
    Fetch(String, String),
}

impl ReadError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::File(..) => "unreadable",
            Self::TooLarge(_) => "too-large",
            Self::Fetch(..) => "fetch-failed",
        }
    }
}

/// Reads `target`: an http(s) URL (fetched without following redirects;
/// RFC 9116 allows them, but the file must then name its Canonical place)
/// or a local file. At most [`MAX_BYTES`].
pub fn read(target: &str, timeout: std::time::Duration) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    if target.starts_with("https://") || target.starts_with("http://") {
        let agent = crate::http::agent(crate::http::ClientOptions {
            timeout,
            max_redirects: 0,
            status_as_error: true,
        });
        let fail = |e: String| ReadError::Fetch(target.to_string(), e);
        let mut response = agent.get(target).call().map_err(|e| fail(e.to_string()))?;
        if response.status().as_u16() != 200 {
            return Err(fail(format!("HTTP status {}", response.status())));
        }
        let mut body = Vec::new();
        response
            .body_mut()
            .as_reader()
            .take(MAX_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(|e| fail(e.to_string()))?;
        if body.len() as u64 > MAX_BYTES {
            return Err(ReadError::TooLarge(target.to_string()));
        }
        return Ok(body);
    }
    use crate::fsutil::{read_capped, ReadCappedError};
    read_capped(std::path::Path::new(target), MAX_BYTES).map_err(|e| match e {
        ReadCappedError::TooLarge { .. } => ReadError::TooLarge(target.to_string()),
        ReadCappedError::Io(io) => ReadError::File(target.to_string(), io.source),
    })
}

impl crate::error::Coded for ReadError {
    fn code(&self) -> &'static str {
        ReadError::code(self)
    }
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass;
        match self {
            Self::File(..) => ErrorClass::Io,
            Self::TooLarge(..) => ErrorClass::Usage,
            Self::Fetch(..) => ErrorClass::Failure,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_file_over_the_limit_is_too_large() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("security.txt");
        let target = path.to_str().unwrap();
        let timeout = std::time::Duration::from_secs(1);
        std::fs::write(&path, vec![b'#'; MAX_BYTES as usize]).unwrap();
        assert_eq!(read(target, timeout).unwrap().len() as u64, MAX_BYTES);
        std::fs::write(&path, vec![b'#'; MAX_BYTES as usize + 1]).unwrap();
        assert_eq!(read(target, timeout).unwrap_err().code(), "too-large");
        let missing = dir.path().join("missing");
        let e = read(missing.to_str().unwrap(), timeout).unwrap_err();
        assert_eq!(e.code(), "unreadable");
    }

    #[test]
    fn fields_comments_and_bad_lines() {
        let p = parse("# c\r\nContact: mailto:a@b.c\r\n\r\nnot a field\nX-Y:z\n: v\n");
        assert_eq!(p.fields.len(), 2);
        assert_eq!(p.fields[0].name, "Contact");
        assert_eq!(p.fields[0].value, "mailto:a@b.c");
        assert_eq!(p.fields[1].line, 5);
        assert_eq!(p.bad_lines.iter().map(|b| b.0).collect::<Vec<_>>(), [4, 6]);
    }

    #[test]
    fn language_tags() {
        for ok in ["en", "fr", "de-CH", "zh-Hant-TW", "sgn-BE-FR"] {
            assert!(is_language_tag(ok), "{ok}");
        }
        for bad in [
            "",
            "e",
            "en_US",
            "english-language-tag-toolong123",
            "en-",
            "1a",
        ] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }
}
