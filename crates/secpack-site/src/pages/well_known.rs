//! `.well-known/security.txt` for the site, and the build notices that
//! explain what it lacks.

use secpack::pack::Pack;
use secpack::report::encrypt::TeamKey;
use secpack::trust::PackReport;

use super::{RenderedSite, SiteOptions};
use crate::error::SiteError;
use crate::security_txt::{contact_uri, ContactSource, SecurityTxt};

/// Writes `.well-known/security.txt` (signed when the options give a key),
/// or says in the build notices why there is none or what it lacks.
pub(super) fn security_txt(
    pack: &Pack,
    report: &PackReport,
    languages: &[String],
    options: &SiteOptions<'_>,
    site: &mut RenderedSite,
) -> Result<(), SiteError> {
    let contact = pack.config.project.contact.as_deref();
    if let Some(c) = contact.filter(|c| contact_uri(c).is_none()) {
        site.summary.notices.push(format!(
            "project.contact {c:?} is not an e-mail address or a mailto:, https: or tel: URI: not used"
        ));
    }
    // The same key the report intake encrypts to, or none.
    let key = TeamKey::select(pack, &report.keys);
    let Some((fields, sources)) = SecurityTxt::for_site(
        contact,
        options.base_url.as_deref(),
        key.as_ref().ok().map(|k| k.file.as_str()),
        pack.config.export.csaf_base_url.as_deref(),
        options.report_form,
        languages,
        options.now,
    ) else {
        site.summary.security_txt = "skipped";
        let why = if options.report_form {
            "set project.contact in secpack.toml, or give --base-url so that the report form can be its Contact"
        } else {
            "set project.contact in secpack.toml"
        };
        site.summary.notices.push(format!(
            "no security.txt: it needs a Contact and the pack gives none; {why}"
        ));
        return Ok(());
    };
    for (uri, source) in fields.contacts.iter().zip(&sources) {
        let from = match source {
            ContactSource::Project => "project.contact",
            ContactSource::ReportForm => "the report form secpack serve answers",
        };
        site.summary
            .notices
            .push(format!("security.txt Contact: {uri} ({from})"));
    }
    site.summary.security_txt_contacts = fields.contacts.clone();
    let missing = fields.missing_fields();
    if !missing.is_empty() {
        let mut reasons = Vec::new();
        if missing.contains(&"Encryption") {
            match &key {
                Err(e) => reasons.push(format!("no encryption key: {e} [{}]", e.code())),
                Ok(_) if options.base_url.is_none() => {}
                Ok(_) => reasons.push("no encryption key".to_string()),
            }
        }
        if options.base_url.is_none() {
            reasons.push("give --base-url for the URLs".to_string());
        }
        site.summary.notices.push(format!(
            "security.txt has no {} field: {}",
            or_list(&missing),
            reasons.join("; ")
        ));
    }
    let text = fields.render();
    let text = match options.security_txt_key {
        Some(k) => {
            site.summary.security_txt = "signed";
            k.sign(text.as_bytes(), secpack::signing::Framing::Cleartext)?
        }
        None => {
            site.summary.security_txt = "unsigned";
            text
        }
    };
    site.files
        .insert(".well-known/security.txt".into(), text.into_bytes());
    Ok(())
}

/// `A`, `A or B`, `A, B or C`.
fn or_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}
