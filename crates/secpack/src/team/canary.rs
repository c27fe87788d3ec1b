//! Drafting the next canary from the pack's template: its number, the date
//! of issue, the bulletins published so far, the master key fingerprint, the
//! window promised for the next canary (from the configured cadence) and a
//! proof of freshness.

use crate::error::IoError;
use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use super::draft::centre;
use super::init::CANARY_TEMPLATE;
use super::TeamError;
use crate::canary::audit::{bulletin_dates, published_by};
use crate::canary::freshness::check_proof;
use crate::canary::machine::{self, BlockFacts};
use crate::canary::parse::{read_freshness, Canary, MAX_CANARY_BYTES};
use crate::canary::words::number_words;
use crate::config::{CanaryConfig, Project};
use crate::pack::Pack;
use crate::trust::pin::{group_fingerprint, FingerprintLayout};

/// Longest cadence accepted, in months.
pub const MAX_CADENCE_MONTHS: u32 = 24;
/// Longest promised window accepted, in days (every month has them).
pub const MAX_WINDOW_DAYS: u32 = 28;

/// A new canary, not yet written.
#[derive(Debug, Clone, Serialize)]
pub struct CanaryDraft {
    /// Its number.
    pub number: u32,
    /// Where it goes, relative to the pack root.
    pub path: String,
    /// What it states.
    pub facts: CanaryFacts,
    /// The text.
    pub text: String,
    /// What was let through but should not have been: a stale proof of
    /// freshness with `allow_stale_proof` (code `stale-proof`).
    pub warnings: Vec<ProofWarning>,
}

/// A warning about a drafted canary, with its stable code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProofWarning {
    /// The code (`stale-proof`).
    pub code: &'static str,
    /// What is wrong, in a sentence.
    pub message: String,
}

/// What a new canary states, as filled into its template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CanaryFacts {
    /// Date of issue.
    pub date: NaiveDate,
    /// Bulletins published on or before the date of issue.
    pub bulletins: u32,
    /// The master key fingerprint (upper-case hex).
    pub master: String,
    /// First day of the window promised for the next canary.
    pub next_from: NaiveDate,
    /// Last day of that window: when the next canary is due.
    pub next_due: NaiveDate,
}

/// The number after the highest canary of the pack (1 for the first);
/// letters published beside a canary share its number and do not count.
pub fn next_canary_number(pack: &Pack) -> u32 {
    pack.canaries()
        .iter()
        .filter(|(n, _)| n.suffix.is_none())
        .map(|(n, _)| n.number)
        .max()
        .map_or(1, |n| n + 1)
}

/// The window the canary issued on `date` promises for the next one: the
/// first `window_days` days of the month `cadence_months` months later.
pub fn next_window(
    config: &CanaryConfig,
    date: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), TeamError> {
    if !(1..=MAX_CADENCE_MONTHS).contains(&config.cadence_months) {
        return Err(TeamError::BadSetting(format!(
            "canary.cadence_months = {} must be between 1 and {MAX_CADENCE_MONTHS}",
            config.cadence_months
        )));
    }
    if !(1..=MAX_WINDOW_DAYS).contains(&config.window_days) {
        return Err(TeamError::BadSetting(format!(
            "canary.window_days = {} must be between 1 and {MAX_WINDOW_DAYS}",
            config.window_days
        )));
    }
    let month = date
        .with_day(1)
        .and_then(|d| d.checked_add_months(Months::new(config.cadence_months)))
        .ok_or_else(|| TeamError::OutOfRange("the next canary's month is out of range".into()))?;
    let end = month
        .with_day(config.window_days)
        .ok_or_else(|| TeamError::OutOfRange("the next canary's window is out of range".into()))?;
    Ok((month, end))
}

/// Bulletins published on or before `date`: those dated then or earlier,
/// and undated ones whose file name gives that year or an earlier one (the
/// most a canary of that day may state, [`published_by`]).
pub fn bulletins_published(pack: &Pack, date: NaiveDate) -> u32 {
    *published_by(&bulletin_dates(pack), date).end()
}

