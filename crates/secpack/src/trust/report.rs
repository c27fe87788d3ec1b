//! Verifying a whole pack: every key, every signature, every document, every
//! file, judged from the pinned master key.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::Serialize;

use super::judgecache::{judge, Document, Signed};
use super::keyring::{read_limited, KeyEntry, Keyring};
use super::pin::MasterPin;
use super::signature::{Judgement, MAX_SIGNATURE_BYTES};
use super::tags::{verify_tags, TagReport};
use super::verdict::{signature_counts, KeyStatus, SigStatus, SigWarning};
use crate::bulletin::template::{template_lines, TemplateLine};
use crate::config::{PackConfig, CONFIG_FILE};
use crate::history::vouch;
use crate::history::walk::FindingCode;
use crate::history::{
    verify_head, verify_history, HeadReport, HeadStatus, HistoryReport, Repo, StateReport,
};
use crate::pack::{ConfigTrust, FileClass, Pack, PackFile};

/// Largest document read.
pub const MAX_DOCUMENT_BYTES: u64 = 256 << 20;

/// How to verify.
#[derive(Debug, Clone, Copy, Default)]
pub struct VerifyOptions {
    /// Turn warnings into failures.
    pub strict: bool,
    /// Also verify the git repository's signed tags.
    pub tags: bool,
    /// Also check that a signature by an allowed key vouches for HEAD.
    pub head: bool,
    /// Also walk the history against the `[history]` policy.
    pub history: bool,
}

/// The verdict on one signature of the pack.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureReport {
    /// The signed document, relative to the pack root.
    pub document: String,
    /// The signature file (the document itself when clear-signed).
    pub signature: String,
    /// Signer name from the file name, if any.
    pub signer: Option<String>,
    /// The verdict code.
    pub status: SigStatus,
    /// Warnings (allowed unless `--strict`).
    pub warnings: Vec<SigWarning>,
    /// Primary fingerprint of the key that made it, when known.
    pub key: Option<String>,
    /// The key file holding that key.
    pub key_file: Option<String>,
    /// Creation time the signature states.
    pub created: Option<DateTime<Utc>>,
    /// Hash algorithm.
    pub hash: Option<String>,
    /// Why, in a sentence.
    pub reason: String,
    /// Counts towards the document's threshold (valid, and warning-free
    /// under `--strict`).
    pub ok: bool,
}

/// Whether one document has enough valid signers.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentReport {
    /// The document, relative to the pack root.
    pub path: String,
    /// Distinct keys with a signature that counts.
    pub valid_signers: usize,
    /// Fingerprints of those keys.
    pub signers: Vec<String>,
    /// Distinct valid signers required by the folder's threshold.
    pub required: u32,
    /// `valid_signers >= required`.
    pub ok: bool,
    /// Lines of a bulletin that are still template text (placeholders,
    /// `TODO`, the template's guidance): a draft, signed or not. A warning,
    /// a failure under `--strict` (`template-text`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub template_text: Vec<TemplateLine>,
}

/// A file that is neither key, document nor signature, or was refused.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// Path relative to the pack root.
    pub path: String,
    /// `other` or `refused`.
    pub class: &'static str,
    /// Stable reason code (`unsigned`, `template`, `symlink`...).
    pub code: String,
    /// Why, in a sentence.
    pub reason: String,
    /// Deserves attention (a failure when refused, or under `--strict`).
    pub suspicious: bool,
}

/// The master key as found in the pack.
#[derive(Debug, Clone, Serialize)]
pub struct MasterReport {
    /// The pinned fingerprint.
    pub fingerprint: String,
    /// The key file holding it, if found.
    pub file: Option<String>,
    /// Why it cannot be used, if it cannot.
    pub problem: Option<String>,
    /// Remarks on the pinned key, each starting with a stable code
    /// (`pin-not-master-folder`); failures under `--strict`.
    pub warnings: Vec<String>,
}

/// Counts and the overall verdict.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Everything verified (warnings allowed unless strict).
    pub ok: bool,
    /// Strict mode was on.
    pub strict: bool,
    /// Documents checked.
    pub documents: usize,
    /// Documents meeting their threshold.
    pub documents_ok: usize,
    /// Signatures checked.
    pub signatures: usize,
    /// Signatures by status code.
    pub by_status: BTreeMap<String, usize>,
    /// Signatures carrying each warning code.
    pub by_warning: BTreeMap<String, usize>,
    /// Keys found (entries).
    pub keys: usize,
    /// Keys the master certifies.
    pub keys_certified: usize,
    /// Tags checked (with `--tags`).
    pub tags: usize,
    /// Tags that verified.
    pub tags_ok: usize,
    /// Files reported as other or refused.
    pub other_files: usize,
    /// Entries refused.
    pub refused: usize,
    /// Why the pack does not verify, one sentence each.
    pub failures: Vec<String>,
}

