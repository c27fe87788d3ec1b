//! Making a new key: a certification-only primary key and a signing subkey
//! (a member's key) or an encryption subkey (the team's report key).

use std::time::Duration;

use sequoia_openpgp as openpgp;

use openpgp::cert::{CertBuilder, CipherSuite};
use openpgp::crypto::Password;
use openpgp::types::KeyFlags;
use openpgp::Cert;

use super::KeyError;

/// The public-key algorithm of a new key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Algorithm {
    /// RSA with 4096-bit keys: what most of a long-lived pack uses.
    #[default]
    Rsa4096,
    /// Ed25519 signing keys (Curve25519): small and fast.
    Ed25519,
}

impl std::str::FromStr for Algorithm {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, KeyError> {
        match s.to_ascii_lowercase().as_str() {
            "rsa4096" => Ok(Self::Rsa4096),
            "ed25519" => Ok(Self::Ed25519),
            other => Err(KeyError::BadAlgorithm(other.to_string())),
        }
    }
}

/// What the subkey of a new key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Usage {
    /// A signing subkey: a member's key, which signs documents.
    #[default]
    Signing,
    /// An encryption subkey (for transport and storage) and no signing
    /// subkey: the team's key that vulnerability reports are encrypted to.
    /// Curve25519 (ECDH) with `ed25519`, RSA with `rsa4096`.
    Encryption,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct KeySpec {
    /// The user ID (`Alice Example <alice@example.org>`).
    pub user_id: String,
    /// The algorithm.
    pub algorithm: Algorithm,
    /// How long the key is valid; `None` for a key that does not expire.
    pub validity: Option<Duration>,
    /// Signing or encryption subkey.
    pub usage: Usage,
}

impl KeySpec {
    /// Parses a validity period: `never`, or a count followed by `d`, `w`,
    /// `m` or `y` (days, weeks, 30-day months, 365-day years).
    pub fn parse_validity(text: &str) -> Result<Option<Duration>, KeyError> {
        let t = text.trim().to_ascii_lowercase();
        if t == "never" || t == "0" {
            return Ok(None);
        }
        let bad = || KeyError::BadValidity(text.to_string());
        let unit = t.chars().last().ok_or_else(bad)?;
        let count: u64 = t[..t.len() - unit.len_utf8()].parse().map_err(|_| bad())?;
        let days = match unit {
            'd' => 1,
            'w' => 7,
            'm' => 30,
            'y' => 365,
            _ => return Err(bad()),
        };
        if count == 0 || count > 100 * 365 / days {
            return Err(bad());
        }
        Ok(Some(Duration::from_secs(count * days * 86_400)))
    }
}

/// Generates a key: the primary key may only certify, a subkey signs (or,
/// for [`Usage::Encryption`], decrypts). The secret parts are encrypted with
/// `passphrase`, which may not be empty.
pub fn generate(spec: &KeySpec, passphrase: &Password) -> Result<Cert, KeyError> {
    if passphrase.map(|p| p.is_empty()) {
        return Err(KeyError::EmptyPassphrase);
    }
    let suite = match spec.algorithm {
        Algorithm::Rsa4096 => CipherSuite::RSA4k,
        Algorithm::Ed25519 => CipherSuite::Cv25519,
    };
    let builder = CertBuilder::new()
        .set_cipher_suite(suite)
        .add_userid(spec.user_id.as_str())
        .set_primary_key_flags(KeyFlags::empty().set_certification());
    let builder = match spec.usage {
        Usage::Signing => builder.add_signing_subkey(),
        Usage::Encryption => builder.add_subkey(
            KeyFlags::empty()
                .set_transport_encryption()
                .set_storage_encryption(),
            None,
            None,
        ),
    };
    let (cert, _revocation) = builder
        .set_validity_period(spec.validity)
        .set_password(Some(passphrase.clone()))
        .generate()
        .map_err(|e| KeyError::OpenPgp(format!("generating a key for {:?}: {e}", spec.user_id)))?;
    Ok(cert)
}

