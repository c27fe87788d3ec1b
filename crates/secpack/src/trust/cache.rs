//! A persistent cache of signature verifications that succeeded.
//!
//! Verifying an RSA-4096 signature costs far more than everything else
//! secpack does per file, and a pack is verified again and again while it
//! changes little. Sequoia keeps an in-process cache of successful
//! verifications, keyed on a hash of the whole context: the signature's
//! values, the digest computed from the document *now*, and the key's public
//! values. This module saves that cache between runs.
//!
//! What it does not change: every document is read and hashed again, every
//! key is parsed and judged again (certification, revocation, expiry, policy
//! and signature time are all checked on every run); only the final
//! public-key operation on an unchanged (signature, digest, key) triple is
//! skipped. A changed byte changes the digest, so it can never hit the cache.
//! Failures are never cached.
//!
//! Whoever can write the cache file *and* read its key can make forged
//! signatures pass, just as whoever can write the user's config can change
//! the pinned master key. So:
//!
//! * The cache (`$XDG_CACHE_HOME/secpack/signatures.cache`) is authenticated:
//!   its entries, with the file header, carry an HMAC-SHA256 under a random
//!   32-byte key kept in a separate file, `$XDG_STATE_HOME/secpack/cache.key`
//!   (`~/.local/state/secpack/cache.key`), created with mode 0600 on the
//!   first save. The key lives outside the cache folder on purpose: tools
//!   that write, clean or copy `~/.cache` do not carry it along, and it is
//!   state, not configuration (nothing to edit, nothing to sync between
//!   machines). A cache whose code does not verify (changed by another
//!   program, half copied, written under another key, or an old version 1
//!   file, which had no code) is ignored with a warning and replaced on save.
//! * Both files are opened without following symbolic links, and the checks
//!   are made on the file actually opened (`fstat`): a regular file, owned by
//!   the user, not writable by group or others (the key: not readable by
//!   them either), within a size bound.
//! * Their folders must be owned by the user and not writable by group or
//!   others; every folder above them, up to (not including) the home
//!   folder, must be owned by the user or root and not writable by group or
//!   others unless it is sticky (as `/tmp`). Otherwise the cache is ignored
//!   with a warning, and not written.
//!
//! `--no-cache` turns it off.

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};

use sequoia_openpgp::packet::signature::cache::SignatureVerificationCache;

use super::judgecache::{self, JudgementCache};
use super::keycache::{self, KeyringCache};
use crate::error::{Coded, ErrorClass, IoError};
use crate::fsutil::ReadCappedError;

/// First bytes of a cache file; a file without them is ignored.
const MAGIC: &[u8; 16] = b"secpack-sigc-v2\n";

/// First bytes of the cache files of earlier versions (no authentication).
const OLD_MAGIC: &[u8; 16] = b"secpack-sigc-v1\n";

/// First bytes of the key file.
const KEY_MAGIC: &[u8; 16] = b"secpack-ckey-v1\n";

/// Size of the key, and of the authentication code (HMAC-SHA256).
const KEY_BYTES: usize = 32;
const MAC_BYTES: usize = 32;

/// Size of one entry as Sequoia produces it.
const ENTRY_BYTES: usize = 32;

/// Entries kept at most; beyond it only those used in this run survive.
const MAX_ENTRIES: usize = 500_000;

/// Refuse to read cache files larger than this (bytes).
const MAX_FILE_BYTES: u64 = (MAX_ENTRIES * ENTRY_BYTES + MAC_BYTES + MAGIC.len()) as u64;

/// Size of the key file.
const KEY_FILE_BYTES: u64 = (KEY_MAGIC.len() + KEY_BYTES) as u64;

/// The key that authenticates the caches (signatures and keyrings).
pub type Key = [u8; KEY_BYTES];

