//! Checking one installation image against its signed digest file, and
//! making digest files: the whole rule, so that `secpack digest` only reads
//! its arguments and presents the result.
//!
//! Checking takes three steps: [`SignatureSource::find`] says where the
//! digest file's signature is (clear-signed, a detached `.asc`, none), the
//! caller loads the pack's keyring only when there is a signature to judge,
//! and [`check_image`] judges the signature, reads the image once and
//! compares every digest listed for it.

use std::fs::File;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::check::DigestResult;
use super::check::{algorithms_for, compare, DigestStatus, SignatureVerdict};
use super::file::{DigestFile, MAX_DIGEST_FILE_BYTES};
use super::hashing::{hash_reader, Computed, HashError};
use super::{render, Algorithm};
use crate::config::PackConfig;
use crate::fsutil::ReadCappedError;
use crate::pack::Pack;
use crate::signing::{check_trusted_signer, find_role_key, Framing, Signer, SigningError};
use crate::trust::keyring::Keyring;
use crate::trust::signature::MAX_SIGNATURE_BYTES;
use crate::trust::verdict::SigStatus;
use sequoia_openpgp::Cert;

/// Why an image or digest file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// A file cannot be opened or read.
    #[error("reading {what} {path}: {source}")]
    Read {
        /// What the file is (`digest file`, `image`, ...).
        what: &'static str,
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A small file is larger than it may be.
    #[error("the {what} {path} is larger than {limit} KiB")]
    TooLarge {
        /// What the file is.
        what: &'static str,
        /// The file.
        path: String,
        /// The limit, in KiB.
        limit: u64,
    },
    /// The image cannot be hashed to the end.
    #[error("hashing {path}")]
    Hashing {
        /// The image.
        path: String,
        /// What went wrong.
        #[source]
        source: HashError,
    },
    /// The path has no UTF-8 file name.
    #[error("{0} has no UTF-8 file name")]
    NoFileName(String),
    /// Several images need an explicit output file.
    #[error("several images need --output FILE for their digest file")]
    OutputNeeded,
    /// The output exists and may not be replaced.
    #[error("{0} exists; give --force to replace it")]
    OutputExists(String),
    /// The digest file that would be written does not verify.
    #[error("refusing to write {path}: the new signature does not verify: {reason}")]
    SelfCheckFailed {
        /// The digest file.
        path: String,
        /// The verdict's reason.
        reason: String,
    },
    /// The signer's key may not sign digest files, or signing failed.
    #[error(transparent)]
    Signer(#[from] SigningError),
    /// Writing the digest file failed.
    #[error(transparent)]
    Write(#[from] crate::error::IoError),
}

impl ImageError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Read { .. } => "read-error",
            Self::TooLarge { .. } => "too-large",
            Self::Hashing { .. } => "read-error",
            Self::NoFileName(_) => "no-file-name",
            Self::OutputNeeded => "output-needed",
            Self::OutputExists(_) => "output-exists",
            Self::SelfCheckFailed { .. } => "self-check-failed",
            Self::Signer(e) => e.code(),
            Self::Write(_) => "write-error",
        }
    }

    /// Whether the error is the user's to fix in the arguments (exit 2)
    /// rather than a failure of the check or of the disk (exit 1).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Self::NoFileName(_) | Self::OutputNeeded | Self::OutputExists(_)
        )
    }
}

/// Why the digests could not be compared, with a stable code.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// The stable code.
    pub code: &'static str,
    /// Why, in a sentence.
    pub message: String,
}

/// Where a digest file's signature is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureSource {
    /// The digest file is clear-signed.
    Cleartext,
    /// A detached signature in this file.
    Detached(PathBuf),
    /// Nowhere.
    None,
}

impl SignatureSource {
    /// The signature of the digest file `raw` read from `path`: clear-signed,
    /// `explicit` when given, else `<path>.asc` when it exists.
    pub fn find(path: &Path, raw: &[u8], explicit: Option<&Path>) -> Self {
        if crate::trust::cleartext::holds_signed_message(raw) {
            return Self::Cleartext;
        }
        match explicit {
            Some(p) => Self::Detached(p.to_path_buf()),
            None => Some(with_suffix(path, ".asc"))
                .filter(|p| p.is_file())
                .map_or(Self::None, Self::Detached),
        }
    }
}

