//! `secpack xsa`: keep the upstream-advisory tracker. Each subcommand reads
//! its arguments, calls one function of `secpack::tracker` and presents the
//! result.

mod jekyll;
mod rows;
mod set;
mod sync;

use std::path::PathBuf;

use anyhow::Result;
use chrono::NaiveDate;
use secpack::pack::Pack;
use secpack::tracker::{store, upstream, Affected};

use crate::GlobalArgs;

/// Keep the upstream-advisory tracker: which upstream advisories affect the
/// project, and which bulletin covers each.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: XsaCommand,
}

/// The pack to work on.
#[derive(Debug, clap::Args)]
struct PackArg {
    /// The pack's root folder.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pack: PathBuf,
}

#[derive(Debug, clap::Subcommand)]
enum XsaCommand {
    /// Create the tracker from a Jekyll site's `_data/sec-xsa.yml`.
    ImportJekyll {
        #[command(flatten)]
        pack: PackArg,
        /// The Jekyll data file.
        file: PathBuf,
        /// Replace an existing tracker file.
        #[arg(long)]
        force: bool,
    },
    /// Write the tracker in the Jekyll data shape (`_data/sec-xsa.yml`).
    ExportJekyll {
        #[command(flatten)]
        pack: PackArg,
        /// Write to this file (atomically) instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Add new upstream advisories as `tba`, refresh titles and CVEs.
    Sync {
        #[command(flatten)]
        pack: PackArg,
        /// The upstream JSON list: a file, or an http(s) URL.
        #[arg(long, value_name = "FILE_OR_URL")]
        from: String,
        /// Show what would change without writing the tracker.
        #[arg(long)]
        dry_run: bool,
        /// Seconds allowed for the whole HTTP fetch.
        #[arg(long, value_name = "SECS", default_value_t = upstream::DEFAULT_TIMEOUT.as_secs())]
        timeout: u64,
    },
    /// Record the triage decision for one advisory.
    Set(set::SetArgs),
    /// List the tracker's rows.
    List {
        #[command(flatten)]
        pack: PackArg,
        /// Only rows with this verdict.
        #[arg(long, value_enum)]
        affected: Option<AffectedArg>,
        /// Only rows dated on or after this day (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        since: Option<NaiveDate>,
    },
    /// Time span, advisories published, how many affect the project.
    Stats {
        #[command(flatten)]
        pack: PackArg,
    },
    /// Check the tracker against itself and the pack's bulletins.
    Check {
        #[command(flatten)]
        pack: PackArg,
        /// The day to age untriaged rows from (default: today, UTC).
        #[arg(long, value_name = "DATE")]
        now: Option<NaiveDate>,
    },
}

/// A verdict filter.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum AffectedArg {
    Yes,
    No,
    Tba,
}

impl From<AffectedArg> for Affected {
    fn from(a: AffectedArg) -> Self {
        match a {
            AffectedArg::Yes => Affected::Yes,
            AffectedArg::No => Affected::No,
            AffectedArg::Tba => Affected::Tba,
        }
    }
}

/// Runs the subcommand.
pub fn run(args: Args, global: &GlobalArgs) -> Result<u8> {
    match args.command {
        XsaCommand::ImportJekyll { pack, file, force } => {
            jekyll::import(&pack, &file, force, global)
        }
        XsaCommand::ExportJekyll { pack, output } => {
            jekyll::export(&pack, output.as_deref(), global)
        }
        XsaCommand::Sync {
            pack,
            from,
            dry_run,
            timeout,
        } => sync::run(&pack, &from, dry_run, timeout, global),
        XsaCommand::Set(a) => set::run(a, global),
        XsaCommand::List {
            pack,
            affected,
            since,
        } => rows::list(&pack, affected.map(Affected::from), since, global),
        XsaCommand::Stats { pack } => rows::stats(&pack, global),
        XsaCommand::Check { pack, now } => rows::check(&pack, now, global),
    }
}

/// The opened pack and the path of its tracker file.
fn open(pack: &PackArg) -> Result<(Pack, PathBuf)> {
    let pack = crate::cmd::args::open_pack(&pack.pack)?;
    let path = store::path_in(&pack);
    Ok((pack, path))
}

/// The pack's upstream prefix (`XSA`).
fn prefix(pack: &Pack) -> &str {
    &pack.config.project.upstream_id_prefix
}