/// Why a cache file, its key or a file read with the same checks was not
/// used, or the cache not saved.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The file, or a folder it is in or below, could be changed by someone
    /// else (or is not a plain file): it is not trusted.
    #[error("{0}")]
    Unsafe(String),
    /// Reading or writing it failed.
    #[error(transparent)]
    Io(#[from] IoError),
    /// It is larger than the bound for its kind.
    #[error("it is larger than {max} bytes")]
    TooLarge {
        /// The bound, in bytes.
        max: u64,
    },
    /// It is not in the expected format (header, length, contents).
    #[error("{0}")]
    Malformed(String),
    /// Its authentication code does not verify.
    #[error(
        "its authentication code does not verify (changed by another program, incomplete, \
         or written under another key)"
    )]
    Unauthenticated,
    /// Neither `XDG_STATE_HOME` nor `HOME` gives a folder for the key.
    #[error("no folder for its key (neither XDG_STATE_HOME nor HOME is set)")]
    NoKeyFolder,
    /// OpenSSL failed to draw a key or compute a code.
    #[error("{action}: {source}")]
    Crypto {
        /// What was being done.
        action: &'static str,
        /// OpenSSL's errors.
        #[source]
        source: openssl::error::ErrorStack,
    },
    /// What could not be done with which file, and why.
    #[error("{what} {}: {cause}", path.display())]
    At {
        /// "not saving the signature cache", "saving the signature cache
        /// key", ...
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why (part of the message).
        cause: Box<CacheError>,
    },
}

impl CacheError {
    /// This error, said of the file at `path`.
    fn at(self, what: &'static str, path: &Path) -> Self {
        Self::At {
            what,
            path: path.to_path_buf(),
            cause: Box::new(self),
        }
    }

    fn unsafe_(why: impl Into<String>) -> Self {
        Self::Unsafe(why.into())
    }

    fn crypto(action: &'static str) -> impl FnOnce(openssl::error::ErrorStack) -> Self {
        move |source| Self::Crypto { action, source }
    }
}

impl Coded for CacheError {
    fn code(&self) -> &'static str {
        match self {
            Self::Unsafe(_) => "cache-unsafe",
            Self::Io(e) => e.code(),
            Self::TooLarge { .. } => "cache-too-large",
            Self::Malformed(_) => "cache-malformed",
            Self::Unauthenticated => "cache-unauthenticated",
            Self::NoKeyFolder => "cache-no-key-folder",
            Self::Crypto { .. } => "cache-crypto",
            Self::At { cause, .. } => cause.code(),
        }
    }

    fn class(&self) -> ErrorClass {
        match self {
            Self::Unsafe(_) | Self::NoKeyFolder => ErrorClass::Config,
            Self::Io(_) => ErrorClass::Io,
            Self::TooLarge { .. }
            | Self::Malformed(_)
            | Self::Unauthenticated
            | Self::Crypto { .. } => ErrorClass::Failure,
            Self::At { cause, .. } => cause.class(),
        }
    }
}

/// A cache file in use for this run: restored at [`VerificationCache::load`],
/// written back by [`VerificationCache::save`]. It brings the caches of
/// keyring judgements ([`super::keycache`]) and of signature judgements
/// ([`super::judgecache`]) beside it.
#[derive(Debug)]
pub struct VerificationCache {
    path: PathBuf,
    key_path: Option<PathBuf>,
    key: Option<Key>,
    restored: usize,
    keyrings: Arc<KeyringCache>,
    judgements: Arc<JudgementCache>,
}

/// The default cache file: `$XDG_CACHE_HOME/secpack/signatures.cache`, or
/// `~/.cache/secpack/signatures.cache`; `None` without a home folder.
pub fn default_path() -> Option<PathBuf> {
    xdg_base("XDG_CACHE_HOME", ".cache").map(|b| b.join("secpack").join("signatures.cache"))
}

/// The default key file: `$XDG_STATE_HOME/secpack/cache.key`, or
/// `~/.local/state/secpack/cache.key`; `None` without a home folder.
pub fn default_key_path() -> Option<PathBuf> {
    xdg_base("XDG_STATE_HOME", ".local/state").map(|b| b.join("secpack").join("cache.key"))
}

