//! `secpack key`: generate, certify, list, retire, revoke and export the
//! pack's keys.

mod certify;
mod generate;
mod list;
mod manage;

use std::path::PathBuf;

use anyhow::Result;
use secpack::keys::Algorithm;

use crate::cmd::args::{PackOption, TrustArgs};
use crate::GlobalArgs;

/// The pack's keys: make, certify, list, retire, revoke, export.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: KeyCommand,
    #[command(flatten)]
    pack: PackOption,
}

#[derive(Debug, clap::Subcommand)]
enum KeyCommand {
    Generate(GenerateArgs),
    Certify(CertifyArgs),
    List(ListArgs),
    Retire(RetireArgs),
    Revoke(RevokeArgs),
    Export(ExportArgs),
}

/// Generate a key: its public part goes into the pack under
/// `keys/<role folder>/<name>-<key id>.asc`, its secret part (protected by a
/// passphrase) to the file given with `-o`, outside the pack.
///
/// A member's key certifies with its primary key and signs with a subkey.
/// With --encryption, the team's report key instead: an encryption subkey
/// and no signing subkey, by default `keys/security-team/email-<key id>.asc`,
/// the key `secpack serve`, `report encrypt` and security.txt use.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// The key's role (`master`, `security-team`, `release`, ...); with
    /// --encryption, `security-team` by default.
    #[arg(long, required_unless_present = "encryption")]
    pub role: Option<String>,
    /// The member's signer name (start of the key file name); with
    /// --encryption, `email` by default.
    #[arg(long, required_unless_present = "encryption")]
    pub name: Option<String>,
    /// Make the team's encryption key for vulnerability reports: a
    /// certification-only primary key and an encryption subkey (Curve25519
    /// with ed25519, RSA with rsa4096), no signing subkey. Its secret key
    /// decrypts reports (`secpack inbox show --key SECRETFILE`).
    #[arg(long)]
    pub encryption: bool,
    /// rsa4096 (default) or ed25519.
    #[arg(long, default_value = "rsa4096")]
    pub algo: Algorithm,
    /// Validity: 2y, 18m, 90d, or never.
    #[arg(long, default_value = "2y")]
    pub expires: String,
    /// The user ID (default: "<name> (<project> <role>)").
    #[arg(long)]
    pub uid: Option<String>,
    /// Where to write the secret key (mode 0600; never inside the pack).
    #[arg(short, long, value_name = "SECRETFILE")]
    pub output: PathBuf,
    /// File whose first line is the new key's passphrase (else asked twice
    /// at the terminal).
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

/// Certify every user ID of KEYFILE (a key file of the pack) with the master
/// key; the pack's file is updated in place. User IDs the master certifies
/// already are left alone ("already certified": nothing changes, exit 0);
/// the master key cannot certify itself, and a key holding a certification
/// by the master that does not verify (an altered file) is refused.
#[derive(Debug, clap::Args)]
pub struct CertifyArgs {
    /// The key file in the pack.
    pub keyfile: PathBuf,
    /// The master's secret key file.
    #[arg(long, value_name = "SECRETFILE")]
    pub master_key: PathBuf,
    /// File whose first line is the master key's passphrase.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

/// List the pack's keys and the trust the pinned master key gives them.
///
/// Without a pinned master key, the keys are listed with their facts and
/// the verdict "unjudged".
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub trust: TrustArgs,
}

/// Move member NAME's key file to `retired/` beside it.
#[derive(Debug, clap::Args)]
pub struct RetireArgs {
    /// The member's signer name.
    pub name: String,
}

/// Revoke a key with its own secret key: the revocation is merged into the
/// pack's key file and written to `SECRETFILE.rev`.
#[derive(Debug, clap::Args)]
pub struct RevokeArgs {
    /// The secret key to revoke.
    #[arg(long, value_name = "SECRETFILE")]
    pub key: PathBuf,
    /// File whose first line is the key's passphrase.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Why (free text, published).
    #[arg(long, default_value = "")]
    pub reason: String,
    /// The key was compromised (default: retired).
    #[arg(long)]
    pub compromised: bool,
}

/// Print member NAME's public key (or write it to a file).
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The member's signer name.
    pub name: String,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Runs the subcommand.
pub fn run(args: Args, global: &GlobalArgs) -> Result<u8> {
    let pack = args.pack.open()?;
    match args.command {
        KeyCommand::Generate(a) => generate::run(&pack, a, global),
        KeyCommand::Certify(a) => certify::run(&pack, a, global),
        KeyCommand::List(a) => list::run(&pack, a, global),
        KeyCommand::Retire(a) => manage::retire(&pack, a, global),
        KeyCommand::Revoke(a) => manage::revoke(&pack, a, global),
        KeyCommand::Export(a) => manage::export(&pack, a),
    }
}
