//! `secpack site build`: the security centre's static website.

use std::path::PathBuf;

use anyhow::{Context, Result};
use secpack::trust::{verify_settled, VerifiedPack, VerifyOptions};
use secpack_site::{render, write, SiteOptions};
use serde::Serialize;

use crate::cmd::args::JudgedPack;
use crate::escape::safe;
use crate::output::{paint, BAD, GOOD, HEAD, WARN};
use crate::secret::SignerArgs;
use crate::GlobalArgs;

/// The security centre's website: hub, bulletins, canaries, advisory tracker,
/// keys, verification guide, team, Atom feeds and security.txt, in English
/// and French (and every language of the pack's `site/*.md` pages).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: SiteCommand,
}

#[derive(Debug, clap::Subcommand)]
enum SiteCommand {
    Build(BuildArgs),
    CheckSecuritytxt(crate::cmd::site_check::CheckArgs),
}

/// Build the static site (no JavaScript; works offline and under any URL).
///
/// The pack is verified first and the result shown on the pages; signatures
/// that do not verify fail the build unless --allow-failures. The site is
/// written to a staging folder and renamed into place.
///
/// Exit status: 0 built, 1 the pack does not verify (nothing written),
/// 2 usage or configuration error.
#[derive(Debug, clap::Args)]
struct BuildArgs {
    #[command(flatten)]
    target: JudgedPack,
    /// Output folder (replaced when it holds a previous build).
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
    /// URL the site is published at: canonical links, feed ids, security.txt.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Build even when signatures do not verify (the pages say so).
    #[arg(long)]
    allow_failures: bool,
    #[command(flatten)]
    signer: SignerArgs,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    output: String,
    built: bool,
    failures: &'a [String],
    #[serde(flatten)]
    summary: Option<&'a secpack_site::pages::Summary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    security_txt_lint: Option<&'a secpack::securitytxt::LintReport>,
    /// Why the signer given with --sign-as signed nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    signer_unused: Option<String>,
}

/// Runs the subcommand.
pub fn run(args: Args, global: &GlobalArgs) -> Result<u8> {
    let args = match args.command {
        SiteCommand::Build(a) => a,
        SiteCommand::CheckSecuritytxt(a) => return crate::cmd::site_check::run(a, global),
    };
    let pin = args.target.trust.pin()?;
    let VerifiedPack { pack, ring } = args.target.pack.open_verified(&pin)?;
    if let Some(base) = &args.base_url {
        secpack::http::check_base_url("--base-url", base)?;
    }
    let signer = args
        .signer
        .unlock(&pack, secpack::config::ROLE_SECURITY_TEAM)?;
    let report = verify_settled(&pack, ring, &pin, VerifyOptions::default(), &|| {});
    let output = args.output.display().to_string();
    if !report.summary.ok && !args.allow_failures {
        let r = Report {
            output,
            built: false,
            failures: &report.summary.failures,
            summary: None,
            security_txt_lint: None,
            signer_unused: None,
        };
        if global.json {
            crate::output::print_json(&r)?;
        } else {
            anstream::eprintln!(
                "{} the pack does not verify; nothing was written (use --allow-failures to publish anyway):",
                paint(BAD, "error:")
            );
            for f in &report.summary.failures {
                anstream::eprintln!("  {}", safe(f));
            }
        }
        return Ok(crate::EXIT_FAILURE);
    }
    let options = SiteOptions {
        base_url: args.base_url.clone(),
        now: chrono::Utc::now(),
        security_txt_key: signer.as_ref().map(|s| &s.1),
        report_form: false,
    };
    let site = render(&pack, &report, &options).context("building the site")?;
    // The security.txt lint: an error fails the build, nothing written.
    let lint = site.files.get(".well-known/security.txt").map(|bytes| {
        let ring = signer
            .as_ref()
            .map(|_| secpack::trust::keyring::Keyring::load(&pack, &pin));
        crate::cmd::site_check::lint_built(
            bytes,
            args.base_url.as_deref(),
            pack.config.export.csaf_base_url.as_deref(),
            ring.as_ref(),
            options.now,
        )
    });
    if let Some(l) = lint.as_ref().filter(|l| !l.ok) {
        if global.json {
            crate::output::print_json(&Report {
                output,
                built: false,
                failures: &report.summary.failures,
                summary: None,
                security_txt_lint: Some(l),
                signer_unused: None,
            })?;
        } else {
            crate::cmd::site_check::print_findings(l);
            anstream::eprintln!(
                "{} the security.txt the site would publish fails its lint; nothing was written",
                paint(BAD, "error:")
            );
        }
        return Ok(crate::EXIT_FAILURE);
    }
    write(&site, &args.output)?;
    let s = &site.summary;
    // The signer signs security.txt only: none built, it signed nothing.
    let signer_unused = args
        .signer
        .sign_as
        .as_ref()
        .filter(|_| signer.is_some() && !site.files.contains_key(".well-known/security.txt"))
        .map(|name| {
            format!(
                "--sign-as {name} was not used: it signs security.txt only, and no \
                 security.txt was built (the pack gives it no Contact)"
            )
        });
    if global.json {
        crate::output::print_json(&Report {
            output,
            built: true,
            failures: &report.summary.failures,
            summary: Some(s),
            security_txt_lint: lint.as_ref(),
            signer_unused,
        })?;
    } else {
        anstream::println!(
            "{} {} ({} pages; languages {}; {} bulletins, {} canaries, tracker {}; security.txt {})",
            paint(GOOD, "built"),
            safe(args.output.display()),
            s.pages,
            safe(s.languages.join(", ")),
            s.bulletins,
            s.canaries,
            s.tracker_rows.map_or("absent".to_string(), |n| format!("{n} rows")),
            s.security_txt,
        );
        if !report.summary.ok {
            anstream::println!(
                "{} published although the pack does not verify: {}",
                paint(WARN, "warning:"),
                safe(report.summary.failures.join("; "))
            );
        }
        if s.canary_overdue {
            anstream::println!("{} the latest canary is overdue", paint(WARN, "warning:"));
        }
        for n in s.notices.iter().chain(&signer_unused) {
            anstream::println!("{} {}", paint(HEAD, "note:"), safe(n));
        }
        if let Some(l) = &lint {
            crate::cmd::site_check::print_findings(l);
        }
    }
    Ok(crate::EXIT_OK)
}
