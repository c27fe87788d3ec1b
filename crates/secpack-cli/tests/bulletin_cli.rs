//! Bulletin numbers as people type them: `inbox status --qsb` takes a
//! bulletin of the pack in any form, and refuses one the pack lacks.

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs secpack, nothing inherited that could pin a master.
fn secpack(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_secpack"))
        .args(args)
        .env_remove("SECPACK_MASTER")
        .env("XDG_CONFIG_HOME", "/nonexistent-secpack-test-config")
        .env("SECPACK_NO_CACHE", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn inbox_status_takes_a_bulletin_of_the_pack_in_any_form() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack");
    std::fs::create_dir_all(pack.join("QSBs")).unwrap();
    for f in ["qsb-001-2026.txt", "qsb-002-2026.txt"] {
        std::fs::write(pack.join("QSBs").join(f), "a bulletin\n").unwrap();
    }
    let db = dir.path().join("inbox.sqlite");
    let id = secpack::report::inbox::Inbox::open(&db)
        .unwrap()
        .insert(b"ciphertext", "FPR", chrono::Utc::now())
        .unwrap();
    let status = |qsb: &str| {
        secpack(&[
            "--json",
            "inbox",
            "--db",
            &s(&db),
            "status",
            &id,
            "--set",
            "fixed",
            "--qsb",
            qsb,
            "--pack",
            &s(&pack),
        ])
    };
    let stored = || {
        secpack::report::inbox::Inbox::open(&db)
            .unwrap()
            .get(&id)
            .unwrap()
            .unwrap()
            .qsb
    };
    for (qsb, number) in [
        ("001-2026", 1),
        ("2", 2),
        ("001", 1),
        ("QSB-002-2026", 2),
        ("qsb-1", 1),
    ] {
        let o = status(qsb);
        assert!(o.status.success(), "{qsb}: {}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(
            v["bulletin"]["id"],
            format!("QSB-{number:03}-2026"),
            "{qsb}"
        );
        assert_eq!(stored(), Some(number), "{qsb}");
    }
    // A bulletin the pack does not have, or no bulletin number at all:
    // refused, nothing recorded.
    for (qsb, says) in [
        (
            "99",
            "the pack has no bulletin QSB-099; its bulletins are QSB-001-2026, QSB-002-2026",
        ),
        ("001-2025", "the pack has no bulletin QSB-001-2025"),
        ("one", "is not a bulletin number"),
    ] {
        let o = status(qsb);
        assert_eq!(o.status.code(), Some(2), "{qsb}");
        assert!(stderr(&o).contains(says), "{qsb}: {}", stderr(&o));
        assert_eq!(stored(), Some(1), "{qsb}");
    }
    // The human line names the bulletin by its identifier.
    let o = secpack(&[
        "inbox",
        "--db",
        &s(&db),
        "status",
        &id,
        "--set",
        "published",
        "--qsb",
        "2",
        "--pack",
        &s(&pack),
    ]);
    assert!(
        stdout(&o).contains("covered by QSB-002-2026"),
        "{}",
        stdout(&o)
    );
}
