//! The reporter's codename: the one secret that lets a reporter without an
//! account come back to their report (its state, the team's replies, a
//! follow-up message).
//!
//! A codename is 160 random bits, written as 40 lower-case hex digits in
//! eight groups of five (`3f9a1-c2b7d-...`). It is shown once and never
//! stored:
//!
//! * its first 64 bits (the *selector*) give the lookup index, a SHA-256 of
//!   them: the report is found without the database holding anything that
//!   tests a whole codename quickly;
//! * the whole codename goes through argon2id with a per-report salt to a
//!   master secret, from which HMAC-SHA256 derives the stored *verifier* and,
//!   separately, the seed of the reply key ([`ReplyKey`]), never stored.

use std::time::SystemTime;

use sequoia_openpgp as openpgp;

use openpgp::cert::prelude::*;
use openpgp::packet::key::{Key4, PrimaryRole, SecretParts, SubordinateRole};
use openpgp::packet::signature::SignatureBuilder;
use openpgp::packet::{Key, UserID};
use openpgp::serialize::SerializeInto;
use openpgp::types::{KeyFlags, SignatureType};
use openpgp::Packet;

/// Random bytes in a codename.
pub const CODENAME_BYTES: usize = 20;
/// Bytes of the selector (the part the lookup index is derived from).
pub const SELECTOR_BYTES: usize = 8;
/// Bytes of the per-report salt.
pub const SALT_BYTES: usize = 16;
/// Longest text accepted as a codename before it is normalised.
pub const MAX_CODENAME_TEXT: usize = 200;

/// argon2id cost: 19 MiB, two passes, one lane (the OWASP minimum).
const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
const ARGON2_PASSES: u32 = 2;

/// Why a text is not a codename.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodenameError {
    /// Longer than [`MAX_CODENAME_TEXT`].
    #[error("a codename is 40 hex digits (with or without dashes); this text is far longer")]
    TooLong,
    /// Not 40 hex digits once spaces and dashes are removed.
    #[error("a codename is 40 hex digits in groups of five, such as 3f9a1-c2b7d-..., as shown on your receipt")]
    Malformed,
}

impl CodenameError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLong | Self::Malformed => "bad-codename",
        }
    }
}

/// Why a codename's keys could not be derived or checked. Every variant
/// has a stable code.
#[derive(Debug, thiserror::Error)]
pub enum DeriveError {
    /// The random source, HMAC or argon2id failed.
    #[error("{0} failed")]
    Crypto(String),
    /// Sequoia could not build or serialise the reply key.
    #[error("building the reply key: {0}")]
    OpenPgp(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The stored reply key does not read as an OpenPGP key.
    #[error("the stored reply key does not read: {0}")]
    BadReplyKey(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The stored reply key is another codename's.
    #[error("the stored reply key is not this codename's")]
    NotThisCodename,
}

impl crate::error::Coded for DeriveError {
    fn code(&self) -> &'static str {
        match self {
            Self::Crypto(_) => "crypto-failed",
            Self::OpenPgp(_) => "reply-key-failed",
            Self::BadReplyKey(_) => "bad-reply-key",
            Self::NotThisCodename => "reply-key-mismatch",
        }
    }
    fn class(&self) -> crate::error::ErrorClass {
        crate::error::ErrorClass::Failure
    }
}

impl From<openssl::error::ErrorStack> for DeriveError {
    fn from(e: openssl::error::ErrorStack) -> Self {
        Self::Crypto(format!("OpenSSL ({e})"))
    }
}

/// Sequoia's errors, as a [`DeriveError`].
fn pgp<T, E: Into<Box<dyn std::error::Error + Send + Sync>>>(
    r: Result<T, E>,
) -> Result<T, DeriveError> {
    r.map_err(|e| DeriveError::OpenPgp(e.into()))
}

/// A codename (kept in memory only; its `Debug` hides it).
#[derive(Clone, PartialEq, Eq)]
pub struct Codename([u8; CODENAME_BYTES]);

impl std::fmt::Debug for Codename {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Codename(..)")
    }
}

