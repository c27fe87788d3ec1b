//! `secpack canary` end to end: exit statuses, JSON, files written or not.

#[path = "../../secpack/tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::process::Command;

use common::http::{ok, Server};

const FPR: &str = "1111 2222 3333 4444 5555  6666 7777 8888 9999 AAAA";

fn canary(n: u32, issued: &str, due_month: &str, count: u32) -> String {
    format!(
        "---===[ Example Canary {n:03} ]===---\n\nStatements\n----------\n\n\
         The team members who signed this file declare:\n\n\
         1. This canary's date of issue is {issued}.\n\n\
         2. So far, {count} Example security bulletins have been published.\n\n\
         3. The Example Master Signing Key fingerprint is:\n\n   {FPR}\n\n\
         4. Nobody served us a warrant.\n\n\
         5. The next canary will appear in the first fourteen days of {due_month}.\n\n\
         Proof of freshness\n------------------\n\n\
         Mon, 07 Jan 2030 01:02:03 +0000\n\n\
         Source: Wire (https://wire.example/rss)\nOne\nTwo\n\n\
         Source: Chain\n{:0>64}\n",
        n
    )
}

fn pack(dir: &Path) {
    std::fs::create_dir_all(dir.join("canaries")).unwrap();
    std::fs::write(
        dir.join("canaries/canary-001-2030.txt"),
        canary(1, "January 7, 2030", "April 2030", 0),
    )
    .unwrap();
}

fn secpack(args: &[&str], home: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_secpack"))
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env_remove("SECPACK_MASTER")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn audit_exit_status_and_json() {
    let dir = tempfile::tempdir().unwrap();
    pack(dir.path());
    let p = dir.path().to_str().unwrap();
    let fpr: String = FPR.split_whitespace().collect();

    let out = secpack(
        &[
            "canary",
            "audit",
            p,
            "--now",
            "2030-04-14",
            "--master",
            &fpr,
        ],
        dir.path(),
    );
    // With a pin, the trust engine judges the canary's signatures: this test
    // pack's canaries are unsigned, which is the only alert; the fingerprint
    // the canary states matches the pin.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("[signatures-below-threshold]"), "{stdout}");
    assert!(!stdout.contains("fingerprint-mismatch"), "{stdout}");
    assert_eq!(
        stdout.matches("finding(s) call for attention").count(),
        1,
        "{stdout}"
    );
    assert!(
        stdout.contains("1 finding(s) call for attention"),
        "{stdout}"
    );

    let out = secpack(
        &["--json", "canary", "audit", p, "--now", "2030-04-20"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["latest"]["number"], 1);
    assert_eq!(v["latest"]["date"], "2030-01-07");
    assert_eq!(v["latest"]["next_due"], "2030-04-14");
    assert_eq!(v["overdue"], true);
    assert_eq!(v["days_overdue"], 6);
    assert_eq!(v["checks"]["fingerprint"], "skipped");
    assert_eq!(v["findings"][0]["kind"], "overdue");

    let wrong = "1111222233334444555566667777888899990000";
    let out = secpack(
        &[
            "canary",
            "audit",
            p,
            "--now",
            "2030-04-01",
            "--master",
            wrong,
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("[fingerprint-mismatch] canary 1"), "{text}");

    let out = secpack(&["canary", "audit", p, "--now", "yesterday"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn freshness_writes_nothing_when_a_source_fails() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(vec![("/rss", vec![ok("not a feed")])]);
    let base = server.base.clone();
    std::fs::write(
        dir.path().join("secpack.toml"),
        format!(
            "[canary]\nheadlines = 1\nhttp_timeout_secs = 2\nhttp_retries = 0\n\
             [[canary.feeds]]\nurl = \"{base}/rss\"\n\
             [canary.block_source]\nname = \"Chain\"\ntip_url = \"{base}/tip\"\nblock_url = \"{base}/b/{{height}}\"\n"
        ),
    )
    .unwrap();
    let out_file = dir.path().join("proof.txt");
    let out = secpack(
        &[
            "canary",
            "freshness",
            "--pack",
            dir.path().to_str().unwrap(),
            "-o",
            out_file.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{base}/rss")) && err.contains("no proof of freshness"),
        "{err}"
    );
    assert!(!out_file.exists());

    // Without any source configured it is a configuration error.
    std::fs::write(dir.path().join("secpack.toml"), "").unwrap();
    let out = secpack(
        &[
            "canary",
            "freshness",
            "--pack",
            dir.path().to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
}
