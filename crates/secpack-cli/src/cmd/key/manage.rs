//! `secpack key retire`, `revoke` and `export`.

use anyhow::Result;
use secpack::fsutil::{write_atomic, write_atomic_private};
use secpack::keys;
use secpack::pack::Pack;
use secpack::signing::SecretKeyFile;
use sequoia_openpgp::serialize::SerializeInto;
use sequoia_openpgp::types::ReasonForRevocation;

use super::{ExportArgs, RetireArgs, RevokeArgs};
use crate::escape::safe;
use crate::output::{paint, print_json, GOOD};
use crate::secret::passphrase_if;
use crate::GlobalArgs;

/// Moves the member's key file to `retired/`.
pub(super) fn retire(pack: &Pack, args: RetireArgs, global: &GlobalArgs) -> Result<u8> {
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

/// Revokes a key with its own secret key; writes the certificate beside it.
pub(super) fn revoke(pack: &Pack, args: RevokeArgs, global: &GlobalArgs) -> Result<u8> {
    let secret = SecretKeyFile::load(&args.key)?;
    let rev_path = keys::revocation_path(&args.key)?;
    let passphrase = passphrase_if(
        keys::primary_locked(secret.cert()),
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

/// Prints (or writes) the member's public key.
pub(super) fn export(pack: &Pack, args: ExportArgs) -> Result<u8> {
    let file = keys::member_key_file(pack, &args.name)?;
    let cert = keys::load_public(&pack.path_of(&file))?;
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
