//! `export check` on secpack's own CSAF export (built here from the demo
//! pack, signed with a key made by gpg): clean from a folder and over HTTP
//! on 127.0.0.1; and on trees broken one defect at a time, each giving its
//! exact code (and no other error).

mod export_support;

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use chrono::TimeZone;
use secpack::export::check::{check, CheckOptions, CheckReport, Severity};
use secpack::export::csaf::CsafSettings;
use secpack::export::provider::{build_provider, WELL_KNOWN};
use secpack::export::{load_bulletins, write_export};
use secpack::pack::Pack;
use secpack::signing::{Framing, SecretKeyFile, Signer};
use secpack_testsupport::http::serve_files;
use sha2::{Digest, Sha256, Sha512};

use export_support::*;

const UID: &str = "CSAF Signer <csaf@demo.invalid>";
const DOC: &str = "white/2024/dsb-100-2024.json";

/// A signed export of the demo pack in `out/`, published at `base`.
struct Tree {
    _pack: tempfile::TempDir,
    out: tempfile::TempDir,
    gpg: GpgHome,
    key: Signer,
}

impl Tree {
    fn new(base: Option<&str>, signed: bool) -> Self {
        let pack_dir = tempfile::tempdir().unwrap();
        demo_pack(pack_dir.path());
        let pack = Pack::open(pack_dir.path()).unwrap();
        let (bulletins, _) = load_bulletins(&pack).unwrap();
        let mut settings = CsafSettings::from_config(&pack.config, None).unwrap();
        if let Some(b) = base {
            settings.base_url = b.to_string();
        }
        let gpg = GpgHome::new();
        let secret = gpg.secret_key(UID, "");
        let key = SecretKeyFile::from_bytes(&secret, "test key")
            .unwrap()
            .unlock(None)
            .unwrap();
        let key = Signer::KeyFile(Box::new(key));
        let now = chrono::Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).unwrap();
        let signer = signed.then_some(&key);
        let layout = build_provider(&bulletins, &pack.config, &settings, signer, now).unwrap();
        let out = tempfile::tempdir().unwrap();
        write_export(out.path(), "csaf", &layout.files).unwrap();
        Self {
            _pack: pack_dir,
            out,
            gpg,
            key,
        }
    }

    fn root(&self) -> &Path {
        self.out.path()
    }

    /// A file below the provider folder.
    fn file(&self, rel: &str) -> PathBuf {
        self.root().join(WELL_KNOWN).join(rel)
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.file(rel)).unwrap()
    }

    fn write(&self, rel: &str, text: impl AsRef<[u8]>) {
        std::fs::write(self.file(rel), text).unwrap();
    }

    /// Replaces a document and its hashes and signature, all consistent.
    fn rewrite_document(&self, rel: &str, bytes: &[u8]) {
        let name = rel.rsplit('/').next().unwrap();
        self.write(rel, bytes);
        self.write(
            &format!("{rel}.sha256"),
            format!("{}  {name}\n", hex(&Sha256::digest(bytes))),
        );
        self.write(
            &format!("{rel}.sha512"),
            format!("{}  {name}\n", hex(&Sha512::digest(bytes))),
        );
        self.write(
            &format!("{rel}.asc"),
            self.key.sign(bytes, Framing::Detached).unwrap(),
        );
    }

    fn check(&self) -> CheckReport {
        check(&self.root().display().to_string(), &CheckOptions::default()).unwrap()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn codes(report: &CheckReport, severity: Severity) -> BTreeSet<&'static str> {
    report
        .findings
        .iter()
        .filter(|f| f.severity == severity)
        .map(|f| f.code)
        .collect()
}

/// The report fails with exactly the error `code` (and, with
/// `requirement`, of that requirement).
fn assert_only_error(report: &CheckReport, code: &str, requirement: Option<u8>) {
    assert!(
        !report.ok,
        "{code}: the check passed: {:#?}",
        report.findings
    );
    assert_eq!(
        codes(report, Severity::Error),
        BTreeSet::from([code]),
        "{:#?}",
        report.findings
    );
    if let Some(r) = requirement {
        let f = report.findings.iter().find(|f| f.code == code).unwrap();
        assert_eq!(f.requirement, Some(r), "{f:?}");
        assert!(!f.message.is_empty());
    }
}

