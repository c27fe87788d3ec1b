//! Proof of freshness: what shows that a canary was written on the day it
//! says, and not prepared in advance.
//!
//! [`gather`] fetches, for each news feed configured in `secpack.toml`
//! (`[canary] feeds`), its newest headlines, then the hash of a Bitcoin block
//! a few blocks below the chain tip from the configured block source, and
//! [`ProofOfFreshness::render`] prints them under an RFC 5322 date line, in the
//! layout the canary parser reads back. Any source that fails, or gives too
//! few items, stops the whole gathering with an error naming the source: a
//! canary never goes out with part of its freshness missing. A source may be
//! a local file ([`locate`]), and a proof may be written by hand and given to
//! `secpack canary new --freshness FILE` ([`OFFLINE_HINT`]); either way
//! [`check_proof`] refuses a proof older than the canary by more than a few
//! days, or one quoting a block an earlier canary quoted.

mod block;
mod check;
mod error;
mod feed;
mod http;
mod source;

pub use block::{parse_hash, parse_height, MIN_LEADING_ZEROS};
pub use check::{check_proof, ProofError};
pub use error::FreshnessError;
pub use feed::{clean_line, parse_feed, FeedHeadlines, MAX_HEADLINE_CHARS};
pub use http::{Fetcher, HttpOptions};
pub use source::{locate, read_local, Location};

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::{BlockSource, CanaryConfig, Feed};

/// Most headlines a feed may be asked for.
pub const MAX_HEADLINES: usize = 50;

/// What to do without the network, or without configured sources: said by
/// every error that stops a gathering.
pub const OFFLINE_HINT: &str = "offline, or no sources? write the proof of freshness yourself \
(a date line, headlines, a block hash) and pass it with `secpack canary new --freshness FILE` \
(format: docs/canaries.md, \"Proof of freshness offline\"); a feed or block source may also \
be a local file (file:///PATH or a path)";

/// A gathered proof of freshness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProofOfFreshness {
    /// When it was gathered.
    pub date: DateTime<Utc>,
    /// Headlines of each feed, in configuration order.
    pub feeds: Vec<QuotedFeed>,
    /// The block quoted.
    pub block: QuotedBlock,
}

/// Headlines taken from one feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuotedFeed {
    /// Title printed (the configured one, else the feed's own, else the URL).
    pub title: String,
    /// The feed's URL.
    pub url: String,
    /// The newest headlines.
    pub headlines: Vec<String>,
}

/// The block quoted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuotedBlock {
    /// Name printed for the source.
    pub source: String,
    /// Height of the block.
    pub height: u64,
    /// Its hash, lower-case hex.
    pub hash: String,
}

impl ProofOfFreshness {
    /// The text of the `Proof of freshness` section.
    pub fn render(&self) -> String {
        let mut out = format!("{}\n", self.date.format("%a, %d %b %Y %H:%M:%S +0000"));
        for f in &self.feeds {
            out.push_str(&format!("\nSource: {} ({})\n", f.title, f.url));
            for h in &f.headlines {
                out.push_str(h);
                out.push('\n');
            }
        }
        out.push_str(&format!(
            "\nSource: {}\n{}\n",
            self.block.source, self.block.hash
        ));
        out
    }
}

/// The HTTP behaviour configured in `[canary]`.
pub fn http_options(config: &CanaryConfig) -> Result<HttpOptions, FreshnessError> {
    let t = config.http_timeout_secs;
    if !(t.is_finite() && t > 0.0 && t <= 600.0) {
        return Err(FreshnessError::BadHttpTimeout(t));
    }
    if config.http_retries > 10 {
        return Err(FreshnessError::BadHttpRetries(config.http_retries));
    }
    Ok(HttpOptions {
        timeout: Duration::from_secs_f64(t),
        retries: config.http_retries,
        ..HttpOptions::default()
    })
}