/// The keys that may sign digest files: the pack's keyring and the roles
/// its configuration allows in the digests folder (`None`: any certified key).
pub struct DigestSigners<'a> {
    /// The pack's keyring, judged from the pinned master.
    pub ring: &'a Keyring,
    /// The roles allowed to sign digests.
    pub roles: Option<&'a [String]>,
}

/// The one role rule of digest files, for `digest check` and `digest make`
/// alike: the roles `secpack.toml` allows in the digests folder
/// (`[signers.roles]`, `release` by default); `None` when any key the master
/// certifies may sign them.
pub fn digest_roles(config: &PackConfig) -> Option<&[String]> {
    config.allowed_roles(&config.layout.digests)
}

impl<'a> DigestSigners<'a> {
    /// The keys that may sign `pack`'s digest files ([`digest_roles`]).
    pub fn of(pack: &'a Pack, ring: &'a Keyring) -> Self {
        Self {
            ring,
            roles: digest_roles(&pack.config),
        }
    }

    /// Finds the key with which `signer` may sign `pack`'s digest files:
    /// `signer`'s key file in the pack holds it (the key `fingerprint` when
    /// a secret key file gives it, else the one key of those files:
    /// [`find_role_key`]), with a role [`digest_roles`] allows (tried in the
    /// configuration's order), and the pinned master certifies it (neither
    /// retired nor revoked). Returns the key file and the key. Meant to run
    /// before any image is read: a wrong key should not cost a full read.
    pub fn check_signer(
        &self,
        pack: &Pack,
        signer: &str,
        fingerprint: Option<&str>,
    ) -> Result<(String, Cert), ImageError> {
        let roles: Vec<&str> = match self.roles {
            Some(roles) => roles.iter().map(String::as_str).collect(),
            // Any certified key: the roles of the key files.
            None => {
                let mut roles: Vec<&str> = Vec::new();
                let holding = self.ring.entries.iter().filter(|e| {
                    fingerprint.is_none_or(|fpr| {
                        e.fingerprint
                            .as_deref()
                            .is_some_and(|f| f.eq_ignore_ascii_case(fpr))
                    })
                });
                for e in holding {
                    if !roles.contains(&e.role.as_str()) {
                        roles.push(&e.role);
                    }
                }
                roles
            }
        };
        let mut first_refusal = None;
        for role in roles {
            match find_role_key(pack, role, signer, fingerprint) {
                Ok((file, cert)) => {
                    check_trusted_signer(&self.ring.entries, &cert.fingerprint().to_hex(), role)?;
                    return Ok((file, cert));
                }
                Err(e) => {
                    first_refusal.get_or_insert(e);
                }
            }
        }
        Err(first_refusal
            .unwrap_or_else(|| {
                SigningError::NotAllowed(match fingerprint {
                    Some(fpr) => format!("the signing key {fpr} is not in the pack's keys/"),
                    None => format!("no key of {signer:?} in the pack's keys/"),
                })
            })
            .into())
    }
}

/// What `digest check` says.
#[derive(Debug, Serialize)]
pub struct CheckReport {
    /// The image.
    pub image: String,
    /// The digest file.
    pub digests_file: String,
    /// The verdict on the digest file's signature.
    pub signature: SignatureVerdict,
    /// `--allow-unsigned` was given.
    pub unsigned_allowed: bool,
    /// Every digest listed for the image, compared.
    pub digests: Vec<DigestResult>,
    /// Why nothing could be compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
    /// Bytes of the image read.
    pub bytes_read: u64,
    /// The signature is trusted (or unsigned and allowed) and every digest
    /// matches.
    pub ok: bool,
}

/// What to check.
pub struct CheckRequest<'a> {
    /// The image.
    pub image: &'a Path,
    /// The digest file and its bytes.
    pub digests_file: &'a Path,
    /// The digest file's bytes (see [`read_capped`]).
    pub raw: &'a [u8],
    /// Where its signature is ([`SignatureSource::find`]).
    pub source: SignatureSource,
    /// Accept a digest file without any signature.
    pub allow_unsigned: bool,
}

