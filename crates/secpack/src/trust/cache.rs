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
//! Whoever can write the cache file can make forged signatures pass, just as
//! whoever can write the user's config can change the pinned master key. So
//! the file lives in the user's own cache folder, is written with mode 0600,
//! and is ignored (with a warning) unless it is a regular file owned by the
//! user and writable by nobody else. `--no-cache` turns it off.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use anyhow::{Context, Result};
use sequoia_openpgp::packet::signature::cache::SignatureVerificationCache;

/// First bytes of a cache file; a file without them is ignored.
const MAGIC: &[u8; 16] = b"secpack-sigc-v1\n";

/// Size of one entry as Sequoia produces it.
const ENTRY_BYTES: usize = 32;

/// Entries kept at most; beyond it only those used in this run survive.
const MAX_ENTRIES: usize = 500_000;

/// Refuse to read cache files larger than this (bytes).
const MAX_FILE_BYTES: u64 = (MAX_ENTRIES * ENTRY_BYTES) as u64 + MAGIC.len() as u64;

/// A cache file in use for this run: restored at [`VerificationCache::load`],
/// written back by [`VerificationCache::save`].
#[derive(Debug)]
pub struct VerificationCache {
    path: PathBuf,
    restored: usize,
}

/// The default cache file: `$XDG_CACHE_HOME/secpack/signatures.cache`, or
/// `~/.cache/secpack/signatures.cache`; `None` without a home folder.
pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("secpack").join("signatures.cache"))
}

impl VerificationCache {
    /// Restores the cache from `path` into Sequoia's in-process cache and
    /// waits until it is usable. A missing file is an empty cache; a file that
    /// is unsafe (not ours, writable by others, a link) or malformed is
    /// ignored with a warning and replaced on save.
    pub fn load(path: &Path) -> VerificationCache {
        let restored = match read_entries(path) {
            Ok(entries) => {
                let count = entries.len();
                let (done, wait) = mpsc::channel();
                SignatureVerificationCache::restore(entries.into_iter(), move || {
                    let _ = done.send(());
                });
                let _ = wait.recv();
                count
            }
            Err(e) => {
                tracing::warn!("not using the signature cache {}: {e:#}", path.display());
                0
            }
        };
        tracing::debug!(
            "signature cache: {restored} entries from {}",
            path.display()
        );
        VerificationCache {
            path: path.to_path_buf(),
            restored,
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

    /// Writes the cache back if this run added entries (atomically, mode
    /// 0600). When it would exceed its bound, keeps only the entries this run
    /// used or added.
    pub fn save(&self) -> Result<()> {
        if SignatureVerificationCache::insertions() == 0 {
            return Ok(());
        }
        let mut entries: Vec<_> = SignatureVerificationCache::dump().into_iter().collect();
        if entries.len() > MAX_ENTRIES {
            entries.retain(|e| e.inserted() || e.accessed());
            entries.truncate(MAX_ENTRIES);
        }
        let mut bytes = Vec::with_capacity(MAGIC.len() + entries.len() * ENTRY_BYTES);
        bytes.extend_from_slice(MAGIC);
        for entry in &entries {
            bytes.extend_from_slice(entry.value());
        }
        if let Some(dir) = self.path.parent() {
            create_private_dir(dir)?;
        }
        crate::fsutil::write_atomic_private(&self.path, &bytes, true)
            .with_context(|| format!("saving the signature cache {}", self.path.display()))
    }
}

/// Reads and checks a cache file; a missing file gives no entries.
fn read_entries(path: &Path) -> Result<Vec<Vec<u8>>> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).context("reading its metadata"),
    };
    check_private(&meta)?;
    if meta.len() > MAX_FILE_BYTES {
        anyhow::bail!("it is larger than {MAX_FILE_BYTES} bytes");
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)?
        .take(MAX_FILE_BYTES)
        .read_to_end(&mut bytes)?;
    parse(&bytes)
}

/// Splits the bytes of a cache file into entries.
fn parse(bytes: &[u8]) -> Result<Vec<Vec<u8>>> {
    let body = bytes
        .strip_prefix(MAGIC.as_slice())
        .context("it is not a secpack signature cache (wrong header)")?;
    if body.len() % ENTRY_BYTES != 0 {
        anyhow::bail!("it is truncated ({} bytes of entries)", body.len());
    }
    Ok(body.chunks(ENTRY_BYTES).map(<[u8]>::to_vec).collect())
}

/// Only a regular file owned by the user and writable by nobody else is used.
#[cfg(unix)]
fn check_private(meta: &std::fs::Metadata) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    if !meta.file_type().is_file() {
        anyhow::bail!("it is not a regular file");
    }
    let uid = rustix::process::geteuid().as_raw();
    if meta.uid() != uid {
        anyhow::bail!("it is owned by uid {}, not by you (uid {uid})", meta.uid());
    }
    if meta.mode() & 0o022 != 0 {
        anyhow::bail!("others may write it (mode {:o})", meta.mode() & 0o777);
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(meta: &std::fs::Metadata) -> Result<()> {
    if !meta.file_type().is_file() {
        anyhow::bail!("it is not a regular file");
    }
    Ok(())
}

/// Creates the cache folder readable by the user alone.
fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_whole_entries_only() {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&[7u8; 64]);
        assert_eq!(parse(&bytes).unwrap().len(), 2);
        bytes.push(1);
        assert!(parse(&bytes).is_err());
        assert!(parse(b"garbage").is_err());
        assert!(parse(MAGIC).unwrap().is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn world_writable_or_linked_files_are_ignored() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c");
        std::fs::write(&file, MAGIC).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(read_entries(&file).unwrap().is_empty());
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(read_entries(&file).is_err());
        let link = dir.path().join("l");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(read_entries(&link).is_err());
        assert!(read_entries(&dir.path().join("missing"))
            .unwrap()
            .is_empty());
    }
}
