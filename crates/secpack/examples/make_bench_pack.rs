//! Generates a security pack of real size (or a multiple of it) for the
//! verification benchmark: RSA-4096 keys certified by a master key,
//! bulletins and canaries with two detached signatures each, clear-signed
//! release digests, signed letters, and a git repository with signed tags.
//!
//! Every key is a throwaway key made for the benchmark; the secret parts are
//! discarded.
//!
//! ```sh
//! cargo run --release --example make_bench_pack -- [--shape real] OUT_DIR [SCALE [KEYS]]
//! ```
//!
//! At scale 1: 120 bulletins, 50 canaries, 65 digests, 10 letters, 60 keys,
//! 350 detached signatures, 65 clear-signed files, 800 signed tags. SCALE
//! multiplies every count but the keys (KEYS, default 60: RSA-4096 key
//! generation is the slow part). Prints the master fingerprint.
//!
//! `--shape synthetic` (the default) makes fresh keys: one user ID, one
//! binding signature, one certification by the master. `--shape real` makes
//! keys shaped like those of a fifteen-year-old pack (see `real_key`): 3 to 6
//! user IDs, two or three generations of binding signatures (the oldest
//! SHA-1, re-issued with SHA-256 and SHA-512), an encryption subkey, a few
//! revoked subkeys, 20 to 60 certifications each from a pool of outside keys,
//! the master's certifications made twice (SHA-1, then SHA-256), keys under
//! `retired/` folders with a README beside them, documents signed over 2012
//! to 2026 (the oldest with SHA-1) by the members of each period, and canary
//! letters.

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
use openpgp::types::{HashAlgorithm, KeyFlags, SignatureType};
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
    detached_with(signer, data, when, HashAlgorithm::default())
}

