//! Writing a rendered site: everything goes to a staging folder beside the
//! output, which is then renamed into place, so a reader never sees a
//! half-written site and a failed build leaves the previous one untouched.

use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::pages::{RenderedSite, MARKER_FILE};

/// Writes `site` to `out`. An existing `out` is replaced only when it is empty
/// or holds a site secpack built (it has the marker file).
pub fn write(site: &RenderedSite, out: &Path) -> Result<()> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    if let Ok(meta) = std::fs::symlink_metadata(out) {
        if !meta.is_dir() {
            bail!("{} exists and is not a folder", out.display());
        }
        let empty = std::fs::read_dir(out)
            .with_context(|| format!("reading {}", out.display()))?
            .next()
            .is_none();
        if !empty && !out.join(MARKER_FILE).is_file() {
            bail!(
                "{} is not empty and was not built by secpack (no {MARKER_FILE}); refusing to replace it",
                out.display()
            );
        }
    }
    let staging = tempfile::Builder::new()
        .prefix(".secpack-site-")
        .tempdir_in(parent)
        .with_context(|| format!("creating a staging folder in {}", parent.display()))?;
    // Files are written plainly inside the private staging folder: the
    // atomic step is the rename of the whole folder below.
    for (rel, bytes) in &site.files {
        let path = staging.path().join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    for (rel, source) in &site.copies {
        let path = staging.path().join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::copy(source, &path)
            .with_context(|| format!("copying {} to {}", source.display(), path.display()))?;
    }
    secpack::fsutil::replace_dir(staging.keep(), out, "site")?;
    Ok(())
}