impl Codename {
    /// Draws a new codename from the system's random generator.
    pub fn generate() -> Result<Self, DeriveError> {
        let mut bytes = [0u8; CODENAME_BYTES];
        openssl::rand::rand_bytes(&mut bytes)?;
        Ok(Self(bytes))
    }

    /// Reads a codename as a reporter types it: hex digits in either case,
    /// with any spaces and dashes.
    pub fn parse(text: &str) -> Result<Self, CodenameError> {
        if text.len() > MAX_CODENAME_TEXT {
            return Err(CodenameError::TooLong);
        }
        let digits: Vec<u8> = text
            .bytes()
            .filter(|b| !b.is_ascii_whitespace() && *b != b'-')
            .collect();
        if digits.len() != CODENAME_BYTES * 2 {
            return Err(CodenameError::Malformed);
        }
        let mut bytes = [0u8; CODENAME_BYTES];
        for (i, pair) in digits.chunks(2).enumerate() {
            let hi = hex_value(pair[0]).ok_or(CodenameError::Malformed)?;
            let lo = hex_value(pair[1]).ok_or(CodenameError::Malformed)?;
            bytes[i] = hi << 4 | lo;
        }
        Ok(Self(bytes))
    }

    /// The codename as shown to the reporter: eight groups of five hex
    /// digits joined by dashes.
    pub fn reveal(&self) -> String {
        let hex: String = self.0.iter().map(|b| format!("{b:02x}")).collect();
        hex.as_bytes()
            .chunks(5)
            .map(|c| std::str::from_utf8(c).expect("hex is ASCII"))
            .collect::<Vec<_>>()
            .join("-")
    }

    /// The lookup index: SHA-256 of the selector, in hex. Not secret.
    pub fn index(&self) -> String {
        let mut h = openssl::sha::Sha256::new();
        h.update(b"secpack codename index/1\0");
        h.update(&self.0[..SELECTOR_BYTES]);
        hex(&h.finish())
    }

    /// Runs argon2id over the codename with `salt` (slow on purpose).
    pub fn derive(&self, salt: &[u8]) -> Result<Derived, DeriveError> {
        let params = argon2::Params::new(ARGON2_MEMORY_KIB, ARGON2_PASSES, 1, Some(32))
            .map_err(|e| DeriveError::Crypto(format!("argon2 parameters ({e})")))?;
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut master = [0u8; 32];
        argon
            .hash_password_into(&self.0, salt, &mut master)
            .map_err(|e| DeriveError::Crypto(format!("argon2id ({e})")))?;
        Ok(Derived {
            verifier: hmac(&master, b"secpack codename verifier/1")?,
            reply_seed: hmac(&master, b"secpack reply key/1")?,
        })
    }
}

/// A new per-report salt.
pub fn new_salt() -> Result<Vec<u8>, DeriveError> {
    let mut salt = vec![0u8; SALT_BYTES];
    openssl::rand::rand_bytes(&mut salt)?;
    Ok(salt)
}

/// What argon2id derives from a codename: the stored verifier, and the seed
/// of the reply key (never stored).
pub struct Derived {
    /// Stored with the report; compared in constant time.
    pub verifier: [u8; 32],
    reply_seed: [u8; 32],
}

impl std::fmt::Debug for Derived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Derived(..)")
    }
}

impl Derived {
    /// Whether `stored` is this codename's verifier (constant time).
    pub fn matches(&self, stored: &[u8]) -> bool {
        stored.len() == self.verifier.len() && openssl::memcmp::eq(stored, &self.verifier)
    }

    /// The reply key of this codename, its keys dated `created`.
    pub fn reply_key(&self, created: SystemTime) -> Result<ReplyKey, DeriveError> {
        ReplyKey::from_seed(&self.reply_seed, created)
    }

    /// The secret reply key whose public part was stored as `armored`:
    /// derived again with the stored key's date, refused unless it is the
    /// same key.
    pub fn reply_key_for(&self, armored: &str) -> Result<ReplyKey, DeriveError> {
        use openpgp::parse::Parse;
        let public =
            Cert::from_bytes(armored.as_bytes()).map_err(|e| DeriveError::BadReplyKey(e.into()))?;
        let key = self.reply_key(public.primary_key().key().creation_time())?;
        if key.cert.fingerprint() != public.fingerprint() {
            return Err(DeriveError::NotThisCodename);
        }
        Ok(key)
    }
}

