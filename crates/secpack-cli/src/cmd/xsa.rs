//! `secpack xsa`: keep the upstream-advisory tracker.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use secpack::bulletin::{bulletin_id, resolve_bulletin};
use secpack::pack::{is_plain_relative, Pack};
use secpack::tracker::check::{self, CheckContext, Severity};
use secpack::tracker::{jekyll, stats, store, sync, upstream};
use secpack::tracker::{Affected, BulletinRef, Decision, Tracker};
use serde::Serialize;

use crate::escape::{safe, safe_text};
use crate::output::{paint, print_json, BAD, DIM, GOOD, HEAD, WARN};
use crate::GlobalArgs;

/// Keep the upstream-advisory tracker: which upstream advisories affect the
/// project, and which bulletin covers each.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: XsaCommand,
}

/// The pack to work on.
#[derive(Debug, clap::Args)]
struct PackArg {
    /// The pack's root folder.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pack: PathBuf,
}

#[derive(Debug, clap::Subcommand)]
enum XsaCommand {
    /// Create the tracker from a Jekyll site's `_data/sec-xsa.yml`.
    ImportJekyll {
        #[command(flatten)]
        pack: PackArg,
        /// The Jekyll data file.
        file: PathBuf,
        /// Replace an existing tracker file.
        #[arg(long)]
        force: bool,
    },
    /// Write the tracker in the Jekyll data shape (`_data/sec-xsa.yml`).
    ExportJekyll {
        #[command(flatten)]
        pack: PackArg,
        /// Write to this file (atomically) instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Add new upstream advisories as `tba`, refresh titles and CVEs.
    Sync {
        #[command(flatten)]
        pack: PackArg,
        /// The upstream JSON list: a file, or an http(s) URL.
        #[arg(long, value_name = "FILE_OR_URL")]
        from: String,
        /// Show what would change without writing the tracker.
        #[arg(long)]
        dry_run: bool,
        /// Seconds allowed for the whole HTTP fetch.
        #[arg(long, value_name = "SECS", default_value_t = upstream::DEFAULT_TIMEOUT.as_secs())]
        timeout: u64,
    },
    /// Record the triage decision for one advisory.
    Set(SetArgs),
    /// List the tracker's rows.
    List {
        #[command(flatten)]
        pack: PackArg,
        /// Only rows with this verdict.
        #[arg(long, value_enum)]
        affected: Option<AffectedArg>,
        /// Only rows dated on or after this day (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        since: Option<NaiveDate>,
    },
    /// Time span, advisories published, how many affect the project.
    Stats {
        #[command(flatten)]
        pack: PackArg,
    },
    /// Check the tracker against itself and the pack's bulletins.
    Check {
        #[command(flatten)]
        pack: PackArg,
        /// The day to age untriaged rows from (default: today, UTC).
        #[arg(long, value_name = "DATE")]
        now: Option<NaiveDate>,
    },
}

/// Arguments of `xsa set`.
#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("verdict").required(true).args(["affected", "unused"]))]
struct SetArgs {
    #[command(flatten)]
    pack: PackArg,
    /// The advisory number (`123` or `XSA-123`).
    number: String,
    /// Whether the project is affected (`yes` needs `--qsb`).
    #[arg(long, value_enum)]
    affected: Option<AffectedVerdict>,
    /// The bulletin covering the advisory: 1, 001, 001-2026 or QSB-001-2026;
    /// it must be a bulletin of the pack.
    #[arg(long, value_name = "BULLETIN")]
    qsb: Option<String>,
    /// A short mitigation note.
    #[arg(long, value_name = "TEXT", conflicts_with = "unused")]
    mitigation: Option<String>,
    /// The upstream never published this number.
    #[arg(long, conflicts_with_all = ["affected", "qsb"])]
    unused: bool,
    /// The advisory's date; needed when the row does not exist yet.
    #[arg(long, value_name = "DATE")]
    date: Option<NaiveDate>,
}

/// A verdict filter.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum AffectedArg {
    Yes,
    No,
    Tba,
}

impl From<AffectedArg> for Affected {
    fn from(a: AffectedArg) -> Self {
        match a {
            AffectedArg::Yes => Affected::Yes,
            AffectedArg::No => Affected::No,
            AffectedArg::Tba => Affected::Tba,
        }
    }
}

/// A triage verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum AffectedVerdict {
    Yes,
    No,
}