/// Checks that `text` is a proof of freshness the canary parser reads back:
/// a dated section with at least one quoted source. `source` names it in
/// errors.
pub fn check_freshness_text(text: &str, source: &str) -> Result<(), TeamError> {
    let lines: Vec<&str> = text.lines().collect();
    let proof = read_freshness(&lines);
    let bad = |why: &str| Err(TeamError::BadInput(format!("{source}: {why}")));
    if !proof.present {
        return bad("the proof of freshness is empty");
    }
    if proof.date.is_none() {
        return bad("the proof of freshness has no RFC 5322 date line (like `Mon, 05 Jan 2026 10:00:00 +0000`)");
    }
    if proof.sources.is_empty() && proof.block_hash.is_none() {
        return bad("the proof of freshness quotes no news feed and no block hash");
    }
    Ok(())
}

/// The block hashes the pack's canaries (and letters) quote in their proof
/// of freshness: `(path, hash)`, hashes in lower case.
pub fn quoted_block_hashes(pack: &Pack) -> Vec<(String, String)> {
    pack.canaries()
        .into_iter()
        .filter_map(|(_, f)| {
            let bytes = std::fs::read(pack.path_of(&f.path)).ok()?;
            let bytes = &bytes[..bytes.len().min(MAX_CANARY_BYTES)];
            let canary = Canary::parse(&String::from_utf8_lossy(bytes));
            Some((f.path.clone(), canary.freshness.block_hash?))
        })
        .collect()
}

/// Drafts canary `number` (default: the next one) issued on `date`, stating
/// `master` (upper-case hex) as the master fingerprint and quoting
/// `freshness` (the text of a proof of freshness), from the pack's template
/// (`<canaries>/<prefix>-template.txt`, else the built-in one). A number
/// some canary already has is refused, and so is a template whose filled
/// text the canary parser does not read back as filled, and a proof of
/// freshness [`check_proof`] refuses: one dated more than 7 days before
/// `date` (unless `allow_stale_proof`, which turns that into a warning of
/// the draft), more than a day after it, or quoting a block hash an earlier
/// canary of the pack quoted.
pub fn draft_canary(
    pack: &Pack,
    number: Option<u32>,
    date: NaiveDate,
    master: &str,
    freshness: &str,
    allow_stale_proof: bool,
) -> Result<CanaryDraft, TeamError> {
    let proof = CanaryProof {
        text: freshness,
        block: BlockFacts::default(),
        allow_stale: allow_stale_proof,
    };
    draft_canary_with(pack, number, date, master, proof)
}

/// The proof of freshness of a new canary: its text, what is known of the
/// Bitcoin block it quotes beyond the hash, and whether a stale proof is
/// let through.
#[derive(Debug, Clone, Copy)]
pub struct CanaryProof<'a> {
    /// The text of the `Proof of freshness` section.
    pub text: &'a str,
    /// The block's height and time, when known (written in the JSON block).
    pub block: BlockFacts,
    /// Issue the canary with a stale proof (a warning of the draft).
    pub allow_stale: bool,
}

