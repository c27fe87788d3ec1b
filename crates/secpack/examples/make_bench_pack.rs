//! Generates a security pack of real size (or a multiple of it) for the
//! verification benchmark: RSA-4096 keys certified by a master key,
//! bulletins and canaries with two detached signatures each, clear-signed
//! release digests, signed letters, and a git repository with signed tags.
//!
//! Every key is a throwaway key made for the benchmark; the secret parts are
//! discarded.
//!
//! ```sh
//! cargo run --release --example make_bench_pack -- OUT_DIR [SCALE [KEYS]]
//! ```
//!
//! At scale 1: 120 bulletins, 50 canaries, 65 digests, 10 letters, 60 keys,
//! 350 detached signatures, 65 clear-signed files, 800 signed tags. SCALE
//! multiplies every count but the keys (KEYS, default 60: RSA-4096 key
//! generation is the slow part). Prints the master fingerprint.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, UNIX_EPOCH};

use anyhow::{Context, Result};
use openpgp::cert::prelude::*;
use openpgp::crypto::KeyPair;
use openpgp::packet::signature::SignatureBuilder;
use openpgp::serialize::stream::{Message, Signer};
use openpgp::serialize::Serialize;
use openpgp::types::{KeyFlags, SignatureType};
use openpgp::Cert;
use rayon::prelude::*;
use sequoia_openpgp as openpgp;

/// 2020-01-01, when the benchmark keys are made.
const T0: u64 = 1_577_836_800;

fn key(uid: &str) -> Result<Cert> {
    let (cert, _) = CertBuilder::new()
        .add_userid(uid)
        .set_cipher_suite(CipherSuite::RSA4k)
        .set_creation_time(UNIX_EPOCH + Duration::from_secs(T0))
        .set_primary_key_flags(KeyFlags::empty().set_certification().set_signing())
        .generate()?;
    Ok(cert)
}

fn keypair(cert: &Cert) -> KeyPair {
    cert.primary_key()
        .key()
        .clone()
        .parts_into_secret()
        .expect("generated keys have secrets")
        .into_keypair()
        .expect("unencrypted")
}

fn certify(master: &Cert, cert: Cert) -> Result<Cert> {
    let mut signer = keypair(master);
    let t = UNIX_EPOCH + Duration::from_secs(T0 + 86_400);
    let mut sigs = Vec::new();
    for ua in cert.userids() {
        sigs.push(ua.userid().certify(
            &mut signer,
            &cert,
            SignatureType::GenericCertification,
            None,
            t,
        )?);
    }
    cert.insert_packets(sigs)
}

fn armored_public(cert: &Cert) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    cert.armored().serialize(&mut out)?;
    Ok(out)
}

fn detached(signer: &Cert, data: &[u8], when: u64) -> Result<Vec<u8>> {
    let mut kp = keypair(signer);
    let sig = SignatureBuilder::new(SignatureType::Binary)
        .set_signature_creation_time(UNIX_EPOCH + Duration::from_secs(when))?
        .sign_message(&mut kp, data)?;
    let mut w = openpgp::armor::Writer::new(Vec::new(), openpgp::armor::Kind::Signature)?;
    openpgp::Packet::from(sig).serialize(&mut w)?;
    Ok(w.finalize()?)
}

fn clearsigned(signer: &Cert, text: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let m = Message::new(&mut out);
        let mut m = Signer::new(m, keypair(signer)).cleartext().build()?;
        m.write_all(text)?;
        m.finalize()?;
    }
    Ok(out)
}

fn write(root: &Path, rel: &str, data: &[u8]) -> Result<()> {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().expect("has a parent"))?;
    std::fs::write(&p, data).with_context(|| p.display().to_string())
}