/// Runs the subcommand.
pub fn run(args: Args, global: &GlobalArgs) -> Result<u8> {
    match args.command {
        XsaCommand::ImportJekyll { pack, file, force } => {
            import_jekyll(&pack, &file, force, global)
        }
        XsaCommand::ExportJekyll { pack, output } => {
            export_jekyll(&pack, output.as_deref(), global)
        }
        XsaCommand::Sync {
            pack,
            from,
            dry_run,
            timeout,
        } => run_sync(&pack, &from, dry_run, Duration::from_secs(timeout), global),
        XsaCommand::Set(a) => set(a, global),
        XsaCommand::List {
            pack,
            affected,
            since,
        } => list(&pack, affected.map(Affected::from), since, global),
        XsaCommand::Stats { pack } => show_stats(&pack, global),
        XsaCommand::Check { pack, now } => run_check(&pack, now, global),
    }
}

/// The opened pack and the path of its tracker file.
fn open(pack: &PackArg) -> Result<(Pack, PathBuf)> {
    let pack = Pack::open(&pack.pack)?;
    let rel = &pack.config.tracker.file;
    if !is_plain_relative(rel) {
        bail!("secpack.toml: tracker.file = {rel:?} must be a relative path inside the pack");
    }
    let path = pack.path_of(rel);
    Ok((pack, path))
}

fn prefix(pack: &Pack) -> &str {
    &pack.config.project.upstream_id_prefix
}

fn import_jekyll(pack: &PackArg, file: &Path, force: bool, global: &GlobalArgs) -> Result<u8> {
    let (pack, path) = open(pack)?;
    let size = std::fs::metadata(file)
        .with_context(|| format!("reading {}", file.display()))?
        .len();
    if size > jekyll::MAX_JEKYLL_BYTES as u64 {
        bail!(
            "{} is larger than {} bytes",
            file.display(),
            jekyll::MAX_JEKYLL_BYTES
        );
    }
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let tracker = jekyll::import(&text).with_context(|| format!("importing {}", file.display()))?;
    if !force && store::load_if_present(&path).map_or(true, |t| t.is_some()) {
        bail!(
            "{} already exists: importing would replace its triage (use --force to replace it)",
            path.display()
        );
    }
    store::save(&tracker, &path)?;
    let rows = tracker.rows().len();
    if global.json {
        print_json(&serde_json::json!({
            "source": file, "tracker": pack.config.tracker.file, "rows": rows,
        }))?;
    } else {
        anstream::println!(
            "{} {rows} rows from {} into {}",
            paint(GOOD, "imported"),
            safe(file.display()),
            safe(&pack.config.tracker.file)
        );
    }
    Ok(crate::EXIT_OK)
}

fn export_jekyll(pack: &PackArg, output: Option<&Path>, global: &GlobalArgs) -> Result<u8> {
    let (_, path) = open(pack)?;
    let tracker = store::load(&path)?;
    let yaml = jekyll::export(&tracker);
    if let Some(out) = output {
        secpack::fsutil::write_atomic(out, yaml.as_bytes(), true)?;
    }
    if global.json {
        print_json(&serde_json::json!({
            "rows": tracker.rows().len(),
            "output": output,
            "yaml": if output.is_none() { Some(&yaml) } else { None },
        }))?;
    } else if let Some(out) = output {
        anstream::println!(
            "{} {} rows to {}",
            paint(GOOD, "exported"),
            tracker.rows().len(),
            safe(out.display())
        );
    } else if std::io::stdout().is_terminal() {
        // Titles come from upstream: on a terminal, shown escaped.
        anstream::print!("{}", safe_text(&yaml));
    } else {
        anstream::print!("{yaml}");
    }
    Ok(crate::EXIT_OK)
}

/// What `xsa sync` reports.
#[derive(Serialize)]
struct SyncReport<'a> {
    source: &'a str,
    upstream_advisories: usize,
    dry_run: bool,
    written: bool,
    changes: Vec<sync::Change>,
    warnings: Vec<String>,
}

