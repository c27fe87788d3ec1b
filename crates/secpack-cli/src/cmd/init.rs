//! `secpack init`: a new security pack.

use std::path::PathBuf;

use anyhow::Result;
use secpack::team::{init_pack, InitOptions};

use crate::escape::safe;
use crate::output::{paint, print_json, GOOD};
use crate::GlobalArgs;

/// Create a new security pack in DIR (absent or empty): key folders,
/// bulletin and canary folders with templates, a commented `secpack.toml`,
/// and a git repository.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to create the pack in.
    pub dir: PathBuf,
    /// The project's name, printed in bulletin and canary banners.
    #[arg(long, default_value = "Project")]
    pub project: String,
    /// Do not run `git init`.
    #[arg(long)]
    pub no_git: bool,
}

/// Runs the subcommand.
pub fn run(args: Args, global: &GlobalArgs) -> Result<u8> {
    let files = init_pack(
        &args.dir,
        &InitOptions {
            project: args.project,
            git: !args.no_git,
        },
    )?;
    if global.json {
        print_json(&serde_json::json!({ "pack": args.dir, "files": files }))?;
    } else {
        for f in &files {
            anstream::println!("{} {}", paint(GOOD, "wrote"), safe(f));
        }
        anstream::println!(
            "next: generate the master key with `secpack key generate --role master --name master -o SECRETFILE --pack {}`",
            safe(args.dir.display())
        );
    }
    Ok(crate::EXIT_OK)
}
