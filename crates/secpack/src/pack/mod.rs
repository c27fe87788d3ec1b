//! The pack on disk: where it is, how it is configured, and what every file in
//! it is.
//!
//! [`Pack::open`] walks the whole tree once and gives every file a
//! [`FileClass`]. Nothing is skipped silently: files that are neither keys,
//! documents nor signatures are listed as [`FileClass::Other`] with the reason,
//! and files that must not be read (symbolic links, devices, names that are not
//! UTF-8) are listed as [`FileClass::Refused`].

mod naming;
mod scan;

pub use naming::{is_new_signer_name, key_file_names_signer, NumberedName, SignatureName};

use std::path::{Path, PathBuf};

use crate::error::{Coded, ErrorClass, IoError};
use serde::Serialize;

use crate::config::PackConfig;

/// Largest number of entries a pack may hold before scanning gives up.
pub const MAX_ENTRIES: usize = 1_000_000;
/// Deepest folder nesting a pack may have.
pub const MAX_DEPTH: usize = 32;

/// A security pack opened from disk.
#[derive(Debug, Clone)]
pub struct Pack {
    /// The pack root, canonicalized.
    pub root: PathBuf,
    /// The configuration in effect: `secpack.toml` as written, its neutral
    /// part only, or the defaults (see [`Pack::config_trust`]).
    pub config: PackConfig,
    /// How far `config` can be trusted.
    pub config_trust: ConfigTrust,
    /// Every entry of the pack, sorted by path.
    pub files: Vec<PackFile>,
}

/// How the configuration in effect was arrived at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum ConfigTrust {
    /// No `secpack.toml`: the built-in defaults.
    Absent,
    /// Applied as written, not judged: the team's own tools on its own
    /// checkout ([`Pack::open`]).
    AsWritten,
    /// Signed by enough keys the master certifies: applied in full.
    Signed {
        /// Fingerprints of the distinct valid signers.
        signers: Vec<String>,
        /// Signers it needed.
        required: u32,
    },
    /// Not signed by enough certified team keys: only its neutral part
    /// applies, the built-in defaults everywhere else.
    #[serde(rename = "unsigned-config")]
    Unsigned {
        /// Distinct valid signers found.
        valid_signers: usize,
        /// Signers it needed.
        required: u32,
        /// Tables whose settings were ignored (`layout`, `signers`, ...).
        ignored: Vec<String>,
    },
}

impl ConfigTrust {
    /// The stable code (`absent`, `as-written`, `signed`, `unsigned-config`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Absent => "absent",
            Self::AsWritten => "as-written",
            Self::Signed { .. } => "signed",
            Self::Unsigned { .. } => "unsigned-config",
        }
    }
}

/// One entry of the pack and what it is.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PackFile {
    /// Path relative to the pack root, with `/` separators.
    pub path: String,
    /// What the file is.
    #[serde(flatten)]
    pub class: FileClass,
}

/// What a file of the pack is.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "class", rename_all = "kebab-case")]
pub enum FileClass {
    /// An OpenPGP key file below the keys folder.
    Key {
        /// Role taken from its folder (`security-team`, `release`, ...).
        role: String,
        /// Kept below a `retired/` folder.
        retired: bool,
    },
    /// A signed document, or one that must be signed (numbered bulletins and
    /// canaries are documents even when no signature exists).
    Document {
        /// The folder that sets its signer threshold (first path component).
        folder: String,
        /// Paths of its detached signatures.
        signatures: Vec<String>,
        /// The document carries its own cleartext signature.
        clearsigned: bool,
    },
    /// A detached signature of a document.
    Signature {
        /// Path of the signed document.
        document: String,
        /// Signer name taken from the file name (`alice` in `.sig.alice`).
        signer: Option<String>,
        /// The file name does not follow `<document>.sig.<who>` (or `.asc`).
        nonstandard: bool,
    },
    /// A symbolic link to a regular file inside the pack. The target is read
    /// under its own name; the link itself is listed, never followed.
    Link {
        /// Path of the link's target, relative to the pack root.
        target: String,
    },
    /// Anything else: read, classified and reported, never verified.
    Other {
        /// Why this file is not verified.
        reason: OtherReason,
    },
    /// An entry secpack refuses to read.
    Refused {
        /// Why it is refused.
        reason: String,
    },
}

