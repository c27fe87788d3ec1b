//! `secpack key`: generate, certify, list, retire, revoke and export the
//! pack's keys.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use secpack::fsutil::{write_atomic, write_atomic_private};
use secpack::keys::{self, Algorithm, KeyError, KeySpec};
use secpack::pack::Pack;
use secpack::signing::{Password, SecretKeyFile};
use secpack::trust::keyring::{KeyEntry, Keyring};
use sequoia_openpgp::parse::Parse;
use sequoia_openpgp::serialize::SerializeInto;
use sequoia_openpgp::types::ReasonForRevocation;
use sequoia_openpgp::Cert;

use crate::escape::safe;
use crate::output::{paint, print_json, BAD, DIM, GOOD, WARN};
use crate::secret::{first_line, passphrase_if};
use crate::GlobalArgs;

/// The pack's keys: make, certify, list, retire, revoke, export.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: KeyCommand,
    /// The pack's root folder.
    #[arg(long, default_value = ".", global = true)]
    pack: PathBuf,
}

#[derive(Debug, clap::Subcommand)]
enum KeyCommand {
    Generate(GenerateArgs),
    Certify(CertifyArgs),
    List(ListArgs),
    Retire(RetireArgs),
    Revoke(RevokeArgs),
    Export(ExportArgs),
}

/// Generate a key: its public part goes into the pack under
/// `keys/<role folder>/<name>-<key id>.asc`, its secret part (protected by a
/// passphrase) to the file given with `-o`, outside the pack.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// The key's role (`master`, `security-team`, `release`, ...).
    #[arg(long)]
    pub role: String,
    /// The member's signer name (start of the key file name).
    #[arg(long)]
    pub name: String,
    /// rsa4096 (default) or ed25519.
    #[arg(long, default_value = "rsa4096")]
    pub algo: Algorithm,
    /// Validity: 2y, 18m, 90d, or never.
    #[arg(long, default_value = "2y")]
    pub expires: String,
    /// The user ID (default: "<name> (<project> <role>)").
    #[arg(long)]
    pub uid: Option<String>,
    /// Where to write the secret key (mode 0600; never inside the pack).
    #[arg(short, long, value_name = "SECRETFILE")]
    pub output: PathBuf,
    /// File whose first line is the new key's passphrase (else asked twice
    /// at the terminal).
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

/// Certify every user ID of KEYFILE (a key file of the pack) with the master
/// key; the pack's file is updated in place.
#[derive(Debug, clap::Args)]
pub struct CertifyArgs {
    /// The key file in the pack.
    pub keyfile: PathBuf,
    /// The master's secret key file.
    #[arg(long, value_name = "SECRETFILE")]
    pub master_key: PathBuf,
    /// File whose first line is the master key's passphrase.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

/// List the pack's keys and the trust the pinned master key gives them.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Fingerprint of the master key (else SECPACK_MASTER or the user config).
    #[arg(long, value_name = "FPR")]
    pub master: Option<String>,
}

/// Move member NAME's key file to `retired/` beside it.
#[derive(Debug, clap::Args)]
pub struct RetireArgs {
    /// The member's signer name.
    pub name: String,
}

/// Revoke a key with its own secret key: the revocation is merged into the
/// pack's key file and written to `SECRETFILE.rev`.
#[derive(Debug, clap::Args)]
pub struct RevokeArgs {
    /// The secret key to revoke.
    #[arg(long, value_name = "SECRETFILE")]
    pub key: PathBuf,
    /// File whose first line is the key's passphrase.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Why (free text, published).
    #[arg(long, default_value = "")]
    pub reason: String,
    /// The key was compromised (default: retired).
    #[arg(long)]
    pub compromised: bool,
}

/// Print member NAME's public key (or write it to a file).
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The member's signer name.
    pub name: String,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Runs the subcommand.
pub fn run(args: Args, global: &GlobalArgs) -> Result<u8> {
    let pack = Pack::open(&args.pack)?;
    match args.command {
        KeyCommand::Generate(a) => generate(&pack, a, global),
        KeyCommand::Certify(a) => certify(&pack, a, global),
        KeyCommand::List(a) => list(&pack, a, global),
        KeyCommand::Retire(a) => retire(&pack, a, global),
        KeyCommand::Revoke(a) => revoke(&pack, a, global),
        KeyCommand::Export(a) => export(&pack, a),
    }
}

/// A new passphrase: from the file, or asked twice at the terminal.
fn new_passphrase(file: Option<&Path>) -> Result<Password> {
    if let Some(f) = file {
        return first_line(f);
    }
    anyhow::ensure!(
        std::io::stdin().is_terminal(),
        "no terminal to ask the new key's passphrase; give --passphrase-file"
    );
    let one = rpassword::prompt_password("Passphrase for the new key: ")?;
    let two = rpassword::prompt_password("Again: ")?;
    if one != two {
        return Err(KeyError::PassphraseMismatch.into());
    }
    Ok(one.into())
}

