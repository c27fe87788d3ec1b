//! `secpack status`: what needs the team's attention.

use std::io::Write;

use anyhow::Result;
use chrono::NaiveDate;
use secpack::team::status::{pack_status, ItemKind, StatusReport};

use crate::cmd::args::JudgedPack;
use crate::cmd::canary::parse_day;
use crate::escape::safe;
use crate::output::{paint, print_json, BAD, DIM, GOOD, HEAD, WARN};
use crate::GlobalArgs;

/// Show what needs attention: documents below their signer threshold and who
/// has not signed them, the next canary's due date, tracker rows awaiting
/// triage, keys expiring within 90 days, unsigned files, a HEAD no team
/// member vouched for (`secpack tag`) and changes left uncommitted.
///
/// Exit status 0 when nothing needs attention, 1 when something does.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: JudgedPack,
    /// The day to report for, YYYY-MM-DD (default: today, UTC).
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    pub now: Option<NaiveDate>,
}

/// Runs the subcommand.
pub fn run(args: Args, global: &GlobalArgs) -> Result<u8> {
    let pack = args.target.pack.open()?;
    let pin = args.target.trust.pin()?;
    let now = args.now.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let report = pack_status(&pack, &pin, now);
    if global.json {
        let mut value = serde_json::to_value(&report)?;
        value["attention"] = (!report.is_clear()).into();
        print_json(&value)?;
    } else {
        print_text(&report)?;
    }
    Ok(if report.is_clear() {
        crate::EXIT_OK
    } else {
        crate::EXIT_FAILURE
    })
}

fn heading(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Signatures => "Signatures missing",
        ItemKind::Canary => "Canary",
        ItemKind::Tracker => "Tracker",
        ItemKind::Keys => "Keys",
        ItemKind::Files => "Files",
        ItemKind::State => "State of the repository",
    }
}

fn print_text(report: &StatusReport) -> Result<()> {
    let mut out = anstream::stdout().lock();
    match report.next_canary_due {
        Some(due) => writeln!(out, "{} next canary due by {due}", paint(HEAD, "Canary:"))?,
        None => writeln!(
            out,
            "{} no readable due date for the next canary",
            paint(WARN, "Canary:")
        )?,
    }
    let mut current = None;
    for item in &report.items {
        if current != Some(item.kind) {
            writeln!(out, "\n{}", paint(HEAD, heading(item.kind)))?;
            current = Some(item.kind);
        }
        writeln!(
            out,
            "  {} {}",
            paint(BAD, format!("[{}]", safe(&item.code))),
            safe(&item.message)
        )?;
    }
    if report.is_clear() {
        writeln!(out, "{}", paint(GOOD, "nothing needs attention"))?;
    } else {
        writeln!(
            out,
            "\n{}",
            paint(
                DIM,
                format!(
                    "{} item(s) need attention (as of {})",
                    report.items.len(),
                    report.now
                )
            )
        )?;
    }
    Ok(())
}
