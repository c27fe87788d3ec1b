//! OSV and CSAF export of a demo pack: every document validates against the
//! official schemas; the provider layout's hashes and signatures verify with
//! independent tools (sha2 recomputation, `sha256sum -c`, `gpg --verify`).

mod export_support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use chrono::TimeZone;
use secpack::error::{Coded, ErrorClass};
use secpack::export::csaf::CsafSettings;
use secpack::export::provider::{build_provider, WELL_KNOWN};
use secpack::export::{load_bulletins, osv, write_export, PackBulletin};
use secpack::pack::Pack;
use secpack::signing::{SecretKeyFile, SigningError};
use secpack_testsupport::fs::tree;
use serde_json::Value;
use sha2::{Digest, Sha256, Sha512};

use export_support::*;

fn open_demo() -> (tempfile::TempDir, Pack, Vec<PackBulletin>) {
    let dir = tempfile::tempdir().unwrap();
    demo_pack(dir.path());
    let pack = Pack::open(dir.path()).unwrap();
    let (bulletins, _) = load_bulletins(&pack).unwrap();
    (dir, pack, bulletins)
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

#[test]
fn bulletins_load_with_sidecars_and_findings() {
    let dir = tempfile::tempdir().unwrap();
    demo_pack(dir.path());
    let pack = Pack::open(dir.path()).unwrap();
    let (bulletins, findings) = load_bulletins(&pack).unwrap();
    let ids: Vec<&str> = bulletins.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "DSB-001-2011",
            "DSB-010-2014",
            "DSB-020-2015",
            "DSB-024-2016",
            "DSB-040-2018",
            "DSB-080-2022",
            "DSB-100-2024",
            "DSB-101-2024"
        ]
    );
    let b001 = &bulletins[0];
    assert_eq!(
        b001.title,
        "Window proxy overflow and device isolation bypass"
    );
    assert_eq!(b001.bulletin.cves, ["CVE-2011-0001", "CVE-2011-0002"]);
    // Bulletin 010 has no title and no sidecar: a fallback title and a note.
    assert_eq!(bulletins[1].title, "Demo Security Bulletin DSB-010-2014");
    let codes: BTreeSet<(&str, &str)> =
        findings.iter().map(|f| (f.code, f.path.as_str())).collect();
    assert_eq!(
        codes,
        BTreeSet::from([
            ("no-git-history", "."),
            ("no-title", "QSBs/qsb-010-2014.txt"),
            ("no-packages", "QSBs/qsb-001-2011.txt"),
            ("no-packages", "QSBs/qsb-101-2024.txt"),
        ])
    );
    let b100 = &bulletins[6];
    assert_eq!(b100.modified.to_string(), "2024-02-14");
    assert_eq!(b100.sidecar.as_deref(), Some("QSBs/qsb-100-2024.toml"));
}

#[test]
fn a_bulletin_without_a_date_or_with_a_bad_sidecar_stops_the_export() {
    let dir = tempfile::tempdir().unwrap();
    demo_pack(dir.path());
    let qsbs = dir.path().join("QSBs");
    std::fs::write(
        qsbs.join("qsb-102-2024.txt"),
        "\n  ---===[ Demo Security Bulletin 102 ]===---\n\n  Title\n",
    )
    .unwrap();
    let pack = Pack::open(dir.path()).unwrap();
    let err = load_bulletins(&pack).unwrap_err();
    assert_eq!(
        (err.code(), err.class()),
        ("no-date-of-issue", ErrorClass::Failure)
    );
    let e = format!("{:#}", anyhow::Error::from(err));
    assert!(
        e.contains("qsb-102-2024.txt") && e.contains("date = YYYY-MM-DD"),
        "{e}"
    );

    std::fs::write(qsbs.join("qsb-102-2024.toml"), "date = 2024-06-01\n").unwrap();
    let pack = Pack::open(dir.path()).unwrap();
    assert!(load_bulletins(&pack).is_ok());

    std::fs::write(
        qsbs.join("qsb-102-2024.toml"),
        "date = 2024-06-01\ncves = [\"CVE-1\"]\n",
    )
    .unwrap();
    let pack = Pack::open(dir.path()).unwrap();
    let err = load_bulletins(&pack).unwrap_err();
    assert_eq!(err.code(), "sidecar-field");
    let e = format!("{:#}", anyhow::Error::from(err));
    assert!(e.contains("qsb-102-2024.toml") && e.contains("cves"), "{e}");
}

