//! The ROLIE distribution (CSAF 2.0 §7.1.15–7.1.17): each feed the
//! provider metadata names is valid against the ROLIE feed schema and lists
//! its documents; beside it, a category document
//! (`category-<tlp label>.json`) names the categories; beside the provider
//! metadata, the service document (`service.json`) lists exactly the feeds
//! the metadata names.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::documents::Listing;
use super::fetch::{folder_of, Source};
use super::metadata::{FeedRef, Metadata};
use super::schema::{self, Schema};
use super::Findings;

/// One kind of ROLIE document: the requirement it belongs to, the codes of
/// its findings and its name in their messages.
struct Kind {
    /// The CSAF 2.0 requirement (§7.1.N).
    req: u8,
    /// The code when it cannot be read.
    missing: &'static str,
    /// The code when it is not what it should be.
    invalid: &'static str,
    /// Its name, without an article ("ROLIE feed").
    noun: &'static str,
}

const FEED: Kind = Kind {
    req: 15,
    missing: "feed-missing",
    invalid: "feed-invalid",
    noun: "ROLIE feed",
};

const SERVICE: Kind = Kind {
    req: 16,
    missing: "service-missing",
    invalid: "service-invalid",
    noun: "ROLIE service document",
};

const CATEGORY: Kind = Kind {
    req: 17,
    missing: "category-missing",
    invalid: "category-invalid",
    noun: "ROLIE category document",
};

impl Kind {
    /// The document at `url` as JSON; `None` (with a finding) when it
    /// cannot be read or is not JSON.
    fn fetch(&self, source: &Source, url: &str, findings: &mut Findings) -> Option<Value> {
        let what = format!("the {}", self.noun);
        let bytes = source.fetch(url, findings, self.missing, self.req, &what)?;
        match serde_json::from_slice(&bytes) {
            Ok(v) => Some(v),
            Err(e) => {
                findings.error(
                    self.invalid,
                    self.req,
                    url,
                    format!("{what} is not JSON: {e}"),
                );
                None
            }
        }
    }

    /// The list at `outer.inner` of the document `value` (at `url`); `None`
    /// (with a finding) when there is none.
    fn list<'v>(
        &self,
        value: &'v Value,
        [outer, inner]: [&str; 2],
        url: &str,
        findings: &mut Findings,
    ) -> Option<&'v Vec<Value>> {
        let list = value[outer][inner].as_array();
        if list.is_none() {
            findings.error(
                self.invalid,
                self.req,
                url,
                format!("not a {}: no {outer}.{inner} list", self.noun),
            );
        }
        list
    }
}

/// Reads and checks one feed and its category document; records the
/// documents it lists in `listed`. Returns whether the feed could be read.
pub fn check_feed(
    source: &Source,
    feed: &FeedRef,
    findings: &mut Findings,
    listed: &mut BTreeMap<String, Listing>,
) -> bool {
    check_category(source, feed, findings);
    let Some(value) = FEED.fetch(source, &feed.url, findings) else {
        return false;
    };
    for e in schema::errors(Schema::RolieFeed, &value, 10) {
        findings.error(
            FEED.invalid,
            FEED.req,
            &feed.url,
            format!("not valid against the ROLIE feed schema: {e}"),
        );
    }
    for entry in value["feed"]["entry"].as_array().into_iter().flatten() {
        let src = entry["content"]["src"].as_str().or_else(|| {
            entry["link"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|l| l["rel"] == "self")
                .and_then(|l| l["href"].as_str())
        });
        let Some(url) = src else {
            findings.error(
                FEED.invalid,
                FEED.req,
                &feed.url,
                format!(
                    "entry {} names no document (content.src or a self link)",
                    entry["id"]
                ),
            );
            continue;
        };
        let links: BTreeSet<(String, String)> = entry["link"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| Some((l["rel"].as_str()?.into(), l["href"].as_str()?.into())))
            .collect();
        for (rel, ext) in [("hash", ".sha256"), ("hash", ".sha512")] {
            let href = format!("{url}{ext}");
            if !links.contains(&(rel.to_string(), href.clone())) {
                findings.warn(
                    "feed-entry-links",
                    15,
                    &feed.url,
                    format!("the entry of {url} does not link its hash file {href} (rel \"hash\")"),
                );
            }
        }
        let l = listed.entry(url.to_string()).or_default();
        l.feed_label = Some(feed.tlp_label.clone());
        l.feed_url = Some(feed.url.clone());
        l.signature_linked = links.contains(&("signature".to_string(), format!("{url}.asc")));
    }
    true
}

/// `category-<label>.json` beside the feed: categories to tell documents
/// apart (§7.1.17).
fn check_category(source: &Source, feed: &FeedRef, findings: &mut Findings) {
    let url = format!(
        "{}category-{}.json",
        folder_of(&feed.url),
        feed.tlp_label.to_ascii_lowercase()
    );
    let Some(value) = CATEGORY.fetch(source, &url, findings) else {
        return;
    };
    let Some(list) = CATEGORY.list(&value, ["categories", "category"], &url, findings) else {
        return;
    };
    if list.is_empty() {
        findings.warn(
            "category-empty",
            17,
            &url,
            "the ROLIE category document names no category",
        );
    }
    for c in list {
        if c["term"].as_str().is_none_or(str::is_empty) {
            findings.error(
                CATEGORY.invalid,
                CATEGORY.req,
                &url,
                format!("category {c} has no term"),
            );
        }
    }
}

/// `service.json` beside the provider metadata: a collection for every
/// feed the metadata names, and no other (§7.1.16).
pub fn check_service(source: &Source, meta: &Metadata, findings: &mut Findings) {
    if meta.feeds.is_empty() {
        return;
    }
    let url = format!("{}service.json", meta.folder);
    let Some(value) = SERVICE.fetch(source, &url, findings) else {
        return;
    };
    let Some(workspaces) = SERVICE.list(&value, ["service", "workspace"], &url, findings) else {
        return;
    };
    let in_service: BTreeSet<&str> = workspaces
        .iter()
        .flat_map(|w| w["collection"].as_array().into_iter().flatten())
        .filter_map(|c| c["href"].as_str())
        .collect();
    let in_meta: BTreeSet<&str> = meta.feeds.iter().map(|f| f.url.as_str()).collect();
    for extra in in_service.difference(&in_meta) {
        findings.error(
            "service-feeds-mismatch",
            16,
            &url,
            format!("lists the feed {extra}, which provider-metadata.json does not name"),
        );
    }
    for missing in in_meta.difference(&in_service) {
        findings.error(
            "service-feeds-mismatch",
            16,
            &url,
            format!("does not list the feed {missing} that provider-metadata.json names"),
        );
    }
}
