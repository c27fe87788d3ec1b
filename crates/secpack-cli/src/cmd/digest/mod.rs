//! `secpack digest`: check an installation image against its signed digest
//! file, reading the image once; make digest files for release images.
//! Each subcommand reads its arguments, calls `secpack::digest::image` and
//! presents the result.

mod check;
mod make;

use std::path::Path;

use anyhow::Result;
use secpack::digest::image::file_name;
use secpack::pack::Pack;
use secpack::trust::keyring::Keyring;

use crate::escape::safe;
use crate::GlobalArgs;

/// Check images against release digest files, or make digest files.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: DigestCommand,
}

#[derive(Debug, clap::Subcommand)]
enum DigestCommand {
    Check(check::CheckArgs),
    Make(make::MakeArgs),
}

/// Runs the subcommand.
pub fn run(args: Args, global: &GlobalArgs) -> Result<u8> {
    match args.command {
        DigestCommand::Check(args) => check::run(args, global),
        DigestCommand::Make(args) => make::run(args, global),
    }
}

/// The pack and its keyring judged from the pinned master.
fn load_pack(pack: &Path, trust: &crate::cmd::args::TrustArgs) -> Result<(Pack, Keyring)> {
    let pin = trust.pin()?;
    secpack::pack::ensure_is_pack(pack)?;
    let pack = Pack::open(pack)?;
    let ring = Keyring::load(&pack, &pin);
    Ok((pack, ring))
}

/// A byte progress bar for reading `path` (hidden for `--json` and when
/// standard error is not a terminal).
fn byte_progress(path: &Path, global: &GlobalArgs) -> indicatif::ProgressBar {
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let bar = if global.json {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::with_draw_target(Some(len), indicatif::ProgressDrawTarget::stderr())
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg} {bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} {eta}",
    ) {
        bar.set_style(style);
    }
    let name = file_name(path).unwrap_or_default();
    bar.set_message(format!("hashing {}", safe(name)));
    bar
}
