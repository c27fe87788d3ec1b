//! How a team member's machine authenticates to the server's inbox API
//! (`secpack inbox pull`, `status`, `reply` with `--server`), without
//! passwords: the server issues a nonce (random, single use, short-lived);
//! the member signs, with their certified key, a statement naming the nonce,
//! the request's method, path and the SHA-256 of its body; the server checks
//! the signature against the keys of the pack it serves, as judged from the
//! pinned master. The server never sees a secret key.
//!
//! The header: `Authorization: Secpack nonce="<64 hex>",
//! signature="<base64 of a binary OpenPGP signature>"`.

use std::io::Write;
use std::time::Duration;

use base64::Engine;
use sequoia_openpgp as openpgp;

use openpgp::packet::Signature;
use openpgp::parse::Parse;
use openpgp::policy::{HashAlgoSecurity, Policy, StandardPolicy};
use openpgp::serialize::stream::{Message, Signer};
use openpgp::types::SignatureType;

use crate::config::ROLE_SECURITY_TEAM;
use crate::error::{BoxError, Coded, ErrorClass};
use crate::signing::SigningKey;
use crate::trust::keyring::KeyEntry;
use crate::trust::verdict::KeyStatus;

/// The authorisation scheme's name.
pub const SCHEME: &str = "Secpack";
/// Bytes of a nonce.
pub const NONCE_BYTES: usize = 32;
/// How long a nonce may be used after it was issued.
pub const NONCE_LIFETIME: Duration = Duration::from_secs(120);
/// Longest `Authorization` header accepted.
pub const MAX_HEADER_BYTES: usize = 8 * 1024;
/// Most nonces outstanding at once in a store (older ones are dropped
/// first).
pub const MAX_OUTSTANDING_NONCES: usize = 10_000;

/// Why a request is not authenticated. Every variant has a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization` header.
    #[error("the request is not signed: get a nonce from /api/v1/inbox/nonce and sign the request with your certified key")]
    Missing,
    /// A header that is not `Secpack nonce="...", signature="..."`.
    #[error("the Authorization header is malformed: {0}")]
    Malformed(&'static str),
    /// A nonce this server did not issue, or that expired.
    #[error("the nonce is unknown or expired (nonces live {} seconds); get a new one", NONCE_LIFETIME.as_secs())]
    UnknownNonce,
    /// A nonce already used.
    #[error("the nonce was already used (each nonce authenticates one request); get a new one")]
    ReplayedNonce,
    /// The signature verifies by no key of the pack.
    #[error("the signature does not verify by any key of the pack for this request")]
    BadSignature,
    /// It verifies, by a key the pinned master does not vouch for as a
    /// security-team key.
    #[error("the signing key {0} is not a certified, current security-team key of the pack ({1})")]
    Uncertified(String, String),
}

impl AuthError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing => "unauthenticated",
            Self::Malformed(_) => "bad-authorization",
            Self::UnknownNonce => "unknown-nonce",
            Self::ReplayedNonce => "replayed-nonce",
            Self::BadSignature => "bad-signature",
            Self::Uncertified(..) => "uncertified-key",
        }
    }
}

/// Sequoia could not sign a request (client side).
#[derive(Debug, thiserror::Error)]
#[error("signing the request: {0}")]
pub struct RequestSigningError(#[source] pub BoxError);

impl Coded for RequestSigningError {
    fn code(&self) -> &'static str {
        "request-signing-failed"
    }
    fn class(&self) -> ErrorClass {
        ErrorClass::Failure
    }
}

/// The parts of an `Authorization: Secpack ...` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The nonce, lower-case hex.
    pub nonce: String,
    /// The binary OpenPGP signature.
    pub signature: Vec<u8>,
}

