//! `secpack export`: machine-readable advisories (OSV, CSAF 2.0) from the
//! pack's bulletins.

use std::path::PathBuf;

use anyhow::Result;
use secpack::config::ROLE_SECURITY_TEAM;
use secpack::export::csaf::CsafSettings;
use secpack::export::provider::{build_provider, SECURITY_TXT_SNIPPET, WELL_KNOWN};
use secpack::export::trust::keep_verified;
use secpack::export::{load_bulletins, osv, write_export, Finding, PackBulletin};
use secpack::pack::Pack;
use secpack::signing::check_trusted_signer;
use secpack::trust::{verify_settled, PackReport, VerifiedPack, VerifyOptions};
use serde::Serialize;

use crate::cmd::args::{PackSubject, TrustArgs};
use crate::escape::safe;
use crate::output::{paint, DIM, GOOD, HEAD, WARN};
use crate::secret::SignerArgs;
use crate::GlobalArgs;

/// Export the pack's bulletins as OSV records or CSAF 2.0 advisories.
///
/// Each bulletin is parsed from its text; a sidecar `qsb-NNN-YYYY.toml` beside
/// it adds or corrects fields (title, dates, CVEs, CVSS, CWE, packages...).
/// Nothing is written when a bulletin or sidecar is invalid. The trust engine
/// runs first: a bulletin whose signatures do not verify is left out (and
/// reported), so is a draft still holding template text, and only a current
/// security-team key the master certifies may sign.
///
/// The export owns its output folder: each run replaces it whole (written
/// beside it, then renamed into place), so nothing stale stays published. A
/// folder that is not empty and was not written by secpack export (it has no
/// .secpack-export file) is refused and left untouched.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    format: Format,
}

#[derive(Debug, clap::Subcommand)]
enum Format {
    Osv(OsvArgs),
    Csaf(CsafArgs),
    Check(crate::cmd::export_check::CheckArgs),
}

/// What every format takes: the pack, where trust comes from, what to do
/// with bulletins that fail it, and the output folder.
#[derive(Debug, clap::Args)]
struct ExportArgs {
    #[command(flatten)]
    pack: PackSubject,
    #[command(flatten)]
    pin: TrustArgs,
    /// Also export bulletins whose signatures do not verify (each is still
    /// reported).
    #[arg(long)]
    include_unverified: bool,
    /// Output folder, owned by the export: created when missing, replaced
    /// whole when it holds an earlier export of the same format, refused
    /// when it holds anything else.
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
}

/// One OSV JSON record per bulletin, `<id>.json`, with `all.json` (each
/// record's id and modified date) and `all.zip` (every record), laid out as
/// OSV.dev's REST data source reads them.
#[derive(Debug, clap::Args)]
struct OsvArgs {
    #[command(flatten)]
    export: ExportArgs,
}

/// CSAF 2.0 advisories laid out as a CSAF (trusted) provider publishes them.
///
/// Writes `DIR/.well-known/csaf/` (provider-metadata.json, a folder per year
/// with each document and its .sha256, .sha512 and, when signing, .asc;
/// index.txt, changes.csv, the ROLIE feed) and `DIR/security-txt-csaf.txt`
/// with the `CSAF:` line for security.txt. With --sign-as and --key the
/// documents are signed and the provider is a trusted provider. DIR is the
/// root of what the web server publishes for CSAF.
#[derive(Debug, clap::Args)]
struct CsafArgs {
    #[command(flatten)]
    export: ExportArgs,
    /// URL the provider folder is published at (default: export.csaf_base_url,
    /// else project.url + /.well-known/csaf).
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    #[command(flatten)]
    signer: SignerArgs,
}

/// What an export did, for `--json`.
#[derive(Debug, Serialize)]
struct Report<'a> {
    format: &'static str,
    output: String,
    files: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider_metadata_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    security_txt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signed_by: Option<String>,
    findings: &'a [Finding],
}

/// Runs the subcommand.
pub fn run(args: Args, global: &GlobalArgs) -> Result<u8> {
    match args.format {
        Format::Osv(a) => run_osv(a, global),
        Format::Csaf(a) => run_csaf(a, global),
        Format::Check(a) => crate::cmd::export_check::run(a, global),
    }
}

