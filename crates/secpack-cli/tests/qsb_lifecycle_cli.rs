//! `secpack qsb revise` and `qsb withdraw`: the sidecar change, what the
//! user is told to sign, refusals with their codes and exit statuses.

use std::path::Path;
use std::process::Output;

use secpack_testsupport::cli::{command, Ran};

fn secpack(args: &[&str]) -> Output {
    command(env!("CARGO_BIN_EXE_secpack"))
        .args(args)
        .output()
        .unwrap()
}

/// A pack (its keys folder makes it one) with bulletin 7 of 2026.
fn pack() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("keys")).unwrap();
    std::fs::create_dir(dir.path().join("QSBs")).unwrap();
    std::fs::write(
        dir.path().join("QSBs/qsb-007-2026.txt"),
        "\n   ---===[ Demo Security Bulletin 007 ]===---\n\n              2026-01-10\n\n        Something broke\n",
    )
    .unwrap();
    dir
}

fn run(root: &Path, args: &[&str]) -> Output {
    let mut all = vec!["qsb", "--pack", root.to_str().unwrap()];
    all.extend_from_slice(args);
    secpack(&all)
}

#[test]
fn revise_then_withdraw_write_the_sidecar_and_ask_for_signatures() {
    let dir = pack();
    let root = dir.path();
    let o = run(
        root,
        &[
            "revise",
            "7",
            "--summary",
            "Packages for 4.3.",
            "--date",
            "2026-02-01",
        ],
    );
    o.assert_success();
    let text = o.stdout_text();
    assert!(text.contains("revised on 2026-02-01"), "{text}");
    assert!(
        text.contains("secpack sign QSBs/qsb-007-2026.toml --as NAME"),
        "{text}"
    );
    let side = std::fs::read_to_string(root.join("QSBs/qsb-007-2026.toml")).unwrap();
    assert!(
        side.contains("[[revisions]]\ndate = 2026-02-01\nsummary = \"Packages for 4.3.\""),
        "{side}"
    );

    let o = run(
        root,
        &[
            "--json",
            "withdraw",
            "QSB-007-2026",
            "--reason",
            "Duplicate of 006.",
            "--date",
            "2026-03-01",
        ],
    );
    o.assert_success();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["change"], "withdrawn");
    assert_eq!(v["created"], false);
    assert_eq!(
        v["needs_signing"],
        serde_json::json!(["QSBs/qsb-007-2026.toml"])
    );
    let side = std::fs::read_to_string(root.join("QSBs/qsb-007-2026.toml")).unwrap();
    assert!(
        side.contains("[withdrawn]\ndate = 2026-03-01\nreason = \"Duplicate of 006.\""),
        "{side}"
    );

    // Withdrawn twice, or revised once withdrawn: refused, nothing written.
    let before = std::fs::read(root.join("QSBs/qsb-007-2026.toml")).unwrap();
    let o = run(root, &["withdraw", "7", "--reason", "Again."]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        o.stderr_text().contains("[already-withdrawn]"),
        "{}",
        o.stderr_text()
    );
    let o = run(root, &["revise", "7", "--summary", "More."]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        o.stderr_text().contains("[bulletin-withdrawn]"),
        "{}",
        o.stderr_text()
    );
    assert_eq!(
        std::fs::read(root.join("QSBs/qsb-007-2026.toml")).unwrap(),
        before
    );
}

#[test]
fn refusals_have_codes_and_exit_statuses() {
    let dir = pack();
    let root = dir.path();
    let o = run(root, &["revise", "8", "--summary", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        o.stderr_text().contains("[no-such-bulletin]"),
        "{}",
        o.stderr_text()
    );
    let o = run(root, &["revise", "7", "--summary", " "]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        o.stderr_text().contains("[bad-text]"),
        "{}",
        o.stderr_text()
    );
    let o = run(
        root,
        &["revise", "7", "--summary", "x", "--date", "2026-02-30"],
    );
    assert_eq!(o.status.code(), Some(2), "a bad date is a usage error");
    // A revision dated before the one above it is refused.
    assert_eq!(
        run(
            root,
            &["revise", "7", "--summary", "a", "--date", "2026-03-01"]
        )
        .status
        .code(),
        Some(0)
    );
    let o = run(
        root,
        &["revise", "7", "--summary", "b", "--date", "2026-02-01"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        o.stderr_text().contains("[invalid-sidecar]") && o.stderr_text().contains("oldest first"),
        "{}",
        o.stderr_text()
    );
    assert!(!root
        .join("QSBs")
        .read_dir()
        .unwrap()
        .any(|e| { e.unwrap().file_name().to_string_lossy().contains(".tmp") }));
}
