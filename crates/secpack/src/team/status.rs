//! What needs the team's attention: documents below their signer threshold
//! and who has yet to sign them, the next canary, tracker rows awaiting
//! triage, keys about to expire, unsigned files, and a HEAD nobody vouched
//! for or work left uncommitted.
//!
//! [`status`] works on results already computed (the trust engine's
//! [`PackReport`], the canary [`AuditReport`], the tracker), so that it
//! judges nothing twice; [`pack_status`] computes them for a pack.

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::canary::audit::{audit_pack, AuditOptions, AuditReport, DocumentSigners, FindingKind};
use crate::config::PackConfig;
use crate::history::repo::some_paths;
use crate::history::HeadStatus;
use crate::pack::Pack;
use crate::tracker::{store, Affected, Tracker};
use crate::trust::keyring::KeyEntry;
use crate::trust::pin::MasterPin;
use crate::trust::report::signer_matches;
use crate::trust::report::DocumentReport;
use crate::trust::verdict::KeyStatus;
use crate::trust::{verify_pack, PackReport, VerifyOptions};

/// Keys expiring within this many days are reported.
pub const KEY_EXPIRY_NOTICE_DAYS: u64 = 90;

/// Everything [`status`] looks at.
pub struct StatusInputs<'a> {
    /// The day the status is for.
    pub now: NaiveDate,
    /// The trust engine's verdict on the pack.
    pub report: &'a PackReport,
    /// The canary audit (of the latest canary).
    pub canaries: &'a AuditReport,
    /// The tracker: `None` when the pack has none, `Err` when it cannot be
    /// read.
    pub tracker: Option<Result<&'a Tracker, String>>,
}

/// The status of a pack.
#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    /// The day it is for.
    pub now: NaiveDate,
    /// When the next canary is due (end of the latest canary's promised
    /// window), when known.
    pub next_canary_due: Option<NaiveDate>,
    /// What needs attention, grouped by kind in this order.
    pub items: Vec<Item>,
}

/// One thing that needs attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// The group it belongs to.
    pub kind: ItemKind,
    /// Stable code.
    pub code: String,
    /// The file, key or advisory it is about.
    pub subject: String,
    /// A sentence a person understands.
    pub message: String,
    /// For documents below their threshold: members who may sign it and
    /// have not.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_signers: Vec<String>,
}

/// Groups of [`Item`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemKind {
    /// Documents that lack signatures.
    Signatures,
    /// The canary series.
    Canary,
    /// The upstream-advisory tracker.
    Tracker,
    /// Keys of the pack.
    Keys,
    /// Files that are neither signed nor known.
    Files,
    /// The pack's git state: HEAD and the work tree.
    State,
}

impl StatusReport {
    /// Nothing needs attention.
    pub fn is_clear(&self) -> bool {
        self.items.is_empty()
    }
}

/// Runs the trust engine, the audit of the latest canary and reads the
/// tracker, then reports what needs attention on `now`.
pub fn pack_status(pack: &Pack, pin: &MasterPin, now: NaiveDate) -> StatusReport {
    let options = VerifyOptions {
        head: true,
        ..VerifyOptions::default()
    };
    let report = verify_pack(pack, pin, options, &|| {});
    let latest = pack
        .canaries()
        .iter()
        .filter(|(n, _)| n.suffix.is_none())
        .map(|(n, _)| n.number)
        .max();
    let options = AuditOptions {
        now,
        master: Some(pin.to_hex()),
        signatures: Some(DocumentSigners::from_report(&report)),
        since: latest,
    };
    let canaries = audit_pack(pack, &options);
    let tracker_path = pack.path_of(&pack.config.tracker.file);
    let tracker = store::load_if_present(&tracker_path).map_err(|e| format!("{e:#}"));
    let inputs = StatusInputs {
        now,
        report: &report,
        canaries: &canaries,
        tracker: match &tracker {
            Ok(Some(t)) => Some(Ok(t)),
            Ok(None) => None,
            Err(e) => Some(Err(e.clone())),
        },
    };
    status(&pack.config, &inputs)
}

