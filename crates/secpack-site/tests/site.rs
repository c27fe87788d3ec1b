//! The built site on real inputs: the demo pack, the real XSA tracker data,
//! content pages in two languages. Expected figures are computed here from
//! the inputs, never taken from the builder.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, TimeZone, Utc};
use secpack::pack::Pack;
use secpack::trust::pin::MasterPin;
use secpack::trust::{verify_pack, VerifyOptions};
use secpack_site::{render, write, SiteOptions};
use secpack_testsupport::fs::copy_dir;

const MASTER: &str = "60DC AA5E AD50 2177 5F7B  8513 8A7D 4754 3A09 DBD0";
const BASE: &str = "https://demo.invalid/security/";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A copy of the demo pack in a temporary folder.
fn demo_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &workspace().join("examples/demo-pack"),
        &dir.path().join("pack"),
    );
    dir
}

fn build_at(pack_dir: &Path, out: &Path, now: DateTime<Utc>) -> secpack_site::pages::Summary {
    let pin = MasterPin::parse(MASTER).unwrap();
    let pack = Pack::open(pack_dir).unwrap();
    let report = verify_pack(&pack, &pin, VerifyOptions::default(), &|| {});
    let site = render(
        &pack,
        &report,
        &SiteOptions {
            base_url: Some(BASE.into()),
            now,
            security_txt_key: None,
            report_form: false,
        },
    )
    .unwrap();
    write(&site, out).unwrap();
    site.summary
}

fn build(pack_dir: &Path, out: &Path) -> secpack_site::pages::Summary {
    build_at(pack_dir, out, Utc::now())
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Every `href="..."` and `src="..."` value of an HTML text.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap();
            out.push(rest[..end].replace("&amp;", "&"));
            rest = &rest[end..];
        }
    }
    out
}

/// Every `id="..."` of an HTML text.
fn ids(html: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = html;
    while let Some(i) = rest.find(" id=\"") {
        rest = &rest[i + 5..];
        let end = rest.find('"').unwrap();
        out.insert(rest[..end].to_string());
    }
    out
}

fn is_external(link: &str) -> bool {
    ["http://", "https://", "mailto:", "urn:", "//"]
        .iter()
        .any(|p| link.starts_with(p))
}

/// Resolves a relative link of the page at `page` (a file under `root`).
fn resolve(root: &Path, page: &Path, link: &str) -> (PathBuf, Option<String>) {
    let (path, fragment) = match link.split_once('#') {
        Some((p, f)) => (p, Some(f.to_string())),
        None => (link, None),
    };
    if path.is_empty() {
        return (page.to_path_buf(), fragment);
    }
    let mut target = page.parent().unwrap().to_path_buf();
    for part in path.split('/') {
        match part {
            ".." => {
                assert!(
                    target != root,
                    "{} climbs above the site root: {link}",
                    page.display()
                );
                target.pop();
            }
            "." | "" => {}
            p => target.push(p),
        }
    }
    (target, fragment)
}

fn html_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            html_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "html") {
            out.push(p);
        }
    }
}

/// Checks every internal link of every page, and that every page except
/// redirects is reachable from the hub. Returns the number of links checked.
fn check_links_and_reachability(root: &Path) -> usize {
    let mut pages = Vec::new();
    html_files(root, &mut pages);
    let mut checked = 0;
    let mut graph: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for page in &pages {
        let html = read(page);
        for link in links(&html) {
            if is_external(&link) {
                continue;
            }
            let (target, fragment) = resolve(root, page, &link);
            assert!(
                target.is_file(),
                "{}: broken link {link} ({})",
                page.display(),
                target.display()
            );
            if let (Some(f), true) = (&fragment, target.extension().is_some_and(|x| x == "html")) {
                assert!(
                    ids(&read(&target)).contains(f),
                    "{}: link {link} names a missing anchor",
                    page.display()
                );
            }
            graph.entry(page.clone()).or_default().push(target);
            checked += 1;
        }
    }
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::from([root.join("index.html")]);
    while let Some(p) = queue.pop_front() {
        if seen.insert(p.clone()) {
            queue.extend(graph.get(&p).into_iter().flatten().cloned());
        }
    }
    for page in &pages {
        let redirect = read(page).contains("http-equiv=\"refresh\"");
        assert!(
            redirect || seen.contains(page),
            "{} is not reachable from the hub",
            page.display()
        );
    }
    checked
}

/// Numbered documents (`<prefix>-NNN-YYYY.txt`) in a folder of the pack.
fn numbered_files(dir: &Path, prefix: &str) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            let n = e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .into_owned();
            n.starts_with(&format!("{prefix}-"))
                && n.ends_with(".txt")
                && n[prefix.len() + 1..].starts_with(|c: char| c.is_ascii_digit())
        })
        .count()
}