/// Everything `secpack verify` knows about a pack.
#[derive(Debug, Clone, Serialize)]
pub struct PackReport {
    /// The pack root.
    pub pack: String,
    /// The trust root.
    pub master: MasterReport,
    /// Whether `secpack.toml` was signed well enough to apply.
    pub config: ConfigTrust,
    /// Every signature.
    pub signatures: Vec<SignatureReport>,
    /// Every signed tag (with `--tags`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<TagReport>>,
    /// Whether HEAD is vouched for (with `--head`, `--tags` or `--history`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head: Option<HeadReport>,
    /// The history walk (with `--history`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<HistoryReport>,
    /// The state against the remembered one (rollback, freeze).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<StateReport>,
    /// Every key entry.
    pub keys: Vec<KeyEntry>,
    /// Every document and its threshold.
    pub documents: Vec<DocumentReport>,
    /// Files that are neither keys, documents nor signatures.
    pub files: Vec<FileReport>,
    /// Counts and the overall verdict.
    pub summary: Summary,
}

/// Verifies a whole pack from the pinned master key. A pack opened as
/// written has its `secpack.toml` judged first ([`super::config::settle`]).
///
/// `progress` is called once per document verified (from several threads).
pub fn verify_pack(
    pack: &Pack,
    pin: &MasterPin,
    options: VerifyOptions,
    progress: &(dyn Fn() + Sync),
) -> PackReport {
    match super::config::settle(pack.clone(), pin) {
        Ok(v) => verify_settled(&v.pack, v.ring, pin, options, progress),
        Err(e) => PackReport::unreadable(pack, pin, &format!("{e:#}")),
    }
}

/// Verifies a pack whose configuration has been judged
/// ([`super::config::open_verified`]), with the keyring judged with it.
pub fn verify_settled(
    pack: &Pack,
    ring: Keyring,
    pin: &MasterPin,
    options: VerifyOptions,
    progress: &(dyn Fn() + Sync),
) -> PackReport {
    let docs: Vec<&PackFile> = pack.documents().collect();
    let per_doc: Vec<(DocumentReport, Vec<SignatureReport>)> = docs
        .par_iter()
        .map(|doc| {
            let r = verify_document(pack, &ring, doc, options.strict);
            progress();
            r
        })
        .collect();
    tracing::debug!(documents = docs.len(), "documents verified");
    let mut documents = Vec::with_capacity(per_doc.len());
    let mut signatures = Vec::new();
    for (mut d, s) in per_doc {
        if d.path == CONFIG_FILE {
            // The configuration's own threshold and verdict were settled
            // before anything else was classified.
            if let ConfigTrust::Signed { required, .. } | ConfigTrust::Unsigned { required, .. } =
                &pack.config_trust
            {
                d.required = *required;
            }
            d.ok = matches!(pack.config_trust, ConfigTrust::Signed { .. });
        }
        documents.push(d);
        signatures.extend(s);
    }
    let git = options.tags || options.head || options.history;
    // The repository is opened only when the git checks were asked for.
    let repo = git.then(|| Repo::open(&pack.root));
    // HEAD alone needs only the tags that point to it.
    let head_only = !options.tags && !options.history;
    let all_tags = repo.as_ref().map(|repo| match repo {
        Ok(r) if head_only => match r.head() {
            Ok(Some(id)) => verify_tags(&pack.root, &ring, options.strict, Some(&id.to_string())),
            _ => Vec::new(),
        },
        _ => verify_tags(&pack.root, &ring, options.strict, None),
    });
    let (head, history) = match all_tags.as_ref().zip(repo) {
        None => (None, None),
        Some((t, Ok(repo))) => {
            // The tags' vouchers, judged once for HEAD and the walk.
            let by_tag = vouch::from_tags(&ring, &pack.config.history, t, options.strict);
            (
                Some(verify_head(pack, &repo, &ring, &by_tag, options.strict)),
                options
                    .history
                    .then(|| verify_history(pack, &repo, &ring, &by_tag, options.strict)),
            )
        }
        Some((_, Err(e))) => (
            Some(HeadReport::unreadable(&e)),
            options.history.then(|| {
                HistoryReport::failed(FindingCode::RepositoryUnreadable, None, e.to_string())
            }),
        ),
    };
    let tags = all_tags.filter(|_| options.tags);
    let files = other_files(pack);
    let master = MasterReport {
        fingerprint: pin.to_hex(),
        file: ring.master.map(|i| ring.entries[i].file.clone()),
        problem: ring.master_problem.clone(),
        warnings: ring.master_warnings.clone(),
    };
    let summary = summarize(
        &ring,
        &pack.config_trust,
        &documents,
        &signatures,
        tags.as_deref(),
        head.as_ref(),
        history.as_ref(),
        &files,
        &master,
        options,
    );
    PackReport {
        pack: pack.root.display().to_string(),
        master,
        config: pack.config_trust.clone(),
        signatures,
        tags,
        head,
        history,
        state: None,
        keys: ring.entries,
        documents,
        files,
        summary,
    }
}

