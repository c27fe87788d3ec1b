//! `secpack digest`: check an installation image against its signed digest
//! file, reading the image once; make digest files for release images.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use secpack::config::ROLE_RELEASE;
use secpack::digest::check::{
    algorithms_for, compare, is_cleartext_signed, DigestResult, DigestStatus, SignatureVerdict,
};
use secpack::digest::file::{DigestFile, MAX_DIGEST_FILE_BYTES};
use secpack::digest::hashing::{hash_reader, Computed};
use secpack::digest::{render, Algorithm};
use secpack::pack::Pack;
use secpack::signing::{check_trusted_signer, sign_cleartext};
use secpack::trust::keyring::Keyring;
use secpack::trust::signature::MAX_SIGNATURE_BYTES;
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

/// Why the digests could not be compared, with a stable code.
#[derive(Debug, Serialize)]
struct Problem {
    code: &'static str,
    message: String,
}

/// The result of `digest check`, for `--json`.
#[derive(Debug, Serialize)]
struct CheckReport {
    image: String,
    digests_file: String,
    signature: SignatureVerdict,
    unsigned_allowed: bool,
    digests: Vec<DigestResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<Problem>,
    bytes_read: u64,
    ok: bool,
}

fn run_check(args: CheckArgs, global: &GlobalArgs) -> Result<u8> {
    let digests_path = args
        .digests
        .clone()
        .unwrap_or_else(|| with_suffix(&args.image, ".DIGESTS"));
    let image_name = file_name(&args.image)?;
    let raw = read_limited(&digests_path, MAX_DIGEST_FILE_BYTES, "digest file")?;
    let (signature, text) = judge_signature(&args, &digests_path, &raw)?;
    let mut report = CheckReport {
        image: args.image.display().to_string(),
        digests_file: digests_path.display().to_string(),
        signature,
        unsigned_allowed: args.allow_unsigned,
        digests: Vec::new(),
        problem: None,
        bytes_read: 0,
        ok: false,
    };
    match text.map(|t| parse_text(&t, &digests_path)) {
        None => {
            report.problem = Some(Problem {
                code: "unreadable-signed-text",
                message: "the signed text of the digest file cannot be read".into(),
            })
        }
        Some(Err(problem)) => report.problem = Some(problem),
        Some(Ok(file)) => match algorithms_for(&file, &image_name) {
            Err(e) => {
                report.problem = Some(Problem {
                    code: e.code(),
                    message: e.to_string(),
                })
            }
            Ok(algorithms) => {
                let image = File::open(&args.image)
                    .with_context(|| format!("opening {}", args.image.display()))?;
                let (computed, bytes) =
                    hash_with_progress(image, &args.image, &algorithms, global)?;
                report.bytes_read = bytes;
                report.digests = compare(&file, &image_name, &computed)?;
            }
        },
    }
    let signature_ok = report.signature.trusted
        || (args.allow_unsigned
            && report.signature.status == secpack::trust::verdict::SigStatus::Unsigned);
    report.ok = signature_ok
        && report.problem.is_none()
        && !report.digests.is_empty()
        && report
            .digests
            .iter()
            .all(|d| d.status == DigestStatus::Match);
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

/// The verdict on the digest file's signature and the text it covers (the
/// raw file when it is not clear-signed; `None` when unreadable).
fn judge_signature(
    args: &CheckArgs,
    digests_path: &Path,
    raw: &[u8],
) -> Result<(SignatureVerdict, Option<Vec<u8>>)> {
    let detached = match &args.signature {
        Some(p) => Some(p.clone()),
        None => Some(with_suffix(digests_path, ".asc")).filter(|p| p.is_file()),
    };
    if is_cleartext_signed(raw) {
        let ring = load_keyring(args)?;
        let (judgements, text) = ring.verify_inline(raw);
        let verdict = SignatureVerdict::judge(&ring, &judgements, "cleartext");
        return Ok((verdict, text));
    }
    let Some(sig_path) = detached else {
        let verdict = SignatureVerdict::unsigned(format!(
            "{} is not clear-signed and has no detached signature {}",
            digests_path.display(),
            with_suffix(digests_path, ".asc").display()
        ));
        return Ok((verdict, Some(raw.to_vec())));
    };
    let sig = read_limited(&sig_path, MAX_SIGNATURE_BYTES, "signature")?;
    let ring = load_keyring(args)?;
    let judgements = ring.verify_detached(raw, &sig);
    let verdict = SignatureVerdict::judge(&ring, &judgements, &sig_path.display().to_string());
    Ok((verdict, Some(raw.to_vec())))
}

fn load_keyring(args: &CheckArgs) -> Result<Keyring> {
    let pin = crate::cmd::verify::resolve_pin(args.master.as_deref())?;
    secpack::pack::ensure_is_pack(&args.pack)?;
    let pack = Pack::open(&args.pack)?;
    Ok(Keyring::load(&pack, &pin))
}

fn parse_text(text: &[u8], path: &Path) -> Result<DigestFile, Problem> {
    let text = std::str::from_utf8(text).map_err(|e| Problem {
        code: "malformed-digest-file",
        message: format!("{} is not UTF-8 text: {e}", path.display()),
    })?;
    DigestFile::parse(text).map_err(|e| Problem {
        code: "malformed-digest-file",
        message: format!("{}: {e}", path.display()),
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

/// The result of `digest make`, for `--json`.
#[derive(Debug, Serialize)]
struct MakeReport {
    output: String,
    images: Vec<MadeImage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signed_with: Option<String>,
}

/// One image listed in a made digest file.
#[derive(Debug, Serialize)]
struct MadeImage {
    name: String,
    bytes: u64,
    digests: std::collections::BTreeMap<Algorithm, String>,
}

fn run_make(args: MakeArgs, global: &GlobalArgs) -> Result<u8> {
    let output = match (&args.output, args.images.as_slice()) {
        (Some(o), _) => o.clone(),
        (None, [one]) => with_suffix(one, ".DIGESTS"),
        (None, _) => anyhow::bail!("several images need --output FILE for their digest file"),
    };
    if !args.force && output.exists() {
        anyhow::bail!("{} exists; give --force to replace it", output.display());
    }
    // Unlock and judge the key first: a wrong passphrase or an untrusted key
    // should not cost a full read. Without a signer the pack is not read.
    let signer = match args.signer.sign_as.is_some() {
        true => {
            let pack = Pack::open(&args.pack)?;
            let pin = crate::cmd::verify::resolve_pin(args.master.as_deref())?;
            let signer = args.signer.unlock(&pack, ROLE_RELEASE)?;
            let ring = Keyring::load(&pack, &pin);
            if let Some((_, key)) = &signer {
                check_trusted_signer(&ring.entries, &key.cert_fingerprint(), ROLE_RELEASE)?;
            }
            signer.map(|s| (s, ring))
        }
        false => None,
    };
    let mut listed = Vec::new();
    let mut images = Vec::new();
    for path in &args.images {
        let name = file_name(path)?;
        let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
        let (computed, bytes) = hash_with_progress(file, path, &Algorithm::ALL, global)?;
        images.push(MadeImage {
            name: name.clone(),
            bytes,
            digests: computed
                .iter()
                .map(|c| (c.algorithm, c.hex.clone()))
                .collect(),
        });
        listed.push((name, computed));
    }
    let text = render(&listed);
    let contents = match &signer {
        Some(((_, key), ring)) => {
            let signed = sign_cleartext(key, text.as_bytes())?;
            // What `digest check` will say, before anything is written.
            let (judgements, _) = ring.verify_inline(signed.as_bytes());
            let verdict = SignatureVerdict::judge(ring, &judgements, "the new signature");
            anyhow::ensure!(
                verdict.trusted,
                "refusing to write {}: the new signature does not verify: {}",
                output.display(),
                verdict.reason
            );
            signed
        }
        None => text,
    };
    secpack::fsutil::write_atomic(&output, contents.as_bytes(), args.force)?;
    let report = MakeReport {
        output: output.display().to_string(),
        images,
        signed_with: signer.map(|((file, _), _)| file),
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

/// Hashes `input` once with a byte progress bar (hidden for `--json` and
/// when standard error is not a terminal).
fn hash_with_progress(
    input: File,
    path: &Path,
    algorithms: &[Algorithm],
    global: &GlobalArgs,
) -> Result<(Vec<Computed>, u64)> {
    let len = input.metadata().map(|m| m.len()).unwrap_or(0);
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
    bar.set_message(format!("hashing {}", safe(file_name(path)?)));
    let result = hash_reader(input, algorithms, &|n| bar.inc(n))
        .with_context(|| format!("hashing {}", path.display()));
    bar.finish_and_clear();
    result
}

/// `path` with `suffix` appended to its file name (`a.iso` → `a.iso.DIGESTS`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn file_name(path: &Path) -> Result<String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .with_context(|| format!("{} has no UTF-8 file name", path.display()))
}

/// Reads a small file, refusing one larger than `limit`.
fn read_limited(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>> {
    let file =
        File::open(path).with_context(|| format!("opening the {what} {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading the {what} {}", path.display()))?;
    anyhow::ensure!(
        bytes.len() as u64 <= limit,
        "the {what} {} is larger than {} KiB",
        path.display(),
        limit >> 10
    );
    Ok(bytes)
}