/// Checks that the configuration names every source needed, before anything
/// is fetched. Sources are `http(s)://` URLs, `file://` URLs or paths
/// ([`locate`]; relative paths are checked here as they are written).
pub fn check_config(config: &CanaryConfig) -> Result<&BlockSource, FreshnessError> {
    if config.feeds.is_empty() {
        return Err(FreshnessError::NoFeeds);
    }
    if !(1..=MAX_HEADLINES).contains(&config.headlines) {
        return Err(FreshnessError::BadHeadlineCount(config.headlines));
    }
    for f in &config.feeds {
        locate(&f.url, None).map_err(|e| FreshnessError::BadFeedUrl {
            url: f.url.clone(),
            cause: Box::new(e),
        })?;
    }
    let Some(block) = &config.block_source else {
        return Err(FreshnessError::NoBlockSource);
    };
    locate(&block.tip_url, None).map_err(|e| FreshnessError::BadTipUrl {
        url: block.tip_url.clone(),
        cause: Box::new(e),
    })?;
    if locate(&block.block_url, None).is_err() || !block.block_url.contains("{height}") {
        return Err(FreshnessError::BadBlockUrl(block.block_url.clone()));
    }
    Ok(block)
}

/// Gathers the whole proof of freshness, dated `now`.
pub fn gather(
    config: &CanaryConfig,
    fetcher: &Fetcher,
    now: DateTime<Utc>,
) -> Result<ProofOfFreshness, FreshnessError> {
    let block_source = check_config(config)?;
    let feeds = config
        .feeds
        .iter()
        .map(|f| fetch_feed(fetcher, f, config.headlines))
        .collect::<Result<Vec<_>, _>>()?;
    let block = fetch_block(fetcher, block_source, config.block_depth)?;
    Ok(ProofOfFreshness {
        date: now,
        feeds,
        block,
    })
}

/// The newest `count` headlines of a feed.
pub fn fetch_feed(
    fetcher: &Fetcher,
    feed: &Feed,
    count: usize,
) -> Result<QuotedFeed, FreshnessError> {
    let name = feed.title.as_deref().unwrap_or(&feed.url);
    let parsed = fetcher
        .get(&feed.url)
        .and_then(|body| parse_feed(&body))
        .map_err(|e| e.in_feed(name, &feed.url))?;
    if parsed.headlines.len() < count {
        return Err(FreshnessError::TooFewHeadlines {
            name: name.to_string(),
            url: feed.url.clone(),
            got: parsed.headlines.len(),
            needed: count,
        });
    }
    // A local file is quoted under the address the feed gives for itself,
    // which readers can check; the path means nothing to them.
    let url = match fetcher.locate(&feed.url) {
        Ok(Location::File(_)) => parsed.link.clone().unwrap_or_else(|| feed.url.clone()),
        _ => feed.url.clone(),
    };
    let title = feed
        .title
        .as_deref()
        .map(clean_line)
        .filter(|t| !t.is_empty())
        .or(parsed.title)
        .unwrap_or_else(|| url.clone());
    Ok(QuotedFeed {
        title,
        url,
        headlines: parsed.headlines.into_iter().take(count).collect(),
    })
}

/// Name printed for a local block source without a configured name.
pub const LOCAL_BLOCK_SOURCE: &str = "Bitcoin (local node)";

/// The block `depth` blocks below the tip.
pub fn fetch_block(
    fetcher: &Fetcher,
    source: &BlockSource,
    depth: u64,
) -> Result<QuotedBlock, FreshnessError> {
    let name = if !source.name.trim().is_empty() {
        clean_line(&source.name)
    } else if fetcher.locate(&source.tip_url).is_ok_and(|l| l.is_local()) {
        LOCAL_BLOCK_SOURCE.to_string()
    } else {
        host_of(&source.tip_url).to_string()
    };
    let tip = fetcher
        .get(&source.tip_url)
        .and_then(|b| parse_height(&b))
        .map_err(|e| FreshnessError::ChainTip {
            name: name.clone(),
            url: source.tip_url.clone(),
            cause: Box::new(e),
        })?;
    let Some(height) = tip.checked_sub(depth) else {
        return Err(FreshnessError::TipBelowDepth { name, tip, depth });
    };
    let url = source.block_url.replace("{height}", &height.to_string());
    let hash = fetcher
        .get(&url)
        .and_then(|b| parse_hash(&b))
        .map_err(|e| FreshnessError::Block {
            name: name.clone(),
            height,
            url: url.clone(),
            cause: Box::new(e),
        })?;
    Ok(QuotedBlock {
        source: name,
        height,
        hash,
    })
}

fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}
