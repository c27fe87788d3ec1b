//! `secpack inbox show`: one report, decrypted locally.

use std::ffi::OsString;
use std::path::PathBuf;

use anyhow::{Context, Result};
use secpack::report::decrypt::{decrypt_with_gpg, DecryptionKeys};
use secpack::report::inbox::{Inbox, StoredReport};
use secpack::report::submission::Submission;
use secpack::signing::SecretKeyFile;
use serde::Serialize;

use crate::escape::{safe, safe_text};
use crate::output::{paint, GOOD, HEAD, WARN};
use crate::GlobalArgs;

/// Decrypt and print one report.
///
/// With --key, the secret key file decrypts it (its passphrase from
/// --passphrase-file or the terminal); otherwise `gpg --decrypt` does, so
/// the gpg-agent and smartcards work.
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
}

#[derive(Debug, Serialize)]
struct Shown<'a> {
    #[serde(flatten)]
    stored: &'a StoredReport,
    report: Option<&'a Submission>,
    text: Option<String>,
}

/// Decrypts and prints one report (or its `--json` document).
pub(super) fn show(inbox: &Inbox, args: ShowArgs, global: &GlobalArgs) -> Result<u8> {
    let stored = super::find(inbox, &args.id)?;
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
    // A report that cannot be decrypted is a failure (exit 1) with its code.
    let plaintext = decrypted.with_context(|| format!("report {}", stored.id))?;
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
