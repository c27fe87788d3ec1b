//! Content pages written for a larger site.
//!
//! A project's own website often keeps its security centre below a path of
//! its own: the hub at `/security/` (`/fr/security/` in French), other pages
//! below it, links to `/security/bulletins/` and to pages outside it
//! (`/faq/`). Copied into a pack's `site/` folder, such pages are *mounted*:
//! the built site is what gets published at `/security/`, so every permalink,
//! redirect and link is rebased on that path. Links that leave it point at
//! the project's site (absolute, from `--base-url`'s origin), and the usual
//! names of the generated pages (`xsa/`, `verifying-signatures/`, `pack/`)
//! lead to secpack's own.

use crate::content::{lang_root, ContentPage, DEFAULT_LANG};
use crate::urls;

/// Names other sites give the pages secpack generates, and secpack's own.
const ALIASES: &[(&str, &str)] = &[
    ("/xsa/", "/tracker/"),
    ("/verifying-signatures/", "/verify/"),
    ("/pack/", "/keys/"),
];

/// Where the content pages' own site puts the security centre.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mount {
    /// The hub's permalink in the pages' site (`/security/`); `None` when the
    /// pages are written for this site's root.
    pub prefix: Option<String>,
    /// Scheme and host of the published site (`https://www.example.org`),
    /// for links that leave the mount.
    pub origin: Option<String>,
}

impl Mount {
    /// Finds the mount of `pages`: when no page is its language's root, the
    /// shortest English permalink is the hub's if every English page lies
    /// below it and it has a translation at `/<lang>` + the same path or a
    /// page below it. `base_url` gives the origin for outside links.
    pub fn detect(pages: &[ContentPage], base_url: Option<&str>) -> Self {
        let origin = base_url.and_then(origin_of);
        let none = Self {
            prefix: None,
            origin: origin.clone(),
        };
        if pages.iter().any(|p| p.permalink == lang_root(&p.lang)) {
            return none;
        }
        let english: Vec<&str> = pages
            .iter()
            .filter(|p| p.lang == DEFAULT_LANG)
            .map(|p| p.permalink.as_str())
            .collect();
        let Some(shortest) = english.iter().min_by_key(|p| p.len()).copied() else {
            return none;
        };
        let is_dir = shortest.len() > 1 && shortest.ends_with('/');
        let covers_all = english.iter().all(|p| p.starts_with(shortest));
        let translated = pages
            .iter()
            .any(|p| p.lang != DEFAULT_LANG && p.permalink == format!("/{}{shortest}", p.lang));
        let pages_below = english.iter().any(|p| *p != shortest);
        if is_dir && covers_all && (translated || pages_below) {
            Self {
                prefix: Some(shortest.to_string()),
                origin,
            }
        } else {
            none
        }
    }

    /// `permalink` of a page in `lang` as this site publishes it, or `None`
    /// when it lies outside the mount.
    pub fn rebase(&self, permalink: &str, lang: &str) -> Option<String> {
        let Some(prefix) = &self.prefix else {
            return Some(permalink.to_string());
        };
        if let Some(rest) = permalink.strip_prefix(prefix.as_str()) {
            return Some(format!("{}{rest}", lang_root(DEFAULT_LANG)));
        }
        if lang != DEFAULT_LANG {
            let localized = format!("/{lang}{prefix}");
            if let Some(rest) = permalink.strip_prefix(localized.as_str()) {
                return Some(format!("{}{rest}", lang_root(lang)));
            }
        }
        None
    }

    /// Rebases every page: permalinks inside the mount; redirects outside it
    /// are dropped (this site cannot answer at those paths) and returned as
    /// notices.
    pub fn apply(&self, pages: &mut [ContentPage]) -> Vec<String> {
        let mut notices = Vec::new();
        if self.prefix.is_none() {
            return notices;
        }
        for page in pages.iter_mut() {
            if let Some(p) = self.rebase(&page.permalink, &page.lang) {
                page.permalink = p;
            }
            let mut kept = Vec::new();
            for r in &page.redirect_from {
                match self.rebase(r, &page.lang) {
                    Some(inside) => kept.push(inside),
                    None => notices.push(format!(
                        "{}: redirect from {r} is outside {} and is not built",
                        page.source,
                        self.prefix.as_deref().unwrap_or("/")
                    )),
                }
            }
            page.redirect_from = kept;
        }
        notices
    }

    /// Rewrites a link of a content page in `lang` written at `from`. Inside
    /// the mount (or with no mount), a relative link to the file it names,
    /// through `ALIASES` when `is_page` says nothing is published at the
    /// alias. A link that leaves the mount, or that a mounted page makes to
    /// a page this site does not have, becomes an absolute link on the origin
    /// (kept as written without one). External and relative links are kept.
    pub fn link(
        &self,
        from: &str,
        url: &str,
        lang: &str,
        is_page: &dyn Fn(&str) -> bool,
    ) -> String {
        if !url.starts_with('/') || url.starts_with("//") {
            return url.to_string();
        }
        let (path, tail) = match url.find(['#', '?']) {
            Some(i) => url.split_at(i),
            None => (url, ""),
        };
        let outside = || match &self.origin {
            Some(o) => format!("{o}{url}"),
            None => url.to_string(),
        };
        let Some(inside) = self.rebase(path, lang) else {
            return outside();
        };
        let Ok(mut file) = urls::permalink_to_file(&inside) else {
            return url.to_string();
        };
        if !is_page(&file) {
            let root = lang_root(lang);
            let alias = ALIASES
                .iter()
                .find(|(alias, _)| inside == format!("{root}{}", &alias[1..]));
            if let Some(ours) = alias.and_then(|(_, ours)| {
                urls::permalink_to_file(&format!("{root}{}", &ours[1..])).ok()
            }) {
                file = ours;
            } else if self.prefix.is_some() {
                return outside();
            }
        }
        format!("{}{tail}", urls::relative(from, &file))
    }
}

