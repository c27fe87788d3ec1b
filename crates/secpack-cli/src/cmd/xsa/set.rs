//! `xsa set`.

use anyhow::Result;
use chrono::NaiveDate;
use secpack::tracker::triage::{self, SetRequest, Verdict};

use super::{rows::describe_row, PackArg};
use crate::escape::safe;
use crate::output::{paint, print_json, GOOD};
use crate::GlobalArgs;

/// Arguments of `xsa set`.
#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("verdict").required(true).args(["affected", "unused"]))]
pub(super) struct SetArgs {
    #[command(flatten)]
    pack: PackArg,
    /// The advisory number (`123` or `XSA-123`).
    number: String,
    /// Whether the project is affected (`yes` needs `--qsb`).
    #[arg(long, value_enum)]
    affected: Option<AffectedVerdict>,
    /// The bulletin covering the advisory: 1, 001, 001-2026 or QSB-001-2026;
    /// it must be a bulletin of the pack.
    #[arg(long, value_name = "BULLETIN")]
    qsb: Option<String>,
    /// A short mitigation note.
    #[arg(long, value_name = "TEXT", conflicts_with = "unused")]
    mitigation: Option<String>,
    /// The upstream never published this number.
    #[arg(long, conflicts_with_all = ["affected", "qsb"])]
    unused: bool,
    /// The advisory's date; needed when the row does not exist yet.
    #[arg(long, value_name = "DATE")]
    date: Option<NaiveDate>,
}

/// A triage verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum AffectedVerdict {
    Yes,
    No,
}

pub(super) fn run(a: SetArgs, global: &GlobalArgs) -> Result<u8> {
    let pack = crate::cmd::args::open_pack(&a.pack.pack)?;
    let verdict = match (a.unused, a.affected) {
        (true, _) => Some(Verdict::Unused),
        (false, Some(AffectedVerdict::Yes)) => Some(Verdict::Affected),
        (false, Some(AffectedVerdict::No)) => Some(Verdict::NotAffected),
        (false, None) => None,
    };
    let request = SetRequest {
        number: a.number,
        verdict,
        bulletin: a.qsb,
        mitigation: a.mitigation,
        date: a.date,
    };
    let row = triage::set(&pack, &request)?;
    if global.json {
        print_json(&row)?;
    } else {
        anstream::println!(
            "{} {}",
            paint(GOOD, "recorded"),
            safe(describe_row(&row, &pack))
        );
    }
    Ok(crate::EXIT_OK)
}
