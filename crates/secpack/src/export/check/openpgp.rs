//! The OpenPGP side of the check (CSAF 2.0 §7.1.19, §7.1.20): armoured
//! detached signatures, not made with SHA-1 (or a weaker hash), verified by
//! Sequoia against the keys `provider-metadata.json` lists, and nothing else.

use sequoia_openpgp as openpgp;

use openpgp::packet::Packet;
use openpgp::parse::stream::{
    DetachedVerifierBuilder, MessageLayer, MessageStructure, VerificationError, VerificationHelper,
};
use openpgp::parse::Parse;
use openpgp::policy::StandardPolicy;
use openpgp::{Cert, KeyHandle, PacketPile};

use super::Findings;
use crate::trust::policy::is_weak_hash;

/// The verdict on one detached signature file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigCheck {
    /// Verified by the listed key with this fingerprint.
    Valid(String),
    /// The file is not an ASCII-armoured signature.
    NotArmored,
    /// A signature uses SHA-1 (or a weaker hash): named.
    WeakHash(String),
    /// No listed key made it (the issuers it names).
    UnknownKey(Vec<String>),
    /// A listed key made it but it does not verify (why).
    Bad(String),
    /// Not a readable OpenPGP signature (why).
    Malformed(String),
}

/// Parses an OpenPGP certificate (armoured or binary).
pub fn read_cert(bytes: &[u8]) -> openpgp::Result<Cert> {
    Cert::from_bytes(bytes)
}

/// Judges the detached signature `sig` over `data` with `keys` only.
pub fn check_detached(keys: &[Cert], data: &[u8], sig: &[u8]) -> SigCheck {
    let text = String::from_utf8_lossy(sig);
    if !text
        .trim_start()
        .starts_with("-----BEGIN PGP SIGNATURE-----")
    {
        return SigCheck::NotArmored;
    }
    let pile = match PacketPile::from_bytes(sig) {
        Ok(p) => p,
        Err(e) => return SigCheck::Malformed(e.to_string()),
    };
    let sigs: Vec<_> = pile
        .descendants()
        .filter_map(|p| match p {
            Packet::Signature(s) => Some(s),
            _ => None,
        })
        .collect();
    if sigs.is_empty() {
        return SigCheck::Malformed("no signature packet".to_string());
    }
    if let Some(weak) = sigs.iter().find(|s| is_weak_hash(s.hash_algo())) {
        return SigCheck::WeakHash(weak.hash_algo().to_string());
    }
    let policy = StandardPolicy::new();
    let mut helper = Helper {
        keys,
        outcome: None,
    };
    let result = DetachedVerifierBuilder::from_bytes(sig).and_then(|b| {
        let mut v = b.with_policy(&policy, None, &mut helper)?;
        v.verify_bytes(data)
    });
    match (result, helper.outcome) {
        (Ok(()), Some(SigCheck::Valid(k))) => SigCheck::Valid(k),
        (_, Some(o)) if !matches!(o, SigCheck::Valid(_)) => o,
        (Err(e), _) => SigCheck::Bad(e.to_string()),
        (Ok(()), _) => SigCheck::Malformed("no signature was judged".to_string()),
    }
}

/// Records the verdict on the signature at `url` (a finding unless valid).
pub fn report(check: SigCheck, url: &str, req: u8, findings: &mut Findings) {
    match check {
        SigCheck::Valid(_) => {}
        SigCheck::NotArmored => findings.error(
            "signature-not-armored",
            req,
            url,
            "not an ASCII-armoured OpenPGP signature (-----BEGIN PGP SIGNATURE-----)",
        ),
        SigCheck::WeakHash(h) => findings.error(
            "signature-sha1",
            req,
            url,
            format!("the signature uses {h}: signatures must not use SHA-1 or weaker hashes"),
        ),
        SigCheck::UnknownKey(issuers) => findings.error(
            "signature-unlisted-key",
            req,
            url,
            format!(
                "made by {}, a key provider-metadata.json does not list (public_openpgp_keys)",
                if issuers.is_empty() {
                    "an unnamed key".to_string()
                } else {
                    issuers.join(", ")
                }
            ),
        ),
        SigCheck::Bad(why) => findings.error(
            "signature-bad",
            req,
            url,
            format!("the signature does not verify: {why}"),
        ),
        SigCheck::Malformed(why) => findings.error(
            "signature-unreadable",
            req,
            url,
            format!("not a readable OpenPGP signature: {why}"),
        ),
    }
}

struct Helper<'a> {
    keys: &'a [Cert],
    outcome: Option<SigCheck>,
}

impl VerificationHelper for &mut Helper<'_> {
    fn get_certs(&mut self, _ids: &[KeyHandle]) -> openpgp::Result<Vec<Cert>> {
        Ok(self.keys.to_vec())
    }

    fn check(&mut self, structure: MessageStructure) -> openpgp::Result<()> {
        let mut unknown = Vec::new();
        let mut bad = None;
        for layer in structure.into_iter() {
            let MessageLayer::SignatureGroup { results } = layer else {
                continue;
            };
            for r in results {
                match r {
                    Ok(good) => {
                        self.outcome = Some(SigCheck::Valid(good.ka.cert().fingerprint().to_hex()));
                        return Ok(());
                    }
                    Err(VerificationError::MissingKey { sig }) => unknown.extend(
                        sig.get_issuers()
                            .iter()
                            .map(|h| h.to_hex())
                            .collect::<Vec<_>>(),
                    ),
                    Err(e) => bad = Some(e.to_string()),
                }
            }
        }
        self.outcome = Some(match bad {
            Some(why) => SigCheck::Bad(why),
            None => {
                unknown.dedup();
                SigCheck::UnknownKey(unknown)
            }
        });
        Err(openpgp::Error::InvalidOperation("no valid signature".into()).into())
    }
}
