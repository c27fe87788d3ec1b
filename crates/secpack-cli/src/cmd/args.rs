//! Arguments several subcommands share, declared once and flattened into
//! each (`#[command(flatten)]`), so `--master` and the pack folder read and
//! behave the same everywhere; and the one way a command opens the pack it
//! works on ([`open_pack`], [`open_verified_pack`]).

use std::path::{Path, PathBuf};

use anyhow::Result;
use secpack::pack::{ensure_is_pack, Pack};
use secpack::trust::pin::{MasterPin, HOW_TO_PIN};
use secpack::trust::{open_verified, VerifiedPack};

/// Opens the existing pack at `root` as the team's tools do (`secpack.toml`
/// applied as written). A folder that is not a pack (no keys folder, no
/// `secpack.toml`) is refused first with `not-a-pack` (exit status 2),
/// before anything is read or written: every command working on a pack
/// says so the same way, and only `secpack init` makes a folder a pack.
pub fn open_pack(root: &Path) -> Result<Pack> {
    ensure_is_pack(root)?;
    Ok(Pack::open(root)?)
}

/// Opens the existing pack at `root` as a verifier (`secpack.toml` counts
/// only when signed), refusing a folder that is not a pack as [`open_pack`]
/// does.
pub fn open_verified_pack(root: &Path, pin: &MasterPin) -> Result<VerifiedPack> {
    ensure_is_pack(root)?;
    Ok(open_verified(root, pin)?)
}

/// The pinned master key: the only trust taken from outside the pack.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TrustArgs {
    /// Fingerprint of the master key, obtained out of band (spaces allowed);
    /// else SECPACK_MASTER or `master = "..."` in
    /// $XDG_CONFIG_HOME/secpack/config.toml.
    #[arg(long, value_name = "FPR")]
    pub master: Option<String>,
}

impl TrustArgs {
    /// The pin, or a usage error (`no-pin`) explaining how to obtain one.
    pub fn pin(&self) -> Result<MasterPin> {
        match self.pin_if_any()? {
            Some(pin) => Ok(pin),
            None => Err(crate::output::usage_notice(
                "no-pin",
                format!("no master key fingerprint is pinned.\n{HOW_TO_PIN}"),
            )),
        }
    }

    /// The pin when one is given anywhere; `None` when none is (a malformed
    /// or unsafe one is still an error).
    pub fn pin_if_any(&self) -> Result<Option<MasterPin>> {
        Ok(
            MasterPin::resolve(self.master.as_deref())?.map(|(pin, source)| {
                tracing::info!("master key pinned from {source:?}: {pin}");
                pin
            }),
        )
    }
}

/// The pack as the command's subject (`verify`, `status`, `site build`,
/// `serve`, `export`, `canary audit`): a positional folder, `.` by default,
/// also accepted as `--pack DIR`, the way the other commands take it.
#[derive(Debug, Clone, clap::Args)]
pub struct PackSubject {
    /// The pack's root folder [default: .].
    #[arg(value_name = "PACK", conflicts_with = "pack_dir")]
    pack: Option<PathBuf>,
    /// The pack's root folder, as `--pack` (the same as PACK).
    #[arg(
        long = "pack",
        value_name = "DIR",
        id = "pack_dir",
        hide_short_help = true
    )]
    pack_dir: Option<PathBuf>,
}

impl PackSubject {
    /// The folder given either way, else `.`.
    pub fn path(&self) -> &Path {
        self.pack
            .as_deref()
            .or(self.pack_dir.as_deref())
            .unwrap_or(Path::new("."))
    }

    /// The pack, opened with [`open_pack`].
    pub fn open(&self) -> Result<Pack> {
        open_pack(self.path())
    }

    /// The pack, opened with [`open_verified_pack`].
    pub fn open_verified(&self, pin: &MasterPin) -> Result<VerifiedPack> {
        open_verified_pack(self.path(), pin)
    }
}

/// The pack as the command's subject, judged from the pinned master key
/// (`verify`, `status`, `site build`): the pack and `--master`.
#[derive(Debug, Clone, clap::Args)]
pub struct JudgedPack {
    #[command(flatten)]
    pub pack: PackSubject,
    #[command(flatten)]
    pub trust: TrustArgs,
}

/// The pack beside another subject (a file, an image, an id): `--pack DIR`,
/// `.` by default, accepted before or after a sub-subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct PackOption {
    /// The pack's root folder.
    #[arg(long, value_name = "DIR", default_value = ".", global = true)]
    pub pack: PathBuf,
}

impl PackOption {
    /// The pack, opened with [`open_pack`].
    pub fn open(&self) -> Result<Pack> {
        open_pack(&self.pack)
    }
}
