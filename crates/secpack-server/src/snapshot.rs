//! Everything the server answers from, built in memory from the pack: the
//! rendered site, the JSON API documents, and the team's encryption key.
//!
//! A snapshot is immutable; the watcher builds a new one when the pack
//! changes and swaps it in whole.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use secpack::bulletin::index::SidecarVerdict;
use secpack::canary::audit::{audit_pack, AuditOptions, DocumentSigners};
use secpack::error::{Coded, ErrorClass, IoError};
use secpack::pack::{Pack, PackError};
use secpack::report::encrypt::{EncryptionKeyError, TeamKey};
use secpack::tracker::stats;
use secpack::trust::pin::MasterPin;
use secpack::trust::{open_verified, verify_settled, PackReport, VerifiedPack, VerifyOptions};
use secpack_site::{SiteError, SiteOptions};
use serde::Serialize;

/// Why a snapshot could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The pack cannot be opened or its configuration judged.
    #[error(transparent)]
    Pack(#[from] PackError),
    /// The site could not be rendered.
    #[error("building the site")]
    Site(#[source] SiteError),
    /// A pack file the site copies is larger than the server serves.
    #[error("{} is larger than {max} bytes", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit.
        max: u64,
    },
    /// A bulletin could not be read.
    #[error(transparent)]
    Bulletin(#[from] secpack::fsutil::ReadCappedError),
    /// The tracker could not be read.
    #[error("reading the tracker {file}")]
    Tracker {
        /// The tracker's pack-relative file.
        file: String,
        /// Why.
        #[source]
        error: secpack::tracker::store::StoreError,
    },
    /// An API document could not be made.
    #[error("making an API document")]
    Json(#[from] serde_json::Error),
    /// Reading a pack file failed.
    #[error(transparent)]
    Io(#[from] IoError),
}

impl Coded for SnapshotError {
    fn code(&self) -> &'static str {
        match self {
            Self::Pack(e) => e.code(),
            Self::Site(e) => e.code(),
            Self::TooLarge { .. } => "pack-file-too-large",
            Self::Bulletin(e) => e.code(),
            Self::Tracker { error, .. } => error.code(),
            Self::Json(_) => "api-document",
            Self::Io(e) => e.code(),
        }
    }
    fn class(&self) -> ErrorClass {
        match self {
            Self::Pack(e) => e.class(),
            Self::Site(e) => e.class(),
            Self::TooLarge { .. } => ErrorClass::Config,
            Self::Bulletin(e) => e.class(),
            Self::Tracker { error, .. } => error.class(),
            Self::Json(_) => ErrorClass::Failure,
            Self::Io(e) => e.class(),
        }
    }
}

type Result<T, E = SnapshotError> = std::result::Result<T, E>;

/// Largest pack file copied into the served site.
const MAX_COPIED_FILE_BYTES: u64 = 64 << 20;

/// A file of the site, ready to send.
#[derive(Debug, Clone)]
pub struct Page {
    /// Its media type.
    pub content_type: &'static str,
    /// Its bytes.
    pub body: axum::body::Bytes,
}

/// The JSON documents of `/api/v1/`.
#[derive(Debug, Clone, Default)]
pub struct ApiDocuments {
    /// `/api/v1/bulletins`.
    pub bulletins: axum::body::Bytes,
    /// `/api/v1/canary`.
    pub canary: axum::body::Bytes,
    /// `/api/v1/xsa`.
    pub xsa: axum::body::Bytes,
    /// `/api/v1/xsa/stats`.
    pub xsa_stats: axum::body::Bytes,
    /// `/api/v1/verify`.
    pub verify: axum::body::Bytes,
}

/// What the server serves, as of one build.
#[derive(Debug)]
pub struct Snapshot {
    /// Site files by path (`index.html`, `en/keys/index.html`, ...).
    pub files: HashMap<String, Page>,
    /// The API documents.
    pub api: ApiDocuments,
    /// The team's encryption key, or why there is none.
    pub key: Result<Arc<TeamKey>, EncryptionKeyError>,
    /// The pack's keys as judged from the pinned master (who may use the
    /// inbox API, who signed a reply).
    pub keys: Arc<Vec<secpack::trust::keyring::KeyEntry>>,
    /// The pack's `export.csaf_base_url` (the `CSAF` field of the served
    /// `security.txt`, which its lint checks).
    pub csaf_base_url: Option<String>,
    /// Whether the pack verified.
    pub verified: bool,
    /// Verification failures, one sentence each.
    pub failures: Vec<String>,
    /// When it was built.
    pub built: DateTime<Utc>,
}

/// One bulletin in `/api/v1/bulletins`.
#[derive(Debug, Serialize)]
struct BulletinEntry {
    id: String,
    number: u32,
    year: i32,
    suffix: Option<String>,
    path: String,
    date: Option<String>,
    title: Option<String>,
    advisories: Vec<u32>,
    valid_signers: Vec<String>,
    required_signers: u32,
    signatures_ok: bool,
    /// The verdict on its sidecar, when it has one: a sidecar revises or
    /// withdraws the bulletin only when it meets its threshold too.
    #[serde(skip_serializing_if = "Option::is_none")]
    sidecar: Option<SidecarVerdict>,
}

impl Snapshot {
    /// Verifies the pack at `root` from `pin`, renders the site and the API
    /// documents, and chooses the encryption key, as of `now`.
    pub fn build(
        root: &Path,
        pin: &MasterPin,
        base_url: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Self> {
        // `secpack.toml` counts only when signed; the keyring is judged once.
        let VerifiedPack { pack, ring } = open_verified(root, pin)?;
        let key = TeamKey::select(&pack, &ring.entries).map(Arc::new);
        let keys = Arc::new(ring.entries.clone());
        let report = verify_settled(&pack, ring, pin, VerifyOptions::default(), &|| {});
        let site = secpack_site::render(
            &pack,
            &report,
            &SiteOptions {
                base_url: base_url.map(str::to_string),
                now,
                security_txt_key: None,
                report_form: true,
            },
        )
        .map_err(SnapshotError::Site)?;
        let mut files = HashMap::new();
        for (path, bytes) in site.files {
            files.insert(path.clone(), page(&path, bytes));
        }
        for (path, source) in site.copies {
            let read = |e| IoError::new("reading", &source, e);
            let meta = std::fs::metadata(&source).map_err(read)?;
            if meta.len() > MAX_COPIED_FILE_BYTES {
                return Err(SnapshotError::TooLarge {
                    path: source,
                    max: MAX_COPIED_FILE_BYTES,
                });
            }
            let bytes = std::fs::read(&source).map_err(read)?;
            files.insert(path.clone(), page(&path, bytes));
        }
        let api = api_documents(&pack, &report, now)?;
        Ok(Self {
            files,
            api,
            key,
            keys,
            csaf_base_url: pack.config.export.csaf_base_url.clone(),
            verified: report.summary.ok,
            failures: report.summary.failures.clone(),
            built: now,
        })
    }
}

fn page(path: &str, bytes: Vec<u8>) -> Page {
    Page {
        content_type: content_type(path),
        body: bytes.into(),
    }
}

/// The media type of a site file, from its extension.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "xml" | "atom" => "application/atom+xml",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "asc" => "application/pgp-keys",
        "txt" | "md" | "digests" => "text/plain; charset=utf-8",
        _ if path.contains(".sig.") => "application/pgp-signature",
        _ => "application/octet-stream",
    }
}

fn api_documents(pack: &Pack, report: &PackReport, now: DateTime<Utc>) -> Result<ApiDocuments> {
    let config = &pack.config;
    let bulletins: Vec<BulletinEntry> = secpack::bulletin::index::index(pack, Some(report))?
        .into_iter()
        .map(|b| {
            let verdict = b.signatures.unwrap_or_default();
            BulletinEntry {
                id: b.id,
                number: b.name.number,
                year: b.name.year,
                suffix: b.name.suffix,
                path: b.path,
                date: b.header.date.map(|d| d.to_string()),
                title: b.header.title,
                advisories: b.header.upstream_advisories,
                valid_signers: verdict.signers,
                required_signers: verdict.required,
                signatures_ok: verdict.ok,
                sidecar: verdict.sidecar,
            }
        })
        .collect();
    let audit = audit_pack(
        pack,
        &AuditOptions {
            now: now.date_naive(),
            master: Some(report.master.fingerprint.clone()),
            signatures: Some(DocumentSigners::from_report(report)),
            since: None,
        },
    );
    let canary = serde_json::json!({
        "alerts": audit.alerts(),
        "audit": audit,
    });
    let tracker = secpack::tracker::store::load_if_present(&pack.path_of(&config.tracker.file))
        .map_err(|error| SnapshotError::Tracker {
            file: config.tracker.file.clone(),
            error,
        })?;
    let rows = tracker.as_ref().map(|t| t.rows()).unwrap_or_default();
    let xsa = serde_json::json!({ "present": tracker.is_some(), "rows": rows });
    let xsa_stats =
        serde_json::json!({ "present": tracker.is_some(), "stats": stats::compute(rows) });
    // The pack by its pack-relative name, not the server's path to it.
    let verify = serde_json::json!({
        "pack": ".",
        "master": report.master,
        "summary": report.summary,
    });
    Ok(ApiDocuments {
        bulletins: json(&bulletins)?,
        canary: json(&canary)?,
        xsa: json(&xsa)?,
        xsa_stats: json(&xsa_stats)?,
        verify: json(&verify)?,
    })
}

fn json<T: Serialize>(value: &T) -> Result<axum::body::Bytes> {
    Ok(serde_json::to_vec_pretty(value)?.into())
}