/// `$variable` when set and absolute (as the XDG specification asks), else
/// `$HOME/fallback`.
pub(crate) fn xdg_base(variable: &str, fallback: &str) -> Option<PathBuf> {
    std::env::var_os(variable)
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| PathBuf::from(h).join(fallback))
        })
}

impl VerificationCache {
    /// Restores the cache from `path`, authenticated with the key at
    /// [`default_key_path`]; see [`VerificationCache::load_keyed`].
    pub fn load(path: &Path) -> VerificationCache {
        Self::load_keyed(path, default_key_path().as_deref())
    }

    /// Restores the cache from `path`, authenticated with the key in
    /// `key_path`, into Sequoia's in-process cache and waits until it is
    /// usable. A missing file is an empty cache; a file that is unsafe (not
    /// ours, writable by others, a link, in a folder others may write),
    /// malformed, of an older version or whose authentication code does not
    /// verify is ignored with a warning and replaced on save. The cache of
    /// keyring judgements in `keyrings/` beside `path`, under the same key,
    /// becomes the one [`super::keyring::Keyring::from_files`] uses in this
    /// process, and the cache of signature judgements in `judgements/` the
    /// one [`super::judgecache::judge`] uses.
    pub fn load_keyed(path: &Path, key_path: Option<&Path>) -> VerificationCache {
        let key = match key_path {
            Some(key_path) => read_key(key_path).unwrap_or_else(|e| {
                tracing::warn!(
                    "not using the signature cache key {}: {e}",
                    key_path.display()
                );
                None
            }),
            None => {
                tracing::warn!(
                    "not using the signature cache: no folder for its key \
                     (neither XDG_STATE_HOME nor HOME is set)"
                );
                None
            }
        };
        let restored = match key.as_ref().map(|k| read_entries(path, k)) {
            Some(Ok(entries)) => {
                let count = entries.len();
                let (done, wait) = mpsc::channel();
                SignatureVerificationCache::restore(entries.into_iter(), move || {
                    let _ = done.send(());
                });
                let _ = wait.recv();
                count
            }
            Some(Err(e)) => {
                tracing::warn!("not using the signature cache {}: {e}", path.display());
                0
            }
            None => {
                // Without a key nothing can be authenticated; a cache written
                // earlier (or by an older secpack) is replaced on save.
                if std::fs::symlink_metadata(path).is_ok() {
                    tracing::warn!(
                        "not using the signature cache {}: it cannot be authenticated \
                         without its key; it will be replaced",
                        path.display()
                    );
                }
                0
            }
        };
        tracing::debug!(
            "signature cache: {restored} entries from {}",
            path.display()
        );
        let keyrings = Arc::new(KeyringCache::new(&keycache::folder_beside(path), key));
        keycache::install(Some(keyrings.clone()));
        let judgements = Arc::new(JudgementCache::new(&judgecache::folder_beside(path), key));
        judgecache::install(Some(judgements.clone()));
        VerificationCache {
            path: path.to_path_buf(),
            key_path: key_path.map(Path::to_path_buf),
            key,
            restored,
            keyrings,
            judgements,
        }
    }

    /// How many entries were restored from the file.
    pub fn restored(&self) -> usize {
        self.restored
    }

    /// How many verifications this run answered from the cache.
    pub fn hits(&self) -> usize {
        SignatureVerificationCache::cache_hits()
    }

    /// The cache of keyring judgements restored with it.
    pub fn keyrings(&self) -> &KeyringCache {
        &self.keyrings
    }

    /// The cache of signature judgements restored with it.
    pub fn judgements(&self) -> &JudgementCache {
        &self.judgements
    }

