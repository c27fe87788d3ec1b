//! `secpack canary audit`: audit every canary a pack published.

use std::io::Write;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use secpack::canary::audit::{audit_pack, AuditOptions, AuditReport, DocumentSigners, Severity};
use secpack::trust::{verify_settled, VerifiedPack, VerifyOptions};

use super::parse_day;
use crate::cmd::args::{PackSubject, TrustArgs};
use crate::escape::safe;
use crate::output::{paint, print_json, BAD, DIM, GOOD, HEAD, WARN};
use crate::GlobalArgs;

/// Audit every canary of a pack: overdue, statement drift, bulletin count,
/// master fingerprint, proof of freshness, numbering.
///
/// Exit status 0 when nothing calls for attention, 1 when something does.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub pack: PackSubject,
    /// The day to audit for, YYYY-MM-DD (default: today, UTC).
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    pub now: Option<NaiveDate>,
    /// The master key (without a pin the fingerprint check is skipped).
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Report only findings about canaries numbered N or later (older ones
    /// are still read, to compare against).
    #[arg(long, value_name = "N", conflicts_with = "latest")]
    pub since: Option<u32>,
    /// Report only findings about the latest canary (and whether it is
    /// overdue): suits a periodic job.
    #[arg(long)]
    pub latest: bool,
}

/// Runs `canary audit`.
pub fn run(args: AuditArgs, global: &GlobalArgs) -> Result<u8> {
    let pin = args.trust.pin_if_any()?;
    let now = args.now.unwrap_or_else(|| chrono::Utc::now().date_naive());
    // With a pin, the pack is opened as a verifier (an unsigned secpack.toml
    // cannot stretch the cadence) and every canary's signatures are judged
    // by the trust engine; without one, the signature check is reported as
    // skipped.
    let (pack, signatures) = match &pin {
        Some(pin) => {
            let VerifiedPack { pack, ring } = args.pack.open_verified(pin)?;
            let report = verify_settled(&pack, ring, pin, VerifyOptions::default(), &|| {});
            (pack, Some(DocumentSigners::from_report(&report)))
        }
        None => (args.pack.open()?, None),
    };
    let mut options = AuditOptions {
        now,
        master: pin.map(|p| p.to_hex()),
        signatures,
        since: args.since,
    };
    if args.latest {
        options.since = pack
            .canaries()
            .iter()
            .filter(|(n, _)| n.suffix.is_none())
            .map(|(n, _)| n.number)
            .max();
    }
    let report = audit_pack(&pack, &options);
    if global.json {
        print_json(&report).context("printing the report")?;
    } else {
        print_text(&report)?;
    }
    Ok(if report.alerts() > 0 {
        crate::EXIT_FAILURE
    } else {
        crate::EXIT_OK
    })
}

fn print_text(report: &AuditReport) -> Result<()> {
    let mut out = anstream::stdout().lock();
    match &report.latest {
        Some(l) => {
            let date = l.date.map_or("no readable date".into(), |d| d.to_string());
            writeln!(
                out,
                "{} canary {} ({date}), {}",
                paint(HEAD, "Latest:"),
                l.number,
                safe(&l.path)
            )?;
            match l.next_due {
                Some(due) if report.overdue => writeln!(
                    out,
                    "{} the next canary was due by {due}: {} day(s) overdue",
                    paint(BAD, "OVERDUE"),
                    report.days_overdue
                )?,
                Some(due) => writeln!(out, "{} next canary due by {due}", paint(GOOD, "on time:"))?,
                None => writeln!(
                    out,
                    "{} no readable promise for the next canary",
                    paint(WARN, "unknown:")
                )?,
            }
        }
        None => writeln!(out, "{} the pack holds no canary", paint(BAD, "none:"))?,
    }
    writeln!(
        out,
        "{}",
        paint(
            DIM,
            format!(
                "{} canaries read; fingerprint check {:?}, signature check {:?} (as of {})",
                report.canaries.len(),
                report.checks.fingerprint,
                report.checks.signatures,
                report.now
            )
            .to_lowercase()
        )
    )?;
    for f in &report.findings {
        let style = if f.severity == Severity::Alert {
            BAD
        } else {
            DIM
        };
        let who = f
            .canary
            .map_or("pack".to_string(), |n| format!("canary {n}"));
        writeln!(
            out,
            "{} {who}: {}",
            paint(style, format!("[{}]", f.kind.code())),
            safe(&f.detail)
        )?;
    }
    let alerts = report.alerts();
    if alerts == 0 {
        writeln!(out, "{}", paint(GOOD, "nothing to alert on"))?;
    } else {
        writeln!(
            out,
            "{}",
            paint(BAD, format!("{alerts} finding(s) call for attention"))
        )?;
    }
    Ok(())
}
