//! The index of a pack's bulletins: every bulletin file (letters included),
//! in file order, with its identifier, its header and, when the trust engine
//! has judged the pack, the verdict on its signatures. The one listing that
//! `secpack qsb list`, the site's pages and the server's `/api/v1/bulletins`
//! are made from.

use std::path::Path;

use super::sidecar::Sidecar;
use super::{document_id, BulletinHeader, MAX_BULLETIN_BYTES};
use crate::fsutil::{read_capped, ReadCappedError};
use crate::pack::{NumberedName, Pack};
use crate::trust::PackReport;

/// One bulletin (or letter) of the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedBulletin {
    /// Its identifier (`QSB-001-2026`; a letter's ends with its suffix).
    pub id: String,
    /// Number, year and letter suffix, from the file name.
    pub name: NumberedName,
    /// Path relative to the pack root.
    pub path: String,
    /// The text (bytes that are not UTF-8 replaced by `�`).
    pub text: String,
    /// What its header says (date, title, cited advisories).
    pub header: BulletinHeader,
    /// The trust engine's verdict on its signatures; `None` when the pack was
    /// not verified (no report given).
    pub signatures: Option<SignatureVerdict>,
}

/// The trust engine's verdict on one bulletin's signatures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignatureVerdict {
    /// Fingerprints of the distinct valid signers.
    pub signers: Vec<String>,
    /// Valid signers the bulletin needs.
    pub required: u32,
    /// Enough valid signers, and nothing wrong with the document.
    pub ok: bool,
    /// The verdict on its sidecar (`qsb-NNN-YYYY.toml`, which revises or
    /// withdraws it), when it has one. A sidecar counts only when it meets
    /// its threshold too: the exports leave out a bulletin whose sidecar
    /// does not (`unverified-sidecar`).
    pub sidecar: Option<SidecarVerdict>,
}

/// The trust engine's verdict on a bulletin's sidecar.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SidecarVerdict {
    /// Path of the sidecar relative to the pack root.
    pub path: String,
    /// Distinct valid signers of the sidecar.
    pub valid_signers: usize,
    /// Valid signers it needs.
    pub required: u32,
    /// Enough valid signers, and nothing wrong with the file (`false` too
    /// when the trust engine did not judge it).
    pub ok: bool,
}

impl IndexedBulletin {
    /// The file name without its folder and `.txt` (`qsb-001-2026`): the
    /// name of the bulletin's pages.
    pub fn stem(&self) -> &str {
        let file = self.path.rsplit('/').next().unwrap_or(&self.path);
        file.strip_suffix(".txt").unwrap_or(file)
    }

    /// A letter published beside a bulletin (`qsb-001-2026-note.txt`), not a
    /// bulletin itself.
    pub fn is_letter(&self) -> bool {
        self.name.suffix.is_some()
    }
}

/// Every bulletin of `pack` with its header, and with the verdict on its
/// signatures taken from `report` when the pack was verified. A bulletin
/// that cannot be read, or is larger than [`MAX_BULLETIN_BYTES`], stops the
/// index: a listing never leaves one out silently.
pub fn index(
    pack: &Pack,
    report: Option<&PackReport>,
) -> Result<Vec<IndexedBulletin>, ReadCappedError> {
    let prefix = &pack.config.project.upstream_id_prefix;
    pack.bulletins()
        .into_iter()
        .map(|(name, file)| {
            let text = read_bulletin(pack, &file.path)?;
            let header = BulletinHeader::parse(&text, prefix);
            let signatures = report.map(|r| {
                let judged = |path: &str| r.documents.iter().find(|d| d.path == path);
                let doc = judged(&file.path);
                let sidecar = sidecar_of(pack, &file.path).map(|path| {
                    let d = judged(&path);
                    SidecarVerdict {
                        valid_signers: d.map_or(0, |d| d.valid_signers),
                        required: d.map_or(0, |d| d.required),
                        ok: d.is_some_and(|d| d.ok),
                        path,
                    }
                });
                SignatureVerdict {
                    signers: doc.map(|d| d.signers.clone()).unwrap_or_default(),
                    required: doc.map_or(0, |d| d.required),
                    ok: doc.is_some_and(|d| d.ok),
                    sidecar,
                }
            });
            Ok(IndexedBulletin {
                id: document_id(&pack.config.project.bulletin_id_prefix, &name),
                name,
                path: file.path.clone(),
                text,
                header,
                signatures,
            })
        })
        .collect()
}

/// The pack-relative path of the sidecar beside the bulletin `rel`, when the
/// pack holds one.
fn sidecar_of(pack: &Pack, rel: &str) -> Option<String> {
    let path = Sidecar::path_for(Path::new(rel));
    let path = path.to_str()?;
    pack.file(path).map(|f| f.path.clone())
}

/// Reads a bulletin of at most [`MAX_BULLETIN_BYTES`] bytes.
fn read_bulletin(pack: &Pack, rel: &str) -> Result<String, ReadCappedError> {
    let bytes = read_capped(&pack.path_of(rel), MAX_BULLETIN_BYTES as u64)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
