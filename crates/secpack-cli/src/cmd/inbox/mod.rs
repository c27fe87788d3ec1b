//! `secpack inbox`: the team's view of the encrypted reports.

mod remote;
mod show;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use secpack::bulletin::{resolve_bulletin, ResolvedBulletin};
use secpack::pack::Pack;
use secpack::report::inbox::{Inbox, StoredReport};
use secpack::report::state::ReportState;
use serde::Serialize;

use crate::escape::safe;
use crate::output::{paint, DIM, GOOD, HEAD};
use crate::GlobalArgs;

/// The reports received by `secpack serve`, decrypted locally.
///
/// Exit status: 0 done, 1 a report (or a message of its thread) could not
/// be decrypted, 2 usage or configuration error (unknown id, unreadable
/// database or key).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The inbox database [default: $XDG_DATA_HOME/secpack/inbox.sqlite].
    #[arg(long, global = true, value_name = "FILE")]
    db: Option<PathBuf>,
    #[command(subcommand)]
    command: InboxCommand,
}

#[derive(Debug, clap::Subcommand)]
enum InboxCommand {
    List(ListArgs),
    Show(show::ShowArgs),
    Status(StatusArgs),
    Pull(remote::PullArgs),
    Reply(remote::ReplyArgs),
}

/// List the reports: receipt id, when received, state, the bulletin that
/// covers it, size.
#[derive(Debug, clap::Args)]
struct ListArgs {
    /// The pack whose bulletins cover the reports (to name them by their
    /// ids).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pack: PathBuf,
}

/// Set the handling state of a report: received, triaged, confirmed, fixed,
/// published, rejected.
#[derive(Debug, clap::Args)]
struct StatusArgs {
    /// The receipt id.
    id: String,
    /// The new state.
    #[arg(long, value_name = "STATE")]
    set: ReportState,
    /// The bulletin that covers the report: 1, 001, 001-2026 or
    /// QSB-001-2026; it must be a bulletin of the pack.
    #[arg(long, value_name = "BULLETIN")]
    qsb: Option<String>,
    /// The pack whose bulletin --qsb names.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pack: PathBuf,
    /// Also set it on the server at URL (signed with --key).
    #[arg(long, value_name = "URL", requires = "key")]
    server: Option<String>,
    #[command(flatten)]
    member: remote::MemberKey,
}

/// Runs the subcommand.
pub fn run(args: Args, global: &GlobalArgs) -> Result<u8> {
    let db = match args.db {
        Some(db) => db,
        None => Inbox::default_path()?,
    };
    // A pull makes the member's inbox when it is missing.
    let mut inbox = match args.command {
        InboxCommand::Pull(_) => Inbox::open(&db)?,
        _ => Inbox::open_existing(&db)?,
    };
    match args.command {
        InboxCommand::List(list_args) => list(&inbox, &list_args, global),
        InboxCommand::Show(show_args) => show::show(&inbox, show_args, global),
        InboxCommand::Status(status_args) => status(&inbox, status_args, global),
        InboxCommand::Pull(pull_args) => remote::pull(&mut inbox, pull_args, global),
        InboxCommand::Reply(reply_args) => remote::reply(&inbox, reply_args, global),
    }
}

fn list(inbox: &Inbox, args: &ListArgs, global: &GlobalArgs) -> Result<u8> {
    let reports = inbox.list()?;
    if global.json {
        crate::output::print_json(&reports)?;
        return Ok(crate::EXIT_OK);
    }
    if reports.is_empty() {
        anstream::println!("{}", paint(DIM, "no reports"));
    }
    let pack = reports
        .iter()
        .any(|r| r.qsb.is_some())
        .then(|| open_pack(&args.pack))
        .flatten();
    for r in &reports {
        anstream::println!(
            "{}  {}  {:<9}  {:>12}  {}",
            paint(HEAD, safe(&r.id)),
            r.received.format("%Y-%m-%d %H:%M:%SZ"),
            r.state.code(),
            r.qsb
                .map_or(String::new(), |n| bulletin_label(pack.as_ref(), n)),
            paint(DIM, format!("{} bytes", r.size)),
        );
    }
    Ok(crate::EXIT_OK)
}

/// The pack at `dir`, when it is one (a folder that is not is not scanned).
fn open_pack(dir: &Path) -> Option<Pack> {
    crate::cmd::args::open_pack(dir).ok()
}

/// The id (`QSB-001-2026`) of bulletin number `n` in `pack`, when it holds
/// exactly one bulletin of that number.
fn id_in(pack: &Pack, n: u32) -> Option<String> {
    resolve_bulletin(pack, &n.to_string()).ok().map(|b| b.id)
}

/// The id of bulletin number `n` in the pack at `dir` ([`id_in`]).
fn bulletin_id(dir: &Path, n: u32) -> Option<String> {
    id_in(&open_pack(dir)?, n)
}

/// Bulletin number `n` as shown: its id when `pack` has it, else
/// `bulletin 001`.
fn bulletin_label(pack: Option<&Pack>, n: u32) -> String {
    pack.and_then(|p| id_in(p, n))
        .unwrap_or_else(|| format!("bulletin {n:03}"))
}

/// The stored report with receipt id `id` (an unknown id is a usage error).
fn find(inbox: &Inbox, id: &str) -> Result<StoredReport> {
    Ok(inbox.require(id)?)
}

fn status(inbox: &Inbox, args: StatusArgs, global: &GlobalArgs) -> Result<u8> {
    find(inbox, &args.id)?;
    // The bulletin must exist before anything is recorded.
    let bulletin = match &args.qsb {
        Some(text) => {
            let pack = crate::cmd::args::open_pack(&args.pack)?;
            Some(resolve_bulletin(&pack, text).with_context(|| {
                format!("--qsb {text:?} in the pack at {}", args.pack.display())
            })?)
        }
        None => None,
    };
    let qsb = bulletin.as_ref().map(|b| b.number);
    if let Some(server) = &args.server {
        remote::push_state(server, &args.member, &args.id, args.set, qsb)?;
    }
    let updated = inbox.set_state(&args.id, args.set, qsb, chrono::Utc::now())?;
    if global.json {
        #[derive(Serialize)]
        struct Updated<'a> {
            #[serde(flatten)]
            stored: &'a StoredReport,
            #[serde(skip_serializing_if = "Option::is_none")]
            bulletin: Option<&'a ResolvedBulletin>,
        }
        crate::output::print_json(&Updated {
            stored: &updated,
            bulletin: bulletin.as_ref(),
        })?;
    } else {
        let covered = match (&bulletin, updated.qsb) {
            (Some(b), _) => format!(" (covered by {})", safe(b)),
            (None, Some(n)) => format!(
                " ({})",
                safe(bulletin_label(open_pack(&args.pack).as_ref(), n))
            ),
            (None, None) => String::new(),
        };
        anstream::println!(
            "{} {} is now {}{covered}",
            paint(GOOD, "report"),
            safe(&updated.id),
            updated.state.code(),
        );
    }
    Ok(crate::EXIT_OK)
}
