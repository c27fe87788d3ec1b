//! Machine-readable advisories derived from the pack's bulletins.
//!
//! [`load_bulletins`] reads every numbered bulletin of a pack with its
//! sidecar; [`osv`] turns each into an OSV record; [`csaf`] into a CSAF 2.0
//! `csaf_security_advisory`; [`provider`] lays the CSAF documents out as a
//! trusted provider publishes them (hashes, signatures, index, changes, ROLIE
//! feed, `provider-metadata.json`); [`trust`] keeps the bulletins that
//! verify and checks the signing key with the trust engine.
//!
//! Every document is built in memory first: a bad bulletin or sidecar stops
//! the export before anything is written. [`write_export`] then replaces the
//! whole output folder at once: the export owns it, so what it no longer
//! produces (a bulletin left out this time) disappears with the rest.

pub mod check;
pub mod csaf;
pub mod osv;
pub mod provider;
pub mod trust;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;

use crate::bulletin::lifecycle::{self, DatesFrom, History, Lifecycle, LifecycleError};
use crate::bulletin::sidecar::SidecarError;
use crate::bulletin::template::{describe, template_lines};
use crate::bulletin::{Bulletin, Sidecar, MAX_BULLETIN_BYTES};
use crate::config::PackConfig;
use crate::error::{Coded, ErrorClass, IoError};
use crate::fsutil::{read_capped, ReadCappedError};
use crate::pack::{FileClass, Pack};
use crate::signing::SigningError;
use crate::tracker::store::StoreError;
use crate::tracker::Advisory;

