//! The security team's ceremony end to end: a new pack, keys made and
//! certified, a bulletin and a canary (its proof of freshness gathered from
//! fixture servers on 127.0.0.1) signed by two members (one with a key file,
//! one through gpg), `secpack status` before and after, then `verify_pack` and
//! `gpg --verify` on every signature; and the refusals (untrusted keys, wrong
//! passphrases, number collisions, corrupt keys, unwritable destinations,
//! failed self-checks, interrupted signing).

#[path = "../../secpack/tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::http::{ok, rss, Server};
use common::Gpg;
use secpack::pack::Pack;
use secpack::trust::pin::MasterPin;
use secpack::trust::{verify_pack, VerifyOptions};

const PASSPHRASE: &str = "a long test passphrase";

/// A pack after the ceremony's first steps.
struct Ceremony {
    dir: tempfile::TempDir,
    master: String,
}

impl Ceremony {
    fn pack(&self) -> PathBuf {
        self.dir.path().join("pack")
    }
    fn secret(&self, who: &str) -> PathBuf {
        self.dir.path().join("secrets").join(format!("{who}.key"))
    }
    fn passfile(&self) -> PathBuf {
        self.dir.path().join("secrets/pass")
    }
    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }
    fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, &[])
    }
    fn run_with(&self, args: &[&str], env: &[(&str, &Path)]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_secpack"));
        c.args(args)
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.home())
            .env_remove("SECPACK_MASTER")
            .env_remove("SECPACK_GPG")
            .stdin(std::process::Stdio::null());
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    }
    /// Runs and asserts success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "secpack {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
    fn generate(&self, role: &str, name: &str, algo: &str) -> String {
        let secret = self.secret(name);
        let out = self.ok(&[
            "--json",
            "key",
            "generate",
            "--pack",
            self.pack().to_str().unwrap(),
            "--role",
            role,
            "--name",
            name,
            "--algo",
            algo,
            "--expires",
            "2y",
            "-o",
            secret.to_str().unwrap(),
            "--passphrase-file",
            self.passfile().to_str().unwrap(),
        ]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v["public"].as_str().unwrap().to_string()
    }
    fn certify(&self, keyfile: &str) {
        let path = self.pack().join(keyfile);
        self.ok(&[
            "key",
            "certify",
            "--pack",
            self.pack().to_str().unwrap(),
            path.to_str().unwrap(),
            "--master-key",
            self.secret("master").to_str().unwrap(),
            "--passphrase-file",
            self.passfile().to_str().unwrap(),
        ]);
    }
    fn sign_with_key(&self, file: &str, who: &str) -> Output {
        self.run(&[
            "sign",
            "--pack",
            self.pack().to_str().unwrap(),
            "--master",
            &self.master,
            "--as",
            who,
            "--key",
            self.secret(who).to_str().unwrap(),
            "--passphrase-file",
            self.passfile().to_str().unwrap(),
            self.pack().join(file).to_str().unwrap(),
        ])
    }
    /// `secpack --json status` on `now`: exit status and document.
    /// alice and bob sign `secpack.toml` (again, after a change), as its
    /// settings count for verifiers only when signed.
    fn sign_config(&self) {
        for who in ["alice", "bob"] {
            let out = self.run(&[
                "sign",
                "--pack",
                self.pack().to_str().unwrap(),
                "--master",
                &self.master,
                "--as",
                who,
                "--key",
                self.secret(who).to_str().unwrap(),
                "--passphrase-file",
                self.passfile().to_str().unwrap(),
                "--force",
                self.pack().join("secpack.toml").to_str().unwrap(),
            ]);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    fn status(&self, now: &str) -> (i32, serde_json::Value) {
        let out = self.run(&[
            "--json",
            "status",
            self.pack().to_str().unwrap(),
            "--master",
            &self.master,
            "--now",
            now,
        ]);
        let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
        });
        (out.status.code().unwrap(), v)
    }
    fn files(&self) -> Vec<String> {
        let mut out = Vec::new();
        for e in walk(&self.pack()) {
            out.push(
                e.strip_prefix(self.pack())
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            );
        }
        out.sort();
        out
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.file_name().unwrap() == ".git" {
            continue;
        }
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// init, a master key, alice (RSA-4096 when `rsa`) and bob certified,
/// mallory generated but not certified.
fn ceremony(rsa: bool) -> Ceremony {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("secrets")).unwrap();
    std::fs::create_dir_all(dir.path().join("home")).unwrap();
    std::fs::write(dir.path().join("secrets/pass"), format!("{PASSPHRASE}\n")).unwrap();
    let mut c = Ceremony {
        dir,
        master: String::new(),
    };
    c.ok(&[
        "init",
        c.pack().to_str().unwrap(),
        "--project",
        "Test Project",
    ]);
    let master_file = c.generate("master", "master", "ed25519");
    let master_bytes = std::fs::read(c.pack().join(&master_file)).unwrap();
    c.master = fingerprint_of(&master_bytes);
    let alice = c.generate(
        "security-team",
        "alice",
        if rsa { "rsa4096" } else { "ed25519" },
    );
    let bob = c.generate("security-team", "bob", "ed25519");
    c.generate("security-team", "mallory", "ed25519");
    c.certify(&alice);
    c.certify(&bob);
    c.sign_config();
    c
}

fn fingerprint_of(armored: &[u8]) -> String {
    use sequoia_openpgp::parse::Parse;
    sequoia_openpgp::Cert::from_bytes(armored)
        .unwrap()
        .fingerprint()
        .to_hex()
}

const CANARY: &str = "\
                    ---===[ Test Project Canary 001 ]===---

Statements
-----------

The Test Project Security Team members who have signed this canary
declare the following:

1. The date of issue of this canary is 2026-01-05.

2. There have been 1 Test Project Security Bulletins published so far.

3. The Test Project master signing key fingerprint is:

       MASTER

4. No warrants have ever been served to us.

5. We plan to publish the next of these canary statements in the first
fourteen days of April 2026.

Proof of freshness
-------------------

Mon, 05 Jan 2026 10:00:00 +0000

Source: Test Wire (https://wire.test.invalid/rss)
One
Two
Three
Four
Five

--
The Test Project Security Team
";

/// Height of the fixture chain's tip.
const TIP: u64 = 900_000;
/// Hash of the fixture block quoted (ten below the tip).
const BLOCK_HASH: &str = "00000000000000000001a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7";

/// Fixture news feed and block source: six dated headlines (the five newest
/// are quoted, newest first) and a chain whose tip is [`TIP`].
fn freshness_sources() -> Server {
    let dates: Vec<(String, String)> = (1..=6)
        .map(|d| {
            let day = chrono::NaiveDate::from_ymd_opt(2026, 1, d).unwrap();
            (
                format!("H{d}"),
                day.format("%a, %d %b %Y 10:00:00 +0000").to_string(),
            )
        })
        .collect();
    let items: Vec<(&str, &str)> = dates
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    Server::start(vec![
        ("/rss", vec![ok(rss("Test Wire", &items))]),
        ("/tip", vec![ok(format!("{{\"height\": {TIP}}}"))]),
        (
            &format!("/block/{}", TIP - 10),
            vec![ok(format!("{{\"hash\": \"{BLOCK_HASH}\"}}"))],
        ),
    ])
}

/// Points the pack's `[canary]` sources at `server` (the generated
/// `secpack.toml` ends in its `[canary]` table).
fn configure_freshness(pack: &Path, server: &Server) {
    let config = pack.join("secpack.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "http_timeout_secs = 5\nhttp_retries = 0\n\
         [[canary.feeds]]\nurl = \"{0}/rss\"\n\
         [canary.block_source]\nname = \"Test Chain\"\ntip_url = \"{0}/tip\"\nblock_url = \"{0}/block/{{height}}\"\n",
        server.base
    ));
    std::fs::write(config, text).unwrap();
}

/// A gpg wrapper that unlocks keys with the test passphrase, as a running
/// agent with a cached passphrase would.
fn gpg_wrapper(c: &Ceremony, gnupghome: &Path) -> PathBuf {
    let script = c.dir.path().join("gpg-agent-signer");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nGNUPGHOME='{}' exec gpg --pinentry-mode loopback --passphrase-file '{}' \"$@\"\n",
            gnupghome.display(),
            c.passfile().display()
        ),
    )
    .unwrap();
    make_executable(&script);
    script
}

