//! Walks a pack and classifies every entry.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use super::PackError;
use crate::error::IoError;
use rayon::prelude::*;

use super::naming::{NumberedName, SignatureName};
use super::{FileClass, OtherReason, PackFile, MAX_DEPTH, MAX_ENTRIES};
use crate::config::{PackConfig, CONFIG_FILE};

/// First line of a cleartext-signed message.
pub(crate) const CLEARSIGN_HEADER: &[u8] = b"-----BEGIN PGP SIGNED MESSAGE-----";

/// File-name endings of key files.
const KEY_EXTENSIONS: [&str; 5] = [".asc", ".gpg", ".pub", ".key", ".pgp"];

/// Scans the pack rooted at `root` (canonical) and classifies every entry.
pub(super) fn scan(root: &Path, config: &PackConfig) -> Result<Vec<PackFile>, PackError> {
    let mut regular = BTreeSet::new();
    let mut out = Vec::new();
    walk(root, root, "", 0, &mut regular, &mut out)?;
    classify(root, config, &regular, &mut out);
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Collects regular files into `regular` and refused or skipped entries into
/// `out`.
fn walk(
    root: &Path,
    dir: &Path,
    rel: &str,
    depth: usize,
    regular: &mut BTreeSet<String>,
    out: &mut Vec<PackFile>,
) -> Result<(), PackError> {
    if depth > MAX_DEPTH {
        return Err(PackError::TooLarge(format!(
            "{rel}: folders nested deeper than {MAX_DEPTH} levels"
        )));
    }
    let entries = std::fs::read_dir(dir).map_err(|e| IoError::new("reading", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| IoError::new("reading", dir, e))?;
        if regular.len() + out.len() >= MAX_ENTRIES {
            return Err(PackError::TooLarge(format!(
                "the pack has more than {MAX_ENTRIES} entries"
            )));
        }
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            out.push(refused(
                &join(rel, &name.to_string_lossy()),
                "file name is not valid UTF-8",
            ));
            continue;
        };
        let path = join(rel, name);
        // From the directory entry itself where the file system says (no
        // stat per file); it does not follow links.
        let ft = entry
            .file_type()
            .map_err(|e| IoError::new("reading", &entry.path(), e))?;
        if ft.is_symlink() {
            out.push(classify_link(root, &entry.path(), &path));
        } else if ft.is_dir() {
            if rel.is_empty() && name == ".git" {
                out.push(PackFile {
                    path,
                    class: FileClass::Other {
                        reason: OtherReason::GitMetadata,
                    },
                });
            } else {
                walk(root, &entry.path(), &path, depth + 1, regular, out)?;
            }
        } else if ft.is_file() {
            regular.insert(path);
        } else {
            out.push(refused(
                &path,
                "not a regular file (device, socket or pipe)",
            ));
        }
    }
    Ok(())
}

/// A link is listed as an alias when it resolves to a regular file inside the
/// pack; anything else (leaving the pack, dangling, a folder) is refused.
fn classify_link(root: &Path, link: &Path, rel: &str) -> PackFile {
    let target = match std::fs::canonicalize(link) {
        Ok(t) => t,
        Err(_) => return refused(rel, "symbolic link that leads nowhere (dangling); refused"),
    };
    let inside = target
        .strip_prefix(root)
        .ok()
        .and_then(|t| t.to_str())
        .map(|t| t.replace(std::path::MAIN_SEPARATOR, "/"));
    match inside {
        Some(t) if !t.is_empty() && target.is_file() => PackFile {
            path: rel.to_string(),
            class: FileClass::Link { target: t },
        },
        Some(_) => refused(
            rel,
            "symbolic link to a folder; refused (links are never followed)",
        ),
        None => refused(rel, "symbolic link leading outside the pack; refused"),
    }
}

fn join(rel: &str, name: &str) -> String {
    if rel.is_empty() {
        name.to_string()
    } else {
        format!("{rel}/{name}")
    }
}

fn refused(path: &str, reason: &str) -> PackFile {
    PackFile {
        path: path.to_string(),
        class: FileClass::Refused {
            reason: reason.to_string(),
        },
    }
}

fn other(path: &str, reason: OtherReason) -> PackFile {
    PackFile {
        path: path.to_string(),
        class: FileClass::Other { reason },
    }
}

