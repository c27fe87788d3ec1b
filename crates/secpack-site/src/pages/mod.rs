//! Assembling every page of the site from the pack, the trust engine's report,
//! the canary audit and the tracker.
//!
//! * `gather` reads everything the pages show, once: the documents and
//!   their signatures, the canary audit, the tracker, the keys and the team
//!   (`views` are what it produces).
//! * [`render()`] claims every output path once, then the `render` module
//!   makes each language's pages and navigation, `feeds` its Atom feeds.
//! * `well_known` writes `.well-known/security.txt`.

mod feeds;
mod gather;
mod render;
mod views;
mod well_known;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use minijinja::context;
use secpack::pack::Pack;
use secpack::signing::Signer;
use secpack::trust::PackReport;
use serde::Serialize;

use self::render::{render_language, Speaker, GENERATED};
use crate::canaries_json;
use crate::content::{self, ContentPage, DEFAULT_LANG};
use crate::error::SiteError;
use crate::mount::Mount;
use crate::security_txt::contact_uri;
use crate::templates;
use crate::urls;

type Result<T, E = SiteError> = std::result::Result<T, E>;

/// File at the site root that marks a folder as built by secpack.
pub const MARKER_FILE: &str = ".secpack-site";
/// The pack folder holding content pages and template overrides.
pub const SITE_FOLDER: &str = "site";
/// Where pack files (documents, signatures, keys) are copied in the site.
pub const PACK_COPY: &str = "pack";

/// How to build.
pub struct SiteOptions<'a> {
    /// The URL the site is published at (canonical links, feed ids, security.txt).
    pub base_url: Option<String>,
    /// The build time.
    pub now: DateTime<Utc>,
    /// Key that clear-signs `security.txt`, if any.
    pub security_txt_key: Option<&'a Signer>,
    /// The site is served by `secpack serve`, whose report form answers at
    /// `/report/`: the hub and `security.txt` point to it.
    pub report_form: bool,
}

/// A site in memory.
#[derive(Debug, Default)]
pub struct RenderedSite {
    /// Generated files, by site-relative path.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Pack files copied as they are: site-relative path → source.
    pub copies: BTreeMap<String, PathBuf>,
    /// What was built, for the command's report.
    pub summary: Summary,
}

/// What a build produced.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Summary {
    /// Languages of the site (the first is at the root).
    pub languages: Vec<String>,
    /// HTML pages written.
    pub pages: usize,
    /// Bulletins published.
    pub bulletins: usize,
    /// Canaries published.
    pub canaries: usize,
    /// Release digest files published (those that verify).
    pub digests: usize,
    /// Tracker rows shown (`None`: the pack has no tracker).
    pub tracker_rows: Option<usize>,
    /// Redirect pages written.
    pub redirects: usize,
    /// `signed`, `unsigned`, or `skipped` (no contact known).
    pub security_txt: &'static str,
    /// The `Contact` URIs of security.txt (project.contact, the report form).
    pub security_txt_contacts: Vec<String>,
    /// The latest canary is overdue.
    pub canary_overdue: bool,
    /// The pack verified completely.
    pub verified: bool,
    /// Things worth knowing about the build, one sentence each.
    pub notices: Vec<String>,
}

