//! Reading everything the pages show from the pack and the trust engine's
//! report, once for every language.

use std::collections::{BTreeMap, BTreeSet};

use secpack::bulletin::index::index;
use secpack::bulletin::{bulletin_id, document_id, BulletinHeader};
use secpack::canary::audit::{audit_pack, AuditOptions, DocumentSigners};
use secpack::fsutil::read_capped;
use secpack::pack::{NumberedName, Pack};
use secpack::tracker::{stats, store, Affected, Tracker};
use secpack::trust::pin::{group_fingerprint, FingerprintLayout};
use secpack::trust::report::{DocumentReport, SignatureReport};
use secpack::trust::verdict::KeyStatus;
use secpack::trust::PackReport;

use super::views::{
    ContactView, Data, DigestView, DocView, KeyGroup, KeyView, MemberView, SigLink, SigView,
    TrackerRow, TrackerStats, TrackerView, TrustView,
};
use super::{RenderedSite, SiteOptions, PACK_COPY};
use crate::error::SiteError;
use crate::mount::Mount;
use crate::security_txt::contact_uri;

/// Largest canary shown on a page.
const MAX_DOCUMENT_BYTES: u64 = 4 << 20;

/// Reads everything the pages show.
pub(super) fn gather(
    pack: &Pack,
    report: &PackReport,
    options: &SiteOptions<'_>,
    site: &mut RenderedSite,
) -> Result<Data, SiteError> {
    let config = &pack.config;
    let mut sigs_by_doc: BTreeMap<&str, Vec<&SignatureReport>> = BTreeMap::new();
    for s in &report.signatures {
        sigs_by_doc.entry(&s.document).or_default().push(s);
    }
    let docs_by_path: BTreeMap<&str, &DocumentReport> = report
        .documents
        .iter()
        .map(|d| (d.path.as_str(), d))
        .collect();

    let mut copy = |rel: &str| {
        site.copies
            .insert(format!("{PACK_COPY}/{rel}"), pack.path_of(rel));
    };
    let upstream_prefix = config.project.upstream_id_prefix.clone();
    // A bulletin or canary as the pages show it, with its signatures.
    let mut doc_view =
        |id: String, name: &NumberedName, path: &str, text: String, header: BulletinHeader| {
            copy(path);
            let signatures: Vec<SigView> = sigs_by_doc
                .get(path)
                .into_iter()
                .flatten()
                .map(|s| {
                    if s.signature != s.document {
                        copy(&s.signature);
                    }
                    SigView {
                        who: s.signer.clone(),
                        status: s.status.code(),
                        ok: s.ok,
                        key: s.key.clone(),
                        warnings: s.warnings.iter().map(|w| w.code()).collect(),
                        reason: s.reason.clone(),
                        file: format!("{PACK_COPY}/{}", s.signature),
                    }
                })
                .collect();
            let doc = docs_by_path.get(path);
            let file = path.rsplit('/').next().unwrap_or(path);
            DocView {
                id,
                stem: file.strip_suffix(".txt").unwrap_or(file).to_string(),
                number: name.number,
                date: header.date.map(|d| d.to_string()),
                title: header.title,
                raw: format!("{PACK_COPY}/{path}"),
                text,
                signatures,
                ok: doc.is_some_and(|d| d.ok),
                valid: doc.map_or(0, |d| d.valid_signers),
                required: doc.map_or(0, |d| d.required),
                bulletin_count: None,
                next_window: None,
            }
        };
    let bulletins: Vec<DocView> = index(pack, Some(report))?
        .into_iter()
        .map(|b| doc_view(b.id, &b.name, &b.path, b.text, b.header))
        .collect();
    let audit = audit_pack(
        pack,
        &AuditOptions {
            now: options.now.date_naive(),
            master: Some(report.master.fingerprint.clone()),
            signatures: Some(DocumentSigners::from_report(report)),
            since: None,
        },
    );
    let mut canaries = Vec::new();
    for (name, file) in pack.canaries() {
        let text = read_document(pack, &file.path)?;
        let header = BulletinHeader::parse(&text, &upstream_prefix);
        let id = document_id("canary", &name);
        let mut view = doc_view(id, &name, &file.path, text, header);
        if let Some(summary) = audit.canaries.iter().find(|c| c.path == file.path) {
            view.date = summary.date.map(|d| d.to_string()).or(view.date);
            view.bulletin_count = summary.bulletin_count;
            view.next_window = summary
                .next_window
                .as_ref()
                .map(|w| format!("{} – {}", w.start, w.end));
        }
        // A canary's "title" is its banner, not a bulletin title.
        view.title = None;
        canaries.push(view);
    }

    let tracker_path = pack.path_of(&config.tracker.file);
    let tracker =
        store::load_if_present(&tracker_path)?.map(|t| tracker_view(&t, config, &bulletins));

    let mut groups: BTreeMap<String, Vec<KeyView>> = BTreeMap::new();
    for k in &report.keys {
        copy(&k.file);
        groups.entry(k.role.clone()).or_default().push(KeyView {
            file: k.file.clone(),
            href: format!("{PACK_COPY}/{}", k.file),
            fingerprint: k
                .fingerprint
                .as_deref()
                .map(|f| group_fingerprint(f, FingerprintLayout::Groups)),
            user_ids: k.user_ids.clone(),
            status: k.status.code(),
            trusted: k.status.is_trusted(),
            certified: k.status == KeyStatus::Certified,
            retired: k.retired,
            revoked: k.revoked,
        });
    }
    // Release digest files that verify, with their signatures: counted on the
    // hub, so published and linked there. Those that do not verify are not.
    let digest_folder = format!("{}/", config.layout.digests);
    let mut digests = Vec::new();
    for d in report
        .documents
        .iter()
        .filter(|d| d.path.starts_with(&digest_folder))
    {
        if !d.ok {
            site.summary.notices.push(format!(
                "the digest file {} does not verify: not published",
                d.path
            ));
            continue;
        }
        copy(&d.path);
        let signatures = sigs_by_doc
            .get(d.path.as_str())
            .into_iter()
            .flatten()
            .filter(|s| s.ok && s.signature != s.document)
            .map(|s| {
                copy(&s.signature);
                SigLink {
                    who: s.signer.clone(),
                    href: format!("{PACK_COPY}/{}", s.signature),
                }
            })
            .collect();
        digests.push(DigestView {
            name: d.path[digest_folder.len()..].to_string(),
            href: format!("{PACK_COPY}/{}", d.path),
            clearsigned: sigs_by_doc
                .get(d.path.as_str())
                .is_some_and(|v| v.iter().any(|s| s.ok && s.signature == s.document)),
            signatures,
        });
    }
    site.summary.digests = digests.len();

    // The master's role first, then alphabetical.
    let mut key_groups: Vec<KeyGroup> = groups
        .into_iter()
        .map(|(role, keys)| KeyGroup { role, keys })
        .collect();
    key_groups.sort_by_key(|g| (g.role != secpack::config::ROLE_MASTER, g.role.clone()));

    let member = |m: &secpack::config::TeamMember| MemberView {
        name: m.name.clone(),
        role: m.role.clone(),
        signer: m.signer.clone(),
    };
    let master_file = report
        .master
        .file
        .clone()
        .unwrap_or_else(|| format!("{}/master-key/<master-key>.asc", config.layout.keys));
    let team_keys = format!(
        "{}/{}/*.asc",
        config.layout.keys,
        secpack::config::ROLE_SECURITY_TEAM
    );
    let (example_doc, example_sig) = bulletins
        .last()
        .and_then(|b| {
            b.signatures.first().map(|s| {
                (
                    b.raw
                        .trim_start_matches(&format!("{PACK_COPY}/"))
                        .to_string(),
                    s.file
                        .trim_start_matches(&format!("{PACK_COPY}/"))
                        .to_string(),
                )
            })
        })
        .unwrap_or_else(|| {
            let doc = format!(
                "{}/{}-001-2025.txt",
                config.layout.bulletins, config.layout.bulletin_prefix
            );
            (doc.clone(), format!("{doc}.sig.alice"))
        });
    Ok(Data {
        mount: Mount::default(),
        published: BTreeSet::new(),
        project: config.project.name.clone(),
        team_name: config.project.team_name.clone(),
        upstream: config.project.upstream_name.clone(),
        upstream_prefix,
        trust: TrustView {
            ok: report.summary.ok,
            master: group_fingerprint(&report.master.fingerprint, FingerprintLayout::Groups),
            failures: report.summary.failures.clone(),
            documents: report.summary.documents,
            documents_ok: report.summary.documents_ok,
        },
        bulletins,
        canaries,
        digests,
        audit,
        tracker,
        key_groups,
        current: config
            .team
            .iter()
            .filter(|m| !m.emeritus)
            .map(member)
            .collect(),
        emeritus: config
            .team
            .iter()
            .filter(|m| m.emeritus)
            .map(member)
            .collect(),
        contact: config.project.contact.as_deref().and_then(|c| {
            contact_uri(c).map(|href| ContactView {
                text: c.trim().trim_start_matches("mailto:").to_string(),
                href,
            })
        }),
        master_file,
        team_keys,
        example_doc,
        example_sig,
    })
}

