//! Secret keys on the command line: passphrases from a file or the terminal
//! (never from arguments), and unlocking a signer's key after checking it is
//! theirs in the pack.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use secpack::pack::Pack;
use secpack::signing::{find_role_key, Password, SecretKeyFile, Signer, SigningKey};
use secpack::team::Backend;
use sequoia_openpgp::Cert;

/// The passphrase of an existing key: the first line of `file`, else asked
/// at the terminal; an error when there is neither.
pub fn read_passphrase(file: Option<&Path>, key_path: &Path) -> Result<Password> {
    match file {
        Some(f) => first_line(f),
        None if std::io::stdin().is_terminal() => Ok(rpassword::prompt_password(format!(
            "Passphrase for {}: ",
            crate::escape::safe(key_path.display())
        ))
        .context("reading the passphrase from the terminal")?
        .into()),
        None => Err(crate::output::usage(format!(
            "the secret key {} is protected by a passphrase; give --passphrase-file (no terminal to ask)",
            key_path.display()
        ))),
    }
}

/// The passphrase when the key at `key_path` needs one (`needed`), read as
/// [`read_passphrase`] does; `None` otherwise.
pub fn passphrase_if(
    needed: bool,
    file: Option<&Path>,
    key_path: &Path,
) -> Result<Option<Password>> {
    match needed {
        true => Ok(Some(read_passphrase(file, key_path)?)),
        false => Ok(None),
    }
}

/// The first line of `f`, as a passphrase.
pub fn first_line(f: &Path) -> Result<Password> {
    let text = std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?;
    Ok(text.lines().next().unwrap_or("").to_string().into())
}

/// Loads the secret key file at `key_path` and unlocks the key that may
/// sign, its passphrase read from `passphrase_file` or the terminal when it
/// has one.
pub fn unlock_signing_key(key_path: &Path, passphrase_file: Option<&Path>) -> Result<SigningKey> {
    let file = SecretKeyFile::load(key_path)?;
    let passphrase = passphrase_if(file.needs_passphrase()?, passphrase_file, key_path)?;
    Ok(file.unlock(passphrase.as_ref())?)
}

/// Who signs what is published signed (release digests, `security.txt`,
/// CSAF documents) and how: `--sign-as NAME` with a secret key file (`--key
/// FILE [--passphrase-file F]`) or the member's own GnuPG (`--gpg`), the same
/// on every command that publishes.
#[derive(Debug, clap::Args)]
pub struct SignerArgs {
    /// Who signs: their key file in the pack starts with NAME.
    #[arg(long, value_name = "NAME")]
    pub sign_as: Option<String>,
    /// The signer's secret key file (armoured, from `gpg --export-secret-keys`).
    #[arg(
        long,
        value_name = "SECRETKEYFILE",
        requires = "sign_as",
        conflicts_with = "gpg"
    )]
    pub key: Option<PathBuf>,
    /// File whose first line is the key's passphrase (else asked at the
    /// terminal when the key is protected).
    #[arg(long, value_name = "FILE", requires = "key")]
    pub passphrase_file: Option<PathBuf>,
    /// Sign with your own GnuPG (gpg-agent, smartcard) using NAME's key as
    /// the pack holds it; the signature is checked against it.
    #[arg(long, requires = "sign_as")]
    pub gpg: bool,
    #[command(flatten)]
    pub gpg_program: GpgProgram,
}

/// The gpg program `--gpg` runs.
#[derive(Debug, clap::Args)]
pub struct GpgProgram {
    /// The gpg program to run with `--gpg`.
    #[arg(
        long = "gpg-program",
        value_name = "PROGRAM",
        default_value = "gpg",
        env = "SECPACK_GPG"
    )]
    pub program: OsString,
}

impl SignerArgs {
    /// The signer and their key file, or `None` when no signer was given.
    /// `find` gives the key file and certificate of the signer named with
    /// `--sign-as`, from the fingerprint of the secret key file when there is
    /// one (else `None`: through gpg, the signer's one key in the pack).
    pub fn resolve(
        &self,
        find: impl FnOnce(&str, Option<&str>) -> Result<(String, Cert)>,
    ) -> Result<Option<(String, Signer)>> {
        let Some(name) = &self.sign_as else {
            return Ok(None);
        };
        match &self.key {
            Some(path) => {
                let key = unlock_signing_key(path, self.passphrase_file.as_deref())?;
                let (file, _) = find(name, Some(&key.cert_fingerprint()))?;
                Ok(Some((file, Signer::KeyFile(Box::new(key)))))
            }
            None if self.gpg => {
                let (file, cert) = find(name, None)?;
                let program = self.gpg_program.program.clone();
                let cert = Box::new(cert);
                Ok(Some((file, Signer::Gpg { program, cert })))
            }
            None => Err(crate::output::usage(
                "--sign-as needs --key SECRETKEYFILE or --gpg: say how to sign".to_string(),
            )),
        }
    }

    /// The signer's key of `role` in `pack` ([`find_role_key`]) and its
    /// file, or `None` when no signer was given.
    pub fn unlock(&self, pack: &Pack, role: &str) -> Result<Option<(String, Signer)>> {
        self.resolve(|name, fpr| Ok(find_role_key(pack, role, name, fpr)?))
    }
}

/// How a team member signs what they vouch for (`sign`, `tag`): with a
/// secret key file, or with their own GnuPG.
#[derive(Debug, clap::Args)]
pub struct MemberKeyArgs {
    /// Secret key file to sign with.
    #[arg(
        long,
        value_name = "SECRETKEYFILE",
        conflicts_with = "gpg",
        required_unless_present = "gpg"
    )]
    pub key: Option<PathBuf>,
    /// File whose first line is the secret key's passphrase.
    #[arg(long, value_name = "FILE", requires = "key")]
    pub passphrase_file: Option<PathBuf>,
    /// Sign with your own GnuPG (gpg-agent, smartcard) using NAME's key.
    #[arg(long)]
    pub gpg: bool,
    #[command(flatten)]
    pub gpg_program: GpgProgram,
}

impl MemberKeyArgs {
    /// The unlocked secret key file (its passphrase read from the file or
    /// the terminal), or `None` with `--gpg`.
    pub fn unlock(&self) -> Result<Option<SigningKey>> {
        self.key
            .as_deref()
            .map(|path| unlock_signing_key(path, self.passphrase_file.as_deref()))
            .transpose()
    }

    /// What signs: `key` (from [`Self::unlock`]) or the user's gpg.
    pub fn backend<'a>(&'a self, key: &'a Option<SigningKey>) -> Backend<'a> {
        match key {
            Some(k) => Backend::KeyFile(k),
            None => Backend::Gpg(&self.gpg_program.program),
        }
    }
}