    /// Writes the cache back if this run added entries (atomically, mode
    /// 0600, authenticated; the key is created on the first save), and the
    /// keyring judgements made in this run. When the signature cache would
    /// exceed its bound, keeps only the entries this run used or added.
    pub fn save(&self) -> Result<(), CacheError> {
        let signatures = SignatureVerificationCache::insertions() > 0;
        if !signatures && !self.keyrings.has_pending() && !self.judgements.has_pending() {
            return Ok(());
        }
        let key = match self.key {
            Some(key) => key,
            None => {
                let key_path = self.key_path.as_deref().ok_or_else(|| {
                    CacheError::NoKeyFolder.at("not saving the signature cache", &self.path)
                })?;
                ensure_key(key_path)?
            }
        };
        if signatures {
            let mut entries: Vec<_> = SignatureVerificationCache::dump().into_iter().collect();
            if entries.len() > MAX_ENTRIES {
                entries.retain(|e| e.inserted() || e.accessed());
                entries.truncate(MAX_ENTRIES);
            }
            write_cache(&self.path, &key, entries.iter().map(|e| e.value()))?;
        }
        self.keyrings
            .save(&key)
            .map_err(|e| e.at("not saving the keyring cache beside", &self.path))?;
        self.judgements
            .save(&key)
            .map_err(|e| e.at("not saving the judgement cache beside", &self.path))
    }
}

/// Writes `entries` to the cache file at `path`, authenticated with `key`.
fn write_cache<'a>(
    path: &Path,
    key: &Key,
    entries: impl ExactSizeIterator<Item = &'a [u8]>,
) -> Result<(), CacheError> {
    let mut bytes = Vec::with_capacity(MAGIC.len() + MAC_BYTES + entries.len() * ENTRY_BYTES);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&[0; MAC_BYTES]);
    for entry in entries {
        bytes.extend_from_slice(entry);
    }
    let code = mac(key, &bytes[MAGIC.len() + MAC_BYTES..])?;
    bytes[MAGIC.len()..MAGIC.len() + MAC_BYTES].copy_from_slice(&code);
    prepare_folder(path).map_err(|e| e.at("not saving the signature cache", path))?;
    write_private(path, &bytes).map_err(|e| e.at("saving the signature cache", path))
}

/// Writes `bytes` to `path` atomically, mode 0600.
pub(super) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), CacheError> {
    Ok(crate::fsutil::write_atomic_private(path, bytes, true)?)
}

/// The key in `key_path`, created (random, mode 0600) when it is missing or
/// unusable.
fn ensure_key(key_path: &Path) -> Result<Key, CacheError> {
    prepare_folder(key_path)
        .map_err(|e| e.at("not saving the signature cache: its key", key_path))?;
    // Another run may have created it since this one started.
    if let Ok(Some(key)) = read_key(key_path) {
        return Ok(key);
    }
    let mut key = [0u8; KEY_BYTES];
    openssl::rand::rand_bytes(&mut key)
        .map_err(CacheError::crypto("drawing a key for the signature cache"))?;
    let mut bytes = KEY_MAGIC.to_vec();
    bytes.extend_from_slice(&key);
    write_private(key_path, &bytes)
        .map_err(|e| e.at("saving the signature cache key", key_path))?;
    Ok(key)
}

/// Creates the folder of `file` (mode 0700) if needed and checks that it is
/// safe to keep the file in.
pub(super) fn prepare_folder(file: &Path) -> Result<(), CacheError> {
    let dir = folder_of(file);
    if !dir.is_dir() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .map_err(|e| IoError::new("creating", dir, e))?;
    }
    match open_folder(dir)? {
        Some(_) => Ok(()),
        None => Err(CacheError::Io(IoError::new(
            "opening",
            dir,
            std::io::ErrorKind::NotFound.into(),
        ))),
    }
}

