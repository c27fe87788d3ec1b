//! Why a proof of freshness could not be gathered: a configuration that names
//! no usable source, or a source that failed. Each error's message is whole
//! (a failed source names the feed or block source and then why), so it reads
//! the same however it is printed.

use std::path::PathBuf;

use crate::error::{Coded, ErrorClass, IoError};

/// Why gathering a proof of freshness, or reading one of its sources, failed.
#[derive(Debug, thiserror::Error)]
pub enum FreshnessError {
    /// `canary.http_timeout_secs` is out of range.
    #[error("secpack.toml: canary.http_timeout_secs = {0} must be between 0 and 600 seconds")]
    BadHttpTimeout(f64),
    /// `canary.http_retries` is out of range.
    #[error("secpack.toml: canary.http_retries = {0} must be at most 10")]
    BadHttpRetries(u32),
    /// No news feed is configured.
    #[error("secpack.toml: no news feed is configured ([[canary.feeds]] with a `url`); {hint}", hint = super::OFFLINE_HINT)]
    NoFeeds,
    /// `canary.headlines` is out of range.
    #[error("secpack.toml: canary.headlines = {0} must be between 1 and {max}", max = super::MAX_HEADLINES)]
    BadHeadlineCount(usize),
    /// A feed's URL is not a source.
    #[error(
        "secpack.toml: feed URL {url:?} is not an http(s) URL, a file:// URL or a path: {cause}"
    )]
    BadFeedUrl {
        /// The URL as configured.
        url: String,
        /// Why.
        cause: Box<FreshnessError>,
    },
    /// No block source is configured.
    #[error("secpack.toml: no block source is configured ([canary.block_source] with `tip_url` and `block_url`); {hint}", hint = super::OFFLINE_HINT)]
    NoBlockSource,
    /// The block source's `tip_url` is not a source.
    #[error("secpack.toml: block_source.tip_url {url:?} is not an http(s) URL, a file:// URL or a path: {cause}")]
    BadTipUrl {
        /// The URL as configured.
        url: String,
        /// Why.
        cause: Box<FreshnessError>,
    },
    /// The block source's `block_url` is not a source with `{height}`.
    #[error("secpack.toml: block_source.block_url {0:?} must be an http(s) URL, a file:// URL or a path containing {{height}}")]
    BadBlockUrl(String),

    /// A source is empty.
    #[error("the source is empty (expected an http(s):// URL, a file:// URL or a path)")]
    EmptySource,
    /// `http://` or `https://` without a host, or with spaces.
    #[error("{0:?} is not an http(s) URL")]
    BadHttpUrl(String),
    /// A `file://` URL naming another host or a relative path.
    #[error("{0:?} names no local file: write file:///absolute/path (three slashes)")]
    NoLocalFile(String),
    /// A scheme other than `http`, `https` and `file`.
    #[error("{url:?}: the scheme {scheme}:// is not supported (use http://, https://, file:// or a path)")]
    UnsupportedScheme {
        /// The source.
        url: String,
        /// Its scheme.
        scheme: String,
    },
    /// A `file://` URL's `%XX` escape is malformed.
    #[error("{0:?} has a malformed %-escape")]
    BadEscape(String),
    /// A `file://` URL's path is not UTF-8 once decoded.
    #[error("{0:?} is not UTF-8 once decoded")]
    PathNotUtf8(String),
    /// A local source could not be read.
    #[error(transparent)]
    Io(#[from] IoError),
    /// A local source is a folder, a device...
    #[error("{} is not a regular file", .0.display())]
    NotRegularFile(PathBuf),
    /// A local source is larger than answers may be.
    #[error("{} is larger than {max} bytes", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit.
        max: u64,
    },
    /// An HTTP request failed (after its retries).
    #[error("{0}")]
    Http(String),
    /// A feed's answer is not RSS or Atom.
    #[error("not a readable RSS or Atom feed: {0}")]
    UnreadableFeed(String),
    /// A block source's answer does not hold what was asked.
    #[error("{0}")]
    BadBlockAnswer(String),

    /// A news feed failed.
    #[error("news feed {name} ({url}): {cause}")]
    Feed {
        /// The feed's title, or its URL.
        name: String,
        /// Its URL.
        url: String,
        /// Why.
        cause: Box<FreshnessError>,
    },
    /// A news feed has fewer headlines than configured.
    #[error("news feed {name} ({url}): only {got} headline(s), {needed} needed")]
    TooFewHeadlines {
        /// The feed's title, or its URL.
        name: String,
        /// Its URL.
        url: String,
        /// Headlines it has.
        got: usize,
        /// Headlines wanted.
        needed: usize,
    },
    /// The block source's chain tip could not be read.
    #[error("block source {name}: chain tip ({url}): {cause}")]
    ChainTip {
        /// The source's name.
        name: String,
        /// The tip URL.
        url: String,
        /// Why.
        cause: Box<FreshnessError>,
    },
    /// The chain is shorter than the configured depth.
    #[error("block source {name}: the chain tip {tip} is lower than the block depth {depth}")]
    TipBelowDepth {
        /// The source's name.
        name: String,
        /// The chain tip's height.
        tip: u64,
        /// The configured depth.
        depth: u64,
    },
    /// The block could not be read.
    #[error("block source {name}: block {height} ({url}): {cause}")]
    Block {
        /// The source's name.
        name: String,
        /// The block's height.
        height: u64,
        /// The block URL.
        url: String,
        /// Why.
        cause: Box<FreshnessError>,
    },
}

