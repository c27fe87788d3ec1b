//! File-system helpers shared by every command that reads or writes: atomic
//! writes, folder replacement and bounded reads.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Coded, ErrorClass, IoError};

/// Mode of files others may read: published documents, signatures, public
/// keys, exports.
const PUBLIC_MODE: u32 = 0o644;
/// Mode of files for the user alone: secret keys, revocation certificates,
/// decrypted reports, the signature cache.
const PRIVATE_MODE: u32 = 0o600;

/// Writes `contents` to `path` atomically: the bytes go to a temporary file in
/// the same folder, are flushed to disk, and the file is renamed over `path`.
/// A reader sees the old file or the new one, never a half-written one; a
/// write that fails removes its temporary file. The file is readable by all
/// (mode 0644): use [`write_atomic_private`] for secrets.
///
/// With `overwrite` false, an existing `path` is an error and is left as is.
pub fn write_atomic(path: &Path, contents: &[u8], overwrite: bool) -> Result<(), IoError> {
    write_with_mode(path, contents, overwrite, PUBLIC_MODE)
}

/// [`write_atomic`] for a file only the user may read or write (mode 0600
/// from its creation: the secret is never readable by others, not even in
/// the temporary file).
pub fn write_atomic_private(path: &Path, contents: &[u8], overwrite: bool) -> Result<(), IoError> {
    write_with_mode(path, contents, overwrite, PRIVATE_MODE)
}

fn write_with_mode(
    path: &Path,
    contents: &[u8],
    overwrite: bool,
    mode: u32,
) -> Result<(), IoError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // tempfile creates the file with mode 0600; a public file is opened up
    // only once it holds its whole contents.
    let mut tmp = tempfile::Builder::new()
        .prefix(".secpack-tmp-")
        .tempfile_in(dir)
        .map_err(|e| IoError::new("creating a temporary file in", dir, e))?;
    tmp.write_all(contents)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| IoError::new("writing", path, e))?;
    set_mode(tmp.as_file(), mode).map_err(|e| IoError::new("setting the mode of", path, e))?;
    if overwrite {
        tmp.persist(path)
            .map_err(|e| IoError::new("replacing", path, e.error))?;
    } else {
        tmp.persist_noclobber(path)
            .map_err(|e| IoError::new("creating (it may already exist)", path, e.error))?;
    }
    Ok(())
}

#[cfg(unix)]
fn set_mode(file: &std::fs::File, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_file: &std::fs::File, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// Puts the folder `staged` (in the same folder as `out`) in place of `out`
/// in one rename, whatever `out` held: a previous `out` is moved aside
/// first and removed once the new one is in place, or put back if the
/// rename fails (then `staged` is removed). `what` names the folder in
/// errors ("site", "export").
pub fn replace_dir(staged: PathBuf, out: &Path, what: &str) -> Result<(), IoError> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let result = match std::fs::symlink_metadata(out) {
        Ok(_) => {
            let old = tempfile::Builder::new()
                .prefix(&format!(".secpack-{what}-old-"))
                .tempdir_in(parent)
                .map_err(|e| IoError::new("creating a folder in", parent, e))?;
            let previous = old.path().join(what);
            std::fs::rename(out, &previous)
                .map_err(|e| IoError::new("moving aside the previous", out, e))?;
            // `old` is removed with the previous folder when dropped.
            std::fs::rename(&staged, out).inspect_err(|_| {
                let _ = std::fs::rename(&previous, out);
            })
        }
        Err(_) => std::fs::rename(&staged, out),
    };
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(IoError::new("renaming the new folder to", out, e));
    }
    Ok(())
}

/// Reading a file with a size limit failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadCappedError {
    /// The file could not be opened or read.
    #[error(transparent)]
    Io(#[from] IoError),
    /// The file holds more than the limit.
    #[error("{} is larger than {limit} bytes; refused", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit, in bytes.
        limit: u64,
    },
}

impl Coded for ReadCappedError {
    fn code(&self) -> &'static str {
        match self {
            Self::Io(e) => e.code(),
            Self::TooLarge { .. } => "file-too-large",
        }
    }
    fn class(&self) -> ErrorClass {
        match self {
            Self::Io(e) => e.class(),
            Self::TooLarge { .. } => ErrorClass::Failure,
        }
    }
}

/// The bytes of the file at `path`, refusing a file larger than `max` bytes
/// without reading more than one byte past the limit (the file may grow
/// while it is read, or be a device that never ends). The buffer is sized
/// from the file's length, capped by `max`, so a small file takes one read.
pub fn read_capped(path: &Path, max: u64) -> Result<Vec<u8>, ReadCappedError> {
    let file = std::fs::File::open(path).map_err(|e| IoError::new("reading", path, e))?;
    read_open_capped(&file, path, max)
}