#[test]
fn demo_pack_site_has_no_broken_link_and_every_page_is_reachable() {
    let dir = demo_copy();
    let out = dir.path().join("site");
    let summary = build(&dir.path().join("pack"), &out);
    assert!(summary.verified);
    assert_eq!(summary.languages, ["en", "fr"]);
    let checked = check_links_and_reachability(&out);
    assert!(checked > 100, "only {checked} links");
    // One page per bulletin and canary, in both languages.
    let bulletins = numbered_files(&dir.path().join("pack/QSBs"), "qsb");
    let canaries = numbered_files(&dir.path().join("pack/canaries"), "canary");
    for prefix in ["", "fr/"] {
        let pages = |folder: &str| {
            std::fs::read_dir(out.join(format!("{prefix}{folder}")))
                .unwrap()
                .filter(|e| {
                    let n = e.as_ref().unwrap().file_name();
                    n != "index.html"
                })
                .count()
        };
        assert_eq!(pages("bulletins"), bulletins);
        assert_eq!(pages("canaries"), canaries);
    }
    // Raw files and every signature are published beside the pages.
    for e in std::fs::read_dir(dir.path().join("pack/QSBs")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if name.contains(".sig.") {
            assert!(out.join("pack/QSBs").join(&name).is_file(), "{name}");
        }
    }
    // The trust verdict is on the hub: all documents verified.
    let hub = read(&out.join("index.html"));
    assert!(hub.contains("class=\"trust ok\""));
    assert!(hub.contains("60DC AA5E AD50 2177 5F7B 8513 8A7D 4754 3A09 DBD0"));
    // No script anywhere.
    let mut pages = Vec::new();
    html_files(&out, &mut pages);
    for p in pages {
        assert!(
            !read(&p).to_lowercase().contains("<script"),
            "{}",
            p.display()
        );
    }
    // The demo pack has no tracker: the page says so and shows no table.
    let tracker = read(&out.join("tracker/index.html"));
    assert!(tracker.contains("no advisory tracker") && !tracker.contains("<table"));
}

#[test]
fn tracker_page_has_one_anchored_row_per_advisory() {
    let dir = demo_copy();
    let pack = dir.path().join("pack");
    // The real data, kept in the repository beside the tracker's own tests.
    let yaml = read(&workspace().join("crates/secpack/tests/data/sec-xsa.yml"));
    let tracker = secpack::tracker::jekyll::import(&yaml).unwrap();
    secpack::tracker::store::save(&tracker, &pack.join("tracker/xsa.toml")).unwrap();
    // Counted from the YAML text itself.
    let expected: Vec<u32> = yaml
        .lines()
        .filter_map(|l| l.strip_prefix("- xsa: "))
        .map(|n| n.trim().parse().unwrap())
        .collect();
    let affected = yaml.lines().filter(|l| l.trim() == "affected: yes").count();
    let out = dir.path().join("site");
    build(&pack, &out);
    check_links_and_reachability(&out);
    for prefix in ["", "fr/"] {
        let html = read(&out.join(format!("{prefix}tracker/index.html")));
        let rows: Vec<&str> = html.matches("<tr id=\"xsa-").collect();
        assert_eq!(rows.len(), expected.len());
        let anchors = ids(&html);
        for n in &expected {
            assert!(anchors.contains(&format!("xsa-{n}")), "xsa-{n}");
        }
        assert_eq!(html.matches("\" class=\"yes").count(), affected);
        // Bulletins are named by their identifier, as everywhere else
        // (the demo pack's prefix is DSB).
        let xsa7 = &html[html.find("<tr id=\"xsa-7\"").unwrap()..];
        let xsa7 = &xsa7[..xsa7.find("</tr>").unwrap()];
        assert!(xsa7.contains(">DSB-002-2012<"), "{xsa7}");
    }
}

/// The demo pack with a tracker of `rows`, built; the English and French
/// tracker pages.
fn tracker_pages(rows: Vec<secpack::tracker::Advisory>) -> (String, String) {
    let dir = demo_copy();
    let pack = dir.path().join("pack");
    let tracker = secpack::tracker::Tracker::from_rows(rows).unwrap();
    secpack::tracker::store::save(&tracker, &pack.join("tracker/xsa.toml")).unwrap();
    let out = dir.path().join("site");
    build(&pack, &out);
    (
        read(&out.join("tracker/index.html")),
        read(&out.join("fr/tracker/index.html")),
    )
}

