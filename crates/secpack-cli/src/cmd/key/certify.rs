//! `secpack key certify`.

use anyhow::Result;
use secpack::fsutil::write_atomic;
use secpack::keys::{self, Plan};
use secpack::pack::Pack;
use secpack::signing::SecretKeyFile;
use sequoia_openpgp::serialize::SerializeInto;

use super::CertifyArgs;
use crate::escape::safe;
use crate::output::{paint, print_json, DIM, GOOD};
use crate::secret::passphrase_if;
use crate::GlobalArgs;

/// Certifies the key file with the master key, unless every user ID is
/// certified already.
pub(super) fn run(pack: &Pack, args: CertifyArgs, global: &GlobalArgs) -> Result<u8> {
    let key = keys::key_file_in_pack(pack, &args.keyfile)?;
    let master = SecretKeyFile::load(&args.master_key)?;
    keys::ensure_master(pack, master.cert())?;
    let master_fpr = master.cert().fingerprint().to_hex();
    // Known before the passphrase is asked: the master itself and altered
    // keys are refused, a key certified already is left alone.
    let plan = keys::certification_plan(master.cert(), &key)?;
    let key_fpr = key.fingerprint().to_hex();
    if plan.unchanged() {
        if global.json {
            print_json(&outcome(&key_fpr, &master_fpr, &args, &plan, false))?;
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
        keys::primary_locked(master.cert()),
        args.passphrase_file.as_deref(),
        &args.master_key,
    )?;
    let mut signer = keys::unlock_certifier(master.cert(), passphrase.as_ref())?;
    let certified = keys::certify(&mut signer, key)?;
    write_atomic(&args.keyfile, &certified.cert.armored().to_vec()?, true)?;
    let plan = &certified.plan;
    if global.json {
        print_json(&outcome(&key_fpr, &master_fpr, &args, plan, true))?;
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

/// The `--json` document.
fn outcome(
    key: &str,
    master: &str,
    args: &CertifyArgs,
    plan: &Plan,
    changed: bool,
) -> serde_json::Value {
    serde_json::json!({
        "key": key, "master": master, "file": args.keyfile,
        "certified": plan.added, "already_certified": plan.already,
        "changed": changed,
    })
}
