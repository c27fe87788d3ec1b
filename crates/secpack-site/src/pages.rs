//! Assembling every page of the site from the pack, the trust engine's report,
//! the canary audit and the tracker.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use minijinja::{context, Environment, Value};
use secpack::bulletin::{bulletin_id, document_id, BulletinHeader};
use secpack::canary::audit::{audit_pack, AuditOptions, AuditReport, DocumentSigners};
use secpack::pack::{NumberedName, Pack, PackFile};
use secpack::report::encrypt::TeamKey;
use secpack::signing::SigningKey;
use secpack::tracker::{stats, store, Affected, Tracker};
use secpack::trust::report::{DocumentReport, SignatureReport};
use secpack::trust::verdict::KeyStatus;
use secpack::trust::PackReport;
use serde::Serialize;

use crate::canaries_json;
use crate::content::{self, ContentPage, DEFAULT_LANG};
use crate::feeds::{self, FeedItem};
use crate::i18n::{Arg, Strings};
use crate::mount::Mount;
use crate::security_txt::{contact_uri, ContactSource, SecurityTxt};
use crate::templates;
use crate::urls;

/// File at the site root that marks a folder as built by secpack.
pub const MARKER_FILE: &str = ".secpack-site";
/// The pack folder holding content pages and template overrides.
pub const SITE_FOLDER: &str = "site";
/// Where pack files (documents, signatures, keys) are copied in the site.
pub const PACK_COPY: &str = "pack";
/// Largest document shown on a page.
const MAX_DOCUMENT_BYTES: u64 = 4 << 20;

/// How to build.
pub struct SiteOptions<'a> {
    /// The URL the site is published at (canonical links, feed ids, security.txt).
    pub base_url: Option<String>,
    /// The build time.
    pub now: DateTime<Utc>,
    /// Key that clear-signs `security.txt`, if any.
    pub security_txt_key: Option<&'a SigningKey>,
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

/// A signature as shown on the pages.
#[derive(Debug, Clone, Serialize)]
struct SigView {
    who: Option<String>,
    status: &'static str,
    ok: bool,
    key: Option<String>,
    warnings: Vec<&'static str>,
    reason: String,
    file: String,
}

/// A bulletin or canary as shown on the pages.
#[derive(Debug, Clone, Serialize)]
struct DocView {
    id: String,
    stem: String,
    number: u32,
    date: Option<String>,
    title: Option<String>,
    raw: String,
    text: String,
    signatures: Vec<SigView>,
    ok: bool,
    valid: usize,
    required: u32,
    bulletin_count: Option<u32>,
    next_window: Option<String>,
}

/// A release digest file that verifies, as linked from the hub.
#[derive(Debug, Clone, Serialize)]
struct DigestView {
    /// Its path below the digests folder.
    name: String,
    /// Its copy in the site.
    href: String,
    /// It carries its own (valid) cleartext signature.
    clearsigned: bool,
    /// Its valid detached signatures.
    signatures: Vec<SigLink>,
}

/// The team's contact as linked from the pages.
#[derive(Debug, Clone, Serialize)]
struct ContactView {
    /// As `secpack.toml` gives it (without `mailto:`).
    text: String,
    /// The URI it links to.
    href: String,
}

/// A signature file to download.
#[derive(Debug, Clone, Serialize)]
struct SigLink {
    who: Option<String>,
    href: String,
}

#[derive(Debug, Clone, Serialize)]
struct NavItem {
    href: String,
    label: String,
    current: bool,
}

#[derive(Debug, Clone, Serialize)]
struct Translation {
    lang: String,
    name: String,
    href: String,
}

#[derive(Debug, Clone, Serialize)]
struct TrustView {
    ok: bool,
    master: String,
    failures: Vec<String>,
    documents: usize,
    documents_ok: usize,
}