/// The OpenPGP key replies to a reporter are encrypted to when they gave no
/// key of their own: an Ed25519 primary key and a Curve25519 encryption
/// subkey, both derived from the codename. The server stores its public
/// part; the secret part exists only while a reporter who gave the codename
/// reads their replies.
pub struct ReplyKey {
    cert: Cert,
}

impl std::fmt::Debug for ReplyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ReplyKey({})", self.cert.fingerprint())
    }
}

impl ReplyKey {
    fn from_seed(seed: &[u8; 32], created: SystemTime) -> Result<Self, DeriveError> {
        pgp(Self::build(seed, created))
    }

    /// The key's packets.
    fn build(seed: &[u8; 32], created: SystemTime) -> openpgp::Result<Self> {
        let primary_secret = hmac(seed, b"secpack reply key primary/1")?;
        let sub_secret = hmac(seed, b"secpack reply key encryption/1")?;
        let primary: Key<SecretParts, PrimaryRole> =
            Key4::import_secret_ed25519(&primary_secret, created)?.into();
        let subkey: Key<SecretParts, SubordinateRole> =
            Key4::import_secret_cv25519(&sub_secret, None, None, created)?.into();
        let mut signer = primary.clone().into_keypair()?;
        let cert = Cert::try_from(vec![Packet::from(primary.clone())])?;
        let direct = SignatureBuilder::new(SignatureType::DirectKey)
            .set_signature_creation_time(created)?
            .set_key_flags(KeyFlags::empty().set_certification())?
            .sign_direct_key(&mut signer, None)?;
        let uid = UserID::from("secpack reporter reply key");
        let uid_sig = uid.bind(
            &mut signer,
            &cert,
            SignatureBuilder::new(SignatureType::PositiveCertification)
                .set_signature_creation_time(created)?
                .set_key_flags(KeyFlags::empty().set_certification())?,
        )?;
        let binding = subkey.bind(
            &mut signer,
            &cert,
            SignatureBuilder::new(SignatureType::SubkeyBinding)
                .set_signature_creation_time(created)?
                .set_key_flags(
                    KeyFlags::empty()
                        .set_transport_encryption()
                        .set_storage_encryption(),
                )?,
        )?;
        let cert = cert.insert_packets(vec![
            Packet::from(direct),
            uid.into(),
            uid_sig.into(),
            subkey.into(),
            binding.into(),
        ])?;
        Ok(Self { cert })
    }

    /// The certificate with its secret keys (to decrypt replies).
    pub fn secret_cert(&self) -> &Cert {
        &self.cert
    }

    /// The public certificate, ASCII-armoured (what the server stores).
    pub fn public_armored(&self) -> Result<String, DeriveError> {
        let bytes = pgp(self
            .cert
            .clone()
            .strip_secret_key_material()
            .armored()
            .to_vec())?;
        pgp(String::from_utf8(bytes))
    }
}

