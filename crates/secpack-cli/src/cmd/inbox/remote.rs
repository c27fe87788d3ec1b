//! `secpack inbox pull` and `reply`, and `status --server`: the member's
//! machine and the server's inbox API, every request signed with the
//! member's certified key over a server nonce.

use std::path::PathBuf;

use anyhow::{Context, Result};
use secpack::report::inbox::{Inbox, MessageKind};
use secpack::report::remote::{Remote, StateChange};
use secpack::report::reply::{self, MAX_MESSAGE_BYTES};
use secpack::report::state::ReportState;
use secpack::signing::SigningKey;
use serde::Serialize;

use crate::escape::safe;
use crate::output::{paint, DIM, GOOD, HEAD, WARN};
use crate::GlobalArgs;

/// The member's secret key, which signs requests and replies.
#[derive(Debug, Clone, clap::Args)]
pub struct MemberKey {
    /// The member's secret key file (armoured): a security-team key the
    /// pinned master certifies.
    #[arg(long, value_name = "SECRETKEYFILE")]
    pub key: Option<PathBuf>,
    /// File whose first line is the key's passphrase (else asked at the
    /// terminal when the key is protected).
    #[arg(long, value_name = "FILE", requires = "key")]
    pub passphrase_file: Option<PathBuf>,
}

impl MemberKey {
    fn unlock(&self) -> Result<SigningKey> {
        let path = self
            .key
            .as_deref()
            .context("give the member's secret key with --key")?;
        crate::secret::unlock_signing_key(path, self.passphrase_file.as_deref())
    }
}

/// Fetch new reports, follow-ups, replies and state changes from a server
/// into the local inbox (made when missing): only what changed since the
/// last pull from that server (the inbox remembers where it stopped).
#[derive(Debug, clap::Args)]
pub struct PullArgs {
    /// The server's root URL (https://security.example.org).
    #[arg(long, value_name = "URL")]
    server: String,
    /// Fetch everything again, not only what changed since the last pull.
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    member: MemberKey,
}

/// Reply to a reporter: the text of FILE, signed with --key and encrypted
/// to the reporter's key (their own, or the one their codename opens), and
/// to the team key the report is encrypted to, found in the pack at --pack,
/// so that `inbox show` shows it in the thread.
#[derive(Debug, clap::Args)]
pub struct ReplyArgs {
    /// The receipt id.
    id: String,
    /// The pack holding the team key the report is encrypted to.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pack: PathBuf,
    /// The reply's text (UTF-8, at most 64 KiB); `-` reads standard input.
    #[arg(long, value_name = "FILE")]
    file: PathBuf,
    /// Send it to the server at URL; without it the reply is stored in the
    /// inbox database given with --db.
    #[arg(long, value_name = "URL")]
    server: Option<String>,
    #[command(flatten)]
    member: MemberKey,
}

/// Runs `inbox pull`.
pub fn pull(inbox: &mut Inbox, args: PullArgs, global: &GlobalArgs) -> Result<u8> {
    let key = args.member.unlock()?;
    let summary = Remote::new(&args.server, &key)?.pull(inbox, args.all)?;
    if global.json {
        crate::output::print_json(&summary)?;
        return Ok(crate::EXIT_OK);
    }
    anstream::println!(
        "{} {} reports {}, {} new or changed here",
        paint(GOOD, "pulled"),
        summary.reports,
        match &summary.since {
            Some(since) => format!("changed since {}", safe(since)),
            None => "(everything on the server)".to_string(),
        },
        summary.changed.len()
    );
    for id in &summary.changed {
        anstream::println!("  {}", paint(HEAD, safe(id)));
    }
    Ok(crate::EXIT_OK)
}

/// The reply as sent.
#[derive(Debug, Serialize)]
struct Sent {
    report: String,
    message: String,
    signer: String,
    to_own_key: bool,
    /// Whether the team key the report is encrypted to can read it too.
    to_team_key: bool,
    server: Option<String>,
}

/// Runs `inbox reply`.
pub fn reply(inbox: &Inbox, args: ReplyArgs, global: &GlobalArgs) -> Result<u8> {
    let stored = inbox.require(&args.id)?;
    let reply_key = inbox.reply_key(&args.id)?.with_context(|| {
        format!(
            "report {} has no reply key here: it came without a codename, or pull it again with `secpack inbox pull`",
            args.id
        )
    })?;
    let text = read_text(&args.file)?;
    let key = args.member.unlock()?;
    let cert = reply::parse_reporter_key(reply_key.armored.as_bytes())
        .with_context(|| format!("the reply key of report {}", args.id))?;
    let team = super::open_pack(&args.pack).and_then(|pack| reply::team_cert(&pack, &stored.key));
    if team.is_none() {
        anstream::eprintln!(
            "{} the key {} that report {} is encrypted to is not in the pack at {}: the reply is encrypted to the reporter only, and `secpack inbox show` will not show its text (give the pack with --pack)",
            paint(WARN, "warning:"),
            safe(&stored.key),
            safe(&stored.id),
            safe(args.pack.display()),
        );
    }
    let sealed = reply::seal(&key, &cert, team.as_ref(), &text)?;
    let message = match &args.server {
        Some(server) => {
            Remote::new(server, &key)?
                .reply(&args.id, &sealed)?
                .message
                .id
        }
        None => {
            inbox
                .add_message(
                    &args.id,
                    MessageKind::Reply,
                    Some(&key.cert_fingerprint()),
                    &sealed,
                    chrono::Utc::now(),
                )?
                .id
        }
    };
    let sent = Sent {
        report: args.id,
        message,
        signer: key.cert_fingerprint(),
        to_own_key: reply_key.own_key,
        to_team_key: team.is_some(),
        server: args.server,
    };
    if global.json {
        crate::output::print_json(&sent)?;
        return Ok(crate::EXIT_OK);
    }
    anstream::println!(
        "{} to report {} ({}{}), signed by {}{}",
        paint(GOOD, "reply stored"),
        safe(&sent.report),
        if sent.to_own_key {
            "encrypted to the reporter's own key"
        } else {
            "encrypted to the key their codename opens"
        },
        if sent.to_team_key {
            " and to the team key"
        } else {
            ""
        },
        sent.signer,
        paint(
            DIM,
            match &sent.server {
                Some(s) => format!(" on {}", safe(s)),
                None => format!(" in {}", safe(inbox.path().display())),
            }
        )
    );
    Ok(crate::EXIT_OK)
}

/// Sets report `id`'s state on the server.
pub fn push_state(
    server: &str,
    member: &MemberKey,
    id: &str,
    state: ReportState,
    qsb: Option<u32>,
) -> Result<()> {
    let key = member.unlock()?;
    Remote::new(server, &key)?.set_state(id, &StateChange { state, qsb })?;
    Ok(())
}

/// The reply's text, read up to one byte over the limit: [`reply::seal`]
/// judges its length and that it is text.
fn read_text(path: &std::path::Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut text = Vec::new();
    let limit = MAX_MESSAGE_BYTES as u64 + 1;
    if path.as_os_str() == "-" {
        std::io::stdin().take(limit).read_to_end(&mut text)?;
    } else {
        std::fs::File::open(path)
            .with_context(|| format!("reading {}", path.display()))?
            .take(limit)
            .read_to_end(&mut text)?;
    }
    Ok(text)
}