/// The folder a file is in (`.` for a bare name).
pub(super) fn folder_of(file: &Path) -> &Path {
    match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Reads the key file; a missing file gives `None`.
fn read_key(path: &Path) -> Result<Option<Key>, CacheError> {
    let Some(bytes) = read_private(path, KEY_FILE_BYTES, 0o077)? else {
        return Ok(None);
    };
    let key = bytes
        .strip_prefix(KEY_MAGIC.as_slice())
        .and_then(|k| Key::try_from(k).ok())
        .ok_or_else(|| CacheError::Malformed("it is not a secpack cache key".into()))?;
    Ok(Some(key))
}

/// Reads, checks and authenticates a cache file; a missing file gives no
/// entries.
fn read_entries(path: &Path, key: &Key) -> Result<Vec<Vec<u8>>, CacheError> {
    match read_private(path, MAX_FILE_BYTES, 0o022)? {
        Some(bytes) => parse(&bytes, key),
        None => Ok(Vec::new()),
    }
}

/// Checks the header and authentication code of a cache file and splits its
/// entries.
fn parse(bytes: &[u8], key: &Key) -> Result<Vec<Vec<u8>>, CacheError> {
    let malformed = |why: &str| CacheError::Malformed(why.to_string());
    if bytes.starts_with(OLD_MAGIC) {
        return Err(malformed(
            "it was written by an older secpack, without authentication",
        ));
    }
    let rest = bytes
        .strip_prefix(MAGIC.as_slice())
        .ok_or_else(|| malformed("it is not a secpack signature cache (wrong header)"))?;
    if rest.len() < MAC_BYTES {
        return Err(malformed("it is truncated"));
    }
    let (code, body) = rest.split_at(MAC_BYTES);
    if !openssl::memcmp::eq(code, &mac(key, body)?) {
        return Err(CacheError::Unauthenticated);
    }
    if body.len() % ENTRY_BYTES != 0 {
        return Err(CacheError::Malformed(format!(
            "it is truncated ({} bytes of entries)",
            body.len()
        )));
    }
    Ok(body.chunks(ENTRY_BYTES).map(<[u8]>::to_vec).collect())
}

/// HMAC-SHA256 under `key` of the header and `entries`.
fn mac(key: &Key, entries: &[u8]) -> Result<[u8; MAC_BYTES], CacheError> {
    hmac(key, &[MAGIC, entries])
}

/// HMAC-SHA256 under `key` of the concatenation of `parts` (the first one a
/// header naming the kind of file, so that a code made for one kind never
/// authenticates another).
pub(super) fn hmac(key: &Key, parts: &[&[u8]]) -> Result<[u8; MAC_BYTES], CacheError> {
    use openssl::{hash::MessageDigest, pkey::PKey, sign::Signer};
    let failed = CacheError::crypto("computing an authentication code");
    let compute = || {
        let key = PKey::hmac(key)?;
        let mut signer = Signer::new(MessageDigest::sha256(), &key)?;
        for part in parts {
            signer.update(part)?;
        }
        let mut code = [0u8; MAC_BYTES];
        let written = signer.sign(&mut code)?;
        Ok((code, written))
    };
    let (code, written) = compute().map_err(failed)?;
    if written != MAC_BYTES {
        return Err(CacheError::Malformed(format!(
            "HMAC-SHA256 gave {written} bytes"
        )));
    }
    Ok(code)
}

/// Reads the file at `path` if it is safe: its folder passes
/// [`open_folder`]; the file, opened without following a link, is a regular
/// file owned by the user, with none of the `forbidden` mode bits, and at
/// most `max` bytes long. A missing file (or folder) gives `None`.
#[cfg(unix)]
pub(crate) fn read_private(
    path: &Path,
    max: u64,
    forbidden: u32,
) -> Result<Option<Vec<u8>>, CacheError> {
    use rustix::fs::{Mode, OFlags};
    use rustix::io::Errno;
    use std::os::unix::fs::MetadataExt;

    let name = path
        .file_name()
        .ok_or_else(|| CacheError::Malformed("it has no file name".into()))?;
    let Some(dir) = open_folder(folder_of(path))? else {
        return Ok(None);
    };
    // Not following a link, and not blocking on a FIFO put in its place.
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NOCTTY;
    let fd = match rustix::fs::openat(&dir, name, flags | OFlags::NONBLOCK, Mode::empty()) {
        Ok(fd) => fd,
        Err(Errno::NOENT) => return Ok(None),
        // Linux and macOS say ELOOP for a link under O_NOFOLLOW, FreeBSD EMLINK.
        Err(Errno::LOOP) | Err(Errno::MLINK) => {
            return Err(CacheError::unsafe_("it is a symbolic link"))
        }
        Err(e) => return Err(IoError::new("opening", path, e.into()).into()),
    };
    let file = std::fs::File::from(fd);
    let meta = file
        .metadata()
        .map_err(|e| IoError::new("reading the metadata of", path, e))?;
    if !meta.file_type().is_file() {
        return Err(CacheError::unsafe_("it is not a regular file"));
    }
    let uid = rustix::process::geteuid().as_raw();
    if meta.uid() != uid {
        return Err(CacheError::unsafe_(format!(
            "it is owned by uid {}, not by you (uid {uid})",
            meta.uid()
        )));
    }
    if meta.mode() & forbidden != 0 {
        return Err(CacheError::unsafe_(format!(
            "its mode {:o} lets others {}",
            meta.mode() & 0o777,
            if forbidden & 0o044 != 0 {
                "read or write it"
            } else {
                "write it"
            }
        )));
    }
    read_bounded(&file, path, max).map(Some)
}

/// Reads at most `max` bytes of `file` (at `path`) with the one bounded
/// read, [`crate::fsutil::read_open_capped`].
fn read_bounded(file: &std::fs::File, path: &Path, max: u64) -> Result<Vec<u8>, CacheError> {
    crate::fsutil::read_open_capped(file, path, max).map_err(|e| match e {
        ReadCappedError::Io(io) => CacheError::Io(io),
        ReadCappedError::TooLarge { limit, .. } => CacheError::TooLarge { max: limit },
    })
}

#[cfg(not(unix))]
pub(crate) fn read_private(
    path: &Path,
    max: u64,
    _forbidden: u32,
) -> Result<Option<Vec<u8>>, CacheError> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(IoError::new("reading the metadata of", path, e).into()),
    };
    if !meta.file_type().is_file() {
        return Err(CacheError::unsafe_("it is not a regular file"));
    }
    let file = std::fs::File::open(path).map_err(|e| IoError::new("opening", path, e))?;
    read_bounded(&file, path, max).map(Some)
}