/// The `<tr>` of advisory `n` in a tracker page.
fn tracker_row(html: &str, n: u32) -> &str {
    let row = &html[html.find(&format!("<tr id=\"xsa-{n}\"")).unwrap()..];
    &row[..row.find("</tr>").unwrap()]
}

#[test]
fn tracker_page_shows_the_mitigation_note_counts_in_the_singular_and_writes_french_decimals() {
    use secpack::tracker::{Advisory, Affected};
    let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    let row = |number, affected, d, title: Option<&str>, mitigation: Option<&str>| Advisory {
        date: Some(day(d)),
        affected,
        title: title.map(str::to_string),
        mitigation: mitigation.map(str::to_string),
        ..Advisory::new(number)
    };
    let note = "Only reachable from a device model we <b>do not</b> ship & never build";
    let escaped =
        "Only reachable from a device model we &lt;b&gt;do not&lt;/b&gt; ship &amp; never build";
    let mut rows = vec![
        row(469, Affected::No, 20, None, Some(note)),
        row(
            470,
            Affected::No,
            21,
            Some("Frobnicator overflow"),
            Some("Disabled by default"),
        ),
        row(471, Affected::Yes, 22, Some("Heap overflow"), None),
        row(472, Affected::Tba, 23, Some("Embargoed"), None),
    ];
    let (en, fr) = tracker_pages(rows.clone());
    for html in [&en, &fr] {
        // The note, escaped, in the Notes column, after the title if any.
        let r469 = tracker_row(html, 469);
        assert!(
            r469.contains(&format!("<span class=\"mitigation\">{escaped}</span>")),
            "{r469}"
        );
        assert!(!html.contains("<b>do not</b>"));
        let r470 = tracker_row(html, 470);
        assert!(
            r470.contains(
                "Frobnicator overflow<br><span class=\"mitigation\">Disabled by default</span>"
            ),
            "{r470}"
        );
        assert!(!tracker_row(html, 471).contains("mitigation"));
    }
    // One advisory of four affected, one still being assessed.
    assert!(
        en.contains("(25.00 %). 1 advisory is still being assessed."),
        "{en}"
    );
    assert!(
        fr.contains("1 d&#39;entre eux concernait Demo Project (25,00 %). 1 avis est encore en cours d&#39;évaluation."),
        "{fr}"
    );

    rows.push(row(473, Affected::Tba, 24, None, None));
    rows.push(row(474, Affected::No, 25, None, None));
    let (en, fr) = tracker_pages(rows);
    assert!(
        en.contains("(16.67 %). 2 advisories are still being assessed."),
        "{en}"
    );
    assert!(
        fr.contains("(16,67 %). 2 avis sont encore en cours d&#39;évaluation."),
        "{fr}"
    );
}

#[test]
fn french_hub_shows_the_french_content_and_translations_are_linked() {
    let dir = demo_copy();
    let pack = dir.path().join("pack");
    std::fs::create_dir_all(pack.join("site")).unwrap();
    let en = "The English hub sentence about apples.";
    let fr = "La phrase française du hub parle de pommes.";
    std::fs::write(
        pack.join("site/index.md"),
        format!("---\ntitle: Security hub\nref: hub\n---\n{en}\n\nSee the [FAQ](/faq/).\n"),
    )
    .unwrap();
    std::fs::write(
        pack.join("site/index.fr.md"),
        format!(
            "---\ntitle: Centre\nlang: fr\nref: hub\n---\n{fr}\n\nVoir la [FAQ](/fr/faq/#cles).\n"
        ),
    )
    .unwrap();
    std::fs::write(
        pack.join("site/faq.md"),
        "---\ntitle: FAQ\nref: faq\nredirect_from:\n- /doc/old-faq/\n---\n## Keys {#keys}\nText.\n",
    )
    .unwrap();
    std::fs::write(
        pack.join("site/faq.fr.md"),
        "---\ntitle: FAQ\nlang: fr\nref: faq\n---\n## Clés {#cles}\nTexte.\n",
    )
    .unwrap();
    let out = dir.path().join("site");
    let summary = build(&pack, &out);
    assert_eq!(summary.redirects, 1);
    check_links_and_reachability(&out);
    let fr_hub = read(&out.join("fr/index.html"));
    assert!(fr_hub.contains("<html lang=\"fr\">"));
    assert!(fr_hub.contains(fr) && !fr_hub.contains(en));
    let en_hub = read(&out.join("index.html"));
    // The guide checks the pack's state too: secpack with --history, gpg
    // with the newest commit's signed tag; in both languages.
    for (lang, page) in [("en", "verify/index.html"), ("fr", "fr/verify/index.html")] {
        let guide = read(&out.join(page));
        assert!(guide.contains("--history</code>"), "{lang}: {guide}");
        assert!(guide.contains("git tag -v TAG"), "{lang}: {guide}");
        assert!(guide.contains("alice_sec_1a2b3c4"), "{lang}: {guide}");
    }
    assert!(en_hub.contains(en) && !en_hub.contains(fr));
    // The switcher links each page to its translation.
    assert!(fr_hub.contains("href=\"../index.html\" hreflang=\"en\""));
    assert!(read(&out.join("fr/faq/index.html"))
        .contains("href=\"../../faq/index.html\" hreflang=\"en\""));
    assert!(read(&out.join("keys/index.html"))
        .contains("href=\"../fr/keys/index.html\" hreflang=\"fr\""));
    // The redirect refreshes to the page and names it canonical.
    let redirect = read(&out.join("doc/old-faq/index.html"));
    assert!(redirect.contains("content=\"0; url=../../faq/index.html\""));
    assert!(redirect.contains(&format!("rel=\"canonical\" href=\"{BASE}faq/index.html\"")));
}