#[derive(Debug, Clone, Serialize)]
struct TrackerRow {
    number: u32,
    anchor: String,
    date: Option<String>,
    affected: &'static str,
    bulletin: Option<String>,
    bulletin_stem: Option<String>,
    unused: bool,
    title: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
struct TrackerStats {
    first: Option<String>,
    last: Option<String>,
    published: usize,
    affected: usize,
    tba: usize,
    percent: String,
}

#[derive(Debug, Clone, Serialize)]
struct TrackerView {
    rows: Vec<TrackerRow>,
    stats: TrackerStats,
}

#[derive(Debug, Clone, Serialize)]
struct KeyView {
    file: String,
    href: String,
    fingerprint: Option<String>,
    user_ids: Vec<String>,
    status: &'static str,
    trusted: bool,
    certified: bool,
    retired: bool,
    revoked: bool,
}

#[derive(Debug, Clone, Serialize)]
struct KeyGroup {
    role: String,
    keys: Vec<KeyView>,
}

#[derive(Debug, Clone, Serialize)]
struct MemberView {
    name: String,
    role: String,
    signer: String,
}

/// The generated (non-content) pages, by site path below a language's home.
const GENERATED: &[(&str, &str, &str)] = &[
    ("bulletins/index.html", "bulletins.html", "nav-bulletins"),
    ("canaries/index.html", "canaries.html", "nav-canaries"),
    ("tracker/index.html", "tracker.html", "nav-tracker"),
    ("keys/index.html", "keys.html", "nav-keys"),
    ("verify/index.html", "verify.html", "nav-verify"),
    ("team/index.html", "team.html", "nav-team"),
];

/// Everything language-independent the pages show.
struct Data {
    /// Where the content pages' own site puts the security centre.
    mount: Mount,
    /// Every file the site publishes (generated and content pages, copies of
    /// pack files below `pack/`), for links of mounted pages.
    published: BTreeSet<String>,
    project: String,
    team_name: String,
    upstream: String,
    upstream_prefix: String,
    trust: TrustView,
    bulletins: Vec<DocView>,
    canaries: Vec<DocView>,
    digests: Vec<DigestView>,
    audit: AuditReport,
    tracker: Option<TrackerView>,
    key_groups: Vec<KeyGroup>,
    current: Vec<MemberView>,
    emeritus: Vec<MemberView>,
    /// How to write to the team (`project.contact`), when usable.
    contact: Option<ContactView>,
    master_file: String,
    team_keys: String,
    example_doc: String,
    example_sig: String,
}

/// One language's strings and templates.
struct Speaker {
    lang: String,
    strings: Arc<Strings>,
    env: Environment<'static>,
}

impl Speaker {
    fn t(&self, id: &str) -> Result<String> {
        self.strings.plain(id)
    }

    fn t_args(&self, id: &str, args: &[(&str, Arg)]) -> Result<String> {
        let map = args
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        self.strings.get(id, &map)
    }