impl PackReport {
    /// Adds the rollback and freeze findings of the state check to the
    /// verdict (each one fails the run).
    pub fn add_state_findings(&mut self, state: &StateReport) {
        for f in &state.findings {
            self.summary
                .failures
                .push(format!("{} ({})", f.reason, f.code.code()));
        }
        self.summary.ok = self.summary.failures.is_empty();
    }

    /// The report on a pack that could not be classified at all.
    fn unreadable(pack: &Pack, pin: &MasterPin, why: &str) -> Self {
        PackReport {
            pack: pack.root.display().to_string(),
            master: MasterReport {
                fingerprint: pin.to_hex(),
                file: None,
                problem: None,
                warnings: Vec::new(),
            },
            config: pack.config_trust.clone(),
            signatures: Vec::new(),
            tags: None,
            head: None,
            history: None,
            state: None,
            keys: Vec::new(),
            documents: Vec::new(),
            files: Vec::new(),
            summary: Summary {
                failures: vec![format!("the pack cannot be read: {why}")],
                ..Summary::default()
            },
        }
    }
}

/// Verifies every signature of one document and checks its threshold.
pub(crate) fn verify_document(
    pack: &Pack,
    ring: &Keyring,
    doc: &PackFile,
    strict: bool,
) -> (DocumentReport, Vec<SignatureReport>) {
    let FileClass::Document {
        folder,
        signatures,
        clearsigned,
    } = &doc.class
    else {
        unreachable!("only documents are verified");
    };
    // Every signature of the document: its detached signature files, then
    // the document itself when it is clear-signed.
    let sig_paths = signatures
        .iter()
        .map(String::as_str)
        .chain(clearsigned.then_some(doc.path.as_str()));
    let mut reports = Vec::new();
    let mut template_text = Vec::new();
    match read_limited(&pack.path_of(&doc.path), MAX_DOCUMENT_BYTES) {
        Err(e) => {
            // Without the document no signature of it can be judged.
            let reason = format!("the document {e}");
            reports.extend(sig_paths.map(|sig| failed_read(&doc.path, sig, None, &reason)));
        }
        Ok(data) => {
            if pack.config.layout.is_bulletin_text(&doc.path) {
                template_text = template_lines(&String::from_utf8_lossy(&data));
            }
            let data = Document::new(&data);
            for sig_path in sig_paths {
                let (signer, nonstandard, judgements) = if sig_path == doc.path {
                    (None, false, Ok(judge(ring, &data, Signed::Inline)))
                } else {
                    let (signer, nonstandard) = match pack.file(sig_path).map(|f| &f.class) {
                        Some(FileClass::Signature {
                            signer,
                            nonstandard,
                            ..
                        }) => (signer.clone(), *nonstandard),
                        _ => (None, false),
                    };
                    let judgements = read_limited(&pack.path_of(sig_path), MAX_SIGNATURE_BYTES)
                        .map(|sig| judge(ring, &data, Signed::Detached(&sig)));
                    (signer, nonstandard, judgements)
                };
                match judgements {
                    Err(e) => reports.push(failed_read(
                        &doc.path,
                        sig_path,
                        signer,
                        &format!("the signature file {e}"),
                    )),
                    Ok(judgements) => reports.extend(judgements.into_iter().map(|j| {
                        finish(
                            &pack.config,
                            ring,
                            folder,
                            &doc.path,
                            sig_path,
                            signer.clone(),
                            nonstandard,
                            j,
                            strict,
                        )
                    })),
                }
            }
        }
    }
    let signers: BTreeSet<String> = reports
        .iter()
        .filter(|r| r.ok)
        .filter_map(|r| r.key.clone())
        .collect();
    let required = pack.config.required_signers(folder);
    let doc_report = DocumentReport {
        path: doc.path.clone(),
        valid_signers: signers.len(),
        signers: signers.into_iter().collect(),
        required,
        ok: false,
        template_text,
    };
    let ok = doc_report.valid_signers >= required as usize;
    (DocumentReport { ok, ..doc_report }, reports)
}

