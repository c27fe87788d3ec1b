//! `secpack xsa` end to end: the binary run on real data, on a small pack
//! with bulletins, and against upstream lists from files and a fixture server.

use std::path::{Path, PathBuf};
use std::process::Output;

use secpack_testsupport::http::serve_once;
use serde_json::Value;

fn real_data() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shared = manifest.join("../../../shared/reference/qubes-site-data/sec-xsa.yml");
    if shared.is_file() {
        shared
    } else {
        manifest.join("../secpack/tests/data/sec-xsa.yml")
    }
}

fn secpack(pack: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_secpack"))
        .args(["--color", "never", "xsa"])
        .args(args)
        .arg("--pack")
        .arg(pack)
        .output()
        .unwrap()
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success() || out.status.code() == Some(1),
        "{out:?}"
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Entries of the site file as (number, date, affected, unused), read line by line.
fn entries(text: &str) -> Vec<(u32, String, bool, bool)> {
    text.split("- xsa:")
        .skip(1)
        .map(|e| {
            let value = |key: &str| {
                e.lines()
                    .find_map(|l| l.trim().strip_prefix(key).map(|v| v.trim().to_string()))
            };
            (
                e.lines().next().unwrap().trim().parse().unwrap(),
                value("date:").unwrap(),
                value("affected:").as_deref() == Some("yes"),
                value("unused:").as_deref() == Some("yes"),
            )
        })
        .collect()
}

#[test]
fn real_data_import_list_stats_and_export() {
    let pack = tempfile::tempdir().unwrap();
    std::fs::create_dir(pack.path().join("keys")).unwrap();
    let p = pack.path();
    let out = secpack(p, &["import-jekyll", real_data().to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let tracker_file = p.join("tracker/xsa.toml");
    let saved = std::fs::read(&tracker_file).unwrap();

    let original = std::fs::read_to_string(real_data()).unwrap();
    let all = entries(&original);
    let affected = all.iter().filter(|e| e.2).count();

    let listed = json(&secpack(p, &["list", "--json", "--affected", "yes"]));
    assert_eq!(listed.as_array().unwrap().len(), affected);
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["affected"] == "yes"));
    let since = all.iter().filter(|e| e.1.as_str() >= "2024-01-01").count();
    let listed = json(&secpack(p, &["list", "--json", "--since", "2024-01-01"]));
    assert_eq!(listed.as_array().unwrap().len(), since);
    let all_rows = json(&secpack(p, &["list", "--json"]));
    assert_eq!(all_rows.as_array().unwrap().len(), all.len());

    let published: Vec<_> = all.iter().filter(|e| !e.3).collect();
    let s = json(&secpack(p, &["stats", "--json"]));
    assert_eq!(s["published"], published.len());
    assert_eq!(s["affected"], published.iter().filter(|e| e.2).count());
    assert_eq!(s["first"], *published.iter().map(|e| &e.1).min().unwrap());
    assert_eq!(s["last"], *published.iter().map(|e| &e.1).max().unwrap());
    let text = String::from_utf8(secpack(p, &["stats"]).stdout).unwrap();
    assert!(
        text.contains(&format!("{:.2}%", s["percentage"].as_f64().unwrap())),
        "{text}"
    );

    let exported = p.join("sec-xsa.yml");
    let out = secpack(
        p,
        &["export-jekyll", "--output", exported.to_str().unwrap()],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(std::fs::read_to_string(&exported).unwrap(), original);
    let out = secpack(p, &["export-jekyll"]);
    assert_eq!(String::from_utf8(out.stdout).unwrap(), original);

    // Importing over an existing tracker needs --force and leaves it alone otherwise.
    let out = secpack(p, &["import-jekyll", real_data().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&tracker_file).unwrap(), saved);
    let out = secpack(
        p,
        &["import-jekyll", "--force", real_data().to_str().unwrap()],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        std::fs::read(&tracker_file).unwrap(),
        saved,
        "deterministic output"
    );
}

fn write_bulletin(pack: &Path, name: &str, cites: &str) {
    let dir = pack.join("QSBs");
    std::fs::create_dir_all(&dir).unwrap();
    let text = format!(
        "\n        ---===[ Demo Security Bulletin 001 ]===---\n\n                  2024-02-01\n\n\
         \x20        Demo flaw in a demo hypervisor ({cites})\n\nSummary\n--------\n\nSee above.\n"
    );
    std::fs::write(dir.join(name), text).unwrap();
}

fn codes(report: &Value) -> Vec<(String, Option<u64>)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["advisory"].as_u64(),
            )
        })
        .collect()
}