/// Judges the digest file's signature, reads the image once (calling
/// `progress` with the bytes read) and compares every digest listed for it.
/// `signers` is needed only when the source is not [`SignatureSource::None`].
pub fn check_image(
    req: &CheckRequest<'_>,
    signers: Option<&DigestSigners<'_>>,
    progress: &dyn Fn(u64),
) -> Result<CheckReport, ImageError> {
    let image_name = file_name(req.image)?;
    let (signature, text) = judge_signature(req, signers)?;
    let mut report = CheckReport {
        image: req.image.display().to_string(),
        digests_file: req.digests_file.display().to_string(),
        signature,
        unsigned_allowed: req.allow_unsigned,
        digests: Vec::new(),
        problem: None,
        bytes_read: 0,
        ok: false,
    };
    match text.map(|t| parse_text(&t, req.digests_file)) {
        None => {
            report.problem = Some(Problem {
                code: "unreadable-signed-text",
                message: "the signed text of the digest file cannot be read".into(),
            })
        }
        Some(Err(problem)) => report.problem = Some(problem),
        Some(Ok(file)) => match algorithms_for(&file, &image_name) {
            Err(e) => {
                report.problem = Some(Problem {
                    code: e.code(),
                    message: e.to_string(),
                })
            }
            Ok(algorithms) => {
                let (computed, bytes) = hash_file(req.image, &algorithms, progress)?;
                report.bytes_read = bytes;
                match compare(&file, &image_name, &computed) {
                    Ok(d) => report.digests = d,
                    Err(e) => {
                        report.problem = Some(Problem {
                            code: e.code(),
                            message: e.to_string(),
                        })
                    }
                }
            }
        },
    }
    let signature_ok = report.signature.trusted
        || (req.allow_unsigned && report.signature.status == SigStatus::Unsigned);
    report.ok = signature_ok
        && report.problem.is_none()
        && !report.digests.is_empty()
        && report
            .digests
            .iter()
            .all(|d| d.status == DigestStatus::Match);
    Ok(report)
}

/// The verdict on the digest file's signature and the text it covers (the
/// raw file when it is not clear-signed; `None` when unreadable).
fn judge_signature(
    req: &CheckRequest<'_>,
    signers: Option<&DigestSigners<'_>>,
) -> Result<(SignatureVerdict, Option<Vec<u8>>), ImageError> {
    let no_keys = || SignatureVerdict::unsigned("no keyring to judge the signature with");
    match (&req.source, signers) {
        (SignatureSource::None, _) => Ok((
            SignatureVerdict::unsigned(format!(
                "{} is not clear-signed and has no detached signature {}",
                req.digests_file.display(),
                with_suffix(req.digests_file, ".asc").display()
            )),
            Some(req.raw.to_vec()),
        )),
        (_, None) => Ok((no_keys(), None)),
        (SignatureSource::Cleartext, Some(s)) => {
            let (judgements, text) = s.ring.verify_inline(req.raw);
            let verdict = SignatureVerdict::judge(s.ring, &judgements, "cleartext", s.roles);
            Ok((verdict, text))
        }
        (SignatureSource::Detached(path), Some(s)) => {
            let sig = read_capped(path, MAX_SIGNATURE_BYTES, "signature")?;
            let judgements = s.ring.verify_detached(req.raw, &sig);
            let source = path.display().to_string();
            let verdict = SignatureVerdict::judge(s.ring, &judgements, &source, s.roles);
            Ok((verdict, Some(req.raw.to_vec())))
        }
    }
}

fn parse_text(text: &[u8], path: &Path) -> Result<DigestFile, Problem> {
    let text = std::str::from_utf8(text).map_err(|e| Problem {
        code: "malformed-digest-file",
        message: format!("{} is not UTF-8 text: {e}", path.display()),
    })?;
    DigestFile::parse(text).map_err(|e| Problem {
        code: "malformed-digest-file",
        message: format!("{}: {e}", path.display()),
    })
}

/// One image listed in a made digest file.
#[derive(Debug, Serialize)]
pub struct MadeImage {
    /// Its file name.
    pub name: String,
    /// Its size.
    pub bytes: u64,
    /// Its digests.
    pub digests: std::collections::BTreeMap<Algorithm, String>,
}

/// Reads every image once and renders their digest file (every algorithm).
pub fn digest_images(
    images: &[PathBuf],
    progress: &dyn Fn(&Path, u64),
) -> Result<(String, Vec<MadeImage>), ImageError> {
    let mut listed = Vec::new();
    let mut made = Vec::new();
    for path in images {
        let name = file_name(path)?;
        let (computed, bytes) = hash_file(path, &Algorithm::ALL, &|n| progress(path, n))?;
        made.push(MadeImage {
            name: name.clone(),
            bytes,
            digests: computed
                .iter()
                .map(|c| (c.algorithm, c.hex.clone()))
                .collect(),
        });
        listed.push((name, computed));
    }
    Ok((render(&listed), made))
}