/// What needs attention, from results already computed.
pub fn status(config: &PackConfig, inputs: &StatusInputs<'_>) -> StatusReport {
    let mut items = Vec::new();
    for doc in inputs.report.documents.iter().filter(|d| !d.ok) {
        items.push(below_threshold(config, inputs.report, doc));
    }
    canary_items(inputs, &mut items);
    tracker_items(inputs, &config.tracker.file, &mut items);
    key_items(&inputs.report.keys, inputs.now, &mut items);
    for f in inputs.report.files.iter().filter(|f| f.suspicious) {
        let code = if f.code == "unsigned" {
            "unsigned-file"
        } else {
            "stray-file"
        };
        items.push(item(
            ItemKind::Files,
            code,
            &f.path,
            format!("{}: {}", f.path, f.reason),
        ));
    }
    state_items(inputs.report, &mut items);
    items.sort_by_key(|i| i.kind);
    StatusReport {
        now: inputs.now,
        next_canary_due: inputs.canaries.latest.as_ref().and_then(|l| l.next_due),
        items,
    }
}

/// A HEAD no allowed signature vouches for, and files of the work tree that
/// differ from HEAD, once the pack has a commit (the report judged HEAD).
fn state_items(report: &PackReport, items: &mut Vec<Item>) {
    let Some(head) = &report.head else { return };
    if !matches!(head.status, HeadStatus::Covered | HeadStatus::UncoveredHead) {
        return;
    }
    let commit = head.commit.as_deref().unwrap_or("HEAD");
    let short = commit.get(..12).unwrap_or(commit);
    if head.status == HeadStatus::UncoveredHead {
        items.push(item(
            ItemKind::State,
            "uncovered-head",
            short,
            head.reason.clone(),
        ));
    }
    let changes = &head.worktree_changes;
    if !changes.is_empty() {
        items.push(item(
            ItemKind::State,
            "worktree-changed",
            "work tree",
            format!(
                "{} file(s) differ from HEAD ({}): commit them, then vouch for the new \
                 HEAD with `secpack tag --as NAME`",
                changes.len(),
                some_paths(changes),
            ),
        ));
    }
}

fn item(kind: ItemKind, code: &str, subject: &str, message: String) -> Item {
    Item {
        kind,
        code: code.to_string(),
        subject: subject.to_string(),
        message,
        missing_signers: Vec::new(),
    }
}

/// A signer who may sign in a folder, and the fingerprints of their keys.
struct Candidate {
    name: String,
    keys: Vec<String>,
}

/// Who may sign documents in `folder`: the `[[team]]` members (not emeritus)
/// with a current certified key of an allowed role that can sign; without a
/// `[[team]]` table, the owners of such keys, named by the start of their
/// file name. A key that cannot sign (the team's encryption-only report key)
/// owes no signature.
fn candidates(config: &PackConfig, keys: &[KeyEntry], folder: &str) -> Vec<Candidate> {
    let allowed = config.allowed_roles(folder);
    let usable: Vec<&KeyEntry> = keys
        .iter()
        .filter(|k| {
            k.status == KeyStatus::Certified
                && !k.retired
                && !k.revoked
                && k.can_sign()
                && allowed.is_none_or(|roles| roles.contains(&k.role))
        })
        .collect();
    let fingerprints =
        |ks: Vec<&&KeyEntry>| ks.iter().filter_map(|k| k.fingerprint.clone()).collect();
    let mut out: Vec<Candidate> = if config.team.is_empty() {
        let mut names: Vec<String> = usable
            .iter()
            .map(|k| {
                let stem = k.file_stem();
                stem.split(['-', '_']).next().unwrap_or(&stem).to_string()
            })
            .collect();
        names.sort();
        names.dedup();
        names
            .into_iter()
            .map(|name| {
                let keys = usable
                    .iter()
                    .filter(|k| signer_matches(config, &name, k))
                    .collect();
                Candidate {
                    keys: fingerprints(keys),
                    name,
                }
            })
            .collect()
    } else {
        config
            .team
            .iter()
            .filter(|m| !m.emeritus && !m.signer.is_empty())
            .map(|m| {
                let keys = usable
                    .iter()
                    .filter(|k| signer_matches(config, &m.signer, k))
                    .collect();
                Candidate {
                    name: m.signer.clone(),
                    keys: fingerprints(keys),
                }
            })
            .collect()
    };
    out.retain(|c| !c.keys.is_empty());
    out
}

