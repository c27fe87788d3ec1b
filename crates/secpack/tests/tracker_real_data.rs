//! The tracker on the real, public XSA data of a long-lived project.
//!
//! Expected figures are computed here from the data file itself, read with a
//! plain generic YAML parse, never taken from the tracker's own output.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{Datelike, NaiveDate};
use secpack::tracker::{jekyll, stats, store, Affected};
use serde_norway::Value;

/// The shared reference file, or the copy kept as test data.
fn data_file() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shared = manifest.join("../../../shared/reference/qubes-site-data/sec-xsa.yml");
    if shared.is_file() {
        shared
    } else {
        manifest.join("tests/data/sec-xsa.yml")
    }
}

fn text() -> String {
    std::fs::read_to_string(data_file()).unwrap()
}

/// One entry as a generic mapping, keys to scalar text.
fn raw_entries() -> Vec<BTreeMap<String, String>> {
    let entries: Vec<BTreeMap<String, Value>> = serde_norway::from_str(&text()).unwrap();
    entries
        .into_iter()
        .map(|m| {
            m.into_iter()
                .map(|(k, v)| {
                    let s = match v {
                        Value::String(s) => s,
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => (if b { "yes" } else { "no" }).to_string(),
                        other => panic!("unexpected value {other:?}"),
                    };
                    (k, s)
                })
                .collect()
        })
        .collect()
}

fn is_yes(s: &str) -> bool {
    matches!(s, "yes" | "true")
}

#[test]
fn import_keeps_every_field_of_every_row() {
    let raw = raw_entries();
    assert!(raw.len() > 400, "the real file has hundreds of rows");
    let tracker = jekyll::import(&text()).unwrap();
    assert_eq!(tracker.rows().len(), raw.len());
    for e in &raw {
        let n: u32 = e["xsa"].parse().unwrap();
        let row = tracker.get(n).unwrap_or_else(|| panic!("row {n} missing"));
        assert_eq!(row.date.unwrap().to_string(), e["date"], "date of {n}");
        let want = if is_yes(&e["affected"]) {
            Affected::Yes
        } else {
            Affected::No
        };
        assert_eq!(row.affected, want, "affected of {n}");
        assert_eq!(
            row.bulletin.map(|b| b.to_string()),
            e.get("qsb").cloned(),
            "qsb of {n}"
        );
        assert_eq!(
            row.unused,
            e.get("unused").is_some_and(|u| is_yes(u)),
            "unused of {n}"
        );
    }
    // The quirks the data is known for are all there.
    assert!(raw
        .iter()
        .any(|e| e.contains_key("qsb") && !is_yes(&e["affected"])));
    assert!(raw.iter().any(|e| e.contains_key("unused")));
    let numbers: Vec<u32> = raw.iter().map(|e| e["xsa"].parse().unwrap()).collect();
    let max = *numbers.iter().max().unwrap();
    assert!(
        numbers.len() < max as usize,
        "some numbers are absent on purpose"
    );
}

#[test]
fn round_trip_through_the_tracker_file_and_back() {
    let original = text();
    let tracker = jekyll::import(&original).unwrap();
    let toml = store::render(&tracker).unwrap();
    let reread = store::parse(&toml).unwrap();
    assert_eq!(reread, tracker);
    let exported = jekyll::export(&reread);
    // Same data...
    let a: Value = serde_norway::from_str(&original).unwrap();
    let b: Value = serde_norway::from_str(&exported).unwrap();
    assert_eq!(a, b);
    // ...and, since the site file is written in the canonical shape, the same bytes.
    assert_eq!(exported, original);
    // Writing is deterministic.
    assert_eq!(
        store::render(&jekyll::import(&exported).unwrap()).unwrap(),
        toml
    );
}

#[test]
fn statistics_match_an_independent_count() {
    let raw = raw_entries();
    let published: Vec<&BTreeMap<String, String>> = raw
        .iter()
        .filter(|e| !e.get("unused").is_some_and(|u| is_yes(u)))
        .collect();
    let affected = published.iter().filter(|e| is_yes(&e["affected"])).count();
    let dates: Vec<NaiveDate> = published
        .iter()
        .map(|e| e["date"].parse().unwrap())
        .collect();
    let first = *dates.iter().min().unwrap();
    let last = *dates.iter().max().unwrap();
    let years = (last - first).num_days() as f64 / 365.25;
    let mut per_year: BTreeMap<i32, (usize, usize)> = BTreeMap::new();
    for (e, d) in published.iter().zip(&dates) {
        let y = per_year.entry(d.year()).or_default();
        y.0 += 1;
        y.1 += usize::from(is_yes(&e["affected"]));
    }

    let tracker = jekyll::import(&text()).unwrap();
    let s = stats::compute(tracker.rows());
    assert_eq!(s.published, published.len());
    assert_eq!(s.unused, raw.len() - published.len());
    assert_eq!(s.affected, affected);
    assert_eq!(s.tba, 0);
    assert_eq!((s.first, s.last), (Some(first), Some(last)));
    assert_eq!(format!("{:.1}", s.span_years), format!("{years:.1}"));
    let pct = affected as f64 * 100.0 / published.len() as f64;
    assert_eq!(format!("{:.2}", s.percentage), format!("{pct:.2}"));
    let got: BTreeMap<i32, (usize, usize)> = s
        .per_year
        .iter()
        .map(|y| (y.year, (y.published, y.affected)))
        .collect();
    assert_eq!(got, per_year);

    // The JSON shape promised to scripts.
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["first"], first.to_string());
    assert_eq!(json["last"], last.to_string());
    assert_eq!(json["published"], published.len());
    assert_eq!(json["affected"], affected);
    assert!(json["percentage"].is_f64());
}