/// Why a file is neither a key, a document nor a signature.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum OtherReason {
    /// `README`, licence and similar prose.
    Readme,
    /// A template new documents start from.
    Template,
    /// A helper script in a tools folder.
    Tool,
    /// The upstream-advisory tracker's data file.
    Tracker,
    /// Git's own metadata (the `.git` folder), checked by `verify --tags`.
    GitMetadata,
    /// A file nobody signed.
    Unsigned,
    /// Looks like a signature but the document it names does not exist.
    OrphanSignature,
    /// A non-key file inside the keys folder.
    NotAKey,
}

impl OtherReason {
    /// A sentence a person understands.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Readme => "documentation file, not signed",
            Self::Template => "template for new documents, not signed",
            Self::Tool => "helper script, not signed",
            Self::Tracker => "advisory tracker data (unsigned unless a signature sits beside it)",
            Self::GitMetadata => "git metadata (checked with --tags)",
            Self::Unsigned => "no signature found for this file",
            Self::OrphanSignature => "signature whose document does not exist",
            Self::NotAKey => "file in the keys folder that holds no key",
        }
    }

    /// Whether the file deserves attention (shown as a warning).
    pub fn is_suspicious(self) -> bool {
        matches!(self, Self::Unsigned | Self::OrphanSignature | Self::NotAKey)
    }
}

/// A folder that is not a security pack: it has neither the keys folder
/// nor a `secpack.toml`. Every command working on an existing pack says so
/// up front, before it reads or writes anything: instead of calling every
/// signature `unknown-key`, reporting an empty pack, or making a stray
/// `keys/` tree in the wrong folder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{path} is not a security pack: no {keys}/ folder and no {config}; name the pack's root folder (the one holding {keys}/), e.g. `secpack verify PACK` or `--pack PACK`; `secpack init DIR` makes a new one",
    config = crate::config::CONFIG_FILE
)]
pub struct NotAPack {
    /// The folder, as given (made absolute when it can be).
    pub path: String,
    /// The keys folder looked for.
    pub keys: String,
}

/// Fails with [`NotAPack`] when `root` is a folder holding neither the
/// conventional keys folder nor a `secpack.toml` (which may name another
/// keys folder). A path that cannot be opened as a folder is left for
/// [`Pack::open`] to report.
pub fn ensure_is_pack(root: &Path) -> Result<(), NotAPack> {
    if !root.is_dir() {
        return Ok(());
    }
    let keys = crate::config::Layout::default().keys;
    let present = |name: &str| std::fs::symlink_metadata(root.join(name)).is_ok();
    if present(crate::config::CONFIG_FILE) || present(&keys) {
        return Ok(());
    }
    let path = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    Err(NotAPack {
        path: path.display().to_string(),
        keys,
    })
}

impl Coded for NotAPack {
    fn code(&self) -> &'static str {
        "not-a-pack"
    }
    fn class(&self) -> ErrorClass {
        ErrorClass::Config
    }
}

/// Why a pack cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// The folder does not exist or cannot be opened.
    #[error("opening pack {path}: {source}")]
    Open {
        /// The folder, as given.
        path: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The path is not a folder.
    #[error("{0} is not a folder")]
    NotAFolder(String),
    /// `secpack.toml` cannot be used.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// `secpack.toml` names folders outside the pack or overlapping ones.
    #[error("secpack.toml: {0}")]
    BadLayout(String),
    /// The pack is deeper or larger than secpack reads.
    #[error("{0}")]
    TooLarge(String),
    /// A folder of the pack cannot be read.
    #[error(transparent)]
    Io(#[from] IoError),
}

impl Coded for PackError {
    fn code(&self) -> &'static str {
        match self {
            Self::Open { .. } => "pack-not-found",
            Self::NotAFolder(_) => "not-a-folder",
            Self::Config(e) => e.code(),
            Self::BadLayout(_) => "bad-layout",
            Self::TooLarge(_) => "pack-too-large",
            Self::Io(_) => "io",
        }
    }
    fn class(&self) -> ErrorClass {
        match self {
            Self::Open { .. } | Self::NotAFolder(_) | Self::BadLayout(_) => ErrorClass::Config,
            Self::Config(e) => e.class(),
            Self::TooLarge(_) => ErrorClass::Failure,
            Self::Io(_) => ErrorClass::Io,
        }
    }
}