/// The project's real hub pages, English and French, as its Jekyll site
/// publishes them (`permalink: /security/`, `/fr/security/`, links into the
/// rest of that site), when the shared reference folder is present.
fn reference_hub_pages() -> Option<(String, String)> {
    let dir = workspace().join("../shared/reference");
    let en = std::fs::read_to_string(dir.join("security-center.en.md")).ok()?;
    let fr = std::fs::read_to_string(dir.join("security-center.fr.md")).ok()?;
    Some((en, fr))
}

#[test]
fn the_real_hub_pages_become_the_hub_of_a_site_mounted_at_their_path() {
    let Some((en, fr)) = reference_hub_pages() else {
        eprintln!("skipped: ../shared/reference is not beside the workspace");
        return;
    };
    let dir = demo_copy();
    let pack = dir.path().join("pack");
    std::fs::create_dir_all(pack.join("site")).unwrap();
    std::fs::write(pack.join("site/security.md"), &en).unwrap();
    std::fs::write(pack.join("site/security.fr.md"), &fr).unwrap();
    let out = dir.path().join("site");
    let pin = MasterPin::parse(MASTER).unwrap();
    let opened = Pack::open(&pack).unwrap();
    let report = verify_pack(&opened, &pin, VerifyOptions::default(), &|| {});
    let site = render(
        &opened,
        &report,
        &SiteOptions {
            base_url: Some("https://www.demo.invalid/security/".into()),
            now: Utc::now(),
            security_txt_key: None,
            report_form: false,
        },
    )
    .unwrap();
    write(&site, &out).unwrap();

    // The hub is the real page: its first heading, in both languages.
    let heading = |text: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix("# "))
            .map(str::to_string)
    };
    let en_hub = read(&out.join("index.html"));
    assert!(en_hub.contains(&heading(&en).unwrap()), "English hub");
    let fr_hub = read(&out.join("fr/index.html"));
    assert!(fr_hub.contains("<html lang=\"fr\">"));
    let fr_title = fr.lines().find_map(|l| l.strip_prefix("title: ")).unwrap();
    assert!(fr_hub.contains(fr_title), "French hub");
    // No page was published at the Jekyll path itself.
    assert!(!out.join("security/index.html").exists());
    assert!(!out.join("fr/security/index.html").exists());
    // Its links to the bulletins, the tracker and the verification guide
    // lead to the generated pages; links into the rest of the project's site
    // are absolute; every internal link resolves, anchors included.
    assert!(
        en_hub.contains("href=\"bulletins/index.html\""),
        "bulletins link"
    );
    assert!(
        en_hub.contains("href=\"tracker/index.html\""),
        "tracker link"
    );
    assert!(en_hub.contains("href=\"verify/index.html\""), "verify link");
    assert!(en_hub.contains("href=\"https://www.demo.invalid/faq/#general--security\""));
    check_links_and_reachability(&out);
    // Redirects from outside the mount cannot be served by this site.
    assert_eq!(site.summary.redirects, 0);
    assert!(site
        .summary
        .notices
        .iter()
        .any(|n| n.contains("/wiki/QubesSecurity/")));
    // The language switcher pairs the two hubs.
    assert!(fr_hub.contains("href=\"../index.html\" hreflang=\"en\""));
    assert!(en_hub.contains("href=\"fr/index.html\" hreflang=\"fr\""));
}

