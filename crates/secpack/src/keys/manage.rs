//! Finding, retiring and revoking the keys kept in a pack.

use std::path::Path;

use sequoia_openpgp as openpgp;

use openpgp::crypto::KeyPair;
use openpgp::packet::Signature;
use openpgp::parse::Parse;
use openpgp::serialize::SerializeInto;
use openpgp::types::ReasonForRevocation;
use openpgp::Cert;

use super::KeyError;
use crate::config::PackConfig;
use crate::error::IoError;
use crate::fsutil::write_atomic;
use crate::pack::{FileClass, Pack};

/// The folder under `keys/` that holds keys of `role` (the folder the layout
/// maps to that role, else a folder named after the role).
pub fn role_folder(config: &PackConfig, role: &str) -> String {
    config
        .layout
        .key_roles
        .iter()
        .find(|(_, r)| r.as_str() == role)
        .map(|(folder, _)| folder.clone())
        .unwrap_or_else(|| role.to_string())
}

/// Current (not retired) key files of member `name`: files whose name is
/// `name` or starts with `name-`, `name_` or `name.`; case-insensitive.
pub fn member_key_files(pack: &Pack, name: &str) -> Vec<String> {
    pack.keys()
        .filter(|f| matches!(f.class, FileClass::Key { retired: false, .. }))
        .filter(|f| crate::pack::key_file_names_signer(&f.path, name))
        .map(|f| f.path.clone())
        .collect()
}

/// Refuses a secret-key destination inside the pack (the pack is published).
pub fn secret_outside_pack(pack: &Pack, destination: &Path) -> Result<(), KeyError> {
    let parent = match destination.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let parent = parent
        .canonicalize()
        .map_err(|e| KeyError::BadDestination(destination.display().to_string(), e.to_string()))?;
    if parent.starts_with(&pack.root) {
        return Err(KeyError::SecretInsidePack(
            destination.display().to_string(),
            pack.root.display().to_string(),
        ));
    }
    Ok(())
}

/// Moves member `name`'s key file to the `retired/` folder beside it (a plain
/// rename, as `git mv` does). Returns the old and new pack-relative paths.
pub fn retire(pack: &Pack, name: &str) -> Result<(String, String), KeyError> {
    let from = super::member_key_file(pack, name)?;
    let (dir, file) = from.rsplit_once('/').unwrap_or(("", &from));
    let to = format!("{dir}/retired/{file}");
    let target = pack.path_of(&to);
    if target.exists() {
        return Err(KeyError::Exists(to));
    }
    let retired_dir = target.parent().expect("a file in a folder");
    std::fs::create_dir_all(retired_dir).map_err(|e| IoError::new("creating", retired_dir, e))?;
    let source = pack.path_of(&from);
    std::fs::rename(&source, &target).map_err(|e| IoError::new("moving", &source, e))?;
    Ok((from, to))
}

/// A key revoked by its owner.
#[derive(Debug, Clone)]
pub struct Revocation {
    /// The revocation certificate (the signature alone).
    pub certificate: Signature,
    /// The pack's key file that now carries the revocation.
    pub key_file: String,
}

impl Revocation {
    /// The revocation certificate, ASCII-armoured as GnuPG writes them
    /// (importing it revokes the key).
    pub fn armored(&self) -> Result<String, KeyError> {
        use std::io::Write;
        let fail = |e: &dyn std::fmt::Display| {
            KeyError::OpenPgp(format!("writing the revocation certificate: {e}"))
        };
        let packet = openpgp::Packet::from(self.certificate.clone())
            .to_vec()
            .map_err(|e| fail(&e))?;
        let mut w = openpgp::armor::Writer::new(Vec::new(), openpgp::armor::Kind::PublicKey)
            .map_err(|e| fail(&e))?;
        w.write_all(&packet).map_err(|e| fail(&e))?;
        let bytes = w.finalize().map_err(|e| fail(&e))?;
        String::from_utf8(bytes).map_err(|e| fail(&e))
    }
}

/// Revokes `secret`'s key with its own primary key (`signer`, unlocked from
/// it) and merges the revocation into the pack's key file holding that key.
pub fn revoke(
    pack: &Pack,
    secret: &Cert,
    signer: &mut KeyPair,
    reason: ReasonForRevocation,
    message: &str,
) -> Result<Revocation, KeyError> {
    let fpr = secret.fingerprint();
    let key_file = pack
        .keys()
        .find(|f| {
            openpgp::cert::CertParser::from_file(pack.path_of(&f.path))
                .is_ok_and(|p| p.flatten().any(|c| c.fingerprint() == fpr))
        })
        .map(|f| f.path.clone())
        .ok_or_else(|| KeyError::NotInPack(fpr.to_hex()))?;
    let certificate = secret
        .revoke(signer, reason, message.as_bytes())
        .map_err(|e| KeyError::OpenPgp(format!("making the revocation certificate: {e}")))?;
    let path = pack.path_of(&key_file);
    let bytes = std::fs::read(&path).map_err(|e| IoError::new("reading", &path, e))?;
    let unreadable =
        |e: crate::error::BoxError| KeyError::NotAKeyFile(key_file.clone(), e.to_string());
    let mut out = Vec::new();
    for cert in openpgp::cert::CertParser::from_bytes(&bytes).map_err(|e| unreadable(e.into()))? {
        let cert = cert.map_err(|e| unreadable(e.into()))?;
        let cert = if cert.fingerprint() == fpr {
            cert.insert_packets(std::iter::once(certificate.clone()))
                .map_err(|e| KeyError::OpenPgp(format!("adding the revocation: {e}")))?
        } else {
            cert
        };
        let armored = cert
            .armored()
            .to_vec()
            .map_err(|e| KeyError::OpenPgp(format!("writing {key_file}: {e}")))?;
        out.extend(armored);
    }
    write_atomic(&path, &out, true)?;
    Ok(Revocation {
        certificate,
        key_file,
    })
}
