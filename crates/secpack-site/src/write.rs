//! Writing a rendered site: everything goes to a staging folder beside the
//! output, which is then renamed into place, so a reader never sees a
//! half-written site and a failed build leaves the previous one untouched.

use std::path::Path;

use secpack::error::IoError;

use crate::error::SiteError;
use crate::pages::{RenderedSite, MARKER_FILE};

/// Writes `site` to `out`. An existing `out` is replaced only when it is empty
/// or holds a site secpack built (it has the marker file).
pub fn write(site: &RenderedSite, out: &Path) -> Result<(), SiteError> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    create_dir(parent)?;
    if let Ok(meta) = std::fs::symlink_metadata(out) {
        if !meta.is_dir() {
            return Err(SiteError::OutputNotAFolder {
                path: out.to_path_buf(),
            });
        }
        let empty = std::fs::read_dir(out)
            .map_err(|e| IoError::new("reading", out, e))?
            .next()
            .is_none();
        if !empty && !out.join(MARKER_FILE).is_file() {
            return Err(SiteError::OutputNotASite {
                path: out.to_path_buf(),
                marker: MARKER_FILE,
            });
        }
    }
    let staging = tempfile::Builder::new()
        .prefix(".secpack-site-")
        .tempdir_in(parent)
        .map_err(|e| IoError::new("creating a staging folder in", parent, e))?;
    // Files are written plainly inside the private staging folder: the
    // atomic step is the rename of the whole folder below.
    for (rel, bytes) in &site.files {
        let path = staging.path().join(rel);
        create_parent(&path)?;
        std::fs::write(&path, bytes).map_err(|e| IoError::new("writing", &path, e))?;
    }
    for (rel, source) in &site.copies {
        let path = staging.path().join(rel);
        create_parent(&path)?;
        std::fs::copy(source, &path).map_err(|e| IoError::new("copying", source, e))?;
    }
    secpack::fsutil::replace_dir(staging.keep(), out, "site")?;
    Ok(())
}

/// Creates the folder `dir` and its parents.
fn create_dir(dir: &Path) -> Result<(), IoError> {
    std::fs::create_dir_all(dir).map_err(|e| IoError::new("creating", dir, e))
}

/// Creates the folder `path` goes in.
fn create_parent(path: &Path) -> Result<(), IoError> {
    path.parent().map_or(Ok(()), create_dir)
}