#[test]
fn a_pack_without_content_pages_gets_a_french_default_hub() {
    let dir = demo_copy();
    let out = dir.path().join("site");
    build(&dir.path().join("pack"), &out);
    let fr_hub = read(&out.join("fr/index.html"));
    assert!(fr_hub.contains("<html lang=\"fr\">"));
    // French user-interface words, and no English navigation.
    assert!(fr_hub.contains("Équipe de sécurité") && !fr_hub.contains(">Security team<"));
    assert!(read(&out.join("index.html")).contains(">Security team<"));
}

#[test]
fn security_txt_follows_rfc_9116() {
    let dir = demo_copy();
    let out = dir.path().join("site");
    let now = Utc::now();
    build(&dir.path().join("pack"), &out);
    let text = read(&out.join(".well-known/security.txt"));
    let known = [
        "Acknowledgments",
        "Canonical",
        "Contact",
        "Encryption",
        "Expires",
        "Hiring",
        "Policy",
        "Preferred-Languages",
        "CSAF",
    ];
    let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, value) = line
            .split_once(": ")
            .unwrap_or_else(|| panic!("bad line {line:?}"));
        assert!(known.contains(&name), "unknown field {name}");
        fields.entry(name.into()).or_default().push(value.into());
    }
    assert!(!fields["Contact"].is_empty());
    assert!(fields["Contact"].contains(&"mailto:security@demo.invalid".to_string()));
    assert_eq!(fields["Expires"].len(), 1, "Expires must appear once");
    let expires = DateTime::parse_from_rfc3339(&fields["Expires"][0]).unwrap();
    assert!(expires > now && expires < now + Duration::days(366));
    // At the root of the origin, where clients look (RFC 9116 §3), though
    // the site itself lives under a path.
    assert!(BASE.ends_with("/security/"), "{BASE}");
    assert_eq!(
        fields["Canonical"],
        ["https://demo.invalid/.well-known/security.txt"]
    );
    assert_eq!(fields["Preferred-Languages"], ["en, fr"]);
    assert_eq!(fields["Policy"], [format!("{BASE}index.html")]);
    // No CSAF provider declared: no CSAF field.
    assert!(!fields.contains_key("CSAF"));
    // The Encryption URL points at a key file published in the site.
    let enc = &fields["Encryption"][0];
    let rel = enc.strip_prefix(BASE).unwrap();
    assert!(read(&out.join(rel)).contains("BEGIN PGP PUBLIC KEY BLOCK"));
}

#[test]
fn security_txt_names_the_csaf_provider_the_pack_declares() {
    let dir = demo_copy();
    let pack = dir.path().join("pack");
    let config = pack.join("secpack.toml");
    let mut text = read(&config);
    text.push_str("\n[export]\ncsaf_base_url = \"https://demo.invalid/.well-known/csaf/\"\n");
    std::fs::write(&config, text).unwrap();
    let out = dir.path().join("site");
    build(&pack, &out);
    let text = read(&out.join(".well-known/security.txt"));
    let csaf: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("CSAF: "))
        .collect();
    assert_eq!(
        csaf,
        ["https://demo.invalid/.well-known/csaf/provider-metadata.json"]
    );
}

#[test]
fn feeds_are_valid_atom_with_one_entry_per_document() {
    let dir = demo_copy();
    let out = dir.path().join("site");
    build(&dir.path().join("pack"), &out);
    let bulletins = numbered_files(&dir.path().join("pack/QSBs"), "qsb");
    let canaries = numbered_files(&dir.path().join("pack/canaries"), "canary");
    for prefix in ["", "fr/"] {
        for (name, count) in [("bulletins", bulletins), ("canaries", canaries)] {
            let path = out.join(format!("{prefix}{name}.atom"));
            let feed = feed_rs::parser::parse(read(&path).as_bytes())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(feed.feed_type, feed_rs::model::FeedType::Atom);
            assert_eq!(feed.entries.len(), count, "{}", path.display());
            for entry in &feed.entries {
                let link = &entry.links[0].href;
                let rel = link.strip_prefix(BASE).unwrap_or(link);
                let target = if rel.starts_with(prefix) && !prefix.is_empty() {
                    out.join(rel)
                } else {
                    path.parent().unwrap().join(rel)
                };
                assert!(target.is_file(), "{link}");
                assert!(entry.updated.is_some());
            }
        }
    }
}

