//! `secpack qsb revise N --summary TEXT` and `secpack qsb withdraw N --reason
//! TEXT`: record a revision or the withdrawal of a bulletin in its sidecar.

use anyhow::Result;
use chrono::NaiveDate;
use secpack::bulletin::ids::resolve_bulletin;
use secpack::bulletin::lifecycle::{self, LifecycleEdit, LifecycleError};
use secpack::pack::Pack;

use crate::escape::safe;
use crate::output::{paint, print_json, DIM, GOOD, WARN};
use crate::GlobalArgs;

/// Record a revision of a bulletin: a `[[revisions]]` entry in its sidecar
/// (created when missing). The export dates it from the git commit that
/// adds it (or, without git, from --date). The sidecar then needs signing
/// again.
#[derive(Debug, clap::Args)]
pub struct ReviseArgs {
    /// The bulletin: 1, 001, 001-2026 or QSB-001-2026.
    pub bulletin: String,
    /// What changed, in one line.
    #[arg(long)]
    pub summary: String,
    /// The day of the revision, YYYY-MM-DD (default: today, UTC).
    #[arg(long)]
    pub date: Option<NaiveDate>,
}

/// Withdraw a bulletin: `[withdrawn]` in its sidecar, with the reason. The
/// OSV record then carries `withdrawn`, the CSAF document a last revision
/// saying so. The sidecar then needs signing again.
#[derive(Debug, clap::Args)]
pub struct WithdrawArgs {
    /// The bulletin: 1, 001, 001-2026 or QSB-001-2026.
    pub bulletin: String,
    /// Why it is withdrawn, in one line.
    #[arg(long)]
    pub reason: String,
    /// The day of the withdrawal, YYYY-MM-DD (default: today, UTC).
    #[arg(long)]
    pub date: Option<NaiveDate>,
}

/// Runs `qsb revise`.
pub fn revise(pack: &Pack, args: ReviseArgs, global: &GlobalArgs) -> Result<u8> {
    let date = args.date.unwrap_or_else(today);
    apply(pack, &args.bulletin, global, "revised", |rel| {
        lifecycle::revise(&pack.root, rel, date, &args.summary)
    })
}

/// Runs `qsb withdraw`.
pub fn withdraw(pack: &Pack, args: WithdrawArgs, global: &GlobalArgs) -> Result<u8> {
    let date = args.date.unwrap_or_else(today);
    apply(pack, &args.bulletin, global, "withdrawn", |rel| {
        lifecycle::withdraw(&pack.root, rel, date, &args.reason)
    })
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Finds the bulletin, makes the change, and says what to sign.
fn apply(
    pack: &Pack,
    wanted: &str,
    global: &GlobalArgs,
    done: &str,
    change: impl FnOnce(&str) -> Result<LifecycleEdit, LifecycleError>,
) -> Result<u8> {
    let found = resolve_bulletin(pack, wanted)?;
    let edit = change(&found.path)?;
    let sign = format!("secpack sign {} --as NAME", edit.sidecar);
    if global.json {
        print_json(&serde_json::json!({
            "bulletin": found.id,
            "path": edit.bulletin,
            "sidecar": edit.sidecar,
            "created": edit.created,
            "date": edit.date,
            "change": done,
            "needs_signing": [edit.sidecar],
        }))?;
    } else {
        anstream::println!(
            "{} {} {done} on {} ({} {})",
            paint(GOOD, "wrote"),
            safe(&found.id),
            edit.date,
            if edit.created { "created" } else { "in" },
            safe(&edit.sidecar)
        );
        anstream::println!(
            "{} {} changed, so its signatures no longer verify: sign it again ({}) and commit it; the export dates the change from that commit",
            paint(WARN, "next:"),
            safe(&edit.sidecar),
            safe(&sign)
        );
        anstream::println!(
            "{}",
            paint(
                DIM,
                "until it is signed, exports leave the bulletin out (unverified-sidecar)"
            )
        );
    }
    Ok(crate::EXIT_OK)
}