fn run_sync(
    pack: &PackArg,
    from: &str,
    dry_run: bool,
    timeout: Duration,
    global: &GlobalArgs,
) -> Result<u8> {
    let (pack, path) = open(pack)?;
    let mut tracker = store::load_if_present(&path)?.unwrap_or_default();
    // A source that cannot be fetched or read is a failure (exit 1), not a
    // usage error.
    let list = match upstream::read_source(from, timeout).and_then(|text| {
        upstream::parse(&text).with_context(|| format!("reading the upstream list {from}"))
    }) {
        Ok(list) => list,
        Err(e) => {
            crate::output::error(&e);
            return Ok(crate::EXIT_FAILURE);
        }
    };
    let changes = sync::apply(&mut tracker, &list.advisories)?;
    let applied = changes.iter().any(sync::Change::is_applied);
    let written = applied && !dry_run;
    if written {
        store::save(&tracker, &path)?;
    }
    let report = SyncReport {
        source: from,
        upstream_advisories: list.advisories.len(),
        dry_run,
        written,
        changes,
        warnings: list.warnings,
    };
    if global.json {
        print_json(&report)?;
        return Ok(crate::EXIT_OK);
    }
    for w in &report.warnings {
        anstream::eprintln!("{} {}", paint(WARN, "warning:"), safe(w));
    }
    for c in &report.changes {
        let word = match c {
            sync::Change::Added { .. } => paint(GOOD, "added  "),
            sync::Change::DateDiffers { .. } => paint(WARN, "kept   "),
            _ => paint(HEAD, "updated"),
        };
        anstream::println!("{word} {}", safe(c.describe(prefix(&pack))));
    }
    let summary = format!(
        "{} upstream advisories, {} changes",
        report.upstream_advisories,
        report.changes.iter().filter(|c| c.is_applied()).count()
    );
    let tail = match (dry_run, written) {
        (true, _) => "dry run, nothing written".to_string(),
        (false, true) => format!("{} written", safe(&pack.config.tracker.file)),
        (false, false) => "tracker unchanged".to_string(),
    };
    anstream::println!("{}", paint(DIM, format!("{summary}; {tail}")));
    Ok(crate::EXIT_OK)
}

/// `123` or `XSA-123` (any case) as an advisory number.
fn parse_number(s: &str, prefix: &str) -> Result<u32> {
    let digits = s
        .get(..prefix.len() + 1)
        .filter(|p| p.eq_ignore_ascii_case(&format!("{prefix}-")))
        .map_or(s, |_| &s[prefix.len() + 1..]);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        bail!("{s:?} is not an advisory number (e.g. 123 or {prefix}-123)");
    }
    digits
        .parse()
        .with_context(|| format!("{s:?} is out of range"))
}

fn set(a: SetArgs, global: &GlobalArgs) -> Result<u8> {
    let (pack, path) = open(&a.pack)?;
    let number = parse_number(&a.number, prefix(&pack))?;
    let decision = match (a.unused, a.affected, a.qsb) {
        (true, _, _) => Decision::Unused,
        (false, Some(AffectedVerdict::Yes), Some(qsb)) => {
            let b = resolve_bulletin(&pack, &qsb).with_context(|| format!("--qsb {qsb:?}"))?;
            Decision::Affected {
                bulletin: BulletinRef {
                    number: b.number,
                    year: b.year,
                },
                mitigation: a.mitigation,
            }
        }
        (false, Some(AffectedVerdict::Yes), None) => {
            bail!("--affected yes needs --qsb (the bulletin covering it: 1, 001, 001-2026 or {}-001-2026)", pack.config.project.bulletin_id_prefix)
        }
        (false, Some(AffectedVerdict::No), Some(_)) => {
            bail!(
                "--qsb goes with --affected yes only (a bulletin confirms the project is affected)"
            )
        }
        (false, Some(AffectedVerdict::No), None) => Decision::NotAffected {
            mitigation: a.mitigation,
        },
        (false, None, _) => bail!("give --affected yes|no or --unused"),
    };
    let mut tracker = store::load_if_present(&path)?.unwrap_or_default();
    let row = tracker.decide(number, decision, a.date)?.clone();
    store::save(&tracker, &path)?;
    if global.json {
        print_json(&row)?;
    } else {
        anstream::println!(
            "{} {}",
            paint(GOOD, "recorded"),
            safe(describe_row(&row, &pack))
        );
    }
    Ok(crate::EXIT_OK)
}

/// One row for people: the bulletin by its identifier (`QSB-001-2026`).
fn describe_row(r: &secpack::tracker::Advisory, pack: &Pack) -> String {
    let p = prefix(pack);
    let verdict = if r.unused {
        "unused".to_string()
    } else {
        r.affected.to_string()
    };
    let mut s = format!(
        "{p}-{:<4} {:<10} {:<6} {:<12}",
        r.number,
        r.date.map_or("-".to_string(), |d| d.to_string()),
        verdict,
        r.bulletin.map_or("-".to_string(), |b| bulletin_id(
            &pack.config,
            b.number,
            b.year
        ))
    );
    if let Some(t) = &r.title {
        s += &format!(" {t}");
    }
    if let Some(m) = &r.mitigation {
        s += &format!(" [{m}]");
    }
    s.trim_end().to_string()
}