/// [`draft_canary`] with what is known of the quoted block. The text also
/// carries the machine-readable block ([`crate::canary::machine`]), built
/// from the filled prose as read back, before the signature block.
pub fn draft_canary_with(
    pack: &Pack,
    number: Option<u32>,
    date: NaiveDate,
    master: &str,
    proof_in: CanaryProof<'_>,
) -> Result<CanaryDraft, TeamError> {
    let freshness = proof_in.text;
    let allow_stale_proof = proof_in.allow_stale;
    let layout = &pack.config.layout;
    let number = match number {
        Some(n) => {
            let taken = pack
                .canaries()
                .into_iter()
                .find(|(c, _)| c.number == n && c.suffix.is_none());
            if let Some((_, f)) = taken {
                return Err(TeamError::CanaryNumberTaken(n, f.path.clone()));
            }
            n
        }
        None => next_canary_number(pack),
    };
    if !(matches!(master.len(), 40 | 64) && master.bytes().all(|b| b.is_ascii_hexdigit())) {
        return Err(TeamError::BadInput(format!(
            "{master:?} is not a master key fingerprint (40 or 64 hexadecimal digits)"
        )));
    }
    let master = master.to_ascii_uppercase();
    check_freshness_text(freshness, "the proof of freshness")?;
    let proof = read_freshness(&freshness.lines().collect::<Vec<_>>());
    let warnings = check_proof(&proof, date, &quoted_block_hashes(pack), allow_stale_proof)?
        .into_iter()
        .map(|w| ProofWarning {
            code: w.code(),
            message: w.to_string(),
        })
        .collect();
    let (next_from, next_due) = next_window(&pack.config.canary, date)?;
    let facts = CanaryFacts {
        date,
        bulletins: bulletins_published(pack, date),
        master,
        next_from,
        next_due,
    };
    let template_rel = format!("{}/{}-template.txt", layout.canaries, layout.canary_prefix);
    let template_path = pack.path_of(&template_rel);
    let (template, template_name) = if template_path.is_file() {
        let text = std::fs::read_to_string(&template_path)
            .map_err(|e| IoError::new("reading", &template_path, e))?;
        (text, template_rel)
    } else {
        (
            CANARY_TEMPLATE.to_string(),
            "the built-in canary template".into(),
        )
    };
    let config = &pack.config;
    let window_days = config.canary.window_days;
    let text = fill(
        &template,
        &config.project,
        window_days,
        number,
        &facts,
        freshness,
    );
    check_read_back(&text, number, &facts, &template_name)?;
    let block =
        machine::block_for(number, &Canary::parse(&text), proof_in.block).ok_or_else(|| {
            TeamError::BadTemplate("the filled canary cannot be stated as JSON".into())
        })?;
    let text = with_block(&text, &machine::render_section(&block));
    let path = format!(
        "{}/{}-{number:03}-{}.txt",
        layout.canaries,
        layout.canary_prefix,
        date.year()
    );
    Ok(CanaryDraft {
        number,
        path,
        facts,
        text,
        warnings,
    })
}

/// The template with every `@@...@@` placeholder filled; indented lines
/// holding a placeholder (the banner) are centred.
fn fill(
    template: &str,
    project: &Project,
    window_days: u32,
    number: u32,
    facts: &CanaryFacts,
    freshness: &str,
) -> String {
    let month = facts.next_from.format("%B %Y").to_string();
    let window = number_words(window_days);
    let replace = |line: &str| {
        line.replace("@@PROJECT@@", &project.name)
            .replace("@@TEAM@@", &project.team_name)
            .replace("@@NUMBER@@", &format!("{number:03}"))
            .replace("@@DATE@@", &facts.date.format("%Y-%m-%d").to_string())
            .replace("@@BULLETINS@@", &facts.bulletins.to_string())
            .replace(
                "@@MASTER@@",
                &group_fingerprint(&facts.master, FingerprintLayout::GnuPg),
            )
            .replace("@@WINDOW@@", &window)
            .replace("@@NEXT_MONTH@@", &month)
            .replace("@@FRESHNESS@@", freshness.trim_end())
    };
    let mut text = String::new();
    for line in template.lines() {
        let is_banner = line.starts_with(char::is_whitespace)
            && line.contains("@@")
            && !line.contains("@@MASTER@@");
        if is_banner {
            text.push_str(&centre(&replace(line.trim())));
        } else if line.contains("@@BULLETINS@@") && facts.bulletins == 1 {
            text.push_str(&replace(&singular_count(line)));
        } else {
            text.push_str(&replace(line));
        }
        text.push('\n');
    }
    text
}

/// The template's line stating the bulletin count, in the singular: "There
/// have been @@BULLETINS@@ ... Bulletins" becomes "There has been
/// @@BULLETINS@@ ... Bulletin" (the first `bulletins` after the count loses
/// its `s`; `have been` just before it becomes `has been`). The audit's drift
/// check reads both forms as the same statement.
fn singular_count(line: &str) -> String {
    const COUNT: &str = "@@BULLETINS@@";
    let Some(at) = line.find(COUNT) else {
        return line.to_string();
    };
    let (before, after) = line.split_at(at);
    let mut before = before.to_string();
    for (plural, singular) in [("have been ", "has been "), ("Have been ", "Has been ")] {
        let starts_word = before
            .strip_suffix(plural)
            .is_some_and(|rest| !rest.ends_with(char::is_alphanumeric));
        if starts_word {
            before.truncate(before.len() - plural.len());
            before.push_str(singular);
        }
    }
    let (count, after) = after.split_at(COUNT.len());
    before.push_str(count);
    let mut after = after.to_string();
    let lower = after.to_ascii_lowercase();
    if let Some(i) = lower.find("bulletins") {
        let ends_word = !lower[i + "bulletins".len()..].starts_with(char::is_alphanumeric);
        if ends_word {
            after.remove(i + "bulletin".len());
        }
    }
    before + &after
}

