//! The cleartext fast path against Sequoia's cleartext reader: never a
//! panic, and whatever message the fast path takes apart, Sequoia reads the
//! same signed text and the same signatures from it (the fast path may
//! decline; it may never disagree). Each input is tried as it is and as the
//! text of a message with a real signature block, so that the fuzzer works
//! on the text rules (dash escapes, white space, line ends, markers).
#![no_main]

use libfuzzer_sys::fuzz_target;
use secpack::trust::armor::{dearmor, ArmorKind};
use secpack::trust::cleartext::split;
use sequoia_openpgp as openpgp;

use openpgp::packet::Signature;
use openpgp::parse::stream::{
    DetachedVerifierBuilder, MessageLayer, MessageStructure, VerificationError, VerificationHelper,
    VerifierBuilder,
};
use openpgp::parse::Parse;
use openpgp::policy::StandardPolicy;
use openpgp::{Cert, KeyHandle};

/// A signature block from the demo pack (Ed25519; its key is not needed:
/// only the signatures read are compared).
const SIGNATURE: &[u8] = b"-----BEGIN PGP SIGNATURE-----

iHUEARYIAB0WIQTPUGYEeXzC0m28vsAfx+Pf6RfpQgUCaZGZIAAKCRAfx+Pf6Rfp
Qsx2AP9JZ14zPqdgNDdvG0D7IrLHMuLZD12rkdBMfO39maGc3gEAufeopr5rZHXc
Ve76I76MGdRtrTpprfg44CF/HmDoIAE=
=Bw98
-----END PGP SIGNATURE-----
";

/// Collects the signatures a verifier reads.
#[derive(Default)]
struct Collect(Vec<Signature>);

impl VerificationHelper for &mut Collect {
    fn get_certs(&mut self, _: &[KeyHandle]) -> openpgp::Result<Vec<Cert>> {
        Ok(Vec::new())
    }
    fn check(&mut self, structure: MessageStructure) -> openpgp::Result<()> {
        for layer in structure {
            if let MessageLayer::SignatureGroup { results } = layer {
                for r in results {
                    self.0.push(match r {
                        Ok(g) => g.sig.clone(),
                        Err(VerificationError::MissingKey { sig })
                        | Err(VerificationError::MalformedSignature { sig, .. })
                        | Err(VerificationError::UnboundKey { sig, .. })
                        | Err(VerificationError::BadKey { sig, .. })
                        | Err(VerificationError::BadSignature { sig, .. }) => sig.clone(),
                    });
                }
            }
        }
        Ok(())
    }
}

fn check(message: &[u8]) {
    let Some(c) = split(message) else { return };
    let Some(binary) = dearmor(c.signature, ArmorKind::Signature) else {
        return;
    };
    let p = StandardPolicy::new();
    let mut ours = Collect::default();
    let detached = DetachedVerifierBuilder::from_bytes(&binary)
        .and_then(|b| b.with_policy(&p, None, &mut ours))
        .and_then(|mut v| v.verify_bytes(&c.text));
    if detached.is_err() || ours.0.is_empty() {
        // secpack judges this malformed on the fast path and asks Sequoia.
        return;
    }
    let mut theirs = Collect::default();
    let mut text = Vec::new();
    let read = VerifierBuilder::from_bytes(message)
        .and_then(|b| b.with_policy(&p, None, &mut theirs))
        .and_then(|mut v| Ok(std::io::copy(&mut v, &mut text)?));
    assert!(
        read.is_ok(),
        "Sequoia reads what the fast path reads: {read:?}"
    );
    assert_eq!(c.text, text, "the same signed text");
    assert_eq!(ours.0, theirs.0, "the same signatures");
}

fuzz_target!(|data: &[u8]| {
    check(data);
    let wrapped = [
        &b"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n"[..],
        data,
        b"\n",
        SIGNATURE,
    ]
    .concat();
    check(&wrapped);
});
