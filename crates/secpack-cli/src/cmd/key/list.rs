//! `secpack key list`.

use anyhow::Result;
use secpack::keys;
use secpack::pack::Pack;
use secpack::trust::keyring::{KeyEntry, Keyring};

use super::ListArgs;
use crate::escape::safe;
use crate::output::{paint, print_json, BAD, DIM, GOOD, WARN};
use crate::GlobalArgs;

/// Lists the keys with the trust the pinned master gives them (unjudged
/// without a pin).
pub(super) fn run(pack: &Pack, args: ListArgs, global: &GlobalArgs) -> Result<u8> {
    // Only the verdict needs the pin: without one, the facts are listed.
    let pin = args.trust.pin_if_any()?;
    let ring = match &pin {
        Some(pin) => Keyring::load(pack, pin),
        None => Keyring::unjudged(pack),
    };
    let rows: Vec<KeyRow<'_>> = ring
        .entries
        .iter()
        .enumerate()
        .map(|(i, entry)| KeyRow {
            name: keys::owner_name(pack, entry),
            verdict: match (ring.judged, entry.cert().is_some()) {
                (false, true) => Some(UNJUDGED),
                _ => None,
            },
            pin_warnings: if ring.master == Some(i) {
                ring.master_warnings.clone()
            } else {
                Vec::new()
            },
            entry,
        })
        .collect();
    if global.json {
        // Unjudged keys have no verdict: their status says so.
        let mut values = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut v = serde_json::to_value(row)?;
            if let Some(verdict) = row.verdict {
                v["status"] = verdict.into();
            }
            values.push(v);
        }
        print_json(&values)?;
        return Ok(crate::EXIT_OK);
    }
    if !ring.judged {
        anstream::eprintln!(
            "{} no master key fingerprint is pinned: keys are listed unjudged (give --master \
             FPR, SECPACK_MASTER or `master = \"...\"` in the user config for the verdicts)",
            paint(WARN, "note:")
        );
    }
    for row in &rows {
        let e = row.entry;
        let (style, code) = match row.verdict {
            Some(v) => (DIM, v),
            None if e.status.is_trusted() => (GOOD, e.status.code()),
            None => (BAD, e.status.code()),
        };
        let day = |d: Option<chrono::DateTime<chrono::Utc>>| {
            d.map_or("-".to_string(), |d| d.format("%Y-%m-%d").to_string())
        };
        anstream::println!(
            "{} {} {} {}",
            paint(style, format!("[{code}]")),
            safe(row.name.as_deref().unwrap_or("-")),
            safe(&e.file),
            safe(e.fingerprint.as_deref().unwrap_or("-"))
        );
        let uses = if e.capabilities.is_empty() {
            String::new()
        } else {
            format!(" ({})", e.capabilities.join(", "))
        };
        anstream::println!(
            "    role {}{uses}, created {}, expires {}, certified {}{}{}",
            safe(&e.role),
            day(e.created),
            day(e.expires),
            day(e.certified),
            if e.retired { ", retired" } else { "" },
            if e.revoked { ", REVOKED" } else { "" }
        );
        if (row.verdict.is_none() && !e.status.is_trusted()) || e.cert().is_none() {
            anstream::println!("    {}", paint(WARN, safe(&e.reason)));
        }
        for w in e.warnings.iter().chain(&row.pin_warnings) {
            anstream::println!("    {} {}", paint(WARN, "warning:"), safe(w));
        }
    }
    Ok(crate::EXIT_OK)
}

/// The verdict `key list` shows when no master key is pinned.
const UNJUDGED: &str = "unjudged";

/// One row of `key list`: who the key belongs to, and the trust engine's
/// verdict on it.
#[derive(serde::Serialize)]
struct KeyRow<'a> {
    /// The team member's name, else the name of the key's first user ID.
    name: Option<String>,
    /// `unjudged` when no master key is pinned: shown instead of the
    /// status, which is then no verdict.
    #[serde(skip)]
    verdict: Option<&'static str>,
    /// On the pinned key: remarks on the pin (`pin-not-master-folder`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pin_warnings: Vec<String>,
    #[serde(flatten)]
    entry: &'a KeyEntry,
}
