//! The OSV export as OSV.dev's REST data source reads it: one `<id>.json`
//! per record, `all.json` listing every id with its `modified`, `all.zip`
//! holding every record; records valid against the OSV schema of the
//! reference material; the `osv_prefix` setting and its former name.

mod export_support;

use std::io::Read;
use std::path::Path;

use secpack::config::PackConfig;
use secpack::export::osv::{self, ListEntry, ALL_JSON, ALL_ZIP};
use secpack::export::{load_bulletins, OutputFile};
use secpack::pack::Pack;
use serde_json::Value;

use export_support::*;

/// The OSV schema of the reference material when present, else the copy
/// in the test data (the same file).
fn osv_validator() -> jsonschema::Validator {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reference/schemas/osv/schema.json");
    match std::fs::read_to_string(&shared) {
        Ok(text) => {
            let schema: Value = serde_json::from_str(&text).unwrap();
            jsonschema::options()
                .should_validate_formats(true)
                .build(&schema)
                .unwrap()
        }
        Err(_) => validator("osv"),
    }
}

fn export(dir: &Path) -> Vec<OutputFile> {
    demo_pack(dir);
    let pack = Pack::open(dir).unwrap();
    let (bulletins, _) = load_bulletins(&pack).unwrap();
    osv::osv_files(&bulletins, &pack.config).unwrap()
}

fn get<'a>(files: &'a [OutputFile], path: &str) -> &'a OutputFile {
    files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("{path}"))
}

#[test]
fn every_record_validates_and_all_json_lists_each_once() {
    let dir = tempfile::tempdir().unwrap();
    let files = export(dir.path());
    let v = osv_validator();
    let records: Vec<&OutputFile> = files
        .iter()
        .filter(|f| !f.path.starts_with("all."))
        .collect();
    assert_eq!(records.len(), FIXTURES.len());
    let list: Vec<ListEntry> = serde_json::from_slice(&get(&files, ALL_JSON).contents).unwrap();
    // all.json is an array of {"id", "modified"} objects and nothing else.
    let raw: Value = serde_json::from_slice(&get(&files, ALL_JSON).contents).unwrap();
    for e in raw.as_array().unwrap() {
        let mut keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["id", "modified"]);
    }
    assert_eq!(list.len(), records.len());
    let mut ids: Vec<&str> = list.iter().map(|e| e.id.as_str()).collect();
    let sorted = {
        let mut s = ids.clone();
        s.sort_unstable();
        s
    };
    assert_eq!(ids, sorted, "all.json is in id order");
    for f in &records {
        let doc: Value = serde_json::from_slice(&f.contents).unwrap();
        assert_valid(&v, &doc, &f.path);
        let id = doc["id"].as_str().unwrap();
        // The record is served as <id>.json, as the REST source fetches it.
        assert_eq!(f.path, format!("{id}.json"));
        let entry = list.iter().find(|e| e.id == id).unwrap();
        assert_eq!(doc["modified"], entry.modified.as_str());
        ids.retain(|i| *i != id);
    }
    assert!(ids.is_empty(), "listed but not written: {ids:?}");
}

#[test]
fn all_zip_holds_every_record_byte_for_byte_with_fixed_dates() {
    let dir = tempfile::tempdir().unwrap();
    let files = export(dir.path());
    let bytes = &get(&files, ALL_ZIP).contents;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
    let records: Vec<&OutputFile> = files
        .iter()
        .filter(|f| !f.path.starts_with("all."))
        .collect();
    assert_eq!(zip.len(), records.len());
    let mut names = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().to_string();
        let date = entry.last_modified().unwrap();
        assert_eq!(
            (date.year(), date.month(), date.day()),
            (1980, 1, 1),
            "{name}"
        );
        assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o644), "{name}");
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        assert_eq!(content, get(&files, &name).contents, "{name}");
        names.push(name);
    }
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "entries in id order");
    // The same pack gives the same archive.
    let again = tempfile::tempdir().unwrap();
    assert_eq!(&get(&export(again.path()), ALL_ZIP).contents, bytes);
}

#[test]
fn the_export_folder_is_laid_out_for_a_rest_source() {
    let dir = tempfile::tempdir().unwrap();
    let files = export(&dir.path().join("pack"));
    let out = dir.path().join("osv");
    secpack::export::write_export(&out, "osv", &files).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.contains(&"all.json".to_string()) && names.contains(&"all.zip".to_string()));
    assert!(
        names.contains(&"x_DSB-100-2024.json".to_string()),
        "{names:?}"
    );
    assert_eq!(names.len(), FIXTURES.len() + 3, "{names:?}"); // + the marker file
}

#[test]
fn osv_prefix_and_its_former_name() {
    let new: PackConfig = toml::from_str("[export]\nosv_prefix = \"DEMO-\"\n").unwrap();
    assert_eq!(new.export.osv_prefix, "DEMO-");
    let old: PackConfig = toml::from_str("[export]\nosv_id_prefix = \"DEMO-\"\n").unwrap();
    assert_eq!(old.export.osv_prefix, "DEMO-");
    assert_eq!(PackConfig::default().export.osv_prefix, "x_");
    let both =
        toml::from_str::<PackConfig>("[export]\nosv_prefix = \"A-\"\nosv_id_prefix = \"B-\"\n");
    assert!(both.is_err(), "both names at once are ambiguous");
    // The prefix names the records and the entries of all.json alike.
    let dir = tempfile::tempdir().unwrap();
    demo_pack(dir.path());
    let mut pack = Pack::open(dir.path()).unwrap();
    pack.config.export.osv_prefix = "DEMO-".into();
    let (bulletins, _) = load_bulletins(&pack).unwrap();
    let files = osv::osv_files(&bulletins, &pack.config).unwrap();
    let list: Vec<ListEntry> = serde_json::from_slice(&get(&files, ALL_JSON).contents).unwrap();
    assert!(list.iter().all(|e| e.id.starts_with("DEMO-DSB-")));
    assert!(files.iter().any(|f| f.path == "DEMO-DSB-100-2024.json"));
}