fn hmac(key: &[u8], data: &[u8]) -> Result<[u8; 32], openssl::error::ErrorStack> {
    use openssl::{hash::MessageDigest, pkey::PKey, sign::Signer};
    let key = PKey::hmac(key)?;
    let mut signer = Signer::new(MessageDigest::sha256(), &key)?;
    signer.update(data)?;
    let mut out = [0u8; 32];
    signer.sign(&mut out)?;
    Ok(out)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

use crate::digest::hashing::to_hex as hex;

impl crate::error::Coded for CodenameError {
    fn code(&self) -> &'static str {
        CodenameError::code(self)
    }
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass;
        ErrorClass::Usage
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codenames_are_shown_and_read_back() {
        let c = Codename::generate().unwrap();
        let shown = c.reveal();
        assert_eq!(shown.len(), 47, "{shown}");
        assert_eq!(shown.matches('-').count(), 7);
        assert_eq!(Codename::parse(&shown).unwrap(), c);
        assert_eq!(Codename::parse(&shown.to_uppercase()).unwrap(), c);
        let spaced = format!("  {}\n", shown.replace('-', " "));
        assert_eq!(Codename::parse(&spaced).unwrap(), c);
        assert_ne!(Codename::generate().unwrap(), c);
        assert_eq!(format!("{c:?}"), "Codename(..)");
    }

    #[test]
    fn bad_codenames_are_refused() {
        for bad in [
            "",
            "3f9a1",
            "3f9a1-c2b7d-00000-00000-00000-00000-00000-0000g",
            "3f9a1-c2b7d-00000-00000-00000-00000-00000-000000",
            "é",
        ] {
            assert_eq!(Codename::parse(bad), Err(CodenameError::Malformed), "{bad}");
        }
        assert_eq!(
            Codename::parse(&"0".repeat(500)),
            Err(CodenameError::TooLong)
        );
        assert_eq!(CodenameError::Malformed.code(), "bad-codename");
    }

    #[test]
    fn the_index_depends_on_the_selector_only_and_the_verifier_on_all() {
        let a = Codename::parse(&"1".repeat(40)).unwrap();
        let b = Codename::parse(&format!("{}{}", "1".repeat(16), "2".repeat(24))).unwrap();
        let c = Codename::parse(&format!("{}{}", "3".repeat(16), "1".repeat(24))).unwrap();
        assert_eq!(a.index(), b.index());
        assert_ne!(a.index(), c.index());
        assert_eq!(a.index().len(), 64);
        let salt = new_salt().unwrap();
        let da = a.derive(&salt).unwrap();
        assert!(da.matches(&a.derive(&salt).unwrap().verifier));
        assert!(!da.matches(&b.derive(&salt).unwrap().verifier));
        assert!(!da.matches(&a.derive(&new_salt().unwrap()).unwrap().verifier));
        assert!(!da.matches(&da.verifier[..31]));
        assert_ne!(da.verifier, da.reply_seed);
    }

    #[test]
    fn the_reply_key_is_the_same_from_the_same_codename() {
        let c = Codename::generate().unwrap();
        let salt = new_salt().unwrap();
        let when = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_780_000_000);
        let k1 = c.derive(&salt).unwrap().reply_key(when).unwrap();
        let k2 = c.derive(&salt).unwrap().reply_key(when).unwrap();
        // The same keys (signatures differ: Sequoia salts them).
        let fprs = |k: &ReplyKey| {
            k.secret_cert()
                .keys()
                .map(|ka| ka.key().fingerprint())
                .collect::<Vec<_>>()
        };
        assert_eq!(fprs(&k1), fprs(&k2));
        assert_eq!(fprs(&k1).len(), 2);
        let other = Codename::generate().unwrap();
        let k3 = other.derive(&salt).unwrap().reply_key(when).unwrap();
        assert_ne!(
            k1.secret_cert().fingerprint(),
            k3.secret_cert().fingerprint()
        );
        // It is a valid encryption key under the standard policy.
        let policy = openpgp::policy::StandardPolicy::new();
        let public = Cert::from_bytes(k1.public_armored().unwrap().as_bytes()).unwrap();
        assert!(!public.is_tsk());
        assert_eq!(
            public
                .keys()
                .with_policy(&policy, None)
                .for_storage_encryption()
                .count(),
            1
        );
    }

    use openpgp::parse::Parse;

    proptest! {
        #[test]
        fn parse_never_panics_and_accepts_exactly_40_hex_digits(s in "\\PC{0,120}") {
            let digits: String = s.chars().filter(|c| !c.is_ascii_whitespace() && *c != '-').collect();
            let ok = s.len() <= MAX_CODENAME_TEXT
                && digits.len() == 40
                && digits.chars().all(|c| c.is_ascii_hexdigit());
            prop_assert_eq!(Codename::parse(&s).is_ok(), ok);
        }

        #[test]
        fn reveal_round_trips(bytes in proptest::array::uniform20(any::<u8>())) {
            let c = Codename(bytes);
            prop_assert_eq!(Codename::parse(&c.reveal()).unwrap(), c);
        }
    }
}
