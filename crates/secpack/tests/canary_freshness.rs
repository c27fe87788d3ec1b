//! The proof-of-freshness gatherer against fixture HTTP servers on 127.0.0.1.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use secpack::canary::freshness::{fetch_block, fetch_feed, gather, Fetcher, HttpOptions};
use secpack::canary::parse::read_freshness;
use secpack::config::{BlockSource, CanaryConfig, Feed};

use secpack_testsupport::http::{ok, rss, status, Answer, Server};

/// A fetcher for fixture servers that answer at once: the timeout only
/// has to outlast a busy CI machine (the timeout itself is tested with a
/// server that waits on purpose).
fn fetcher() -> Fetcher {
    Fetcher::new(HttpOptions {
        timeout: Duration::from_secs(10),
        retries: 0,
        retry_delay: Duration::from_millis(10),
        ..HttpOptions::default()
    })
}

fn atom(title: &str, entries: &[(&str, &str)]) -> String {
    let entries: String = entries
        .iter()
        .map(|(t, d)| {
            format!("<entry><title>{t}</title><id>urn:x:{t}</id><updated>{d}</updated></entry>")
        })
        .collect();
    format!("<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>{title}</title><id>urn:x</id><updated>2030-01-01T00:00:00Z</updated>{entries}</feed>")
}

fn day(d: u32) -> String {
    format!("{:02} Jan 2030 10:00:00 +0000", d)
}

fn feed(url: String) -> Feed {
    Feed { url, title: None }
}

const HASH: &str = "0000000000000000000142a6c8b8f2a1e0c1f7b3a0b38de1e2d5c0e9a2f3b4c5";

#[test]
fn rss_gives_the_newest_headlines_newest_first() {
    // Document order differs from date order; the newest come first.
    let dates = [5u32, 9, 1, 7, 3, 8];
    let items: Vec<(String, String)> = dates
        .iter()
        .map(|d| (format!("Story{d}"), format!("Sat, {}", day(*d))))
        .collect();
    let refs: Vec<(&str, &str)> = items
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let s = Server::start(vec![("/rss", vec![ok(rss("Example &amp; Wire", &refs))])]);
    let got = fetch_feed(&fetcher(), &feed(s.url("/rss")), 5).unwrap();
    let mut sorted = dates.to_vec();
    sorted.sort_by(|a, b| b.cmp(a));
    let want: Vec<String> = sorted.iter().take(5).map(|d| format!("Story{d}")).collect();
    assert_eq!(got.headlines, want);
    assert_eq!(got.title, "Example & Wire");
    assert_eq!(got.url, s.url("/rss"));
}

#[test]
fn rss_without_dates_keeps_document_order_and_a_configured_title_wins() {
    let body =
        "<rss version=\"2.0\"><channel><title>T</title><link>l</link><description>d</description>\
                <item><title>  First\n  line </title></item><item><title>Second</title></item>\
                <item><title></title></item><item><title>Third</title></item></channel></rss>";
    let s = Server::start(vec![("/rss", vec![ok(body)])]);
    let f = Feed {
        url: s.url("/rss"),
        title: Some("My Wire".into()),
    };
    let got = fetch_feed(&fetcher(), &f, 3).unwrap();
    assert_eq!(got.headlines, ["First line", "Second", "Third"]);
    assert_eq!(got.title, "My Wire");
}

#[test]
fn atom_feeds_are_read() {
    let entries = [
        ("Older", "2030-01-01T10:00:00Z"),
        ("Newest", "2030-01-03T10:00:00Z"),
        ("Middle", "2030-01-02T10:00:00Z"),
    ];
    let s = Server::start(vec![("/atom", vec![ok(atom("Atom Wire", &entries))])]);
    let got = fetch_feed(&fetcher(), &feed(s.url("/atom")), 2).unwrap();
    assert_eq!(got.headlines, ["Newest", "Middle"]);
    assert_eq!(got.title, "Atom Wire");
}

