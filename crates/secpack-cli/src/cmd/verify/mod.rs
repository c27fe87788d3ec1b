//! `secpack verify`: verify a whole pack from a pinned master fingerprint.

mod documents;
mod git;
mod human;

use std::path::PathBuf;

use crate::cmd::args::JudgedPack;

use anyhow::Result;
use secpack::history::{track_state, StateOptions};
use secpack::pack::Pack;
use secpack::trust::cache::{self, VerificationCache};
use secpack::trust::config::settle;
use secpack::trust::{verify_settled, PackReport, VerifiedPack, VerifyOptions};

use crate::GlobalArgs;

/// Verify every key, signature, document (and optionally git tag) of a pack.
///
/// Trust comes only from the master-key fingerprint you pin: --master,
/// SECPACK_MASTER, or `master = "..."` in $XDG_CONFIG_HOME/secpack/config.toml.
///
/// It also remembers, per master key, the newest state it verified (HEAD,
/// highest bulletin and canary, the signed files) and fails with `rollback`
/// or `frozen` when a later copy is older or stopped moving, and with
/// `downgrade` when a file signed then is unsigned now; see docs/verify.md.
///
/// Exit status: 0 when everything verifies (warnings allowed unless
/// --strict), 1 when anything fails, 2 for usage or configuration errors.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: JudgedPack,
    /// Treat warnings (weak hash, name mismatch, wrong role...) and unsigned
    /// files as failures.
    #[arg(long)]
    pub strict: bool,
    /// Also verify every signed annotated tag of the pack's git repository
    /// (implies --head).
    #[arg(long)]
    pub tags: bool,
    /// Check that HEAD carries a signed tag or commit signature by a key of
    /// a role `[history] signer_roles` allows, and list work-tree changes.
    #[arg(long)]
    pub head: bool,
    /// Walk the git history from its trusted start to HEAD against the
    /// `[history]` policy (implies --head).
    #[arg(long)]
    pub history: bool,
    /// The state file remembering what was last verified (default:
    /// $XDG_STATE_HOME/secpack/<MASTER>.toml).
    #[arg(long, value_name = "FILE", conflicts_with = "no_state")]
    pub state: Option<PathBuf>,
    /// Forget the remembered state before verifying (then remember afresh).
    #[arg(long, conflicts_with = "no_state")]
    pub forget_state: bool,
    /// Neither read nor write a remembered state (no rollback or freeze
    /// check), e.g. for CI jobs that verify a fresh clone.
    #[arg(long, env = "SECPACK_NO_STATE", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_state: bool,
    /// List every signature, not only those with something to say.
    #[arg(long)]
    pub all: bool,
    /// Do not use the caches of signature verifications and judgements
    /// ($XDG_CACHE_HOME/secpack/): judge every key and signature afresh.
    /// Cached judgements are used only for unchanged bytes and only while
    /// time cannot change them; see docs/verify.md.
    #[arg(long, env = "SECPACK_NO_CACHE", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_cache: bool,
}

/// Runs the subcommand.
pub fn run(args: Args, global: &GlobalArgs) -> Result<u8> {
    let pin = args.target.trust.pin()?;
    secpack::pack::ensure_is_pack(args.target.pack.path())?;
    // The cache is restored while the pack is scanned; both are done before
    // any signature is judged.
    let (pack, cache) = std::thread::scope(|s| {
        let cache = s.spawn(|| match args.no_cache {
            true => None,
            false => cache::default_path().map(|path| VerificationCache::load(&path)),
        });
        let pack = Pack::open(args.target.pack.path());
        (
            pack,
            cache.join().expect("restoring the cache does not panic"),
        )
    });
    tracing::debug!("pack scanned");
    // `secpack.toml` counts only when signed: judged once the cache is in.
    let VerifiedPack { pack, ring } = settle(pack?, &pin)?;
    tracing::debug!("configuration settled");
    let options = VerifyOptions {
        strict: args.strict,
        tags: args.tags,
        head: args.head || args.tags || args.history,
        history: args.history,
    };
    let bar = crate::output::progress(pack.documents().count() as u64, "verifying", global);
    let mut report = verify_settled(&pack, ring, &pin, options, &|| bar.inc(1));
    bar.finish_and_clear();
    if !args.no_state {
        let path = match args.state {
            Some(p) => p,
            None => secpack::history::state::default_path(&pin.to_hex())?,
        };
        let options = StateOptions {
            path,
            forget: args.forget_state,
            now: chrono::Utc::now(),
        };
        track_state(&pack, &mut report, &options)?;
    }
    if let Some(cache) = &cache {
        tracing::info!(
            "signature cache: {} entries restored, {} verifications answered from it; \
             {} signature files judged from the judgement cache",
            cache.restored(),
            cache.hits(),
            cache.judgements().hits()
        );
        if let Err(e) = cache.save() {
            tracing::warn!("{e:#}");
        }
    }
    if global.json {
        crate::output::print_json(&JsonReport {
            report: &report,
            cache: CacheUse {
                used: cache.is_some(),
                restored: cache.as_ref().map_or(0, |c| c.restored()),
                hits: cache.as_ref().map_or(0, |c| c.hits()),
                judgements: cache.as_ref().map_or(0, |c| c.judgements().hits()),
            },
        })?;
    } else {
        human::print_human(&report, args.all)?;
    }
    tracing::debug!("report written");
    Ok(if report.summary.ok {
        crate::EXIT_OK
    } else {
        crate::EXIT_FAILURE
    })
}

/// The `--json` document: the report, and how the cache was used. Written
/// straight to the output (no intermediate JSON tree).
#[derive(serde::Serialize)]
struct JsonReport<'a> {
    #[serde(flatten)]
    report: &'a PackReport,
    cache: CacheUse,
}

/// How the signature cache served this run.
#[derive(serde::Serialize)]
struct CacheUse {
    /// A cache file was in use.
    used: bool,
    /// Entries restored from it.
    restored: usize,
    /// Verifications it answered.
    hits: usize,
    /// Signature files whose judgement it answered (the pack-level checks
    /// are made afresh).
    judgements: usize,
}
