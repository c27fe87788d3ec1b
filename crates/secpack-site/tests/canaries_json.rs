//! `canaries.json` of the built site, for canary monitors: the demo pack's
//! canary read from its prose, its window, overdue by the date of the build,
//! and a tampered canary marked as not verified.

use std::path::Path;

use chrono::{TimeZone, Utc};
use secpack::pack::Pack;
use secpack::trust::pin::MasterPin;
use secpack::trust::{verify_pack, VerifyOptions};
use secpack_site::{render, SiteOptions};
use serde_json::Value;

const MASTER: &str = "60DCAA5EAD5021775F7B85138A7D47543A09DBD0";

fn canaries_json(pack_dir: &Path, now: chrono::DateTime<Utc>) -> Value {
    let pack = Pack::open(pack_dir).unwrap();
    let report = verify_pack(
        &pack,
        &MasterPin::parse(MASTER).unwrap(),
        VerifyOptions::default(),
        &|| {},
    );
    let site = render(
        &pack,
        &report,
        &SiteOptions {
            base_url: Some("https://demo.invalid/security/".into()),
            now,
            security_txt_key: None,
            report_form: false,
        },
    )
    .unwrap();
    serde_json::from_slice(&site.files["canaries.json"]).unwrap()
}

fn demo() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo-pack")
}

#[test]
fn the_demo_canary_is_published_for_monitors() {
    let v = canaries_json(&demo(), Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap());
    assert_eq!(v["format"], "secpack-canaries/1");
    assert_eq!(v["master_fingerprint"], MASTER);
    assert_eq!(v["latest"], 1);
    assert_eq!(v["next_due"], "2026-06-14");
    assert_eq!(v["overdue"], false);
    let c = &v["canaries"][0];
    assert_eq!(c["verified"], true, "{c:#}");
    assert_eq!(
        (c["valid_signers"].as_u64(), c["required"].as_u64()),
        (Some(2), Some(2))
    );
    // The demo canary predates the machine-readable block: read from prose.
    assert_eq!(c["source"], "prose");
    assert_eq!(c["canary"]["release"], "2026-03-01");
    assert_eq!(c["canary"]["expiry"], "2026-06-14");
    assert_eq!(c["canary"]["next_from"], "2026-06-01");
    assert_eq!(c["canary"]["bulletins"], 2);
    assert_eq!(c["canary"]["master_fingerprint"], MASTER);
    assert!(c["page"]
        .as_str()
        .unwrap()
        .ends_with("canaries/canary-001-2026.html"));
    // Built after the window closed, the same canary is overdue.
    let late = canaries_json(&demo(), Utc.with_ymd_and_hms(2026, 12, 3, 0, 0, 0).unwrap());
    assert_eq!(late["overdue"], true);
}

#[test]
fn a_tampered_canary_is_listed_as_not_verified() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack");
    let out = std::process::Command::new("cp")
        .args(["-r"])
        .arg(demo())
        .arg(&pack)
        .output()
        .unwrap();
    assert!(out.status.success());
    let file = pack.join("canaries/canary-001-2026.txt");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("2 Demo Project", "3 Demo Project")).unwrap();
    let v = canaries_json(&pack, Utc::now());
    let c = &v["canaries"][0];
    assert_eq!(c["verified"], false, "{c:#}");
    assert_eq!(c["canary"]["bulletins"], 3);
}