#[test]
fn a_feed_with_too_few_items_is_an_error_naming_it() {
    let s = Server::start(vec![(
        "/short",
        vec![ok(rss(
            "Short",
            &[
                ("A", "Sat, 01 Jan 2030 10:00:00 +0000"),
                ("B", "Sun, 02 Jan 2030 10:00:00 +0000"),
                ("C", "Mon, 03 Jan 2030 10:00:00 +0000"),
            ],
        ))],
    )]);
    let e = format!(
        "{:#}",
        fetch_feed(&fetcher(), &feed(s.url("/short")), 5).unwrap_err()
    );
    assert!(
        e.contains(&s.url("/short")) && e.contains("only 3 headline(s), 5 needed"),
        "{e}"
    );
}

#[test]
fn malformed_xml_is_an_error_naming_the_feed() {
    let s = Server::start(vec![(
        "/bad",
        vec![ok(
            "<rss><channel><title>Broken</title><item><title>x</item></channel>",
        )],
    )]);
    let e = format!(
        "{:#}",
        fetch_feed(&fetcher(), &feed(s.url("/bad")), 1).unwrap_err()
    );
    assert!(
        e.contains(&s.url("/bad")) && e.contains("not a readable RSS or Atom feed"),
        "{e}"
    );
}

#[test]
fn a_slow_server_times_out() {
    let slow = Answer {
        delay: Duration::from_secs(3),
        ..ok(rss("Slow", &[("A", "Sat, 01 Jan 2030 10:00:00 +0000")]))
    };
    let s = Server::start(vec![("/slow", vec![slow])]);
    let quick = Fetcher::new(HttpOptions {
        timeout: Duration::from_millis(300),
        retries: 0,
        ..HttpOptions::default()
    });
    let e = format!(
        "{:#}",
        fetch_feed(&quick, &feed(s.url("/slow")), 1).unwrap_err()
    );
    assert!(
        e.contains(&s.url("/slow")) && e.contains("no answer within"),
        "{e}"
    );
}

#[test]
fn not_found_is_an_error_and_is_not_retried() {
    let s = Server::start(vec![]);
    let patient = Fetcher::new(HttpOptions {
        retries: 3,
        retry_delay: Duration::from_millis(10),
        ..HttpOptions::default()
    });
    let e = format!(
        "{:#}",
        fetch_feed(&patient, &feed(s.url("/gone")), 1).unwrap_err()
    );
    assert!(e.contains(&s.url("/gone")) && e.contains("HTTP 404"), "{e}");
    assert_eq!(s.hits("/gone"), 1);
}

#[test]
fn transient_failures_are_retried() {
    let good = ok(rss("W", &[("A", "Sat, 01 Jan 2030 10:00:00 +0000")]));
    let s = Server::start(vec![("/flaky", vec![status(503), status(502), good])]);
    let patient = Fetcher::new(HttpOptions {
        retries: 2,
        retry_delay: Duration::from_millis(10),
        ..HttpOptions::default()
    });
    let got = fetch_feed(&patient, &feed(s.url("/flaky")), 1).unwrap();
    assert_eq!(got.headlines, ["A"]);
    assert_eq!(s.hits("/flaky"), 3);
    // One retry fewer is not enough, and the error says how often it tried.
    let s = Server::start(vec![(
        "/flaky",
        vec![status(503), status(503), status(503)],
    )]);
    let once = Fetcher::new(HttpOptions {
        retries: 1,
        retry_delay: Duration::from_millis(10),
        ..HttpOptions::default()
    });
    let e = format!(
        "{:#}",
        fetch_feed(&once, &feed(s.url("/flaky")), 1).unwrap_err()
    );
    assert!(
        e.contains("HTTP 503") && e.contains("after 2 attempts"),
        "{e}"
    );
    assert_eq!(s.hits("/flaky"), 2);
}

fn block_source(s: &Server) -> BlockSource {
    BlockSource {
        name: "Chain Fixture".into(),
        tip_url: s.url("/tip"),
        block_url: s.url("/block/{height}"),
    }
}

#[test]
fn the_block_is_taken_below_the_tip() {
    for (tip, block) in [
        (
            "{\"height\": 900010}",
            format!("{{\"hash\": \"{}\"}}", HASH.to_uppercase()),
        ),
        ("900010", HASH.to_string()),
        ("\"900010\"", format!("\"{HASH}\"")),
        (
            "{\"height\": \"900010\"}",
            format!("{{\"blocks\": [{{\"hash\": \"{HASH}\"}}]}}"),
        ),
    ] {
        let s = Server::start(vec![
            ("/tip", vec![ok(tip)]),
            ("/block/900000", vec![ok(block.clone())]),
        ]);
        let got = fetch_block(&fetcher(), &block_source(&s), 10).unwrap();
        assert_eq!(
            (got.height, got.hash.as_str(), got.source.as_str()),
            (900_000, HASH, "Chain Fixture"),
            "{tip} {block}"
        );
    }
}

