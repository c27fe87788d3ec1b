//! One language's Atom feeds: the bulletins and the canaries.

use super::render::Speaker;
use super::views::Data;
use super::{RenderedSite, SiteOptions};
use crate::error::SiteError;
use crate::feeds::{self, FeedItem};

/// Writes `bulletins.atom` and `canaries.atom` of the language `sp` speaks.
pub(super) fn language_feeds(
    sp: &Speaker,
    data: &Data,
    site_title: &str,
    options: &SiteOptions<'_>,
    site: &mut RenderedSite,
) -> Result<(), SiteError> {
    let prefix = sp.prefix();
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
