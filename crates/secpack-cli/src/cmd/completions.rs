//! `secpack completions`: shell completions generated from the clap
//! definitions, so they never drift from the commands.

use anyhow::Result;
use clap::CommandFactory;

use crate::GlobalArgs;

/// Print a completion script for a shell on standard output.
///
/// Install, for example:
///   secpack completions bash > ~/.local/share/bash-completion/completions/secpack
///   secpack completions zsh > ~/.zfunc/_secpack
///   secpack completions fish > ~/.config/fish/completions/secpack.fish
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell.
    shell: clap_complete::Shell,
}

/// Runs the subcommand.
pub fn run(args: Args, _global: &GlobalArgs) -> Result<u8> {
    let mut command = crate::Cli::command();
    clap_complete::generate(
        args.shell,
        &mut command,
        "secpack",
        &mut std::io::stdout().lock(),
    );
    Ok(crate::EXIT_OK)
}
