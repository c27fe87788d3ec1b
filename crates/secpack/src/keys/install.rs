//! Putting a new key in place, and finding whose a key is: the rules
//! `secpack key` applies around generation, certification, revocation and
//! export.

use std::path::{Path, PathBuf};

use sequoia_openpgp::parse::Parse;
use sequoia_openpgp::serialize::SerializeInto;
use sequoia_openpgp::Cert;

use super::{public_file_name, role_folder, secret_outside_pack, KeyError, KeySpec, Usage};
use crate::config::{Project, ROLE_MASTER, ROLE_SECURITY_TEAM};
use crate::error::IoError;
use crate::fsutil::{write_atomic, write_atomic_private};
use crate::pack::Pack;
use crate::trust::keyring::KeyEntry;

/// What a new key is asked to be.
#[derive(Debug, Clone)]
pub struct NewKey {
    /// Its role; `None` for the team's encryption key (`security-team`).
    pub role: Option<String>,
    /// The member's signer name; `None` for the encryption key (`email`).
    pub name: Option<String>,
    /// The team's report-encryption key rather than a member's signing key.
    pub encryption: bool,
    /// The algorithm.
    pub algorithm: super::Algorithm,
    /// Its validity, as `2y`, `18m`, `90d` or `never`.
    pub expires: String,
    /// The user ID, when not the default.
    pub user_id: Option<String>,
    /// Where its secret key goes (outside the pack).
    pub secret: PathBuf,
}

/// A new key's request, checked: what to generate and where it goes.
#[derive(Debug, Clone)]
pub struct NewKeyPlan {
    /// What to generate.
    pub spec: KeySpec,
    /// Its role.
    pub role: String,
    /// Its signer name.
    pub name: String,
    /// Where its secret key goes.
    pub secret: PathBuf,
}

/// Checks a new key's request before anything is generated or asked:
/// a signer name (lower-case letters, digits, `-`, `_`), a secret key file
/// outside the pack that does not exist yet, a validity period, and no
/// encryption key for the master (which only certifies).
pub fn plan_new_key(pack: &Pack, request: &NewKey) -> Result<NewKeyPlan, KeyError> {
    let role = request
        .role
        .clone()
        .unwrap_or_else(|| ROLE_SECURITY_TEAM.into());
    let name = request.name.clone().unwrap_or_else(|| "email".into());
    if request.encryption && role == ROLE_MASTER {
        return Err(KeyError::MasterEncryption);
    }
    secret_outside_pack(pack, &request.secret)?;
    if !crate::pack::is_new_signer_name(&name) {
        return Err(KeyError::BadSignerName(name));
    }
    if request.secret.exists() {
        return Err(KeyError::Exists(request.secret.display().to_string()));
    }
    let validity = KeySpec::parse_validity(&request.expires)?;
    let user_id = request.user_id.clone().unwrap_or_else(|| {
        if request.encryption {
            encryption_user_id(&pack.config.project)
        } else {
            format!("{name} ({} {role})", pack.config.project.name)
        }
    });
    Ok(NewKeyPlan {
        spec: KeySpec {
            user_id,
            algorithm: request.algorithm,
            validity,
            usage: if request.encryption {
                Usage::Encryption
            } else {
                Usage::Signing
            },
        },
        role,
        name,
        secret: request.secret.clone(),
    })
}

/// Where a new key went.
#[derive(Debug, Clone)]
pub struct Installed {
    /// The public key file, relative to the pack.
    pub public: String,
    /// The public key file on disk.
    pub public_path: PathBuf,
    /// The secret key file.
    pub secret: PathBuf,
    /// The key's fingerprint (hex).
    pub fingerprint: String,
}

/// Writes a generated key: the secret first (mode 0600; a public key
/// without its secret is useless), then the public key under
/// `keys/<role folder>/<name>-<key id>.asc`; when the public key cannot be
/// written, the secret is removed again. Neither file is overwritten.
pub fn install_new_key(pack: &Pack, plan: &NewKeyPlan, cert: &Cert) -> Result<Installed, KeyError> {
    let folder = role_folder(&pack.config, &plan.role);
    let rel = format!(
        "{}/{folder}/{}",
        pack.config.layout.keys,
        public_file_name(&plan.name, cert)
    );
    let public = pack.path_of(&rel);
    let parent = public.parent().expect("a file in a folder");
    std::fs::create_dir_all(parent).map_err(|e| IoError::new("creating", parent, e))?;
    let secret = armored(cert.as_tsk().armored().to_vec(), "the secret key")?;
    let public_bytes = armored(cert.armored().to_vec(), "the public key")?;
    write_atomic_private(&plan.secret, &secret, false)?;
    if let Err(e) = write_atomic(&public, &public_bytes, false) {
        let _ = std::fs::remove_file(&plan.secret);
        return Err(e.into());
    }
    Ok(Installed {
        public: rel,
        public_path: public,
        secret: plan.secret.clone(),
        fingerprint: cert.fingerprint().to_hex(),
    })
}

fn armored(bytes: sequoia_openpgp::Result<Vec<u8>>, what: &str) -> Result<Vec<u8>, KeyError> {
    bytes.map_err(|e| KeyError::OpenPgp(format!("writing {what}: {e}")))
}

