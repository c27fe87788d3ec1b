//! Content pages: markdown files with YAML front matter (`title`, `permalink`,
//! `redirect_from`, `lang`, `ref`), as a Jekyll site writes them.
//!
//! The pack keeps them in its `site/` folder (`site/*.md`); the hub is the
//! page whose permalink is its language's root (`/` in English, `/fr/` in
//! French). Raw HTML in the markdown is shown as text, never passed through:
//! the site carries no script a pack author did not mean to publish.

use std::path::Path;

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag};
use secpack::error::{Coded, ErrorClass, IoError};
use serde::Deserialize;

use crate::urls::{self, PermalinkError};

/// Largest content page read.
pub const MAX_PAGE_BYTES: u64 = 1 << 20;
/// The language of pages that do not name one.
pub const DEFAULT_LANG: &str = "en";

/// A content page that cannot be used; `page` names it (pack-relative).
#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    /// The file does not start with a line `---`.
    #[error("{page}: no front matter (the file must start with a line `---`)")]
    NoFrontMatter {
        /// The page.
        page: String,
    },
    /// No line `---` ends the front matter.
    #[error("{page}: the front matter is not closed by a line `---`")]
    Unclosed {
        /// The page.
        page: String,
    },
    /// The front matter is not the YAML a page has.
    #[error("{page}: reading the front matter")]
    FrontMatter {
        /// The page.
        page: String,
        /// The YAML error.
        #[source]
        error: serde_norway::Error,
    },
    /// `lang` is not a language code.
    #[error("{page}: lang {lang:?} is not a language code")]
    Language {
        /// The page.
        page: String,
        /// What it says.
        lang: String,
    },
    /// `ref` is neither a string nor a number.
    #[error("{page}: ref must be a string or a number, not {found}")]
    Ref {
        /// The page.
        page: String,
        /// What it holds.
        found: String,
    },
    /// `permalink` is not a plain site path.
    #[error("{page}: bad permalink")]
    Permalink {
        /// The page.
        page: String,
        /// Why.
        #[source]
        error: PermalinkError,
    },
    /// An entry of `redirect_from` is not a plain site path.
    #[error("{page}: bad redirect_from")]
    Redirect {
        /// The page.
        page: String,
        /// Why.
        #[source]
        error: PermalinkError,
    },
    /// The page is a link or a folder.
    #[error("{page} is not a regular file (symlinks are refused)")]
    NotAFile {
        /// The page.
        page: String,
    },
    /// The page is larger than [`MAX_PAGE_BYTES`].
    #[error("{page} is larger than {MAX_PAGE_BYTES} bytes")]
    TooLarge {
        /// The page.
        page: String,
    },
    /// Reading the folder or a page failed.
    #[error(transparent)]
    Io(#[from] IoError),
}

impl Coded for ContentError {
    fn code(&self) -> &'static str {
        match self {
            Self::NoFrontMatter { .. } | Self::Unclosed { .. } | Self::FrontMatter { .. } => {
                "bad-front-matter"
            }
            Self::Language { .. } => "bad-language",
            Self::Ref { .. } => "bad-ref",
            Self::Permalink { .. } | Self::Redirect { .. } => "bad-permalink",
            Self::NotAFile { .. } | Self::TooLarge { .. } => "bad-content-file",
            Self::Io(e) => e.code(),
        }
    }
    fn class(&self) -> ErrorClass {
        match self {
            Self::Io(e) => e.class(),
            _ => ErrorClass::Config,
        }
    }
}

type Result<T, E = ContentError> = std::result::Result<T, E>;

/// A content page, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct ContentPage {
    /// Where it came from (pack-relative path, or `built-in`).
    pub source: String,
    /// Its title.
    pub title: String,
    /// Its language code (`en`, `fr`).
    pub lang: String,
    /// The key shared by the translations of one page (`ref`).
    pub ref_key: Option<String>,
    /// Where it is published, relative to the site root (`/fr/security/`).
    pub permalink: String,
    /// Older addresses that redirect to it.
    pub redirect_from: Vec<String>,
    /// The markdown body.
    pub body: String,
}

impl ContentPage {
    /// The output file, relative to the site root.
    pub fn file(&self) -> Result<String, PermalinkError> {
        urls::permalink_to_file(&self.permalink)
    }

    /// Whether this page is its language's hub (permalink `/` or `/<lang>/`).
    pub fn is_hub(&self) -> bool {
        self.permalink == lang_root(&self.lang)
    }
}

