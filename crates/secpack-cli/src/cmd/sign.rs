//! `secpack sign`: sign documents of the pack as a team member.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use secpack::pack::Pack;
use secpack::team::{sign_document, Signed};
use secpack::trust::keyring::Keyring;

use crate::cmd::args::{PackOption, TrustArgs};
use crate::escape::safe;
use crate::output::{paint, print_json, GOOD};
use crate::secret::MemberKeyArgs;
use crate::GlobalArgs;

/// Sign documents as team member NAME: writes `FILE.sig.NAME` next to each.
///
/// The key must be one the pinned master key certifies, of a role allowed to
/// sign in the document's folder, and NAME's (its key file name starts with
/// NAME, or `[[team]]` pins it). Each new signature is verified before it is
/// written; nothing is written for a signature that does not verify.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The documents to sign (inside the pack).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The signer name used in the signature file name.
    #[arg(long = "as", value_name = "NAME")]
    pub signer: String,
    #[command(flatten)]
    pub signer_key: MemberKeyArgs,
    #[command(flatten)]
    pub pack: PackOption,
    /// Replace existing signature files.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub trust: TrustArgs,
}

/// Runs the subcommand.
pub fn run(args: Args, global: &GlobalArgs) -> Result<u8> {
    let pack = args.pack.open()?;
    let pin = args.trust.pin()?;
    let ring = Keyring::load(&pack, &pin);
    let key = args.signer_key.unlock()?;
    let mut done: Vec<Signed> = Vec::new();
    for file in &args.files {
        let rel = relative_to(&pack, file)?;
        let backend = args.signer_key.backend(&key);
        let signed = sign_document(&pack, &ring, &rel, &args.signer, backend, args.force)
            .with_context(|| format!("signing {rel}"))?;
        if !global.json {
            anstream::println!(
                "{} {} ({})",
                paint(GOOD, "signed"),
                safe(&signed.signature),
                safe(&signed.key)
            );
        }
        done.push(signed);
    }
    if global.json {
        print_json(&done)?;
    }
    Ok(crate::EXIT_OK)
}

/// `file` relative to the pack root (it must be inside the pack). A
/// relative path names a file from the current folder, or, when there is
/// none there, from the pack's root: `qsb new` and `canary new` print the
/// pack-relative path, which then works from any folder.
fn relative_to(pack: &Pack, file: &Path) -> Result<String> {
    let abs = file
        .canonicalize()
        .or_else(|e| match e.kind() {
            std::io::ErrorKind::NotFound if file.is_relative() => {
                pack.root.join(file).canonicalize()
            }
            _ => Err(e),
        })
        .map_err(|e| {
            crate::output::usage(format!(
                "{}: {e} (looked for it from the current folder and from the pack {})",
                file.display(),
                pack.root.display()
            ))
        })?;
    let rel = abs.strip_prefix(&pack.root).map_err(|_| {
        crate::output::usage(format!(
            "{} is not inside the pack {}",
            file.display(),
            pack.root.display()
        ))
    })?;
    rel.to_str()
        .map(|s| s.replace('\\', "/"))
        .ok_or_else(|| crate::output::usage(format!("{} is not a UTF-8 path", file.display())))
}