fn generate(pack: &Pack, args: GenerateArgs, global: &GlobalArgs) -> Result<u8> {
    keys::secret_outside_pack(pack, &args.output)?;
    anyhow::ensure!(
        !args.name.is_empty()
            && args
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'),
        "{:?} is not a signer name (lower-case letters, digits, '-' and '_')",
        args.name
    );
    if args.output.exists() {
        return Err(KeyError::Exists(args.output.display().to_string()).into());
    }
    let validity = KeySpec::parse_validity(&args.expires)?;
    let passphrase = new_passphrase(args.passphrase_file.as_deref())?;
    let user_id = args
        .uid
        .clone()
        .unwrap_or_else(|| format!("{} ({} {})", args.name, pack.config.project.name, args.role));
    let spec = KeySpec {
        user_id,
        algorithm: args.algo,
        validity,
    };
    let cert = keys::generate(&spec, &passphrase)?;
    let folder = keys::role_folder(&pack.config, &args.role);
    let rel = format!(
        "{}/{folder}/{}",
        pack.config.layout.keys,
        keys::public_file_name(&args.name, &cert)
    );
    let public = pack.path_of(&rel);
    std::fs::create_dir_all(public.parent().expect("a folder"))
        .with_context(|| format!("creating the folder of {rel}"))?;
    // The secret first: a public key without its secret is useless.
    write_atomic_private(&args.output, &cert.as_tsk().armored().to_vec()?, false)?;
    if let Err(e) = write_atomic(&public, &cert.armored().to_vec()?, false) {
        let _ = std::fs::remove_file(&args.output);
        return Err(e);
    }
    let fpr = cert.fingerprint().to_hex();
    if global.json {
        print_json(&serde_json::json!({
            "fingerprint": fpr, "public": rel, "secret": args.output,
        }))?;
    } else {
        anstream::println!("{} {} ({fpr})", paint(GOOD, "wrote"), safe(&rel));
        anstream::println!(
            "{} {} (secret key)",
            paint(GOOD, "wrote"),
            safe(args.output.display())
        );
        if args.role != secpack::config::ROLE_MASTER {
            anstream::println!(
                "{}",
                paint(
                    DIM,
                    format!(
                        "next: secpack key certify {} --master-key MASTERSECRET",
                        safe(&rel)
                    )
                )
            );
        }
    }
    Ok(crate::EXIT_OK)
}

fn load_public(path: &Path) -> Result<Cert> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Cert::from_bytes(&bytes)
        .with_context(|| format!("{} is not an OpenPGP key file", path.display()))
}

fn certify(pack: &Pack, args: CertifyArgs, global: &GlobalArgs) -> Result<u8> {
    let key = load_public(&args.keyfile)?;
    anyhow::ensure!(
        args.keyfile.canonicalize()?.starts_with(&pack.root),
        "{} is not inside the pack",
        args.keyfile.display()
    );
    let master = SecretKeyFile::load(&args.master_key)?;
    let master_fpr = master.cert().fingerprint().to_hex();
    let master_folder = keys::role_folder(&pack.config, secpack::config::ROLE_MASTER);
    let in_master_folder = pack.keys().any(|f| {
        f.path
            .starts_with(&format!("{}/{master_folder}/", pack.config.layout.keys))
            && load_public(&pack.path_of(&f.path))
                .is_ok_and(|c| c.fingerprint().to_hex() == master_fpr)
    });
    if !in_master_folder {
        return Err(KeyError::NotMaster(
            master_fpr,
            format!("{}/{master_folder}/", pack.config.layout.keys),
        )
        .into());
    }
    let passphrase = passphrase_if(
        primary_locked(master.cert()),
        args.passphrase_file.as_deref(),
        &args.master_key,
    )?;
    let mut signer = keys::unlock_certifier(master.cert(), passphrase.as_ref())?;
    let certified = keys::certify(&mut signer, key)?;
    write_atomic(&args.keyfile, &certified.armored().to_vec()?, true)?;
    if global.json {
        print_json(&serde_json::json!({
            "key": certified.fingerprint().to_hex(), "master": master_fpr,
            "file": args.keyfile,
        }))?;
    } else {
        anstream::println!(
            "{} {} with the master key {master_fpr}",
            paint(GOOD, "certified"),
            safe(args.keyfile.display())
        );
    }
    Ok(crate::EXIT_OK)
}

fn list(pack: &Pack, args: ListArgs, global: &GlobalArgs) -> Result<u8> {
    let pin = crate::cmd::verify::resolve_pin(args.master.as_deref())?;
    let ring = Keyring::load(pack, &pin);
    let rows: Vec<KeyRow<'_>> = ring
        .entries
        .iter()
        .map(|entry| KeyRow {
            name: key_name(pack, entry),
            entry,
        })
        .collect();
    if global.json {
        print_json(&rows)?;
        return Ok(crate::EXIT_OK);
    }
    for KeyRow { name, entry: e } in &rows {
        let style = if e.status.is_trusted() { GOOD } else { BAD };
        let day = |d: Option<chrono::DateTime<chrono::Utc>>| {
            d.map_or("-".to_string(), |d| d.format("%Y-%m-%d").to_string())
        };
        anstream::println!(
            "{} {} {} {}",
            paint(style, format!("[{}]", e.status.code())),
            safe(name.as_deref().unwrap_or("-")),
            safe(&e.file),
            safe(e.fingerprint.as_deref().unwrap_or("-"))
        );
        anstream::println!(
            "    role {}, created {}, expires {}, certified {}{}{}",
            safe(&e.role),
            day(e.created),
            day(e.expires),
            day(e.certified),
            if e.retired { ", retired" } else { "" },
            if e.revoked { ", REVOKED" } else { "" }
        );
        if !e.status.is_trusted() {
            anstream::println!("    {}", paint(WARN, safe(&e.reason)));
        }
    }
    Ok(crate::EXIT_OK)
}

