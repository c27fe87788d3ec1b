//! `secpack man`: manual pages generated from the clap definitions, one per
//! command and subcommand (`secpack.1`, `secpack-verify.1`, ...).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::escape::safe;
use crate::output::{paint, GOOD};
use crate::GlobalArgs;

/// Write the manual pages into a folder.
///
/// Install, for example:
///   secpack man ~/.local/share/man/man1 && man secpack-verify
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to write the pages into (created when missing).
    dir: PathBuf,
}

/// Runs the subcommand.
pub fn run(args: Args, global: &GlobalArgs) -> Result<u8> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("creating {}", args.dir.display()))?;
    let command = crate::Cli::command();
    let mut written = Vec::new();
    write_pages(&command, "secpack", &args.dir, &mut written)?;
    if global.json {
        crate::output::print_json(&written)?;
    } else {
        anstream::println!(
            "{} {} manual pages in {}",
            paint(GOOD, "wrote"),
            written.len(),
            safe(args.dir.display().to_string())
        );
    }
    Ok(crate::EXIT_OK)
}

/// Writes the page of `command` (named `name`) and of each subcommand.
fn write_pages(
    command: &clap::Command,
    name: &str,
    dir: &Path,
    written: &mut Vec<String>,
) -> Result<()> {
    let command = command.clone().name(name.to_string());
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone())
        .render(&mut page)
        .with_context(|| format!("rendering the page of {name}"))?;
    let file = dir.join(format!("{name}.1"));
    secpack::fsutil::write_atomic(&file, &page, true)?;
    written.push(file.display().to_string());
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, &format!("{name}-{}", sub.get_name()), dir, written)?;
    }
    Ok(())
}
