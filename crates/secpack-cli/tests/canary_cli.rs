//! `secpack canary` end to end: exit statuses, JSON, files written or not.

use std::path::Path;

use secpack_testsupport::cli::{command_at_home, Ran};
use secpack_testsupport::http::{ok, Server};

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
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    std::fs::write(
        dir.join("canaries/canary-001-2030.txt"),
        canary(1, "January 7, 2030", "April 2030", 0),
    )
    .unwrap();
}

fn secpack(args: &[&str], home: &Path) -> std::process::Output {
    command_at_home(env!("CARGO_BIN_EXE_secpack"), home)
        .args(args)
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
fn a_bulletin_of_the_canary_s_day_may_be_left_out_of_its_count() {
    let dir = tempfile::tempdir().unwrap();
    pack(dir.path());
    let p = dir.path().to_str().unwrap();
    std::fs::create_dir_all(dir.path().join("QSBs")).unwrap();
    let bulletin = |day: &str| {
        let text = format!(
            "\n     ---===[ Example Security Bulletin 001 ]===---\n\n              {day}\n\n       Something broke\n"
        );
        std::fs::write(dir.path().join("QSBs/qsb-001-2030.txt"), text).unwrap();
    };
    let audit = || {
        let out = secpack(
            &["--json", "canary", "audit", p, "--now", "2030-04-01"],
            dir.path(),
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let kinds: Vec<String> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["kind"].as_str().unwrap().to_string())
            .collect();
        (out.status.code(), kinds)
    };
    // Canary 1 (2030-01-07) states 0 bulletins; one dated that same day may
    // have come out after it was signed.
    bulletin("2030-01-07");
    assert_eq!(audit(), (Some(0), vec![]));
    // One dated the day before was out: 0 is wrong.
    bulletin("2030-01-06");
    assert_eq!(
        audit(),
        (Some(1), vec!["bulletin-count-mismatch".to_string()])
    );
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

/// A new pack made by `secpack init` (no git), with no feed configured.
fn init_pack(dir: &Path) -> std::path::PathBuf {
    let root = dir.join("pack");
    let out = secpack(
        &[
            "init",
            root.to_str().unwrap(),
            "--project",
            "Example",
            "--no-git",
        ],
        dir,
    );
    out.assert_success();
    root
}

const BLOCK: &str = "00000000000000000001a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7";

fn proof(date: &str, hash: &str) -> String {
    format!(
        "{date}\n\nSource: Example News (https://news.example.org/world.rss)\n\
         Parliament passes the budget\nStorm closes the ports\n\nSource: Bitcoin\n{hash}\n"
    )
}

fn canary_new(pack: &Path, home: &Path, extra: &[&str]) -> std::process::Output {
    let fpr: String = FPR.split_whitespace().collect();
    let mut args = vec![
        "--json",
        "canary",
        "new",
        "--pack",
        pack.to_str().unwrap(),
        "--master",
        &fpr,
    ];
    args.extend_from_slice(extra);
    secpack(&args, home)
}

fn canary_files(pack: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(pack.join("canaries"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_new_pack_without_feeds_is_told_about_the_offline_path() {
    let dir = tempfile::tempdir().unwrap();
    let pack = init_pack(dir.path());
    // The generated configuration shows the feeds and the offline path.
    let config = std::fs::read_to_string(pack.join("secpack.toml")).unwrap();
    for words in [
        "# [[canary.feeds]]",
        "file:///",
        "--freshness FILE",
        "# [canary.block_source]",
    ] {
        assert!(config.contains(words), "{words}: {config}");
    }
    for cmd in [&["canary", "freshness"][..], &["canary", "new"][..]] {
        let mut args = cmd.to_vec();
        args.extend(["--pack", pack.to_str().unwrap()]);
        let fpr: String = FPR.split_whitespace().collect();
        if cmd[1] == "new" {
            args.extend(["--master", &fpr]);
            let out = secpack(&args, dir.path());
            check_offline_hint(&out, "no news feed is configured");
        } else {
            let out = secpack(&args, dir.path());
            check_offline_hint(&out, "no news feed is configured");
        }
    }
    assert_eq!(canary_files(&pack), ["canary-template.txt"]);
}

fn check_offline_hint(out: &std::process::Output, words: &str) {
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(words)
            && err.contains("secpack canary new --freshness FILE")
            && err.contains("docs/canaries.md"),
        "{err}"
    );
}

#[test]
fn a_network_error_points_to_the_offline_path() {
    let dir = tempfile::tempdir().unwrap();
    let pack = init_pack(dir.path());
    // A port nobody listens on: bind, note it, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut config = std::fs::read_to_string(pack.join("secpack.toml")).unwrap();
    config.push_str(&format!(
        "http_timeout_secs = 2\nhttp_retries = 0\n[[canary.feeds]]\nurl = \"{base}/rss\"\n\
         [canary.block_source]\ntip_url = \"{base}/tip\"\nblock_url = \"{base}/b/{{height}}\"\n"
    ));
    std::fs::write(pack.join("secpack.toml"), config).unwrap();
    let out = canary_new(&pack, dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{base}/rss"))
            && err.contains("hint:")
            && err.contains("secpack canary new --freshness FILE")
            && err.contains("Proof of freshness offline"),
        "{err}"
    );
    assert_eq!(canary_files(&pack), ["canary-template.txt"]);
}

#[test]
fn a_file_feed_and_a_local_block_source_give_a_canary() {
    let dir = tempfile::tempdir().unwrap();
    let pack = init_pack(dir.path());
    let saved = dir.path().join("saved feed.rss");
    std::fs::write(
        &saved,
        "<rss version=\"2.0\"><channel><title>Saved Wire</title><link>https://wire.example/</link>\
         <item><title>Newest</title><pubDate>Tue, 01 Dec 2026 10:00:00 +0000</pubDate></item>\
         <item><title>Older</title><pubDate>Mon, 30 Nov 2026 10:00:00 +0000</pubDate></item>\
         </channel></rss>",
    )
    .unwrap();
    std::fs::create_dir(pack.join("node")).unwrap();
    std::fs::write(pack.join("node/tip"), "900010\n").unwrap();
    std::fs::write(pack.join("node/block-900000"), format!("{BLOCK}\n")).unwrap();
    let mut config = std::fs::read_to_string(pack.join("secpack.toml")).unwrap();
    config.push_str(&format!(
        "[[canary.feeds]]\nurl = \"file://{}\"\n\
         [canary.block_source]\ntip_url = \"node/tip\"\nblock_url = \"node/block-{{height}}\"\n",
        saved.display().to_string().replace(' ', "%20")
    ));
    std::fs::write(pack.join("secpack.toml"), config).unwrap();
    // `headlines = 5` in the generated file; the saved feed has two.
    let out = secpack(
        &["canary", "freshness", "--pack", pack.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("only 2 headline(s), 5 needed"), "{err}");
    let config = std::fs::read_to_string(pack.join("secpack.toml")).unwrap();
    std::fs::write(
        pack.join("secpack.toml"),
        config.replace("headlines = 5", "headlines = 2"),
    )
    .unwrap();
    let out = secpack(
        &["canary", "freshness", "--pack", pack.to_str().unwrap()],
        dir.path(),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    out.assert_success();
    assert!(
        text.contains("Source: Saved Wire (https://wire.example/)\nNewest\nOlder\n")
            && text.contains(&format!("Source: Bitcoin (local node)\n{BLOCK}\n")),
        "{text}"
    );
    // `canary new` gathers the same way, dated today.
    let out = canary_new(&pack, dir.path(), &[]);
    out.assert_success();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["warnings"], serde_json::json!([]));
    let written = std::fs::read_to_string(pack.join(v["path"].as_str().unwrap())).unwrap();
    assert!(written.contains(BLOCK), "{written}");
    // The node has not moved on: the next canary would quote the same
    // block, which is refused before writing (exit 2, as for a proof given
    // with --freshness).
    let out = canary_new(&pack, dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("[block-hash-reused]").count(), 1, "{err}");
}

#[test]
fn stale_proofs_and_reused_blocks_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pack = init_pack(dir.path());
    let write = |name: &str, text: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let january = write(
        "january.txt",
        proof("Mon, 05 Jan 2026 10:00:00 +0000", BLOCK),
    );
    let out = canary_new(
        &pack,
        dir.path(),
        &["--freshness", &january, "--date", "2026-01-06"],
    );
    out.assert_success();
    let after_first = canary_files(&pack);

    // A stale file: refused with its code, nothing written.
    let new_block = BLOCK.replace("01a2b3", "07a2b3");
    let stale = write(
        "stale.txt",
        proof("Mon, 05 Jan 2026 10:00:00 +0000", &new_block),
    );
    let out = canary_new(
        &pack,
        dir.path(),
        &["--freshness", &stale, "--date", "2026-04-02"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("[stale-proof]").count(), 1, "{err}");
    assert!(
        err.starts_with("error: the proof of freshness is dated")
            && err.trim_end().ends_with("[stale-proof]")
            && err.contains("2026-01-05, 87 days before")
            && err.contains("--allow-stale-proof"),
        "{err}"
    );
    assert_eq!(canary_files(&pack), after_first);

    // The canary's own text says when the proof is from; eight days is one
    // too many, seven is allowed.
    let eight = write(
        "eight.txt",
        proof("Wed, 25 Mar 2026 10:00:00 +0000", &new_block),
    );
    let out = canary_new(
        &pack,
        dir.path(),
        &["--freshness", &eight, "--date", "2026-04-02"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("[stale-proof]"));

    // A reused block hash: refused, even when staleness is allowed.
    let reused = write(
        "reused.txt",
        proof("Thu, 02 Apr 2026 08:00:00 +0000", BLOCK),
    );
    for extra in [&[][..], &["--allow-stale-proof"][..]] {
        let mut args = vec!["--freshness", reused.as_str(), "--date", "2026-04-02"];
        args.extend_from_slice(extra);
        let out = canary_new(&pack, dir.path(), &args);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with("error: the proof of freshness quotes the block hash")
                && err.contains("canaries/canary-001-2026.txt")
                && err.trim_end().ends_with("[block-hash-reused]"),
            "{err}"
        );
        assert_eq!(err.matches("[block-hash-reused]").count(), 1, "{err}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["error"]["code"], "block-hash-reused");
        assert_eq!(v["error"]["class"], "usage");
    }
    assert_eq!(canary_files(&pack), after_first);

    // A proof dated after the canary: a wrong --date.
    let out = canary_new(
        &pack,
        dir.path(),
        &["--freshness", &eight, "--date", "2026-03-20"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: the proof of freshness is dated 2026-03-25, after")
            && err.trim_end().ends_with("[proof-after-issue]"),
        "{err}"
    );
    assert_eq!(err.matches("[proof-after-issue]").count(), 1, "{err}");

    // --allow-stale-proof: written, with a loud warning and its code.
    let out = canary_new(
        &pack,
        dir.path(),
        &[
            "--freshness",
            &stale,
            "--date",
            "2026-04-02",
            "--allow-stale-proof",
        ],
    );
    out.assert_success();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: [stale-proof] the proof of freshness is dated"),
        "{err}"
    );
    assert_eq!(err.matches("[stale-proof]").count(), 1, "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["number"], 2);
    assert_eq!(v["warnings"][0]["code"], "stale-proof");

    // Within seven days: written without a warning.
    let seven = write(
        "seven.txt",
        proof(
            "Thu, 25 Jun 2026 10:00:00 +0000",
            &BLOCK.replace("01a2b3", "03a2b3"),
        ),
    );
    let out = canary_new(
        &pack,
        dir.path(),
        &["--freshness", &seven, "--date", "2026-07-02"],
    );
    out.assert_success();
    assert!(String::from_utf8_lossy(&out.stderr).is_empty());
}
