//! `secpack digest`: check an installation image against its signed digest
//! file, reading the image once; make digest files for release images.

use std::path::{Path, PathBuf};

use anyhow::Result;
use secpack::config::ROLE_RELEASE;
use secpack::digest::check::DigestStatus;
use secpack::digest::file::MAX_DIGEST_FILE_BYTES;
use secpack::digest::image::{
    check_image, digest_images, file_name, output_for, read_capped, self_check, with_suffix,
    CheckReport, CheckRequest, DigestSigners, MadeImage, SignatureSource,
};
use secpack::pack::Pack;
use secpack::signing::{check_trusted_signer, sign_cleartext};
use secpack::trust::keyring::Keyring;
use serde::Serialize;

use crate::escape::safe;
use crate::output::{paint, BAD, DIM, GOOD, HEAD, WARN};
use crate::secret::SignerArgs;
use crate::GlobalArgs;

/// Check images against release digest files, or make digest files.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: DigestCommand,
}

#[derive(Debug, clap::Subcommand)]
enum DigestCommand {
    Check(CheckArgs),
    Make(MakeArgs),
}

/// Check an image against its signed digest file, reading the image once.
///
/// The digest file's signature (clear-signed, or a detached `.asc` beside it)
/// must be valid and made by a release key the pinned master key certifies.
/// Every digest the file lists for the image's name (MD5, SHA-1, SHA-256,
/// SHA-512) is then computed in a single read, in parallel, and compared.
///
/// Exit status: 0 when the signature is trusted and every digest matches,
/// 1 otherwise, 2 for usage errors (missing files, no pinned master key).
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The image to check.
    image: PathBuf,
    /// The digest file (default: IMAGE.DIGESTS beside the image).
    #[arg(long, value_name = "FILE")]
    digests: Option<PathBuf>,
    /// Detached signature of the digest file (default: DIGESTS.asc when it
    /// exists and the digest file is not clear-signed).
    #[arg(long, value_name = "ASC")]
    signature: Option<PathBuf>,
    /// The pack whose release keys may sign digests.
    #[arg(long, value_name = "PACK", default_value = ".")]
    pack: PathBuf,
    /// Fingerprint of the pack's master key, obtained out of band.
    #[arg(long, value_name = "FPR")]
    master: Option<String>,
    /// Accept a digest file without any signature (the digests are still
    /// compared; the report says it is unsigned).
    #[arg(long)]
    allow_unsigned: bool,
}

/// Make a digest file for release images (MD5, SHA-1, SHA-256, SHA-512
/// lines `<hex> *<name>`), clear-signed with a release key when one is given.
#[derive(Debug, clap::Args)]
pub struct MakeArgs {
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
    /// Fingerprint of the pinned master key, when signing (else
    /// SECPACK_MASTER or the config file): the release key must be one it
    /// certifies, and the signature is verified before it is written.
    #[arg(long, value_name = "FPR")]
    master: Option<String>,
    #[command(flatten)]
    signer: SignerArgs,
}

/// Runs the subcommand.
pub fn run(args: Args, global: &GlobalArgs) -> Result<u8> {
    match args.command {
        DigestCommand::Check(args) => run_check(args, global),
        DigestCommand::Make(args) => run_make(args, global),
    }
}

fn run_check(args: CheckArgs, global: &GlobalArgs) -> Result<u8> {
    let digests_file = args
        .digests
        .clone()
        .unwrap_or_else(|| with_suffix(&args.image, ".DIGESTS"));
    let raw = read_capped(&digests_file, MAX_DIGEST_FILE_BYTES, "digest file")?;
    let source = SignatureSource::find(&digests_file, &raw, args.signature.as_deref());
    // The pack and the pin are needed only when there is a signature.
    let keys = match source {
        SignatureSource::None => None,
        _ => Some(load_pack(&args.pack, args.master.as_deref())?),
    };
    let signers = keys.as_ref().map(|(pack, ring)| DigestSigners {
        ring,
        roles: pack.config.allowed_roles(&pack.config.layout.digests),
    });
    let request = CheckRequest {
        image: &args.image,
        digests_file: &digests_file,
        raw: &raw,
        source,
        allow_unsigned: args.allow_unsigned,
    };
    let bar = byte_progress(&args.image, global);
    let report = check_image(&request, signers.as_ref(), &|n| bar.inc(n));
    bar.finish_and_clear();
    let report = report?;
    if global.json {
        crate::output::print_json(&report)?;
    } else {
        print_check(&report);
    }
    Ok(if report.ok {
        crate::EXIT_OK
    } else {
        crate::EXIT_FAILURE
    })
}

