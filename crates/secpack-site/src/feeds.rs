//! Atom feeds of bulletins and canaries.

use atom_syndication::{Entry, Feed, FixedDateTime, Link, Person, Text};
use chrono::{DateTime, NaiveDate, Utc};

use crate::urls;

/// One item of a feed.
#[derive(Debug, Clone)]
pub struct FeedItem {
    /// Stable identifier part (`dsb-001-2025`).
    pub key: String,
    /// Title.
    pub title: String,
    /// Publication date, when known.
    pub date: Option<NaiveDate>,
    /// Path of its page, relative to the feed's folder.
    pub href: String,
    /// Short summary.
    pub summary: String,
}

/// Renders a feed (by `author`) written at `feed_path` (site-relative). Links are relative
/// to the feed; ids are absolute URLs with a base URL, `urn:` names without.
pub fn render(
    kind: &str,
    title: &str,
    author: &str,
    feed_path: &str,
    base_url: Option<&str>,
    items: &[FeedItem],
    now: DateTime<Utc>,
) -> String {
    let when = |d: Option<NaiveDate>| -> FixedDateTime {
        d.and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
            .unwrap_or(now)
            .fixed_offset()
    };
    let id = |key: &str, href: &str| match base_url {
        Some(base) => {
            let dir = feed_path.rsplit_once('/').map_or("", |(d, _)| d);
            urls::absolute(base, format!("{dir}/{href}").trim_start_matches('/'))
        }
        None => format!("urn:x-secpack:{kind}:{key}"),
    };
    let entries: Vec<Entry> = items
        .iter()
        .map(|item| Entry {
            id: id(&item.key, &item.href),
            title: Text::plain(item.title.clone()),
            updated: when(item.date),
            published: item.date.map(|d| when(Some(d))),
            links: vec![Link {
                href: item.href.clone(),
                rel: "alternate".into(),
                mime_type: Some("text/html".into()),
                ..Link::default()
            }],
            summary: Some(Text::plain(item.summary.clone())),
            ..Entry::default()
        })
        .collect();
    let updated = entries
        .iter()
        .map(|e| e.updated)
        .max()
        .unwrap_or_else(|| now.fixed_offset());
    let feed = Feed {
        id: match base_url {
            Some(b) => urls::absolute(b, feed_path),
            None => format!("urn:x-secpack:{kind}"),
        },
        title: Text::plain(title.to_string()),
        authors: vec![Person {
            name: author.to_string(),
            ..Person::default()
        }],
        updated,
        links: vec![Link {
            href: feed_path
                .rsplit('/')
                .next()
                .unwrap_or(feed_path)
                .to_string(),
            rel: "self".into(),
            mime_type: Some("application/atom+xml".into()),
            ..Link::default()
        }],
        entries,
        ..Feed::default()
    };
    feed.to_string()
}
