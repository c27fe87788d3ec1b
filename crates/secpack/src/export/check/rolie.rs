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

/// Reads and checks one feed and its category document; records the
/// documents it lists in `listed`. Returns whether the feed could be read.
pub fn check_feed(
    source: &Source,
    feed: &FeedRef,
    findings: &mut Findings,
    listed: &mut BTreeMap<String, Listing>,
) -> bool {
    check_category(source, feed, findings);
    let Some(bytes) = source.fetch(&feed.url, findings, "feed-missing", 15, "the ROLIE feed")
    else {
        return false;
    };
    let value: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            findings.error(
                "feed-invalid",
                15,
                &feed.url,
                format!("the ROLIE feed is not JSON: {e}"),
            );
            return false;
        }
    };
    for e in schema::errors(Schema::RolieFeed, &value, 10) {
        findings.error(
            "feed-invalid",
            15,
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
                "feed-invalid",
                15,
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
    let Some(bytes) = source.fetch(
        &url,
        findings,
        "category-missing",
        17,
        "the ROLIE category document",
    ) else {
        return;
    };
    let value: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            findings.error(
                "category-invalid",
                17,
                &url,
                format!("the ROLIE category document is not JSON: {e}"),
            );
            return;
        }
    };
    let Some(list) = value["categories"]["category"].as_array() else {
        findings.error(
            "category-invalid",
            17,
            &url,
            "not a ROLIE category document: no categories.category list",
        );
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
                "category-invalid",
                17,
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
    let Some(bytes) = source.fetch(
        &url,
        findings,
        "service-missing",
        16,
        "the ROLIE service document",
    ) else {
        return;
    };
    let value: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            findings.error(
                "service-invalid",
                16,
                &url,
                format!("the ROLIE service document is not JSON: {e}"),
            );
            return;
        }
    };
    let Some(workspaces) = value["service"]["workspace"].as_array() else {
        findings.error(
            "service-invalid",
            16,
            &url,
            "not a ROLIE service document: no service.workspace list",
        );
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