/// Opens the pack at `root` as a verifier (`secpack.toml` counts only when
/// signed), runs the trust engine and returns its bulletins that verify (all
/// of them with --include-unverified), with the findings.
fn verified_bulletins(
    args: &ExportArgs,
) -> Result<(Pack, Vec<PackBulletin>, Vec<Finding>, PackReport)> {
    let pin = args.pin.pin()?;
    let VerifiedPack { pack, ring } = args.pack.open_verified(&pin)?;
    let report = verify_settled(&pack, ring, &pin, VerifyOptions::default(), &|| {});
    let (bulletins, mut findings) = load_bulletins(&pack)?;
    let kept = keep_verified(bulletins, &report, args.include_unverified, &mut findings);
    Ok((pack, kept, findings, report))
}

fn run_osv(OsvArgs { export: args }: OsvArgs, global: &GlobalArgs) -> Result<u8> {
    let (pack, bulletins, findings, _) = verified_bulletins(&args)?;
    let files = osv::osv_files(&bulletins, &pack.config)?;
    write_export(&args.output, "osv", &files)?;
    let report = Report {
        format: "osv",
        output: args.output.display().to_string(),
        files: files.iter().map(|f| f.path.clone()).collect(),
        provider_metadata_url: None,
        security_txt: None,
        signed_by: None,
        findings: &findings,
    };
    let what = format!(
        "{} OSV records, {} and {} in {}",
        bulletins.len(),
        osv::ALL_JSON,
        osv::ALL_ZIP,
        args.output.display()
    );
    finish(&report, global, &what)
}

fn run_csaf(args: CsafArgs, global: &GlobalArgs) -> Result<u8> {
    let (pack, bulletins, findings, trust) = verified_bulletins(&args.export)?;
    let settings = CsafSettings::from_config(&pack.config, args.base_url.as_deref())?;
    let signer = args.signer.unlock(&pack, ROLE_SECURITY_TEAM)?;
    if let Some((_, signer)) = &signer {
        check_trusted_signer(&trust.keys, &signer.cert_fingerprint(), ROLE_SECURITY_TEAM)?;
    }
    let layout = build_provider(
        &bulletins,
        &pack.config,
        &settings,
        signer.as_ref().map(|s| &s.1),
        chrono::Utc::now(),
    )?;
    let output = &args.export.output;
    write_export(output, "csaf", &layout.files)?;
    let report = Report {
        format: "csaf",
        output: output.display().to_string(),
        files: layout.files.iter().map(|f| f.path.clone()).collect(),
        provider_metadata_url: Some(layout.provider_metadata_url.clone()),
        security_txt: Some(layout.security_txt_line.clone()),
        signed_by: signer.as_ref().map(|s| s.0.clone()),
        findings: &findings,
    };
    let what = format!(
        "{} CSAF documents ({}) in {}",
        layout.documents.len(),
        if layout.signed {
            "hashed and signed"
        } else {
            "hashed, not signed"
        },
        output.join(WELL_KNOWN).display()
    );
    let code = finish(&report, global, &what)?;
    if !global.json {
        anstream::println!(
            "{} (also in {}):\n  {}",
            paint(HEAD, "Add this line to security.txt"),
            safe(output.join(SECURITY_TXT_SNIPPET).display()),
            safe(&layout.security_txt_line)
        );
    }
    Ok(code)
}

/// Prints the report and returns the exit code: 1 when a bulletin was left
/// out (it did not verify, or it is still a draft), else 0.
fn finish(report: &Report<'_>, global: &GlobalArgs, what: &str) -> Result<u8> {
    let code = match report.findings.iter().any(|f| {
        matches!(
            f.code,
            "unverified-bulletin" | "unverified-sidecar" | "template-text"
        )
    }) {
        true => crate::EXIT_FAILURE,
        false => crate::EXIT_OK,
    };
    if global.json {
        crate::output::print_json(report)?;
        return Ok(code);
    }
    for f in report.findings {
        anstream::println!(
            "{} {} {}: {}",
            paint(WARN, "note"),
            paint(DIM, format!("[{}]", f.code)),
            safe(&f.path),
            safe(&f.message)
        );
    }
    anstream::println!("{} {}", paint(GOOD, "wrote"), safe(what));
    if let Some(by) = &report.signed_by {
        anstream::println!("{} {}", paint(DIM, "signed with the team key in"), safe(by));
    }
    Ok(code)
}
