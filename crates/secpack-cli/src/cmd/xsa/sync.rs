//! `xsa sync`.

use std::time::Duration;

use anyhow::Result;
use secpack::tracker::sync::{self, Change};
use serde::Serialize;

use super::{open, prefix, PackArg};
use crate::escape::safe;
use crate::output::{paint, print_json, DIM, GOOD, HEAD, WARN};
use crate::GlobalArgs;

/// What `xsa sync` reports.
#[derive(Serialize)]
struct SyncReport<'a> {
    source: &'a str,
    dry_run: bool,
    #[serde(flatten)]
    outcome: sync::SyncOutcome,
}

pub(super) fn run(
    pack: &PackArg,
    from: &str,
    dry_run: bool,
    timeout: u64,
    global: &GlobalArgs,
) -> Result<u8> {
    let (pack, path) = open(pack)?;
    // A source that cannot be fetched or read is a failure (exit 1).
    let outcome = sync::sync_file(&path, from, Duration::from_secs(timeout), dry_run)?;
    let report = SyncReport {
        source: from,
        dry_run,
        outcome,
    };
    if global.json {
        print_json(&report)?;
        return Ok(crate::EXIT_OK);
    }
    let outcome = &report.outcome;
    for w in &outcome.warnings {
        anstream::eprintln!("{} {}", paint(WARN, "warning:"), safe(w));
    }
    for c in &outcome.changes {
        let word = match c {
            Change::Added { .. } => paint(GOOD, "added  "),
            Change::DateDiffers { .. } => paint(WARN, "kept   "),
            _ => paint(HEAD, "updated"),
        };
        anstream::println!("{word} {}", safe(c.describe(prefix(&pack))));
    }
    let summary = format!(
        "{} upstream advisories, {} changes",
        outcome.upstream_advisories,
        outcome.changes.iter().filter(|c| c.is_applied()).count()
    );
    let tail = match (dry_run, outcome.written) {
        (true, _) => "dry run, nothing written".to_string(),
        (false, true) => format!("{} written", safe(&pack.config.tracker.file)),
        (false, false) => "tracker unchanged".to_string(),
    };
    anstream::println!("{}", paint(DIM, format!("{summary}; {tail}")));
    Ok(crate::EXIT_OK)
}
