//! News feeds (RSS 0.9x/1.0/2.0, Atom) read for their newest headlines.

use super::FreshnessError;

/// What secpack takes from a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedHeadlines {
    /// The feed's own title, cleaned.
    pub title: Option<String>,
    /// Entry titles, newest first, cleaned; entries without a title are left
    /// out.
    pub headlines: Vec<String>,
    /// The address the feed gives for itself (its `rel="self"` link, else
    /// its first link), when that is an `http(s)://` URL.
    pub link: Option<String>,
}

/// Longest headline kept, in characters (longer ones are cut with `...`).
pub const MAX_HEADLINE_CHARS: usize = 300;

/// Parses a feed document. Entries are ordered newest first by their
/// publication (or update) date when every entry has one, otherwise kept in
/// document order, which feeds use for recency.
pub fn parse_feed(bytes: &[u8]) -> Result<FeedHeadlines, FreshnessError> {
    let feed =
        feed_rs::parser::parse(bytes).map_err(|e| FreshnessError::UnreadableFeed(e.to_string()))?;
    let mut entries: Vec<_> = feed.entries.iter().collect();
    if entries.iter().all(|e| e.published.or(e.updated).is_some()) {
        // Stable: entries with equal dates keep their document order.
        entries.sort_by_key(|e| std::cmp::Reverse(e.published.or(e.updated)));
    }
    let headlines = entries
        .into_iter()
        .filter_map(|e| e.title.as_ref())
        .map(|t| clean_line(&t.content))
        .filter(|t| !t.is_empty())
        .collect();
    let web = |href: &str| {
        let href = href.trim();
        let ok = (href.starts_with("https://") || href.starts_with("http://"))
            && href.len() <= MAX_HEADLINE_CHARS
            && !href.contains(|c: char| c.is_whitespace() || c.is_control() || c == ')');
        ok.then(|| href.to_string())
    };
    let link = feed
        .links
        .iter()
        .filter(|l| l.rel.as_deref() == Some("self"))
        .chain(feed.links.iter())
        .find_map(|l| web(&l.href));
    Ok(FeedHeadlines {
        link,
        title: feed
            .title
            .map(|t| clean_line(&t.content))
            .filter(|t| !t.is_empty()),
        headlines,
    })
}

/// One line of plain text: control characters dropped, whitespace collapsed,
/// cut at [`MAX_HEADLINE_CHARS`].
pub fn clean_line(s: &str) -> String {
    let spaced: String = s
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| !c.is_control())
        .collect();
    let collapsed = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= MAX_HEADLINE_CHARS {
        return collapsed;
    }
    let cut: String = collapsed.chars().take(MAX_HEADLINE_CHARS - 3).collect();
    format!("{}...", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            if let Ok(f) = parse_feed(&bytes) {
                for h in f.headlines {
                    prop_assert!(!h.is_empty() && !h.contains('\n'));
                }
            }
        }

        #[test]
        fn clean_lines_are_single_trimmed_lines(s in "\\PC{0,400}|[\\s\\S]{0,40}") {
            let c = clean_line(&s);
            prop_assert!(!c.contains(['\n', '\r', '\t']));
            prop_assert_eq!(c.trim(), c.as_str());
            prop_assert!(c.chars().count() <= MAX_HEADLINE_CHARS);
        }

        #[test]
        fn every_item_title_is_read(titles in proptest::collection::vec("[A-Za-z0-9]{1,20}( [A-Za-z0-9]{1,20}){0,3}", 1..10)) {
            let items: String = titles.iter().map(|t| format!("<item><title>{t}</title></item>")).collect();
            let xml = format!("<rss version=\"2.0\"><channel><title>T</title>{items}</channel></rss>");
            prop_assert_eq!(parse_feed(xml.as_bytes()).unwrap().headlines, titles);
        }
    }
}
