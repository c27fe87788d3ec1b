//! Whether `secpack.toml` may change verification.
//!
//! The file sits in the pack, where whoever can write the pack (a mirror, a
//! contributor) can change it. Its settings that change what verification
//! accepts (thresholds, roles, layout, signer names, canary cadence, the
//! tracker file) therefore take effect only when the file itself carries
//! valid signatures (`secpack.toml.sig.<who>`) from as many distinct
//! security-team keys certified by the pinned master as its strictest
//! threshold asks, and at least one. Otherwise its neutral part applies
//! ([`PackConfig::neutral_part`]: names, contact, export URLs) with the
//! built-in defaults everywhere else, and verify reports `unsigned-config`.

use std::path::Path;

use super::keyring::Keyring;
use super::pin::MasterPin;
use super::report::verify_document;
use crate::config::CONFIG_FILE;
use crate::pack::{ConfigTrust, Pack, PackError};

/// A pack whose configuration has been judged, and its keyring judged under
/// the configuration in effect.
#[derive(Debug)]
pub struct VerifiedPack {
    /// The pack, classified under the configuration in effect.
    pub pack: Pack,
    /// Every key of that pack, judged from the pin.
    pub ring: Keyring,
}

/// Opens the pack at `root` as a verifier must: `secpack.toml` counts only
/// when signed.
pub fn open_verified(root: &Path, pin: &MasterPin) -> Result<VerifiedPack, PackError> {
    settle(Pack::open(root)?, pin)
}

/// Judges the configuration of a pack opened as written and returns the pack
/// under the configuration that may apply; a pack already judged is kept.
pub fn settle(pack: Pack, pin: &MasterPin) -> Result<VerifiedPack, PackError> {
    let ring = Keyring::load(&pack, pin);
    if pack.config_trust != ConfigTrust::AsWritten {
        return Ok(VerifiedPack { pack, ring });
    }
    let Some(doc) = pack.file(CONFIG_FILE) else {
        return Ok(VerifiedPack { pack, ring });
    };
    let required = pack.config.config_signers_required();
    // Strict: a signature whose key may not sign the configuration (another
    // role), or that carries any other warning that fails --strict, does
    // not count.
    let (judged, _) = verify_document(&pack, &ring, doc, true);
    if judged.ok {
        let trust = ConfigTrust::Signed {
            signers: judged.signers,
            required,
        };
        return Ok(VerifiedPack {
            pack: Pack {
                config_trust: trust,
                ..pack
            },
            ring,
        });
    }
    let ignored = pack.config.trust_settings_changed();
    let trust = ConfigTrust::Unsigned {
        valid_signers: judged.valid_signers,
        required,
        ignored: ignored.iter().map(|s| s.to_string()).collect(),
    };
    if ignored.is_empty() {
        // Nothing it says changes a verdict: the classification stands.
        return Ok(VerifiedPack {
            pack: Pack {
                config_trust: trust,
                ..pack
            },
            ring,
        });
    }
    let neutral = pack.reconfigured(pack.config.neutral_part(), trust)?;
    let ring = if neutral.config.layout == pack.config.layout {
        ring
    } else {
        Keyring::load(&neutral, pin)
    };
    Ok(VerifiedPack {
        pack: neutral,
        ring,
    })
}
