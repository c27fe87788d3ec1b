//! `secpack`: verify, maintain and publish a project's security pack.
//!
//! The binary is a thin layer over the `secpack` library: one file per
//! subcommand under `cmd/`, shared output helpers in `output`, and `escape`
//! for every untrusted string shown on the terminal.

mod cmd;
mod escape;
mod output;
mod secret;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc instead of the system allocator: verifying a pack parses many
/// small OpenPGP packets with large, short-lived, zeroed buffers, and glibc
/// answers those with fresh pages (page faults) where mimalloc reuses them
/// (measured in BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit status: everything verified / nothing to alert on.
pub const EXIT_OK: u8 = 0;
/// Exit status: something failed verification or needs attention.
pub const EXIT_FAILURE: u8 = 1;
/// Exit status: usage or configuration error (nothing was judged).
pub const EXIT_USAGE: u8 = 2;

/// Run a project's security centre: verify its security pack from a pinned
/// master key, sign and publish bulletins and canaries, keep the advisory
/// tracker, build the website.
///
/// Exit status: 0 success, 1 verification failure or findings, 2 usage or
/// configuration error.
#[derive(Debug, Parser)]
#[command(
    name = "secpack",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Options every subcommand takes.
#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// Print one JSON document on standard output instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// When to colour output (`NO_COLOR` is respected by `auto`).
    #[arg(long, global = true, value_enum, default_value_t = output::ColorChoice::Auto)]
    pub color: output::ColorChoice,
    /// More logging on standard error (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
enum Command {
    Verify(cmd::verify::Args),
    Xsa(cmd::xsa::Args),
    Canary(cmd::canary::Args),
    Export(cmd::export::Args),
    Init(cmd::init::Args),
    Key(cmd::key::Args),
    Sign(cmd::sign::Args),
    Tag(cmd::tag::Args),
    Qsb(cmd::qsb::Args),
    Digest(cmd::digest::Args),
    Site(cmd::site::Args),
    Status(cmd::status::Args),
    Serve(cmd::serve::Args),
    Report(cmd::report::Args),
    Inbox(cmd::inbox::Args),
    Completions(cmd::completions::Args),
    Man(cmd::man::Args),
}

fn main() -> ExitCode {
    tune_process();
    let cli = Cli::parse();
    output::init(&cli.global);
    let result = match cli.command {
        Command::Verify(args) => cmd::verify::run(args, &cli.global),
        Command::Xsa(args) => cmd::xsa::run(args, &cli.global),
        Command::Canary(args) => cmd::canary::run(args, &cli.global),
        Command::Export(args) => cmd::export::run(args, &cli.global),
        Command::Init(args) => cmd::init::run(args, &cli.global),
        Command::Key(args) => cmd::key::run(args, &cli.global),
        Command::Sign(args) => cmd::sign::run(args, &cli.global),
        Command::Tag(args) => cmd::tag::run(args, &cli.global),
        Command::Qsb(args) => cmd::qsb::run(args, &cli.global),
        Command::Digest(args) => cmd::digest::run(args, &cli.global),
        Command::Site(args) => cmd::site::run(args, &cli.global),
        Command::Status(args) => cmd::status::run(args, &cli.global),
        Command::Serve(args) => cmd::serve::run(args, &cli.global),
        Command::Report(args) => cmd::report::run(args, &cli.global),
        Command::Inbox(args) => cmd::inbox::run(args, &cli.global),
        Command::Completions(args) => cmd::completions::run(args, &cli.global),
        Command::Man(args) => cmd::man::run(args, &cli.global),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => ExitCode::from(output::report_error(&e, &cli.global)),
    }
}

/// Process settings measured to matter for a short-lived verifier (see
/// BENCHMARKS.md): no transparent huge pages, whose first touch zeroes 2 MiB
/// at a time for a process that needs a few; and no backtrace captured for
/// every internal error value (`RUST_BACKTRACE=1` otherwise makes Sequoia's
/// routine errors, such as probing a file's format, expensive). Errors are
/// shown with their chain of causes, never a backtrace; panics still honour
/// `RUST_BACKTRACE`.
fn tune_process() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        // Set before any other thread exists.
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
}