#[test]
fn an_overdue_canary_raises_a_banner_on_every_page() {
    let dir = demo_copy();
    let out = dir.path().join("site");
    // Ten years after the demo canary, whatever window it promised is past.
    let later = Utc.with_ymd_and_hms(2036, 6, 1, 0, 0, 0).unwrap();
    let summary = build_at(&dir.path().join("pack"), &out, later);
    assert!(summary.canary_overdue);
    for page in ["index.html", "canaries/index.html", "fr/keys/index.html"] {
        assert!(
            read(&out.join(page)).contains("class=\"banner bad\" role=\"alert\""),
            "{page}"
        );
    }
    let on_time = dir.path().join("site-now");
    let canary = read(&dir.path().join("pack/canaries/canary-001-2026.txt"));
    assert!(canary.contains("2026"));
    let soon = Utc.with_ymd_and_hms(2026, 1, 20, 0, 0, 0).unwrap();
    let summary = build_at(&dir.path().join("pack"), &on_time, soon);
    assert!(!summary.canary_overdue);
    assert!(!read(&on_time.join("index.html")).contains("role=\"alert\""));
}

#[test]
fn rebuilding_replaces_a_site_but_never_a_foreign_folder() {
    let dir = demo_copy();
    let pack = dir.path().join("pack");
    let out = dir.path().join("site");
    build(&pack, &out);
    std::fs::write(out.join("stale.html"), "old").unwrap();
    build(&pack, &out);
    assert!(!out.join("stale.html").exists());
    let foreign = dir.path().join("home");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    let pin = MasterPin::parse(MASTER).unwrap();
    let p = Pack::open(&pack).unwrap();
    let report = verify_pack(&p, &pin, VerifyOptions::default(), &|| {});
    let site = render(
        &p,
        &report,
        &SiteOptions {
            base_url: None,
            now: Utc::now(),
            security_txt_key: None,
            report_form: false,
        },
    )
    .unwrap();
    let e = write(&site, &foreign).unwrap_err();
    assert!(format!("{e:#}").contains("not built by secpack"), "{e:#}");
    assert_eq!(read(&foreign.join("notes.txt")), "mine");
    // No staging folder is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".secpack-site"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_pack_may_override_templates_and_bad_overrides_are_refused() {
    let dir = demo_copy();
    let pack = dir.path().join("pack");
    std::fs::create_dir_all(pack.join("site/templates")).unwrap();
    std::fs::write(
        pack.join("site/templates/team.html"),
        "{% extends \"base.html\" %}{% block main %}<p>Our own team page</p>{% endblock %}",
    )
    .unwrap();
    let out = dir.path().join("site");
    build(&pack, &out);
    assert!(read(&out.join("team/index.html")).contains("Our own team page"));
    std::fs::write(pack.join("site/templates/nosuch.html"), "x").unwrap();
    let p = Pack::open(&pack).unwrap();
    let pin = MasterPin::parse(MASTER).unwrap();
    let report = verify_pack(&p, &pin, VerifyOptions::default(), &|| {});
    let options = SiteOptions {
        base_url: None,
        now: Utc::now(),
        security_txt_key: None,
        report_form: false,
    };
    let e = render(&p, &report, &options).unwrap_err();
    assert!(format!("{e:#}").contains("nosuch.html"), "{e:#}");
    std::fs::remove_file(pack.join("site/templates/nosuch.html")).unwrap();
    std::fs::write(pack.join("site/templates/team.html"), "{% if %}").unwrap();
    let e = render(&p, &report, &options).unwrap_err();
    assert!(format!("{e:#}").contains("team.html"), "{e:#}");
}

#[test]
fn two_pages_claiming_one_address_are_refused() {
    let dir = demo_copy();
    let pack = dir.path().join("pack");
    std::fs::create_dir_all(pack.join("site")).unwrap();
    std::fs::write(pack.join("site/a.md"), "---\npermalink: /keys/\n---\nx\n").unwrap();
    let p = Pack::open(&pack).unwrap();
    let pin = MasterPin::parse(MASTER).unwrap();
    let report = verify_pack(&p, &pin, VerifyOptions::default(), &|| {});
    let options = SiteOptions {
        base_url: None,
        now: Utc::now(),
        security_txt_key: None,
        report_form: false,
    };
    let e = render(&p, &report, &options).unwrap_err();
    assert!(format!("{e:#}").contains("site/a.md"), "{e:#}");
}

/// Renders and writes the site of `pack_dir` with these options; returns
/// the summary.
fn build_with(
    pack_dir: &Path,
    out: &Path,
    base_url: Option<&str>,
    report_form: bool,
) -> secpack_site::pages::Summary {
    let pin = MasterPin::parse(MASTER).unwrap();
    let pack = Pack::open(pack_dir).unwrap();
    let report = verify_pack(&pack, &pin, VerifyOptions::default(), &|| {});
    let site = render(
        &pack,
        &report,
        &SiteOptions {
            base_url: base_url.map(str::to_string),
            now: Utc::now(),
            security_txt_key: None,
            report_form,
        },
    )
    .unwrap();
    write(&site, out).unwrap();
    site.summary
}