/// A canary's text (bytes that are not UTF-8 replaced).
fn read_document(pack: &Pack, rel: &str) -> Result<String, SiteError> {
    let bytes = read_capped(&pack.path_of(rel), MAX_DOCUMENT_BYTES)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn tracker_view(
    tracker: &Tracker,
    config: &secpack::config::PackConfig,
    bulletins: &[DocView],
) -> TrackerView {
    let upstream_prefix = &config.project.upstream_id_prefix;
    let stems: BTreeMap<(u32, String), &str> = bulletins
        .iter()
        .map(|b| {
            let year = b.stem.rsplit('-').next().unwrap_or("").to_string();
            ((b.number, year), b.stem.as_str())
        })
        .collect();
    let anchor_prefix = upstream_prefix.to_ascii_lowercase();
    let rows = tracker
        .rows()
        .iter()
        .map(|r| TrackerRow {
            number: r.number,
            anchor: format!("{anchor_prefix}-{}", r.number),
            date: r.date.map(|d| d.to_string()),
            affected: match r.affected {
                Affected::Yes => "yes",
                Affected::No => "no",
                Affected::Tba => "tba",
            },
            bulletin: r.bulletin.map(|b| bulletin_id(config, b.number, b.year)),
            bulletin_stem: r.bulletin.and_then(|b| {
                stems
                    .get(&(b.number, b.year.to_string()))
                    .map(|s| s.to_string())
            }),
            unused: r.unused,
            title: r.title.clone(),
            mitigation: r.mitigation.clone(),
        })
        .collect();
    let s = stats::compute(tracker.rows());
    TrackerView {
        rows,
        stats: TrackerStats {
            first: s.first.map(|d| d.to_string()),
            last: s.last.map(|d| d.to_string()),
            published: s.published,
            affected: s.affected,
            tba: s.tba,
            percent: format!("{:.2}", s.percentage),
        },
    }
}
