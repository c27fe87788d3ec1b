//! `digest make`.

use std::path::{Path, PathBuf};

use anyhow::Result;
use secpack::digest::image::{
    digest_images, output_for, write_digest_file, DigestSigners, MadeImage,
};
use serde::Serialize;

use super::{byte_progress, load_pack};
use crate::cmd::args::TrustArgs;
use crate::escape::safe;
use crate::output::{paint, GOOD};
use crate::secret::SignerArgs;
use crate::GlobalArgs;

/// Make a digest file for release images (MD5, SHA-1, SHA-256, SHA-512
/// lines `<hex> *<name>`), clear-signed with a release key when one is given.
#[derive(Debug, clap::Args)]
pub(super) struct MakeArgs {
    /// The images, each read once.
    #[arg(required = true)]
    images: Vec<PathBuf>,
    /// Where to write (default: IMAGE.DIGESTS beside a single image).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Replace an existing digest file.
    #[arg(long)]
    force: bool,
    /// The pack holding the signer's release key (read only when signing).
    #[arg(long, value_name = "PACK", default_value = ".")]
    pack: PathBuf,
    /// The master key, when signing: the release key must be one it
    /// certifies, and the signature is verified before it is written.
    #[command(flatten)]
    trust: TrustArgs,
    #[command(flatten)]
    signer: SignerArgs,
}

/// The result of `digest make`, for `--json`.
#[derive(Debug, Serialize)]
struct MakeReport {
    output: String,
    images: Vec<MadeImage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signed_with: Option<String>,
}

pub(super) fn run(args: MakeArgs, global: &GlobalArgs) -> Result<u8> {
    let output = output_for(args.output.as_deref(), &args.images, args.force)?;
    // Unlock and judge the key first: a wrong passphrase or an untrusted key
    // should not cost a full read. Without a signer the pack is not read.
    let signer = match args.signer.sign_as {
        Some(_) => {
            let (pack, ring) = load_pack(&args.pack, &args.trust)?;
            let signers = DigestSigners::of(&pack, &ring);
            let signer = args
                .signer
                .resolve(|name, fpr| Ok(signers.check_signer(&pack, name, fpr)?))?;
            signer.map(|(file, signer)| (file, signer, pack, ring))
        }
        None => None,
    };
    let bars = std::cell::RefCell::new(None::<(PathBuf, indicatif::ProgressBar)>);
    let progress = |path: &Path, n: u64| {
        let mut bars = bars.borrow_mut();
        if bars.as_ref().is_none_or(|(p, _)| p != path) {
            if let Some((_, old)) = bars.take() {
                old.finish_and_clear();
            }
            *bars = Some((path.to_path_buf(), byte_progress(path, global)));
        }
        if let Some((_, bar)) = bars.as_ref() {
            bar.inc(n);
        }
    };
    let made = digest_images(&args.images, &progress);
    if let Some((_, bar)) = bars.take() {
        bar.finish_and_clear();
    }
    let (text, images) = made?;
    let signers = signer
        .as_ref()
        .map(|(_, key, pack, ring)| (key, DigestSigners::of(pack, ring)));
    write_digest_file(
        text,
        signers.as_ref().map(|(key, s)| (*key, s)),
        &output,
        args.force,
    )?;
    let report = MakeReport {
        output: output.display().to_string(),
        images,
        signed_with: signer.map(|(file, ..)| file),
    };
    if global.json {
        crate::output::print_json(&report)?;
    } else {
        anstream::println!(
            "{} {} ({} image{}, {})",
            paint(GOOD, "wrote"),
            safe(&report.output),
            report.images.len(),
            if report.images.len() == 1 { "" } else { "s" },
            match &report.signed_with {
                Some(file) => format!("clear-signed with the release key in {}", safe(file)),
                None => "not signed".to_string(),
            }
        );
    }
    Ok(crate::EXIT_OK)
}
