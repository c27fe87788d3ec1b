//! Where a proof-of-freshness source lives: an `http://` or `https://` URL,
//! or a local file (a `file://` URL or a plain path), so that a team
//! without network access, or with a feed reader or a Bitcoin node of its
//! own, can still gather a proof.

use std::path::{Path, PathBuf};

use super::FreshnessError;
use crate::error::IoError;

type Result<T, E = FreshnessError> = std::result::Result<T, E>;

/// A located source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// Fetched over HTTP(S).
    Http(String),
    /// Read from this local file.
    File(PathBuf),
}

impl Location {
    /// Whether the source is a local file.
    pub fn is_local(&self) -> bool {
        matches!(self, Self::File(_))
    }
}

/// Locates `url`: `http://` and `https://` URLs as they are; `file:///PATH`
/// (or `file://localhost/PATH`, `%XX` escapes decoded) and plain paths as
/// files, a relative path taken from `base` (the pack root) when given.
/// Other schemes, `file://` URLs naming another host, and empty strings
/// are refused.
pub fn locate(url: &str, base: Option<&Path>) -> Result<Location> {
    let url = url.trim();
    if url.is_empty() {
        return Err(FreshnessError::EmptySource);
    }
    if let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    {
        if rest.is_empty() || rest.contains(char::is_whitespace) {
            return Err(FreshnessError::BadHttpUrl(url.to_string()));
        }
        return Ok(Location::Http(url.to_string()));
    }
    if let Some(rest) = strip_prefix_ignore_case(url, "file://") {
        let path = match rest.strip_prefix("localhost") {
            Some(p) if p.starts_with('/') => p,
            _ => rest,
        };
        if !path.starts_with('/') {
            return Err(FreshnessError::NoLocalFile(url.to_string()));
        }
        return Ok(Location::File(PathBuf::from(percent_decode(path)?)));
    }
    if let Some((scheme, _)) = url.split_once("://") {
        if !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            return Err(FreshnessError::UnsupportedScheme {
                url: url.to_string(),
                scheme: scheme.to_string(),
            });
        }
    }
    let path = Path::new(url);
    Ok(Location::File(match base {
        Some(base) if path.is_relative() => base.join(path),
        _ => path.to_path_buf(),
    }))
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// Decodes `%XX` escapes of a `file://` URL's path.
fn percent_decode(path: &str) -> Result<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            let Some(b) = hex else {
                return Err(FreshnessError::BadEscape(path.to_string()));
            };
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| FreshnessError::PathNotUtf8(path.to_string()))
}

/// Reads a local source: a regular file (links followed) of at most
/// `max_bytes` bytes.
pub fn read_local(path: &Path, max_bytes: u64) -> Result<Vec<u8>> {
    let reading = |e| IoError::new("reading", path, e);
    let file = std::fs::File::open(path).map_err(reading)?;
    let meta = file.metadata().map_err(reading)?;
    if !meta.is_file() {
        return Err(FreshnessError::NotRegularFile(path.to_path_buf()));
    }
    crate::fsutil::read_open_capped(&file, path, max_bytes).map_err(|e| match e {
        crate::fsutil::ReadCappedError::Io(e) => FreshnessError::from(e),
        crate::fsutil::ReadCappedError::TooLarge { path, limit } => {
            FreshnessError::TooLarge { path, max: limit }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations() {
        let base = Path::new("/pack");
        for (url, want) in [
            (
                "https://a.test/rss",
                Location::Http("https://a.test/rss".into()),
            ),
            ("http://a.test/x", Location::Http("http://a.test/x".into())),
            (
                "file:///srv/feeds/world.rss",
                Location::File("/srv/feeds/world.rss".into()),
            ),
            (
                "FILE:///srv/a%20b.rss",
                Location::File("/srv/a b.rss".into()),
            ),
            (
                "file://localhost/srv/x.rss",
                Location::File("/srv/x.rss".into()),
            ),
            ("/abs/feed.xml", Location::File("/abs/feed.xml".into())),
            (
                "feeds/world.rss",
                Location::File("/pack/feeds/world.rss".into()),
            ),
        ] {
            assert_eq!(locate(url, Some(base)).unwrap(), want, "{url}");
        }
        assert_eq!(
            locate("feeds/world.rss", None).unwrap(),
            Location::File("feeds/world.rss".into())
        );
        for bad in [
            "",
            "   ",
            "https://",
            "http://a b",
            "file://server/share/x.rss",
            "file://relative.rss",
            "file:///bad%zz",
            "ftp://a.test/x",
            "gopher://a.test/x",
        ] {
            assert!(locate(bad, Some(base)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn local_reads_are_bounded_and_regular() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, b"12345").unwrap();
        assert_eq!(read_local(&f, 5).unwrap(), b"12345");
        let e = read_local(&f, 4).unwrap_err().to_string();
        assert!(e.contains("larger than 4 bytes"), "{e}");
        let e = read_local(dir.path(), 100).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
        let e = format!(
            "{:#}",
            read_local(&dir.path().join("none"), 100).unwrap_err()
        );
        assert!(e.contains("reading") && e.contains("none"), "{e}");
    }
}
