//! The audit of every canary a pack ever published.
//!
//! Each canary is parsed and checked on its own (date, count, fingerprint,
//! window, proof of freshness), against the one before it (numbering, order,
//! lateness, statement drift, reused block hash) and against the pack (the
//! bulletins it counts, the pinned master key, the signatures when the trust
//! engine provides them). The latest canary's promised window tells whether
//! the series is overdue. Every finding has a stable code and a sentence.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::drift::{compare, DriftKind};
use super::machine;
use super::parse::{Canary, MAX_CANARY_BYTES};
use super::window::Window;
use crate::bulletin::{BulletinHeader, MAX_BULLETIN_BYTES};
use crate::pack::Pack;

/// Days the proof-of-freshness date may precede the date of issue.
pub const FRESHNESS_MAX_DAYS_BEFORE: i64 = 7;
/// Days the proof-of-freshness date may follow the date of issue (time zones).
pub const FRESHNESS_MAX_DAYS_AFTER: i64 = 1;

/// What the audit is given besides the pack.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    /// The day the audit is made for ("today").
    pub now: NaiveDate,
    /// The pinned master fingerprint (upper-case hex), if any; without it the
    /// fingerprint check is skipped.
    pub master: Option<String>,
    /// Signature results per document path, from the trust engine. This is
    /// the seam to the trust engine: `None` skips the signature check.
    pub signatures: Option<BTreeMap<String, DocumentSigners>>,
    /// Report findings only about canaries numbered this or later (earlier
    /// ones are still read, to compare against). Overdue is always reported.
    pub since: Option<u32>,
}

/// The trust engine's result for one signed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentSigners {
    /// Distinct signers whose signature on the document is valid.
    pub valid_signers: Vec<String>,
    /// Distinct valid signers the document needs.
    pub required: u32,
}

impl DocumentSigners {
    /// The signers of every document of a verified pack, keyed by path: the
    /// trust engine's answer to the audit's signature check.
    pub fn from_report(report: &crate::trust::PackReport) -> BTreeMap<String, DocumentSigners> {
        report
            .documents
            .iter()
            .map(|d| {
                let signers = DocumentSigners {
                    valid_signers: d.signers.clone(),
                    required: d.required,
                };
                (d.path.clone(), signers)
            })
            .collect()
    }
}

/// A canary file as read from the pack.
#[derive(Debug, Clone)]
pub struct CanaryFile {
    /// Number from the file name.
    pub number: u32,
    /// Year from the file name.
    pub year: i32,
    /// Path relative to the pack root.
    pub path: String,
    /// The text, or why it could not be read.
    pub text: Result<String, String>,
}

/// A letter published beside a canary (`canary-NNN-YYYY-<suffix>.txt`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterFile {
    /// Number of the canary it accompanies.
    pub number: u32,
    /// Path relative to the pack root.
    pub path: String,
}

/// A bulletin's number and date, for the bulletin-count check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulletinDate {
    /// Number from the file name.
    pub number: u32,
    /// Year from the file name.
    pub year: i32,
    /// Date printed in the bulletin, when readable.
    pub date: Option<NaiveDate>,
}

/// The whole audit.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// The day the audit was made for.
    pub now: NaiveDate,
    /// The latest canary and when the next one is due.
    pub latest: Option<Latest>,
    /// The latest canary's promised window has passed.
    pub overdue: bool,
    /// Days since the promised window closed (0 when not overdue).
    pub days_overdue: i64,
    /// Which checks ran.
    pub checks: Checks,
    /// What each canary says.
    pub canaries: Vec<CanarySummary>,
    /// Everything worth a look, in canary order.
    pub findings: Vec<Finding>,
}

impl AuditReport {
    /// Findings that call for attention (severity `alert`).
    pub fn alerts(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Alert)
            .count()
    }
}

/// The latest canary.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Latest {
    /// Its number.
    pub number: u32,
    /// Its path.
    pub path: String,
    /// Its date of issue.
    pub date: Option<NaiveDate>,
    /// Last day of the window it promised for the next canary.
    pub next_due: Option<NaiveDate>,
}

/// Whether each optional check ran.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Checks {
    /// Stated fingerprints against the pinned master key.
    pub fingerprint: CheckState,
    /// Signatures against the signer threshold.
    pub signatures: CheckState,
}

