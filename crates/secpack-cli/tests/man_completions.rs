//! Manual pages and shell completions come from the clap definitions: every
//! subcommand has its page and its completion.

use secpack_testsupport::cli::{command, Ran};

fn secpack(args: &[&str]) -> std::process::Output {
    command(env!("CARGO_BIN_EXE_secpack"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn every_subcommand_has_a_manual_page() {
    let dir = tempfile::tempdir().unwrap();
    let out = secpack(&["man", dir.path().to_str().unwrap()]);
    out.assert_success();
    for page in [
        "secpack.1",
        "secpack-verify.1",
        "secpack-digest-check.1",
        "secpack-inbox.1",
    ] {
        let text = std::fs::read_to_string(dir.path().join(page))
            .unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(
            text.starts_with(".ie") || text.contains(".TH"),
            "{page}: {text}"
        );
    }
    let verify = std::fs::read_to_string(dir.path().join("secpack-verify.1")).unwrap();
    // The options as declared, --history and --forget-state among them.
    assert!(
        verify.contains("history") && verify.contains("forget\\-state"),
        "{verify}"
    );
}

#[test]
fn completions_list_the_subcommands_and_a_bad_shell_is_a_usage_error() {
    let out = secpack(&["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0));
    let script = String::from_utf8(out.stdout).unwrap();
    for word in ["verify", "digest", "inbox", "--history", "--no-state"] {
        assert!(script.contains(word), "missing {word}");
    }
    let out = secpack(&["completions", "cmd.exe"]);
    assert_eq!(out.status.code(), Some(2));
}