#[test]
fn a_non_json_block_answer_is_an_error_naming_the_source() {
    let s = Server::start(vec![("/tip", vec![ok("<html>busy</html>")])]);
    let e = format!(
        "{:#}",
        fetch_block(&fetcher(), &block_source(&s), 10).unwrap_err()
    );
    assert!(
        e.contains("block source Chain Fixture")
            && e.contains(&s.url("/tip"))
            && e.contains("not JSON"),
        "{e}"
    );

    let s = Server::start(vec![
        ("/tip", vec![ok("900010")]),
        ("/block/900000", vec![ok("<html>oops</html>")]),
    ]);
    let e = format!(
        "{:#}",
        fetch_block(&fetcher(), &block_source(&s), 10).unwrap_err()
    );
    assert!(
        e.contains("block 900000") && e.contains("neither a block hash nor JSON"),
        "{e}"
    );

    // A hash that no mined block could have.
    let s = Server::start(vec![
        ("/tip", vec![ok("900010")]),
        ("/block/900000", vec![ok("f".repeat(64))]),
    ]);
    let e = format!(
        "{:#}",
        fetch_block(&fetcher(), &block_source(&s), 10).unwrap_err()
    );
    assert!(e.contains("not a mined Bitcoin block hash"), "{e}");

    // A tip below the depth.
    let s = Server::start(vec![("/tip", vec![ok("{\"height\": 3}")])]);
    let e = format!(
        "{:#}",
        fetch_block(&fetcher(), &block_source(&s), 10).unwrap_err()
    );
    assert!(e.contains("lower than the block depth"), "{e}");
}

fn config(s: &Server, feeds: &[&str]) -> CanaryConfig {
    CanaryConfig {
        feeds: feeds.iter().map(|p| feed(s.url(p))).collect(),
        headlines: 2,
        block_source: Some(block_source(s)),
        block_depth: 6,
        ..CanaryConfig::default()
    }
}

#[test]
fn gathered_proof_renders_and_reads_back() {
    let s = Server::start(vec![
        (
            "/a",
            vec![ok(rss(
                "Wire A",
                &[
                    ("A1", "Mon, 03 Jan 2030 10:00:00 +0000"),
                    ("A2", "Sun, 02 Jan 2030 10:00:00 +0000"),
                    ("A3", "Sat, 01 Jan 2030 10:00:00 +0000"),
                ],
            ))],
        ),
        (
            "/b",
            vec![ok(atom(
                "Wire B",
                &[
                    ("B1", "2030-01-03T00:00:00Z"),
                    ("B2", "2030-01-02T00:00:00Z"),
                ],
            ))],
        ),
        ("/tip", vec![ok("{\"height\": 100}")]),
        ("/block/94", vec![ok(HASH)]),
    ]);
    let now = Utc.with_ymd_and_hms(2030, 1, 4, 5, 6, 7).unwrap();
    let proof = gather(&config(&s, &["/a", "/b"]), &fetcher(), now).unwrap();
    let text = proof.render();
    assert!(
        text.starts_with("Fri, 04 Jan 2030 05:06:07 +0000\n\nSource: Wire A ("),
        "{text}"
    );
    let lines: Vec<&str> = text.lines().collect();
    let back = read_freshness(&lines);
    assert!(back.present);
    assert_eq!(back.date.unwrap().timestamp(), now.timestamp());
    assert_eq!(back.sources.len(), 2);
    assert_eq!(back.sources[0].title.as_deref(), Some("Wire A"));
    assert_eq!(back.sources[0].url.as_deref(), Some(s.url("/a").as_str()));
    assert_eq!(back.sources[0].headlines, ["A1", "A2"]);
    assert_eq!(back.sources[1].headlines, ["B1", "B2"]);
    assert_eq!(back.block_source.as_deref(), Some("Chain Fixture"));
    assert_eq!(back.block_hash.as_deref(), Some(HASH));
}