#[test]
fn osv_records_validate_and_carry_the_bulletin_facts() {
    let (_dir, pack, bulletins) = open_demo();
    let v = validator("osv");
    let files = osv::osv_files(&bulletins, &pack.config).unwrap();
    // A record per bulletin, all.json and all.zip.
    assert_eq!(files.len(), bulletins.len() + 2);
    for f in files.iter().filter(|f| !f.path.starts_with("all.")) {
        let doc: Value = serde_json::from_slice(&f.contents).unwrap();
        assert_valid(&v, &doc, &f.path);
    }
    let rec = |name: &str| -> Value {
        let f = files
            .iter()
            .find(|f| f.path == name)
            .unwrap_or_else(|| panic!("{name}"));
        serde_json::from_slice(&f.contents).unwrap()
    };
    let r = rec("x_DSB-100-2024.json");
    assert_eq!(r["id"], "x_DSB-100-2024");
    assert_eq!(r["published"], "2024-01-30T00:00:00Z");
    assert_eq!(r["modified"], "2024-02-14T00:00:00Z");
    assert_eq!(
        r["summary"],
        "Device functions assigned to the wrong guest (XSA-449)"
    );
    assert_eq!(
        r["aliases"],
        serde_json::json!(["XSA-449", "CVE-2024-31142", "DEMO-2024-7"])
    );
    assert_eq!(r["severity"][0]["type"], "CVSS_V3");
    assert_eq!(r["references"][0]["type"], "ADVISORY");
    assert_eq!(
        r["references"][0]["url"],
        "https://demo.invalid/bulletins/qsb-100-2024.txt"
    );
    assert_eq!(r["references"].as_array().unwrap().len(), 4);
    assert_eq!(r["database_specific"]["bulletin_id"], "DSB-100-2024");
    assert_eq!(
        r["database_specific"]["patched_packages"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        r["database_specific"]["cwe_ids"],
        serde_json::json!(["CWE-668"])
    );
    let r = rec("x_DSB-024-2016.json");
    assert_eq!(r["aliases"], serde_json::json!(["XSA-182"]));
    assert_eq!(r["related"], serde_json::json!(["XSA-148"]));
    assert!(r.get("severity").is_none());
}

#[test]
fn unregistered_osv_prefixes_are_what_the_schema_rejects() {
    // Why `x_` is the default: without it the id does not match the
    // schema's list of registered database prefixes.
    let (_dir, mut pack, bulletins) = open_demo();
    pack.config.export.osv_prefix = String::new();
    let files = osv::osv_files(&bulletins, &pack.config).unwrap();
    let doc: Value = serde_json::from_slice(&files[0].contents).unwrap();
    assert_eq!(doc["id"], "DSB-001-2011");
    assert!(!validator("osv").is_valid(&doc));
}

/// CSAF rules beyond the schema that the security advisory profile and the
/// provider layout need (CSAF 2.0 §4.3, §5.1, §6.1).
fn check_csaf_rules(doc: &Value, path: &str) {
    let tracking = &doc["document"]["tracking"];
    let id = tracking["id"].as_str().unwrap();
    // §5.1 file name, §7.1.11 folder of the year of first issue.
    let year = &tracking["initial_release_date"].as_str().unwrap()[..4];
    let expected = format!("{WELL_KNOWN}/white/{year}/{}.json", id.to_lowercase());
    assert_eq!(path, expected);
    // Revision history: consecutive from 1, last number is the version.
    let revs = tracking["revision_history"].as_array().unwrap();
    for (i, r) in revs.iter().enumerate() {
        assert_eq!(r["number"], (i + 1).to_string());
    }
    assert_eq!(tracking["version"], revs.last().unwrap()["number"]);
    assert_eq!(
        tracking["current_release_date"],
        revs.last().unwrap()["date"]
    );
    // Every product id used is defined once in the product tree.
    let tree = serde_json::to_string(&doc["product_tree"]).unwrap();
    let defined: Vec<String> = tree
        .match_indices("\"product_id\":\"")
        .map(|(i, m)| tree[i + m.len()..].split('"').next().unwrap().to_string())
        .collect();
    let unique: BTreeSet<&String> = defined.iter().collect();
    assert_eq!(
        unique.len(),
        defined.len(),
        "duplicate product ids in {path}"
    );
    let vulns = doc["vulnerabilities"].as_array().unwrap();
    assert!(!vulns.is_empty());
    let mut cves = BTreeSet::new();
    for v in vulns {
        assert!(
            !v["notes"].as_array().unwrap().is_empty(),
            "{path}: vulnerability without notes"
        );
        let status = v["product_status"].as_object().unwrap();
        assert!(!status.is_empty());
        for ids in status.values().chain(
            v["remediations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| &r["product_ids"]),
        ) {
            for pid in ids.as_array().unwrap() {
                assert!(
                    unique.contains(&pid.as_str().unwrap().to_string()),
                    "{path}: {pid} undefined"
                );
            }
        }
        if let Some(c) = v.get("cve").and_then(Value::as_str) {
            assert!(cves.insert(c.to_string()), "{path}: CVE {c} used twice");
        }
    }
}

#[test]
fn csaf_provider_validates_and_its_hashes_and_signatures_verify() {
    let (_dir, pack, bulletins) = open_demo();
    let settings = CsafSettings::from_config(&pack.config, None).unwrap();
    assert_eq!(settings.base_url, "https://demo.invalid/.well-known/csaf");

    let gpg = GpgHome::new();
    let secret = gpg.secret_key("Test <t@example.org>", "");
    let key = SecretKeyFile::from_bytes(&secret, "test key")
        .unwrap()
        .unlock(None)
        .unwrap();
    let now = chrono::Utc.with_ymd_and_hms(2025, 1, 2, 3, 4, 5).unwrap();
    let signer = secpack::signing::Signer::KeyFile(Box::new(key));
    let layout = build_provider(&bulletins, &pack.config, &settings, Some(&signer), now).unwrap();
    let out = tempfile::tempdir().unwrap();
    write_export(out.path(), "csaf", &layout.files).unwrap();
    let root = out.path();
    let csaf_dir = root.join(WELL_KNOWN);

    // Documents: schema, profile rules, hashes, signatures.
    let csaf = validator("csaf");
    assert_eq!(layout.documents.len(), bulletins.len());
    for rel in &layout.documents {
        let path = root.join(rel);
        let bytes = std::fs::read(&path).unwrap();
        let doc: Value = serde_json::from_slice(&bytes).unwrap();
        assert_valid(&csaf, &doc, rel);
        assert_eq!(doc["document"]["category"], "csaf_security_advisory");
        check_csaf_rules(&doc, rel);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let sha256: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let sha512: String = Sha512::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            std::fs::read_to_string(format!("{}.sha256", path.display())).unwrap(),
            format!("{sha256}  {name}\n")
        );
        assert_eq!(
            std::fs::read_to_string(format!("{}.sha512", path.display())).unwrap(),
            format!("{sha512}  {name}\n")
        );
        for tool in ["sha256sum", "sha512sum"] {
            let ext = &tool[..6];
            let out = Command::new(tool)
                .current_dir(path.parent().unwrap())
                .args(["--check", "--strict", &format!("{name}.{ext}")])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{tool} --check {name}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let sig = path.with_file_name(format!("{name}.asc"));
        assert!(gpg.verifies(&sig, &path), "gpg --verify {}", sig.display());
    }

    // A tampered document no longer verifies, nor matches its hash.
    let first = root.join(&layout.documents[0]);
    let mut bytes = std::fs::read(&first).unwrap();
    bytes[10] ^= 1;
    std::fs::write(&first, &bytes).unwrap();
    let sig = first.with_file_name(format!(
        "{}.asc",
        first.file_name().unwrap().to_string_lossy()
    ));
    assert!(!gpg.verifies(&sig, &first));
    let out = Command::new("sha256sum")
        .current_dir(first.parent().unwrap())
        .args([
            "--check",
            &format!("{}.sha256", first.file_name().unwrap().to_string_lossy()),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());

    // A mutilated document is rejected by the schema: the validator bites.
    let mut doc = read_json(&root.join(&layout.documents[1]));
    doc["document"]["tracking"]
        .as_object_mut()
        .unwrap()
        .remove("id");
    assert!(!csaf.is_valid(&doc));

    // Provider metadata: schema, role, key, signature.
    let meta_path = csaf_dir.join("provider-metadata.json");
    let meta = read_json(&meta_path);
    assert_valid(&validator("provider"), &meta, "provider-metadata.json");
    assert_eq!(meta["role"], "csaf_trusted_provider");
    assert_eq!(
        meta["canonical_url"],
        "https://demo.invalid/.well-known/csaf/provider-metadata.json"
    );
    assert_eq!(meta["last_updated"], "2025-01-02T03:04:05Z");
    let fpr = meta["public_openpgp_keys"][0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let listed = gpg.gpg(&["--with-colons", "--fingerprint", "t@example.org"]);
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("fpr:") && l.contains(&fpr)),
        "{fpr} not in {listed}"
    );
    assert!(gpg.verifies(&csaf_dir.join("provider-metadata.json.asc"), &meta_path));
    let published_key =
        std::fs::read_to_string(csaf_dir.join(format!("openpgp/{fpr}.asc"))).unwrap();
    assert!(published_key.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"));

    // index.txt and changes.csv, relative to the TLP folder.
    let index = std::fs::read_to_string(csaf_dir.join("white/index.txt")).unwrap();
    let mut expected: Vec<String> = layout
        .documents
        .iter()
        .map(|d| {
            d.strip_prefix(&format!("{WELL_KNOWN}/white/"))
                .unwrap()
                .to_string()
        })
        .collect();
    expected.sort();
    assert_eq!(index.lines().collect::<Vec<_>>(), expected);
    let changes = std::fs::read_to_string(csaf_dir.join("white/changes.csv")).unwrap();
    let first_lines: Vec<&str> = changes.lines().take(3).collect();
    // Newest change first: 101 (issued 2024-05-02), 100 (revised 2024-02-14), 080.
    assert_eq!(
        first_lines,
        [
            "\"2024/dsb-101-2024.json\",\"2024-05-02T00:00:00Z\"",
            "\"2024/dsb-100-2024.json\",\"2024-02-14T00:00:00Z\"",
            "\"2022/dsb-080-2022.json\",\"2022-06-09T00:00:00Z\"",
        ]
    );
    assert_eq!(changes.lines().count(), bulletins.len());

    // The ROLIE feed lists every document with hash and signature links.
    let feed = read_json(&csaf_dir.join("feed-tlp-white.json"));
    assert_valid(&validator("rolie"), &feed, "feed-tlp-white.json");
    let entries = feed["feed"]["entry"].as_array().unwrap();
    assert_eq!(entries.len(), bulletins.len());
    for e in entries {
        let rels: Vec<&str> = e["link"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["rel"].as_str().unwrap())
            .collect();
        assert_eq!(rels, ["self", "hash", "hash", "signature"]);
    }
    assert_eq!(
        meta["distributions"][0]["rolie"]["feeds"][0]["url"],
        "https://demo.invalid/.well-known/csaf/feed-tlp-white.json"
    );

    // The security.txt line.
    assert_eq!(
        std::fs::read_to_string(root.join("security-txt-csaf.txt")).unwrap(),
        "CSAF: https://demo.invalid/.well-known/csaf/provider-metadata.json\n"
    );
}

#[test]
fn csaf_document_content() {
    let (_dir, pack, bulletins) = open_demo();
    let settings = CsafSettings::from_config(&pack.config, None).unwrap();
    let doc = |id: &str| {
        let b = bulletins.iter().find(|b| b.id == id).unwrap();
        secpack::export::csaf::csaf_document(b, &pack.config, &settings).unwrap()
    };
    let d = doc("DSB-100-2024");
    let t = &d["document"]["tracking"];
    assert_eq!(t["version"], "2");
    assert_eq!(t["initial_release_date"], "2024-01-30T00:00:00Z");
    assert_eq!(t["current_release_date"], "2024-02-14T00:00:00Z");
    assert_eq!(d["document"]["publisher"]["name"], "Demo Security Team");
    let vulns = d["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 1);
    assert_eq!(vulns[0]["cve"], "CVE-2024-31142");
    assert_eq!(vulns[0]["cwe"]["id"], "CWE-668");
    // With a CVE, the upstream advisory and the alias still name it.
    let ids: Vec<&str> = vulns[0]["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["text"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["DSB-100-2024", "XSA-449", "DEMO-2024-7"]);
    // AV:L/AC:H/PR:H/UI:N/S:C/C:H/I:H/A:H scores 7.5 (FIRST CVSS 3.1 calculator).
    assert_eq!(
        vulns[0]["scores"][0]["cvss_v3"]["baseScore"],
        serde_json::json!(7.5)
    );
    assert_eq!(vulns[0]["scores"][0]["cvss_v3"]["baseSeverity"], "HIGH");
    assert_eq!(
        vulns[0]["product_status"]["fixed"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // Packages are grouped under their release.
    let families: Vec<&str> = d["product_tree"]["branches"][0]["branches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(families, ["Demo 4.1", "Demo 4.2"]);

    // Two CVEs: two vulnerabilities; no packages: the project is known affected.
    let d = doc("DSB-001-2011");
    let vulns = d["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 2);
    assert_eq!(
        vulns[0]["product_status"]["known_affected"],
        serde_json::json!(["CSAFPID-0001"])
    );
    assert_eq!(d["document"]["tracking"]["version"], "1");

    // No CVE: one vulnerability carrying the upstream advisory ids.
    let d = doc("DSB-080-2022");
    let ids: Vec<&str> = d["vulnerabilities"][0]["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["text"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["DSB-080-2022", "XSA-401", "XSA-402"]);
}

#[test]
fn unsigned_provider_is_a_plain_provider() {
    let (_dir, pack, bulletins) = open_demo();
    let settings =
        CsafSettings::from_config(&pack.config, Some("https://cdn.demo.invalid/csaf")).unwrap();
    let now = chrono::Utc.with_ymd_and_hms(2025, 1, 2, 3, 4, 5).unwrap();
    let layout = build_provider(&bulletins, &pack.config, &settings, None, now).unwrap();
    assert!(!layout.signed);
    assert!(layout.files.iter().all(|f| !f.path.ends_with(".asc")));
    let meta = layout
        .files
        .iter()
        .find(|f| f.path.ends_with("provider-metadata.json"))
        .unwrap();
    let meta: Value = serde_json::from_slice(&meta.contents).unwrap();
    assert_valid(&validator("provider"), &meta, "provider-metadata.json");
    assert_eq!(meta["role"], "csaf_provider");
    assert!(meta.get("public_openpgp_keys").is_none());
    assert_eq!(
        layout.security_txt_line,
        "CSAF: https://cdn.demo.invalid/csaf/provider-metadata.json"
    );
}

#[test]
fn gpg_protected_keys_need_the_right_passphrase() {
    let gpg = GpgHome::new();
    let secret = gpg.secret_key("Locked <l@example.org>", "s3cret pass");
    let file = SecretKeyFile::from_bytes(&secret, "locked.asc").unwrap();
    assert!(file.needs_passphrase().unwrap());
    let e = file.unlock(None).unwrap_err();
    assert_eq!(SigningError::code(&e), "passphrase-required");
    assert!(e.to_string().contains("--passphrase-file"), "{e}");
    let e = file.unlock(Some(&"not it".into())).unwrap_err();
    assert_eq!(SigningError::code(&e), "wrong-passphrase");
    let key = file.unlock(Some(&"s3cret pass".into())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.txt");
    std::fs::write(&data, b"signed with an unlocked key\n").unwrap();
    let sig = dir.path().join("data.txt.asc");
    std::fs::write(
        &sig,
        secpack::signing::sign_detached(&key, b"signed with an unlocked key\n").unwrap(),
    )
    .unwrap();
    assert!(gpg.verifies(&sig, &data));
}

fn file(path: &str, contents: &str) -> secpack::export::OutputFile {
    secpack::export::OutputFile {
        path: path.to_string(),
        contents: contents.as_bytes().to_vec(),
    }
}

#[test]
fn an_export_replaces_its_whole_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("osv");
    write_export(&out, "osv", &[file("a.json", "a"), file("b.json", "b")]).unwrap();
    assert_eq!(tree(&out), [".secpack-export", "a.json", "b.json"]);
    // The next export drops what it no longer produces.
    write_export(&out, "osv", &[file("a.json", "A")]).unwrap();
    assert_eq!(tree(&out), [".secpack-export", "a.json"]);
    assert_eq!(std::fs::read_to_string(out.join("a.json")).unwrap(), "A");
    // Nothing is left beside it: no staging folder, no previous export.
    let beside: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(beside.len(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&out), 0o755);
        assert_eq!(mode(&out.join("a.json")), 0o644);
        let csaf = dir.path().join("csaf");
        write_export(&csaf, "csaf", &[file(".well-known/csaf/x/y.json", "y")]).unwrap();
        assert_eq!(mode(&csaf.join(".well-known/csaf/x")), 0o755);
    }
    // An empty folder is taken.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    write_export(&empty, "osv", &[file("a.json", "a")]).unwrap();
    assert_eq!(tree(&empty), [".secpack-export", "a.json"]);
}

#[test]
fn a_folder_the_export_did_not_make_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    // A home folder given by mistake.
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    std::fs::write(home.join(".ssh/id_ed25519"), "secret").unwrap();
    std::fs::write(home.join("notes.txt"), "notes").unwrap();
    let before = tree(&home);
    let e = write_export(&home, "osv", &[file("a.json", "a")]).unwrap_err();
    assert!(
        e.to_string().contains("not written by secpack export"),
        "{e}"
    );
    assert_eq!(
        (e.code(), e.class()),
        ("output-not-an-export", ErrorClass::Usage)
    );
    assert_eq!(tree(&home), before);
    // A marker that names another format, or that is not a marker.
    let csaf = dir.path().join("csaf");
    write_export(&csaf, "csaf", &[file("c.json", "c")]).unwrap();
    let e = write_export(&csaf, "osv", &[file("a.json", "a")]).unwrap_err();
    assert!(
        e.to_string().contains("holds a `secpack export csaf`"),
        "{e}"
    );
    assert_eq!(tree(&csaf), [".secpack-export", "c.json"]);
    std::fs::remove_file(home.join("notes.txt")).unwrap();
    std::fs::create_dir(home.join(".secpack-export")).unwrap();
    assert!(write_export(&home, "osv", &[file("a.json", "a")]).is_err());
    assert!(home.join(".ssh/id_ed25519").exists());
    // A file, and a link to an export, are not folders to replace.
    let plain = dir.path().join("plain");
    std::fs::write(&plain, "x").unwrap();
    assert!(write_export(&plain, "osv", &[]).is_err());
    assert_eq!(std::fs::read_to_string(&plain).unwrap(), "x");
    #[cfg(unix)]
    {
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&csaf, &link).unwrap();
        let e = write_export(&link, "csaf", &[file("d.json", "d")]).unwrap_err();
        assert!(e.to_string().contains("not a folder"), "{e}");
        assert_eq!(tree(&csaf), [".secpack-export", "c.json"]);
    }
    // Paths that leave the folder, or replace the marker, are refused.
    let out = dir.path().join("new");
    for bad in ["../x.json", "/tmp/x.json", ".secpack-export"] {
        assert!(
            write_export(&out, "osv", &[file(bad, "x")]).is_err(),
            "{bad}"
        );
    }
    assert!(!out.exists());
}

#[test]
fn a_bulletin_still_holding_template_text_is_not_exported() {
    let dir = tempfile::tempdir().unwrap();
    demo_pack(dir.path());
    // Drafted by `qsb new` from the built-in template, never edited.
    let draft = "\n        ---===[ Demo Security Bulletin 102 ]===---\n\n                              2024-06-01\n\n                       A draft\n\nUser action\n------------\n\nSay in one or two sentences what readers must do: which updates to\ninstall, what to restart, or that nothing is needed.\n";
    std::fs::write(dir.path().join("QSBs/qsb-102-2024.txt"), draft).unwrap();
    // Edited, but a TODO is left.
    let todo = std::fs::read_to_string(dir.path().join("QSBs/qsb-101-2024.txt"))
        .unwrap()
        .replacen("\n\n", "\n\nFixed versions: TODO\n\n", 1);
    std::fs::write(dir.path().join("QSBs/qsb-103-2024.txt"), todo).unwrap();
    let pack = Pack::open(dir.path()).unwrap();
    let (bulletins, findings) = load_bulletins(&pack).unwrap();
    assert!(bulletins.iter().all(|b| b.number < 102));
    assert_eq!(bulletins.len(), 8);
    let left: Vec<(&str, &str)> = findings
        .iter()
        .filter(|f| f.code == "template-text")
        .map(|f| (f.path.as_str(), f.message.as_str()))
        .collect();
    assert_eq!(left.len(), 2, "{findings:?}");
    assert_eq!(left[0].0, "QSBs/qsb-102-2024.txt");
    assert!(left[0].1.contains("line 11"), "{}", left[0].1);
    assert_eq!(left[1].0, "QSBs/qsb-103-2024.txt");
    assert!(left[1].1.contains("TODO"), "{}", left[1].1);
    let files = osv::osv_files(&bulletins, &pack.config).unwrap();
    assert!(files.iter().all(|f| !f.path.contains("-102-")));
}