fn failed_read(doc: &str, sig: &str, signer: Option<String>, reason: &str) -> SignatureReport {
    SignatureReport {
        document: doc.to_string(),
        signature: sig.to_string(),
        signer,
        status: SigStatus::Malformed,
        warnings: Vec::new(),
        key: None,
        key_file: None,
        created: None,
        hash: None,
        reason: reason.to_string(),
        ok: false,
    }
}

/// Adds the pack-level checks (names, roles, retirement) to a judgement.
#[allow(clippy::too_many_arguments)]
fn finish(
    config: &PackConfig,
    ring: &Keyring,
    folder: &str,
    doc: &str,
    sig_path: &str,
    signer: Option<String>,
    nonstandard: bool,
    j: Judgement,
    strict: bool,
) -> SignatureReport {
    let entry = j
        .key
        .as_deref()
        .and_then(|k| k.parse().ok())
        .and_then(|fpr| ring.entry_by_fingerprint(&fpr));
    let mut warnings = j.warnings;
    if j.status == SigStatus::Valid {
        if let Some(e) = entry {
            if let Some(name) = &signer {
                if !signer_matches(config, name, e) {
                    warnings.push(SigWarning::SignerNameMismatch);
                }
            }
            if let Some(roles) = config.allowed_roles(folder) {
                if !roles.iter().any(|r| r == &e.role) {
                    warnings.push(SigWarning::WrongRole);
                }
            }
            if e.retired {
                warnings.push(SigWarning::RetiredKey);
            }
        }
        if nonstandard {
            warnings.push(SigWarning::NonstandardName);
        }
    }
    warnings.sort();
    warnings.dedup();
    let ok = signature_counts(j.status, &warnings, strict);
    SignatureReport {
        document: doc.to_string(),
        signature: sig_path.to_string(),
        signer,
        status: j.status,
        warnings,
        key: j.key,
        key_file: entry.map(|e| e.file.clone()),
        created: j.created,
        hash: j.hash,
        reason: j.reason,
        ok,
    }
}

/// Whether the signer name of a signature file names the key that made it:
/// a team member pinned in `secpack.toml`, the key file's name, or a word of
/// one of its user IDs.
pub fn signer_matches(config: &PackConfig, name: &str, entry: &KeyEntry) -> bool {
    let name = name.to_ascii_lowercase();
    let fpr = entry.fingerprint.as_deref().unwrap_or("");
    for m in config
        .team
        .iter()
        .filter(|m| m.signer.eq_ignore_ascii_case(&name))
    {
        if let Some(pinned) = &m.fingerprint {
            let pinned: String = pinned.chars().filter(|c| !c.is_whitespace()).collect();
            return pinned.eq_ignore_ascii_case(fpr);
        }
    }
    if crate::pack::key_file_names_signer(&entry.file, &name) {
        return true;
    }
    entry.user_ids.iter().any(|u| {
        u.to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| w == name)
    })
}