impl Pack {
    /// Opens the pack at `root`: reads `secpack.toml` (if any), applies it as
    /// written and classifies every file. This is the team's view of its own
    /// pack; a verifier opens it with `crate::trust::config::open_verified`,
    /// which applies the file's settings only when it is signed.
    pub fn open(root: &Path) -> Result<Self, PackError> {
        let root = root.canonicalize().map_err(|source| PackError::Open {
            path: root.display().to_string(),
            source,
        })?;
        if !root.is_dir() {
            return Err(PackError::NotAFolder(root.display().to_string()));
        }
        let (config, config_trust) = match PackConfig::load(&root)? {
            Some(c) => (c, ConfigTrust::AsWritten),
            None => (PackConfig::default(), ConfigTrust::Absent),
        };
        Self::scan_with(root, config, config_trust)
    }

    /// The same pack classified again under another configuration.
    pub fn reconfigured(&self, config: PackConfig, trust: ConfigTrust) -> Result<Self, PackError> {
        Self::scan_with(self.root.clone(), config, trust)
    }

    fn scan_with(
        root: PathBuf,
        config: PackConfig,
        config_trust: ConfigTrust,
    ) -> Result<Self, PackError> {
        validate_layout(&config)?;
        let files = scan::scan(&root, &config)?;
        Ok(Self {
            root,
            config,
            config_trust,
            files,
        })
    }

