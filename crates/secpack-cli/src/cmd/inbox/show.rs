//! `secpack inbox show`: one report, decrypted locally.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

use anyhow::{Context, Result};
use secpack::report::decrypt::{decrypt_with_gpg, DecryptError, DecryptionKeys};
use secpack::report::inbox::{Inbox, MessageKind, StoredReport};
use secpack::report::submission::Submission;
use secpack::report::thread::ThreadMessage;
use secpack::signing::SecretKeyFile;
use serde::Serialize;

use crate::escape::{safe, safe_text};
use crate::output::{paint, BAD, DIM, GOOD, HEAD, WARN};
use crate::GlobalArgs;

/// Decrypt and print one report and its thread: the reporter's follow-ups
/// and the team's replies, oldest first.
///
/// With --key, the secret key file decrypts them (its passphrase from
/// --passphrase-file or the terminal); otherwise `gpg --decrypt` does, so
/// the gpg-agent and smartcards work. Exit status 1 when the report, or
/// one of its messages, cannot be decrypted (each such message is shown
/// with its reason).
#[derive(Debug, clap::Args)]
pub(super) struct ShowArgs {
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
    /// The pack whose bulletin covers the report (to name it by its id).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pack: PathBuf,
}

#[derive(Debug, Serialize)]
struct Shown<'a> {
    #[serde(flatten)]
    stored: &'a StoredReport,
    report: Option<&'a Submission>,
    text: Option<String>,
    /// The bulletin's id (`QSB-001-2026`), when the pack at --pack has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    bulletin: Option<String>,
    /// The follow-ups and replies, oldest first.
    messages: Vec<ThreadMessage>,
}

/// The key (file or gpg) that decrypts the report and its messages.
enum Decryptor<'a> {
    Keys(DecryptionKeys),
    Gpg(&'a OsStr),
}

impl Decryptor<'_> {
    fn decrypt(&self, ciphertext: &[u8]) -> Result<Vec<u8>, DecryptError> {
        match self {
            Self::Keys(keys) => keys.decrypt(ciphertext),
            Self::Gpg(gpg) => decrypt_with_gpg(gpg, ciphertext),
        }
    }
}

/// Decrypts and prints one report and its thread (or its `--json`
/// document). Exit 1 when a follow-up or reply could not be decrypted
/// (each such message is shown with its reason).
pub(super) fn show(inbox: &Inbox, args: ShowArgs, global: &GlobalArgs) -> Result<u8> {
    let stored = super::find(inbox, &args.id)?;
    let decryptor = match &args.key {
        Some(path) => {
            let file = SecretKeyFile::load(path)?;
            let passphrase = crate::secret::passphrase_if(
                DecryptionKeys::needs_passphrase(&file),
                args.passphrase_file.as_deref(),
                path,
            )?;
            Decryptor::Keys(DecryptionKeys::unlock(&file, passphrase.as_ref())?)
        }
        None => Decryptor::Gpg(&args.gpg),
    };
    // A report that cannot be decrypted is a failure (exit 1) with its code.
    let plaintext = decryptor
        .decrypt(&stored.ciphertext)
        .with_context(|| format!("report {}", stored.id))?;
    let messages: Vec<ThreadMessage> = inbox
        .messages(Some(&stored.id))?
        .iter()
        .map(|m| ThreadMessage::open(m, |c| decryptor.decrypt(c)))
        .collect();
    let status = if messages.iter().any(|m| m.error.is_some()) {
        crate::EXIT_FAILURE
    } else {
        crate::EXIT_OK
    };
    let bulletin = stored.qsb.and_then(|n| super::bulletin_id(&args.pack, n));
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
            bulletin,
            messages,
        })?;
        return Ok(status);
    }
    anstream::println!(
        "{} {}  received {}  state {}{}",
        paint(HEAD, "report"),
        safe(&stored.id),
        stored.received.to_rfc3339(),
        paint(GOOD, stored.state.code()),
        match (&bulletin, stored.qsb) {
            (Some(id), _) => format!("  bulletin {}", safe(id)),
            (None, Some(n)) => format!("  bulletin {n:03}"),
            (None, None) => String::new(),
        },
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
    for m in &messages {
        print_message(m);
    }
    Ok(status)
}

/// One follow-up or reply: who and when, then its text (the reporter's or
/// a member's: escaped, each line indented so none passes for a heading),
/// or why it could not be decrypted.
fn print_message(m: &ThreadMessage) {
    let who = match (m.kind, &m.author) {
        (MessageKind::FollowUp, _) => "from the reporter".to_string(),
        (MessageKind::Reply, Some(author)) => format!("by {}", safe(author)),
        (MessageKind::Reply, None) => "by the team (no member recorded)".to_string(),
    };
    anstream::println!(
        "\n{} {}  {}  {}",
        paint(HEAD, format!("{}:", m.kind.code())),
        m.at.to_rfc3339(),
        who,
        paint(DIM, safe(&m.id)),
    );
    match (&m.text, &m.error) {
        (Some(text), _) => {
            anstream::println!("  {}", safe_text(text).to_string().replace('\n', "\n  "))
        }
        (None, Some(e)) => anstream::println!(
            "  {} cannot be decrypted: {} [{}]",
            paint(BAD, "error:"),
            safe(&e.message),
            e.code
        ),
        (None, None) => {}
    }
}