/// The site-root permalink of a language: `/` for English, `/fr/` otherwise.
pub fn lang_root(lang: &str) -> String {
    if lang == DEFAULT_LANG {
        "/".into()
    } else {
        format!("/{lang}/")
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
struct FrontMatter {
    title: Option<String>,
    permalink: Option<String>,
    redirect_from: Option<OneOrMany>,
    lang: Option<String>,
    #[serde(rename = "ref")]
    ref_key: Option<serde_norway::Value>,
}

/// Parses a content page; `source` names it in errors, `stem` (the file name
/// without `.md` and language) gives the default permalink.
pub fn parse(text: &str, source: &str, stem: &str) -> Result<ContentPage> {
    let page = || source.to_string();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
    else {
        return Err(ContentError::NoFrontMatter { page: page() });
    };
    let (yaml, body) =
        split_front_matter(rest).ok_or_else(|| ContentError::Unclosed { page: page() })?;
    let fm: FrontMatter =
        serde_norway::from_str(yaml).map_err(|error| ContentError::FrontMatter {
            page: page(),
            error,
        })?;
    let lang = fm.lang.unwrap_or_else(|| DEFAULT_LANG.into());
    let lang_ok = (2..=8).contains(&lang.len())
        && lang.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !lang_ok {
        return Err(ContentError::Language { page: page(), lang });
    }
    let ref_key = match fm.ref_key {
        None | Some(serde_norway::Value::Null) => None,
        Some(serde_norway::Value::String(s)) => Some(s),
        Some(serde_norway::Value::Number(n)) => Some(n.to_string()),
        Some(other) => {
            return Err(ContentError::Ref {
                page: page(),
                found: format!("{other:?}"),
            })
        }
    };
    let permalink = match fm.permalink {
        Some(p) => p,
        None if stem == "index" => lang_root(&lang),
        None => format!("{}{stem}/", lang_root(&lang)),
    };
    urls::permalink_to_file(&permalink).map_err(|error| ContentError::Permalink {
        page: page(),
        error,
    })?;
    let redirect_from = match fm.redirect_from {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => vec![s],
        Some(OneOrMany::Many(v)) => v,
    };
    for r in &redirect_from {
        urls::permalink_to_file(r).map_err(|error| ContentError::Redirect {
            page: page(),
            error,
        })?;
    }
    Ok(ContentPage {
        source: source.to_string(),
        title: fm.title.unwrap_or_else(|| stem.to_string()),
        lang,
        ref_key,
        permalink,
        redirect_from,
        body: body.to_string(),
    })
}

/// Splits the text after the opening `---` into the YAML and the body.
fn split_front_matter(rest: &str) -> Option<(&str, &str)> {
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Some((&rest[..offset], &rest[offset + line.len()..]));
        }
        offset += line.len();
    }
    None
}

/// Reads every `*.md` page of `dir` (not recursive; missing folder → none),
/// sorted by file name.
pub fn load_dir(dir: &Path, rel_prefix: &str) -> Result<Vec<ContentPage>> {
    let read_dir = |e| IoError::new("reading", dir, e);
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(read_dir(e).into()),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(read_dir)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            names.push(name);
        }
    }
    names.sort();
    let mut pages = Vec::new();
    for name in names {
        let source = format!("{rel_prefix}{name}");
        let path = dir.join(&name);
        let read = |e| IoError::new("reading", &path, e);
        let meta = std::fs::symlink_metadata(&path).map_err(read)?;
        if !meta.is_file() {
            return Err(ContentError::NotAFile { page: source });
        }
        if meta.len() > MAX_PAGE_BYTES {
            return Err(ContentError::TooLarge { page: source });
        }
        let text = std::fs::read_to_string(&path).map_err(read)?;
        // `index.fr.md` → stem `index`.
        let stem = name.trim_end_matches(".md");
        let stem = stem.split('.').next().unwrap_or(stem);
        pages.push(parse(&text, &source, stem)?);
    }
    Ok(pages)
}

/// Renders markdown to HTML, every link and image URL passed through
/// `rewrite` (the site uses [`crate::mount::Mount::link`]: site-absolute
/// links become relative); raw HTML is escaped.
pub fn render_markdown(body: &str, rewrite: &dyn Fn(&str) -> String) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let events: Vec<Event<'_>> = Parser::new_ext(body, options)
        .map(|event| match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Link {
                link_type,
                dest_url: CowStr::from(rewrite(&dest_url)),
                title,
                id,
            }),
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Image {
                link_type,
                dest_url: CowStr::from(rewrite(&dest_url)),
                title,
                id,
            }),
            Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
            other => other,
        })
        .collect();
    let mut out = String::new();
    html::push_html(&mut out, with_heading_ids(events).into_iter());
    out
}

/// Gives every heading without an explicit `{#id}` the id a Jekyll site
/// (kramdown) gives it, so links to `#reporting-security-issues` keep
/// working: its text in lower case, spaces as `-`, punctuation dropped, made
/// unique on the page with `-1`, `-2`...
fn with_heading_ids(mut events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let mut used: std::collections::BTreeSet<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::Start(Tag::Heading { id: Some(id), .. }) => Some(id.to_string()),
            _ => None,
        })
        .collect();
    for i in 0..events.len() {
        if !matches!(&events[i], Event::Start(Tag::Heading { id: None, .. })) {
            continue;
        }
        let mut text = String::new();
        for e in &events[i + 1..] {
            match e {
                Event::End(pulldown_cmark::TagEnd::Heading(_)) => break,
                Event::Text(t) | Event::Code(t) => text.push_str(t),
                _ => {}
            }
        }
        let base = heading_slug(&text);
        let base = if base.is_empty() {
            "section".to_string()
        } else {
            base
        };
        let mut slug = base.clone();
        let mut n = 0;
        while used.contains(&slug) {
            n += 1;
            slug = format!("{base}-{n}");
        }
        used.insert(slug.clone());
        if let Event::Start(Tag::Heading { id, .. }) = &mut events[i] {
            *id = Some(CowStr::from(slug));
        }
    }
    events
}