/// `secpack.toml` of the demo pack without its `contact` line.
fn drop_contact(pack: &Path) {
    let config = pack.join("secpack.toml");
    let text = read(&config);
    assert!(text.contains("contact = "));
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("contact = "))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&config, text).unwrap();
}

#[test]
fn verified_digest_files_are_published_and_linked_from_the_hub() {
    let dir = demo_copy();
    let pack = dir.path().join("pack");
    // The demo's clear-signed digest file, split into its text and a
    // detached signature (the same signature, over the same text).
    let clearsigned = read(&pack.join("digests/Demo-1.0-x86_64.iso.DIGESTS"));
    let body = clearsigned
        .split("\n\n")
        .skip(1)
        .collect::<Vec<_>>()
        .join("\n\n");
    let (text, signature) = body.split_once("\n-----BEGIN PGP SIGNATURE-----").unwrap();
    std::fs::write(pack.join("digests/Detached.iso.DIGESTS"), text).unwrap();
    std::fs::write(
        pack.join("digests/Detached.iso.DIGESTS.asc"),
        format!("-----BEGIN PGP SIGNATURE-----{signature}"),
    )
    .unwrap();
    // A digest file whose signature is another document's: counted, not
    // verified, so not published.
    std::fs::write(pack.join("digests/Forged.iso.DIGESTS"), "00 *Forged.iso\n").unwrap();
    std::fs::copy(
        pack.join("QSBs/qsb-001-2025.txt.sig.alice"),
        pack.join("digests/Forged.iso.DIGESTS.sig.alice"),
    )
    .unwrap();
    let pin = MasterPin::parse(MASTER).unwrap();
    let report = verify_pack(
        &Pack::open(&pack).unwrap(),
        &pin,
        VerifyOptions::default(),
        &|| {},
    );
    let judged: Vec<(&str, bool)> = report
        .documents
        .iter()
        .filter(|d| d.path.starts_with("digests/"))
        .map(|d| (d.path.as_str(), d.ok))
        .collect();
    assert_eq!(
        judged,
        [
            ("digests/Demo-1.0-x86_64.iso.DIGESTS", true),
            ("digests/Detached.iso.DIGESTS", true),
            ("digests/Forged.iso.DIGESTS", false),
        ]
    );
    let out = dir.path().join("site");
    let summary = build_with(&pack, &out, Some(BASE), false);
    assert_eq!(summary.digests, 2);
    // The verified ones are copied as they are, with their signatures, and
    // linked from the hub (in both languages), which counts them; the forged
    // one is neither.
    for f in [
        "Demo-1.0-x86_64.iso.DIGESTS",
        "Detached.iso.DIGESTS",
        "Detached.iso.DIGESTS.asc",
    ] {
        assert_eq!(
            std::fs::read(out.join("pack/digests").join(f)).unwrap(),
            std::fs::read(pack.join("digests").join(f)).unwrap(),
            "{f}"
        );
    }
    assert!(!out.join("pack/digests/Forged.iso.DIGESTS").exists());
    assert!(!out
        .join("pack/digests/Forged.iso.DIGESTS.sig.alice")
        .exists());
    for (hub, prefix) in [("index.html", ""), ("fr/index.html", "../")] {
        let html = read(&out.join(hub));
        let links = links(&html);
        for f in [
            "Demo-1.0-x86_64.iso.DIGESTS",
            "Detached.iso.DIGESTS",
            "Detached.iso.DIGESTS.asc",
        ] {
            assert!(
                links.contains(&format!("{prefix}pack/digests/{f}")),
                "{hub}: {f}"
            );
        }
        assert!(!html.contains("Forged.iso"), "{hub}");
    }
    assert!(summary
        .notices
        .iter()
        .any(|n| n.contains("digests/Forged.iso.DIGESTS does not verify")));
    check_links_and_reachability(&out);
}

#[test]
fn without_a_contact_security_txt_is_not_published_and_nothing_points_at_an_empty_team_page() {
    let dir = demo_copy();
    let pack = dir.path().join("pack");
    drop_contact(&pack);
    let out = dir.path().join("site");
    let summary = build_with(&pack, &out, Some(BASE), false);
    assert_eq!(summary.security_txt, "skipped");
    assert!(summary.security_txt_contacts.is_empty());
    assert!(!out.join(".well-known/security.txt").exists());
    assert!(
        summary
            .notices
            .iter()
            .any(|n| n.contains("no security.txt: it needs a Contact")
                && n.contains("project.contact")),
        "{:?}",
        summary.notices
    );
    for (hub, heading) in [
        ("index.html", "Reporting a vulnerability"),
        ("fr/index.html", "Signaler une vulnérabilité"),
    ] {
        let html = read(&out.join(hub));
        assert!(!html.contains(heading), "{hub}");
        assert!(!html.contains("mailto:"), "{hub}");
    }
    let team = read(&out.join("team/index.html"));
    assert!(!team.contains("mailto:") && !team.contains("report/"));
    check_links_and_reachability(&out);
}