/// Splits a pack path into (folder, file name); the folder is `""` at the root.
fn split(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

/// Whether `path` lies in `folder` or below it.
pub(super) fn is_under(path: &str, folder: &str) -> bool {
    path.strip_prefix(folder)
        .is_some_and(|rest| rest.starts_with('/'))
}

fn classify(root: &Path, config: &PackConfig, regular: &BTreeSet<String>, out: &mut Vec<PackFile>) {
    let layout = &config.layout;
    // Signatures found for each document.
    let mut signatures: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut candidates_for_documents = Vec::new();

    for path in regular {
        let (dir, name) = split(path);
        if is_under(path, &layout.keys) {
            let below = &path[layout.keys.len() + 1..];
            let lower = name.to_ascii_lowercase();
            if lower.starts_with("readme") {
                out.push(other(path, OtherReason::Readme));
            } else if KEY_EXTENSIONS.iter().any(|e| lower.ends_with(e)) {
                let folder = below.split('/').next().unwrap_or("");
                let role = if folder == name {
                    // A key directly in keys/: no folder to take a role from.
                    "unassigned".to_string()
                } else {
                    layout.role_of_key_folder(folder)
                };
                let retired = below.split('/').any(|c| c == "retired");
                out.push(PackFile {
                    path: path.clone(),
                    class: FileClass::Key { role, retired },
                });
            } else {
                out.push(other(path, OtherReason::NotAKey));
            }
            continue;
        }
        // A numbered bulletin or canary is never a tool, wherever it lies.
        let numbered_name = NumberedName::parse(&layout.bulletin_prefix, name).is_some()
            || NumberedName::parse(&layout.canary_prefix, name).is_some();
        if !numbered_name && layout.tools.iter().any(|t| is_under(path, t)) {
            out.push(other(path, OtherReason::Tool));
            continue;
        }
        let sig = SignatureName::candidates(name).into_iter().find(|c| {
            let target = join(dir, &c.target);
            regular.contains(&target) && !is_under(&target, &layout.keys)
        });
        let sig = sig.or_else(|| bare_signer_suffix(root, regular, dir, name, path, &layout.keys));
        match sig {
            Some(sig) => {
                let target = join(dir, &sig.target);
                let key = regular.get(&target).expect("target exists").as_str();
                signatures.entry(key).or_default().push(path.clone());
                out.push(PackFile {
                    path: path.clone(),
                    class: FileClass::Signature {
                        document: target,
                        signer: sig.signer,
                        nonstandard: sig.nonstandard,
                    },
                });
            }
            None if SignatureName::looks_like_signature(name)
                && looks_armored_signature(root, path) =>
            {
                out.push(other(path, OtherReason::OrphanSignature));
            }
            None => candidates_for_documents.push(path),
        }
    }

    // Whether each candidate carries its own cleartext signature: one small
    // read per file, done in parallel. In the folders of bulletins, canaries
    // and digests, a signed message after other text counts too (readers
    // skip that text; verify then refuses it as extra content), so text put
    // in front of a clear-signed digest file does not pass it off as unsigned.
    let document_folders = [&layout.bulletins, &layout.canaries, &layout.digests];
    let clearsigned: Vec<bool> = candidates_for_documents
        .par_iter()
        .map(|path| {
            starts_with(root, path, CLEARSIGN_HEADER)
                || (document_folders.iter().any(|f| is_under(path, f))
                    && holds_signed_message(root, path))
        })
        .collect();
    for (path, clearsigned) in candidates_for_documents.into_iter().zip(clearsigned) {
        let (dir, name) = split(path);
        let sigs = signatures.remove(path.as_str()).unwrap_or_default();
        if path == CONFIG_FILE {
            // Always a document: its settings count only when it is signed
            // (see `trust::config`), and its threshold is its own.
            out.push(PackFile {
                path: path.clone(),
                class: FileClass::Document {
                    folder: CONFIG_FILE.to_string(),
                    signatures: sigs,
                    clearsigned: false,
                },
            });
            continue;
        }
        if sigs.is_empty() && *path == config.tracker.file {
            out.push(other(path, OtherReason::Tracker));
            continue;
        }
        let numbered = (dir == layout.bulletins
            && (NumberedName::parse(&layout.bulletin_prefix, name).is_some()
                || is_bulletin_sidecar(regular, dir, name, &layout.bulletin_prefix)))
            || (dir == layout.canaries
                && NumberedName::parse(&layout.canary_prefix, name).is_some());
        if !sigs.is_empty() || clearsigned || numbered {
            let folder = path.split_once('/').map_or("", |(f, _)| f).to_string();
            out.push(PackFile {
                path: path.clone(),
                class: FileClass::Document {
                    folder,
                    signatures: sigs,
                    clearsigned,
                },
            });
            continue;
        }
        let lower = name.to_ascii_lowercase();
        let reason = if ["readme", "license", "licence", "copying", ".git"]
            .iter()
            .any(|p| lower.starts_with(p))
        {
            OtherReason::Readme
        } else if lower.contains("template") {
            OtherReason::Template
        } else {
            OtherReason::Unsigned
        };
        out.push(other(path, reason));
    }
}

/// `qsb-NNN-YYYY.toml` beside `qsb-NNN-YYYY.txt`: the bulletin's sidecar,
/// which changes what is exported about it, so it is a document that needs
/// the same signatures as the bulletin.
fn is_bulletin_sidecar(regular: &BTreeSet<String>, dir: &str, name: &str, prefix: &str) -> bool {
    let Some(stem) = name.strip_suffix(".toml") else {
        return false;
    };
    let text = format!("{stem}.txt");
    NumberedName::parse(prefix, &text).is_some_and(|n| n.suffix.is_none())
        && regular.contains(&join(dir, &text))
}

/// `<doc>.<who>` with no `sig` in the name (seen in real packs): accepted only
/// when `<doc>` exists and the file holds an armoured signature.
fn bare_signer_suffix(
    root: &Path,
    regular: &BTreeSet<String>,
    dir: &str,
    name: &str,
    path: &str,
    keys: &str,
) -> Option<SignatureName> {
    let (target, who) = name.rsplit_once('.')?;
    let valid_who = !who.is_empty()
        && who.len() <= 64
        && who
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let target_path = join(dir, target);
    let plausible = valid_who
        && target.contains('.')
        && regular.contains(&target_path)
        && !is_under(&target_path, keys)
        && starts_with(root, path, b"-----BEGIN PGP SIGNATURE-----");
    plausible.then(|| SignatureName {
        target: target.to_string(),
        signer: Some(who.to_string()),
        nonstandard: true,
    })
}

/// Whether the file begins with `prefix` (after optional white space).
fn starts_with(root: &Path, rel: &str, prefix: &[u8]) -> bool {
    let mut head = [0u8; 64];
    let Ok(mut f) = std::fs::File::open(root.join(rel)) else {
        return false;
    };
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    let head = &head[..n];
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    head[start..].starts_with(prefix)
}

/// How much of a file [`holds_signed_message`] searches.
const SIGNED_MESSAGE_SEARCH_BYTES: u64 = 1 << 20;

/// Whether the first MiB of the file holds a cleartext-signed message
/// anywhere ([`crate::trust::cleartext::holds_signed_message`]). A message
/// further in is missed, which leaves the file unsigned: no more than an
/// attacker gets by deleting the signature.
fn holds_signed_message(root: &Path, rel: &str) -> bool {
    let mut head = Vec::new();
    std::fs::File::open(root.join(rel))
        .and_then(|f| f.take(SIGNED_MESSAGE_SEARCH_BYTES).read_to_end(&mut head))
        .is_ok_and(|_| crate::trust::cleartext::holds_signed_message(&head))
}

/// Whether a file with a signature-like name holds an armoured signature or
/// binary OpenPGP data (an orphan signature rather than an ordinary file).
fn looks_armored_signature(root: &Path, rel: &str) -> bool {
    starts_with(root, rel, b"-----BEGIN PGP")
        || std::fs::File::open(root.join(rel))
            .and_then(|mut f| {
                let mut b = [0u8; 1];
                f.read_exact(&mut b).map(|_| b[0] & 0x80 != 0)
            })
            .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pack::Pack;

    fn touch(root: &Path, rel: &str, body: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }

    fn class_of<'a>(pack: &'a Pack, rel: &str) -> &'a FileClass {
        &pack
            .file(rel)
            .unwrap_or_else(|| panic!("{rel} not listed"))
            .class
    }

    #[test]
    fn classifies_a_conventional_pack() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        touch(r, "README.md", "hi");
        touch(r, "keys/master-key/master.asc", "k");
        touch(r, "keys/security-team/alice-team.asc", "k");
        touch(r, "keys/security-team/retired/old-key.asc", "k");
        touch(r, "keys/security-team/retired/README.md", "k");
        touch(r, "keys/notes.txt", "x");
        touch(r, "QSBs/qsb-001-2020.txt", "b");
        touch(
            r,
            "QSBs/qsb-001-2020.txt.sig.alice",
            "-----BEGIN PGP SIGNATURE-----",
        );
        touch(
            r,
            "QSBs/qsb-001-2020.txt.sign.bob",
            "-----BEGIN PGP SIGNATURE-----",
        );
        touch(r, "QSBs/qsb-002-2021.txt", "unsigned bulletin");
        touch(r, "QSBs/qsb-template.txt", "t");
        touch(
            r,
            "QSBs/qsb-099-2020.txt.sig.alice",
            "-----BEGIN PGP SIGNATURE-----",
        );
        touch(
            r,
            "digests/R1.iso.DIGESTS",
            "-----BEGIN PGP SIGNED MESSAGE-----\n",
        );
        touch(r, "digests/R2.iso.DIGESTS", "abc *R2.iso\n");
        touch(
            r,
            "digests/R2.iso.DIGESTS.asc",
            "-----BEGIN PGP SIGNATURE-----",
        );
        touch(r, "digests/R3.iso.DIGESTS", "abc *R3.iso\n");
        touch(r, "utils/helper.sh", "#!/bin/sh");
        touch(r, "tracker/xsa.toml", "version = 1\n");
        std::fs::create_dir_all(r.join(".git")).unwrap();

        let pack = Pack::open(r).unwrap();
        assert_eq!(
            class_of(&pack, "keys/security-team/retired/old-key.asc"),
            &FileClass::Key {
                role: "security-team".into(),
                retired: true
            }
        );
        assert_eq!(
            class_of(&pack, "keys/master-key/master.asc"),
            &FileClass::Key {
                role: "master".into(),
                retired: false
            }
        );
        assert!(matches!(
            class_of(&pack, "keys/security-team/retired/README.md"),
            FileClass::Other {
                reason: OtherReason::Readme
            }
        ));
        assert!(matches!(
            class_of(&pack, "keys/notes.txt"),
            FileClass::Other {
                reason: OtherReason::NotAKey
            }
        ));
        match class_of(&pack, "QSBs/qsb-001-2020.txt") {
            FileClass::Document {
                folder, signatures, ..
            } => {
                assert_eq!(folder, "QSBs");
                assert_eq!(signatures.len(), 2);
            }
            c => panic!("{c:?}"),
        }
        assert_eq!(
            class_of(&pack, "QSBs/qsb-001-2020.txt.sign.bob"),
            &FileClass::Signature {
                document: "QSBs/qsb-001-2020.txt".into(),
                signer: Some("bob".into()),
                nonstandard: true
            }
        );
        assert!(matches!(
            class_of(&pack, "QSBs/qsb-002-2021.txt"),
            FileClass::Document { signatures, clearsigned: false, .. } if signatures.is_empty()
        ));
        assert!(matches!(
            class_of(&pack, "QSBs/qsb-template.txt"),
            FileClass::Other {
                reason: OtherReason::Template
            }
        ));
        assert!(matches!(
            class_of(&pack, "QSBs/qsb-099-2020.txt.sig.alice"),
            FileClass::Other {
                reason: OtherReason::OrphanSignature
            }
        ));
        assert!(matches!(
            class_of(&pack, "digests/R1.iso.DIGESTS"),
            FileClass::Document {
                clearsigned: true,
                ..
            }
        ));
        assert!(matches!(
            class_of(&pack, "digests/R2.iso.DIGESTS"),
            FileClass::Document { clearsigned: false, signatures, .. } if signatures.len() == 1
        ));
        assert!(matches!(
            class_of(&pack, "digests/R3.iso.DIGESTS"),
            FileClass::Other {
                reason: OtherReason::Unsigned
            }
        ));
        assert!(matches!(
            class_of(&pack, "utils/helper.sh"),
            FileClass::Other {
                reason: OtherReason::Tool
            }
        ));
        assert!(matches!(
            class_of(&pack, "tracker/xsa.toml"),
            FileClass::Other {
                reason: OtherReason::Tracker
            }
        ));
        assert!(matches!(
            class_of(&pack, ".git"),
            FileClass::Other {
                reason: OtherReason::GitMetadata
            }
        ));
        assert!(matches!(
            class_of(&pack, "README.md"),
            FileClass::Other {
                reason: OtherReason::Readme
            }
        ));
        // Every regular file is listed exactly once.
        assert_eq!(pack.files.len(), 19);
        assert_eq!(pack.bulletins().len(), 2);
    }

    #[test]
    fn a_signature_suffix_without_sig_is_recognised_by_its_content() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        touch(r, "canaries/canary-003-2015.txt", "c");
        touch(
            r,
            "canaries/canary-003-2015.txt.joanna",
            "-----BEGIN PGP SIGNATURE-----\n",
        );
        touch(r, "notes/list.txt", "c");
        touch(r, "notes/list.txt.bak", "an ordinary backup");
        let pack = Pack::open(r).unwrap();
        assert_eq!(
            class_of(&pack, "canaries/canary-003-2015.txt.joanna"),
            &FileClass::Signature {
                document: "canaries/canary-003-2015.txt".into(),
                signer: Some("joanna".into()),
                nonstandard: true
            }
        );
        assert!(matches!(
            class_of(&pack, "notes/list.txt.bak"),
            FileClass::Other {
                reason: OtherReason::Unsigned
            }
        ));
    }

    #[cfg(unix)]
    #[test]
    fn links_inside_the_pack_are_aliases() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        touch(r, "keys/release-keys/release-4.asc", "k");
        std::fs::create_dir_all(r.join("keys/template-keys")).unwrap();
        std::os::unix::fs::symlink(
            "../release-keys/release-4.asc",
            r.join("keys/template-keys/fedora.asc"),
        )
        .unwrap();
        std::os::unix::fs::symlink("../release-keys", r.join("keys/template-keys/dir-link"))
            .unwrap();
        std::os::unix::fs::symlink("missing.asc", r.join("keys/template-keys/dangling.asc"))
            .unwrap();
        let pack = Pack::open(r).unwrap();
        assert_eq!(
            class_of(&pack, "keys/template-keys/fedora.asc"),
            &FileClass::Link {
                target: "keys/release-keys/release-4.asc".into()
            }
        );
        assert!(matches!(
            class_of(&pack, "keys/template-keys/dir-link"),
            FileClass::Refused { .. }
        ));
        assert!(matches!(
            class_of(&pack, "keys/template-keys/dangling.asc"),
            FileClass::Refused { .. }
        ));
        // The key is read once, under its own name.
        assert_eq!(pack.keys().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_refused_not_followed() {
        let outside = tempfile::tempdir().unwrap();
        touch(outside.path(), "secret.txt", "s");
        touch(outside.path(), "sub/qsb-001-2020.txt", "s");
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        touch(r, "QSBs/qsb-001-2020.txt", "b");
        std::os::unix::fs::symlink(
            outside.path().join("secret.txt"),
            r.join("QSBs/qsb-001-2020.txt.sig.eve"),
        )
        .unwrap();
        std::os::unix::fs::symlink(outside.path().join("sub"), r.join("canaries")).unwrap();
        let pack = Pack::open(r).unwrap();
        assert!(matches!(
            class_of(&pack, "QSBs/qsb-001-2020.txt.sig.eve"),
            FileClass::Refused { .. }
        ));
        assert!(matches!(
            class_of(&pack, "canaries"),
            FileClass::Refused { .. }
        ));
        assert!(pack.file("canaries/qsb-001-2020.txt").is_none());
        // The document lost no signature to the link: it has none.
        assert!(matches!(
            class_of(&pack, "QSBs/qsb-001-2020.txt"),
            FileClass::Document { signatures, .. } if signatures.is_empty()
        ));
    }

    #[test]
    fn secpack_toml_changes_the_layout() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        touch(
            r,
            "secpack.toml",
            "[layout]\nbulletins = \"advisories\"\nbulletin_prefix = \"psa\"\n",
        );
        touch(r, "advisories/psa-003-2022.txt", "b");
        let pack = Pack::open(r).unwrap();
        assert_eq!(pack.bulletins().len(), 1);
        assert_eq!(pack.bulletins()[0].0.number, 3);
        assert!(matches!(
            class_of(&pack, "secpack.toml"),
            FileClass::Document { folder, signatures, .. }
                if folder == "secpack.toml" && signatures.is_empty()
        ));
    }

    #[test]
    fn secpack_toml_is_a_document_with_its_signatures() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        touch(r, "secpack.toml", "[layout]\ntools = [\"scripts\"]\n");
        touch(
            r,
            "secpack.toml.sig.alice",
            "-----BEGIN PGP SIGNATURE-----\n",
        );
        touch(r, "scripts/qsb-001-2020.txt", "a bulletin is never a tool");
        touch(r, "scripts/helper.sh", "echo");
        let pack = Pack::open(r).unwrap();
        assert!(matches!(
            class_of(&pack, "secpack.toml"),
            FileClass::Document { folder, signatures, clearsigned: false }
                if folder == "secpack.toml" && signatures == &["secpack.toml.sig.alice"]
        ));
        assert!(matches!(
            class_of(&pack, "scripts/helper.sh"),
            FileClass::Other {
                reason: OtherReason::Tool
            }
        ));
        assert!(!matches!(
            class_of(&pack, "scripts/qsb-001-2020.txt"),
            FileClass::Other {
                reason: OtherReason::Tool
            }
        ));
    }

    #[test]
    fn broken_config_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "secpack.toml", "[layout\n");
        let e = Pack::open(dir.path()).unwrap_err();
        assert!(format!("{e:#}").contains("secpack.toml"), "{e:#}");
    }
}
