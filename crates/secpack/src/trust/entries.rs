//! Folders of cache entries named by a digest: the keyring judgements
//! ([`super::keycache`], `keyrings/`) and the judgements of documents'
//! signatures ([`super::judgecache`], `judgements/`), beside the signature
//! cache and under its key.
//!
//! An entry file is a 16-byte header naming its kind, an HMAC-SHA256 under
//! the cache key over the header, the entry's name and its body, then the
//! body. It is read with the signature cache's file checks (a regular file
//! owned by the user, not a link, not writable by others, in folders only
//! the user may change), written atomically with mode 0600, and the folder
//! keeps only the most recently written entries.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use super::cache::{self, CacheError, Key};

/// Size of the authentication code (HMAC-SHA256).
const MAC_BYTES: usize = 32;

/// The name of an entry: a SHA-256 digest of what it was made from.
pub type EntryId = [u8; 32];

/// One folder of entries of one kind.
#[derive(Debug)]
pub(super) struct EntryFolder {
    dir: PathBuf,
    magic: &'static [u8; 16],
    max_bytes: u64,
    keep: usize,
}

impl EntryFolder {
    /// The entries in `dir` whose files start with `magic`, read up to
    /// `max_bytes` each, `keep` of them kept by [`EntryFolder::prune`].
    pub(super) fn new(dir: &Path, magic: &'static [u8; 16], max_bytes: u64, keep: usize) -> Self {
        Self {
            dir: dir.to_path_buf(),
            magic,
            max_bytes,
            keep,
        }
    }

    /// The file of entry `id`.
    pub(super) fn path_of(&self, id: &EntryId) -> PathBuf {
        self.dir.join(crate::digest::hashing::to_hex(id))
    }

    /// The authenticated body of entry `id`: `Ok(None)` when there is none,
    /// an error when its file is unsafe, damaged or does not authenticate.
    pub(super) fn read(&self, key: &Key, id: &EntryId) -> Result<Option<Vec<u8>>, CacheError> {
        let Some(mut bytes) = cache::read_private(&self.path_of(id), self.max_bytes, 0o022)? else {
            return Ok(None);
        };
        let rest = bytes
            .strip_prefix(self.magic.as_slice())
            .ok_or_else(|| CacheError::Malformed("it is not an entry of this cache".into()))?;
        if rest.len() < MAC_BYTES {
            return Err(CacheError::Malformed("it is truncated".into()));
        }
        let (code, body) = rest.split_at(MAC_BYTES);
        if !openssl::memcmp::eq(code, &self.mac(key, id, body)?) {
            return Err(CacheError::Unauthenticated);
        }
        bytes.drain(..self.magic.len() + MAC_BYTES);
        Ok(Some(bytes))
    }

    /// The entry `id` read and authenticated with `key`, then decoded;
    /// `None` when there is none, and also, with a warning naming the
    /// `kind` of cache, when it cannot be used: unsafe, damaged, not
    /// authenticated, or not decoded.
    pub(super) fn read_decoded<T>(
        &self,
        key: &Key,
        id: &EntryId,
        kind: &str,
        decode: impl FnOnce(&[u8]) -> Result<T, &'static str>,
    ) -> Option<T> {
        let read = self.read(key, id).and_then(|body| match body {
            Some(body) => decode(&body)
                .map(Some)
                .map_err(|e| CacheError::Malformed(e.into())),
            None => Ok(None),
        });
        read.unwrap_or_else(|e| {
            tracing::warn!(
                "not using the {kind} cache entry {}: {e}",
                self.path_of(id).display()
            );
            None
        })
    }

    /// Writes entry `id` with `body`, authenticated with `key` (atomically,
    /// mode 0600).
    pub(super) fn write(&self, key: &Key, id: &EntryId, body: &[u8]) -> Result<(), CacheError> {
        let path = self.path_of(id);
        let mut bytes = Vec::with_capacity(self.magic.len() + MAC_BYTES + body.len());
        bytes.extend_from_slice(self.magic);
        bytes.extend_from_slice(&self.mac(key, id, body)?);
        bytes.extend_from_slice(body);
        cache::prepare_folder(&path)?;
        cache::write_private(&path, &bytes)
    }

    /// HMAC-SHA256 under `key` of the header, the entry's name and its body.
    fn mac(&self, key: &Key, id: &EntryId, body: &[u8]) -> Result<[u8; MAC_BYTES], CacheError> {
        cache::hmac(key, &[self.magic, id, body])
    }

    /// Removes all but the newest entry files (as many as the folder keeps).
    pub(super) fn prune(&self) {
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut entries: Vec<(SystemTime, PathBuf)> = dir
            .filter_map(Result::ok)
            .filter(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit())
            })
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        if entries.len() <= self.keep {
            return;
        }
        entries.sort_by_key(|e| std::cmp::Reverse(e.0));
        for (_, path) in entries.into_iter().skip(self.keep) {
            if let Err(e) = std::fs::remove_file(&path) {
                tracing::debug!("removing the old cache entry {}: {e}", path.display());
            }
        }
    }
}

/// The cache of one kind installed for the whole process (`None`: none).
#[derive(Debug)]
pub(super) struct Installed<T>(RwLock<Option<Arc<T>>>);

impl<T> Installed<T> {
    /// Nothing installed.
    pub(super) const fn none() -> Self {
        Self(RwLock::new(None))
    }

    /// The installed cache, if any.
    pub(super) fn get(&self) -> Option<Arc<T>> {
        self.0.read().ok().and_then(|a| a.clone())
    }

    /// Installs `cache` (`None`: none).
    pub(super) fn set(&self, cache: Option<Arc<T>>) {
        if let Ok(mut a) = self.0.write() {
            *a = cache;
        }
    }
}

/// How often a cache answered in this run, and how often it could not.
#[derive(Debug, Default)]
pub(super) struct Counts {
    hits: AtomicUsize,
    misses: AtomicUsize,
}

impl Counts {
    /// Counts one lookup, found or not.
    pub(super) fn record<T>(&self, found: &Option<T>) {
        let counter = match found {
            Some(_) => &self.hits,
            None => &self.misses,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Lookups answered.
    pub(super) fn hits(&self) -> usize {
        self.hits.load(Ordering::Relaxed)
    }

    /// Lookups not answered.
    pub(super) fn misses(&self) -> usize {
        self.misses.load(Ordering::Relaxed)
    }
}
