//! `secpack canary`: write the next canary, gather its proof of freshness,
//! audit every canary a pack published.

mod audit;
mod freshness;
mod new;

use anyhow::Result;
use chrono::NaiveDate;

use crate::GlobalArgs;

/// Warrant canaries: the next one, proof of freshness, the audit of every canary.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: CanaryCommand,
}

#[derive(Debug, clap::Subcommand)]
enum CanaryCommand {
    New(new::NewArgs),
    Freshness(freshness::FreshnessArgs),
    Audit(audit::AuditArgs),
}

/// Reads a `YYYY-MM-DD` day argument.
pub(crate) fn parse_day(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|e| format!("{s:?} is not a YYYY-MM-DD date: {e}"))
}

/// Runs the subcommand.
pub fn run(args: Args, global: &GlobalArgs) -> Result<u8> {
    match args.command {
        CanaryCommand::New(a) => new::run(a, global),
        CanaryCommand::Freshness(a) => freshness::run(a, global),
        CanaryCommand::Audit(a) => audit::run(a, global),
    }
}