#[test]
fn one_failing_source_fails_the_whole_proof() {
    let s = Server::start(vec![
        (
            "/a",
            vec![ok(rss(
                "Wire A",
                &[
                    ("A1", "Mon, 03 Jan 2030 10:00:00 +0000"),
                    ("A2", "Sun, 02 Jan 2030 10:00:00 +0000"),
                ],
            ))],
        ),
        ("/tip", vec![ok("{\"height\": 100}")]),
        ("/block/94", vec![ok(HASH)]),
    ]);
    let now = Utc::now();
    let e = format!(
        "{:#}",
        gather(&config(&s, &["/a", "/missing"]), &fetcher(), now).unwrap_err()
    );
    assert!(e.contains(&s.url("/missing")) && e.contains("404"), "{e}");
    // No block source configured: refused before anything is fetched.
    let mut c = config(&s, &["/a"]);
    c.block_source = None;
    let before = s.hits("/a");
    let e = format!("{:#}", gather(&c, &fetcher(), now).unwrap_err());
    assert!(e.contains("no block source"), "{e}");
    assert_eq!(s.hits("/a"), before);
    // No feeds configured.
    let e = format!(
        "{:#}",
        gather(&config(&s, &[]), &fetcher(), now).unwrap_err()
    );
    assert!(e.contains("no news feed"), "{e}");
}

// Local sources: `file://` URLs and plain paths, for a team without network
// access or with its own feed reader or Bitcoin node.

fn local_fetcher(dir: &std::path::Path) -> Fetcher {
    fetcher().with_base_dir(dir)
}

fn file_url(p: &std::path::Path) -> String {
    format!("file://{}", p.display()).replace(' ', "%20")
}

#[test]
fn local_feeds_and_block_files_make_a_whole_proof() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("pack root");
    std::fs::create_dir_all(root.join("feeds")).unwrap();
    // An RSS file saved by a feed reader: quoted under the channel link.
    std::fs::write(
        root.join("feeds/wire.rss"),
        rss(
            "Saved Wire",
            &[
                ("R1", "Mon, 03 Jan 2030 10:00:00 +0000"),
                ("R2", "Sun, 02 Jan 2030 10:00:00 +0000"),
            ],
        ),
    )
    .unwrap();
    // An Atom file with a self link: quoted under it.
    let atom_self = atom("Atom Wire", &[("A1", "2030-01-03T00:00:00Z"), ("A2", "2030-01-02T00:00:00Z")])
        .replace(
            "<id>urn:x</id>",
            "<id>urn:x</id><link rel=\"alternate\" href=\"https://a.example/\"/><link rel=\"self\" href=\"https://a.example/feed.atom\"/>",
        );
    let atom_file = dir.path().join("elsewhere.atom");
    std::fs::write(&atom_file, atom_self).unwrap();
    // A feed without any link: quoted under its configured path.
    let bare = "<rss version=\"2.0\"><channel><title>Bare</title><item><title>B1</title></item><item><title>B2</title></item></channel></rss>";
    std::fs::write(root.join("feeds/bare.rss"), bare).unwrap();
    // A block source fed by bitcoin-cli.
    std::fs::write(root.join("tip"), "900010\n").unwrap();
    std::fs::write(root.join("block-900000"), format!("{HASH}\n")).unwrap();

    let config = CanaryConfig {
        feeds: vec![
            feed("feeds/wire.rss".into()),
            feed(file_url(&atom_file)),
            feed(file_url(&root.join("feeds/bare.rss"))),
        ],
        headlines: 2,
        block_source: Some(BlockSource {
            name: String::new(),
            tip_url: "tip".into(),
            block_url: file_url(&root.join("block-{height}")).replace("%7Bheight%7D", "{height}"),
        }),
        block_depth: 10,
        ..CanaryConfig::default()
    };
    let now = Utc.with_ymd_and_hms(2030, 1, 4, 5, 6, 7).unwrap();
    let proof = gather(&config, &local_fetcher(&root), now).unwrap();
    let urls: Vec<&str> = proof.feeds.iter().map(|f| f.url.as_str()).collect();
    let bare_url = file_url(&root.join("feeds/bare.rss"));
    assert_eq!(
        urls,
        [
            "https://n.example/",
            "https://a.example/feed.atom",
            bare_url.as_str()
        ]
    );
    assert_eq!(proof.feeds[0].headlines, ["R1", "R2"]);
    assert_eq!(proof.feeds[1].headlines, ["A1", "A2"]);
    assert_eq!(proof.feeds[2].title, "Bare");
    assert_eq!(proof.block.height, 900_000);
    assert_eq!(proof.block.hash, HASH);
    assert_eq!(proof.block.source, "Bitcoin (local node)");
    // What it renders reads back as a whole proof.
    let text = proof.render();
    let back = read_freshness(&text.lines().collect::<Vec<_>>());
    assert_eq!(back.sources.len(), 3);
    assert_eq!(
        back.sources[1].url.as_deref(),
        Some("https://a.example/feed.atom")
    );
    assert_eq!(back.block_hash.as_deref(), Some(HASH));

    // Without a base folder, a relative path is taken from the current
    // folder, where this file is not.
    let e = format!("{:#}", gather(&config, &fetcher(), now).unwrap_err());
    assert!(e.contains("feeds/wire.rss") && e.contains("reading"), "{e}");
}