impl Authorization {
    /// Parses a header value strictly: the scheme, then exactly the
    /// parameters `nonce` and `signature`, each once, quoted.
    pub fn parse(value: &str) -> Result<Self, AuthError> {
        if value.len() > MAX_HEADER_BYTES {
            return Err(AuthError::Malformed("too long"));
        }
        let rest = value
            .strip_prefix(SCHEME)
            .and_then(|r| r.strip_prefix(' '))
            .ok_or(AuthError::Malformed("the scheme is not Secpack"))?;
        let mut nonce = None;
        let mut signature = None;
        for param in rest.split(',') {
            let (name, quoted) = param
                .trim()
                .split_once('=')
                .ok_or(AuthError::Malformed("a parameter without a value"))?;
            let text = quoted
                .strip_prefix('"')
                .and_then(|q| q.strip_suffix('"'))
                .ok_or(AuthError::Malformed("a value is not quoted"))?;
            let slot = match name {
                "nonce" => &mut nonce,
                "signature" => &mut signature,
                _ => return Err(AuthError::Malformed("an unknown parameter")),
            };
            if slot.replace(text).is_some() {
                return Err(AuthError::Malformed("a parameter given twice"));
            }
        }
        let nonce = nonce.ok_or(AuthError::Malformed("no nonce"))?;
        if nonce.len() != NONCE_BYTES * 2
            || !nonce
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(AuthError::Malformed(
                "the nonce is not 64 lower-case hex digits",
            ));
        }
        let signature = base64::engine::general_purpose::STANDARD
            .decode(signature.ok_or(AuthError::Malformed("no signature"))?)
            .map_err(|_| AuthError::Malformed("the signature is not base64"))?;
        if signature.is_empty() {
            return Err(AuthError::Malformed("the signature is empty"));
        }
        Ok(Self {
            nonce: nonce.to_string(),
            signature,
        })
    }

    /// The header value.
    pub fn to_header(&self) -> String {
        format!(
            "{SCHEME} nonce=\"{}\", signature=\"{}\"",
            self.nonce,
            base64::engine::general_purpose::STANDARD.encode(&self.signature)
        )
    }
}

/// The statement a member signs for one request.
pub fn statement(nonce: &str, method: &str, path: &str, body: &[u8]) -> Vec<u8> {
    let digest = crate::digest::hashing::sha256_hex(body);
    format!(
        "secpack-inbox-request/1\nnonce: {nonce}\nmethod: {}\npath: {path}\nbody-sha256: {digest}\n",
        method.to_ascii_uppercase()
    )
    .into_bytes()
}

/// Signs a request (client side): the `Authorization` header value.
pub fn sign_request(
    key: &SigningKey,
    nonce: &str,
    method: &str,
    path: &str,
    body: &[u8],
) -> Result<String, RequestSigningError> {
    let mut sink = Vec::new();
    {
        let message = Message::new(&mut sink);
        let mut signer = Signer::new(message, key.keypair())
            .detached()
            .build()
            .map_err(|e| RequestSigningError(e.into()))?;
        signer
            .write_all(&statement(nonce, method, path, body))
            .map_err(|e| RequestSigningError(e.into()))?;
        signer
            .finalize()
            .map_err(|e| RequestSigningError(e.into()))?;
    }
    Ok(Authorization {
        nonce: nonce.to_string(),
        signature: sink,
    }
    .to_header())
}

/// Checks `auth`'s signature over the statement for this request against
/// the pack's keys; returns the entry of the certified security-team key
/// that made it. The nonce is checked apart, by the server's store.
pub fn verify_request<'a>(
    auth: &Authorization,
    keys: &'a [KeyEntry],
    method: &str,
    path: &str,
    body: &[u8],
) -> Result<&'a KeyEntry, AuthError> {
    let policy = StandardPolicy::new();
    let sig = parse_signature(&auth.signature)?;
    if sig.typ() != SignatureType::Binary
        || policy
            .signature(&sig, HashAlgoSecurity::CollisionResistance)
            .is_err()
    {
        return Err(AuthError::BadSignature);
    }
    let message = statement(&auth.nonce, method, path, body);
    for entry in keys {
        let Some(cert) = entry.cert() else { continue };
        let verified = super::keys_usable_now(cert, &policy)
            .for_signing()
            .any(|ka| sig.verify_message(ka.key(), &message).is_ok());
        if !verified {
            continue;
        }
        let fpr = entry.fingerprint.clone().unwrap_or_default();
        if entry.status != KeyStatus::Certified {
            return Err(AuthError::Uncertified(fpr, entry.reason.clone()));
        }
        if entry.role != ROLE_SECURITY_TEAM {
            return Err(AuthError::Uncertified(fpr, format!("a {} key", entry.role)));
        }
        if entry.retired || entry.revoked {
            return Err(AuthError::Uncertified(fpr, "retired or revoked".into()));
        }
        return Ok(entry);
    }
    Err(AuthError::BadSignature)
}