/// Whether a check ran.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum CheckState {
    /// The check ran.
    Done,
    /// The check could not run (no pinned master key, no signature results).
    Skipped,
}

/// What one canary says, for reports.
#[derive(Debug, Clone, Serialize)]
pub struct CanarySummary {
    /// Number from the file name.
    pub number: u32,
    /// Path relative to the pack root.
    pub path: String,
    /// Date of issue.
    pub date: Option<NaiveDate>,
    /// Bulletins stated as published.
    pub bulletin_count: Option<u32>,
    /// Master fingerprint stated.
    pub fingerprint: Option<String>,
    /// Window promised for the next canary.
    pub next_window: Option<Window>,
    /// Date of the proof of freshness.
    pub freshness_date: Option<String>,
    /// Feeds quoted in the proof of freshness.
    pub feeds: usize,
    /// Block hash quoted.
    pub block_hash: Option<String>,
    /// Letters published beside it.
    pub letters: Vec<String>,
}

/// One finding.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Finding {
    /// The canary it is about (`None` for the pack as a whole).
    pub canary: Option<u32>,
    /// The file it is about, when there is one.
    pub document: Option<String>,
    /// Stable code.
    pub kind: FindingKind,
    /// Whether it calls for attention.
    pub severity: Severity,
    /// A sentence a person understands.
    pub detail: String,
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Context for a reader (a letter, a special announcement).
    Notice,
    /// Something to look into; the audit exits with status 1.
    Alert,
}

/// Stable finding codes.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// The pack holds no canary.
    NoCanaries,
    /// The latest canary's promised window has passed.
    Overdue,
    /// A canary file could not be read.
    Unreadable,
    /// A canary number between the first and the latest is absent.
    NumberMissing,
    /// Two canaries carry the same number.
    NumberDuplicate,
    /// The banner's number differs from the file name's.
    BannerNumberMismatch,
    /// A `TODO` placeholder was left in the text.
    Placeholder,
    /// No readable date of issue.
    DateUnreadable,
    /// The date of issue is earlier than the previous canary's.
    DateOutOfOrder,
    /// The year in the file name is not the year of issue.
    YearMismatch,
    /// Published after the window the previous canary promised.
    PublishedLate,
    /// No readable promised window for the next canary.
    WindowUnreadable,
    /// No readable bulletin count.
    BulletinCountUnreadable,
    /// The stated bulletin count differs from the bulletins in the pack.
    BulletinCountMismatch,
    /// Bulletins without a readable date (the count check uses a range).
    BulletinUndated,
    /// No readable master fingerprint.
    FingerprintMissing,
    /// The stated fingerprint is not the pinned master key's.
    FingerprintMismatch,
    /// No proof of freshness.
    FreshnessMissing,
    /// The proof of freshness has no date line.
    FreshnessDateMissing,
    /// The proof of freshness is dated too far from the date of issue.
    FreshnessDateMismatch,
    /// A feed is quoted without headlines.
    FreshnessSourceEmpty,
    /// No block hash, where the previous canary had one.
    BlockHashMissing,
    /// The same block hash as the previous canary.
    BlockHashReused,
    /// A statement present in the previous canary is gone.
    StatementRemoved,
    /// A statement not in the previous canary appeared.
    StatementAdded,
    /// A statement's wording changed.
    StatementChanged,
    /// The canary carries special announcements.
    SpecialAnnouncement,
    /// A letter was published beside the canary.
    Letter,
    /// A letter names a canary the pack does not hold.
    LetterOrphan,
    /// Fewer valid signers than required.
    SignaturesBelowThreshold,
    /// The machine-readable JSON block cannot be read.
    JsonUnreadable,
    /// The JSON block and the prose disagree.
    JsonProseMismatch,
    /// The JSON block's dates are before the time of the Bitcoin block it
    /// quotes.
    JsonDateBeforeBlock,
    /// The Bitcoin block the JSON block quotes is older than the release
    /// date allows.
    JsonBlockStale,
    /// A canary carries no JSON block where the previous one did.
    JsonMissing,
}

impl FindingKind {
    /// How much findings of this kind matter.
    pub fn severity(self) -> Severity {
        match self {
            Self::SpecialAnnouncement
            | Self::Letter
            | Self::BulletinUndated
            | Self::YearMismatch => Severity::Notice,
            _ => Severity::Alert,
        }
    }