#[test]
fn set_and_check_against_bulletins() {
    let pack = tempfile::tempdir().unwrap();
    std::fs::create_dir(pack.path().join("keys")).unwrap();
    let p = pack.path();
    write_bulletin(p, "qsb-001-2024.txt", "XSA-1, XSA-3");

    let out = secpack(
        p,
        &["set", "1", "--affected", "yes", "--date", "2024-01-30"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--qsb"), "{}", stderr(&out));
    assert!(
        !p.join("tracker/xsa.toml").exists(),
        "nothing written on a refused command"
    );
    let out = secpack(p, &["set", "1", "--unused", "--qsb", "001-2024"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let out = secpack(
        p,
        &[
            "set",
            "1",
            "--affected",
            "yes",
            "--qsb",
            "1-24",
            "--date",
            "2024-01-30",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let out = secpack(p, &["set", "2", "--affected", "no"]);
    assert!(
        stderr(&out).contains("not in the tracker"),
        "{}",
        stderr(&out)
    );

    for args in [
        &[
            "set",
            "XSA-1",
            "--affected",
            "yes",
            "--qsb",
            "001-2024",
            "--date",
            "2024-01-30",
        ][..],
        &[
            "set",
            "2",
            "--affected",
            "no",
            "--mitigation",
            "PV guests only",
            "--date",
            "2024-01-30",
        ],
        &["set", "3", "--affected", "no", "--date", "2024-01-30"],
        &["set", "4", "--unused", "--date", "2024-01-31"],
    ] {
        let out = secpack(p, args);
        assert!(out.status.success(), "{args:?}: {out:?}");
    }
    let row = json(&secpack(
        p,
        &[
            "set",
            "2",
            "--json",
            "--affected",
            "no",
            "--mitigation",
            "PV only",
        ],
    ));
    assert_eq!(
        (row["number"].as_u64(), row["mitigation"].as_str()),
        (Some(2), Some("PV only"))
    );

    // Bulletin 001 cites XSA-3, which the tracker says does not affect us.
    let out = secpack(p, &["check", "--json", "--now", "2024-02-15"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report = json(&out);
    assert_eq!(report["ok"], false);
    assert_eq!(
        codes(&report),
        [("cited-advisory-not-affected".into(), Some(3))]
    );

    let out = secpack(p, &["set", "3", "--affected", "yes", "--qsb", "001-2024"]);
    assert!(out.status.success(), "{out:?}");
    let out = secpack(p, &["check", "--now", "2024-02-15"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("consistent"));

    // A row naming a bulletin the pack no longer has (refused while it is
    // absent: --qsb names bulletins of the pack).
    let out = secpack(p, &["set", "3", "--affected", "yes", "--qsb", "002-2024"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        stderr(&out)
            .contains("the pack has no bulletin QSB-002-2024; its bulletins are QSB-001-2024"),
        "{}",
        stderr(&out)
    );
    write_bulletin(p, "qsb-002-2024.txt", "XSA-9");
    let out = secpack(p, &["set", "3", "--affected", "yes", "--qsb", "002-2024"]);
    assert!(out.status.success(), "{out:?}");
    std::fs::remove_file(p.join("QSBs/qsb-002-2024.txt")).unwrap();
    let report = json(&secpack(p, &["check", "--json", "--now", "2024-02-15"]));
    assert_eq!(
        codes(&report),
        [
            ("cited-advisory-other-bulletin".into(), Some(3)),
            ("bulletin-missing".into(), Some(3)),
        ]
    );
}

#[test]
fn sync_from_files_and_urls() {
    let pack = tempfile::tempdir().unwrap();
    std::fs::create_dir(pack.path().join("keys")).unwrap();
    let p = pack.path();
    let tracker_file = p.join("tracker/xsa.toml");
    let out = secpack(
        p,
        &[
            "set",
            "1",
            "--affected",
            "no",
            "--mitigation",
            "HVM only",
            "--date",
            "2024-01-01",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let list = p.join("xsa.json");
    std::fs::write(
        &list,
        r#"[{"xsas": [{"xsa": "1", "title": "One", "public_time": "2024-01-01 12:00"},
                      {"xsa": "2", "title": "Two", "public_time": "2024-02-02 12:00", "cve": ["CVE-2024-0002"]}]}]"#,
    )
    .unwrap();
    let before = std::fs::read(&tracker_file).unwrap();

    let out = secpack(p, &["sync", "--dry-run", "--from", list.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("XSA-2") && text.contains("dry run"), "{text}");
    assert_eq!(std::fs::read(&tracker_file).unwrap(), before);

    let report = json(&secpack(
        p,
        &["sync", "--json", "--from", list.to_str().unwrap()],
    ));
    assert_eq!(report["written"], true);
    let kinds: Vec<&str> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["change"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["title", "added"]);
    let rows = json(&secpack(p, &["list", "--json"]));
    assert_eq!(rows[0]["affected"], "no");
    assert_eq!(rows[0]["mitigation"], "HVM only");
    assert_eq!(rows[1]["affected"], "tba");
    assert_eq!(rows[1]["cves"][0], "CVE-2024-0002");

    // Bad sources fail with exit 1 and leave the tracker as it was.
    let after = std::fs::read(&tracker_file).unwrap();
    std::fs::write(&list, "{\"not\": \"a list\"}").unwrap();
    let out = secpack(p, &["sync", "--from", list.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(stderr(&out).contains("JSON array"), "{}", stderr(&out));
    let (url, server) = serve_once(
        "/xsa.json",
        Some("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into()),
        std::time::Duration::ZERO,
    );
    let out = secpack(p, &["sync", "--timeout", "10", "--from", &url]);
    server.join().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(stderr(&out).contains("404"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&tracker_file).unwrap(), after);
}

#[test]
fn qsb_takes_every_form_of_a_bulletin_number_of_the_pack() {
    let pack = tempfile::tempdir().unwrap();
    std::fs::create_dir(pack.path().join("keys")).unwrap();
    let p = pack.path();
    write_bulletin(p, "qsb-001-2024.txt", "XSA-1");
    write_bulletin(p, "qsb-002-2026.txt", "XSA-2");
    let set = |qsb: &str| {
        secpack(
            p,
            &[
                "set",
                "--json",
                "2",
                "--affected",
                "yes",
                "--qsb",
                qsb,
                "--date",
                "2026-01-30",
            ],
        )
    };
    for qsb in [
        "2",
        "002",
        "002-2026",
        "QSB-002-2026",
        "qsb-002-2026",
        "QSB-2",
    ] {
        let out = set(qsb);
        assert!(out.status.success(), "{qsb}: {}", stderr(&out));
        assert_eq!(json(&out)["bulletin"], "002-2026", "{qsb}");
    }
    // The human line names the bulletin by its identifier.
    let out = secpack(p, &["list"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("QSB-002-2026"), "{stdout}");
    // A bulletin that does not exist, a wrong year, a malformed number.
    for (qsb, says) in [
        ("99", "the pack has no bulletin QSB-099"),
        ("002-2025", "the pack has no bulletin QSB-002-2025"),
        ("1-24", "is not a bulletin number"),
        ("XSA-2", "is not a bulletin number"),
        ("", "is not a bulletin number"),
    ] {
        let out = set(qsb);
        assert_eq!(out.status.code(), Some(2), "{qsb}");
        assert!(stderr(&out).contains(says), "{qsb}: {}", stderr(&out));
    }
    // Nothing was recorded by the refusals: the row still names 002-2026.
    let rows = json(&secpack(p, &["list", "--json"]));
    assert_eq!(rows[0]["bulletin"], "002-2026");
}

/// The `{"error": ...}` object of a `--json` run.
fn json_error(out: &Output) -> Value {
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(out)));
    v["error"].clone()
}

fn code_and_class(e: &Value) -> (Option<&str>, Option<&str>) {
    (e["code"].as_str(), e["class"].as_str())
}

#[test]
fn each_class_of_error_has_its_exit_status_and_code() {
    let pack = tempfile::tempdir().unwrap();
    std::fs::create_dir(pack.path().join("keys")).unwrap();
    let p = pack.path();
    write_bulletin(p, "qsb-001-2024.txt", "XSA-1");
    // Usage: a malformed advisory number, and a verdict that needs a bulletin.
    let out = secpack(p, &["set", "--json", "XSA-1x", "--affected", "no"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let e = json_error(&out);
    assert_eq!(code_and_class(&e), (Some("advisory-number"), Some("usage")));
    assert!(e["message"].as_str().unwrap().contains("XSA-1x"), "{e}");
    let out = secpack(p, &["set", "--json", "1", "--affected", "yes"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        code_and_class(&json_error(&out)),
        (Some("affected-needs-bulletin"), Some("usage"))
    );
    // Config: a tracker file that cannot be read as one (a folder, then a
    // file of another format version).
    let tracker = p.join("tracker/xsa.toml");
    std::fs::create_dir_all(&tracker).unwrap();
    let out = secpack(
        p,
        &["set", "--json", "1", "--unused", "--date", "2024-01-01"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        code_and_class(&json_error(&out)),
        (Some("tracker-not-a-file"), Some("config"))
    );
    std::fs::remove_dir(&tracker).unwrap();
    std::fs::write(&tracker, "version = 7\n").unwrap();
    let out = secpack(p, &["list", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let e = json_error(&out);
    assert_eq!(
        code_and_class(&e),
        (Some("tracker-version"), Some("config"))
    );
    assert!(e["message"].as_str().unwrap().contains("xsa.toml"), "{e}");
    assert_eq!(std::fs::read_to_string(&tracker).unwrap(), "version = 7\n");
    // Failure: an upstream list of the wrong shape (exit 1).
    std::fs::remove_file(&tracker).unwrap();
    let list = p.join("upstream.json");
    std::fs::write(&list, "{\"not\": \"a list\"}").unwrap();
    let out = secpack(p, &["sync", "--json", "--from", list.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        code_and_class(&json_error(&out)),
        (Some("upstream-shape"), Some("failure"))
    );
    // I/O: an upstream list that cannot be read (exit 1, the path named).
    let missing = p.join("missing.json");
    let out = secpack(p, &["sync", "--json", "--from", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let e = json_error(&out);
    assert_eq!(code_and_class(&e), (Some("io"), Some("io")));
    assert!(
        e["message"].as_str().unwrap().contains("missing.json"),
        "{e}"
    );
    assert!(!tracker.exists(), "nothing written by the refusals");
}