impl FreshnessError {
    /// The same error, said of the news feed `name` at `url`.
    pub(super) fn in_feed(self, name: &str, url: &str) -> Self {
        Self::Feed {
            name: name.to_string(),
            url: url.to_string(),
            cause: Box::new(self),
        }
    }
}

impl Coded for FreshnessError {
    fn code(&self) -> &'static str {
        match self {
            Self::BadHttpTimeout(_) => "bad-http-timeout",
            Self::BadHttpRetries(_) => "bad-http-retries",
            Self::NoFeeds => "no-feeds",
            Self::BadHeadlineCount(_) => "bad-headline-count",
            Self::BadFeedUrl { .. } => "bad-feed-url",
            Self::NoBlockSource => "no-block-source",
            Self::BadTipUrl { .. } => "bad-tip-url",
            Self::BadBlockUrl(_) => "bad-block-url",
            Self::EmptySource => "empty-source",
            Self::BadHttpUrl(_) => "bad-http-url",
            Self::NoLocalFile(_) => "no-local-file",
            Self::UnsupportedScheme { .. } => "unsupported-scheme",
            Self::BadEscape(_) => "bad-escape",
            Self::PathNotUtf8(_) => "path-not-utf8",
            Self::Io(e) => e.code(),
            Self::NotRegularFile(_) => "not-a-regular-file",
            Self::TooLarge { .. } => "source-too-large",
            Self::Http(_) => "http-failed",
            Self::UnreadableFeed(_) => "unreadable-feed",
            Self::BadBlockAnswer(_) => "bad-block-answer",
            Self::Feed { .. } => "feed-failed",
            Self::TooFewHeadlines { .. } => "too-few-headlines",
            Self::ChainTip { .. } => "chain-tip-failed",
            Self::TipBelowDepth { .. } => "tip-below-depth",
            Self::Block { .. } => "block-failed",
        }
    }

    fn class(&self) -> ErrorClass {
        match self {
            Self::BadHttpTimeout(_)
            | Self::BadHttpRetries(_)
            | Self::NoFeeds
            | Self::BadHeadlineCount(_)
            | Self::BadFeedUrl { .. }
            | Self::NoBlockSource
            | Self::BadTipUrl { .. }
            | Self::BadBlockUrl(_)
            | Self::EmptySource
            | Self::BadHttpUrl(_)
            | Self::NoLocalFile(_)
            | Self::UnsupportedScheme { .. }
            | Self::BadEscape(_)
            | Self::PathNotUtf8(_) => ErrorClass::Config,
            Self::Io(e) => e.class(),
            _ => ErrorClass::Failure,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_source_says_which_and_why_in_one_message() {
        let e = FreshnessError::BadBlockAnswer("the answer is not UTF-8 text".into());
        let e = FreshnessError::Block {
            name: "Node".into(),
            height: 900_000,
            url: "file:///b".into(),
            cause: Box::new(e),
        };
        assert_eq!(
            e.to_string(),
            "block source Node: block 900000 (file:///b): the answer is not UTF-8 text"
        );
        assert_eq!(e.code(), "block-failed");
        assert_eq!(e.class().exit_status(), 1);
        let found = crate::error::find(&e).unwrap();
        assert_eq!(found.code, "block-failed");
    }

    #[test]
    fn configuration_errors_are_config_class() {
        for e in [
            FreshnessError::NoFeeds,
            FreshnessError::NoBlockSource,
            FreshnessError::BadHttpRetries(11),
            FreshnessError::BadFeedUrl {
                url: "ftp://x".into(),
                cause: Box::new(FreshnessError::UnsupportedScheme {
                    url: "ftp://x".into(),
                    scheme: "ftp".into(),
                }),
            },
        ] {
            assert_eq!(e.class(), ErrorClass::Config, "{e}");
            assert_eq!(e.class().exit_status(), 2, "{e}");
        }
        assert!(FreshnessError::NoFeeds
            .to_string()
            .contains("--freshness FILE"));
    }
}
