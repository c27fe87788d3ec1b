//! What the trust engine decides before anything is exported: only bulletins
//! whose signatures meet their folder's threshold become advisories. (Only a
//! current security-team key the pinned master certifies signs them:
//! [`crate::signing::check_trusted_signer`].)

use super::{Finding, PackBulletin};
use crate::trust::PackReport;

/// Keeps the bulletins that verify in `report`, together with their sidecar
/// when they have one. Each one that does not gets a finding
/// (`unverified-bulletin`, `unverified-sidecar`) and is left out, or, with
/// `include_unverified`, kept with the finding `...-included`.
pub fn keep_verified(
    bulletins: Vec<PackBulletin>,
    report: &PackReport,
    include_unverified: bool,
    findings: &mut Vec<Finding>,
) -> Vec<PackBulletin> {
    let mut kept = Vec::with_capacity(bulletins.len());
    for b in bulletins {
        let problem = unverified(report, &b.path)
            .map(|why| ("bulletin", format!("its signatures do not verify ({why})")))
            .or_else(|| {
                let sidecar = b.sidecar.as_deref()?;
                let why = unverified(report, sidecar)?;
                Some((
                    "sidecar",
                    format!("its sidecar {sidecar} changes it but does not verify ({why})"),
                ))
            });
        let Some((what, message)) = problem else {
            kept.push(b);
            continue;
        };
        let (code, outcome) = match (what, include_unverified) {
            ("bulletin", true) => (
                "unverified-bulletin-included",
                "exported anyway (--include-unverified)",
            ),
            ("bulletin", false) => ("unverified-bulletin", "not exported"),
            (_, true) => (
                "unverified-sidecar-included",
                "exported anyway (--include-unverified)",
            ),
            (_, false) => ("unverified-sidecar", "not exported"),
        };
        findings.push(Finding {
            code,
            path: b.path.clone(),
            message: format!("{message}: {outcome}"),
        });
        if include_unverified {
            kept.push(b);
        }
    }
    kept
}

/// Why the document at `path` does not meet its threshold, or `None` when it
/// does.
fn unverified(report: &PackReport, path: &str) -> Option<String> {
    match report.documents.iter().find(|d| d.path == path) {
        Some(d) if d.ok => None,
        Some(d) => Some(format!(
            "{} of the {} valid signatures it needs",
            d.valid_signers, d.required
        )),
        None => Some("the trust engine did not judge it".to_string()),
    }
}