    /// The stable code, as printed.
    pub fn code(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

/// Reads every canary, letter and bulletin of `pack` and audits them.
pub fn audit_pack(pack: &Pack, options: &AuditOptions) -> AuditReport {
    let mut canaries = Vec::new();
    let mut letters = Vec::new();
    for (name, file) in pack.canaries() {
        match name.suffix {
            Some(_) => letters.push(LetterFile {
                number: name.number,
                path: file.path.clone(),
            }),
            None => canaries.push(CanaryFile {
                number: name.number,
                year: name.year,
                path: file.path.clone(),
                text: read_text(&pack.path_of(&file.path), MAX_CANARY_BYTES),
            }),
        }
    }
    audit(&canaries, &letters, &bulletin_dates(pack), options)
}

/// Every bulletin of the pack (one per number, letters left out) with the
/// date it prints, when readable.
pub fn bulletin_dates(pack: &Pack) -> Vec<BulletinDate> {
    let prefix = &pack.config.project.upstream_id_prefix;
    let mut seen = BTreeSet::new();
    pack.bulletins()
        .into_iter()
        .filter(|(name, _)| name.suffix.is_none() && seen.insert(name.number))
        .map(|(name, file)| BulletinDate {
            number: name.number,
            year: name.year,
            date: read_text(&pack.path_of(&file.path), MAX_BULLETIN_BYTES)
                .ok()
                .and_then(|t| BulletinHeader::parse(&t, prefix).date),
        })
        .collect()
}

/// Checks the machine-readable block of a canary against its prose.
fn check_block(
    file: &CanaryFile,
    text: &str,
    canary: &Canary,
    had_block: bool,
    out: &mut Findings,
) {
    let push = |out: &mut Findings, kind, detail| {
        out.push(Some(file.number), Some(&file.path), kind, detail)
    };
    match machine::extract(text) {
        None if had_block => push(
            out,
            FindingKind::JsonMissing,
            format!(
                "canary {} carries no JSON block; the previous canary did",
                file.number
            ),
        ),
        None => {}
        Some(Err(e)) => push(
            out,
            FindingKind::JsonUnreadable,
            format!("{e} [{}]", e.code()),
        ),
        Some(Ok(block)) => {
            for p in machine::check(&block, file.number, canary) {
                let kind = match p.code {
                    "json-date-before-block" => FindingKind::JsonDateBeforeBlock,
                    "json-block-stale" => FindingKind::JsonBlockStale,
                    _ => FindingKind::JsonProseMismatch,
                };
                push(out, kind, p.detail);
            }
        }
    }
}

/// Reads a text file of at most `max` bytes.
fn read_text(path: &Path, max: usize) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.len() > max as u64 {
        return Err(format!("larger than {max} bytes"));
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())
}

/// Audits canaries (any order), the letters beside them and the pack's
/// bulletins.
pub fn audit(
    canaries: &[CanaryFile],
    letters: &[LetterFile],
    bulletins: &[BulletinDate],
    options: &AuditOptions,
) -> AuditReport {
    let mut files: Vec<&CanaryFile> = canaries.iter().collect();
    files.sort_by(|a, b| (a.number, &a.path).cmp(&(b.number, &b.path)));
    let mut out = Findings::default();

    if files.is_empty() {
        out.push(
            None,
            None,
            FindingKind::NoCanaries,
            "the pack holds no canary".into(),
        );
    }
    check_numbering(&files, &mut out);
    for letter in letters {
        if !files.iter().any(|c| c.number == letter.number) {
            out.push(
                Some(letter.number),
                Some(&letter.path),
                FindingKind::LetterOrphan,
                format!(
                    "letter {} accompanies canary {}, which the pack does not hold",
                    letter.path, letter.number
                ),
            );
        }
    }
    let undated: Vec<&BulletinDate> = bulletins.iter().filter(|b| b.date.is_none()).collect();
    if !undated.is_empty() {
        let list: Vec<String> = undated.iter().map(|b| b.number.to_string()).collect();
        out.push(
            None,
            None,
            FindingKind::BulletinUndated,
            format!(
                "{} bulletin(s) have no readable date ({}); they are counted by the year in their file name",
                undated.len(),
                list.join(", ")
            ),
        );
    }

    let mut summaries = Vec::new();
    let mut previous: Option<(&CanaryFile, Canary)> = None;
    for file in files {
        let own_letters: Vec<String> = letters
            .iter()
            .filter(|l| l.number == file.number)
            .map(|l| l.path.clone())
            .collect();
        let text = match &file.text {
            Ok(t) => t,
            Err(e) => {
                out.push(
                    Some(file.number),
                    Some(&file.path),
                    FindingKind::Unreadable,
                    format!("cannot read {}: {e}", file.path),
                );
                continue;
            }
        };
        let canary = Canary::parse(text);
        let ctx = Ctx {
            file,
            canary: &canary,
            out: &mut out,
        };
        let prev = previous.as_ref().map(|(f, c)| (*f, c));
        check_one(ctx, prev, bulletins, options);
        let had_block = previous.as_ref().is_some_and(|(f, _)| {
            f.text
                .as_deref()
                .is_ok_and(|t| machine::extract(t).is_some())
        });
        check_block(file, text, &canary, had_block, &mut out);
        for letter in &own_letters {
            out.push(
                Some(file.number),
                Some(letter),
                FindingKind::Letter,
                format!("letter {letter} was published with canary {}", file.number),
            );
        }
        if let Some(sigs) = &options.signatures {
            for doc in std::iter::once(&file.path).chain(&own_letters) {
                check_signatures(file.number, doc, sigs.get(doc), &mut out);
            }
        }
        summaries.push(summary(file, &canary, own_letters));
        previous = Some((file, canary));
    }

    let latest = previous.as_ref().map(|(f, c)| Latest {
        number: f.number,
        path: f.path.clone(),
        date: c.issue_date,
        next_due: c.next_window.as_ref().map(|w| w.end),
    });
    let days_overdue = latest
        .as_ref()
        .and_then(|l| l.next_due)
        .map_or(0, |due| (options.now - due).num_days().max(0));
    if let (Some(l), true) = (&latest, days_overdue > 0) {
        out.push(
            Some(l.number),
            Some(&l.path),
            FindingKind::Overdue,
            format!(
                "canary {} promised the next canary by {}; none has appeared {} day(s) later",
                l.number,
                l.next_due.map(|d| d.to_string()).unwrap_or_default(),
                days_overdue
            ),
        );
    }

    let mut findings = out.0;
    if let Some(since) = options.since {
        findings.retain(|f| f.kind == FindingKind::Overdue || f.canary.is_none_or(|n| n >= since));
    }
    AuditReport {
        now: options.now,
        latest,
        overdue: days_overdue > 0,
        days_overdue,
        checks: Checks {
            fingerprint: if options.master.is_some() {
                CheckState::Done
            } else {
                CheckState::Skipped
            },
            signatures: if options.signatures.is_some() {
                CheckState::Done
            } else {
                CheckState::Skipped
            },
        },
        canaries: summaries,
        findings,
    }
}

/// Findings collected in order.
#[derive(Default)]
struct Findings(Vec<Finding>);

impl Findings {
    fn push(
        &mut self,
        canary: Option<u32>,
        document: Option<&str>,
        kind: FindingKind,
        detail: String,
    ) {
        self.0.push(Finding {
            canary,
            document: document.map(str::to_string),
            kind,
            severity: kind.severity(),
            detail,
        });
    }
}

/// One canary being checked.
struct Ctx<'a> {
    file: &'a CanaryFile,
    canary: &'a Canary,
    out: &'a mut Findings,
}