fn bulletin(n: usize) -> String {
    let mut s = format!(
        "\n\n      ---===[ Bench Security Bulletin {n:03} ]===---\n\n               2020-{:02}-{:02}\n\n      Synthetic issue number {n} (XSA-{})\n\n",
        n % 12 + 1,
        n % 28 + 1,
        100 + n
    );
    for section in [
        "User action",
        "Summary",
        "Impact",
        "Affected systems",
        "Patching",
        "Credits",
        "References",
    ] {
        s.push_str(&format!("{section}\n{}\n\n", "-".repeat(section.len() + 1)));
        for i in 0..8 {
            s.push_str(&format!(
                "Line {i} of {section} in bulletin {n}: synthetic text for the benchmark.\n"
            ));
        }
        s.push('\n');
    }
    s
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .context("usage: make_bench_pack OUT_DIR [SCALE [KEYS]]")?;
    let scale: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(1);
    let n_keys: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(60);
    anyhow::ensure!(
        n_keys >= 31,
        "at least 31 keys (two team members, one release key)"
    );
    let root = Path::new(&out);
    anyhow::ensure!(!root.exists(), "{out} exists; remove it first");

    let master = key("Bench Master Key (throwaway)")?;
    // Roles: two security-team signers per 60 keys, two release keys, the rest
    // in other folders (documentation, developers) as in real packs.
    let keys: Vec<(String, Cert)> = (0..n_keys - 1)
        .into_par_iter()
        .map(|i| {
            let (folder, name) = match i % 30 {
                0 | 1 => ("security-team", format!("member{i}")),
                2 => ("release-keys", format!("release{i}")),
                3..=14 => ("doc-signing", format!("doc{i}")),
                _ => ("core-devs", format!("dev{i}")),
            };
            let c = certify(
                &master,
                key(&format!("{name} (bench, throwaway) <{name}@bench.invalid>"))?,
            )?;
            Ok((format!("keys/{folder}/{name}-bench-key.asc"), c))
        })
        .collect::<Result<_>>()?;
    write(
        root,
        "keys/master-key/bench-master.asc",
        &armored_public(&master)?,
    )?;
    for (path, c) in &keys {
        write(root, path, &armored_public(c)?)?;
    }
    let team: Vec<&Cert> = keys
        .iter()
        .filter(|(p, _)| p.contains("security-team"))
        .map(|(_, c)| c)
        .collect();
    let release: Vec<&Cert> = keys
        .iter()
        .filter(|(p, _)| p.contains("release-keys"))
        .map(|(_, c)| c)
        .collect();

    // Documents and their signatures.
    // (document, text, signers)
    let mut jobs: Vec<(String, String, Vec<&Cert>)> = Vec::new();
    for n in 1..=120 * scale {
        let year = 2011 + n % 15;
        let doc = format!("QSBs/qsb-{n:03}-{year}.txt");
        let (a, b) = (team[n % team.len()], team[(n + 1) % team.len()]);
        jobs.push((doc, bulletin(n), vec![a, b]));
    }
    for n in 1..=50 * scale {
        let doc = format!("canaries/canary-{n:03}-{}.txt", 2015 + n % 11);
        let text = format!("---===[ Bench Canary {n:03} ]===---\n\nStatements\n-----------\n\n1. Synthetic canary {n}.\n");
        let (a, b) = (team[n % team.len()], team[(n + 1) % team.len()]);
        jobs.push((doc, text, vec![a, b]));
    }
    // The configuration, signed by two team members so that verifiers
    // apply its thresholds.
    jobs.push((
        "secpack.toml".to_string(),
        "[signers]\nrequired = { QSBs = 2, canaries = 2 }\n".to_string(),
        vec![team[0], team[1]],
    ));
    for n in 1..=10 * scale {
        jobs.push((
            format!("fund/letter-{n}.txt"),
            format!("Signed letter {n}.\n"),
            vec![team[n % team.len()]],
        ));
    }
    jobs.par_iter()
        .try_for_each(|(doc, text, signers)| -> Result<()> {
            write(root, doc, text.as_bytes())?;
            for (i, cert) in signers.iter().enumerate() {
                let who = cert
                    .userids()
                    .next()
                    .map(|u| {
                        String::from_utf8_lossy(u.userid().value())
                            .split(' ')
                            .next()
                            .unwrap_or("x")
                            .to_string()
                    })
                    .unwrap_or_default();
                write(
                    root,
                    &format!("{doc}.sig.{who}"),
                    &detached(cert, text.as_bytes(), T0 + 200_000 + i as u64)?,
                )?;
            }
            Ok(())
        })?;
    (1..=65 * scale)
        .into_par_iter()
        .try_for_each(|n| -> Result<()> {
            let name = format!("Bench-R{n}-x86_64.iso");
            let text = format!(
                "{:032x} *{name}\n{:040x} *{name}\n{:064x} *{name}\n{:0128x} *{name}\n",
                n, n, n, n
            );
            write(
                root,
                &format!("digests/{name}.DIGESTS"),
                &clearsigned(release[n % release.len()], text.as_bytes())?,
            )
        })?;

    // The git repository: one commit, then signed tags through fast-import.
    let git = |args: &[&str]| -> Result<String> {
        let o = Command::new("git")
            .current_dir(root)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .args([
                "-c",
                "user.name=Bench",
                "-c",
                "user.email=bench@bench.invalid",
            ])
            .args(args)
            .output()?;
        anyhow::ensure!(
            o.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        Ok(String::from_utf8(o.stdout)?.trim().to_string())
    };
    git(&["init", "-q"])?;
    git(&["add", "-A"])?;
    git(&["commit", "-q", "-m", "bench pack"])?;
    let head = git(&["rev-parse", "HEAD"])?;
    let tags: Vec<Vec<u8>> = (0..800 * scale)
        .into_par_iter()
        .map(|i| -> Result<Vec<u8>> {
            let signer = team[i % team.len()];
            let name = format!("bench_sec_{i:05}");
            let tagger = format!(
                "Bench <bench@bench.invalid> {} +0000",
                T0 + 300_000 + i as u64
            );
            let message = format!("Tag {i} of the bench pack\n");
            let payload =
                format!("object {head}\ntype commit\ntag {name}\ntagger {tagger}\n\n{message}");
            let sig = detached(signer, payload.as_bytes(), T0 + 300_000 + i as u64)?;
            let mut data = message.into_bytes();
            data.extend_from_slice(&sig);
            let mut cmd = format!(
                "tag {name}\nfrom {head}\ntagger {tagger}\ndata {}\n",
                data.len()
            )
            .into_bytes();
            cmd.extend_from_slice(&data);
            cmd.push(b'\n');
            Ok(cmd)
        })
        .collect::<Result<_>>()?;
    let mut fi = Command::new("git")
        .current_dir(root)
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()?;
    {
        let stdin = fi.stdin.as_mut().context("stdin")?;
        for t in &tags {
            stdin.write_all(t)?;
        }
    }
    anyhow::ensure!(fi.wait()?.success(), "git fast-import failed");
    println!("{}", master.fingerprint().to_hex());
    Ok(())
}