/// `https://www.example.org` of `https://www.example.org/security/`.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split('/').next().filter(|h| !h.is_empty())?;
    Some(format!("{scheme}://{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(lang: &str, permalink: &str, redirects: &[&str]) -> ContentPage {
        ContentPage {
            source: format!("site/{lang}{}.md", permalink.replace('/', "_")),
            title: "t".into(),
            lang: lang.into(),
            ref_key: None,
            permalink: permalink.into(),
            redirect_from: redirects.iter().map(|r| r.to_string()).collect(),
            body: String::new(),
        }
    }

    #[test]
    fn a_hub_below_the_root_with_its_translation_is_mounted() {
        let mut pages = vec![
            page("en", "/security/", &["/en/security/", "/wiki/Old/"]),
            page("fr", "/fr/security/", &["/fr/doc/security/"]),
            page("en", "/security/goals/", &[]),
        ];
        let m = Mount::detect(&pages, Some("https://www.demo.invalid/security/"));
        assert_eq!(m.prefix.as_deref(), Some("/security/"));
        assert_eq!(m.origin.as_deref(), Some("https://www.demo.invalid"));
        let notices = m.apply(&mut pages);
        assert_eq!(pages[0].permalink, "/");
        assert_eq!(pages[1].permalink, "/fr/");
        assert_eq!(pages[2].permalink, "/goals/");
        assert!(pages[0].redirect_from.is_empty() && pages[1].redirect_from.is_empty());
        assert_eq!(notices.len(), 3, "{notices:?}");
    }

    #[test]
    fn pages_for_the_root_or_a_lone_page_are_not_mounted() {
        let root = [page("en", "/", &[]), page("en", "/faq/", &[])];
        assert_eq!(Mount::detect(&root, None).prefix, None);
        let lone = [page("en", "/faq/", &[])];
        assert_eq!(Mount::detect(&lone, None).prefix, None);
        let apart = [
            page("en", "/a/", &[]),
            page("en", "/b/x/", &[]),
            page("fr", "/fr/a/", &[]),
        ];
        assert_eq!(Mount::detect(&apart, None).prefix, None);
    }

    #[test]
    fn links_are_rebased_aliased_or_made_absolute() {
        let m = Mount {
            prefix: Some("/security/".into()),
            origin: Some("https://www.demo.invalid".into()),
        };
        let ours = |f: &str| {
            [
                "bulletins/index.html",
                "tracker/index.html",
                "fr/verify/index.html",
            ]
            .contains(&f)
        };
        assert_eq!(
            m.link("index.html", "/security/bulletins/", "en", &ours),
            "bulletins/index.html"
        );
        assert_eq!(
            m.link("index.html", "/security/xsa/#t", "en", &ours),
            "tracker/index.html#t"
        );
        assert_eq!(
            m.link(
                "fr/index.html",
                "/fr/security/verifying-signatures/",
                "fr",
                &ours
            ),
            "verify/index.html"
        );
        // A content page published at the alias keeps it.
        let with_pack = |f: &str| f == "pack/index.html";
        assert_eq!(
            m.link("index.html", "/security/pack/", "en", &with_pack),
            "pack/index.html"
        );
        // Pages this site does not have, inside or outside the mount, are
        // the project site's.
        assert_eq!(
            m.link("index.html", "/security/goals/", "en", &ours),
            "https://www.demo.invalid/security/goals/"
        );
        assert_eq!(
            m.link("index.html", "/faq/#general", "en", &ours),
            "https://www.demo.invalid/faq/#general"
        );
        assert_eq!(
            m.link("index.html", "#reporting", "en", &ours),
            "#reporting"
        );
        assert_eq!(
            m.link("index.html", "https://x.org/", "en", &ours),
            "https://x.org/"
        );
        let bare = Mount {
            origin: None,
            ..m.clone()
        };
        assert_eq!(bare.link("index.html", "/team/", "en", &ours), "/team/");
        // No mount: every site-absolute link is this site's, made relative;
        // other links are kept.
        let plain = Mount::default();
        let all = |_: &str| true;
        assert_eq!(
            plain.link("fr/index.html", "/fr/keys/#master", "fr", &all),
            "keys/index.html#master"
        );
        assert_eq!(
            plain.link("index.html", "https://x.org/", "en", &all),
            "https://x.org/"
        );
        assert_eq!(
            plain.link("index.html", "//x.org/a", "en", &all),
            "//x.org/a"
        );
        assert_eq!(plain.link("index.html", "#top", "en", &all), "#top");
        assert_eq!(plain.link("a/index.html", "/", "en", &all), "../index.html");
        assert_eq!(
            plain.link("fr/index.html", "/fr/keys/#m", "fr", &|_| false),
            "keys/index.html#m"
        );
    }
}
