//! `secpack key generate`.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::Result;
use secpack::keys::{self, Algorithm, KeyError, NewKey};
use secpack::pack::Pack;
use secpack::signing::Password;

use super::GenerateArgs;
use crate::escape::safe;
use crate::output::{paint, print_json, DIM, GOOD};
use crate::secret::first_line;
use crate::GlobalArgs;

/// Checks the request, asks the passphrase, generates and writes the key,
/// and says what to run next.
pub(super) fn run(pack: &Pack, args: GenerateArgs, global: &GlobalArgs) -> Result<u8> {
    let plan = keys::plan_new_key(
        pack,
        &NewKey {
            role: args.role,
            name: args.name,
            encryption: args.encryption,
            algorithm: args.algo,
            expires: args.expires,
            user_id: args.uid,
            secret: args.output,
        },
    )?;
    let passphrase = new_passphrase(args.passphrase_file.as_deref())?;
    let spinner = spinner(
        match args.algo {
            Algorithm::Rsa4096 => "generating an RSA-4096 key (this takes a few seconds)",
            Algorithm::Ed25519 => "generating an Ed25519 key",
        },
        global,
    );
    let generated = keys::generate(&plan.spec, &passphrase);
    spinner.finish_and_clear();
    let installed = keys::install_new_key(pack, &plan, &generated?)?;
    // What to run next, runnable from any folder: the pack by its absolute
    // path, the key file inside it.
    let root = shell_word(&pack.root.display().to_string());
    let mut next = Vec::new();
    if plan.role != secpack::config::ROLE_MASTER {
        next.push(format!(
            "secpack key certify --pack {root} {} --master-key MASTERSECRET",
            shell_word(&installed.public_path.display().to_string())
        ));
    }
    if args.encryption {
        next.push(format!(
            "secpack report encrypt --pack {root} --master MASTERFPR REPORTFILE"
        ));
    }
    if global.json {
        print_json(&serde_json::json!({
            "fingerprint": installed.fingerprint, "public": installed.public,
            "secret": installed.secret,
            "usage": if args.encryption { "encryption" } else { "signing" },
            "next": next,
        }))?;
    } else {
        anstream::println!(
            "{} {} ({})",
            paint(GOOD, "wrote"),
            safe(&installed.public),
            installed.fingerprint
        );
        anstream::println!(
            "{} {} (secret key)",
            paint(GOOD, "wrote"),
            safe(installed.secret.display())
        );
        for n in &next {
            anstream::println!("{}", paint(DIM, format!("next: {}", safe(n))));
        }
        if plan.role == secpack::config::ROLE_MASTER {
            // Every later command needs the pin; the pack itself grants none.
            let fpr = &installed.fingerprint;
            let env = secpack::trust::pin::PIN_ENV;
            anstream::println!(
                "{}",
                paint(
                    DIM,
                    format!(
                        "pin: publish {fpr} out of band, and pin it where secpack runs: \
                         {env}={fpr}, or master = \"{fpr}\" in \
                         $XDG_CONFIG_HOME/secpack/config.toml"
                    )
                )
            );
        }
    }
    Ok(crate::EXIT_OK)
}

/// A new passphrase: from the file, or asked twice at the terminal.
fn new_passphrase(file: Option<&Path>) -> Result<Password> {
    if let Some(f) = file {
        return first_line(f);
    }
    if !std::io::stdin().is_terminal() {
        return Err(crate::output::usage(
            "no terminal to ask the new key's passphrase; give --passphrase-file",
        ));
    }
    let one = rpassword::prompt_password("Passphrase for the new key: ")?;
    let two = rpassword::prompt_password("Again: ")?;
    if one != two {
        return Err(KeyError::PassphraseMismatch.into());
    }
    Ok(one.into())
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