/// Why an export could not be made or written. Nothing is written when any
/// of these happens.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The pack refused a bulletin's sidecar (a link, a file it cannot read).
    #[error("{path}: refused ({reason})")]
    SidecarRefused {
        /// The sidecar, pack-relative.
        path: String,
        /// Why the pack refused it.
        reason: String,
    },
    /// A bulletin cannot be read, or is too large to be one.
    #[error("reading the bulletin {path}")]
    BulletinUnreadable {
        /// The bulletin, pack-relative.
        path: String,
        /// Why.
        #[source]
        source: ReadCappedError,
    },
    /// A bulletin is not UTF-8 text.
    #[error("{0} is not UTF-8 text")]
    NotUtf8(String),
    /// A bulletin's sidecar is not valid.
    #[error(transparent)]
    Sidecar(#[from] SidecarError),
    /// A bulletin has no date of issue, in its text or its sidecar.
    #[error("{path}: no date of issue found in the text; add `date = YYYY-MM-DD` to {sidecar}")]
    NoDate {
        /// The bulletin.
        path: String,
        /// Its sidecar.
        sidecar: String,
    },
    /// A bulletin's dates are out of order (modified or revised before its
    /// issue).
    #[error("{0}")]
    DatesOutOfOrder(String),
    /// The git history of the pack cannot be read.
    #[error(transparent)]
    History(#[from] LifecycleError),
    /// The tracker cannot be read.
    #[error(transparent)]
    Tracker(#[from] StoreError),
    /// A generated file name that is unusable or clashes (OSV ids).
    #[error("{0}")]
    BadName(String),
    /// The CSAF settings are incomplete or wrong (`secpack.toml`, `--base-url`).
    #[error("{0}")]
    Settings(String),
    /// A CVSS vector that does not score.
    #[error("{0}")]
    Cvss(String),
    /// Signing a document failed.
    #[error(transparent)]
    Signing(#[from] SigningError),
    /// Encoding JSON or the zip archive failed.
    #[error("encoding {what}: {reason}")]
    Encoding {
        /// What was encoded.
        what: &'static str,
        /// Why it failed.
        reason: String,
    },
    /// A file of the export would land outside the output folder.
    #[error("refusing to write outside the output folder: {0}")]
    OutsideOutput(String),
    /// The output folder is not the export's to replace.
    #[error("{0}")]
    NotOurs(String),
    /// Reading or writing the output failed.
    #[error(transparent)]
    Io(#[from] IoError),
}

impl Coded for ExportError {
    fn code(&self) -> &'static str {
        match self {
            Self::SidecarRefused { .. } => "sidecar-refused",
            Self::BulletinUnreadable { source, .. } => source.code(),
            Self::NotUtf8(_) => "bulletin-not-utf8",
            Self::Sidecar(e) => e.code(),
            Self::NoDate { .. } => "no-date-of-issue",
            Self::DatesOutOfOrder(_) => "dates-out-of-order",
            Self::History(e) => e.code(),
            Self::Tracker(e) => e.code(),
            Self::BadName(_) => "bad-document-name",
            Self::Settings(_) => "export-settings",
            Self::Cvss(_) => "cvss-invalid",
            Self::Signing(e) => e.code(),
            Self::Encoding { .. } => "encoding-failed",
            Self::OutsideOutput(_) => "path-outside-output",
            Self::NotOurs(_) => "output-not-an-export",
            Self::Io(e) => e.code(),
        }
    }
    fn class(&self) -> ErrorClass {
        match self {
            Self::BulletinUnreadable { source, .. } => source.class(),
            Self::Sidecar(e) => e.class(),
            Self::History(e) => e.class(),
            Self::Tracker(e) => e.class(),
            Self::Signing(e) => e.class(),
            Self::Io(e) => e.class(),
            Self::Settings(_) => ErrorClass::Config,
            // The folder given to write to is not one the export may replace.
            Self::NotOurs(_) => ErrorClass::Usage,
            _ => ErrorClass::Failure,
        }
    }
}

/// A bulletin of the pack, read, corrected by its sidecar and ready to export.
#[derive(Debug, Clone, Serialize)]
pub struct PackBulletin {
    /// Pack-relative path of the text (`QSBs/qsb-100-2024.txt`).
    pub path: String,
    /// Its file name (`qsb-100-2024.txt`).
    pub file_name: String,
    /// The number from the file name.
    pub number: u32,
    /// The year from the file name.
    pub year: i32,
    /// The identifier (`QSB-100-2024`): `project.bulletin_id_prefix`, the
    /// number (three digits at least) and the year of the file name, as the
    /// site and the API write it ([`crate::bulletin::bulletin_id`]).
    pub id: String,
    /// The title, or `<project> Security Bulletin <id>` when none was found.
    pub title: String,
    /// Day of first issue (UTC): the day of `lifecycle.published`.
    pub published: NaiveDate,
    /// Day of the last change (UTC): the day of `lifecycle.modified`.
    pub modified: NaiveDate,
    /// First issue, revisions and withdrawal, from git or the sidecar
    /// ([`crate::bulletin::lifecycle`]).
    pub lifecycle: Lifecycle,
    /// Pack-relative path of the sidecar applied, if any (`QSBs/qsb-100-2024.toml`).
    /// Its own signatures are judged like the bulletin's.
    pub sidecar: Option<String>,
    /// The structured content.
    pub bulletin: Bulletin,
}

/// Something worth telling about an exported bulletin (not an error).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable machine-readable code.
    pub code: &'static str,
    /// Pack-relative path of the bulletin.
    pub path: String,
    /// A sentence a person understands.
    pub message: String,
}

/// Reads every numbered bulletin of `pack` (letters published beside them are
/// not bulletins) with its sidecar and its lifecycle. Fails, naming the file,
/// on a bulletin that cannot be read or has no date of issue, and on an
/// invalid sidecar. A bulletin that still holds template text (a draft: see
/// [`crate::bulletin::template`]) is left out with the finding
/// `template-text`.
///
/// Dates come from the git history of the repository holding the pack (see
/// [`crate::bulletin::lifecycle`]); without one, from the sidecars, with the
/// finding `no-git-history` (path `.`). A bulletin no commit holds yet is
/// dated from its sidecar (`not-committed`), and one whose revision or
/// withdrawal is not committed yet keeps the sidecar's date for it
/// (`uncommitted-changes`).
pub fn load_bulletins(pack: &Pack) -> Result<(Vec<PackBulletin>, Vec<Finding>), ExportError> {
    let mut out = Vec::new();
    let mut findings = Vec::new();
    let mut history = History::open(&pack.root)?;
    let tracker = crate::tracker::store::load_if_present(&crate::tracker::store::path_in(pack))?;
    if history.is_none() {
        findings.push(Finding {
            code: "no-git-history",
            path: ".".into(),
            message: "the pack has no git history (it is not in a git repository, or nothing is committed yet): dates come from the sidecars and the texts (docs/machine-readable-advisories.md)".into(),
        });
    }
    for (name, file) in pack.bulletins() {
        if name.suffix.is_some() {
            continue;
        }
        let covered = tracker
            .iter()
            .flat_map(|t| t.rows())
            .filter(|a| {
                !a.unused
                    && a.bulletin
                        .as_ref()
                        .is_some_and(|r| r.is(name.number, name.year))
            })
            .collect();
        let input = BulletinInput {
            rel: &file.path,
            number: name.number,
            year: name.year,
            covered,
        };
        let (b, mut f) = load_one(pack, input, history.as_mut())?;
        findings.append(&mut f);
        if let Some(b) = b {
            out.push(b);
        }
    }
    Ok((out, findings))
}

/// A bulletin to read: its path, number and year, and the tracker's rows
/// for the upstream advisories it covers.
struct BulletinInput<'a> {
    rel: &'a str,
    number: u32,
    year: i32,
    covered: Vec<&'a Advisory>,
}

/// The bulletin with its findings; `None` when it is left out.
fn load_one(
    pack: &Pack,
    input: BulletinInput<'_>,
    history: Option<&mut History>,
) -> Result<(Option<PackBulletin>, Vec<Finding>), ExportError> {
    let BulletinInput {
        rel,
        number,
        year,
        covered,
    } = input;
    let config = &pack.config;
    let path = pack.path_of(rel);
    let sidecar_rel = Sidecar::path_for(Path::new(rel));
    let sidecar_rel = sidecar_rel.to_string_lossy();
    if let Some(f) = pack.file(&sidecar_rel) {
        if let FileClass::Refused { reason } = &f.class {
            return Err(ExportError::SidecarRefused {
                path: sidecar_rel.into_owned(),
                reason: reason.clone(),
            });
        }
    }
    let bytes = read_capped(&path, MAX_BULLETIN_BYTES as u64).map_err(|source| {
        ExportError::BulletinUnreadable {
            path: rel.to_string(),
            source,
        }
    })?;
    let text = String::from_utf8(bytes).map_err(|_| ExportError::NotUtf8(rel.to_string()))?;
    let left = template_lines(&text);
    if !left.is_empty() {
        let finding = Finding {
            code: "template-text",
            path: rel.to_string(),
            message: format!(
                "still holds template text, a draft: {}; not exported",
                describe(&left)
            ),
        };
        return Ok((None, vec![finding]));
    }
    let mut bulletin = Bulletin::parse(&text, &config.project.upstream_id_prefix);
    let sidecar = Sidecar::load_beside(&path)?;
    add_tracker_rows(&mut bulletin, &covered, sidecar.as_ref());
    if let Some(s) = &sidecar {
        s.apply(&mut bulletin);
    }
    let mut findings = Vec::new();
    let mut note = |code, message: String| {
        findings.push(Finding {
            code,
            path: rel.to_string(),
            message,
        })
    };
    let Some(issued) = bulletin.date else {
        return Err(ExportError::NoDate {
            path: rel.to_string(),
            sidecar: sidecar_rel.into_owned(),
        });
    };
    let stated_modified = bulletin.modified.unwrap_or(issued);
    if stated_modified < issued {
        return Err(ExportError::DatesOutOfOrder(format!(
            "{rel}: `modified` ({stated_modified}) is before the date of issue ({issued}) in {sidecar_rel}"
        )));
    }
    let from_git = match history {
        Some(h) => {
            let changes = h.changes(rel, &sidecar_rel)?;
            let l = lifecycle::from_changes(&changes, sidecar.as_ref());
            if l.is_none() {
                note(
                    "not-committed",
                    "no commit holds this bulletin yet: its dates come from its sidecar and text"
                        .into(),
                );
            }
            l
        }
        None => None,
    };
    let lifecycle = from_git.unwrap_or_else(|| lifecycle::from_sidecar(issued, sidecar.as_ref()));
    if let Some(r) = lifecycle
        .revisions
        .iter()
        .find(|r| r.date < lifecycle.published)
    {
        return Err(ExportError::DatesOutOfOrder(format!(
            "{rel}: the revision {:?} of {} in {sidecar_rel} is before the date of issue ({issued})",
            r.summary,
            r.date.date_naive()
        )));
    }
    if lifecycle.uncommitted {
        note(
            "uncommitted-changes",
            format!("a revision or withdrawal in {sidecar_rel} is not committed yet: it keeps the sidecar's date"),
        );
    }
    if lifecycle.dates_from == DatesFrom::Git && lifecycle.published.date_naive() != issued {
        note(
            "issue-date-differs",
            format!(
                "the text gives {issued} as the date of issue, the first commit holding it was made on {}; the commit's date is published",
                lifecycle.published.date_naive()
            ),
        );
    }
    let published = lifecycle.published.date_naive();
    let modified = lifecycle.modified.date_naive();
    if let Some(n) = bulletin.number.filter(|n| *n != number) {
        note(
            "number-mismatch",
            format!("the banner says {n} but the file name says {number}; the file name is used"),
        );
    }
    let id = crate::bulletin::bulletin_id(config, number, year);
    let title = match &bulletin.title {
        Some(t) => t.clone(),
        None => {
            note(
                "no-title",
                format!("no title found; add `title = \"...\"` to {sidecar_rel}"),
            );
            format!("{} Security Bulletin {id}", config.project.name)
        }
    };
    if bulletin.packages.is_empty() {
        note(
            "no-packages",
            format!("no patched package versions found; list them as [[packages]] in {sidecar_rel} if any"),
        );
    }
    let file_name = rel.rsplit('/').next().unwrap_or(rel).to_string();
    Ok((
        Some(PackBulletin {
            path: rel.to_string(),
            file_name,
            number,
            year,
            id,
            title,
            published,
            modified,
            lifecycle,
            sidecar: sidecar.is_some().then(|| sidecar_rel.to_string()),
            bulletin,
        }),
        findings,
    ))
}

/// Adds to a parsed bulletin the upstream advisories the tracker says it
/// covers, and their CVEs; a sidecar that lists `upstream_advisories` or
/// `cves` replaces them all the same.
fn add_tracker_rows(b: &mut Bulletin, covered: &[&Advisory], sidecar: Option<&Sidecar>) {
    let lists_upstream = sidecar.is_some_and(|s| s.upstream_advisories.is_some());
    let lists_cves = sidecar.is_some_and(|s| s.cves.is_some());
    for a in covered {
        if !lists_upstream && !b.upstream_advisories.contains(&a.number) {
            b.upstream_advisories.push(a.number);
        }
        if !lists_cves {
            for c in &a.cves {
                if !b.cves.contains(c) {
                    b.cves.push(c.clone());
                }
            }
        }
    }
    if !covered.is_empty() {
        b.upstream_advisories.sort_unstable();
        b.related_advisories
            .retain(|n| !b.upstream_advisories.contains(n));
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`: an instant, in UTC (RFC 3339).
pub fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The upstream advisory identifier of number `n` (`XSA-42`).
pub fn upstream_id(config: &PackConfig, n: u32) -> String {
    format!("{}-{n}", config.project.upstream_id_prefix)
}

/// The URL of a bulletin's published text, when `export.bulletin_base_url`
/// is set.
pub fn bulletin_url(config: &PackConfig, b: &PackBulletin) -> Option<String> {
    config
        .export
        .bulletin_base_url
        .as_deref()
        .map(|base| format!("{}/{}", base.trim_end_matches('/'), b.file_name))
}

/// A file to write: a path relative to the output folder and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative path with `/` separators.
    pub path: String,
    /// Contents.
    pub contents: Vec<u8>,
}

/// File at the root of an export folder naming the format that made it.
/// Only a folder holding it (with the same format) is replaced.
pub const MARKER_FILE: &str = ".secpack-export";

/// Mode of the folders of an export (its files are 0644).
#[cfg(unix)]
const FOLDER_MODE: u32 = 0o755;

/// Writes an export: `files` (and the marker file naming `format`) in a
/// staging folder beside `out`, which then replaces `out` in one rename. A
/// reader sees the previous export or the new one, never a mix; a failed
/// export leaves the previous one untouched; and a file the export no longer
/// produces (a bulletin left out this time) is gone.
///
/// The export owns `out`: an existing `out` is replaced only when it is
/// empty or holds an export of the same `format` (its marker file says so).
/// Anything else (a home folder given by mistake, a web site, another
/// format's export) is refused before a byte is written.
pub fn write_export(out: &Path, format: &str, files: &[OutputFile]) -> Result<(), ExportError> {
    for f in files {
        if !crate::pack::is_plain_relative(&f.path) || f.path == MARKER_FILE {
            return Err(ExportError::OutsideOutput(f.path.clone()));
        }
    }
    check_owned(out, format)?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent).map_err(|e| IoError::new("creating", parent, e))?;
    let staging = tempfile::Builder::new()
        .prefix(".secpack-export-")
        .tempdir_in(parent)
        .map_err(|e| IoError::new("creating a staging folder in", parent, e))?;
    let marker = OutputFile {
        path: MARKER_FILE.to_string(),
        contents: format!(
            "{format}\nThis folder was written by `secpack export {format}`; the next export replaces it whole.\n"
        )
        .into_bytes(),
    };
    for f in files.iter().chain(std::iter::once(&marker)) {
        let path = staging.path().join(&f.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| IoError::new("creating", dir, e))?;
        }
        crate::fsutil::write_atomic(&path, &f.contents, false)?;
    }
    open_folders(staging.path())?;
    // Judged again right before the swap: the folder may have changed while
    // the files were written.
    check_owned(out, format)?;
    Ok(crate::fsutil::replace_dir(staging.keep(), out, "export")?)
}

/// Whether `out` may be replaced by an export of `format`: absent, an empty
/// folder, or a folder whose marker file names `format`.
fn check_owned(out: &Path, format: &str) -> Result<(), ExportError> {
    let Ok(meta) = std::fs::symlink_metadata(out) else {
        return Ok(());
    };
    if !meta.is_dir() {
        return Err(ExportError::NotOurs(format!(
            "{} exists and is not a folder (a link is not followed); refusing to replace it",
            out.display()
        )));
    }
    let empty = std::fs::read_dir(out)
        .map_err(|e| IoError::new("reading", out, e))?
        .next()
        .is_none();
    if empty {
        return Ok(());
    }
    let marker = out.join(MARKER_FILE);
    let made_by = std::fs::symlink_metadata(&marker)
        .ok()
        .filter(|m| m.is_file() && m.len() <= 4096)
        .and_then(|_| std::fs::read_to_string(&marker).ok())
        .and_then(|t| t.lines().next().map(|l| l.trim().to_string()));
    match made_by {
        Some(f) if f == format => Ok(()),
        Some(f) => Err(ExportError::NotOurs(format!(
            "{} holds a `secpack export {f}`, not {format}; refusing to replace it (export {format} to a folder of its own)",
            out.display()
        ))),
        None => Err(ExportError::NotOurs(format!(
            "{} is not empty and was not written by secpack export (no {MARKER_FILE}); refusing to replace it: give an empty or new folder",
            out.display()
        ))),
    }
}

/// Opens `dir` and every folder below it to others (mode 0755): the staging
/// folder is created private.
fn open_folders(dir: &Path) -> Result<(), IoError> {
    let reading = |e| IoError::new("reading", dir, e);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(FOLDER_MODE))
            .map_err(|e| IoError::new("setting the mode of", dir, e))?;
    }
    for e in std::fs::read_dir(dir).map_err(reading)? {
        let e = e.map_err(reading)?;
        let path: PathBuf = e.path();
        if e.file_type().map_err(reading)?.is_dir() {
            open_folders(&path)?;
        }
    }
    Ok(())
}

/// Pretty JSON with a final newline: the exact bytes that are hashed and
/// signed.
pub(crate) fn json_bytes<T: Serialize>(value: &T) -> Result<Vec<u8>, ExportError> {
    let mut v = serde_json::to_vec_pretty(value).map_err(|e| ExportError::Encoding {
        what: "JSON",
        reason: e.to_string(),
    })?;
    v.push(b'\n');
    Ok(v)
}