fn make_executable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn the_whole_ceremony_verifies_with_secpack_and_gpg() {
    let c = ceremony(true);
    let pack = c.pack();
    assert!(pack.join(".git").is_dir(), "git init ran");

    // The secret keys are private and outside the pack; the pack holds no
    // secret material.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(c.secret("alice"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    for f in c.files() {
        let text = std::fs::read_to_string(pack.join(&f)).unwrap_or_default();
        assert!(!text.contains("PRIVATE KEY"), "{f} holds a secret key");
    }

    // A bulletin (number 1, today's template) and a canary.
    let out = c.ok(&[
        "--json",
        "qsb",
        "new",
        "--pack",
        pack.to_str().unwrap(),
        "--title",
        "Stack overflow in the test parser",
        "--xsa",
        "470",
        "--date",
        "2026-01-05",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["number"], 1);
    let qsb = "QSBs/qsb-001-2026.txt";
    assert_eq!(v["path"], qsb);
    let text = std::fs::read_to_string(pack.join(qsb)).unwrap();
    let header = secpack::bulletin::BulletinHeader::parse(&text, "XSA");
    assert_eq!(header.number, Some(1));
    assert_eq!(header.date, chrono::NaiveDate::from_ymd_opt(2026, 1, 5));
    assert_eq!(
        header.title.as_deref(),
        Some("Stack overflow in the test parser")
    );
    assert_eq!(header.upstream_advisories, vec![470]);
    assert!(text.contains("Test Project Security Bulletin 001"));

    // The canary: its proof of freshness is gathered from the sources the
    // pack configures (fixture servers here), dated today.
    let server = freshness_sources();
    configure_freshness(&pack, &server);
    c.sign_config();
    let out = c.ok(&[
        "--json",
        "canary",
        "new",
        "--pack",
        pack.to_str().unwrap(),
        "--master",
        &c.master,
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let today = chrono::Utc::now().date_naive();
    let issued = v["facts"]["date"].as_str().unwrap().to_string();
    assert!(
        [today, today.pred_opt().unwrap()]
            .iter()
            .any(|d| d.to_string() == issued),
        "{issued}"
    );
    let canary = format!("canaries/canary-001-{}.txt", &issued[..4]);
    let canary = canary.as_str();
    assert_eq!(v["path"], canary);
    assert_eq!(v["facts"]["bulletins"], 1);
    assert_eq!(server.hits("/rss"), 1);
    assert_eq!(server.hits(&format!("/block/{}", TIP - 10)), 1);
    let parsed =
        secpack::canary::Canary::parse(&std::fs::read_to_string(pack.join(canary)).unwrap());
    assert_eq!(parsed.fingerprint.as_deref(), Some(c.master.as_str()));
    assert_eq!(
        parsed.freshness.sources[0].headlines,
        ["H6", "H5", "H4", "H3", "H2"]
    );
    assert_eq!(parsed.freshness.block_hash.as_deref(), Some(BLOCK_HASH));
    let due = parsed.next_window.as_ref().unwrap().end;
    assert_eq!(v["facts"]["next_due"], due.to_string());

    // alice signs with her key file; bob through gpg (agent path).
    for doc in [qsb, canary] {
        let out = c.sign_with_key(doc, "alice");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Half-way, status names bob as the missing signer of both documents,
    // and the canary audit's only alert is the missing signature.
    let (code, v) = c.status(&issued);
    assert_eq!(code, 1);
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{v:#}");
    for (item, doc) in items.iter().zip([qsb, canary]) {
        assert_eq!(item["code"], "below-threshold");
        assert_eq!(item["subject"], doc);
        assert_eq!(item["missing_signers"], serde_json::json!(["bob"]));
    }
    assert_eq!(v["attention"], true);
    let out = c.run(&[
        "--json",
        "canary",
        "audit",
        pack.to_str().unwrap(),
        "--master",
        &c.master,
        "--now",
        &issued,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let audit: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kinds: Vec<&str> = audit["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["signatures-below-threshold"]);
    let bob_home = Gpg::new();
    bob_home.run(&["--import", c.secret("bob").to_str().unwrap()]);
    let wrapper = gpg_wrapper(&c, bob_home.home.path());
    for doc in [qsb, canary] {
        let out = c.run(&[
            "sign",
            "--pack",
            pack.to_str().unwrap(),
            "--master",
            &c.master,
            "--as",
            "bob",
            "--gpg",
            "--gpg-program",
            wrapper.to_str().unwrap(),
            pack.join(doc).to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // Both signed: nothing needs attention, and the canary audits clean.
    let (code, v) = c.status(&issued);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["items"], serde_json::json!([]));
    assert_eq!(v["attention"], false);
    assert_eq!(v["next_canary_due"], due.to_string());
    let out = c.run(&[
        "canary",
        "audit",
        pack.to_str().unwrap(),
        "--master",
        &c.master,
        "--now",
        &issued,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // What the team publishes is readable by all; only secrets are 0600.
    for f in [
        format!("{qsb}.sig.alice"),
        qsb.to_string(),
        "secpack.toml".to_string(),
    ]
    .iter()
    .chain(c.files().iter().filter(|f| f.starts_with("keys/")))
    {
        let mode = std::fs::metadata(pack.join(f))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644, "{f}");
    }

    // Signing again is refused without --force, and the file is unchanged.
    let before = std::fs::read(pack.join(format!("{qsb}.sig.alice"))).unwrap();
    let out = c.sign_with_key(qsb, "alice");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists already"));
    assert_eq!(
        std::fs::read(pack.join(format!("{qsb}.sig.alice"))).unwrap(),
        before
    );

    // The trust engine accepts the pack: both documents have their two
    // signers (the threshold `init` configured).
    let opened = Pack::open(&pack).unwrap();
    let pin = MasterPin::parse(&c.master).unwrap();
    let report = verify_pack(
        &opened,
        &pin,
        VerifyOptions {
            strict: true,
            tags: false,
        },
        &|| {},
    );
    assert!(report.summary.ok, "{:?}", report.summary.failures);
    // The bulletin, the canary and secpack.toml itself.
    assert_eq!(report.documents.len(), 3);
    for d in &report.documents {
        assert_eq!(d.required, 2, "{}", d.path);
        assert_eq!(d.valid_signers, 2, "{}", d.path);
    }
    assert_eq!(report.signatures.len(), 6);
    assert!(report
        .signatures
        .iter()
        .all(|s| s.ok && s.warnings.is_empty()));
    let out = c.run(&["verify", "--master", &c.master, pack.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // GnuPG accepts every signature secpack made, with only the pack's keys.
    let gpg = Gpg::new();
    for f in c
        .files()
        .iter()
        .filter(|f| f.starts_with("keys/") && f.ends_with(".asc"))
    {
        gpg.run(&["--import", pack.join(f).to_str().unwrap()]);
    }
    let mut checked = 0;
    for doc in [qsb, canary, "secpack.toml"] {
        for who in ["alice", "bob"] {
            let sig = pack.join(format!("{doc}.sig.{who}"));
            assert!(
                gpg.verifies(&sig, &pack.join(doc)),
                "gpg rejects {}",
                sig.display()
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 6);
    // And rejects one over altered data (the check above can fail).
    let altered = c.dir.path().join("altered.txt");
    std::fs::write(&altered, format!("{text}!")).unwrap();
    assert!(!gpg.verifies(&pack.join(format!("{qsb}.sig.alice")), &altered));

    // The uncertified key is refused and nothing is written.
    let out = c.sign_with_key(qsb, "mallory");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not trusted"), "{err}");
    assert!(!pack.join(format!("{qsb}.sig.mallory")).exists());

    // alice's key may not sign as bob.
    let out = c.run(&[
        "sign",
        "--pack",
        pack.to_str().unwrap(),
        "--master",
        &c.master,
        "--as",
        "bob",
        "--key",
        c.secret("alice").to_str().unwrap(),
        "--passphrase-file",
        c.passfile().to_str().unwrap(),
        pack.join(canary).to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not belong to \"bob\""));

    // The next bulletin gets number 2; number 1 is refused.
    let out = c.run(&[
        "qsb",
        "new",
        "--pack",
        pack.to_str().unwrap(),
        "--title",
        "Again",
        "--number",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("bulletin number 1 is taken by QSBs/qsb-001-2026.txt"));
    let out = c.ok(&[
        "--json",
        "qsb",
        "new",
        "--pack",
        pack.to_str().unwrap(),
        "--title",
        "Next one",
        "--date",
        "2026-02-01",
    ]);
    assert!(
        out.contains("\"number\":2") || out.contains("\"number\": 2"),
        "{out}"
    );

    // qsb list shows both, the first signed, the second not yet.
    let out = c.run(&[
        "--json",
        "qsb",
        "list",
        "--pack",
        pack.to_str().unwrap(),
        "--master",
        &c.master,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verified"], true);
    let rows = v["bulletins"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["ok"], true);
    assert_eq!(rows[0]["signers"].as_array().unwrap().len(), 2);
    assert_eq!(rows[1]["ok"], false);
    assert_eq!(rows[1]["title"], "Next one");

    // key list: master, three members, mallory uncertified.
    let out = c.ok(&[
        "--json",
        "key",
        "list",
        "--pack",
        pack.to_str().unwrap(),
        "--master",
        &c.master,
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let statuses: Vec<(String, String)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            // The name comes from the key's user ID (no [[team]] table here)
            // and matches the file the key was published in.
            let name = e["name"].as_str().unwrap().to_string();
            let file = e["file"].as_str().unwrap();
            assert!(file.rsplit('/').next().unwrap().starts_with(&name), "{e}");
            (name, e["status"].as_str().unwrap().to_string())
        })
        .collect();
    let mut statuses = statuses;
    statuses.sort();
    assert_eq!(
        statuses,
        [
            ("alice".to_string(), "certified".to_string()),
            ("bob".into(), "certified".into()),
            ("mallory".into(), "uncertified".into()),
            ("master".into(), "master".into()),
        ]
    );
}

#[test]
fn keys_of_another_role_or_retired_may_not_sign() {
    let c = ceremony(false);
    let pack = c.pack();
    let doc = "QSBs/qsb-001-2026.txt";
    std::fs::write(pack.join(doc), "a bulletin\n").unwrap();
    let sig = |who: &str| pack.join(format!("{doc}.sig.{who}"));

    // A certified release key may not sign a bulletin.
    let rel = c.generate("release", "rel", "ed25519");
    c.certify(&rel);
    let out = c.sign_with_key(doc, "rel");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("has role \"release\", which may not sign in QSBs/"),
        "{err}"
    );
    assert!(!sig("rel").exists());

    // Once bob's key is retired, bob can no longer sign; alice still can.
    c.ok(&["key", "retire", "--pack", pack.to_str().unwrap(), "bob"]);
    let out = c.sign_with_key(doc, "bob");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bob"), "{err}");
    assert!(!sig("bob").exists());
    let out = c.sign_with_key(doc, "alice");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(sig("alice").exists());
}

#[test]
fn bad_passphrases_and_unwritable_destinations() {
    let c = ceremony(false);
    let pack = c.pack();
    let doc = "QSBs/qsb-001-2026.txt";
    std::fs::write(pack.join(doc), "a bulletin\n").unwrap();

    // Wrong passphrase.
    let wrong = c.dir.path().join("wrong");
    std::fs::write(&wrong, "not it\n").unwrap();
    let out = c.run(&[
        "sign",
        "--pack",
        pack.to_str().unwrap(),
        "--master",
        &c.master,
        "--as",
        "alice",
        "--key",
        c.secret("alice").to_str().unwrap(),
        "--passphrase-file",
        wrong.to_str().unwrap(),
        pack.join(doc).to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong passphrase"));
    // Missing passphrase (no terminal to ask).
    let out = c.run(&[
        "sign",
        "--pack",
        pack.to_str().unwrap(),
        "--master",
        &c.master,
        "--as",
        "alice",
        "--key",
        c.secret("alice").to_str().unwrap(),
        pack.join(doc).to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--passphrase-file"));
    // Missing passphrase file.
    let out = c.run(&[
        "sign",
        "--pack",
        pack.to_str().unwrap(),
        "--master",
        &c.master,
        "--as",
        "alice",
        "--key",
        c.secret("alice").to_str().unwrap(),
        "--passphrase-file",
        "/nonexistent/pass",
        pack.join(doc).to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/pass"));
    assert!(!pack.join(format!("{doc}.sig.alice")).exists());

    // Wrong master passphrase: the key file is left as it was.
    let carol = c.generate("security-team", "carol", "ed25519");
    let before = std::fs::read(pack.join(&carol)).unwrap();
    let out = c.run(&[
        "key",
        "certify",
        "--pack",
        pack.to_str().unwrap(),
        pack.join(&carol).to_str().unwrap(),
        "--master-key",
        c.secret("master").to_str().unwrap(),
        "--passphrase-file",
        wrong.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(pack.join(&carol)).unwrap(), before);
    // A member key cannot certify.
    let out = c.run(&[
        "key",
        "certify",
        "--pack",
        pack.to_str().unwrap(),
        pack.join(&carol).to_str().unwrap(),
        "--master-key",
        c.secret("alice").to_str().unwrap(),
        "--passphrase-file",
        c.passfile().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not the pack's master key"));

    let files_before = c.files();
    // A secret key destination below a regular file, or inside the pack.
    let blocker = c.dir.path().join("a-file");
    std::fs::write(&blocker, "x").unwrap();
    for dest in [blocker.join("dave.key"), pack.join("dave.key")] {
        let out = c.run(&[
            "key",
            "generate",
            "--pack",
            pack.to_str().unwrap(),
            "--role",
            "security-team",
            "--name",
            "dave",
            "--algo",
            "ed25519",
            "-o",
            dest.to_str().unwrap(),
            "--passphrase-file",
            c.passfile().to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(2), "{}", dest.display());
    }
    let out = c.run(&[
        "key",
        "generate",
        "--pack",
        pack.to_str().unwrap(),
        "--role",
        "security-team",
        "--name",
        "dave",
        "--algo",
        "ed25519",
        "-o",
        pack.join("dave.key").to_str().unwrap(),
        "--passphrase-file",
        c.passfile().to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("inside the pack"));
    // An empty passphrase is refused.
    let empty = c.dir.path().join("empty");
    std::fs::write(&empty, "\n").unwrap();
    let out = c.run(&[
        "key",
        "generate",
        "--pack",
        pack.to_str().unwrap(),
        "--role",
        "security-team",
        "--name",
        "dave",
        "--algo",
        "ed25519",
        "-o",
        c.secret("dave").to_str().unwrap(),
        "--passphrase-file",
        empty.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!c.secret("dave").exists());
    assert_eq!(c.files(), files_before, "nothing was written to the pack");

    // init refuses a non-empty folder and a path below a regular file.
    let out = c.run(&["init", pack.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not empty"));
    let out = c.run(&["init", blocker.join("pack").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(blocker.is_file());
}

#[test]
fn corrupt_keys_and_failed_self_checks_write_nothing() {
    let c = ceremony(false);
    let pack = c.pack();
    let doc = "canaries/canary-001-2026.txt";
    std::fs::write(pack.join(doc), CANARY.replace("MASTER", &c.master)).unwrap();

    // A gpg that answers with somebody else's signature: the self-check
    // refuses it and no signature file (nor temporary file) is left.
    let mallory_sig = c.dir.path().join("mallory.sig");
    {
        let home = Gpg::new();
        home.run(&["--import", c.secret("mallory").to_str().unwrap()]);
        let wrapper = gpg_wrapper(&c, home.home.path());
        let out = Command::new(&wrapper)
            .args(["--batch", "--detach-sign", "--armor", "-o"])
            .arg(&mallory_sig)
            .arg(pack.join(doc))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let fake = c.dir.path().join("fake-gpg");
    std::fs::write(
        &fake,
        format!("#!/bin/sh\ncat '{}'\n", mallory_sig.display()),
    )
    .unwrap();
    make_executable(&fake);
    let files_before = c.files();
    let out = c.run(&[
        "sign",
        "--pack",
        pack.to_str().unwrap(),
        "--master",
        &c.master,
        "--as",
        "alice",
        "--gpg",
        "--gpg-program",
        fake.to_str().unwrap(),
        pack.join(doc).to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("does not verify") && err.contains("untrusted-key"),
        "{err}"
    );
    assert_eq!(c.files(), files_before);

    // A gpg that fails: its message is shown, nothing written.
    let failing = c.dir.path().join("failing-gpg");
    std::fs::write(&failing, "#!/bin/sh\necho 'no secret key' >&2\nexit 2\n").unwrap();
    make_executable(&failing);
    let out = c.run(&[
        "sign",
        "--pack",
        pack.to_str().unwrap(),
        "--master",
        &c.master,
        "--as",
        "alice",
        "--gpg",
        "--gpg-program",
        failing.to_str().unwrap(),
        pack.join(doc).to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no secret key"));
    assert_eq!(c.files(), files_before);

    // A corrupt key file: listed as malformed, its member cannot sign, and
    // certifying it names the file.
    let corrupt = pack.join("keys/security-team/carol-0000.asc");
    std::fs::write(
        &corrupt,
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\ngarbage\n",
    )
    .unwrap();
    let out = c.ok(&[
        "--json",
        "key",
        "list",
        "--pack",
        pack.to_str().unwrap(),
        "--master",
        &c.master,
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let carol = v
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["file"] == "keys/security-team/carol-0000.asc")
        .unwrap();
    assert_eq!(carol["status"], "malformed");
    let out = c.run(&[
        "sign",
        "--pack",
        pack.to_str().unwrap(),
        "--master",
        &c.master,
        "--as",
        "carol",
        "--gpg",
        pack.join(doc).to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("no current key of the pack belongs to \"carol\""));
    let out = c.run(&[
        "key",
        "certify",
        "--pack",
        pack.to_str().unwrap(),
        corrupt.to_str().unwrap(),
        "--master-key",
        c.secret("master").to_str().unwrap(),
        "--passphrase-file",
        c.passfile().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("carol-0000.asc"));
}

#[test]
fn retire_revoke_and_export() {
    let c = ceremony(false);
    let pack = c.pack();
    let p = pack.to_str().unwrap();
    // export gives exactly the key file's certificate.
    let out = c.ok(&["key", "export", "--pack", p, "bob"]);
    let bob_file = c.files().into_iter().find(|f| f.contains("/bob-")).unwrap();
    assert_eq!(
        fingerprint_of(out.as_bytes()),
        fingerprint_of(&std::fs::read(pack.join(&bob_file)).unwrap())
    );
    let out = c.run(&["key", "export", "--pack", p, "nobody"]);
    assert_eq!(out.status.code(), Some(2));

    // bob revokes his key: the pack's file and the .rev file carry it.
    c.ok(&[
        "key",
        "revoke",
        "--pack",
        p,
        "--key",
        c.secret("bob").to_str().unwrap(),
        "--passphrase-file",
        c.passfile().to_str().unwrap(),
        "--reason",
        "leaving the team",
    ]);
    let rev = c.dir.path().join("secrets/bob.key.rev");
    assert!(std::fs::read_to_string(&rev)
        .unwrap()
        .contains("BEGIN PGP PUBLIC KEY BLOCK"));
    let out = c.ok(&["--json", "key", "list", "--pack", p, "--master", &c.master]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let bob = v
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["file"] == bob_file.as_str())
        .unwrap();
    assert_eq!(bob["revoked"], true);
    // GnuPG sees the revocation too.
    let gpg = Gpg::new();
    gpg.run(&["--import", pack.join(&bob_file).to_str().unwrap()]);
    let colons = String::from_utf8(gpg.run(&["--with-colons", "--list-keys"])).unwrap();
    assert!(colons.lines().any(|l| l.starts_with("pub:r:")), "{colons}");

    // Retire moves the file below retired/.
    c.ok(&["key", "retire", "--pack", p, "bob"]);
    let (dir, name) = bob_file.rsplit_once('/').unwrap();
    assert!(pack.join(format!("{dir}/retired/{name}")).is_file());
    assert!(!pack.join(&bob_file).exists());
    let out = c.run(&["key", "retire", "--pack", p, "bob"]);
    assert_eq!(out.status.code(), Some(2));
}

/// A proof of freshness as `canary freshness -o` writes it.
const FRESHNESS: &str = "Mon, 05 Jan 2026 10:00:00 +0000\n\n\
Source: Test Wire (https://wire.test.invalid/rss)\nOne\nTwo\nThree\n\n\
Source: Test Chain\n00000000000000000001a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7\n";

#[test]
fn canary_new_refuses_collisions_bad_sources_and_unwritable_packs() {
    let c = ceremony(false);
    let pack = c.pack();
    let p = pack.to_str().unwrap();
    let fresh = c.dir.path().join("fresh.txt");
    std::fs::write(&fresh, FRESHNESS).unwrap();
    let f = fresh.to_str().unwrap();
    let new = |extra: &[&str]| {
        let mut args = vec![
            "--json", "canary", "new", "--pack", p, "--master", &c.master,
        ];
        args.extend_from_slice(extra);
        c.run(&args)
    };
    let out = new(&["--freshness", f, "--date", "2026-01-05"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first = "canaries/canary-001-2026.txt";
    let text = std::fs::read_to_string(pack.join(first)).unwrap();
    assert!(text.contains("Test Project Canary 001"));
    assert!(text.contains("fourteen days of April 2026"));
    let files_before = c.files();

    // A number collision is refused and nothing changes.
    let out = new(&["--freshness", f, "--date", "2026-04-02", "--number", "1"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("canary number 1 is taken by canaries/canary-001-2026.txt"),
        "{err}"
    );
    assert_eq!(c.files(), files_before);
    assert_eq!(std::fs::read_to_string(pack.join(first)).unwrap(), text);

    // A proof of freshness without a date, or a missing one, is refused
    // naming the file; so is a canary without a pinned master key.
    let undated = c.dir.path().join("undated.txt");
    std::fs::write(&undated, "Source: Wire (https://w.test/rss)\nOne\n").unwrap();
    for (file, words) in [
        (undated.to_str().unwrap(), "no RFC 5322 date line"),
        ("/nonexistent/fresh.txt", "reading /nonexistent/fresh.txt"),
    ] {
        let out = new(&["--freshness", file]);
        assert_eq!(out.status.code(), Some(2), "{file}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(file) && err.contains(words), "{err}");
    }
    let out = c.run(&["canary", "new", "--pack", p, "--freshness", f]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no master key fingerprint is pinned"));
    assert_eq!(c.files(), files_before);

    // A source that fails: exit 1, its URL named, nothing written.
    let server = Server::start(vec![("/tip", vec![ok("{\"height\": 900000}")])]);
    configure_freshness(&pack, &server);
    let files_before = c.files();
    let out = new(&[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}/rss", server.base)) && err.contains("no proof of freshness"),
        "{err}"
    );
    assert_eq!(server.hits("/rss"), 1);
    assert_eq!(c.files(), files_before);

    // The next number is 2, dated in the window canary 1 promised (with a
    // proof of that day: canary 1's is stale and its block used).
    let april = c.dir.path().join("april.txt");
    let proof = FRESHNESS.replace("Mon, 05 Jan", "Thu, 02 Apr").replace("01a2b3", "09a2b3");
    std::fs::write(&april, proof).unwrap();
    let out = new(&["--freshness", april.to_str().unwrap(), "--date", "2026-04-02"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["number"], 2);
    assert_eq!(v["path"], "canaries/canary-002-2026.txt");
    assert_eq!(v["facts"]["next_due"], "2026-07-14");

    // An unwritable pack: the canary folder is a regular file.
    let other = c.dir.path().join("other");
    c.ok(&["init", other.to_str().unwrap(), "--project", "Other"]);
    std::fs::remove_dir_all(other.join("canaries")).unwrap();
    std::fs::write(other.join("canaries"), "in the way\n").unwrap();
    let out = c.run(&[
        "canary",
        "new",
        "--pack",
        other.to_str().unwrap(),
        "--master",
        &c.master,
        "--freshness",
        f,
        "--date",
        "2026-01-05",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("canaries"));
    assert_eq!(
        std::fs::read_to_string(other.join("canaries")).unwrap(),
        "in the way\n"
    );
}

#[test]
fn status_reports_triage_expiring_keys_and_unsigned_files() {
    let c = ceremony(false);
    let pack = c.pack();
    let today = chrono::Utc::now().date_naive();
    // A fresh pack: no canary yet, which the status says.
    let (code, v) = c.status(&today.to_string());
    assert_eq!(code, 1);
    let codes: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["canary-no-canaries"]);

    let fresh = c.dir.path().join("fresh.txt");
    std::fs::write(&fresh, FRESHNESS).unwrap();
    c.ok(&[
        "canary",
        "new",
        "--pack",
        pack.to_str().unwrap(),
        "--master",
        &c.master,
        "--freshness",
        fresh.to_str().unwrap(),
        "--date",
        "2026-01-05",
    ]);
    let canary = "canaries/canary-001-2026.txt";
    for who in ["alice", "bob"] {
        let out = c.sign_with_key(canary, who);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A tracker with one row to triage (and one triaged, one never used),
    // and a file nobody signed.
    std::fs::create_dir_all(pack.join("tracker")).unwrap();
    std::fs::write(
        pack.join("tracker/xsa.toml"),
        "version = 1\n\n[[advisory]]\nnumber = 470\ndate = 2026-01-02\naffected = \"no\"\n\n\
         [[advisory]]\nnumber = 471\ndate = 2026-01-03\naffected = \"tba\"\n\n\
         [[advisory]]\nnumber = 472\naffected = \"tba\"\nunused = true\n",
    )
    .unwrap();
    std::fs::write(pack.join("notes.txt"), "remember the milk\n").unwrap();

    // Inside the promised window: the canary is due; the tracker row and the
    // unsigned file are listed, each with its code.
    let (code, v) = c.status("2026-04-03");
    assert_eq!(code, 1);
    let items: Vec<(String, String)> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["code"].as_str().unwrap().to_string(),
                i["subject"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            ("canary-due".to_string(), canary.to_string()),
            ("tracker-awaiting-triage".into(), "advisory 471".into()),
            ("unsigned-file".into(), "notes.txt".into()),
        ]
    );
    assert!(v["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| !i["message"].as_str().unwrap().is_empty()));

    // Keys made today expire in two years: 700 days on, the three current
    // certified keys (master, alice, bob) are about to; 800 days on they
    // have. mallory's uncertified key is not the team's.
    let mut team_keys: Vec<String> = c
        .files()
        .into_iter()
        .filter(|f| {
            f.starts_with("keys/")
                && f.ends_with(".asc")
                && ["master", "alice", "bob"]
                    .iter()
                    .any(|n| f.rsplit('/').next().unwrap().starts_with(&format!("{n}-")))
        })
        .collect();
    team_keys.sort();
    assert_eq!(team_keys.len(), 3);
    for (days, code) in [(700, "key-expiring"), (800, "key-expired")] {
        let now = today + chrono::Days::new(days);
        let (_, v) = c.status(&now.to_string());
        let mut keys: Vec<String> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["kind"] == "keys")
            .map(|i| {
                assert_eq!(i["code"], code);
                i["subject"].as_str().unwrap().to_string()
            })
            .collect();
        keys.sort();
        assert_eq!(keys, team_keys, "{days} days on");
    }

    // After the window: overdue; a non-key file among keys is a stray file.
    std::fs::write(pack.join("keys/security-team/todo.txt"), "x").unwrap();
    let (code, v) = c.status("2026-04-20");
    assert_eq!(code, 1);
    let codes: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "canary-overdue",
            "tracker-awaiting-triage",
            "stray-file",
            "unsigned-file"
        ]
    );
    std::fs::remove_file(pack.join("keys/security-team/todo.txt")).unwrap();

    // Triaged and removed: nothing needs attention; the text says so.
    std::fs::write(
        pack.join("tracker/xsa.toml"),
        "version = 1\n\n[[advisory]]\nnumber = 471\naffected = \"no\"\n",
    )
    .unwrap();
    std::fs::remove_file(pack.join("notes.txt")).unwrap();
    let out = c.run(&[
        "status",
        pack.to_str().unwrap(),
        "--master",
        &c.master,
        "--now",
        "2026-01-06",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("next canary due by 2026-04-14") && text.contains("nothing needs attention"),
        "{text}"
    );
    // A broken tracker is reported, not fatal; a bad date is a usage error.
    std::fs::write(pack.join("tracker/xsa.toml"), "version = [\n").unwrap();
    let (code, v) = c.status("2026-01-06");
    assert_eq!(code, 1);
    assert_eq!(v["items"][0]["code"], "tracker-unreadable");
    let out = c.run(&[
        "status",
        pack.to_str().unwrap(),
        "--master",
        &c.master,
        "--now",
        "soon",
    ]);
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_file(pack.join("tracker/xsa.toml")).unwrap();

    // With a [[team]] table, the members named there are the ones owed a
    // signature: emeritus members and members without a key are not.
    let out = c.ok(&[
        "--json",
        "qsb",
        "new",
        "--pack",
        pack.to_str().unwrap(),
        "--title",
        "Half signed",
        "--date",
        "2026-01-06",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let qsb = v["path"].as_str().unwrap().to_string();
    assert!(c.sign_with_key(&qsb, "alice").status.success());
    let config = pack.join("secpack.toml");
    let base = std::fs::read_to_string(&config).unwrap();
    let team = |bob_emeritus: bool| {
        format!(
            "{base}\n[[team]]\nname = \"Alice\"\nsigner = \"alice\"\n\
             [[team]]\nname = \"Bob\"\nsigner = \"bob\"\nemeritus = {bob_emeritus}\n\
             [[team]]\nname = \"Carol\"\nsigner = \"carol\"\n"
        )
    };
    for (bob_emeritus, missing, words) in [
        (false, serde_json::json!(["bob"]), "not signed yet by bob"),
        (
            true,
            serde_json::json!([]),
            "every team member who may sign it has signed",
        ),
    ] {
        std::fs::write(&config, team(bob_emeritus)).unwrap();
        c.sign_config();
        let (code, v) = c.status("2026-01-07");
        assert_eq!(code, 1);
        let items = v["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{v:#}");
        assert_eq!(items[0]["subject"], qsb.as_str());
        assert_eq!(
            items[0]["missing_signers"]
                .as_array()
                .map_or(serde_json::json!([]), |a| serde_json::json!(a)),
            missing
        );
        assert!(
            items[0]["message"].as_str().unwrap().contains(words),
            "{v:#}"
        );
    }
}

/// Runs `sign --gpg` with a gpg stand-in that starts an armoured signature,
/// then dies (`kill_parent`: takes secpack down with it).
fn interrupted_sign(c: &Ceremony, doc: &str, kill_parent: bool) -> Output {
    let victim = if kill_parent { "$PPID" } else { "$$" };
    let script = c.dir.path().join(format!("dying-gpg-{kill_parent}"));
    std::fs::write(
        &script,
        format!("#!/bin/sh\nprintf -- '-----BEGIN PGP SIGNATURE-----\\n\\nwnUEABYKAB0'\nkill -9 {victim}\nexit 0\n"),
    )
    .unwrap();
    make_executable(&script);
    c.run(&[
        "sign",
        "--pack",
        c.pack().to_str().unwrap(),
        "--master",
        &c.master,
        "--as",
        "alice",
        "--gpg",
        "--gpg-program",
        script.to_str().unwrap(),
        c.pack().join(doc).to_str().unwrap(),
    ])
}

#[test]
fn interrupted_signing_leaves_no_partial_signature() {
    let c = ceremony(false);
    let doc = "QSBs/qsb-001-2026.txt";
    std::fs::write(c.pack().join(doc), "a bulletin\n").unwrap();
    let files_before = c.files();
    // gpg killed half-way through its output.
    let out = interrupted_sign(&c, doc, false);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(c.files(), files_before);
    // secpack itself killed while gpg runs.
    let out = interrupted_sign(&c, doc, true);
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(out.status.signal(), Some(9));
    assert_eq!(c.files(), files_before, "no .sig nor temporary file left");
}

/// Keeps a folder unwritable while alive: mode 0555, and for users whom
/// permission bits do not bind (root), the immutable attribute.
struct Unwritable(PathBuf);

impl Unwritable {
    /// `None` when this machine offers no way to make `folder` unwritable.
    fn make(folder: &Path) -> Option<Self> {
        use std::os::unix::fs::PermissionsExt;
        let guard = Self(folder.to_path_buf());
        std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o555)).unwrap();
        if guard.writable() {
            let _ = Command::new("chattr").arg("+i").arg(folder).output();
        }
        (!guard.writable()).then_some(guard)
    }
    fn writable(&self) -> bool {
        let probe = self.0.join(".probe");
        let ok = std::fs::write(&probe, "x").is_ok();
        let _ = std::fs::remove_file(&probe);
        ok
    }
}

impl Drop for Unwritable {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        let _ = Command::new("chattr").arg("-i").arg(&self.0).output();
        let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o755));
    }
}

#[test]
fn signing_or_drafting_into_an_unwritable_folder_writes_nothing() {
    let c = ceremony(false);
    let doc = "QSBs/qsb-001-2026.txt";
    std::fs::write(c.pack().join(doc), "a bulletin\n").unwrap();
    let Some(guard) = Unwritable::make(&c.pack().join("QSBs")) else {
        eprintln!("skipped: no way to make a folder unwritable for this user");
        return;
    };
    let files_before = c.files();
    let out = c.sign_with_key(doc, "alice");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("QSBs"), "{err}");
    let out = c.run(&[
        "qsb",
        "new",
        "--pack",
        c.pack().to_str().unwrap(),
        "--title",
        "Nowhere to go",
    ]);
    assert_eq!(out.status.code(), Some(2));
    drop(guard);
    assert_eq!(c.files(), files_before);
}