/// Renders the whole site of `pack` from the trust engine's `report`.
pub fn render(pack: &Pack, report: &PackReport, options: &SiteOptions<'_>) -> Result<RenderedSite> {
    let mut site = RenderedSite::default();
    let site_dir = pack.path_of(SITE_FOLDER);
    let mut pages = content::load_dir(&site_dir, &format!("{SITE_FOLDER}/"))?;
    let mount = Mount::detect(&pages, options.base_url.as_deref());
    site.summary.notices.extend(mount.apply(&mut pages));
    let mut languages: BTreeSet<String> = pages.iter().map(|p| p.lang.clone()).collect();
    if languages.is_empty() {
        languages.insert("fr".into());
    }
    languages.insert(DEFAULT_LANG.into());
    // English first, at the root.
    let languages: Vec<String> = std::iter::once(DEFAULT_LANG.to_string())
        .chain(languages.into_iter().filter(|l| l != DEFAULT_LANG))
        .collect();
    // The built-in hub tells how to report only when there is a way: an
    // address in secpack.toml or the served report form.
    let can_report = options.report_form
        || pack
            .config
            .project
            .contact
            .as_deref()
            .and_then(contact_uri)
            .is_some();
    if !can_report {
        site.summary.notices.push(
            "no way to report is published (no project.contact in secpack.toml, no report form): the hub, the team page and security.txt name none".into(),
        );
    }
    for lang in &languages {
        if !pages.iter().any(|p| p.lang == *lang && p.is_hub()) {
            pages.push(default_hub(lang, can_report)?);
        }
    }
    let overrides = templates::load_overrides(&site_dir.join("templates"))?;
    let speakers = languages
        .iter()
        .map(|lang| Speaker::new(lang, &overrides))
        .collect::<Result<Vec<_>>>()?;

    let mut data = gather::gather(pack, report, options, &mut site)?;
    data.mount = mount;
    site.summary.languages = languages.clone();
    site.summary.verified = report.summary.ok;
    site.summary.bulletins = data.bulletins.len();
    site.summary.canaries = data.canaries.len();
    site.summary.tracker_rows = data.tracker.as_ref().map(|t| t.rows.len());
    site.summary.canary_overdue = data.audit.overdue;

    // Every output path is claimed once.
    let mut claimed: BTreeMap<String, String> = BTreeMap::new();
    let mut claim = |file: &str, by: &str| -> Result<()> {
        if let Some(other) = claimed.insert(file.to_string(), by.to_string()) {
            return Err(SiteError::Clash {
                file: file.to_string(),
                by: by.to_string(),
                other,
            });
        }
        Ok(())
    };
    for sp in &speakers {
        claim(
            &format!("{}index.html", sp.prefix()),
            &format!("the {} hub", sp.lang),
        )?;
        for (path, _, _) in GENERATED {
            claim(&format!("{}{path}", sp.prefix()), "a generated page")?;
        }
        for d in data.bulletins.iter() {
            claim(&format!("{}bulletins/{}.html", sp.prefix(), d.stem), &d.raw)?;
        }
        for d in data.canaries.iter() {
            claim(&format!("{}canaries/{}.html", sp.prefix(), d.stem), &d.raw)?;
        }
    }
    for p in pages.iter().filter(|p| !p.is_hub()) {
        claim(&p.file()?, &p.source)?;
    }
    for p in &pages {
        for r in &p.redirect_from {
            claim(
                &urls::permalink_to_file(r)?,
                &format!("a redirect of {}", p.source),
            )?;
        }
    }

    data.published = claimed
        .into_keys()
        .chain(site.copies.keys().cloned())
        .collect();
    for sp in &speakers {
        let hub = pages
            .iter()
            .find(|p| p.lang == sp.lang && p.is_hub())
            .expect("every language has a hub");
        let more: Vec<&ContentPage> = pages
            .iter()
            .filter(|p| p.lang == sp.lang && !p.is_hub())
            .collect();
        render_language(sp, &speakers, hub, &more, &pages, &data, options, &mut site)?;
    }
    for p in &pages {
        for from in &p.redirect_from {
            let file = urls::permalink_to_file(from)?;
            let target_file = p.file()?;
            let sp = speakers
                .iter()
                .find(|s| s.lang == p.lang)
                .unwrap_or(&speakers[0]);
            let html = sp
                .env
                .get_template("redirect.html")
                .and_then(|t| {
                    t.render(context! {
                        lang => &p.lang,
                        target => urls::relative(&file, &target_file),
                        canonical => options.base_url.as_deref().map(|b| urls::absolute(b, &target_file)),
                    })
                })
                .map_err(|error| SiteError::Render {
                    file: file.clone(),
                    template: "redirect.html".into(),
                    error,
                })?;
            site.files.insert(file, html.into_bytes());
            site.summary.redirects += 1;
        }
    }

    let style = overrides
        .get("style.css")
        .map(String::as_str)
        .unwrap_or(templates::STYLE);
    site.files
        .insert("style.css".into(), style.as_bytes().to_vec());
    well_known::security_txt(pack, report, &languages, options, &mut site)?;
    // For monitors: every canary, machine-readable, at the site root.
    let canaries: Vec<canaries_json::CanaryInput<'_>> = data
        .canaries
        .iter()
        // Letters published beside a canary (`canary-001-2026-note`) are not canaries.
        .filter(|d| {
            let dashes = pack.config.layout.canary_prefix.matches('-').count();
            d.stem.matches('-').count() == dashes + 2
        })
        .map(|d| canaries_json::CanaryInput {
            number: d.number,
            stem: &d.stem,
            text: &d.text,
            verified: d.ok,
            valid_signers: d.valid,
            required: d.required,
        })
        .collect();
    let pages = format!(
        "{}canaries/",
        speakers.first().map_or(String::new(), |s| s.prefix())
    );
    site.files.insert(
        "canaries.json".into(),
        canaries_json::render(
            &canaries,
            &report.master.fingerprint,
            &pages,
            data.audit.latest.as_ref().and_then(|l| l.next_due),
            options.now,
        ),
    );
    site.files.insert(
        MARKER_FILE.into(),
        b"This folder was built by `secpack site build`; the next build replaces it.\n".to_vec(),
    );
    site.summary.pages = site.files.keys().filter(|k| k.ends_with(".html")).count();
    Ok(site)
}

/// The built-in hub of `lang`; without `can_report`, without its section on
/// reporting (its last section), which would point nowhere.
fn default_hub(lang: &str, can_report: bool) -> Result<ContentPage> {
    let text = match lang {
        "fr" => include_str!("../../defaults/hub.fr.md"),
        _ => include_str!("../../defaults/hub.en.md"),
    };
    let mut page = content::parse(text, "built-in hub", "index")?;
    if !can_report {
        if let Some(i) = page.body.rfind("\n## ") {
            page.body.truncate(i + 1);
        }
    }
    page.lang = lang.to_string();
    page.permalink = content::lang_root(lang);
    if lang != "fr" && lang != DEFAULT_LANG {
        // Links of the English text point at English pages; fix the prefix.
        page.body = page.body.replace("](/", &format!("](/{lang}/"));
    }
    Ok(page)
}