/// The pack and its keyring judged from the pinned master.
fn load_pack(pack: &Path, master: Option<&str>) -> Result<(Pack, Keyring)> {
    let pin = crate::cmd::verify::resolve_pin(master)?;
    secpack::pack::ensure_is_pack(pack)?;
    let pack = Pack::open(pack)?;
    let ring = Keyring::load(&pack, &pin);
    Ok((pack, ring))
}

fn print_check(r: &CheckReport) {
    anstream::println!("{} {}", paint(HEAD, "image"), safe(&r.image));
    anstream::println!("{} {}", paint(HEAD, "digests"), safe(&r.digests_file));
    let s = &r.signature;
    let word = if s.trusted {
        paint(GOOD, "trusted")
    } else if s.status == secpack::trust::verdict::SigStatus::Unsigned && r.unsigned_allowed {
        paint(WARN, "unsigned (allowed)")
    } else {
        let mut word = s.status.code().to_string();
        for w in &s.warnings {
            word.push_str(&format!(", {w}"));
        }
        paint(BAD, safe(word))
    };
    anstream::println!("{} {word}: {}", paint(HEAD, "signature"), safe(&s.reason));
    if let Some(file) = &s.key_file {
        anstream::println!("  {}", paint(DIM, format!("key {}", safe(file))));
    }
    for d in &r.digests {
        let status = match d.status {
            DigestStatus::Match => paint(GOOD, d.status.code()),
            DigestStatus::Mismatch => paint(BAD, d.status.code()),
        };
        anstream::println!("  {:7} {status}", d.algorithm.name());
        if d.status == DigestStatus::Mismatch {
            anstream::println!(
                "          {}",
                paint(DIM, format!("expected {}", safe(&d.expected)))
            );
            anstream::println!(
                "          {}",
                paint(DIM, format!("actual   {}", safe(&d.actual)))
            );
        }
    }
    if let Some(p) = &r.problem {
        anstream::println!(
            "{} [{}] {}",
            paint(BAD, "problem"),
            p.code,
            safe(&p.message)
        );
    }
    if r.ok && s.trusted {
        anstream::println!(
            "{} the image matches every digest of its signed digest file",
            paint(GOOD, "OK")
        );
    } else if r.ok {
        // Only --allow-unsigned lets an unsigned digest file through.
        anstream::println!(
            "{} the image matches every digest of its unsigned digest file (allowed by --allow-unsigned): nobody vouches for these digests",
            paint(WARN, "OK")
        );
    } else {
        anstream::println!("{} the image is not verified", paint(BAD, "FAILED"));
    }
}

/// The result of `digest make`, for `--json`.
#[derive(Debug, Serialize)]
struct MakeReport {
    output: String,
    images: Vec<MadeImage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signed_with: Option<String>,
}

fn run_make(args: MakeArgs, global: &GlobalArgs) -> Result<u8> {
    let output = output_for(args.output.as_deref(), &args.images, args.force)?;
    // Unlock and judge the key first: a wrong passphrase or an untrusted key
    // should not cost a full read. Without a signer the pack is not read.
    let signer = match args.signer.sign_as.is_some() {
        true => {
            let (pack, ring) = load_pack(&args.pack, args.master.as_deref())?;
            let signer = args.signer.unlock(&pack, ROLE_RELEASE)?;
            if let Some((_, key)) = &signer {
                check_trusted_signer(&ring.entries, &key.cert_fingerprint(), ROLE_RELEASE)?;
            }
            signer.map(|s| (s, pack, ring))
        }
        false => None,
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
    let contents = match &signer {
        Some(((_, key), pack, ring)) => {
            let signed = sign_cleartext(key, text.as_bytes())?;
            let signers = DigestSigners {
                ring,
                roles: pack.config.allowed_roles(&pack.config.layout.digests),
            };
            // What `digest check` will say, before anything is written.
            self_check(signed.as_bytes(), &signers, &output)?;
            signed
        }
        None => text,
    };
    secpack::fsutil::write_atomic(&output, contents.as_bytes(), args.force)?;
    let report = MakeReport {
        output: output.display().to_string(),
        images,
        signed_with: signer.map(|((file, _), _, _)| file),
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