/// [`read_capped`] of a file the caller has already opened, for a caller
/// that checks what it opened first (not a link, owned by the user: see
/// `trust::cache::read_private`); `path` names the file in errors. The same
/// limit rule: more than `max` bytes is [`ReadCappedError::TooLarge`], and
/// no more than one byte past `max` is read.
pub fn read_open_capped(
    file: &std::fs::File,
    path: &Path,
    max: u64,
) -> Result<Vec<u8>, ReadCappedError> {
    let read = |e| IoError::new("reading", path, e);
    let hint = file.metadata().map_or(0, |m| m.len().min(max)) as usize;
    let mut bytes = Vec::with_capacity(hint.saturating_add(1));
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(read)?;
    if bytes.len() as u64 > max {
        return Err(ReadCappedError::TooLarge {
            path: path.to_path_buf(),
            limit: max,
        });
    }
    Ok(bytes)
}

/// An error and its causes, `outer: inner`, as a program shows them (for
/// tests of error messages).
#[cfg(test)]
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cause = e.source();
    while let Some(c) = cause {
        parts.push(c.to_string());
        cause = c.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_refuses_to_clobber() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.txt");
        write_atomic(&p, b"one", false).unwrap();
        assert!(write_atomic(&p, b"two", false).is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        write_atomic(&p, b"three", true).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"three");
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn public_and_private_modes() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let public = dir.path().join("doc.txt.sig.alice");
        write_atomic(&public, b"sig", false).unwrap();
        assert_eq!(mode(&public), 0o644);
        let secret = dir.path().join("alice.sec.asc");
        write_atomic_private(&secret, b"secret", false).unwrap();
        assert_eq!(mode(&secret), 0o600);
        // Replacing a private file with a public write opens it up, and back.
        write_atomic(&secret, b"public now", true).unwrap();
        assert_eq!(mode(&secret), 0o644);
        write_atomic_private(&secret, b"secret again", true).unwrap();
        assert_eq!(mode(&secret), 0o600);
    }

    #[test]
    fn missing_folder_is_an_io_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nope/f.txt");
        let e = write_atomic(&p, b"x", false).unwrap_err();
        assert_eq!((e.code(), e.class()), ("io", ErrorClass::Io));
        assert!(e.to_string().contains("nope"), "{e}");
    }

    #[test]
    fn an_existing_file_is_not_clobbered_and_the_error_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.txt");
        write_atomic(&p, b"one", false).unwrap();
        let e = write_atomic(&p, b"two", false).unwrap_err();
        assert_eq!(e.source.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(e.path, p);
    }

    #[test]
    fn read_capped_reads_up_to_the_limit_and_refuses_one_byte_more() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"12345").unwrap();
        assert_eq!(read_capped(&p, 5).unwrap(), b"12345");
        assert_eq!(read_capped(&p, 100).unwrap(), b"12345");
        let e = read_capped(&p, 4).unwrap_err();
        assert!(
            matches!(&e, ReadCappedError::TooLarge { path, limit: 4 } if *path == p),
            "{e:?}"
        );
        assert_eq!(
            (e.code(), e.class()),
            ("file-too-large", ErrorClass::Failure)
        );
        assert!(e.to_string().contains("larger than 4 bytes"), "{e}");
        std::fs::write(&p, b"").unwrap();
        assert_eq!(read_capped(&p, 0).unwrap(), b"");
    }

    #[test]
    fn read_capped_of_a_missing_file_is_io_with_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("missing");
        let e = read_capped(&p, 10).unwrap_err();
        assert_eq!((e.code(), e.class()), ("io", ErrorClass::Io));
        assert!(e.to_string().contains("missing"), "{e}");
        // The chain walker finds it under any wrapper.
        let found = crate::error::find(&e).unwrap();
        assert_eq!(found.code, "io");
    }

    #[test]
    fn read_open_capped_applies_the_same_limit_to_an_open_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"12345").unwrap();
        let file = std::fs::File::open(&p).unwrap();
        assert_eq!(read_open_capped(&file, &p, 5).unwrap(), b"12345");
        let file = std::fs::File::open(&p).unwrap();
        let e = read_open_capped(&file, &p, 4).unwrap_err();
        assert!(matches!(&e, ReadCappedError::TooLarge { path, limit: 4 } if *path == p));
    }

    #[cfg(unix)]
    #[test]
    fn read_capped_stops_on_an_endless_file() {
        // /dev/zero never ends: the read stops one byte past the limit.
        let e = read_capped(Path::new("/dev/zero"), 1 << 16).unwrap_err();
        assert!(matches!(e, ReadCappedError::TooLarge { limit, .. } if limit == 1 << 16));
    }
}