/// kramdown's automatic header id: letters and digits in lower case, `-`
/// and `_` kept, spaces as `-`, everything else dropped, and no leading
/// character that is not a letter.
pub fn heading_slug(text: &str) -> String {
    let slug: String = text
        .trim()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .flat_map(char::to_lowercase)
        .collect();
    slug.trim_start_matches(|c: char| !c.is_alphabetic())
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mount::Mount;
    use proptest::prelude::*;

    #[test]
    fn jekyll_front_matter_is_read() {
        let text = "---\nlang: fr\nlayout: doc\npermalink: /fr/security/\nredirect_from:\n- /fr/doc/a/\n- /fr/doc/b/\nref: 217\ntitle: Centre\n---\n\nBonjour\n";
        let p = parse(text, "site/hub.fr.md", "hub").unwrap();
        assert_eq!(p.lang, "fr");
        assert_eq!(p.permalink, "/fr/security/");
        assert_eq!(p.redirect_from, ["/fr/doc/a/", "/fr/doc/b/"]);
        assert_eq!(p.ref_key.as_deref(), Some("217"));
        assert_eq!(p.title, "Centre");
        assert_eq!(p.body.trim(), "Bonjour");
        assert!(!p.is_hub());
    }

    #[test]
    fn defaults_follow_the_file_name() {
        let p = parse("---\ntitle: T\n---\nx", "site/index.md", "index").unwrap();
        assert!(p.is_hub());
        let p = parse("---\nlang: fr\n---\nx", "site/faq.fr.md", "faq").unwrap();
        assert_eq!(p.permalink, "/fr/faq/");
        let p = parse("---\nredirect_from: /old/\n---\n", "a.md", "a").unwrap();
        assert_eq!(p.redirect_from, ["/old/"]);
    }

    #[test]
    fn bad_pages_are_refused_with_their_name() {
        for (text, why) in [
            ("no front matter", "no front matter"),
            ("---\ntitle: x\n", "not closed"),
            ("---\npermalink: /../etc/\n---\n", "bad permalink"),
            ("---\nlang: \"<b>\"\n---\n", "not a language"),
            ("---\nref: [1]\n---\n", "ref must be"),
            ("---\nredirect_from: [\"x\"]\n---\n", "bad redirect_from"),
            ("---\ntitle: [unclosed\n---\n", "front matter"),
        ] {
            let e = format!("{:#}", parse(text, "site/x.md", "x").unwrap_err());
            assert!(e.contains("site/x.md") && e.contains(why), "{text:?}: {e}");
        }
    }

    #[test]
    fn headings_get_the_ids_jekyll_gives_them() {
        let html = render_markdown(
            "## Reporting Security Issues in Qubes OS\n\n### Keys {#keys}\n\n## Keys\n\n## Keys\n\n## 2. Clés & *signatures*\n",
            &|u| u.to_string(),
        );
        for id in [
            "reporting-security-issues-in-qubes-os",
            "keys",
            "keys-1",
            "keys-2",
            "clés--signatures",
        ] {
            assert!(html.contains(&format!("id=\"{id}\"")), "{id}: {html}");
        }
        assert_eq!(
            heading_slug("Simon Gaiser (aka HW42)"),
            "simon-gaiser-aka-hw42"
        );
    }

    #[test]
    fn markdown_links_become_relative_and_html_is_escaped() {
        let html = render_markdown(
            "[k](/fr/keys/#m) [e](https://x.org/) <script>alert(1)</script>\n\n<div>x</div>\n",
            &|u| Mount::default().link("fr/index.html", u, "fr", &|_| true),
        );
        assert!(html.contains("href=\"keys/index.html#m\""), "{html}");
        assert!(html.contains("href=\"https://x.org/\""), "{html}");
        assert!(
            !html.contains("<script>") && !html.contains("<div>"),
            "{html}"
        );
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    proptest! {
        #[test]
        fn parsing_never_panics(text in "(---\n)?[ -~\n]{0,200}(\n---\n)?[ -~\n]{0,50}") {
            let _ = parse(&text, "p.md", "p");
        }

        #[test]
        fn rendering_never_emits_raw_tags(body in "[<>a-z/ \"=\n\\[\\]()]{0,120}") {
            let html = render_markdown(&body, &|u| Mount::default().link("index.html", u, "en", &|_| true));
            prop_assert!(!html.contains("<script"));
            prop_assert!(!html.contains("<a h") || html.contains("<a href=\""));
        }
    }
}
