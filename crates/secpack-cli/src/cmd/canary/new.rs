//! `secpack canary new`: write the next canary.

use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use secpack::canary::machine::BlockFacts;
use secpack::fsutil::write_atomic;
use secpack::team::{check_freshness_text, draft_canary_with, CanaryProof};

use super::freshness::gather_now;
use super::parse_day;
use crate::cmd::args::{PackOption, TrustArgs};
use crate::escape::safe;
use crate::output::{paint, print_json, GOOD, WARN};
use crate::GlobalArgs;

/// Largest proof-of-freshness file read with `--freshness`.
const MAX_FRESHNESS_BYTES: u64 = 64 * 1024;

/// Write the next canary from the pack's template: number, date of issue,
/// bulletins published so far, the pinned master fingerprint, the window of
/// the next canary (from `[canary]` in `secpack.toml`) and a proof of
/// freshness gathered from the configured sources (or read from a file).
///
/// A source that fails stops with exit status 1 and nothing written.
#[derive(Debug, clap::Args)]
pub struct NewArgs {
    #[command(flatten)]
    pub pack: PackOption,
    /// The master key the canary states.
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Use this number instead of the next one (refused if taken).
    #[arg(long)]
    pub number: Option<u32>,
    /// The date of issue, YYYY-MM-DD (default: today, UTC).
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    pub date: Option<NaiveDate>,
    /// Quote this proof of freshness instead of gathering one: as `secpack
    /// canary freshness -o` writes it, or written by hand offline (an RFC
    /// 5322 date line, `Source:` blocks of headlines, a block hash; format in
    /// docs/canaries.md, "Proof of freshness offline").
    #[arg(long, value_name = "FILE")]
    pub freshness: Option<PathBuf>,
    /// Height of the Bitcoin block the proof quotes, written in the
    /// canary's JSON block (known without this when the proof is gathered).
    #[arg(long, value_name = "N")]
    pub block_height: Option<u64>,
    /// Time in the header of that block (RFC 3339, e.g.
    /// 2026-04-02T08:51:12Z), written in the JSON block; the audit checks
    /// the canary's dates against it.
    #[arg(long, value_name = "TIME")]
    pub block_time: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// Issue the canary even when its proof of freshness is dated more than
    /// 7 days before the date of issue (a loud warning, code
    /// `stale-proof`). A block hash an earlier canary quoted is refused
    /// whatever this says.
    #[arg(long)]
    pub allow_stale_proof: bool,
    /// Open the new canary in $EDITOR.
    #[arg(long)]
    pub edit: bool,
}

/// Runs `canary new`.
pub fn run(args: NewArgs, global: &GlobalArgs) -> Result<u8> {
    let pack = args.pack.open()?;
    let pin = args.trust.pin()?;
    let date = args.date.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let mut block = BlockFacts {
        height: args.block_height,
        time: args.block_time.map(|t| t.with_timezone(&chrono::Utc)),
    };
    let freshness = match &args.freshness {
        Some(path) => read_freshness_file(path)?,
        None => match gather_now(&pack)? {
            Some(proof) => {
                block.height = block.height.or(Some(proof.block.height));
                proof.render()
            }
            None => return Ok(crate::EXIT_FAILURE),
        },
    };
    let proof = CanaryProof {
        text: &freshness,
        block,
        allow_stale: args.allow_stale_proof,
    };
    let draft = draft_canary_with(&pack, args.number, date, &pin.to_hex(), proof)?;
    for w in &draft.warnings {
        anstream::eprintln!(
            "{} [{}] {}",
            paint(WARN, "warning:"),
            w.code,
            safe(&w.message)
        );
    }
    let path = pack.path_of(&draft.path);
    write_atomic(&path, draft.text.as_bytes(), false)?;
    if args.edit {
        crate::cmd::qsb::open_in_editor(&path)?;
    }
    if global.json {
        print_json(&serde_json::json!({
            "number": draft.number,
            "path": draft.path,
            "facts": draft.facts,
            "warnings": draft.warnings,
        }))?;
    } else {
        anstream::println!(
            "{} {} (next canary due by {})",
            paint(GOOD, "wrote"),
            safe(&draft.path),
            draft.facts.next_due
        );
    }
    Ok(crate::EXIT_OK)
}

fn read_freshness_file(path: &std::path::Path) -> Result<String> {
    let name = path.display().to_string();
    let bytes = secpack::fsutil::read_capped(path, MAX_FRESHNESS_BYTES)?;
    let text = String::from_utf8(bytes).with_context(|| format!("reading {name}"))?;
    check_freshness_text(&text, &name)?;
    Ok(text)
}
