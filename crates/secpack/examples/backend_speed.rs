//! Time per RSA-4096 signature verification through the trust engine, for
//! the crypto backend this binary was built with. Compare backends with:
//!
//! ```sh
//! cargo run --release --example backend_speed
//! cargo run --release --no-default-features --features crypto-rust --example backend_speed
//! ```
//!
//! Distinct documents and signatures are used, so Sequoia's signature cache
//! never answers instead of the backend.

use std::time::{Duration, Instant, UNIX_EPOCH};

use anyhow::Result;
use openpgp::cert::prelude::*;
use openpgp::packet::signature::SignatureBuilder;
use openpgp::serialize::Serialize;
use openpgp::types::{KeyFlags, SignatureType};
use secpack::trust::keyring::{KeyFile, Keyring};
use secpack::trust::pin::MasterPin;
use secpack::trust::verdict::SigStatus;
use sequoia_openpgp as openpgp;

fn main() -> Result<()> {
    const N: usize = 300;
    let t0 = UNIX_EPOCH + Duration::from_secs(1_577_836_800);
    let (cert, _) = CertBuilder::new()
        .add_userid("Backend speed (throwaway)")
        .set_cipher_suite(CipherSuite::RSA4k)
        .set_creation_time(t0)
        .set_primary_key_flags(KeyFlags::empty().set_certification().set_signing())
        .generate()?;
    let mut kp = cert
        .primary_key()
        .key()
        .clone()
        .parts_into_secret()?
        .into_keypair()?;
    let mut public = Vec::new();
    cert.armored().serialize(&mut public)?;
    let pin = MasterPin::parse(&cert.fingerprint().to_hex())?;
    let ring = Keyring::from_files(
        vec![KeyFile {
            path: "keys/master-key/m.asc".into(),
            role: "master".into(),
            retired: false,
            contents: Ok(public),
        }],
        &pin,
    );
    let mut cases = Vec::with_capacity(N);
    for i in 0..N {
        let doc = format!("document {i}\n").repeat(40).into_bytes();
        let sig = SignatureBuilder::new(SignatureType::Binary)
            .set_signature_creation_time(t0 + Duration::from_secs(1000 + i as u64))?
            .sign_message(&mut kp, &doc)?;
        let mut w = openpgp::armor::Writer::new(Vec::new(), openpgp::armor::Kind::Signature)?;
        openpgp::Packet::from(sig).serialize(&mut w)?;
        cases.push((doc, w.finalize()?));
    }
    let start = Instant::now();
    for (doc, sig) in &cases {
        let j = ring.verify_detached(doc, sig);
        anyhow::ensure!(j[0].status == SigStatus::Valid, "{:?}", j[0]);
    }
    let per = start.elapsed().as_secs_f64() * 1000.0 / N as f64;
    let backend = if cfg!(feature = "crypto-rust") {
        "crypto-rust"
    } else {
        "crypto-openssl"
    };
    println!(
        "{backend}: {per:.3} ms per RSA-4096 verification ({N} distinct signatures, one thread)"
    );
    Ok(())
}
