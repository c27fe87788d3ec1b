//! The advisory citations of every real bulletin title (2011 to today),
//! checked against the project's own tracker, which maps each upstream
//! advisory to the bulletin that covers it. Both files are public data read
//! with a plain YAML parse; nothing here comes from secpack's output.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use secpack::bulletin::cited_advisories;
use serde_norway::Value;

/// The shared reference file `name`, or the copy kept as test data.
fn data(name: &str) -> String {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shared = manifest
        .join("../../../shared/reference/qubes-site-data")
        .join(name);
    let path = if shared.is_file() {
        shared
    } else {
        manifest.join("tests/data").join(name)
    };
    std::fs::read_to_string(path).unwrap()
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => panic!("unexpected value {other:?}"),
    }
}

/// Bulletin `NNN-YYYY` to its title.
fn titles() -> BTreeMap<String, String> {
    let rows: Vec<BTreeMap<String, Value>> = serde_norway::from_str(&data("sec-qsb.yml")).unwrap();
    rows.iter()
        .map(|r| {
            let n: u32 = scalar(&r["qsb"]).parse().unwrap();
            let year = &scalar(&r["date"])[..4];
            (format!("{n:03}-{year}"), scalar(&r["title"]))
        })
        .collect()
}

/// Bulletin `NNN-YYYY` to the advisories the tracker says it covers.
fn covered() -> BTreeMap<String, BTreeSet<u32>> {
    let rows: Vec<BTreeMap<String, Value>> = serde_norway::from_str(&data("sec-xsa.yml")).unwrap();
    let mut out: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
    for r in &rows {
        if let Some(q) = r.get("qsb") {
            out.entry(scalar(q))
                .or_default()
                .insert(scalar(&r["xsa"]).parse().unwrap());
        }
    }
    out
}

#[test]
fn every_title_cites_what_the_tracker_says_it_covers() {
    let titles = titles();
    let covered = covered();
    assert!(titles.len() > 100, "{} titles", titles.len());
    let mut compared = 0;
    let mut short: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
    for (qsb, title) in &titles {
        let cited: BTreeSet<u32> = cited_advisories(title, "XSA").into_iter().collect();
        let Some(tracked) = covered.get(qsb) else {
            continue;
        };
        if cited.is_empty() {
            continue;
        }
        compared += 1;
        let missing: BTreeSet<u32> = tracked.difference(&cited).copied().collect();
        if !missing.is_empty() {
            short.insert(qsb.clone(), missing);
        }
    }
    assert!(compared > 60, "only {compared} titles compared");
    // One real title names two of the three advisories its bulletin covers
    // ("XSA-213, XSA-214"; the tracker adds XSA-215). Every other title
    // cites all of them, including the ranges written in words.
    assert_eq!(
        short,
        BTreeMap::from([("030-2017".to_string(), BTreeSet::from([215]))])
    );
}

#[test]
fn ranges_and_lists_of_real_titles() {
    let titles = titles();
    let cited = |qsb: &str| cited_advisories(&titles[qsb], "XSA");
    assert_eq!(cited("032-2017"), [226, 227, 228, 229, 230]);
    assert_eq!(cited("033-2017"), [231, 232, 233, 234]);
    assert_eq!(cited("031-2017"), (216..=224).collect::<Vec<_>>());
    assert_eq!(cited("007-2013"), [52, 53, 54, 57]);
    assert_eq!(cited("008-2013"), [45, 58]);
    assert_eq!(cited("017-2015"), [120, 124]);
    assert_eq!(cited("023-2015"), [155, 166]);
    assert_eq!(cited("116-2026"), [500, 505, 506, 507]);
    // A CVE beside the advisory is not an advisory.
    assert_eq!(cited("090-2023"), [433]);
}