#[test]
fn provider_metadata_under_a_path_is_not_where_consumers_look() {
    // CSAF 2.0 §7.1.9: at /.well-known/csaf/ of the origin's root; under a
    // path prefix (a project site in /security/) consumers miss it.
    for (base, warned) in [
        ("https://demo.invalid/.well-known/csaf", false),
        ("https://demo.invalid/security/.well-known/csaf", true),
        ("https://demo.invalid/csaf", true),
    ] {
        let report = Tree::new(Some(base), true).check();
        assert!(report.ok, "{base}: {:#?}", report.findings);
        assert_eq!(
            codes(&report, Severity::Warning).contains("not-well-known"),
            warned,
            "{base}: {:#?}",
            report.findings
        );
    }
}

#[test]
fn secpacks_own_signed_export_passes_from_a_folder() {
    let tree = Tree::new(None, true);
    let report = tree.check();
    assert!(report.ok, "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.documents, FIXTURES.len());
    assert_eq!(report.role.as_deref(), Some("csaf_trusted_provider"));
    assert_eq!(
        report.provider_metadata_url,
        tree.file("provider-metadata.json").display().to_string()
    );
    // The provider folder itself is a target too.
    let again = check(
        &tree.root().join(WELL_KNOWN).display().to_string(),
        &CheckOptions::default(),
    )
    .unwrap();
    assert!(
        again.ok && again.findings.is_empty(),
        "{:#?}",
        again.findings
    );
}

#[test]
fn an_unsigned_export_is_a_provider_and_passes() {
    let tree = Tree::new(None, false);
    let report = tree.check();
    assert!(report.ok, "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.role.as_deref(), Some("csaf_provider"));
}

#[test]
fn a_trusted_provider_without_a_signature_fails() {
    let tree = Tree::new(None, true);
    std::fs::remove_file(tree.file(&format!("{DOC}.asc"))).unwrap();
    assert_only_error(&tree.check(), "signature-missing", Some(19));
}

#[test]
fn a_folder_that_is_no_provider_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let e = check(&dir.path().display().to_string(), &CheckOptions::default()).unwrap_err();
    assert_eq!(e.code(), "bad-target");
}

#[test]
fn bad_hash() {
    let tree = Tree::new(None, true);
    let name = DOC.rsplit('/').next().unwrap();
    tree.write(
        &format!("{DOC}.sha256"),
        format!("{}  {name}\n", "0".repeat(64)),
    );
    assert_only_error(&tree.check(), "hash-mismatch", Some(18));
}

#[test]
fn an_altered_document_fails_its_hashes_and_signature() {
    let tree = Tree::new(None, true);
    let text = tree.read(DOC).replace("Demo", "Dem0");
    tree.write(DOC, text);
    let report = tree.check();
    assert_eq!(
        codes(&report, Severity::Error),
        BTreeSet::from(["hash-mismatch", "signature-bad"]),
        "{:#?}",
        report.findings
    );
}

#[test]
fn sha1_signature() {
    let tree = Tree::new(None, true);
    let sig = tree.file(&format!("{DOC}.asc"));
    std::fs::remove_file(&sig).unwrap();
    let out = tree.gpg.gpg(&[
        "--digest-algo",
        "SHA1",
        "--armor",
        "--detach-sign",
        "--local-user",
        UID,
        "--output",
        &sig.display().to_string(),
        &tree.file(DOC).display().to_string(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // gpg itself accepts it: only the checker's rule refuses it.
    assert!(tree.gpg.verifies(&sig, &tree.file(DOC)));
    assert_only_error(&tree.check(), "signature-sha1", Some(19));
}

#[test]
fn signature_by_an_unlisted_key() {
    let tree = Tree::new(None, true);
    let other = "Someone Else <else@demo.invalid>";
    tree.gpg.secret_key(other, "");
    let sig = tree.file(&format!("{DOC}.asc"));
    std::fs::remove_file(&sig).unwrap();
    let out = tree.gpg.gpg(&[
        "--armor",
        "--detach-sign",
        "--local-user",
        other,
        "--output",
        &sig.display().to_string(),
        &tree.file(DOC).display().to_string(),
    ]);
    assert!(out.status.success());
    assert!(tree.gpg.verifies(&sig, &tree.file(DOC)));
    assert_only_error(&tree.check(), "signature-unlisted-key", Some(19));
}

#[test]
fn binary_signature_is_not_armoured() {
    let tree = Tree::new(None, true);
    let sig = tree.file(&format!("{DOC}.asc"));
    std::fs::remove_file(&sig).unwrap();
    let out = tree.gpg.gpg(&[
        "--detach-sign",
        "--local-user",
        UID,
        "--output",
        &sig.display().to_string(),
        &tree.file(DOC).display().to_string(),
    ]);
    assert!(out.status.success());
    assert_only_error(&tree.check(), "signature-not-armored", Some(19));
}

#[test]
fn missing_index_entry() {
    let tree = Tree::new(None, true);
    let index = tree.read("white/index.txt");
    let entry = DOC.strip_prefix("white/").unwrap();
    assert!(index.contains(entry));
    tree.write("white/index.txt", index.replace(&format!("{entry}\n"), ""));
    assert_only_error(&tree.check(), "index-incomplete", Some(12));
}

#[test]
fn index_entry_that_does_not_exist() {
    let tree = Tree::new(None, true);
    let mut index = tree.read("white/index.txt");
    index.push_str("2024/dsb-999-2024.json\n");
    tree.write("white/index.txt", index);
    let report = tree.check();
    // Listed by index.txt alone: missing, and missing from the other lists.
    assert!(!report.ok);
    assert_eq!(
        codes(&report, Severity::Error),
        BTreeSet::from([
            "index-entry-missing",
            "changes-incomplete",
            "feed-incomplete"
        ]),
        "{:#?}",
        report.findings
    );
}

#[test]
fn unsorted_changes() {
    let tree = Tree::new(None, true);
    let changes = tree.read("white/changes.csv");
    let mut lines: Vec<&str> = changes.lines().collect();
    assert!(lines.len() > 2);
    lines.swap(0, 2);
    tree.write("white/changes.csv", lines.join("\n") + "\n");
    assert_only_error(&tree.check(), "changes-unsorted", Some(13));
}

#[test]
fn badly_quoted_changes() {
    let tree = Tree::new(None, true);
    let changes = tree.read("white/changes.csv");
    // A quote inside an unquoted field.
    let broken = changes.replacen("\"2024/dsb-100-2024.json\"", "2024/dsb-\"100-2024.json", 1);
    assert_ne!(broken, changes);
    tree.write("white/changes.csv", broken);
    let report = tree.check();
    assert!(report
        .findings
        .iter()
        .any(|f| f.code == "changes-bad-csv" && f.message.starts_with("line ")));
    // Nothing else of changes.csv can be read: its documents are unlisted there.
    assert_eq!(
        codes(&report, Severity::Error),
        BTreeSet::from(["changes-bad-csv", "changes-incomplete"]),
        "{:#?}",
        report.findings
    );
}

#[test]
fn changes_path_relative_to_the_wrong_root() {
    let tree = Tree::new(None, true);
    let changes = tree.read("white/changes.csv");
    let broken = changes.replacen(
        "\"2024/dsb-100-2024.json\"",
        "\"white/2024/dsb-100-2024.json\"",
        1,
    );
    tree.write("white/changes.csv", broken);
    let report = tree.check();
    // white/white/2024/... does not exist, and the real document is missing
    // from changes.csv.
    assert_eq!(
        codes(&report, Severity::Error),
        BTreeSet::from([
            "changes-entry-missing",
            "changes-incomplete",
            "feed-incomplete",
            "index-incomplete"
        ]),
        "{:#?}",
        report.findings
    );
}

#[test]
fn changes_time_must_match_the_document() {
    let tree = Tree::new(None, true);
    let changes = tree.read("white/changes.csv");
    let broken = changes.replacen("\"2024-02-14T00:00:00Z\"", "\"2024-02-13T00:00:00Z\"", 1);
    assert_ne!(broken, changes);
    tree.write("white/changes.csv", broken);
    assert_only_error(&tree.check(), "changes-date-mismatch", Some(13));
}

#[test]
fn wrong_filename() {
    let tree = Tree::new(None, true);
    let wrong = "white/2024/DSB-100-2024.json";
    for ext in ["", ".sha256", ".sha512", ".asc"] {
        std::fs::rename(
            tree.file(&format!("{DOC}{ext}")),
            tree.file(&format!("{wrong}{ext}")),
        )
        .unwrap();
    }
    for list in [
        "white/index.txt",
        "white/changes.csv",
        "feed-tlp-white.json",
    ] {
        let text = tree
            .read(list)
            .replace("dsb-100-2024.json", "DSB-100-2024.json");
        tree.write(list, text);
    }
    let report = tree.check();
    assert_only_error(&report, "filename", Some(2));
    // Both rules: not a conforming name, and not the tracking id's.
    assert_eq!(
        report
            .findings
            .iter()
            .filter(|f| f.code == "filename")
            .count(),
        2
    );
}

#[test]
fn missing_feed_documents() {
    for (file, code, req) in [
        ("service.json", "service-missing", 16),
        ("category-white.json", "category-missing", 17),
        ("feed-tlp-white.json", "feed-missing", 15),
    ] {
        let tree = Tree::new(None, true);
        std::fs::remove_file(tree.file(file)).unwrap();
        assert_only_error(&tree.check(), code, Some(req));
    }
}

#[test]
fn service_document_naming_another_feed() {
    let tree = Tree::new(None, true);
    let text = tree
        .read("service.json")
        .replace("feed-tlp-white.json", "feed-other.json");
    tree.write("service.json", text);
    let report = tree.check();
    assert_only_error(&report, "service-feeds-mismatch", Some(16));
    assert_eq!(report.findings.len(), 2, "one extra feed, one missing");
}

#[test]
fn schema_invalid_document() {
    let tree = Tree::new(None, true);
    let mut doc: serde_json::Value = serde_json::from_str(&tree.read(DOC)).unwrap();
    doc["document"]["category"] = serde_json::json!("");
    let bytes = serde_json::to_vec_pretty(&doc).unwrap();
    tree.rewrite_document(DOC, &bytes);
    let report = tree.check();
    assert_only_error(&report, "document-schema", Some(1));
    assert!(
        report.findings[0].message.contains("/document/category"),
        "{:?}",
        report.findings
    );
}

#[test]
fn document_in_the_wrong_tlp_and_year_folders() {
    let tree = Tree::new(None, true);
    let mut doc: serde_json::Value = serde_json::from_str(&tree.read(DOC)).unwrap();
    doc["document"]["distribution"]["tlp"]["label"] = serde_json::json!("GREEN");
    doc["document"]["tracking"]["initial_release_date"] = serde_json::json!("2023-12-01T00:00:00Z");
    doc["document"]["tracking"]["revision_history"][0]["date"] =
        serde_json::json!("2023-12-01T00:00:00Z");
    let bytes = serde_json::to_vec_pretty(&doc).unwrap();
    tree.rewrite_document(DOC, &bytes);
    let report = tree.check();
    assert_eq!(
        codes(&report, Severity::Error),
        BTreeSet::from(["tlp-folder", "feed-tlp", "folder-year"]),
        "{:#?}",
        report.findings
    );
}

#[test]
fn key_with_another_fingerprint() {
    let tree = Tree::new(None, true);
    let fpr = tree.key.cert_fingerprint();
    let meta = tree.read("provider-metadata.json").replace(
        &format!("\"fingerprint\": \"{fpr}\""),
        &format!("\"fingerprint\": \"{}\"", "A".repeat(40)),
    );
    tree.rewrite_metadata(&meta);
    let report = tree.check();
    // The key is not trusted: nothing it signed verifies.
    let errors = codes(&report, Severity::Error);
    assert!(errors.contains("key-fingerprint-mismatch"), "{errors:?}");
    assert!(errors.contains("signature-unlisted-key"), "{errors:?}");
}

impl Tree {
    fn rewrite_metadata(&self, text: &str) {
        self.write("provider-metadata.json", text);
        self.write(
            "provider-metadata.json.asc",
            self.key.sign(text.as_bytes(), Framing::Detached).unwrap(),
        );
    }
}

#[test]
fn schema_invalid_provider_metadata() {
    let tree = Tree::new(None, true);
    let meta = tree
        .read("provider-metadata.json")
        .replace("\"2.0\"", "\"1.0\"");
    tree.rewrite_metadata(&meta);
    assert_only_error(&tree.check(), "metadata-schema", Some(7));
}

// --- over HTTP, against a local server -----------------------------------

/// A tree published at `http://127.0.0.1:PORT/.well-known/csaf`, served
/// with the given redirects; returns it and the site's URL.
fn served_tree(redirects: &[&str]) -> (Tree, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let site = format!("http://{}", listener.local_addr().unwrap());
    let tree = Tree::new(Some(&format!("{site}/.well-known/csaf")), true);
    serve_files(
        listener,
        tree.root().to_path_buf(),
        redirects.iter().map(|r| r.to_string()).collect(),
    );
    (tree, site)
}

#[test]
fn own_export_passes_over_http_with_a_warning_for_plain_http_on_loopback() {
    let (_tree, site) = served_tree(&[]);
    let report = check(&site, &CheckOptions::default()).unwrap();
    assert!(report.ok, "{:#?}", report.findings);
    assert_eq!(report.documents, FIXTURES.len());
    assert_eq!(
        codes(&report, Severity::Warning),
        BTreeSet::from(["not-https"])
    );
    assert_eq!(report.findings.len(), 1, "reported once per host");
    assert_eq!(report.findings[0].requirement, Some(3));
    assert_eq!(
        report.provider_metadata_url,
        format!("{site}/.well-known/csaf/provider-metadata.json")
    );
}

#[test]
fn redirect_over_http() {
    let (_tree, site) = served_tree(&[&format!("/.well-known/csaf/{DOC}")]);
    let report = check(&site, &CheckOptions::default()).unwrap();
    assert_only_error(&report, "redirect", Some(6));
}

#[test]
fn canonical_url_elsewhere_over_http() {
    let (tree, site) = served_tree(&[]);
    let meta = tree.read("provider-metadata.json");
    let canonical = format!("{site}/.well-known/csaf/provider-metadata.json");
    // Served at its URL, but it claims to live at another.
    let moved = meta.replacen(
        &format!("\"canonical_url\": \"{canonical}\""),
        "\"canonical_url\": \"https://elsewhere.invalid/.well-known/csaf/provider-metadata.json\"",
        1,
    );
    assert_ne!(moved, meta);
    tree.rewrite_metadata(&moved);
    let report = check(&site, &CheckOptions::default()).unwrap();
    assert_only_error(&report, "canonical-url-mismatch", Some(7));
}

#[test]
fn nothing_listening_over_http() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let report = check(
        &format!("http://127.0.0.1:{port}"),
        &CheckOptions::default(),
    )
    .unwrap();
    assert_only_error(&report, "metadata-missing", Some(7));
    assert_eq!(report.documents, 0);
}

#[test]
fn too_large_files_are_not_read() {
    let (_tree, site) = served_tree(&[]);
    let options = CheckOptions {
        max_bytes: 100,
        ..CheckOptions::default()
    };
    let report = check(&site, &options).unwrap();
    assert_only_error(&report, "too-large", Some(7));
}

// --- untrusted provider metadata -------------------------------------------

fn json_leaf() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
    use proptest::prelude::*;
    prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "(https?://[a-z.]{1,8}/)?[a-z./_-]{0,20}".prop_map(serde_json::Value::from),
        Just(serde_json::json!("csaf_trusted_provider")),
    ]
}

fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
    use proptest::prelude::*;
    json_leaf().prop_recursive(3, 24, 4, |inner| {
        let keys = prop_oneof![
            Just("canonical_url".to_string()),
            Just("role".to_string()),
            Just("distributions".to_string()),
            Just("directory_url".to_string()),
            Just("rolie".to_string()),
            Just("feeds".to_string()),
            Just("url".to_string()),
            Just("public_openpgp_keys".to_string()),
            Just("fingerprint".to_string()),
            "[a-z_]{1,6}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(keys, inner, 0..5)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Any JSON as provider-metadata.json in a folder: the check never
    /// panics, never reads outside the folder, and its verdict agrees with
    /// its findings.
    #[test]
    fn any_provider_metadata(value in json_value()) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("provider-metadata.json"),
            serde_json::to_vec(&value).unwrap(),
        )
        .unwrap();
        let report = check(&dir.path().display().to_string(), &CheckOptions::default()).unwrap();
        proptest::prop_assert_eq!(
            report.ok,
            !report.findings.iter().any(|f| f.severity == Severity::Error)
        );
        // None of this is a valid provider metadata document.
        proptest::prop_assert!(!report.ok);
    }
}