impl Ctx<'_> {
    fn push(&mut self, kind: FindingKind, detail: String) {
        self.out
            .push(Some(self.file.number), Some(&self.file.path), kind, detail);
    }
}

/// Gaps and duplicates in the numbering.
fn check_numbering(files: &[&CanaryFile], out: &mut Findings) {
    let Some(last) = files.last().map(|f| f.number) else {
        return;
    };
    let numbers: BTreeSet<u32> = files.iter().map(|f| f.number).collect();
    let first = numbers.first().copied().unwrap_or(0).min(1);
    for n in first..last {
        if !numbers.contains(&n) {
            out.push(
                Some(n),
                None,
                FindingKind::NumberMissing,
                format!("canary {n} is missing from the pack (the latest is {last})"),
            );
        }
    }
    for pair in files.windows(2) {
        if pair[0].number == pair[1].number {
            out.push(
                Some(pair[1].number),
                Some(&pair[1].path),
                FindingKind::NumberDuplicate,
                format!(
                    "{} and {} carry the same number",
                    pair[0].path, pair[1].path
                ),
            );
        }
    }
}

/// Every check on one canary and against the previous one.
fn check_one(
    mut ctx: Ctx<'_>,
    previous: Option<(&CanaryFile, &Canary)>,
    bulletins: &[BulletinDate],
    options: &AuditOptions,
) {
    let (file, c) = (ctx.file, ctx.canary);
    match c.banner_number {
        Some(n) if n == file.number => {}
        Some(n) => ctx.push(
            FindingKind::BannerNumberMismatch,
            format!("the banner says canary {n}, the file name {}", file.number),
        ),
        None => ctx.push(
            FindingKind::BannerNumberMismatch,
            "the banner carries no canary number".into(),
        ),
    }
    if c.has_placeholder {
        ctx.push(
            FindingKind::Placeholder,
            "the text still holds a TODO placeholder".into(),
        );
    }
    match c.issue_date {
        None => ctx.push(
            FindingKind::DateUnreadable,
            "no readable date of issue among the statements".into(),
        ),
        Some(d) if d.year() != file.year => ctx.push(
            FindingKind::YearMismatch,
            format!(
                "issued on {d}, but the file name gives the year {}",
                file.year
            ),
        ),
        Some(_) => {}
    }
    if let Some((pf, pc)) = previous {
        check_against_previous(&mut ctx, pf, pc);
    }
    check_count(&mut ctx, bulletins);
    match (&c.fingerprint, &options.master) {
        (None, _) => ctx.push(
            FindingKind::FingerprintMissing,
            "no readable master key fingerprint among the statements".into(),
        ),
        (Some(stated), Some(pinned)) if stated != pinned => ctx.push(
            FindingKind::FingerprintMismatch,
            format!(
                "states the master fingerprint {stated}, but the pinned master key is {pinned}"
            ),
        ),
        _ => {}
    }
    if c.next_window.is_none() {
        ctx.push(
            FindingKind::WindowUnreadable,
            "no readable window for the next canary among the statements".into(),
        );
    }
    check_freshness(&mut ctx, previous.map(|p| p.1));
    if let Some(text) = &c.special_announcements {
        let short: String = text.chars().take(200).collect();
        let more = if short.len() < text.len() { "..." } else { "" };
        ctx.push(
            FindingKind::SpecialAnnouncement,
            format!("special announcement: {short}{more}"),
        );
    }
}