#[test]
fn with_the_report_form_served_security_txt_points_at_it() {
    let dir = demo_copy();
    let pack = dir.path().join("pack");
    drop_contact(&pack);
    let out = dir.path().join("site");
    let summary = build_with(&pack, &out, Some(BASE), true);
    assert_eq!(summary.security_txt, "unsigned");
    let form = format!("{BASE}report/");
    assert_eq!(summary.security_txt_contacts, std::slice::from_ref(&form));
    let text = read(&out.join(".well-known/security.txt"));
    let contacts: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("Contact: "))
        .collect();
    assert_eq!(contacts, [form.as_str()]);
    assert!(!text.contains("team/index.html"));
    // The build says where Contact points.
    assert!(
        summary.notices.iter().any(|n| n
            == &format!("security.txt Contact: {form} (the report form secpack serve answers)")),
        "{:?}",
        summary.notices
    );
    // The hub says how to report and links to the form.
    let hub = read(&out.join("index.html"));
    assert!(hub.contains("Reporting a vulnerability"));
    assert!(links(&hub).contains(&"report/".to_string()));
    assert!(links(&read(&out.join("team/index.html"))).contains(&"../report/".to_string()));

    // Without --base-url the form has no absolute address: no security.txt,
    // and the build says why.
    let summary = build_with(&pack, &out, None, true);
    assert_eq!(summary.security_txt, "skipped");
    assert!(summary.notices.iter().any(|n| n.contains("--base-url")));
}

#[test]
fn with_a_contact_security_txt_and_the_pages_use_it() {
    let dir = demo_copy();
    let pack = dir.path().join("pack");
    let out = dir.path().join("site");
    let summary = build_with(&pack, &out, Some(BASE), false);
    assert_eq!(
        summary.security_txt_contacts,
        ["mailto:security@demo.invalid"]
    );
    assert!(summary
        .notices
        .iter()
        .any(|n| n == "security.txt Contact: mailto:security@demo.invalid (project.contact)"));
    // Every field is there: no note about missing ones.
    assert!(
        !summary.notices.iter().any(|n| n.contains("has no")),
        "{:?}",
        summary.notices
    );
    for page in ["index.html", "team/index.html", "fr/index.html"] {
        assert!(
            links(&read(&out.join(page))).contains(&"mailto:security@demo.invalid".to_string()),
            "{page}"
        );
    }
    // A contact that is no address is not used, and the build says so.
    let config = pack.join("secpack.toml");
    let text = read(&config).replace(
        "contact = \"security@demo.invalid\"",
        "contact = \"ask the team\"",
    );
    std::fs::write(&config, text).unwrap();
    let summary = build_with(&pack, &out, Some(BASE), false);
    assert_eq!(summary.security_txt, "skipped");
    assert!(summary
        .notices
        .iter()
        .any(|n| n.contains("\"ask the team\" is not an e-mail address")));
}

#[test]
fn the_note_on_missing_security_txt_fields_names_exactly_those_missing() {
    let dir = demo_copy();
    let pack = dir.path().join("pack");
    let out = dir.path().join("site");
    // No base URL: the three URLs are missing.
    let summary = build_with(&pack, &out, None, false);
    let text = read(&out.join(".well-known/security.txt"));
    for field in ["Encryption", "Canonical", "Policy"] {
        assert!(!text.contains(&format!("{field}: ")), "{field}");
    }
    let notes: Vec<&String> = summary
        .notices
        .iter()
        .filter(|n| n.starts_with("security.txt has no"))
        .collect();
    assert_eq!(
        notes,
        ["security.txt has no Encryption, Canonical or Policy field: give --base-url for the URLs"]
    );
    // With one, every field is present and no note names any.
    let summary = build_with(&pack, &out, Some(BASE), false);
    let text = read(&out.join(".well-known/security.txt"));
    for field in ["Encryption", "Canonical", "Policy"] {
        assert!(text.contains(&format!("{field}: ")), "{field}");
    }
    assert!(!summary
        .notices
        .iter()
        .any(|n| n.starts_with("security.txt has no")));
}
