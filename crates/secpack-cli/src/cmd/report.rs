//! `secpack report encrypt`: a report encrypted to the team, for e-mail.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, Result};
use secpack::report::encrypt::TeamKey;
use secpack::trust::keyring::Keyring;
use serde::Serialize;

use crate::cmd::args::{PackOption, TrustArgs};
use crate::escape::safe;
use crate::GlobalArgs;

/// Vulnerability reports for the security team.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: ReportCommand,
}

#[derive(Debug, clap::Subcommand)]
enum ReportCommand {
    Encrypt(EncryptArgs),
}

/// Encrypt a report to the team's encryption key, ASCII-armoured, ready to
/// paste into an e-mail.
///
/// The key is the one the intake uses (`[report] encryption_key` in
/// secpack.toml, by default the security team's e-mail key); it must be
/// certified by the pinned master key. The message goes to standard output
/// (or --output).
///
/// Exit status: 0 encrypted, 2 usage or configuration error (no valid key).
#[derive(Debug, clap::Args)]
struct EncryptArgs {
    /// The report (`-` for standard input).
    file: PathBuf,
    #[command(flatten)]
    pack: PackOption,
    #[command(flatten)]
    trust: TrustArgs,
    /// Write the encrypted message to FILE (must not exist) instead of
    /// standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Largest report encrypted.
const MAX_REPORT_BYTES: u64 = 64 << 20;

#[derive(Debug, Serialize)]
struct Encrypted<'a> {
    key: &'a TeamKey,
    output: Option<String>,
    message: Option<&'a str>,
}

/// Runs the subcommand.
pub fn run(args: Args, global: &GlobalArgs) -> Result<u8> {
    let ReportCommand::Encrypt(args) = args.command;
    let pin = args.trust.pin()?;
    let pack = args.pack.open()?;
    let keyring = Keyring::load(&pack, &pin);
    let key = TeamKey::select(&pack, &keyring.entries)?;
    let plaintext = read_report(&args.file)?;
    let message = key.encrypt(&plaintext, true)?;
    let message = String::from_utf8(message).context("the armoured message is not text")?;
    if let Some(out) = &args.output {
        secpack::fsutil::write_atomic(out, message.as_bytes(), false)?;
    }
    if global.json {
        crate::output::print_json(&Encrypted {
            key: &key,
            output: args.output.as_ref().map(|p| p.display().to_string()),
            message: args.output.is_none().then_some(message.as_str()),
        })?;
    } else if let Some(out) = &args.output {
        eprintln!(
            "encrypted to {} ({}): {}",
            safe(&key.fingerprint),
            safe(&key.file),
            safe(out.display())
        );
    } else {
        print!("{message}");
    }
    Ok(crate::EXIT_OK)
}

fn read_report(path: &std::path::Path) -> Result<Vec<u8>> {
    if path.as_os_str() != "-" {
        return Ok(secpack::fsutil::read_capped(path, MAX_REPORT_BYTES)?);
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(MAX_REPORT_BYTES + 1)
        .read_to_end(&mut bytes)
        .context("reading standard input")?;
    if bytes.len() as u64 > MAX_REPORT_BYTES {
        return Err(crate::output::usage(format!(
            "standard input holds more than {MAX_REPORT_BYTES} bytes"
        )));
    }
    Ok(bytes)
}