    /// Site path prefix of this language (`""` or `fr/`).
    fn prefix(&self) -> String {
        lang_prefix(&self.lang)
    }
}

fn lang_prefix(lang: &str) -> String {
    if lang == DEFAULT_LANG {
        String::new()
    } else {
        format!("{lang}/")
    }
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
        .map(|lang| {
            let strings = Arc::new(Strings::new(lang)?);
            let env = templates::environment(strings.clone(), &overrides)?;
            Ok(Speaker {
                lang: lang.clone(),
                strings,
                env,
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let mut data = gather(pack, report, options, &mut site)?;
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
            bail!("{by} and {other} would both be written at {file}");
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
            let html = sp.env.get_template("redirect.html")?.render(context! {
                lang => &p.lang,
                target => urls::relative(&file, &target_file),
                canonical => options.base_url.as_deref().map(|b| urls::absolute(b, &target_file)),
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
    security_txt(pack, report, &languages, options, &mut site)?;
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
        "fr" => include_str!("../defaults/hub.fr.md"),
        _ => include_str!("../defaults/hub.en.md"),
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

/// A content page's markdown as HTML, its links rebased on the mount.
fn markdown(data: &Data, body: &str, file: &str, lang: &str) -> String {
    let is_page = |f: &str| data.published.contains(f);
    content::render_markdown(body, &|url| data.mount.link(file, url, lang, &is_page))
}

/// Reads everything the pages show.
fn gather(
    pack: &Pack,
    report: &PackReport,
    options: &SiteOptions<'_>,
    site: &mut RenderedSite,
) -> Result<Data> {
    let config = &pack.config;
    let mut sigs_by_doc: BTreeMap<&str, Vec<&SignatureReport>> = BTreeMap::new();
    for s in &report.signatures {
        sigs_by_doc.entry(&s.document).or_default().push(s);
    }
    let docs_by_path: BTreeMap<&str, &DocumentReport> = report
        .documents
        .iter()
        .map(|d| (d.path.as_str(), d))
        .collect();

    let mut copy = |rel: &str| {
        site.copies
            .insert(format!("{PACK_COPY}/{rel}"), pack.path_of(rel));
    };
    let upstream_prefix = config.project.upstream_id_prefix.clone();
    let mut doc_view = |name: &NumberedName, file: &PackFile, id_prefix: &str| -> Result<DocView> {
        copy(&file.path);
        let signatures: Vec<SigView> = sigs_by_doc
            .get(file.path.as_str())
            .into_iter()
            .flatten()
            .map(|s| {
                if s.signature != s.document {
                    copy(&s.signature);
                }
                SigView {
                    who: s.signer.clone(),
                    status: s.status.code(),
                    ok: s.ok,
                    key: s.key.clone(),
                    warnings: s.warnings.iter().map(|w| w.code()).collect(),
                    reason: s.reason.clone(),
                    file: format!("{PACK_COPY}/{}", s.signature),
                }
            })
            .collect();
        let text = read_document(pack, &file.path)?;
        let header = BulletinHeader::parse(&text, &upstream_prefix);
        let doc = docs_by_path.get(file.path.as_str());
        let stem = file
            .path
            .rsplit('/')
            .next()
            .unwrap_or(&file.path)
            .trim_end_matches(".txt")
            .to_string();
        Ok(DocView {
            id: document_id(id_prefix, name),
            stem,
            number: name.number,
            date: header.date.map(|d| d.to_string()),
            title: header.title,
            raw: format!("{PACK_COPY}/{}", file.path),
            text,
            signatures,
            ok: doc.is_some_and(|d| d.ok),
            valid: doc.map_or(0, |d| d.valid_signers),
            required: doc.map_or(0, |d| d.required),
            bulletin_count: None,
            next_window: None,
        })
    };
    let mut bulletins = Vec::new();
    for (name, file) in pack.bulletins() {
        bulletins.push(doc_view(&name, file, &config.project.bulletin_id_prefix)?);
    }
    let signatures: BTreeMap<String, DocumentSigners> = report
        .documents
        .iter()
        .map(|d| {
            (
                d.path.clone(),
                DocumentSigners {
                    valid_signers: d.signers.clone(),
                    required: d.required,
                },
            )
        })
        .collect();
    let audit = audit_pack(
        pack,
        &AuditOptions {
            now: options.now.date_naive(),
            master: Some(report.master.fingerprint.clone()),
            signatures: Some(signatures),
            since: None,
        },
    );
    let mut canaries = Vec::new();
    for (name, file) in pack.canaries() {
        let mut view = doc_view(&name, file, "canary")?;
        if let Some(summary) = audit.canaries.iter().find(|c| c.path == file.path) {
            view.date = summary.date.map(|d| d.to_string()).or(view.date);
            view.bulletin_count = summary.bulletin_count;
            view.next_window = summary
                .next_window
                .as_ref()
                .map(|w| format!("{} – {}", w.start, w.end));
        }
        // A canary's "title" is its banner, not a bulletin title.
        view.title = None;
        canaries.push(view);
    }

    let tracker_path = pack.path_of(&config.tracker.file);
    let tracker =
        store::load_if_present(&tracker_path)?.map(|t| tracker_view(&t, config, &bulletins));

    let mut groups: BTreeMap<String, Vec<KeyView>> = BTreeMap::new();
    for k in &report.keys {
        copy(&k.file);
        groups.entry(k.role.clone()).or_default().push(KeyView {
            file: k.file.clone(),
            href: format!("{PACK_COPY}/{}", k.file),
            fingerprint: k.fingerprint.as_deref().map(spaced),
            user_ids: k.user_ids.clone(),
            status: k.status.code(),
            trusted: k.status.is_trusted(),
            certified: k.status == KeyStatus::Certified,
            retired: k.retired,
            revoked: k.revoked,
        });
    }
    // Release digest files that verify, with their signatures: counted on the
    // hub, so published and linked there. Those that do not verify are not.
    let digest_folder = format!("{}/", config.layout.digests);
    let mut digests = Vec::new();
    for d in report
        .documents
        .iter()
        .filter(|d| d.path.starts_with(&digest_folder))
    {
        if !d.ok {
            site.summary.notices.push(format!(
                "the digest file {} does not verify: not published",
                d.path
            ));
            continue;
        }
        copy(&d.path);
        let signatures = sigs_by_doc
            .get(d.path.as_str())
            .into_iter()
            .flatten()
            .filter(|s| s.ok && s.signature != s.document)
            .map(|s| {
                copy(&s.signature);
                SigLink {
                    who: s.signer.clone(),
                    href: format!("{PACK_COPY}/{}", s.signature),
                }
            })
            .collect();
        digests.push(DigestView {
            name: d.path[digest_folder.len()..].to_string(),
            href: format!("{PACK_COPY}/{}", d.path),
            clearsigned: sigs_by_doc
                .get(d.path.as_str())
                .is_some_and(|v| v.iter().any(|s| s.ok && s.signature == s.document)),
            signatures,
        });
    }
    site.summary.digests = digests.len();

    // The master's role first, then alphabetical.
    let mut key_groups: Vec<KeyGroup> = groups
        .into_iter()
        .map(|(role, keys)| KeyGroup { role, keys })
        .collect();
    key_groups.sort_by_key(|g| (g.role != secpack::config::ROLE_MASTER, g.role.clone()));

    let member = |m: &secpack::config::TeamMember| MemberView {
        name: m.name.clone(),
        role: m.role.clone(),
        signer: m.signer.clone(),
    };
    let master_file = report
        .master
        .file
        .clone()
        .unwrap_or_else(|| format!("{}/master-key/<master-key>.asc", config.layout.keys));
    let team_keys = format!(
        "{}/{}/*.asc",
        config.layout.keys,
        secpack::config::ROLE_SECURITY_TEAM
    );
    let (example_doc, example_sig) = bulletins
        .last()
        .and_then(|b| {
            b.signatures.first().map(|s| {
                (
                    b.raw
                        .trim_start_matches(&format!("{PACK_COPY}/"))
                        .to_string(),
                    s.file
                        .trim_start_matches(&format!("{PACK_COPY}/"))
                        .to_string(),
                )
            })
        })
        .unwrap_or_else(|| {
            let doc = format!(
                "{}/{}-001-2025.txt",
                config.layout.bulletins, config.layout.bulletin_prefix
            );
            (doc.clone(), format!("{doc}.sig.alice"))
        });
    Ok(Data {
        mount: Mount::default(),
        published: BTreeSet::new(),
        project: config.project.name.clone(),
        team_name: config.project.team_name.clone(),
        upstream: config.project.upstream_name.clone(),
        upstream_prefix,
        trust: TrustView {
            ok: report.summary.ok,
            master: spaced(&report.master.fingerprint),
            failures: report.summary.failures.clone(),
            documents: report.summary.documents,
            documents_ok: report.summary.documents_ok,
        },
        bulletins,
        canaries,
        digests,
        audit,
        tracker,
        key_groups,
        current: config
            .team
            .iter()
            .filter(|m| !m.emeritus)
            .map(member)
            .collect(),
        emeritus: config
            .team
            .iter()
            .filter(|m| m.emeritus)
            .map(member)
            .collect(),
        contact: config.project.contact.as_deref().and_then(|c| {
            contact_uri(c).map(|href| ContactView {
                text: c.trim().trim_start_matches("mailto:").to_string(),
                href,
            })
        }),
        master_file,
        team_keys,
        example_doc,
        example_sig,
    })
}

fn read_document(pack: &Pack, rel: &str) -> Result<String> {
    let path = pack.path_of(rel);
    let meta = std::fs::metadata(&path).with_context(|| format!("reading {rel}"))?;
    if meta.len() > MAX_DOCUMENT_BYTES {
        bail!("{rel} is larger than {MAX_DOCUMENT_BYTES} bytes");
    }
    let bytes = std::fs::read(&path).with_context(|| format!("reading {rel}"))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn tracker_view(
    tracker: &Tracker,
    config: &secpack::config::PackConfig,
    bulletins: &[DocView],
) -> TrackerView {
    let upstream_prefix = &config.project.upstream_id_prefix;
    let stems: BTreeMap<(u32, String), &str> = bulletins
        .iter()
        .map(|b| {
            let year = b.stem.rsplit('-').next().unwrap_or("").to_string();
            ((b.number, year), b.stem.as_str())
        })
        .collect();
    let anchor_prefix = upstream_prefix.to_ascii_lowercase();
    let rows = tracker
        .rows()
        .iter()
        .map(|r| TrackerRow {
            number: r.number,
            anchor: format!("{anchor_prefix}-{}", r.number),
            date: r.date.map(|d| d.to_string()),
            affected: match r.affected {
                Affected::Yes => "yes",
                Affected::No => "no",
                Affected::Tba => "tba",
            },
            bulletin: r.bulletin.map(|b| bulletin_id(config, b.number, b.year)),
            bulletin_stem: r.bulletin.and_then(|b| {
                stems
                    .get(&(b.number, b.year.to_string()))
                    .map(|s| s.to_string())
            }),
            unused: r.unused,
            title: r.title.clone(),
        })
        .collect();
    let s = stats::compute(tracker.rows());
    TrackerView {
        rows,
        stats: TrackerStats {
            first: s.first.map(|d| d.to_string()),
            last: s.last.map(|d| d.to_string()),
            published: s.published,
            affected: s.affected,
            tba: s.tba,
            percent: format!("{:.2}", s.percentage),
        },
    }
}

/// A fingerprint in groups of four.
fn spaced(hex: &str) -> String {
    hex.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[allow(clippy::too_many_arguments)]
fn render_language(
    sp: &Speaker,
    speakers: &[Speaker],
    hub: &ContentPage,
    more: &[&ContentPage],
    all_pages: &[ContentPage],
    data: &Data,
    options: &SiteOptions<'_>,
    site: &mut RenderedSite,
) -> Result<()> {
    let prefix = sp.prefix();
    let site_title = sp.t_args(
        "site-title",
        &[("project", Arg::Text(data.project.clone()))],
    )?;
    let overdue_banner = match (&data.audit.latest, data.audit.overdue) {
        (Some(latest), true) => Some(sp.t_args(
            "canary-overdue",
            &[
                (
                    "date",
                    Arg::Text(latest.next_due.map(|d| d.to_string()).unwrap_or_default()),
                ),
                ("days", Arg::Number(data.audit.days_overdue as f64)),
            ],
        )?),
        _ => None,
    };
    let trust_line = if data.trust.ok {
        sp.t_args(
            "trust-ok",
            &[("master", Arg::Text(data.trust.master.clone()))],
        )?
    } else {
        format!(
            "{} {}",
            sp.t_args(
                "trust-failed",
                &[("master", Arg::Text(data.trust.master.clone()))]
            )?,
            data.trust.failures.join("; ")
        )
    };
    let nav_targets: Vec<(String, String)> =
        std::iter::once((format!("{prefix}index.html"), sp.t("nav-home")?))
            .chain(
                GENERATED
                    .iter()
                    .map(|(path, _, label)| Ok((format!("{prefix}{path}"), sp.t(label)?)))
                    .collect::<Result<Vec<_>>>()?,
            )
            .collect();
    // The common part of every page at `file`, with its translations.
    let common = |file: &str, title: &str, translations: Vec<(String, String)>| -> Result<Value> {
        let root = urls::to_root(file);
        let nav: Vec<NavItem> = nav_targets
            .iter()
            .map(|(target, label)| NavItem {
                href: urls::relative(file, target),
                label: label.clone(),
                current: target == file,
            })
            .collect();
        let translations = translations
            .into_iter()
            .filter(|(lang, _)| *lang != sp.lang)
            .map(|(lang, target)| {
                let name = speakers
                    .iter()
                    .find(|s| s.lang == lang)
                    .map(|s| s.t("lang-name"))
                    .transpose()?
                    .unwrap_or_else(|| lang.clone());
                Ok(Translation {
                    href: urls::relative(file, &target),
                    lang,
                    name,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(context! {
            lang => &sp.lang,
            root => &root,
            home => format!("{root}{prefix}"),
            title => title,
            site_title => &site_title,
            nav => nav,
            translations => translations,
            canonical => options.base_url.as_deref().map(|b| urls::absolute(b, file)),
            trust => &data.trust,
            trust_line => &trust_line,
            generated => options.now.format("%Y-%m-%d").to_string(),
            canary_overdue => &overdue_banner,
            project => &data.project,
            upstream => &data.upstream,
            upstream_prefix => &data.upstream_prefix,
            report_form => options.report_form,
        })
    };
    // The same generated page in every language.
    let everywhere = |path: &str| -> Vec<(String, String)> {
        speakers
            .iter()
            .map(|s| (s.lang.clone(), format!("{}{path}", s.prefix())))
            .collect()
    };
    let mut emit = |file: String, template: &str, common: Value, page: Value| -> Result<()> {
        let html = sp
            .env
            .get_template(template)?
            .render(context! { page => page, ..common })
            .with_context(|| format!("rendering {file} with template {template}"))?;
        site.files.insert(file, html.into_bytes());
        Ok(())
    };

    // The hub.
    let hub_file = format!("{prefix}index.html");
    let hub_translations: Vec<(String, String)> = speakers
        .iter()
        .map(|s| (s.lang.clone(), format!("{}index.html", s.prefix())))
        .collect();
    let more_links: Vec<Value> = more
        .iter()
        .map(|p| {
            Ok(context! {
                href => urls::relative(&hub_file, &p.file()?),
                title => &p.title,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let latest_bulletin = data
        .bulletins
        .iter()
        .rev()
        .find(|b| !b.stem.contains("-letter"));
    let latest_canary = data.audit.latest.as_ref().and_then(|l| {
        data.canaries
            .iter()
            .find(|c| c.raw == format!("{PACK_COPY}/{}", l.path))
    });
    emit(
        hub_file.clone(),
        "hub.html",
        common(&hub_file, &hub.title, hub_translations)?,
        context! {
            html => markdown(data, &hub.body, &hub_file, &hub.lang),
            latest_bulletin => latest_bulletin,
            latest_canary => latest_canary,
            digests => &data.digests,
            contact => &data.contact,
            next_due => data.audit.latest.as_ref().and_then(|l| l.next_due).map(|d| d.to_string()),
            more => more_links,
        },
    )?;

    // Other content pages, with their translations by `ref`.
    for page in more {
        let file = page.file()?;
        let translations = match &page.ref_key {
            Some(r) => all_pages
                .iter()
                .filter(|p| p.ref_key.as_ref() == Some(r))
                .map(|p| Ok((p.lang.clone(), p.file()?)))
                .collect::<Result<Vec<_>>>()?,
            None => Vec::new(),
        };
        emit(
            file.clone(),
            "content.html",
            common(&file, &page.title, translations)?,
            context! { html => markdown(data, &page.body, &file, &page.lang) },
        )?;
    }

    // Generated pages.
    for (path, template, label) in GENERATED {
        let file = format!("{prefix}{path}");
        let title = match *path {
            "tracker/index.html" => sp.t_args(
                "tracker-title",
                &[("upstream", Arg::Text(data.upstream.clone()))],
            )?,
            "bulletins/index.html" => sp.t("bulletins-title")?,
            "canaries/index.html" => sp.t("canaries-title")?,
            "keys/index.html" => sp.t("keys-title")?,
            "verify/index.html" => sp.t("verify-title")?,
            "team/index.html" => sp.t("team-title")?,
            _ => sp.t(label)?,
        };
        let page = match *path {
            "bulletins/index.html" => context! { bulletins => &data.bulletins },
            "canaries/index.html" => context! {
                canaries => &data.canaries,
                latest => &data.audit.latest,
                overdue => data.audit.overdue,
                days_overdue => data.audit.days_overdue,
                findings => findings(&data.audit, None),
            },
            "tracker/index.html" => context! { tracker => &data.tracker },
            "keys/index.html" => context! { groups => &data.key_groups },
            "verify/index.html" => context! {
                master_file => &data.master_file,
                master_hex => data.trust.master.replace(' ', ""),
                team_keys => &data.team_keys,
                example_doc => &data.example_doc,
                example_sig => &data.example_sig,
            },
            _ => context! {
                current => &data.current,
                emeritus => &data.emeritus,
                contact => &data.contact,
            },
        };
        emit(
            file.clone(),
            template,
            common(&file, &title, everywhere(path))?,
            page,
        )?;
    }

    // One page per bulletin and canary.
    for d in &data.bulletins {
        let path = format!("bulletins/{}.html", d.stem);
        let file = format!("{prefix}{path}");
        let title = match &d.title {
            Some(t) => format!("{}: {t}", d.id),
            None => sp.t_args("bulletin-heading", &[("id", Arg::Text(d.id.clone()))])?,
        };
        emit(
            file.clone(),
            "document.html",
            common(&file, &title, everywhere(&path))?,
            context! { document => d, findings => Vec::<Value>::new() },
        )?;
    }
    for d in &data.canaries {
        let path = format!("canaries/{}.html", d.stem);
        let file = format!("{prefix}{path}");
        let title = sp.t_args(
            "canary-heading",
            &[(
                "number",
                Arg::Text(d.id.trim_start_matches("canary-").to_string()),
            )],
        )?;
        emit(
            file.clone(),
            "document.html",
            common(&file, &title, everywhere(&path))?,
            context! { document => d, findings => findings(&data.audit, Some(d.number)) },
        )?;
    }

    // Feeds.
    let team = &data.team_name;
    let bulletin_items: Vec<FeedItem> = data
        .bulletins
        .iter()
        .map(|b| FeedItem {
            key: b.stem.clone(),
            title: match &b.title {
                Some(t) => format!("{}: {t}", b.id),
                None => b.id.clone(),
            },
            date: b.date.as_deref().and_then(|d| d.parse().ok()),
            href: format!("bulletins/{}.html", b.stem),
            summary: b.title.clone().unwrap_or_else(|| b.id.clone()),
        })
        .collect();
    let canary_items: Vec<FeedItem> = data
        .canaries
        .iter()
        .map(|c| FeedItem {
            key: c.stem.clone(),
            title: c.id.clone(),
            date: c.date.as_deref().and_then(|d| d.parse().ok()),
            href: format!("canaries/{}.html", c.stem),
            summary: c.id.clone(),
        })
        .collect();
    for (kind, title_id, items) in [
        ("bulletins", "bulletins-title", &bulletin_items),
        ("canaries", "canaries-title", &canary_items),
    ] {
        let feed_path = format!("{prefix}{kind}.atom");
        let title = format!("{} · {site_title}", sp.t(title_id)?);
        let xml = feeds::render(
            kind,
            &title,
            team,
            &feed_path,
            options.base_url.as_deref(),
            items,
            options.now,
        );
        site.files.insert(feed_path, xml.into_bytes());
    }
    Ok(())
}

fn findings(audit: &AuditReport, canary: Option<u32>) -> Vec<Value> {
    audit
        .findings
        .iter()
        .filter(|f| canary.is_none() || f.canary == canary)
        .map(|f| {
            context! {
                code => f.kind.code(),
                severity => match f.severity {
                    secpack::canary::audit::Severity::Alert => "alert",
                    secpack::canary::audit::Severity::Notice => "notice",
                },
                canary => f.canary,
                detail => &f.detail,
            }
        })
        .collect()
}

fn security_txt(
    pack: &Pack,
    report: &PackReport,
    languages: &[String],
    options: &SiteOptions<'_>,
    site: &mut RenderedSite,
) -> Result<()> {
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
            secpack::signing::sign_cleartext(k, text.as_bytes())?
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