fn detached_with(signer: &Cert, data: &[u8], when: u64, hash: HashAlgorithm) -> Result<Vec<u8>> {
    let mut kp = keypair(signer);
    let sig = SignatureBuilder::new(SignatureType::Binary)
        .set_hash_algo(hash)
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

/// Commits the pack to a new git repository and adds `n` signed tags
/// (through fast-import); `signer(i)` says who signs tag `i`, and when.
fn git_tags<'a>(
    root: &Path,
    n: usize,
    signer: &(dyn Fn(usize) -> (&'a Cert, u64) + Sync),
) -> Result<()> {
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
    let tags: Vec<Vec<u8>> = (0..n)
        .into_par_iter()
        .map(|i| -> Result<Vec<u8>> {
            let (signer, when) = signer(i);
            let name = format!("bench_sec_{i:05}");
            let tagger = format!("Bench <bench@bench.invalid> {} +0000", when);
            let message = format!("Tag {i} of the bench pack\n");
            let payload =
                format!("object {head}\ntype commit\ntag {name}\ntagger {tagger}\n\n{message}");
            let sig = detached(signer, payload.as_bytes(), when)?;
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
    Ok(())
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1).peekable();
    let usage = "usage: make_bench_pack [--shape synthetic|real] OUT_DIR [SCALE [KEYS]]";
    let real = if args.peek().map(String::as_str) == Some("--shape") {
        args.next();
        match args.next().as_deref() {
            Some("real") => true,
            Some("synthetic") => false,
            _ => anyhow::bail!("{usage}"),
        }
    } else {
        false
    };
    let out = args.next().context(usage)?;
    let scale: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(1);
    let n_keys: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(60);
    anyhow::ensure!(
        n_keys >= 31,
        "at least 31 keys (two team members, one release key)"
    );
    let root = Path::new(&out);
    anyhow::ensure!(!root.exists(), "{out} exists; remove it first");
    if real {
        return real::generate(root, scale, n_keys);
    }

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

    git_tags(root, 800 * scale, &|i| {
        (team[i % team.len()], T0 + 300_000 + i as u64)
    })?;
    println!("{}", master.fingerprint().to_hex());
    Ok(())
}

/// The pack of `--shape real`: keys and documents shaped like those of a
/// pack kept since 2011.
mod real {
    use super::*;
    use std::time::SystemTime;

    use openpgp::packet::key::{Key4, PrimaryRole, SecretParts, SubordinateRole};
    use openpgp::packet::{Key, Signature, UserID};
    use openpgp::types::{Curve, ReasonForRevocation};
    use openpgp::Packet;

    const DAY: u64 = 86_400;
    const YEAR: u64 = 365 * DAY;
    /// 2009-01-01, when the outside certifiers' keys are made.
    const Y2009: u64 = 1_230_768_000;
    /// 2010-01-01, when the master key is made.
    const Y2010: u64 = 1_262_304_000;
    /// 2011-01-01.
    const Y2011: u64 = 1_293_840_000;
    /// 2012-06-01, the first document.
    const FIRST_DOC: u64 = 1_338_508_800;
    /// 2016-01-01: certifications and signatures before it use SHA-1.
    const Y2016: u64 = 1_451_606_400;
    /// 2019-01-01: retired keys sign nothing after it.
    const Y2019: u64 = 1_546_300_800;
    /// Documents span fourteen years, up to mid-2026.
    const SPAN: u64 = 14 * YEAR;

    fn at(t: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(t)
    }

    /// A key of the pack, with what the generator needs to know about it.
    struct Member {
        cert: Cert,
        /// Folder below `keys/`, e.g. `security-team/retired`.
        folder: &'static str,
        name: String,
        created: u64,
    }

    impl Member {
        fn retired(&self) -> bool {
            self.folder.ends_with("/retired")
        }

        /// May sign at `t`: made a month before, and not retired yet.
        fn signs_at(&self, t: u64) -> bool {
            self.created + 30 * DAY < t && (!self.retired() || t < Y2019)
        }
    }

    fn primary(bits: usize, created: u64) -> Result<Key<SecretParts, PrimaryRole>> {
        let mut k: Key<SecretParts, PrimaryRole> = Key4::generate_rsa(bits)?.into();
        k.set_creation_time(at(created))?;
        Ok(k)
    }

    fn subkey(bits: usize, created: u64) -> Result<Key<SecretParts, SubordinateRole>> {
        let mut k: Key<SecretParts, SubordinateRole> = Key4::generate_rsa(bits)?.into();
        k.set_creation_time(at(created))?;
        Ok(k)
    }

    /// A certifier outside the pack: RSA-4096, RSA-2048 or Ed25519.
    fn outsider(i: usize) -> Result<Cert> {
        let mut k: Key<SecretParts, PrimaryRole> = match i % 3 {
            0 => Key4::generate_rsa(4096)?.into(),
            1 => Key4::generate_rsa(2048)?.into(),
            _ => Key4::generate_ecc(true, Curve::Ed25519)?.into(),
        };
        k.set_creation_time(at(Y2009 + i as u64 * DAY))?;
        let mut signer = k.clone().into_keypair()?;
        let cert = Cert::try_from(vec![Packet::from(k)])?;
        let uid = UserID::from(format!(
            "Outside Certifier {i} <certifier{i}@bench.invalid>"
        ));
        let binding = uid.bind(
            &mut signer,
            &cert,
            SignatureBuilder::new(SignatureType::PositiveCertification)
                .set_signature_creation_time(at(Y2009 + i as u64 * DAY))?
                .set_key_flags(KeyFlags::empty().set_certification().set_signing())?,
        )?;
        cert.insert_packets(vec![Packet::from(uid), binding.into()])
    }

    /// A key with the history of a real one, made at `created`:
    ///
    /// - `uids` user IDs (the first primary), each bound by 2 or 3
    ///   generations of self-signatures: SHA-1 at creation (valid five
    ///   years), SHA-256 four years later (valid twenty), and with
    ///   `third`, SHA-512 eight years later;
    /// - an RSA-4096 encryption subkey bound by the same generations;
    /// - with `revoked_subkey`, an older RSA-2048 encryption subkey, retired
    ///   (revoked) three years after creation.
    fn real_key(
        name: &str,
        uids: usize,
        created: u64,
        third: bool,
        revoked_subkey: bool,
    ) -> Result<Cert> {
        let key = primary(4096, created)?;
        let mut signer = key.clone().into_keypair()?;
        let cert = Cert::try_from(vec![Packet::from(key)])?;
        let mut generations = vec![
            (created, HashAlgorithm::SHA1, 5 * YEAR),
            (created + 4 * YEAR, HashAlgorithm::SHA256, 20 * YEAR),
        ];
        if third {
            generations.push((created + 8 * YEAR, HashAlgorithm::SHA512, 25 * YEAR));
        }
        let mut packets: Vec<Packet> = Vec::new();
        for u in 0..uids {
            let uid = UserID::from(match u {
                0 => format!("{name} (bench, throwaway) <{name}@bench.invalid>"),
                1 => format!("{name} <{name}@project.bench.invalid>"),
                2 => format!("{name} (work) <{name}@work.bench.invalid>"),
                n => format!("{name} (alias {n}) <{name}.{n}@bench.invalid>"),
            });
            for &(t, hash, valid) in &generations {
                let b = SignatureBuilder::new(SignatureType::PositiveCertification)
                    .set_hash_algo(hash)
                    .set_signature_creation_time(at(t))?
                    .set_key_flags(KeyFlags::empty().set_certification().set_signing())?
                    .set_key_validity_period(Duration::from_secs(valid))?
                    .set_preferred_hash_algorithms(vec![
                        HashAlgorithm::SHA512,
                        HashAlgorithm::SHA256,
                        HashAlgorithm::SHA1,
                    ])?
                    .set_primary_userid(u == 0)?;
                packets.push(uid.bind(&mut signer, &cert, b)?.into());
            }
            packets.insert(packets.len() - generations.len(), uid.into());
        }
        let encryption = KeyFlags::empty()
            .set_transport_encryption()
            .set_storage_encryption();
        let sub = subkey(4096, created)?;
        let mut sub_packets: Vec<Packet> = Vec::new();
        for &(t, hash, valid) in &generations {
            let b = SignatureBuilder::new(SignatureType::SubkeyBinding)
                .set_hash_algo(hash)
                .set_signature_creation_time(at(t))?
                .set_key_flags(encryption.clone())?
                .set_key_validity_period(Duration::from_secs(valid))?;
            sub_packets.push(sub.bind(&mut signer, &cert, b)?.into());
        }
        packets.push(sub.into());
        packets.extend(sub_packets);
        if revoked_subkey {
            let old = subkey(2048, created)?;
            let b = SignatureBuilder::new(SignatureType::SubkeyBinding)
                .set_hash_algo(HashAlgorithm::SHA1)
                .set_signature_creation_time(at(created))?
                .set_key_flags(encryption.clone())?;
            let binding = old.bind(&mut signer, &cert, b)?;
            let revocation = SubkeyRevocationBuilder::new()
                .set_signature_creation_time(at(created + 3 * YEAR))?
                .set_reason_for_revocation(ReasonForRevocation::KeyRetired, b"replaced")?
                .build(&mut signer, &cert, &old, HashAlgorithm::SHA256)?;
            packets.push(old.into());
            packets.push(binding.into());
            packets.push(revocation.into());
        }
        cert.insert_packets(packets)
    }

    /// Certifications of every user ID of `cert` by `by`: SHA-1 two days
    /// after the key was made when that was before 2016, and again with
    /// SHA-256 four years later.
    fn certify_twice(by: &Cert, cert: &Cert, created: u64) -> Result<Vec<Signature>> {
        let mut signer = keypair(by);
        let mut sigs = Vec::new();
        for ua in cert.userids() {
            if created + 2 * DAY < Y2016 {
                sigs.push(ua.userid().certify(
                    &mut signer,
                    cert,
                    SignatureType::GenericCertification,
                    HashAlgorithm::SHA1,
                    at(created + 2 * DAY),
                )?);
            }
            sigs.push(ua.userid().certify(
                &mut signer,
                cert,
                SignatureType::GenericCertification,
                HashAlgorithm::SHA256,
                at(created + 4 * YEAR + 2 * DAY),
            )?);
        }
        Ok(sigs)
    }

    /// `n` certifications of `cert`'s user IDs by outside keys, spread over
    /// ten years (SHA-1 before 2016).
    fn outside_certifications(
        pool: &[Cert],
        cert: &Cert,
        created: u64,
        seed: usize,
        n: usize,
    ) -> Result<Vec<Signature>> {
        let uids: Vec<_> = cert.userids().collect();
        (0..n)
            .map(|c| {
                let by = &pool[(seed * 7 + c) % pool.len()];
                let t = created + DAY * (3 + (c as u64 * 53 + seed as u64 * 11) % (10 * 365));
                let hash = if t < Y2016 {
                    HashAlgorithm::SHA1
                } else {
                    HashAlgorithm::SHA256
                };
                uids[c % uids.len()].userid().certify(
                    &mut keypair(by),
                    cert,
                    SignatureType::GenericCertification,
                    hash,
                    at(t),
                )
            })
            .collect()
    }

    /// Folder, name and creation time of key `i` of the pack (not the
    /// master): four current team members and three retired ones, release
    /// keys (two retired), documentation keys, developers (some retired).
    fn role(i: usize, n: usize) -> (&'static str, String, u64) {
        let (folder, prefix) = match i {
            0..=3 => ("security-team", "member"),
            4..=6 => ("security-team/retired", "former"),
            7..=9 => ("release-keys", "release"),
            10..=11 => ("release-keys/retired", "oldrelease"),
            12..=23 => ("doc-signing", "doc"),
            _ if i + 7 >= n => ("core-devs/retired", "olddev"),
            _ => ("core-devs", "dev"),
        };
        let created = if folder.ends_with("/retired") {
            Y2011 + i as u64 * 5 * DAY
        } else {
            Y2011 + (i as u64 % 5) * YEAR + i as u64 * DAY
        };
        (folder, format!("{prefix}{i}"), created)
    }

    /// Keeps the signers among `group` that may sign at `t`, and picks `k`
    /// distinct ones from position `n`.
    fn signers<'a>(group: &[&'a Member], t: u64, n: usize, k: usize) -> Vec<&'a Member> {
        let able: Vec<&Member> = group.iter().copied().filter(|m| m.signs_at(t)).collect();
        assert!(able.len() >= k, "no {k} signers at {t}");
        (0..k).map(|j| able[(n + j) % able.len()]).collect()
    }

    /// Short signer name: the key file's first word.
    fn who(m: &Member) -> &str {
        &m.name
    }

    fn doc_hash(t: u64, n: usize) -> HashAlgorithm {
        if t < Y2016 - 2 * YEAR {
            HashAlgorithm::SHA1
        } else if n % 3 == 0 {
            HashAlgorithm::SHA512
        } else {
            HashAlgorithm::SHA256
        }
    }

    pub fn generate(root: &Path, scale: usize, n_keys: usize) -> Result<()> {
        let pool: Vec<Cert> = (0..30)
            .into_par_iter()
            .map(outsider)
            .collect::<Result<_>>()?;
        let master_cert = real_key("Bench Master Key", 3, Y2010, true, false)?;
        let master_certs = outside_certifications(&pool, &master_cert, Y2010, 99, 30)?;
        let master = master_cert.insert_packets(master_certs)?;
        let members: Vec<Member> = (0..n_keys - 1)
            .into_par_iter()
            .map(|i| {
                let (folder, name, created) = role(i, n_keys - 1);
                let cert = real_key(&name, 3 + i % 4, created, i % 2 == 0, i % 10 == 3)?;
                let mut sigs = certify_twice(&master, &cert, created)?;
                sigs.extend(outside_certifications(
                    &pool,
                    &cert,
                    created,
                    i,
                    20 + (i * 13) % 41,
                )?);
                Ok(Member {
                    cert: cert.insert_packets(sigs)?,
                    folder,
                    name,
                    created,
                })
            })
            .collect::<Result<_>>()?;
        write(
            root,
            "keys/master-key/bench-master.asc",
            &armored_public(&master)?,
        )?;
        for m in &members {
            write(
                root,
                &format!("keys/{}/{}-bench-key.asc", m.folder, m.name),
                &armored_public(&m.cert)?,
            )?;
        }
        for folder in ["security-team/retired", "core-devs/retired"] {
            write(
                root,
                &format!("keys/{folder}/README.md"),
                b"Keys of former members, kept to verify what they signed.\n",
            )?;
        }
        let team: Vec<&Member> = members
            .iter()
            .filter(|m| m.folder.starts_with("security-team"))
            .collect();
        let current: Vec<&Member> = team.iter().copied().filter(|m| !m.retired()).collect();
        let release: Vec<&Member> = members
            .iter()
            .filter(|m| m.folder.starts_with("release-keys"))
            .collect();

        // (document, text, signers, when)
        let mut jobs: Vec<(String, String, Vec<&Member>, u64)> = Vec::new();
        let bulletins = 120 * scale;
        for n in 1..=bulletins {
            let t = FIRST_DOC + SPAN * (n as u64 - 1) / bulletins as u64;
            let year = 1970 + t / YEAR;
            jobs.push((
                format!("QSBs/qsb-{n:03}-{year}.txt"),
                bulletin(n),
                signers(&team, t, n, 2),
                t,
            ));
        }
        let canaries = 50 * scale;
        for n in 1..=canaries {
            let t = FIRST_DOC + 3 * YEAR + (SPAN - 3 * YEAR) * (n as u64 - 1) / canaries as u64;
            let year = 1970 + t / YEAR;
            let text = format!(
                "---===[ Bench Canary {n:03} ]===---\n\nStatements\n-----------\n\n1. Synthetic canary {n}.\n"
            );
            let by = signers(&team, t, n, 2);
            if n % 10 == 0 {
                jobs.push((
                    format!("canaries/canary-{n:03}-{year}-statement.txt"),
                    format!("A signed letter published with canary {n}.\n"),
                    by.clone(),
                    t,
                ));
            }
            jobs.push((format!("canaries/canary-{n:03}-{year}.txt"), text, by, t));
        }
        let late = FIRST_DOC + SPAN;
        jobs.push((
            "secpack.toml".to_string(),
            "[signers]\nrequired = { QSBs = 2, canaries = 2 }\n".to_string(),
            signers(&current, late, 0, 2),
            late,
        ));
        for n in 1..=10 * scale {
            let t = FIRST_DOC + SPAN * n as u64 / (10 * scale + 1) as u64;
            jobs.push((
                format!("fund/letter-{n}.txt"),
                format!("Signed letter {n}.\n"),
                signers(&team, t, n, 1),
                t,
            ));
        }
        jobs.par_iter()
            .try_for_each(|(doc, text, by, t)| -> Result<()> {
                write(root, doc, text.as_bytes())?;
                for (i, m) in by.iter().enumerate() {
                    write(
                        root,
                        &format!("{doc}.sig.{}", who(m)),
                        &detached_with(&m.cert, text.as_bytes(), t + i as u64, doc_hash(*t, i))?,
                    )?;
                }
                Ok(())
            })?;
        let digests = 65 * scale;
        (1..=digests)
            .into_par_iter()
            .try_for_each(|n| -> Result<()> {
                let t = FIRST_DOC + SPAN * (n as u64 - 1) / digests as u64;
                let name = format!("Bench-R{n}-x86_64.iso");
                let text = format!(
                    "{:032x} *{name}\n{:040x} *{name}\n{:064x} *{name}\n{:0128x} *{name}\n",
                    n, n, n, n
                );
                let by = signers(&release, t, n, 1)[0];
                let mut out = Vec::new();
                {
                    let m = Message::new(&mut out);
                    let mut m = Signer::new(m, keypair(&by.cert))
                        .cleartext()
                        .hash_algo(doc_hash(t, n))?
                        .creation_time(at(t))
                        .build()?;
                    m.write_all(text.as_bytes())?;
                    m.finalize()?;
                }
                write(root, &format!("digests/{name}.DIGESTS"), &out)
            })?;
        let tag_start = late - 3 * YEAR;
        git_tags(root, 800 * scale, &|i| {
            let t = tag_start + i as u64 * 60;
            (&signers(&current, t, i, 1)[0].cert, t)
        })?;
        println!("{}", master.fingerprint().to_hex());
        Ok(())
    }
}