/// The file name of a member's public key in the pack:
/// `<name>-<last 16 hex digits of the fingerprint>.asc` (lower case), so that
/// the signer name is the file name's prefix.
pub fn public_file_name(name: &str, cert: &Cert) -> String {
    let fpr = cert.fingerprint().to_hex().to_ascii_lowercase();
    format!("{name}-{}.asc", &fpr[fpr.len().saturating_sub(16)..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_periods() {
        let day = 86_400;
        assert_eq!(KeySpec::parse_validity("never").unwrap(), None);
        assert_eq!(
            KeySpec::parse_validity("2y").unwrap(),
            Some(Duration::from_secs(2 * 365 * day))
        );
        assert_eq!(
            KeySpec::parse_validity("90d").unwrap(),
            Some(Duration::from_secs(90 * day))
        );
        assert_eq!(
            KeySpec::parse_validity("3W").unwrap(),
            Some(Duration::from_secs(21 * day))
        );
        for bad in ["", "y", "2", "2x", "-1y", "0y", "1000y", "1.5y", "ту"] {
            assert!(KeySpec::parse_validity(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn generated_key_certifies_with_the_primary_and_signs_with_a_subkey() {
        let spec = KeySpec {
            user_id: "Carol Test <carol@test.invalid>".into(),
            algorithm: Algorithm::Ed25519,
            validity: Some(Duration::from_secs(86_400 * 30)),
            usage: Usage::Signing,
        };
        let cert = generate(&spec, &"pass phrase".into()).unwrap();
        let policy = openpgp::policy::StandardPolicy::new();
        let vc = cert.with_policy(&policy, None).unwrap();
        assert!(vc.primary_key().for_certification());
        assert!(!vc.primary_key().for_signing());
        let signers: Vec<_> = vc.keys().subkeys().for_signing().collect();
        assert_eq!(signers.len(), 1);
        assert!(vc.primary_key().key_expiration_time().is_some());
        // Secret material is encrypted.
        assert!(cert
            .keys()
            .secret()
            .all(|k| !k.key().has_unencrypted_secret()));
        let name = public_file_name("carol", &cert);
        let hex = cert.fingerprint().to_hex().to_ascii_lowercase();
        assert_eq!(name, format!("carol-{}.asc", &hex[24..]));
    }

    #[test]
    fn encryption_key_has_an_encryption_subkey_and_no_signing_key() {
        let spec = KeySpec {
            user_id: "Team <security@test.invalid>".into(),
            algorithm: Algorithm::Ed25519,
            validity: None,
            usage: Usage::Encryption,
        };
        let cert = generate(&spec, &"pass phrase".into()).unwrap();
        let policy = openpgp::policy::StandardPolicy::new();
        let vc = cert.with_policy(&policy, None).unwrap();
        assert!(vc.primary_key().for_certification());
        assert_eq!(vc.keys().for_signing().count(), 0);
        let enc: Vec<_> = vc
            .keys()
            .subkeys()
            .for_transport_encryption()
            .for_storage_encryption()
            .collect();
        assert_eq!(enc.len(), 1);
        assert!(enc[0].for_transport_encryption() && enc[0].for_storage_encryption());
        assert_eq!(
            enc[0].key().pk_algo(),
            openpgp::types::PublicKeyAlgorithm::ECDH
        );
        // A message encrypted to it is read back with its secret, once
        // unlocked with the passphrase.
        let mut secret = enc[0].key().clone().parts_into_secret().unwrap();
        assert!(!secret.has_unencrypted_secret());
        secret = secret.decrypt_secret(&"pass phrase".into()).unwrap();
        let mut pair = secret.into_keypair().unwrap();
        let sk = openpgp::crypto::SessionKey::new(32);
        let pkesk = openpgp::packet::pkesk::PKESK3::for_recipient(
            openpgp::types::SymmetricAlgorithm::AES256,
            &sk,
            enc[0].key(),
        )
        .unwrap();
        let (_, back) = pkesk.decrypt(&mut pair, None).unwrap();
        assert_eq!(&back[..], &sk[..]);
    }

    #[test]
    fn empty_passphrase_is_refused() {
        let spec = KeySpec {
            user_id: "X <x@test.invalid>".into(),
            algorithm: Algorithm::Ed25519,
            validity: None,
            usage: Usage::Signing,
        };
        let e = generate(&spec, &"".into()).unwrap_err();
        assert_eq!(e.code(), "empty-passphrase");
    }
}
