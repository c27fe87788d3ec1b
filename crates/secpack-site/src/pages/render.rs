//! One language's pages and feeds from the gathered views.

use std::collections::BTreeMap;
use std::sync::Arc;

use minijinja::{context, Environment, Value};
use secpack::canary::audit::{AuditReport, Severity};

use super::feeds::language_feeds;
use super::views::{Data, NavItem, Translation};
use super::{RenderedSite, SiteOptions, PACK_COPY};
use crate::content::{self, ContentPage, DEFAULT_LANG};
use crate::error::SiteError;
use crate::i18n::{Arg, Strings, StringsError};
use crate::templates;
use crate::urls;

type Result<T, E = SiteError> = std::result::Result<T, E>;

/// The generated (non-content) pages, by site path below a language's home.
pub(super) const GENERATED: &[(&str, &str, &str)] = &[
    ("bulletins/index.html", "bulletins.html", "nav-bulletins"),
    ("canaries/index.html", "canaries.html", "nav-canaries"),
    ("tracker/index.html", "tracker.html", "nav-tracker"),
    ("keys/index.html", "keys.html", "nav-keys"),
    ("verify/index.html", "verify.html", "nav-verify"),
    ("team/index.html", "team.html", "nav-team"),
];

/// One language's strings and templates.
pub(super) struct Speaker {
    pub(super) lang: String,
    strings: Arc<Strings>,
    pub(super) env: Environment<'static>,
}

impl Speaker {
    /// `lang`'s strings, and the templates (with the pack's `overrides`).
    pub(super) fn new(lang: &str, overrides: &BTreeMap<String, String>) -> Result<Self> {
        let strings = Arc::new(Strings::new(lang)?);
        let env = templates::environment(strings.clone(), overrides)?;
        Ok(Self {
            lang: lang.to_string(),
            strings,
            env,
        })
    }

    pub(super) fn t(&self, id: &str) -> Result<String, StringsError> {
        self.strings.plain(id)
    }

    fn t_args(&self, id: &str, args: &[(&str, Arg)]) -> Result<String, StringsError> {
        let map = args
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        self.strings.get(id, &map)
    }

    /// A decimal number written with a point (`50.00`), with this
    /// language's decimal separator (`decimal-separator`: `50,00` in French).
    pub(super) fn decimal(&self, number: &str) -> Result<String, StringsError> {
        Ok(number.replace('.', &self.t("decimal-separator")?))
    }

    /// Site path prefix of this language (`""` or `fr/`).
    pub(super) fn prefix(&self) -> String {
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

/// A content page's markdown as HTML, its links rebased on the mount.
fn markdown(data: &Data, body: &str, file: &str, lang: &str) -> String {
    let is_page = |f: &str| data.published.contains(f);
    content::render_markdown(body, &|url| data.mount.link(file, url, lang, &is_page))
}

/// Every page and feed of one language.
#[allow(clippy::too_many_arguments)]
pub(super) fn render_language(
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
            .get_template(template)
            .and_then(|t| t.render(context! { page => page, ..common }))
            .map_err(|error| SiteError::Render {
                file: file.clone(),
                template: template.to_string(),
                error,
            })?;
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
            "tracker/index.html" => context! {
                tracker => &data.tracker,
                percent => data.tracker.as_ref().map(|t| sp.decimal(&t.stats.percent)).transpose()?,
            },
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

    language_feeds(sp, data, &site_title, options, site)
}

/// The audit's findings (about one canary, or all) as the templates show them.
fn findings(audit: &AuditReport, canary: Option<u32>) -> Vec<Value> {
    audit
        .findings
        .iter()
        .filter(|f| canary.is_none() || f.canary == canary)
        .map(|f| {
            context! {
                code => f.kind.code(),
                severity => match f.severity {
                    Severity::Alert => "alert",
                    Severity::Notice => "notice",
                },
                canary => f.canary,
                detail => &f.detail,
            }
        })
        .collect()
}
