//! The bulletin parser on synthetic bulletins written in each layout the real
//! history uses (2011 to today): numbered banners with `#`, long-form dates,
//! no title, `===` and `---` headings, renamed sections, missing sections,
//! advisories cited in the title only, packages per release.
//!
//! Expected values are read off the fixture texts by hand.

use chrono::NaiveDate;
use secpack::bulletin::{Bulletin, BulletinHeader, PatchedPackage};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/data/bulletins/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn parse(name: &str) -> Bulletin {
    Bulletin::parse(&fixture(name), "XSA")
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn pkg(release: Option<&str>, location: Option<&str>, name: &str, version: &str) -> PatchedPackage {
    PatchedPackage {
        release: release.map(str::to_string),
        location: location.map(str::to_string),
        name: name.to_string(),
        version: version.to_string(),
    }
}

fn urls(b: &Bulletin) -> Vec<(Option<&str>, &str)> {
    b.references
        .iter()
        .map(|r| (r.label.as_deref(), r.url.as_str()))
        .collect()
}

#[test]
fn first_era_prose_intro_no_title_no_references_section() {
    let b = parse("qsb-001-2011.txt");
    assert_eq!(b.number, Some(1));
    assert_eq!(b.date, date(2011, 3, 3));
    assert_eq!(b.title, None, "an opening paragraph is not a title");
    assert!(b.upstream_advisories.is_empty());
    assert_eq!(b.cves, ["CVE-2011-0001"]);
    assert!(
        b.packages.is_empty(),
        "packages named in prose are not guessed"
    );
    // Without a references section, every URL of the text is a reference.
    assert_eq!(
        urls(&b),
        [
            (None, "http://wiki.demo.invalid/UpdatingDemo"),
            (
                None,
                "http://lists.upstream.invalid/archives/2011-03/msg00042.html"
            ),
        ]
    );
    // The opening prose is the summary.
    let summary = b.summary.as_deref().unwrap();
    assert!(
        summary.starts_with("This is the first bulletin"),
        "{summary}"
    );
    assert!(!summary.contains("March 3, 2011"));
    let headings: Vec<&str> = b.sections.iter().map(|s| s.heading.as_str()).collect();
    assert_eq!(
        headings,
        [
            "Overflow in the demo window proxy (DEMO-SEC-01)",
            "Overview",
            "Non-vulnerable packages",
            "Device isolation bypass (CVE-2011-0001)",
            "Problem description",
        ]
    );
}

#[test]
fn dash_headings_list_packages_and_split_footnotes() {
    let b = parse("qsb-010-2014.txt");
    assert_eq!(b.number, Some(10));
    assert_eq!(b.date, date(2014, 2, 6));
    assert_eq!(b.title, None, "a section heading is not a title");
    // `XSA87` (no dash) and `XSA-86` are both citations.
    assert_eq!(b.upstream_advisories, [86, 87]);
    assert!(b.related_advisories.is_empty());
    assert_eq!(
        b.packages,
        [
            pkg(None, None, "demo-sound-relay", "2.1.23-1"),
            pkg(None, None, "demo-vchan", "2.2.5-1"),
            pkg(None, None, "xen packages", "4.1.6.1-5"),
        ]
    );
    assert_eq!(
        urls(&b),
        [
            (
                Some("1"),
                "http://git.demo.invalid/?p=sound.git;a=commit;h=0123abcd"
            ),
            (
                Some("2"),
                "http://git.demo.invalid/?p=sound.git;a=commit;h=4567ef01"
            ),
            (
                Some("3"),
                "http://lists.upstream.invalid/archives/2014-02/msg00477.html"
            ),
        ]
    );
    assert!(b
        .summary
        .as_deref()
        .unwrap()
        .starts_with("Two bugs in the demo sound relay"));
    // Details hold the body, not the banner nor the signature block.
    assert!(
        b.details.contains("Patching\n--------\nThe packages"),
        "{}",
        b.details
    );
    assert!(!b.details.contains("---===["));
    assert!(!b.details.contains("The Demo Security Team"));
}

#[test]
fn equals_headings_with_centred_title() {
    let b = parse("qsb-020-2015.txt");
    assert_eq!(b.number, Some(20));
    assert_eq!(b.date, date(2015, 7, 27));
    assert_eq!(
        b.title.as_deref(),
        Some("Disk probing tool considered harmful")
    );
    assert!(b.upstream_advisories.is_empty());
    assert_eq!(
        b.packages,
        [
            pkg(None, None, "demo-core-host", "3.0.11"),
            pkg(None, None, "demo-core-host", "2.0.29"),
        ]
    );
    assert_eq!(
        urls(&b),
        [
            (Some("1"), "http://files.demo.invalid/arch-spec.pdf"),
            (
                Some("2"),
                "https://groups.demo.invalid/d/msg/demo-users/abc123"
            ),
        ]
    );
    assert!(b
        .summary
        .as_deref()
        .unwrap()
        .starts_with("A disk probing helper"));
}

#[test]
fn advisory_in_the_title_wins_over_advisories_discussed() {
    let b = parse("qsb-024-2016.txt");
    assert_eq!(b.date, date(2016, 7, 26));
    assert_eq!(
        b.title.as_deref(),
        Some("Critical hypervisor bug in paravirtual memory code (XSA 182)")
    );
    assert_eq!(b.upstream_advisories, [182]);
    assert_eq!(b.related_advisories, [148]);
    // The header API still lists every citation, for the tracker.
    let h = BulletinHeader::parse(&fixture("qsb-024-2016.txt"), "XSA");
    assert_eq!(h.upstream_advisories, [148, 182]);
    assert_eq!(
        b.packages,
        [
            pkg(
                Some("Demo OS 3.0"),
                None,
                "Multiple Xen packages",
                "4.4.3-12"
            ),
            pkg(
                Some("Demo OS 3.1 and 3.2"),
                None,
                "Multiple Xen packages",
                "4.6.1-20"
            ),
        ]
    );
    assert_eq!(b.references.len(), 2);
}

#[test]
fn iso_date_and_packages_per_release() {
    let b = parse("qsb-040-2018.txt");
    assert_eq!(b.number, Some(40));
    assert_eq!(b.date, date(2018, 5, 23));
    assert_eq!(b.upstream_advisories, [263]);
    assert_eq!(b.cves, ["CVE-2018-3639"]);
    assert_eq!(
        b.packages,
        [
            pkg(Some("Demo 3.2"), None, "Xen packages", "4.6.6-41"),
            pkg(Some("Demo 4.0"), None, "Xen packages", "4.8.3-8"),
        ]
    );
    assert_eq!(
        urls(&b),
        [
            (Some("1"), "https://upstream.invalid/xsa/advisory-263.html"),
            (
                Some("2"),
                "https://github.invalid/demo/secpack/blob/master/QSBs/qsb-037-2018.txt"
            ),
        ]
    );
}

#[test]
fn zero_padded_banner_two_line_title_packages_under_user_action() {
    let b = parse("qsb-080-2022.txt");
    assert_eq!(b.number, Some(80));
    assert_eq!(b.date, date(2022, 6, 9));
    assert_eq!(
        b.title.as_deref(),
        Some("Problems with paravirtual guests and device passthrough (XSA-401, XSA-402)")
    );
    assert_eq!(b.upstream_advisories, [401, 402]);
    assert_eq!(
        b.packages,
        [
            pkg(Some("Demo 4.0"), Some("host"), "Xen packages", "4.8.5-40"),
            pkg(Some("Demo 4.1"), Some("host"), "Xen packages", "4.14.5-2"),
        ]
    );
    assert_eq!(b.references.len(), 3);
}

#[test]
fn current_template_layout() {
    let b = parse("qsb-100-2024.txt");
    assert_eq!(b.number, Some(100));
    assert_eq!(b.date, date(2024, 1, 30));
    assert_eq!(
        b.title.as_deref(),
        Some("Device functions assigned to the wrong guest (XSA-449)")
    );
    assert_eq!(b.upstream_advisories, [449]);
    assert!(b.cves.is_empty());
    assert_eq!(
        b.packages,
        [
            pkg(Some("Demo 4.1"), Some("host"), "Xen packages", "4.14.6-6"),
            pkg(Some("Demo 4.2"), Some("host"), "Xen packages", "4.17.3-2"),
            pkg(
                Some("Demo 4.2"),
                Some("host"),
                "microcode_ctl",
                "2.1.20240130"
            ),
        ]
    );
    assert_eq!(
        urls(&b),
        [
            (Some("1"), "https://www.demo.invalid/doc/how-to-update/"),
            (Some("2"), "https://www.demo.invalid/doc/testing/"),
            (Some("3"), "https://upstream.invalid/xsa/advisory-449.html"),
        ]
    );
    let headings: Vec<&str> = b.sections.iter().map(|s| s.heading.as_str()).collect();
    assert_eq!(
        headings,
        [
            "User action",
            "Summary",
            "Impact",
            "Affected systems",
            "Patching",
            "Credits",
            "References"
        ]
    );
    assert!(b
        .summary
        .as_deref()
        .unwrap()
        .starts_with("On 2024-01-30 the upstream project"));
}

#[test]
fn missing_sections_and_advisory_cited_in_the_title_only() {
    let b = parse("qsb-101-2024.txt");
    assert_eq!(b.number, Some(101));
    assert_eq!(b.date, date(2024, 5, 2));
    assert_eq!(
        b.title.as_deref(),
        Some("Guest can stall the host clock (XSA-500)")
    );
    assert_eq!(b.upstream_advisories, [500]);
    assert!(b.packages.is_empty());
    assert!(b.references.is_empty());
    assert_eq!(b.sections.len(), 1);
    assert!(b
        .summary
        .as_deref()
        .unwrap()
        .starts_with("A guest can make"));
}

#[test]
fn long_form_dates() {
    use secpack::bulletin::parse_bulletin_date;
    assert_eq!(
        parse_bulletin_date("  December 4, 2012 "),
        date(2012, 12, 4)
    );
    assert_eq!(parse_bulletin_date("Jan 5, 2015"), date(2015, 1, 5));
    assert_eq!(parse_bulletin_date("2020-10-20"), date(2020, 10, 20));
    assert_eq!(parse_bulletin_date("February 30, 2014"), None);
    assert_eq!(parse_bulletin_date("So, finally, 13 months after"), None);
    assert_eq!(parse_bulletin_date("TODO"), None);
}

#[test]
fn no_real_bulletin_of_any_era_reads_as_a_draft() {
    let dir = format!("{}/tests/data/bulletins", env!("CARGO_MANIFEST_DIR"));
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let left = secpack::bulletin::template::template_lines(&text);
        assert!(left.is_empty(), "{}: {left:?}", path.display());
        seen += 1;
    }
    assert!(seen >= 8, "{seen} bulletins");
}