/// Writes the digest file `text` to `output` atomically (an existing file
/// only with `force`), clear-signed with `signer` when given: the new
/// signature is first checked as `digest check` will ([`self_check`]), and
/// nothing is written when it would not be trusted. Returns the bytes
/// written.
pub fn write_digest_file(
    text: String,
    signer: Option<(&Signer, &DigestSigners<'_>)>,
    output: &Path,
    force: bool,
) -> Result<String, ImageError> {
    let contents = match signer {
        Some((key, signers)) => {
            let signed = key.sign(text.as_bytes(), Framing::Cleartext)?;
            self_check(signed.as_bytes(), signers, output)?;
            signed
        }
        None => text,
    };
    crate::fsutil::write_atomic(output, contents.as_bytes(), force)?;
    Ok(contents)
}

/// Checks the clear-signed digest file `signed` as `digest check` will,
/// before it is written to `output`: the new signature must be trusted.
pub fn self_check(
    signed: &[u8],
    signers: &DigestSigners<'_>,
    output: &Path,
) -> Result<(), ImageError> {
    let (judgements, _) = signers.ring.verify_inline(signed);
    let verdict = SignatureVerdict::judge(
        signers.ring,
        &judgements,
        "the new signature",
        signers.roles,
    );
    if verdict.trusted {
        Ok(())
    } else {
        Err(ImageError::SelfCheckFailed {
            path: output.display().to_string(),
            reason: verdict.reason,
        })
    }
}

/// Where `digest make` writes: `output`, or `<image>.DIGESTS` beside a
/// single image; an existing file only with `force`.
pub fn output_for(
    output: Option<&Path>,
    images: &[PathBuf],
    force: bool,
) -> Result<PathBuf, ImageError> {
    let out = match (output, images) {
        (Some(o), _) => o.to_path_buf(),
        (None, [one]) => with_suffix(one, ".DIGESTS"),
        (None, _) => return Err(ImageError::OutputNeeded),
    };
    if !force && out.exists() {
        return Err(ImageError::OutputExists(out.display().to_string()));
    }
    Ok(out)
}

fn hash_file(
    path: &Path,
    algorithms: &[Algorithm],
    progress: &dyn Fn(u64),
) -> Result<(Vec<Computed>, u64), ImageError> {
    let read = |source| ImageError::Read {
        what: "image",
        path: path.display().to_string(),
        source,
    };
    let file = File::open(path).map_err(read)?;
    hash_reader(file, algorithms, progress).map_err(|source| ImageError::Hashing {
        path: path.display().to_string(),
        source,
    })
}

/// `path` with `suffix` appended to its file name (`a.iso` → `a.iso.DIGESTS`).
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The file name of `path`, as UTF-8.
pub fn file_name(path: &Path) -> Result<String, ImageError> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| ImageError::NoFileName(path.display().to_string()))
}

/// Reads a small file (a digest file, a signature) with
/// [`crate::fsutil::read_capped`], naming it as `what` in errors.
pub fn read_capped(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, ImageError> {
    crate::fsutil::read_capped(path, limit).map_err(|e| match e {
        ReadCappedError::Io(io) => ImageError::Read {
            what,
            path: path.display().to_string(),
            source: io.source,
        },
        ReadCappedError::TooLarge { limit, .. } => ImageError::TooLarge {
            what,
            path: path.display().to_string(),
            limit: limit >> 10,
        },
    })
}

/// Reads a digest file (at most [`MAX_DIGEST_FILE_BYTES`]).
pub fn read_digest_file(path: &Path) -> Result<Vec<u8>, ImageError> {
    read_capped(path, MAX_DIGEST_FILE_BYTES, "digest file")
}

impl crate::error::Coded for ImageError {
    fn code(&self) -> &'static str {
        ImageError::code(self)
    }
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass;
        match self {
            Self::Read { .. } => ErrorClass::Io,
            Self::Hashing { source, .. } => source.class(),
            Self::Signer(e) => e.class(),
            Self::Write(..) => ErrorClass::Io,
            Self::NoFileName(..) => ErrorClass::Usage,
            Self::OutputNeeded => ErrorClass::Usage,
            Self::OutputExists(..) => ErrorClass::Usage,
            _ => ErrorClass::Failure,
        }
    }
}