/// One row of `key list`: who the key belongs to, and the trust engine's
/// verdict on it.
#[derive(serde::Serialize)]
struct KeyRow<'a> {
    /// The team member's name, else the name of the key's first user ID.
    name: Option<String>,
    #[serde(flatten)]
    entry: &'a KeyEntry,
}

/// Whose key `entry` is: the `[[team]]` member with its fingerprint or whose
/// signer name starts its file name (`alice` for `alice-team.asc`), else the
/// name part of its first user ID (`Alice` of `Alice (Demo) <alice@example.org>`).
fn key_name(pack: &Pack, entry: &KeyEntry) -> Option<String> {
    let stem = entry.file_stem();
    let team = &pack.config.team;
    let by_fpr = team.iter().find(|m| {
        m.fingerprint
            .as_deref()
            .zip(entry.fingerprint.as_deref())
            .is_some_and(|(a, b)| a.replace(' ', "").eq_ignore_ascii_case(b))
    });
    let by_file = || {
        team.iter().find(|m| {
            let signer = m.signer.to_ascii_lowercase();
            !signer.is_empty() && (stem == signer || stem.starts_with(&format!("{signer}-")))
        })
    };
    if let Some(m) = by_fpr.or_else(by_file) {
        return Some(m.name.clone());
    }
    let uid = entry.user_ids.first()?;
    let name = uid.split(['<', '(']).next().unwrap_or(uid).trim();
    (!name.is_empty()).then(|| name.to_string())
}

fn retire(pack: &Pack, args: RetireArgs, global: &GlobalArgs) -> Result<u8> {
    let (from, to) = keys::retire(pack, &args.name)?;
    if global.json {
        print_json(&serde_json::json!({ "from": from, "to": to }))?;
    } else {
        anstream::println!(
            "{} {} -> {}",
            paint(GOOD, "retired"),
            safe(&from),
            safe(&to)
        );
    }
    Ok(crate::EXIT_OK)
}

fn revoke(pack: &Pack, args: RevokeArgs, global: &GlobalArgs) -> Result<u8> {
    let secret = SecretKeyFile::load(&args.key)?;
    let mut rev_path = args.key.clone().into_os_string();
    rev_path.push(".rev");
    let rev_path = PathBuf::from(rev_path);
    if rev_path.exists() {
        return Err(KeyError::Exists(rev_path.display().to_string()).into());
    }
    let passphrase = passphrase_if(
        primary_locked(secret.cert()),
        args.passphrase_file.as_deref(),
        &args.key,
    )?;
    let mut signer = keys::unlock_certifier(secret.cert(), passphrase.as_ref())?;
    let reason = if args.compromised {
        ReasonForRevocation::KeyCompromised
    } else {
        ReasonForRevocation::KeyRetired
    };
    let revocation = keys::revoke(pack, secret.cert(), &mut signer, reason, &args.reason)?;
    write_atomic_private(&rev_path, revocation.armored()?.as_bytes(), false)?;
    if global.json {
        print_json(&serde_json::json!({
            "key": secret.cert().fingerprint().to_hex(),
            "file": revocation.key_file, "revocation": rev_path,
        }))?;
    } else {
        anstream::println!(
            "{} {} in {}; revocation certificate in {}",
            paint(GOOD, "revoked"),
            secret.cert().fingerprint(),
            safe(&revocation.key_file),
            safe(rev_path.display())
        );
    }
    Ok(crate::EXIT_OK)
}

fn export(pack: &Pack, args: ExportArgs) -> Result<u8> {
    let files = keys::member_key_files(pack, &args.name);
    let file = match files.as_slice() {
        [] => return Err(KeyError::NoSuchMember(args.name).into()),
        [one] => one,
        many => return Err(KeyError::AmbiguousMember(args.name, many.join(", ")).into()),
    };
    let cert = load_public(&pack.path_of(file))?;
    let armored = cert.armored().to_vec()?;
    match &args.output {
        Some(out) => write_atomic(out, &armored, false)?,
        None => {
            use std::io::Write;
            std::io::stdout().lock().write_all(&armored)?;
        }
    }
    Ok(crate::EXIT_OK)
}

/// Whether the primary key's secret is present and passphrase-protected.
fn primary_locked(cert: &Cert) -> bool {
    cert.primary_key()
        .key()
        .clone()
        .parts_into_secret()
        .is_ok_and(|k| !k.has_unencrypted_secret())
}