/// Opens the folder `dir` and checks that it is owned by the user and
/// writable by nobody else, and that no folder above it (up to the home
/// folder) lets others replace it. A missing folder gives `None`.
#[cfg(unix)]
fn open_folder(dir: &Path) -> Result<Option<std::fs::File>, CacheError> {
    use rustix::fs::{Mode, OFlags};
    use rustix::io::Errno;
    use std::os::unix::fs::MetadataExt;

    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let fd = match rustix::fs::open(dir, flags, Mode::empty()) {
        Ok(fd) => fd,
        Err(Errno::NOENT) => return Ok(None),
        Err(e) => return Err(IoError::new("opening its folder", dir, e.into()).into()),
    };
    let folder = std::fs::File::from(fd);
    let meta = folder
        .metadata()
        .map_err(|e| IoError::new("reading the metadata of", dir, e))?;
    let uid = rustix::process::geteuid().as_raw();
    if meta.uid() != uid {
        return Err(CacheError::unsafe_(format!(
            "its folder {} is owned by uid {}, not by you (uid {uid})",
            dir.display(),
            meta.uid()
        )));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(CacheError::unsafe_(format!(
            "others may write its folder {} (mode {:o})",
            dir.display(),
            meta.mode() & 0o777
        )));
    }
    check_ancestors(dir, uid)?;
    Ok(Some(folder))
}