/// Order, lateness and drift against the previous canary.
fn check_against_previous(ctx: &mut Ctx<'_>, pf: &CanaryFile, pc: &Canary) {
    let c = ctx.canary;
    if let (Some(d), Some(pd)) = (c.issue_date, pc.issue_date) {
        if d < pd {
            ctx.push(
                FindingKind::DateOutOfOrder,
                format!("issued on {d}, before canary {} ({pd})", pf.number),
            );
        }
    }
    if let (Some(d), Some(w)) = (c.issue_date, &pc.next_window) {
        if d > w.end {
            ctx.push(
                FindingKind::PublishedLate,
                format!(
                    "issued on {d}, {} day(s) after the window canary {} promised (\"{}\", until {})",
                    (d - w.end).num_days(),
                    pf.number,
                    w.phrase,
                    w.end
                ),
            );
        }
    }
    for d in compare(pc, c) {
        let (kind, detail) = match d.change {
            DriftKind::Removed => (
                FindingKind::StatementRemoved,
                format!(
                    "{} of canary {} is gone: \"{}\"",
                    d.label,
                    pf.number,
                    d.old.unwrap_or_default()
                ),
            ),
            DriftKind::Added => (
                FindingKind::StatementAdded,
                format!(
                    "{} is new since canary {}: \"{}\"",
                    d.label,
                    pf.number,
                    d.new.unwrap_or_default()
                ),
            ),
            DriftKind::Changed => (
                FindingKind::StatementChanged,
                format!(
                    "{} changed since canary {}: {}",
                    d.label,
                    pf.number,
                    d.diff.unwrap_or_default()
                ),
            ),
        };
        ctx.push(kind, detail);
    }
}