/// The default user ID of the team's encryption key: the project and team,
/// with the contact address when it is one.
pub fn encryption_user_id(project: &Project) -> String {
    let name = if project.team_name.contains(&project.name) {
        project.team_name.clone()
    } else {
        format!("{} {}", project.name, project.team_name)
    };
    let address = project
        .contact
        .as_deref()
        .map(|c| c.trim().trim_start_matches("mailto:"))
        .filter(|c| c.contains('@') && !c.contains("://") && !c.contains(char::is_whitespace));
    match address {
        Some(a) => format!("{name} (report encryption) <{a}>"),
        None => format!("{name} (report encryption)"),
    }
}

/// Reads a public key file.
pub fn load_public(path: &Path) -> Result<Cert, KeyError> {
    let bytes = std::fs::read(path).map_err(|e| IoError::new("reading", path, e))?;
    Cert::from_bytes(&bytes)
        .map_err(|e| KeyError::NotAKeyFile(path.display().to_string(), e.to_string()))
}

/// The key file `path`, which must be inside the pack.
pub fn key_file_in_pack(pack: &Pack, path: &Path) -> Result<Cert, KeyError> {
    let key = load_public(path)?;
    let abs = path
        .canonicalize()
        .map_err(|e| IoError::new("reading", path, e))?;
    if !abs.starts_with(&pack.root) {
        return Err(KeyError::NotInsidePack(path.display().to_string()));
    }
    Ok(key)
}

/// Refuses a certifying key that is not the pack's master key: the key in
/// the master's folder (`keys/<master folder>/`).
pub fn ensure_master(pack: &Pack, master: &Cert) -> Result<(), KeyError> {
    let fpr = master.fingerprint().to_hex();
    let folder = format!(
        "{}/{}/",
        pack.config.layout.keys,
        role_folder(&pack.config, ROLE_MASTER)
    );
    let found = pack.keys().any(|f| {
        f.path.starts_with(&folder)
            && load_public(&pack.path_of(&f.path)).is_ok_and(|c| c.fingerprint().to_hex() == fpr)
    });
    if found {
        Ok(())
    } else {
        Err(KeyError::NotMaster(fpr, folder))
    }
}

/// Member `name`'s one current key file (relative to the pack).
pub fn member_key_file(pack: &Pack, name: &str) -> Result<String, KeyError> {
    let files = super::member_key_files(pack, name);
    match files.as_slice() {
        [] => Err(KeyError::NoSuchMember(name.to_string())),
        [one] => Ok(one.clone()),
        many => Err(KeyError::AmbiguousMember(name.to_string(), many.join(", "))),
    }
}

/// Where the revocation certificate of the secret key `secret` is written
/// (`SECRETFILE.rev`); refused when it exists.
pub fn revocation_path(secret: &Path) -> Result<PathBuf, KeyError> {
    let mut path = secret.as_os_str().to_owned();
    path.push(".rev");
    let path = PathBuf::from(path);
    if path.exists() {
        return Err(KeyError::Exists(path.display().to_string()));
    }
    Ok(path)
}

/// Whether the primary key's secret is present and passphrase-protected
/// (so a passphrase must be asked before it certifies).
pub fn primary_locked(cert: &Cert) -> bool {
    cert.primary_key()
        .key()
        .clone()
        .parts_into_secret()
        .is_ok_and(|k| !k.has_unencrypted_secret())
}

/// Whose key `entry` is: the `[[team]]` member with its fingerprint or whose
/// signer name its file is named for (`alice` for `alice-team.asc`), else
/// the name part of its first user ID (`Alice` of
/// `Alice (Demo) <alice@example.org>`).
pub fn owner_name(pack: &Pack, entry: &KeyEntry) -> Option<String> {
    let team = &pack.config.team;
    let by_fpr = team.iter().find(|m| {
        m.fingerprint
            .as_deref()
            .zip(entry.fingerprint.as_deref())
            .is_some_and(|(a, b)| a.replace(' ', "").eq_ignore_ascii_case(b))
    });
    let by_file = || {
        team.iter()
            .find(|m| crate::pack::key_file_names_signer(&entry.file, &m.signer))
    };
    if let Some(m) = by_fpr.or_else(by_file) {
        return Some(m.name.clone());
    }
    let uid = entry.user_ids.first()?;
    let name = uid.split(['<', '(']).next().unwrap_or(uid).trim();
    (!name.is_empty()).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revocation_goes_beside_the_secret_and_never_over_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("alice.sec");
        assert_eq!(
            revocation_path(&secret).unwrap(),
            dir.path().join("alice.sec.rev")
        );
        std::fs::write(dir.path().join("alice.sec.rev"), b"x").unwrap();
        let err = revocation_path(&secret).unwrap_err();
        assert_eq!(err.code(), "exists");
    }

    #[test]
    fn the_encryption_user_id_carries_a_mail_address_only() {
        let mut project = Project {
            name: "Demo".into(),
            team_name: "Security Team".into(),
            contact: Some("mailto:security@example.org".into()),
            ..Project::default()
        };
        assert_eq!(
            encryption_user_id(&project),
            "Demo Security Team (report encryption) <security@example.org>"
        );
        project.contact = Some("https://example.org/report".into());
        assert_eq!(
            encryption_user_id(&project),
            "Demo Security Team (report encryption)"
        );
    }
}