/// The one signature packet of `bytes` (with its packet header).
fn parse_signature(bytes: &[u8]) -> Result<Signature, AuthError> {
    match openpgp::Packet::from_bytes(bytes) {
        Ok(openpgp::Packet::Signature(sig)) => Ok(sig),
        _ => Err(AuthError::Malformed(
            "the signature is not an OpenPGP signature",
        )),
    }
}

/// Draws a fresh nonce: [`NONCE_BYTES`] random bytes, lower-case hex. The
/// server's store records it with its expiry and redeems it once (see
/// `secpack_server::store::ReportStore::redeem_nonce`), so that any instance
/// sharing the store accepts it once.
pub fn new_nonce() -> Result<String, openssl::error::ErrorStack> {
    let mut bytes = [0u8; NONCE_BYTES];
    openssl::rand::rand_bytes(&mut bytes)?;
    Ok(crate::digest::hashing::to_hex(&bytes))
}

impl Coded for AuthError {
    fn code(&self) -> &'static str {
        AuthError::code(self)
    }
    fn class(&self) -> ErrorClass {
        ErrorClass::Failure
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn headers_round_trip() {
        let a = Authorization {
            nonce: "ab".repeat(32),
            signature: vec![1, 2, 3, 250],
        };
        assert_eq!(Authorization::parse(&a.to_header()).unwrap(), a);
    }

    #[test]
    fn malformed_headers_are_refused_with_a_code() {
        let n = "ab".repeat(32);
        for bad in [
            String::new(),
            "Bearer x".into(),
            format!("Secpack nonce=\"{n}\""),
            "Secpack signature=\"AQID\"".into(),
            format!("Secpack nonce=\"{n}\", signature=\"AQID\", x=\"1\""),
            format!("Secpack nonce=\"{n}\", nonce=\"{n}\", signature=\"AQID\""),
            format!("Secpack nonce={n}, signature=\"AQID\""),
            format!("Secpack nonce=\"{}\", signature=\"AQID\"", n.to_uppercase()),
            format!("Secpack nonce=\"{n}\", signature=\"!!\""),
            format!("Secpack nonce=\"{n}\", signature=\"\""),
            format!("Secpack nonce=\"{n}\", signature=\"{}\"", "A".repeat(9000)),
        ] {
            let e = Authorization::parse(&bad).unwrap_err();
            assert_eq!(e.code(), "bad-authorization", "{bad}: {e}");
        }
    }

    #[test]
    fn nonces_are_fresh_hex() {
        let n = new_nonce().unwrap();
        assert_eq!(n.len(), NONCE_BYTES * 2);
        assert!(n
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_ne!(new_nonce().unwrap(), n);
    }

    #[test]
    fn the_statement_binds_every_part_of_the_request() {
        let base = statement("n", "post", "/a", b"x");
        assert_eq!(base, statement("n", "POST", "/a", b"x"));
        assert_ne!(base, statement("m", "POST", "/a", b"x"));
        assert_ne!(base, statement("n", "GET", "/a", b"x"));
        assert_ne!(base, statement("n", "POST", "/b", b"x"));
        assert_ne!(base, statement("n", "POST", "/a", b"y"));
    }

    #[test]
    fn a_signed_request_parses_back() {
        use openpgp::serialize::SerializeInto;
        let (cert, _) =
            openpgp::cert::CertBuilder::general_purpose(None, Some("t@example.invalid"))
                .generate()
                .unwrap();
        let file = crate::signing::SecretKeyFile::from_bytes(
            &cert.as_tsk().armored().to_vec().unwrap(),
            "test",
        )
        .unwrap();
        let key = file.unlock(None).unwrap();
        let header = sign_request(&key, &"ab".repeat(32), "POST", "/p", b"{}").unwrap();
        let auth = Authorization::parse(&header).unwrap();
        let sig = parse_signature(&auth.signature).unwrap();
        assert_eq!(sig.typ(), SignatureType::Binary);
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,300}") {
            let _ = Authorization::parse(&s);
        }

        #[test]
        fn well_formed_headers_parse_back(nonce in proptest::array::uniform32(any::<u8>()),
                                          sig in proptest::collection::vec(any::<u8>(), 1..200)) {
            let a = Authorization { nonce: crate::digest::hashing::to_hex(&nonce), signature: sig };
            prop_assert_eq!(Authorization::parse(&a.to_header()).unwrap(), a);
        }
    }
}
