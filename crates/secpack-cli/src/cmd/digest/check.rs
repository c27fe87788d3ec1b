//! `digest check`.

use std::path::PathBuf;

use anyhow::Result;
use secpack::digest::check::DigestStatus;
use secpack::digest::image::{
    check_image, read_digest_file, with_suffix, CheckReport, CheckRequest, DigestSigners,
    SignatureSource,
};

use super::{byte_progress, load_pack};
use crate::cmd::args::TrustArgs;
use crate::escape::safe;
use crate::output::{paint, BAD, DIM, GOOD, HEAD, WARN};
use crate::GlobalArgs;

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
pub(super) struct CheckArgs {
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
    #[command(flatten)]
    trust: TrustArgs,
    /// Accept a digest file without any signature (the digests are still
    /// compared; the report says it is unsigned).
    #[arg(long)]
    allow_unsigned: bool,
}

pub(super) fn run(args: CheckArgs, global: &GlobalArgs) -> Result<u8> {
    let digests_file = args
        .digests
        .clone()
        .unwrap_or_else(|| with_suffix(&args.image, ".DIGESTS"));
    let raw = read_digest_file(&digests_file)?;
    let source = SignatureSource::find(&digests_file, &raw, args.signature.as_deref());
    // The pack and the pin are needed only when there is a signature.
    let keys = match source {
        SignatureSource::None => None,
        _ => Some(load_pack(&args.pack, &args.trust)?),
    };
    let signers = keys
        .as_ref()
        .map(|(pack, ring)| DigestSigners::of(pack, ring));
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