#[test]
fn bad_local_sources_are_errors_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let f = local_fetcher(root);
    // Missing, a folder, too large, not a feed.
    let e = format!(
        "{:#}",
        fetch_feed(&f, &feed("missing.rss".into()), 1).unwrap_err()
    );
    assert!(
        e.contains("news feed missing.rss") && e.contains("missing.rss"),
        "{e}"
    );
    std::fs::create_dir(root.join("folder.rss")).unwrap();
    let e = format!(
        "{:#}",
        fetch_feed(&f, &feed("folder.rss".into()), 1).unwrap_err()
    );
    assert!(e.contains("not a regular file"), "{e}");
    std::fs::write(root.join("junk.rss"), "just text\n").unwrap();
    let e = format!(
        "{:#}",
        fetch_feed(&f, &feed(file_url(&root.join("junk.rss"))), 1).unwrap_err()
    );
    assert!(e.contains("not a readable RSS or Atom feed"), "{e}");
    let small = Fetcher::new(HttpOptions {
        max_bytes: 4,
        ..HttpOptions::default()
    })
    .with_base_dir(root);
    let e = format!(
        "{:#}",
        fetch_feed(&small, &feed("junk.rss".into()), 1).unwrap_err()
    );
    assert!(e.contains("larger than 4 bytes"), "{e}");
    // A local block file that holds no mined block hash.
    std::fs::write(root.join("tip"), "900010").unwrap();
    std::fs::write(root.join("b-900000"), "f".repeat(64)).unwrap();
    let source = BlockSource {
        name: "Node".into(),
        tip_url: "tip".into(),
        block_url: "b-{height}".into(),
    };
    let e = format!("{:#}", fetch_block(&f, &source, 10).unwrap_err());
    assert!(
        e.contains("block source Node: block 900000") && e.contains("not a mined"),
        "{e}"
    );

    // Refused in the configuration, before anything is read: file URLs of
    // another host, other schemes, a block path without {height}.
    for (feed_url, block_url, words) in [
        ("file://server/share/w.rss", "b-{height}", "feed URL"),
        ("ftp://news.example/w.rss", "b-{height}", "feed URL"),
        ("w.rss", "b-900000", "block_url"),
    ] {
        let config = CanaryConfig {
            feeds: vec![feed(feed_url.into())],
            block_source: Some(BlockSource {
                block_url: block_url.into(),
                ..source.clone()
            }),
            ..CanaryConfig::default()
        };
        let e = format!("{:#}", gather(&config, &f, Utc::now()).unwrap_err());
        assert!(
            e.contains(words) && e.contains("file:// URL or a path"),
            "{feed_url}: {e}"
        );
    }
}

#[test]
fn configuration_errors_point_to_the_offline_path() {
    let e = format!(
        "{:#}",
        gather(&CanaryConfig::default(), &fetcher(), Utc::now()).unwrap_err()
    );
    assert!(
        e.contains("no news feed")
            && e.contains("--freshness FILE")
            && e.contains("docs/canaries.md"),
        "{e}"
    );
}