fn below_threshold(config: &PackConfig, report: &PackReport, doc: &DocumentReport) -> Item {
    let folder = doc.path.split('/').next().unwrap_or("");
    let candidates = candidates(config, &report.keys, folder);
    let missing: Vec<String> = candidates
        .iter()
        .filter(|c| !c.keys.iter().any(|k| doc.signers.contains(k)))
        .map(|c| c.name.clone())
        .collect();
    let who = if candidates.is_empty() {
        format!("no team member holds a current certified key that may sign in {folder}/")
    } else if missing.is_empty() {
        "every team member who may sign it has signed".to_string()
    } else {
        format!("not signed yet by {}", missing.join(", "))
    };
    Item {
        missing_signers: missing,
        ..item(
            ItemKind::Signatures,
            "below-threshold",
            &doc.path,
            format!(
                "{} has {} of the {} valid signatures it needs; {who}",
                doc.path, doc.valid_signers, doc.required
            ),
        )
    }
}

fn canary_items(inputs: &StatusInputs<'_>, items: &mut Vec<Item>) {
    let audit = inputs.canaries;
    for f in &audit.findings {
        // Missing signatures are reported with the other documents.
        if f.severity != crate::canary::Severity::Alert
            || f.kind == FindingKind::SignaturesBelowThreshold
        {
            continue;
        }
        let subject = f
            .document
            .clone()
            .or_else(|| f.canary.map(|n| format!("canary {n}")))
            .unwrap_or_else(|| "canaries".into());
        items.push(item(
            ItemKind::Canary,
            &format!("canary-{}", f.kind.code()),
            &subject,
            f.detail.clone(),
        ));
    }
    let window = audit.latest.as_ref().and_then(|l| {
        let summary = audit.canaries.iter().find(|c| c.number == l.number)?;
        Some((l, summary.next_window.as_ref()?))
    });
    if let Some((latest, window)) = window {
        if !audit.overdue && inputs.now >= window.start {
            items.push(item(
                ItemKind::Canary,
                "canary-due",
                &latest.path,
                format!(
                    "the next canary is due now: canary {} promised it {} (by {})",
                    latest.number, window.phrase, window.end
                ),
            ));
        }
    }
}

fn tracker_items(inputs: &StatusInputs<'_>, file: &str, items: &mut Vec<Item>) {
    match &inputs.tracker {
        None => {}
        Some(Err(e)) => items.push(item(
            ItemKind::Tracker,
            "tracker-unreadable",
            file,
            format!("the tracker cannot be read: {e}"),
        )),
        Some(Ok(tracker)) => {
            for row in tracker
                .rows()
                .iter()
                .filter(|r| r.affected == Affected::Tba && r.is_published())
            {
                let since = row
                    .date
                    .map_or(String::new(), |d| format!(" (published {d})"));
                items.push(item(
                    ItemKind::Tracker,
                    "tracker-awaiting-triage",
                    &format!("advisory {}", row.number),
                    format!(
                        "upstream advisory {}{since} awaits triage: is the project affected?",
                        row.number
                    ),
                ));
            }
        }
    }
}

fn key_items(keys: &[KeyEntry], now: NaiveDate, items: &mut Vec<Item>) {
    let horizon = now + Days::new(KEY_EXPIRY_NOTICE_DAYS);
    for k in keys.iter().filter(|k| {
        !k.retired && !k.revoked && matches!(k.status, KeyStatus::Master | KeyStatus::Certified)
    }) {
        let Some(expires) = k.expires.map(|e| e.date_naive()) else {
            continue;
        };
        if expires < now {
            items.push(item(
                ItemKind::Keys,
                "key-expired",
                &k.file,
                format!(
                    "the key {} expired on {expires}: extend it or retire it",
                    k.file
                ),
            ));
        } else if expires <= horizon {
            items.push(item(
                ItemKind::Keys,
                "key-expiring",
                &k.file,
                format!(
                    "the key {} expires on {expires}, in {} day(s): extend it",
                    k.file,
                    (expires - now).num_days()
                ),
            ));
        }
    }
}
