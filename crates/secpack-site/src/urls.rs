//! Site paths and the relative links between them.
//!
//! Every page lives at a path relative to the site root (`fr/bulletins/index.html`)
//! and links to others with relative URLs, so the site works from the file
//! system and under any base URL.

use secpack::error::{Coded, ErrorClass};

/// A permalink that is not a plain site path.
#[derive(Debug, thiserror::Error)]
pub enum PermalinkError {
    /// It does not start with `/`.
    #[error("permalink {0:?} does not start with /")]
    NotAbsolute(String),
    /// One of its components is empty, `.`, `..` or holds other characters.
    #[error("permalink {permalink:?} has a component that is not a plain name: {part:?}")]
    BadComponent {
        /// The permalink.
        permalink: String,
        /// The component.
        part: String,
    },
}

impl Coded for PermalinkError {
    fn code(&self) -> &'static str {
        "bad-permalink"
    }
    fn class(&self) -> ErrorClass {
        ErrorClass::Config
    }
}

/// The output file of a permalink (`/fr/security/` → `fr/security/index.html`).
///
/// A permalink must start with `/` and hold only plain path components made
/// of letters, digits, `-`, `_` and `.` (no `..`, no empty component).
pub fn permalink_to_file(permalink: &str) -> Result<String, PermalinkError> {
    let Some(rest) = permalink.strip_prefix('/') else {
        return Err(PermalinkError::NotAbsolute(permalink.to_string()));
    };
    let trailing_slash = rest.is_empty() || rest.ends_with('/');
    let trimmed = rest.trim_end_matches('/');
    let mut parts = Vec::new();
    if !trimmed.is_empty() {
        for part in trimmed.split('/') {
            let plain = !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !plain {
                return Err(PermalinkError::BadComponent {
                    permalink: permalink.to_string(),
                    part: part.to_string(),
                });
            }
            parts.push(part);
        }
    }
    let last_is_file = !trailing_slash
        && parts
            .last()
            .is_some_and(|p| p.ends_with(".html") || p.ends_with(".htm"));
    if last_is_file {
        return Ok(parts.join("/"));
    }
    parts.push("index.html");
    Ok(parts.join("/"))
}

/// The relative URL from the page at `from` to the file at `to`, both paths
/// relative to the site root.
pub fn relative(from: &str, to: &str) -> String {
    let from_dirs: Vec<&str> = from.split('/').collect();
    let from_dirs = &from_dirs[..from_dirs.len() - 1];
    let to_parts: Vec<&str> = to.split('/').collect();
    let (to_dirs, to_file) = to_parts.split_at(to_parts.len() - 1);
    let common = from_dirs
        .iter()
        .zip(to_dirs)
        .take_while(|(a, b)| a == b)
        .count();
    let mut url = "../".repeat(from_dirs.len() - common);
    for d in &to_dirs[common..] {
        url.push_str(d);
        url.push('/');
    }
    url.push_str(to_file[0]);
    url
}

/// The `../` prefix leading from the page at `from` back to the site root
/// (empty at the root).
pub fn to_root(from: &str) -> String {
    "../".repeat(from.matches('/').count())
}

/// Joins a base URL and a site path (`https://x.org/sec/` + `keys/index.html`).
pub fn absolute(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permalinks_map_to_files() {
        assert_eq!(permalink_to_file("/").unwrap(), "index.html");
        assert_eq!(permalink_to_file("/fr/").unwrap(), "fr/index.html");
        assert_eq!(
            permalink_to_file("/fr/security/pack").unwrap(),
            "fr/security/pack/index.html"
        );
        assert_eq!(permalink_to_file("/a/b.html").unwrap(), "a/b.html");
        for bad in ["fr/", "/../x/", "/a//b/", "/a b/", "/./", "/a/<x>/"] {
            assert!(permalink_to_file(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn relative_urls_climb_and_descend() {
        assert_eq!(relative("index.html", "keys/index.html"), "keys/index.html");
        assert_eq!(
            relative("fr/bulletins/index.html", "pack/QSBs/a.txt"),
            "../../pack/QSBs/a.txt"
        );
        assert_eq!(
            relative("fr/bulletins/x.html", "fr/bulletins/index.html"),
            "index.html"
        );
        assert_eq!(
            relative("fr/keys/index.html", "fr/index.html"),
            "../index.html"
        );
        assert_eq!(to_root("fr/keys/index.html"), "../../");
        assert_eq!(to_root("index.html"), "");
    }
}