/// Every folder above `dir`, up to (not including) the home folder or else
/// up to `/`, must be owned by `uid` or root, and writable by nobody else
/// unless it is sticky (others may then add entries, not replace ours).
#[cfg(unix)]
fn check_ancestors(dir: &Path, uid: u32) -> Result<(), CacheError> {
    use std::os::unix::fs::MetadataExt;
    let dir = dir
        .canonicalize()
        .map_err(|e| IoError::new("resolving", dir, e))?;
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .and_then(|h| Path::new(&h).canonicalize().ok());
    for ancestor in dir.ancestors().skip(1) {
        if Some(ancestor) == home.as_deref() {
            break;
        }
        let meta = std::fs::metadata(ancestor)
            .map_err(|e| IoError::new("reading the metadata of", ancestor, e))?;
        if meta.uid() != uid && meta.uid() != 0 {
            return Err(CacheError::unsafe_(format!(
                "{} is owned by uid {}, neither you nor root",
                ancestor.display(),
                meta.uid()
            )));
        }
        if meta.mode() & 0o022 != 0 && meta.mode() & 0o1000 == 0 {
            return Err(CacheError::unsafe_(format!(
                "others may write {} (mode {:o}), above the cache (or config) file",
                ancestor.display(),
                meta.mode() & 0o7777
            )));
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn open_folder(dir: &Path) -> Result<Option<()>, CacheError> {
    Ok(dir.is_dir().then_some(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: Key = [7; KEY_BYTES];

    fn entries(n: u8) -> Vec<Vec<u8>> {
        (0..n).map(|i| vec![i; ENTRY_BYTES]).collect()
    }

    /// A cache file of `n` entries under `key` in a fresh private folder.
    fn cache_with(n: u8, key: &Key) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secpack/signatures.cache");
        let e = entries(n);
        write_cache(&path, key, e.iter().map(Vec::as_slice)).unwrap();
        (dir, path)
    }

    #[cfg(unix)]
    fn set_mode(path: &Path, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_file_over_its_bound_is_too_large() {
        let (_dir, path) = cache_with(3, &KEY);
        let len = std::fs::metadata(&path).unwrap().len();
        assert_eq!(
            read_private(&path, len, 0o022).unwrap().unwrap().len() as u64,
            len
        );
        let e = read_private(&path, len - 1, 0o022).unwrap_err();
        assert!(
            matches!(e, CacheError::TooLarge { max } if max == len - 1),
            "{e:?}"
        );
        assert_eq!(e.code(), "cache-too-large");
    }

    #[test]
    fn a_good_cache_round_trips() {
        let (_dir, path) = cache_with(3, &KEY);
        assert_eq!(read_entries(&path, &KEY).unwrap(), entries(3));
        #[cfg(unix)]
        {
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
        }
        let (_dir, path) = cache_with(0, &KEY);
        assert!(read_entries(&path, &KEY).unwrap().is_empty());
    }

    #[test]
    fn load_creates_nothing_and_save_creates_a_private_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache/secpack/signatures.cache");
        let key_path = dir.path().join("state/secpack/cache.key");
        let cache = VerificationCache::load_keyed(&path, Some(&key_path));
        assert_eq!(cache.restored(), 0);
        assert!(!key_path.exists() && !path.exists());
        let key = ensure_key(&key_path).unwrap();
        assert_eq!(read_key(&key_path).unwrap(), Some(key));
        assert_eq!(
            ensure_key(&key_path).unwrap(),
            key,
            "an existing key is kept"
        );
        #[cfg(unix)]
        {
            assert_eq!(mode(&key_path), 0o600);
            assert_eq!(mode(key_path.parent().unwrap()), 0o700);
        }
        let e = entries(2);
        write_cache(&path, &key, e.iter().map(Vec::as_slice)).unwrap();
        let cache = VerificationCache::load_keyed(&path, Some(&key_path));
        assert_eq!(cache.restored(), 2);
        // Without its key, the cache is not used.
        std::fs::remove_file(&key_path).unwrap();
        assert_eq!(
            VerificationCache::load_keyed(&path, Some(&key_path)).restored(),
            0
        );
    }

    #[test]
    fn a_tampered_entry_is_ignored() {
        let (_dir, path) = cache_with(3, &KEY);
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let e = read_entries(&path, &KEY).unwrap_err();
        assert!(format!("{e:#}").contains("does not verify"), "{e:#}");
        // An entry added (as a stray append would) or dropped is caught too.
        let (_dir, path) = cache_with(3, &KEY);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend_from_slice(&[9; ENTRY_BYTES]);
        assert!(parse(&bytes, &KEY).is_err());
        bytes.truncate(bytes.len() - 2 * ENTRY_BYTES);
        assert!(parse(&bytes, &KEY).is_err());
    }

    #[test]
    fn a_cache_under_another_key_is_ignored() {
        let (_dir, path) = cache_with(3, &KEY);
        let other = [8; KEY_BYTES];
        let e = read_entries(&path, &other).unwrap_err();
        assert!(format!("{e:#}").contains("does not verify"), "{e:#}");
    }

    #[test]
    fn a_version_1_cache_is_ignored() {
        let (_dir, path) = cache_with(0, &KEY);
        let mut v1 = OLD_MAGIC.to_vec();
        v1.extend_from_slice(&[7; 2 * ENTRY_BYTES]);
        std::fs::write(&path, &v1).unwrap();
        let e = read_entries(&path, &KEY).unwrap_err();
        assert!(format!("{e:#}").contains("older secpack"), "{e:#}");
        assert!(parse(b"garbage", &KEY).is_err());
        assert!(parse(MAGIC, &KEY).is_err(), "no authentication code");
    }

    #[cfg(unix)]
    #[test]
    fn a_cache_in_a_folder_others_may_write_is_ignored() {
        let (dir, path) = cache_with(1, &KEY);
        let folder = path.parent().unwrap();
        for unsafe_mode in [0o770, 0o702, 0o777] {
            set_mode(folder, unsafe_mode);
            let e = read_entries(&path, &KEY).unwrap_err();
            assert!(format!("{e:#}").contains("others may write"), "{e:#}");
            assert!(write_cache(&path, &KEY, std::iter::empty()).is_err());
        }
        set_mode(folder, 0o700);
        assert_eq!(read_entries(&path, &KEY).unwrap().len(), 1);
        // A folder above it that others may write, unless sticky.
        set_mode(dir.path(), 0o777);
        let e = read_entries(&path, &KEY).unwrap_err();
        assert!(format!("{e:#}").contains("above the cache"), "{e:#}");
        set_mode(dir.path(), 0o1777);
        assert_eq!(read_entries(&path, &KEY).unwrap().len(), 1);
        set_mode(dir.path(), 0o700);
    }

    #[cfg(unix)]
    #[test]
    fn writable_or_linked_files_are_ignored() {
        let (dir, path) = cache_with(1, &KEY);
        set_mode(&path, 0o620);
        assert!(read_entries(&path, &KEY).is_err());
        set_mode(&path, 0o666);
        assert!(read_entries(&path, &KEY).is_err());
        set_mode(&path, 0o600);
        assert_eq!(read_entries(&path, &KEY).unwrap().len(), 1);
        // A link to a good cache, in the same private folder.
        let link = path.with_file_name("link.cache");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        let e = read_entries(&link, &KEY).unwrap_err();
        assert!(format!("{e:#}").contains("symbolic link"), "{e:#}");
        // A FIFO in its place does not block the run.
        let fifo = path.with_file_name("fifo.cache");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let e = read_entries(&fifo, &KEY).unwrap_err();
        assert!(format!("{e:#}").contains("not a regular file"), "{e:#}");
        // Missing file or folder: an empty cache.
        assert!(read_entries(&path.with_file_name("missing"), &KEY)
            .unwrap()
            .is_empty());
        assert!(read_entries(&dir.path().join("none/c"), &KEY)
            .unwrap()
            .is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_key_others_may_read_or_a_linked_key_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let key_path = dir.path().join("state/cache.key");
        let key = ensure_key(&key_path).unwrap();
        set_mode(&key_path, 0o640);
        assert!(read_key(&key_path).is_err());
        // Saving replaces it with a fresh private key.
        let fresh = ensure_key(&key_path).unwrap();
        assert_ne!(fresh, key);
        assert_eq!(mode(&key_path), 0o600);
        let link = key_path.with_file_name("link.key");
        std::os::unix::fs::symlink(&key_path, &link).unwrap();
        assert!(read_key(&link).is_err());
        std::fs::write(&key_path, b"short").unwrap();
        assert!(read_key(&key_path).is_err());
    }
}
