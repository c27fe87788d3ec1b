//! The cleartext fast path against Sequoia's cleartext reader: never a
//! panic, and whatever message the fast path takes apart, Sequoia reads the
//! same signed text and the same signatures from it (the fast path may
//! decline; it may never disagree). Each input is tried as it is and as the
//! text of a message with a real signature block, so that the fuzzer works
//! on the text rules (dash escapes, white space, line ends, markers).
//!
//! And the frame rule (`cleartext::frame`, issue 14) on the demo pack's
//! clear-signed digests, judged with the demo pack's keyring: the input
//! appended, prepended, between two copies, or in place of the `Hash:`
//! header never yields `valid` unless it is white space (or `Hash:` lines
//! naming the signature's SHA256), and whatever the frame refuses is
//! `extra-content` and nothing else.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use secpack::trust::armor::{dearmor, ArmorKind};
use secpack::trust::cleartext::{frame, split};
use secpack::trust::keyring::Keyring;
use secpack::trust::pin::MasterPin;
use secpack::trust::verdict::SigStatus;
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

/// The demo pack's clear-signed digests (valid; SHA256 signature).
const DIGESTS: &[u8] =
    include_bytes!("../../examples/demo-pack/digests/Demo-1.0-x86_64.iso.DIGESTS");

fn ring() -> &'static Keyring {
    static RING: OnceLock<Keyring> = OnceLock::new();
    RING.get_or_init(|| {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/demo-pack");
        let pack = secpack::pack::Pack::open(std::path::Path::new(root)).unwrap();
        let pin = MasterPin::parse("60DCAA5EAD5021775F7B85138A7D47543A09DBD0").unwrap();
        let ring = Keyring::load(&pack, &pin);
        assert_eq!(statuses(&ring, DIGESTS), [SigStatus::Valid]);
        ring
    })
}

fn statuses(ring: &Keyring, message: &[u8]) -> Vec<SigStatus> {
    ring.verify_inline(message)
        .0
        .iter()
        .map(|j| j.status)
        .collect()
}

/// secpack's verdicts on `message`; `extra-content` alone whenever the
/// frame rule refuses it.
fn verdicts(message: &[u8]) -> Vec<SigStatus> {
    let got = statuses(ring(), message);
    if frame(message).is_err() {
        assert_eq!(got, [SigStatus::ExtraContent]);
    }
    got
}

fn frame_rule(data: &[u8]) {
    let valid = [SigStatus::Valid];
    // Appended: white space is normal, anything else is refused.
    let after = verdicts(&[DIGESTS, data].concat());
    if data.iter().all(u8::is_ascii_whitespace) {
        assert_eq!(after, valid);
    } else {
        assert_eq!(after, [SigStatus::ExtraContent]);
    }
    // Prepended: white space Sequoia skips is normal; nothing else is valid.
    let before = verdicts(&[data, DIGESTS].concat());
    if data
        .iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
    {
        assert_eq!(before, valid);
    } else {
        assert!(!before.contains(&SigStatus::Valid), "{before:?}");
    }
    // Two messages, whatever is between them.
    assert_eq!(
        verdicts(&[DIGESTS, data, DIGESTS].concat()),
        [SigStatus::ExtraContent]
    );
    // In place of the Hash: header: valid only with Hash: lines (and blank
    // lines) that name SHA256.
    let header = b"Hash: SHA256\n";
    let at = DIGESTS
        .windows(header.len())
        .position(|w| w == header)
        .unwrap();
    let replaced = [&DIGESTS[..at], data, &DIGESTS[at + header.len()..]].concat();
    if verdicts(&replaced).contains(&SigStatus::Valid) {
        assert!(data.windows(6).any(|w| w == b"SHA256"), "{data:?}");
        assert!(data
            .split(|&b| b == b'\n')
            .all(|l| l.starts_with(b"Hash: ") || l.iter().all(|b| b" \t\r".contains(b))));
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = verdicts(data);
    frame_rule(data);
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
