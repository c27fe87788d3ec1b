//! `secpack export check`: checks a CSAF provider tree (a folder or a URL).

use std::time::Duration;

use anyhow::Result;
use secpack::export::check::{check, CheckOptions, Severity};

use crate::escape::safe;
use crate::output::{paint, BAD, DIM, GOOD};
use crate::GlobalArgs;

/// Check a CSAF 2.0 provider tree against the distribution requirements of
/// CSAF 2.0 §7.1, as BSI's csaf_checker does.
///
/// TARGET is an export's output folder (or the provider folder holding
/// provider-metadata.json), the URL of a provider-metadata.json, or a site's
/// URL (its /.well-known/csaf/provider-metadata.json is read). Checked:
/// provider metadata (schema, canonical_url, role, distributions, OpenPGP
/// keys and fingerprints), the ROLIE feed with its service and category
/// documents, index.txt, changes.csv (RFC 4180, newest first, relative
/// paths, entries that exist), every document (schema, file name, TLP and
/// year folders, .sha256/.sha512, an armoured non-SHA-1 signature by a
/// listed key) and, over HTTP, TLS and the absence of redirects.
///
/// Exit status: 0 no error (warnings allowed), 1 a requirement is not met,
/// 2 usage error (TARGET is neither a provider folder nor a URL).
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// A folder, the URL of provider-metadata.json, or a site's URL.
    target: String,
    /// Largest file read, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 16)]
    max_size: u64,
    /// Time limit of each HTTP request, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,
}

/// Runs the check and presents its findings.
pub fn run(args: CheckArgs, global: &GlobalArgs) -> Result<u8> {
    let options = CheckOptions {
        max_bytes: args.max_size.saturating_mul(1 << 20),
        timeout: Duration::from_secs(args.timeout),
    };
    let report = check(&args.target, &options)?;
    let code = if report.ok {
        crate::EXIT_OK
    } else {
        crate::EXIT_FAILURE
    };
    if global.json {
        crate::output::print_json(&report)?;
        return Ok(code);
    }
    for f in &report.findings {
        let (style, word) = (crate::output::severity_style(f.severity), f.severity.word());
        let req = f
            .requirement
            .map(|r| format!(" §7.1.{r}"))
            .unwrap_or_default();
        anstream::println!(
            "{} {}{} {}: {}",
            paint(style, word),
            paint(DIM, format!("[{}]", f.code)),
            paint(DIM, req),
            safe(&f.location),
            safe(&f.message)
        );
    }
    let errors = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let role = report.role.as_deref().unwrap_or("unknown role");
    if report.ok {
        anstream::println!(
            "{} {} ({}; {} documents; {} warnings)",
            paint(GOOD, "ok"),
            safe(&report.provider_metadata_url),
            safe(role),
            report.documents,
            report.findings.len()
        );
    } else {
        anstream::println!(
            "{} {} ({}; {} documents): {} errors",
            paint(BAD, "failed"),
            safe(&report.provider_metadata_url),
            safe(role),
            report.documents,
            errors
        );
    }
    Ok(code)
}
