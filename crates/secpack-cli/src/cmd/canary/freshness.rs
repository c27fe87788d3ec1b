//! `secpack canary freshness`: gather a proof of freshness.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Result;
use secpack::canary::freshness::{
    check_config, gather, http_options, Fetcher, ProofOfFreshness, OFFLINE_HINT,
};
use secpack::fsutil::write_atomic;
use secpack::pack::Pack;

use crate::output::{paint, print_json, DIM};
use crate::GlobalArgs;

/// Gather a proof of freshness: the date, the newest headlines of each news
/// feed in `secpack.toml` and a recent Bitcoin block hash.
///
/// Feeds and block sources are http(s):// URLs, file:// URLs or paths
/// (relative to the pack root). Any source that fails or has too few
/// headlines stops with an error naming it (exit status 1); nothing is
/// written then. Offline, write the proof by hand and give it to `secpack
/// canary new --freshness FILE` (docs/canaries.md).
#[derive(Debug, clap::Args)]
pub struct FreshnessArgs {
    /// The pack whose `secpack.toml` lists the sources.
    #[arg(long, default_value = ".")]
    pub pack: PathBuf,
    /// Write the text to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace the output file if it exists.
    #[arg(long, requires = "output")]
    pub force: bool,
}

/// Runs `canary freshness`.
pub fn run(args: FreshnessArgs, global: &GlobalArgs) -> Result<u8> {
    let pack = crate::cmd::args::open_pack(&args.pack)?;
    let Some(proof) = gather_now(&pack)? else {
        return Ok(crate::EXIT_FAILURE);
    };
    let text = proof.render();
    if let Some(path) = &args.output {
        write_atomic(path, text.as_bytes(), args.force)?;
    }
    if global.json {
        let mut value = serde_json::to_value(&proof)?;
        value["text"] = text.into();
        print_json(&value)?;
    } else if args.output.is_none() {
        let mut out = std::io::stdout().lock();
        if out.is_terminal() {
            // Headlines come from outside: on a terminal, shown escaped.
            write!(out, "{}", crate::escape::safe_text(&text))?;
        } else {
            out.write_all(text.as_bytes())?;
        }
    }
    Ok(crate::EXIT_OK)
}

/// Gathers a proof of freshness from the sources the pack configures, dated
/// now. A configuration error is an error; a source that fails is printed
/// and gives `None` (exit status 1 for the caller).
pub(super) fn gather_now(pack: &Pack) -> Result<Option<ProofOfFreshness>> {
    let config = &pack.config.canary;
    check_config(config)?;
    let fetcher = Fetcher::new(http_options(config)?).with_base_dir(&pack.root);
    match gather(config, &fetcher, chrono::Utc::now()) {
        Ok(p) => Ok(Some(p)),
        Err(e) => {
            crate::output::error(
                &anyhow::Error::new(e).context("no proof of freshness was produced"),
            );
            anstream::eprintln!("{} {OFFLINE_HINT}", paint(DIM, "hint:"));
            Ok(None)
        }
    }
}
