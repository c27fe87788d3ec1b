//! Syncing the tracker from upstream lists, read from files and fetched from
//! fixture HTTP servers on 127.0.0.1.

use std::net::TcpListener;
use std::time::Duration;

use secpack::tracker::sync::{self, Change};
use secpack::tracker::{store, upstream, Affected, BulletinRef, Decision, Tracker};
use secpack_testsupport::http::{json_answer, serve_once};

const LIST: &str = r#"[{"xsas": [
  {"xsa": "1", "title": "First advisory", "public_time": "2020-01-01 12:00", "cve": ["CVE-2020-0001"]},
  {"xsa": "2", "title": "Second advisory, retitled", "public_time": "2020-01-02 12:00"},
  {"xsa": "4", "title": "Fourth advisory", "public_time": "2020-03-04 12:00", "cve": ["CVE-2020-0004", "CVE-2020-0005"],
   "supported_versions": ["4.17"], "trees": ["xen"]}
]}]"#;

/// A tracker where 1 is affected, 2 is not (with a note) and has an old title.
fn triaged() -> Tracker {
    let mut t = Tracker::default();
    let day = Some("2020-01-01".parse().unwrap());
    let b: BulletinRef = "050-2020".parse().unwrap();
    t.decide(
        1,
        Decision::Affected {
            bulletin: b,
            mitigation: None,
        },
        day,
    )
    .unwrap();
    t.decide(
        2,
        Decision::NotAffected {
            mitigation: Some("PV only".into()),
        },
        Some("2020-01-02".parse().unwrap()),
    )
    .unwrap();
    t.get_mut(2).unwrap().title = Some("Second advisory".into());
    t
}

#[test]
fn new_rows_changed_titles_and_triage_untouched() {
    let mut t = triaged();
    let list = upstream::parse(LIST).unwrap();
    let changes = sync::apply(&mut t, &list.advisories).unwrap();
    assert_eq!(
        changes,
        [
            Change::Title {
                number: 1,
                old: None,
                new: "First advisory".into()
            },
            Change::Cves {
                number: 1,
                old: vec![],
                new: vec!["CVE-2020-0001".into()]
            },
            Change::Title {
                number: 2,
                old: Some("Second advisory".into()),
                new: "Second advisory, retitled".into()
            },
            Change::Added {
                number: 4,
                date: Some("2020-03-04".parse().unwrap()),
                title: Some("Fourth advisory".into()),
                cves: vec!["CVE-2020-0004".into(), "CVE-2020-0005".into()],
            },
        ]
    );
    let r1 = t.get(1).unwrap();
    assert_eq!(
        (r1.affected, r1.bulletin.unwrap().to_string()),
        (Affected::Yes, "050-2020".into())
    );
    let r2 = t.get(2).unwrap();
    assert_eq!(
        (r2.affected, r2.mitigation.as_deref()),
        (Affected::No, Some("PV only"))
    );
    assert_eq!(t.get(4).unwrap().affected, Affected::Tba);
    assert!(
        t.get(3).is_none(),
        "numbers the upstream skips are not invented"
    );
    // A second sync of the same list changes nothing.
    assert!(sync::apply(&mut t, &list.advisories).unwrap().is_empty());
}

#[test]
fn an_empty_list_changes_nothing() {
    for text in ["[]", "[{\"xsas\": []}]"] {
        let mut t = triaged();
        let list = upstream::parse(text).unwrap();
        assert!(sync::apply(&mut t, &list.advisories).unwrap().is_empty());
        assert_eq!(t, triaged());
    }
}

#[test]
fn malformed_json_from_a_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("xsa.json");
    std::fs::write(&file, "[{\"xsas\": [{\"xsa\": \"1\", ").unwrap();
    let text = upstream::read_source(file.to_str().unwrap(), upstream::DEFAULT_TIMEOUT).unwrap();
    let e = upstream::parse(&text).unwrap_err();
    let e = anyhow::Error::from(e);
    assert!(format!("{e:#}").contains("not valid JSON"), "{e:#}");
}

#[test]
fn fetches_the_list_over_http() {
    let (url, server) = serve_once(
        "/xsa.json",
        Some(json_answer("200 OK", LIST)),
        Duration::ZERO,
    );
    let text = upstream::read_source(&url, Duration::from_secs(10)).unwrap();
    server.join().unwrap();
    assert_eq!(upstream::parse(&text).unwrap().advisories.len(), 3);
}

#[test]
fn a_404_is_an_error_naming_the_url() {
    let (url, server) = serve_once(
        "/xsa.json",
        Some(json_answer("404 Not Found", "no such list")),
        Duration::ZERO,
    );
    let e = upstream::read_source(&url, Duration::from_secs(10)).unwrap_err();
    server.join().unwrap();
    let msg = format!("{:#}", anyhow::Error::from(e));
    assert!(msg.contains(&url) && msg.contains("404"), "{msg}");
}

#[test]
fn a_silent_server_times_out() {
    let (url, server) = serve_once("/xsa.json", None, Duration::from_secs(2));
    let e = upstream::read_source(&url, Duration::from_secs(1)).unwrap_err();
    let msg = format!("{:#}", anyhow::Error::from(e));
    assert!(
        msg.contains(&url) && msg.to_lowercase().contains("timeout"),
        "{msg}"
    );
    server.join().unwrap();
}

#[test]
fn a_closed_port_is_an_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/xsa.json");
    assert!(upstream::read_source(&url, Duration::from_secs(5)).is_err());
}

#[test]
fn synced_tracker_is_saved_deterministically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tracker/xsa.toml");
    let mut t = triaged();
    sync::apply(&mut t, &upstream::parse(LIST).unwrap().advisories).unwrap();
    store::save(&t, &path).unwrap();
    let first = std::fs::read(&path).unwrap();
    store::save(&store::load(&path).unwrap(), &path).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), first);
    assert_eq!(store::load(&path).unwrap(), t);
}