/// The stated bulletin count against the bulletins dated on or before the
/// date of issue. Undated bulletins count by their file-name year; those of
/// the canary's own year may or may not be included.
fn check_count(ctx: &mut Ctx<'_>, bulletins: &[BulletinDate]) {
    let c = ctx.canary;
    let Some(stated) = c.bulletin_count else {
        ctx.push(
            FindingKind::BulletinCountUnreadable,
            "no readable number of bulletins among the statements".into(),
        );
        return;
    };
    let Some(date) = c.issue_date else {
        return;
    };
    let mut low = 0u32;
    let mut unsure = 0u32;
    for b in bulletins {
        match b.date {
            Some(d) if d <= date => low += 1,
            Some(_) => {}
            None if b.year < date.year() => low += 1,
            None if b.year == date.year() => unsure += 1,
            None => {}
        }
    }
    if stated < low || stated > low + unsure {
        let held = if unsure == 0 {
            format!("{low}")
        } else {
            format!("between {low} and {}", low + unsure)
        };
        ctx.push(
            FindingKind::BulletinCountMismatch,
            format!("states {stated} bulletins published; the pack holds {held} dated on or before {date}"),
        );
    }
}

/// The proof of freshness: present, dated near the date of issue, sources
/// with headlines, a new block hash.
fn check_freshness(ctx: &mut Ctx<'_>, previous: Option<&Canary>) {
    let c = ctx.canary;
    let f = &c.freshness;
    if !f.present {
        ctx.push(
            FindingKind::FreshnessMissing,
            "the proof of freshness is missing or empty".into(),
        );
        return;
    }
    match (f.date, c.issue_date) {
        (None, _) => ctx.push(
            FindingKind::FreshnessDateMissing,
            "the proof of freshness has no RFC 5322 date line".into(),
        ),
        (Some(fresh), Some(issued)) => {
            let fresh_day = fresh.naive_utc().date();
            let ahead = (issued - fresh_day).num_days();
            if !(-FRESHNESS_MAX_DAYS_AFTER..=FRESHNESS_MAX_DAYS_BEFORE).contains(&ahead) {
                ctx.push(
                    FindingKind::FreshnessDateMismatch,
                    format!("the proof of freshness is dated {fresh_day}, but the canary was issued on {issued}"),
                );
            }
        }
        (Some(_), None) => {}
    }
    for s in f.sources.iter().filter(|s| s.headlines.is_empty()) {
        let name = s.title.as_deref().or(s.url.as_deref()).unwrap_or("a feed");
        ctx.push(
            FindingKind::FreshnessSourceEmpty,
            format!("{name} is quoted without headlines"),
        );
    }
    let prev_hash = previous.and_then(|p| p.freshness.block_hash.as_deref());
    match (&f.block_hash, prev_hash) {
        (None, Some(_)) => ctx.push(
            FindingKind::BlockHashMissing,
            "no block hash in the proof of freshness, where the previous canary had one".into(),
        ),
        (Some(h), Some(p)) if h == p => ctx.push(
            FindingKind::BlockHashReused,
            format!("the block hash {h} was already quoted by the previous canary"),
        ),
        _ => {}
    }
}

fn check_signatures(number: u32, doc: &str, result: Option<&DocumentSigners>, out: &mut Findings) {
    let Some(result) = result else {
        out.push(
            Some(number),
            Some(doc),
            FindingKind::SignaturesBelowThreshold,
            format!("{doc} has no signature result: it counts as unsigned"),
        );
        return;
    };
    let distinct: BTreeSet<&str> = result.valid_signers.iter().map(String::as_str).collect();
    if (distinct.len() as u64) < u64::from(result.required) {
        let who = if distinct.is_empty() {
            "none".to_string()
        } else {
            distinct.into_iter().collect::<Vec<_>>().join(", ")
        };
        out.push(
            Some(number),
            Some(doc),
            FindingKind::SignaturesBelowThreshold,
            format!(
                "{doc} has {} valid signer(s) ({who}); {} required",
                result.valid_signers.iter().collect::<BTreeSet<_>>().len(),
                result.required
            ),
        );
    }
}

fn summary(file: &CanaryFile, c: &Canary, letters: Vec<String>) -> CanarySummary {
    CanarySummary {
        number: file.number,
        path: file.path.clone(),
        date: c.issue_date,
        bulletin_count: c.bulletin_count,
        fingerprint: c.fingerprint.clone(),
        next_window: c.next_window.clone(),
        freshness_date: c.freshness.date.map(|d| d.to_rfc2822()),
        feeds: c.freshness.sources.len(),
        block_hash: c.freshness.block_hash.clone(),
        letters,
    }
}
