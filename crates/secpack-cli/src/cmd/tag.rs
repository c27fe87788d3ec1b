//! `secpack tag`: vouch for the pack's HEAD as a team member, with the
//! signed tag `<NAME>_sec_<short hash>` that `verify --head` looks for.

use anyhow::{Context, Result};
use secpack::history::repo::some_paths;
use secpack::team::tag_head;
use secpack::trust::keyring::Keyring;

use crate::cmd::args::{PackOption, TrustArgs};
use crate::escape::safe;
use crate::output::{paint, print_json, GOOD, WARN};
use crate::secret::MemberKeyArgs;
use crate::GlobalArgs;

/// Sign the pack's HEAD as team member NAME: a signed annotated tag
/// `NAME_sec_<short hash>`, the Qubes security pack's convention, which
/// `secpack verify --head` (and `--tags`, `--history`) requires.
///
/// Made with the member's secret key file (or `--gpg`) without running git:
/// `git tag -v` accepts it. The key must be one the pinned master key
/// certifies, NAME's, and of a role `[history] signer_roles` allows (the
/// security team and the master key by default). The signature is verified
/// with the pack's keys before the tag is written. Commit first: the tag
/// vouches for the HEAD commit, not for changes in the work tree. Then
/// publish it: `git push origin TAG`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The signer name used in the tag's name.
    #[arg(long = "as", value_name = "NAME")]
    pub signer: String,
    #[command(flatten)]
    pub signer_key: MemberKeyArgs,
    /// The tag's message [default: the tag's name].
    #[arg(short, long, value_name = "TEXT")]
    pub message: Option<String>,
    #[command(flatten)]
    pub pack: PackOption,
    /// Replace an existing tag of the same name.
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
    let tagged = tag_head(
        &pack,
        &ring,
        &args.signer,
        args.signer_key.backend(&key),
        args.message.as_deref(),
        args.force,
        chrono::Utc::now(),
    )
    .context("tagging HEAD")?;
    if global.json {
        print_json(&tagged)?;
        return Ok(crate::EXIT_OK);
    }
    anstream::println!(
        "{} {} on HEAD {} ({}{})",
        paint(GOOD, "tagged"),
        safe(&tagged.tag),
        safe(&tagged.commit),
        safe(&tagged.key),
        if tagged.replaced { ", replaced" } else { "" }
    );
    if !tagged.worktree_changes.is_empty() {
        anstream::println!(
            "{} {} file(s) of the work tree differ from HEAD ({}): the tag vouches for \
             the commit, not for them; commit them and tag again",
            paint(WARN, "note:"),
            tagged.worktree_changes.len(),
            safe(some_paths(&tagged.worktree_changes)),
        );
    }
    anstream::println!("next: git push origin {}", safe(&tagged.tag));
    Ok(crate::EXIT_OK)
}
