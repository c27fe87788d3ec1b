//! `secpack key`: generate, certify, list, retire, revoke and export the
//! pack's keys.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use secpack::fsutil::{write_atomic, write_atomic_private};
use secpack::keys::{self, Algorithm, KeyError, KeySpec, Usage};
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
///
/// A member's key certifies with its primary key and signs with a subkey.
/// With --encryption, the team's report key instead: an encryption subkey
/// and no signing subkey, by default `keys/security-team/email-<key id>.asc`,
/// the key `secpack serve`, `report encrypt` and security.txt use.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// The key's role (`master`, `security-team`, `release`, ...); with
    /// --encryption, `security-team` by default.
    #[arg(long, required_unless_present = "encryption")]
    pub role: Option<String>,
    /// The member's signer name (start of the key file name); with
    /// --encryption, `email` by default.
    #[arg(long, required_unless_present = "encryption")]
    pub name: Option<String>,
    /// Make the team's encryption key for vulnerability reports: a
    /// certification-only primary key and an encryption subkey (Curve25519
    /// with ed25519, RSA with rsa4096), no signing subkey. Its secret key
    /// decrypts reports (`secpack inbox show --key SECRETFILE`).
    #[arg(long)]
    pub encryption: bool,
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
/// key; the pack's file is updated in place. User IDs the master certifies
/// already are left alone ("already certified": nothing changes, exit 0);
/// the master key cannot certify itself, and a key holding a certification
/// by the master that does not verify (an altered file) is refused.
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
///
/// Without a pinned master key, the keys are listed with their facts and
/// the verdict "unjudged".
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Fingerprint of the master key (else SECPACK_MASTER or the user
    /// config; without one, nothing is judged).
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
    // Without --encryption, clap requires both.
    let role = args
        .role
        .clone()
        .unwrap_or_else(|| secpack::config::ROLE_SECURITY_TEAM.into());
    let name = args.name.clone().unwrap_or_else(|| "email".into());
    anyhow::ensure!(
        !(args.encryption && role == secpack::config::ROLE_MASTER),
        "the master key only certifies: make the team's encryption key with --encryption \
         alone (role security-team)"
    );
    keys::secret_outside_pack(pack, &args.output)?;
    anyhow::ensure!(
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'),
        "{name:?} is not a signer name (lower-case letters, digits, '-' and '_')"
    );
    if args.output.exists() {
        return Err(KeyError::Exists(args.output.display().to_string()).into());
    }
    let validity = KeySpec::parse_validity(&args.expires)?;
    let passphrase = new_passphrase(args.passphrase_file.as_deref())?;
    let user_id = args.uid.clone().unwrap_or_else(|| {
        if args.encryption {
            encryption_user_id(&pack.config.project)
        } else {
            format!("{name} ({} {role})", pack.config.project.name)
        }
    });
    let spec = KeySpec {
        user_id,
        algorithm: args.algo,
        validity,
        usage: if args.encryption {
            Usage::Encryption
        } else {
            Usage::Signing
        },
    };
    let spinner = spinner(
        match args.algo {
            Algorithm::Rsa4096 => "generating an RSA-4096 key (this takes a few seconds)",
            Algorithm::Ed25519 => "generating an Ed25519 key",
        },
        global,
    );
    let generated = keys::generate(&spec, &passphrase);
    spinner.finish_and_clear();
    let cert = generated?;
    let folder = keys::role_folder(&pack.config, &role);
    let rel = format!(
        "{}/{folder}/{}",
        pack.config.layout.keys,
        keys::public_file_name(&name, &cert)
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
    // What to run next, runnable from any folder: the pack by its absolute
    // path, the key file inside it.
    let root = shell_word(&pack.root.display().to_string());
    let mut next = Vec::new();
    if role != secpack::config::ROLE_MASTER {
        next.push(format!(
            "secpack key certify --pack {root} {} --master-key MASTERSECRET",
            shell_word(&public.display().to_string())
        ));
    }
    if args.encryption {
        next.push(format!(
            "secpack report encrypt --pack {root} --master MASTERFPR REPORTFILE"
        ));
    }
    if global.json {
        print_json(&serde_json::json!({
            "fingerprint": fpr, "public": rel, "secret": args.output,
            "usage": if args.encryption { "encryption" } else { "signing" },
            "next": next,
        }))?;
    } else {
        anstream::println!("{} {} ({fpr})", paint(GOOD, "wrote"), safe(&rel));
        anstream::println!(
            "{} {} (secret key)",
            paint(GOOD, "wrote"),
            safe(args.output.display())
        );
        for n in &next {
            anstream::println!("{}", paint(DIM, format!("next: {}", safe(n))));
        }
    }
    Ok(crate::EXIT_OK)
}

/// The default user ID of the team's encryption key: the project and team,
/// with the contact address when it is one.
fn encryption_user_id(project: &secpack::config::Project) -> String {
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

/// `word` as one shell word: as it is when it holds only characters the
/// shell leaves alone, else in single quotes.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@%=".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// A spinner on standard error while something slow runs; hidden for JSON
/// output and when standard error is not a terminal.
fn spinner(what: &str, global: &GlobalArgs) -> indicatif::ProgressBar {
    if global.json || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
        bar.set_style(style);
    }
    bar.set_message(what.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
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
    // Known before the passphrase is asked: the master itself and altered
    // keys are refused, a key certified already is left alone.
    let plan = keys::certification_plan(master.cert(), &key)?;
    let key_fpr = key.fingerprint().to_hex();
    if plan.unchanged() {
        if global.json {
            print_json(&serde_json::json!({
                "key": key_fpr, "master": master_fpr, "file": args.keyfile,
                "certified": plan.added, "already_certified": plan.already,
                "changed": false,
            }))?;
        } else {
            anstream::println!(
                "{} {}: the master key {master_fpr} certifies every user ID already; nothing \
                 changed",
                paint(GOOD, "already certified"),
                safe(args.keyfile.display())
            );
        }
        return Ok(crate::EXIT_OK);
    }
    let passphrase = passphrase_if(
        primary_locked(master.cert()),
        args.passphrase_file.as_deref(),
        &args.master_key,
    )?;
    let mut signer = keys::unlock_certifier(master.cert(), passphrase.as_ref())?;
    let certified = keys::certify(&mut signer, key)?;
    write_atomic(&args.keyfile, &certified.cert.armored().to_vec()?, true)?;
    let plan = &certified.plan;
    if global.json {
        print_json(&serde_json::json!({
            "key": key_fpr, "master": master_fpr, "file": args.keyfile,
            "certified": plan.added, "already_certified": plan.already,
            "changed": true,
        }))?;
    } else {
        anstream::println!(
            "{} {} with the master key {master_fpr}",
            paint(GOOD, "certified"),
            safe(args.keyfile.display())
        );
        if !plan.already.is_empty() {
            anstream::println!(
                "{}",
                paint(
                    DIM,
                    format!(
                        "  new user ID(s) {}; already certified: {}",
                        safe(plan.added.join(", ")),
                        safe(plan.already.join(", "))
                    )
                )
            );
        }
    }
    Ok(crate::EXIT_OK)
}

fn list(pack: &Pack, args: ListArgs, global: &GlobalArgs) -> Result<u8> {
    // Only the verdict needs the pin: without one, the facts are listed.
    let pin = match secpack::trust::pin::MasterPin::resolve(args.master.as_deref())? {
        Some((pin, source)) => {
            tracing::info!("master key pinned from {source:?}: {pin}");
            Some(pin)
        }
        None => None,
    };
    let ring = match &pin {
        Some(pin) => Keyring::load(pack, pin),
        None => Keyring::unjudged(pack),
    };
    let rows: Vec<KeyRow<'_>> = ring
        .entries
        .iter()
        .enumerate()
        .map(|(i, entry)| KeyRow {
            name: key_name(pack, entry),
            verdict: match (ring.judged, entry.cert().is_some()) {
                (false, true) => Some(UNJUDGED),
                _ => None,
            },
            pin_warnings: if ring.master == Some(i) {
                ring.master_warnings.clone()
            } else {
                Vec::new()
            },
            entry,
        })
        .collect();
    if global.json {
        // Unjudged keys have no verdict: their status says so.
        let mut values = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut v = serde_json::to_value(row)?;
            if let Some(verdict) = row.verdict {
                v["status"] = verdict.into();
            }
            values.push(v);
        }
        print_json(&values)?;
        return Ok(crate::EXIT_OK);
    }
    if !ring.judged {
        anstream::eprintln!(
            "{} no master key fingerprint is pinned: keys are listed unjudged (give --master \
             FPR, SECPACK_MASTER or `master = \"...\"` in the user config for the verdicts)",
            paint(WARN, "note:")
        );
    }
    for row in &rows {
        let e = row.entry;
        let (style, code) = match row.verdict {
            Some(v) => (DIM, v),
            None if e.status.is_trusted() => (GOOD, e.status.code()),
            None => (BAD, e.status.code()),
        };
        let day = |d: Option<chrono::DateTime<chrono::Utc>>| {
            d.map_or("-".to_string(), |d| d.format("%Y-%m-%d").to_string())
        };
        anstream::println!(
            "{} {} {} {}",
            paint(style, format!("[{code}]")),
            safe(row.name.as_deref().unwrap_or("-")),
            safe(&e.file),
            safe(e.fingerprint.as_deref().unwrap_or("-"))
        );
        let uses = if e.capabilities.is_empty() {
            String::new()
        } else {
            format!(" ({})", e.capabilities.join(", "))
        };
        anstream::println!(
            "    role {}{uses}, created {}, expires {}, certified {}{}{}",
            safe(&e.role),
            day(e.created),
            day(e.expires),
            day(e.certified),
            if e.retired { ", retired" } else { "" },
            if e.revoked { ", REVOKED" } else { "" }
        );
        if (row.verdict.is_none() && !e.status.is_trusted()) || e.cert().is_none() {
            anstream::println!("    {}", paint(WARN, safe(&e.reason)));
        }
        for w in e.warnings.iter().chain(&row.pin_warnings) {
            anstream::println!("    {} {}", paint(WARN, "warning:"), safe(w));
        }
    }
    Ok(crate::EXIT_OK)
}

/// The verdict `key list` shows when no master key is pinned.
const UNJUDGED: &str = "unjudged";

/// One row of `key list`: who the key belongs to, and the trust engine's
/// verdict on it.
#[derive(serde::Serialize)]
struct KeyRow<'a> {
    /// The team member's name, else the name of the key's first user ID.
    name: Option<String>,
    /// `unjudged` when no master key is pinned: shown instead of the
    /// status, which is then no verdict.
    #[serde(skip)]
    verdict: Option<&'static str>,
    /// On the pinned key: remarks on the pin (`pin-not-master-folder`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pin_warnings: Vec<String>,
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