fn other_files(pack: &Pack) -> Vec<FileReport> {
    pack.files
        .iter()
        .filter_map(|f| match &f.class {
            FileClass::Other { reason } => Some(FileReport {
                path: f.path.clone(),
                class: "other",
                code: serde_json::to_value(reason)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                reason: reason.describe().to_string(),
                suspicious: reason.is_suspicious(),
            }),
            FileClass::Link { target } => Some(FileReport {
                path: f.path.clone(),
                class: "other",
                code: "link".into(),
                reason: format!("link to {target}, read under that name"),
                // Links between key files are a known convention; a link
                // anywhere else deserves a look.
                suspicious: !f.path.starts_with(&format!("{}/", pack.config.layout.keys)),
            }),
            FileClass::Refused { reason } => Some(FileReport {
                path: f.path.clone(),
                class: "refused",
                code: if reason.contains("symbolic link") {
                    "symlink".into()
                } else {
                    "refused".into()
                },
                reason: reason.clone(),
                suspicious: true,
            }),
            _ => None,
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn summarize(
    ring: &Keyring,
    config: &ConfigTrust,
    documents: &[DocumentReport],
    signatures: &[SignatureReport],
    tags: Option<&[TagReport]>,
    head: Option<&HeadReport>,
    history: Option<&HistoryReport>,
    files: &[FileReport],
    master: &MasterReport,
    options: VerifyOptions,
) -> Summary {
    let mut s = Summary {
        strict: options.strict,
        documents: documents.len(),
        documents_ok: documents.iter().filter(|d| d.ok).count(),
        signatures: signatures.len(),
        keys: ring.entries.len(),
        keys_certified: ring
            .entries
            .iter()
            .filter(|e| e.status == KeyStatus::Certified)
            .count(),
        other_files: files.len(),
        refused: files.iter().filter(|f| f.class == "refused").count(),
        ..Summary::default()
    };
    for sig in signatures {
        *s.by_status
            .entry(sig.status.code().to_string())
            .or_default() += 1;
        for w in &sig.warnings {
            *s.by_warning.entry(w.code().to_string()).or_default() += 1;
        }
    }
    if let Some(p) = &master.problem {
        s.failures.push(p.clone());
    }
    if options.strict {
        s.failures
            .extend(master.warnings.iter().map(|w| format!("{w} (strict)")));
    }
    let bad_sigs = signatures.iter().filter(|x| !x.ok).count();
    if bad_sigs > 0 {
        s.failures
            .push(format!("{bad_sigs} signature(s) do not verify"));
    }
    // The configuration's own shortfall is `unsigned-config`, below.
    let below = documents
        .iter()
        .filter(|d| !d.ok && d.path != CONFIG_FILE)
        .count();
    if below > 0 {
        s.failures.push(format!(
            "{below} document(s) have fewer valid signers than required"
        ));
    }
    let drafts = documents
        .iter()
        .filter(|d| !d.template_text.is_empty())
        .count();
    if drafts > 0 && options.strict {
        s.failures.push(format!(
            "{drafts} bulletin(s) still hold template text (template-text, strict)"
        ));
    }
    if let (ConfigTrust::Unsigned { ignored, .. }, true) = (config, options.strict) {
        s.failures.push(if ignored.is_empty() {
            format!("{CONFIG_FILE} is not signed by enough team members (unsigned-config, strict)")
        } else {
            format!(
                "{CONFIG_FILE} is not signed by enough team members: its {} settings were \
                 ignored (unsigned-config, strict)",
                ignored.join(", ")
            )
        });
    }
    let malformed_keys = ring
        .entries
        .iter()
        .filter(|e| e.status == KeyStatus::Malformed)
        .count();
    if malformed_keys > 0 {
        s.failures
            .push(format!("{malformed_keys} key file(s) cannot be read"));
    }
    if s.refused > 0 {
        s.failures.push(format!(
            "{} entr(ies) refused (links or special files)",
            s.refused
        ));
    }
    if options.strict {
        let suspicious = files
            .iter()
            .filter(|f| f.suspicious && f.class == "other")
            .count();
        if suspicious > 0 {
            s.failures
                .push(format!("{suspicious} unsigned or stray file(s) (strict)"));
        }
    }
    if let Some(tags) = tags {
        s.tags = tags.len();
        s.tags_ok = tags.iter().filter(|t| t.ok).count();
        if s.tags_ok < s.tags {
            s.failures
                .push(format!("{} tag(s) do not verify", s.tags - s.tags_ok));
        }
    }
    if let Some(h) = head {
        if h.status != HeadStatus::Covered {
            s.failures.push(format!(
                "HEAD is not vouched for: {} ({})",
                h.reason,
                h.status.code()
            ));
        } else if !h.ok {
            s.failures.push(format!(
                "{} file(s) of the work tree differ from HEAD (worktree-changed, strict)",
                h.worktree_changes.len()
            ));
        }
    }
    if let Some(h) = history {
        let failing: Vec<&str> = h
            .findings
            .iter()
            .filter(|f| f.fails)
            .map(|f| f.code.code())
            .collect();
        if !failing.is_empty() {
            let mut codes: BTreeMap<&str, usize> = BTreeMap::new();
            for c in failing {
                *codes.entry(c).or_default() += 1;
            }
            let list: Vec<String> = codes.iter().map(|(c, n)| format!("{n} {c}")).collect();
            s.failures.push(format!(
                "the history does not follow the policy: {}",
                list.join(", ")
            ));
        }
    }
    s.ok = s.failures.is_empty();
    s
}