    /// The absolute path of a pack-relative path.
    pub fn path_of(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Every document, in path order.
    pub fn documents(&self) -> impl Iterator<Item = &PackFile> {
        self.files
            .iter()
            .filter(|f| matches!(f.class, FileClass::Document { .. }))
    }

    /// Every key file, in path order.
    pub fn keys(&self) -> impl Iterator<Item = &PackFile> {
        self.files
            .iter()
            .filter(|f| matches!(f.class, FileClass::Key { .. }))
    }

    /// The entry at a pack-relative path.
    pub fn file(&self, rel: &str) -> Option<&PackFile> {
        self.files
            .binary_search_by(|f| f.path.as_str().cmp(rel))
            .ok()
            .map(|i| &self.files[i])
    }

    /// Numbered documents of `folder` with file-name `prefix` (bulletins:
    /// `QSBs`, `qsb`), sorted by number then path. Extra letters published
    /// beside a numbered document (`canary-040-2024-letter.txt`) are included,
    /// with their suffix.
    pub fn numbered(&self, folder: &str, prefix: &str) -> Vec<(NumberedName, &PackFile)> {
        let mut out: Vec<_> = self
            .documents()
            .filter_map(|f| {
                let (dir, name) = f.path.rsplit_once('/')?;
                if dir != folder {
                    return None;
                }
                Some((NumberedName::parse(prefix, name)?, f))
            })
            .collect();
        out.sort_by(|a, b| (a.0.number, &a.1.path).cmp(&(b.0.number, &b.1.path)));
        out
    }

    /// Numbered bulletins (`QSBs/qsb-NNN-YYYY.txt`).
    pub fn bulletins(&self) -> Vec<(NumberedName, &PackFile)> {
        let l = &self.config.layout;
        self.numbered(&l.bulletins, &l.bulletin_prefix)
    }

    /// Numbered canaries and the letters published with them.
    pub fn canaries(&self) -> Vec<(NumberedName, &PackFile)> {
        let l = &self.config.layout;
        self.numbered(&l.canaries, &l.canary_prefix)
    }
}

/// Layout folders must be plain names inside the pack.
fn validate_layout(config: &PackConfig) -> Result<(), PackError> {
    let l = &config.layout;
    for (what, dir) in [
        ("keys", &l.keys),
        ("bulletins", &l.bulletins),
        ("canaries", &l.canaries),
        ("digests", &l.digests),
    ]
    .into_iter()
    .chain(l.tools.iter().map(|t| ("tools", t)))
    {
        if !is_plain_relative(dir) {
            return Err(PackError::BadLayout(format!(
                "layout.{what} = {dir:?} must be a relative path inside the pack"
            )));
        }
    }
    if !is_plain_relative(&config.tracker.file) {
        return Err(PackError::BadLayout(format!(
            "tracker.file = {:?} must be a relative path inside the pack",
            config.tracker.file
        )));
    }
    // A tools folder is never signed: it may not hold (or lie inside) a
    // folder whose files must be.
    for t in &l.tools {
        for (what, dir) in [
            ("keys", &l.keys),
            ("bulletins", &l.bulletins),
            ("canaries", &l.canaries),
            ("digests", &l.digests),
        ] {
            if overlaps(t, dir) {
                return Err(PackError::BadLayout(format!(
                    "layout.tools = {t:?} overlaps layout.{what} = {dir:?}; \
                     a folder that must be signed cannot be a tools folder"
                )));
            }
        }
    }
    Ok(())
}

/// Whether one of two pack folders is the other or lies inside it.
fn overlaps(a: &str, b: &str) -> bool {
    let a = a.trim_end_matches('/');
    let b = b.trim_end_matches('/');
    a == b || scan::is_under(a, b) || scan::is_under(b, a)
}

/// A non-empty relative path of normal components only (no `..`, no root).
pub fn is_plain_relative(p: &str) -> bool {
    !p.is_empty()
        && Path::new(p)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_relative_paths() {
        assert!(is_plain_relative("QSBs"));
        assert!(is_plain_relative("a/b"));
        assert!(!is_plain_relative(""));
        assert!(!is_plain_relative("../x"));
        assert!(!is_plain_relative("/etc"));
        assert!(!is_plain_relative("a/../../b"));
    }

    #[test]
    fn tools_folders_cannot_cover_signed_folders() {
        for tools in [
            "QSBs",
            "canaries",
            "keys/security-team",
            "digests",
            "QSBs/old",
        ] {
            let mut c = PackConfig::default();
            c.layout.tools = vec![tools.into()];
            let e = validate_layout(&c).unwrap_err().to_string();
            assert!(e.contains("cannot be a tools folder"), "{tools}: {e}");
        }
        let mut c = PackConfig::default();
        c.layout.tools = vec!["QSBsX".into(), "utils".into()];
        assert!(validate_layout(&c).is_ok());
    }

    #[test]
    fn layout_leaving_the_pack_is_refused() {
        let mut c = PackConfig::default();
        c.layout.bulletins = "../elsewhere".into();
        assert!(validate_layout(&c).is_err());
    }

    #[test]
    fn a_folder_without_keys_or_config_is_not_a_pack() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Qubes-R4.2.iso.DIGESTS"), "x\n").unwrap();
        let e = ensure_is_pack(dir.path()).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("is not a security pack: no keys/ folder and no secpack.toml")
                && msg.contains("--pack PACK"),
            "{msg}"
        );
        // A missing path is left to Pack::open, which names it.
        assert!(ensure_is_pack(&dir.path().join("none")).is_ok());
        // Either the keys folder or a secpack.toml makes a pack.
        std::fs::create_dir(dir.path().join("keys")).unwrap();
        assert!(ensure_is_pack(dir.path()).is_ok());
        std::fs::remove_dir(dir.path().join("keys")).unwrap();
        std::fs::write(dir.path().join("secpack.toml"), "").unwrap();
        assert!(ensure_is_pack(dir.path()).is_ok());
    }
}
