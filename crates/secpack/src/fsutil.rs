//! File-system helpers shared by every command that writes.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

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
pub fn write_atomic(path: &Path, contents: &[u8], overwrite: bool) -> Result<()> {
    write_with_mode(path, contents, overwrite, PUBLIC_MODE)
}

/// [`write_atomic`] for a file only the user may read or write (mode 0600
/// from its creation: the secret is never readable by others, not even in
/// the temporary file).
pub fn write_atomic_private(path: &Path, contents: &[u8], overwrite: bool) -> Result<()> {
    write_with_mode(path, contents, overwrite, PRIVATE_MODE)
}

fn write_with_mode(path: &Path, contents: &[u8], overwrite: bool, mode: u32) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // tempfile creates the file with mode 0600; a public file is opened up
    // only once it holds its whole contents.
    let mut tmp = tempfile::Builder::new()
        .prefix(".secpack-tmp-")
        .tempfile_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    tmp.write_all(contents)
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    set_mode(tmp.as_file(), mode)
        .with_context(|| format!("setting the mode of {}", path.display()))?;
    if overwrite {
        tmp.persist(path)
            .map_err(|e| e.error)
            .with_context(|| format!("replacing {}", path.display()))?;
    } else {
        tmp.persist_noclobber(path)
            .map_err(|e| e.error)
            .with_context(|| format!("creating {} (it may already exist)", path.display()))?;
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
pub fn replace_dir(staged: PathBuf, out: &Path, what: &str) -> Result<()> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let result = match std::fs::symlink_metadata(out) {
        Ok(_) => {
            let old = tempfile::Builder::new()
                .prefix(&format!(".secpack-{what}-old-"))
                .tempdir_in(parent)
                .with_context(|| format!("creating a folder in {}", parent.display()))?;
            let previous = old.path().join(what);
            std::fs::rename(out, &previous)
                .with_context(|| format!("moving the previous {what} {} aside", out.display()))?;
            // `old` is removed with the previous folder when dropped.
            std::fs::rename(&staged, out).inspect_err(|_| {
                let _ = std::fs::rename(&previous, out);
            })
        }
        Err(_) => std::fs::rename(&staged, out),
    };
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(e).with_context(|| format!("renaming the new {what} to {}", out.display()));
    }
    Ok(())
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
    fn missing_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nope/f.txt");
        assert!(write_atomic(&p, b"x", false).is_err());
    }
}