/// `text` with `section` inserted before its signature block (a line `--`),
/// or at its end when it has none.
fn with_block(text: &str, section: &str) -> String {
    let mut out = String::new();
    let mut inserted = false;
    for line in text.lines() {
        if !inserted && (line.trim_end() == "--") {
            out.push_str(section);
            out.push('\n');
            inserted = true;
        }
        out.push_str(line);
        out.push('\n');
    }
    if !inserted {
        if !out.ends_with("\n\n") {
            out.push('\n');
        }
        out.push_str(section);
    }
    out
}

/// Parses the filled text back and checks that it states what was filled.
fn check_read_back(
    text: &str,
    number: u32,
    facts: &CanaryFacts,
    template: &str,
) -> Result<(), TeamError> {
    let c = Canary::parse(text);
    let mut unread = Vec::new();
    if c.banner_number != Some(number) {
        unread.push("the canary number in the banner");
    }
    if c.issue_date != Some(facts.date) {
        unread.push("the date of issue");
    }
    if c.bulletin_count != Some(facts.bulletins) {
        unread.push("the number of bulletins");
    }
    if c.fingerprint.as_deref() != Some(facts.master.as_str()) {
        unread.push("the master key fingerprint");
    }
    if c.next_window.as_ref().map(|w| (w.start, w.end)) != Some((facts.next_from, facts.next_due)) {
        unread.push("the window of the next canary");
    }
    if !c.freshness.present || c.freshness.date.is_none() {
        unread.push("the proof of freshness");
    }
    if c.has_placeholder {
        unread.push("the text (a TODO placeholder is left)");
    }
    if !unread.is_empty() {
        return Err(TeamError::BadTemplate(format!(
            "{template} does not yield a canary stating {} readably; fix the template (placeholders: @@PROJECT@@ @@TEAM@@ @@NUMBER@@ @@DATE@@ @@BULLETINS@@ @@MASTER@@ @@WINDOW@@ @@NEXT_MONTH@@ @@FRESHNESS@@)",
            unread.join(", ")
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn windows_follow_the_cadence() {
        let config = CanaryConfig::default();
        assert_eq!(
            next_window(&config, ymd(2026, 1, 31)).unwrap(),
            (ymd(2026, 4, 1), ymd(2026, 4, 14))
        );
        assert_eq!(
            next_window(&config, ymd(2026, 11, 3)).unwrap(),
            (ymd(2027, 2, 1), ymd(2027, 2, 14))
        );
        let monthly = CanaryConfig {
            cadence_months: 1,
            window_days: 28,
            ..CanaryConfig::default()
        };
        assert_eq!(
            next_window(&monthly, ymd(2028, 1, 15)).unwrap(),
            (ymd(2028, 2, 1), ymd(2028, 2, 28))
        );
        for (cadence, window) in [(0, 14), (25, 14), (3, 0), (3, 29)] {
            let bad = CanaryConfig {
                cadence_months: cadence,
                window_days: window,
                ..CanaryConfig::default()
            };
            assert!(next_window(&bad, ymd(2026, 1, 1)).is_err());
        }
    }

    #[test]
    fn freshness_text_must_be_dated_and_quote_something() {
        let good = "Mon, 05 Jan 2026 10:00:00 +0000\n\nSource: Wire (https://w.test/rss)\nOne\n";
        check_freshness_text(good, "f").unwrap();
        for bad in [
            "",
            "TODO\n",
            "Source: Wire (https://w.test/rss)\nOne\n",
            "Mon, 05 Jan 2026 10:00:00 +0000\n",
        ] {
            let e = check_freshness_text(bad, "proof.txt").unwrap_err();
            assert!(e.to_string().starts_with("proof.txt:"), "{e}");
        }
    }

    const FRESHNESS: &str = "Mon, 05 Jan 2026 10:00:00 +0000\n\nSource: Wire (https://w.test/rss)\nOne\nTwo\n\nSource: Chain\n00000000000000000002fb0e59c723277069b5389aa2df4b8ff6dc8d80da6ad4\n";
    const MASTER: &str = "0123456789ABCDEF0123456789ABCDEF01234567";

    /// A new pack holding bulletins dated `dates`.
    fn pack_with_bulletins(dates: &[NaiveDate]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("p");
        let options = super::super::InitOptions {
            project: "Demo".into(),
            git: false,
        };
        super::super::init_pack(&root, &options).unwrap();
        for (i, d) in dates.iter().enumerate() {
            let pack = Pack::open(&root).unwrap();
            let draft =
                super::super::draft_bulletin(&pack, None, *d, &format!("Bug {i}"), &[]).unwrap();
            std::fs::write(root.join(&draft.path), draft.text).unwrap();
        }
        dir
    }

    #[test]
    fn a_drafted_canary_audits_clean() {
        use crate::canary::audit::{audit_pack, AuditOptions};
        let dir = pack_with_bulletins(&[ymd(2025, 12, 1), ymd(2026, 1, 4), ymd(2026, 1, 6)]);
        let root = dir.path().join("p");
        let pack = Pack::open(&root).unwrap();
        let draft = draft_canary(&pack, None, ymd(2026, 1, 5), MASTER, FRESHNESS, false).unwrap();
        assert_eq!(draft.number, 1);
        assert_eq!(draft.path, "canaries/canary-001-2026.txt");
        // Two bulletins are dated on or before the date of issue.
        assert_eq!(draft.facts.bulletins, 2);
        assert_eq!(draft.facts.next_due, ymd(2026, 4, 14));
        assert!(draft
            .text
            .contains("in the first\nfourteen days of April 2026"));
        std::fs::write(root.join(&draft.path), &draft.text).unwrap();

        let pack = Pack::open(&root).unwrap();
        let options = AuditOptions {
            now: ymd(2026, 1, 6),
            master: Some(MASTER.into()),
            signatures: None,
            since: None,
        };
        let report = audit_pack(&pack, &options);
        assert!(report.findings.is_empty(), "{:#?}", report.findings);
        assert_eq!(report.latest.unwrap().next_due, Some(ymd(2026, 4, 14)));

        // The next one takes number 2; number 1 is refused.
        assert_eq!(next_canary_number(&pack), 2);
        let e =
            draft_canary(&pack, Some(1), ymd(2026, 4, 2), MASTER, FRESHNESS, false).unwrap_err();
        assert_eq!(e.code(), "canary-number-taken");
    }

    #[test]
    fn one_bulletin_is_stated_in_the_singular_and_audits_clean() {
        use crate::canary::audit::{audit_pack, AuditOptions};
        let dir = pack_with_bulletins(&[ymd(2025, 12, 1)]);
        let root = dir.path().join("p");
        let pack = Pack::open(&root).unwrap();
        let first = draft_canary(&pack, None, ymd(2026, 1, 5), MASTER, FRESHNESS, false).unwrap();
        assert!(
            first
                .text
                .contains("2. There has been 1 Demo Security Bulletin published so far.\n"),
            "{}",
            first.text
        );
        assert!(first
            .text
            .contains("with regard to the Demo\nproject (e.g."));
        assert!(first
            .text
            .contains("Footnotes\n----------\n\n[1] Each signer's"));
        std::fs::write(root.join(&first.path), &first.text).unwrap();

        // A second bulletin, then the next canary: plural, and no drift.
        let pack = Pack::open(&root).unwrap();
        let qsb = super::super::draft_bulletin(&pack, None, ymd(2026, 3, 1), "Bug 2", &[]).unwrap();
        std::fs::write(root.join(&qsb.path), qsb.text).unwrap();
        let pack = Pack::open(&root).unwrap();
        let fresh = FRESHNESS
            .replace("Mon, 05 Jan 2026", "Wed, 01 Apr 2026")
            .replace("00000000000000000002fb", "00000000000000000003aa");
        let second = draft_canary(&pack, None, ymd(2026, 4, 2), MASTER, &fresh, false).unwrap();
        assert!(second
            .text
            .contains("2. There have been 2 Demo Security Bulletins published so far.\n"));
        std::fs::write(root.join(&second.path), &second.text).unwrap();
        let pack = Pack::open(&root).unwrap();
        let options = AuditOptions {
            now: ymd(2026, 4, 3),
            master: Some(MASTER.into()),
            signatures: None,
            since: None,
        };
        let report = audit_pack(&pack, &options);
        assert!(report.findings.is_empty(), "{:#?}", report.findings);
    }

    #[test]
    fn a_bulletin_of_the_canary_s_day_published_after_it_raises_no_alert() {
        use crate::canary::audit::{audit_pack, AuditOptions, FindingKind};
        let dir = pack_with_bulletins(&[ymd(2025, 12, 1)]);
        let root = dir.path().join("p");
        let pack = Pack::open(&root).unwrap();
        let canary = draft_canary(&pack, None, ymd(2026, 1, 5), MASTER, FRESHNESS, false).unwrap();
        assert_eq!(canary.facts.bulletins, 1);
        std::fs::write(root.join(&canary.path), &canary.text).unwrap();
        let audit = |root: &std::path::Path| {
            let options = AuditOptions {
                now: ymd(2026, 1, 6),
                master: Some(MASTER.into()),
                signatures: None,
                since: None,
            };
            audit_pack(&Pack::open(root).unwrap(), &options)
        };
        // A bulletin dated the canary's day, written after it: the canary's
        // "1" is still right (so would "2" be).
        let pack = Pack::open(&root).unwrap();
        let qsb = super::super::draft_bulletin(&pack, None, ymd(2026, 1, 5), "Bug 2", &[]).unwrap();
        std::fs::write(root.join(&qsb.path), qsb.text).unwrap();
        let report = audit(&root);
        assert!(report.findings.is_empty(), "{:#?}", report.findings);
        let path = root.join(&canary.path);
        let stated = |n: &str| {
            let text = canary
                .text
                .replace("There has been 1 Demo Security Bulletin", n);
            std::fs::write(&path, text).unwrap();
            audit(&root)
                .findings
                .into_iter()
                .filter(|f| f.kind == FindingKind::BulletinCountMismatch)
                .map(|f| f.detail)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            stated("There have been 2 Demo Security Bulletins"),
            Vec::<String>::new()
        );
        // Fewer than those dated before the day, or more than those dated
        // on or before it: an alert naming both counts.
        for wrong in [
            "There have been 0 Demo Security Bulletins",
            "There have been 3 Demo Security Bulletins",
        ] {
            let found = stated(wrong);
            assert_eq!(found.len(), 1, "{wrong}: {found:?}");
            assert!(
                found[0].contains("holds 1 dated before 2026-01-05 and 2 dated on or before it"),
                "{found:?}"
            );
        }
    }

    #[test]
    fn the_singular_touches_only_the_count() {
        assert_eq!(
            singular_count(
                "2. There have been @@BULLETINS@@ @@PROJECT@@ Security Bulletins published so far."
            ),
            "2. There has been @@BULLETINS@@ @@PROJECT@@ Security Bulletin published so far."
        );
        assert_eq!(
            singular_count("2. So far, @@BULLETINS@@ bulletins; bulletins are numbered."),
            "2. So far, @@BULLETINS@@ bulletin; bulletins are numbered."
        );
        assert_eq!(
            singular_count("2. We have been busy: @@BULLETINS@@ BulletinsX."),
            "2. We have been busy: @@BULLETINS@@ BulletinsX."
        );
        assert_eq!(
            singular_count("Have been @@BULLETINS@@ bulletins. Behave been @@BULLETINS@@"),
            "Has been @@BULLETINS@@ bulletin. Behave been @@BULLETINS@@"
        );
    }

    #[test]
    fn stale_proofs_and_reused_blocks_are_refused() {
        let dir = pack_with_bulletins(&[]);
        let root = dir.path().join("p");
        let pack = Pack::open(&root).unwrap();
        let first = draft_canary(&pack, None, ymd(2026, 1, 5), MASTER, FRESHNESS, false).unwrap();
        assert!(first.warnings.is_empty());
        std::fs::write(root.join(&first.path), &first.text).unwrap();
        let pack = Pack::open(&root).unwrap();
        assert_eq!(
            quoted_block_hashes(&pack),
            [(
                first.path.clone(),
                FRESHNESS.lines().last().unwrap().to_string()
            )]
        );
        let code = |e: TeamError| match e {
            TeamError::Proof(p) => Some(p.code()),
            _ => None,
        };

        // The same proof three months later: stale, and its block is reused.
        let e = draft_canary(&pack, None, ymd(2026, 4, 2), MASTER, FRESHNESS, false).unwrap_err();
        assert_eq!(code(e), Some("stale-proof"));
        let e = draft_canary(&pack, None, ymd(2026, 4, 2), MASTER, FRESHNESS, true).unwrap_err();
        assert_eq!(code(e), Some("block-hash-reused"));
        // Dated on the day, the reused block is still refused.
        let same_block = FRESHNESS.replace("Mon, 05 Jan 2026", "Thu, 02 Apr 2026");
        let e = draft_canary(&pack, None, ymd(2026, 4, 2), MASTER, &same_block, false).unwrap_err();
        assert!(
            e.to_string().contains("canaries/canary-001-2026.txt"),
            "{e}"
        );
        assert_eq!(code(e), Some("block-hash-reused"));

        // A new block: accepted when fresh; when stale only with the
        // override, and then with a warning.
        let new_block = FRESHNESS.replace("00000000000000000002fb", "00000000000000000003aa");
        let e = draft_canary(&pack, None, ymd(2026, 4, 2), MASTER, &new_block, false).unwrap_err();
        assert_eq!(code(e), Some("stale-proof"));
        let stale = draft_canary(&pack, None, ymd(2026, 4, 2), MASTER, &new_block, true).unwrap();
        assert_eq!(stale.warnings.len(), 1);
        assert_eq!(stale.warnings[0].code, "stale-proof");
        assert!(
            stale.warnings[0].message.contains("87 days before"),
            "{:?}",
            stale.warnings
        );
        let fresh = new_block.replace("Mon, 05 Jan 2026", "Wed, 01 Apr 2026");
        let ok = draft_canary(&pack, None, ymd(2026, 4, 2), MASTER, &fresh, false).unwrap();
        assert!(ok.warnings.is_empty());
        // A proof dated after the canary: the date of issue is wrong.
        let e = draft_canary(&pack, None, ymd(2026, 3, 30), MASTER, &fresh, true).unwrap_err();
        assert_eq!(code(e), Some("proof-after-issue"));
    }

    #[test]
    fn a_template_that_does_not_read_back_is_refused() {
        let dir = pack_with_bulletins(&[]);
        let root = dir.path().join("p");
        let template = root.join("canaries/canary-template.txt");
        let text = std::fs::read_to_string(&template).unwrap();
        std::fs::write(&template, text.replace("@@MASTER@@", "(see the website)")).unwrap();
        let pack = Pack::open(&root).unwrap();
        let e = draft_canary(&pack, None, ymd(2026, 1, 5), MASTER, FRESHNESS, false).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("canaries/canary-template.txt") && msg.contains("fingerprint"),
            "{msg}"
        );
        assert!(draft_canary(&pack, None, ymd(2026, 1, 5), "ABCD", FRESHNESS, false).is_err());
    }

    proptest! {
        #[test]
        fn every_cadence_and_date_reads_back(
            cadence in 1u32..=MAX_CADENCE_MONTHS,
            window_days in 1u32..=MAX_WINDOW_DAYS,
            day in 0u32..36_500,
            number in 1u32..1000,
            bulletins in 0u32..5000,
            v6 in any::<bool>(),
        ) {
            let date = ymd(2000, 1, 1) + chrono::Days::new(day.into());
            let config = CanaryConfig { cadence_months: cadence, window_days, ..CanaryConfig::default() };
            let (next_from, next_due) = next_window(&config, date).unwrap();
            prop_assert!(next_from > date && next_due >= next_from);
            let master = if v6 { "AB".repeat(32) } else { MASTER.to_string() };
            let facts = CanaryFacts { date, bulletins, master, next_from, next_due };
            let text = fill(CANARY_TEMPLATE, &Project::default(), window_days, number, &facts, FRESHNESS);
            prop_assert!(check_read_back(&text, number, &facts, "built-in").is_ok(), "{}", text);
        }
    }
}
