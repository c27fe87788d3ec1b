//! `secpack inbox`: the team's view of the encrypted reports.

mod remote;

use std::ffi::OsString;
use std::path::PathBuf;

use anyhow::{Context, Result};
use secpack::bulletin::{resolve_bulletin, ResolvedBulletin};
use secpack::pack::Pack;
use secpack::report::decrypt::{decrypt_with_gpg, DecryptionKeys};
use secpack::report::inbox::{Inbox, StoredReport};
use secpack::report::state::ReportState;
use secpack::report::submission::Submission;
use secpack::signing::SecretKeyFile;
use serde::Serialize;

use crate::escape::{safe, safe_text};
use crate::output::{chain, paint, BAD, DIM, GOOD, HEAD, WARN};
use crate::GlobalArgs;

/// The reports received by `secpack serve`, decrypted locally.
///
/// Exit status: 0 done, 1 a report could not be decrypted, 2 usage or
/// configuration error (unknown id, unreadable database or key).
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
    List,
    Show(ShowArgs),
    Status(StatusArgs),
    Pull(remote::PullArgs),
    Reply(remote::ReplyArgs),
}

/// Decrypt and print one report.
///
/// With --key, the secret key file decrypts it (its passphrase from
/// --passphrase-file or the terminal); otherwise `gpg --decrypt` does, so
/// the gpg-agent and smartcards work.
#[derive(Debug, clap::Args)]
struct ShowArgs {
    /// The receipt id.
    id: String,
    /// Secret key file (armoured) of the team's encryption key.
    #[arg(long, value_name = "SECRETKEYFILE")]
    key: Option<PathBuf>,
    /// File whose first line is the key's passphrase.
    #[arg(long, value_name = "FILE", requires = "key")]
    passphrase_file: Option<PathBuf>,
    /// The GnuPG program used without --key.
    #[arg(
        long,
        value_name = "PROGRAM",
        default_value = "gpg",
        conflicts_with = "key"
    )]
    gpg: OsString,
    /// Save the report's attachment to FILE (must not exist).
    #[arg(long, value_name = "FILE")]
    save_attachment: Option<PathBuf>,
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
    anyhow::ensure!(
        db.exists() || matches!(args.command, InboxCommand::Pull(_)),
        "no inbox database at {} (give it with --db, or make one with `secpack inbox pull`)",
        db.display()
    );
    let mut inbox = Inbox::open(&db)?;
    match args.command {
        InboxCommand::List => list(&inbox, global),
        InboxCommand::Show(show_args) => show(&inbox, show_args, global),
        InboxCommand::Status(status_args) => status(&inbox, status_args, global),
        InboxCommand::Pull(pull_args) => remote::pull(&mut inbox, pull_args, global),
        InboxCommand::Reply(reply_args) => remote::reply(&inbox, reply_args, global),
    }
}

fn list(inbox: &Inbox, global: &GlobalArgs) -> Result<u8> {
    let reports = inbox.list()?;
    if global.json {
        crate::output::print_json(&reports)?;
        return Ok(crate::EXIT_OK);
    }
    if reports.is_empty() {
        anstream::println!("{}", paint(DIM, "no reports"));
    }
    for r in &reports {
        anstream::println!(
            "{}  {}  {:<9}  {:>6}  {}",
            paint(HEAD, safe(&r.id)),
            r.received.format("%Y-%m-%d %H:%M:%SZ"),
            r.state.code(),
            r.qsb.map_or(String::new(), |n| format!("bulletin {n:03}")),
            paint(DIM, format!("{} bytes", r.size)),
        );
    }
    Ok(crate::EXIT_OK)
}

fn find(inbox: &Inbox, id: &str) -> Result<StoredReport> {
    Ok(inbox.require(id)?)
}

#[derive(Debug, Serialize)]
struct Shown<'a> {
    #[serde(flatten)]
    stored: &'a StoredReport,
    report: Option<&'a Submission>,
    text: Option<String>,
}