fn list(
    pack: &PackArg,
    affected: Option<Affected>,
    since: Option<NaiveDate>,
    global: &GlobalArgs,
) -> Result<u8> {
    let (pack, path) = open(pack)?;
    let tracker = store::load(&path)?;
    let rows: Vec<_> = tracker
        .rows()
        .iter()
        .filter(|r| affected.is_none_or(|a| r.affected == a))
        .filter(|r| since.is_none_or(|s| r.date.is_some_and(|d| d >= s)))
        .collect();
    if global.json {
        print_json(&rows)?;
    } else {
        for r in &rows {
            anstream::println!("{}", safe(describe_row(r, &pack)));
        }
        anstream::println!(
            "{}",
            paint(
                DIM,
                format!("{} of {} rows", rows.len(), tracker.rows().len())
            )
        );
    }
    Ok(crate::EXIT_OK)
}

fn show_stats(pack: &PackArg, global: &GlobalArgs) -> Result<u8> {
    let (pack, path) = open(pack)?;
    let tracker: Tracker = store::load(&path)?;
    let s = stats::compute(tracker.rows());
    if global.json {
        print_json(&s)?;
        return Ok(crate::EXIT_OK);
    }
    let p = safe(prefix(&pack));
    let day = |d: Option<NaiveDate>| d.map_or("-".to_string(), |d| d.to_string());
    anstream::println!("{}", paint(HEAD, format!("{p} tracker")));
    anstream::println!(
        "  from {} to {}: {:.1} years ({} days / {})",
        day(s.first),
        day(s.last),
        s.span_years,
        s.span_days,
        stats::DAYS_PER_YEAR
    );
    anstream::println!(
        "  advisories published: {} ({} unused numbers not counted)",
        s.published,
        s.unused
    );
    anstream::println!(
        "  affecting {}: {} ({:.2}%)",
        safe(&pack.config.project.name),
        s.affected,
        s.percentage
    );
    anstream::println!(
        "  not affecting: {}, to be triaged: {}",
        s.not_affected,
        s.tba
    );
    if s.undated > 0 {
        anstream::println!("  without a date: {}", s.undated);
    }
    anstream::println!("{}", paint(HEAD, "per year (published / affected)"));
    for y in &s.per_year {
        anstream::println!("  {}  {:>4} {:>4}", y.year, y.published, y.affected);
    }
    Ok(crate::EXIT_OK)
}

fn run_check(pack: &PackArg, now: Option<NaiveDate>, global: &GlobalArgs) -> Result<u8> {
    let (pack, path) = open(pack)?;
    let tracker = store::load(&path)?;
    let (existing, citations, mut findings) = check::read_bulletins(&pack);
    let cx = CheckContext {
        prefix: prefix(&pack).to_string(),
        existing,
        citations,
        today: now.unwrap_or_else(|| chrono::Utc::now().date_naive()),
        tba_max_days: pack.config.tracker.tba_max_days,
    };
    findings.extend(check::check(&tracker, &cx));
    let failures = findings.iter().filter(|f| f.is_failure()).count();
    let code = if failures > 0 {
        crate::EXIT_FAILURE
    } else {
        crate::EXIT_OK
    };
    if global.json {
        print_json(&serde_json::json!({
            "ok": failures == 0,
            "rows": tracker.rows().len(),
            "bulletins": cx.existing.len(),
            "failures": failures,
            "findings": findings,
        }))?;
        return Ok(code);
    }
    for f in &findings {
        let word = match f.severity {
            Severity::Error => paint(BAD, "error  "),
            Severity::Warning => paint(WARN, "warning"),
            Severity::Info => paint(DIM, "info   "),
        };
        anstream::println!(
            "{word} {} {}",
            safe(&f.message),
            paint(DIM, format!("[{}]", f.code))
        );
    }
    let verdict = if failures == 0 {
        paint(GOOD, "consistent")
    } else {
        paint(BAD, "inconsistent")
    };
    anstream::println!(
        "{verdict}: {} rows, {} bulletins, {failures} problems, {} notes",
        tracker.rows().len(),
        cx.existing.len(),
        findings.len() - failures
    );
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advisory_numbers() {
        assert_eq!(parse_number("123", "XSA").unwrap(), 123);
        assert_eq!(parse_number("XSA-123", "XSA").unwrap(), 123);
        assert_eq!(parse_number("xsa-7", "XSA").unwrap(), 7);
        for bad in ["", "XSA-", "XSA123", "12a", "-1", "99999999999"] {
            assert!(parse_number(bad, "XSA").is_err(), "{bad}");
        }
    }
}
