//! `secpack site check-securitytxt`: the security.txt lint, and its run at
//! the end of `site build`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use secpack::securitytxt::{lint, read, LintOptions, LintReport};
use secpack::trust::keyring::Keyring;
use secpack_site::security_txt::{canonical_url, csaf_url};
use serde::Serialize;

use crate::cmd::args::TrustArgs;
use crate::escape::safe;
use crate::output::{paint, severity_style, BAD, GOOD};
use crate::GlobalArgs;

/// Lint a security.txt (RFC 9116): a file or a URL.
///
/// Checked: Contact (required, mailto:, tel: or https: URIs), Expires
/// (exactly once, RFC 3339, in the future, within a year, and not after the
/// expiry of the key that signed the file), Canonical (names the URL the
/// file was fetched from, or --base-url + /.well-known/security.txt), the
/// other URIs (https), Preferred-Languages (once, language tags), unknown
/// fields (warned), a CSAF field when the pack publishes a CSAF provider
/// (export.csaf_base_url) or --csaf-url is given, and a clear-signature,
/// verified with the keys of the pack given with --pack.
///
/// Exit status: 0 no error (warnings allowed), 1 an error, 2 usage error
/// (the file cannot be read, the pack cannot be opened).
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// A security.txt file, or its https URL.
    target: String,
    /// The pack whose keys verify a signed file and whose
    /// export.csaf_base_url says whether a CSAF line is due.
    #[arg(long, value_name = "DIR")]
    pack: Option<PathBuf>,
    #[command(flatten)]
    trust: TrustArgs,
    /// URL of the site the file belongs to: Canonical must be its
    /// /.well-known/security.txt (default for a URL: the URL itself).
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// URL of the provider-metadata.json a CSAF field must name.
    #[arg(long, value_name = "URL")]
    csaf_url: Option<String>,
    /// Time limit of the HTTP request, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    target: &'a str,
    #[serde(flatten)]
    lint: &'a LintReport,
}

/// Runs the lint on a file or URL.
pub fn run(args: CheckArgs, global: &GlobalArgs) -> Result<u8> {
    let bytes = read(&args.target, Duration::from_secs(args.timeout))?;
    let is_url = args.target.starts_with("https://") || args.target.starts_with("http://");
    let mut csaf = args.csaf_url.clone();
    let ring = match &args.pack {
        Some(root) => {
            let pin = args.trust.pin()?;
            let v = crate::cmd::args::open_verified_pack(root, &pin)?;
            if csaf.is_none() {
                csaf = v.pack.config.export.csaf_base_url.as_deref().map(csaf_url);
            }
            Some(v.ring)
        }
        None => None,
    };
    let canonical = match (&args.base_url, is_url) {
        (Some(base), _) => Some(canonical_url(base)),
        (None, true) => Some(args.target.clone()),
        (None, false) => None,
    };
    let report = lint(
        &bytes,
        &LintOptions {
            canonical,
            csaf,
            keyring: ring.as_ref(),
            now: chrono::Utc::now(),
        },
    );
    let code = if report.ok {
        crate::EXIT_OK
    } else {
        crate::EXIT_FAILURE
    };
    if global.json {
        crate::output::print_json(&Report {
            target: &args.target,
            lint: &report,
        })?;
        return Ok(code);
    }
    print_findings(&report);
    let verdict = if report.ok {
        paint(GOOD, "ok")
    } else {
        paint(BAD, "failed")
    };
    let signed = match (&report.signed, &report.signed_by) {
        (true, Some(by)) => format!("signed by {by}"),
        (true, None) => "signed, not verified".to_string(),
        (false, _) => "unsigned".to_string(),
    };
    anstream::println!("{verdict} {} ({})", safe(&args.target), safe(signed));
    Ok(code)
}

/// Lints the `security.txt` a site build made: Canonical from the site's
/// base URL, a CSAF field when the pack publishes a provider, the
/// signature with `ring` (the pack's keys) when the file is signed.
pub fn lint_built(
    bytes: &[u8],
    base_url: Option<&str>,
    csaf_base_url: Option<&str>,
    ring: Option<&Keyring>,
    now: chrono::DateTime<chrono::Utc>,
) -> LintReport {
    lint(
        bytes,
        &LintOptions {
            canonical: base_url.map(canonical_url),
            csaf: csaf_base_url.map(csaf_url),
            keyring: ring,
            now,
        },
    )
}

/// Prints each finding: `error [code] line N: message`.
pub fn print_findings(report: &LintReport) {
    for f in &report.findings {
        let word = paint(severity_style(f.severity), f.severity.word());
        let line = f.line.map(|l| format!(" line {l}:")).unwrap_or_default();
        anstream::println!(
            "{word} [{}] security.txt{line} {}",
            f.code,
            safe(&f.message)
        );
    }
}