fn show(inbox: &Inbox, args: ShowArgs, global: &GlobalArgs) -> Result<u8> {
    let stored = find(inbox, &args.id)?;
    let decrypted = match &args.key {
        Some(path) => {
            let file = SecretKeyFile::load(path)?;
            let passphrase = crate::secret::passphrase_if(
                DecryptionKeys::needs_passphrase(&file),
                args.passphrase_file.as_deref(),
                path,
            )?;
            DecryptionKeys::unlock(&file, passphrase.as_ref())?.decrypt(&stored.ciphertext)
        }
        None => decrypt_with_gpg(&args.gpg, &stored.ciphertext),
    };
    let plaintext = match decrypted {
        Ok(p) => p,
        Err(e) => {
            anstream::eprintln!(
                "{} report {}: {}",
                paint(BAD, "error:"),
                safe(&stored.id),
                chain(&e)
            );
            return Ok(crate::EXIT_FAILURE);
        }
    };
    // Reports from the intake are structured; anything else is shown as text.
    let report = Submission::from_plaintext(&plaintext).ok();
    if let (Some(out), Some(a)) = (
        &args.save_attachment,
        report.as_ref().and_then(|r| r.attachment.as_ref()),
    ) {
        secpack::fsutil::write_atomic_private(out, &a.bytes()?, false)?;
    } else if args.save_attachment.is_some() {
        anstream::eprintln!(
            "{} report {} has no attachment",
            paint(WARN, "warning:"),
            safe(&stored.id)
        );
    }
    let text = report
        .is_none()
        .then(|| String::from_utf8_lossy(&plaintext).into_owned());
    if global.json {
        crate::output::print_json(&Shown {
            stored: &stored,
            report: report.as_ref(),
            text,
        })?;
        return Ok(crate::EXIT_OK);
    }
    anstream::println!(
        "{} {}  received {}  state {}{}",
        paint(HEAD, "report"),
        safe(&stored.id),
        stored.received.to_rfc3339(),
        paint(GOOD, stored.state.code()),
        stored
            .qsb
            .map_or(String::new(), |n| format!("  bulletin {n:03}")),
    );
    // Every field is the reporter's text: one-line fields are escaped whole;
    // the multi-line ones keep their lines (the affected versions indented
    // under their label, so no line of theirs can pass for a label).
    match (report, text) {
        (Some(r), _) => {
            anstream::println!("{} {}", paint(HEAD, "summary:"), safe(&r.summary));
            anstream::println!(
                "{} {}",
                paint(HEAD, "affected:"),
                safe_text(&r.affected).to_string().replace('\n', "\n  ")
            );
            anstream::println!(
                "{} {}",
                paint(HEAD, "contact:"),
                safe(r.contact.as_deref().unwrap_or("(none given)"))
            );
            if let Some(a) = &r.attachment {
                anstream::println!(
                    "{} \"{}\" ({} bytes{})",
                    paint(HEAD, "attachment:"),
                    safe(&a.name),
                    a.size,
                    a.content_type
                        .as_deref()
                        .map(|t| format!(", {}", safe(t)))
                        .unwrap_or_default()
                );
            }
            anstream::println!("\n{}", safe_text(&r.details));
        }
        (None, Some(text)) => anstream::println!("\n{}", safe_text(&text)),
        (None, None) => {}
    }
    Ok(crate::EXIT_OK)
}

fn status(inbox: &Inbox, args: StatusArgs, global: &GlobalArgs) -> Result<u8> {
    find(inbox, &args.id)?;
    // The bulletin must exist before anything is recorded.
    let bulletin = match &args.qsb {
        Some(text) => {
            let pack = Pack::open(&args.pack)?;
            Some(resolve_bulletin(&pack, text).with_context(|| {
                format!("--qsb {text:?} in the pack at {}", args.pack.display())
            })?)
        }
        None => None,
    };
    let qsb = bulletin.as_ref().map(|b| b.number);
    if let Some(server) = &args.server {
        if let Err(e) = remote::push_state(server, &args.member, &args.id, args.set, qsb) {
            return remote::refused_or(e);
        }
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
            (None, Some(n)) => format!(" (bulletin {n:03})"),
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
