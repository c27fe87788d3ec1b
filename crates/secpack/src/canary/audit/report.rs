//! What the audit reports: its options, the files it reads, and the report
//! itself with its findings, each with a stable code and a severity.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::canary::parse::Canary;
use crate::canary::window::Window;

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

/// What `c`, read from `file`, says, with the letters published beside it.
pub(super) fn summary(file: &CanaryFile, c: &Canary, letters: Vec<String>) -> CanarySummary {
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
