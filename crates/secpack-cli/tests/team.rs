//! The security team's ceremony end to end: a new pack, keys made and
//! certified, a bulletin and a canary (its proof of freshness gathered from
//! fixture servers on 127.0.0.1) signed by two members (one with a key file,
//! one through gpg), `secpack status` before and after, then `verify_pack` and
//! `gpg --verify` on every signature; and the refusals (untrusted keys, wrong
//! passphrases, number collisions, corrupt keys, unwritable destinations,
//! failed self-checks, interrupted signing).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use secpack_testsupport::cli::{command_at_home, json_error, Ran};
use secpack_testsupport::fs::{make_executable, relative_files};
use secpack_testsupport::http::{ok, rss, Server};
use secpack_testsupport::pack::verify_at;
use secpack_testsupport::{Argv, Gpg};

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
    /// `secpack` with this ceremony's home for configuration.
    fn cmd(&self) -> Command {
        let mut c = command_at_home(env!("CARGO_BIN_EXE_secpack"), &self.home());
        c.env_remove("SECPACK_GPG");
        c
    }
    fn run<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(&self, args: I) -> Output {
        self.cmd().args(args).output().unwrap()
    }
    /// Runs and asserts success; returns stdout.
    fn ok<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(&self, args: I) -> String {
        let out = self.run(args);
        out.assert_success();
        String::from_utf8(out.stdout).unwrap()
    }

    // The argument lists the ceremony's commands start with.

    /// `WORDS --pack PACK`.
    fn in_pack(&self, words: &[&str]) -> Argv {
        Argv::of(words).opt("--pack", self.pack())
    }
    /// `WORDS --pack PACK --master PIN`.
    fn pinned(&self, words: &[&str]) -> Argv {
        self.in_pack(words).opt("--master", &self.master)
    }
    /// `WORDS PACK --master PIN`, for the commands that take the pack as
    /// their argument (`verify`, `status`, `canary audit`).
    fn pinned_arg(&self, words: &[&str]) -> Argv {
        Argv::of(words)
            .arg(self.pack())
            .opt("--master", &self.master)
    }
    /// `sign --pack PACK --master PIN --as WHO`.
    fn sign(&self, who: &str) -> Argv {
        self.pinned(&["sign"]).opt("--as", who)
    }
    /// `--passphrase-file` with the ceremony's passphrase.
    fn passphrase(&self) -> Argv {
        Argv::default().opt("--passphrase-file", self.passfile())
    }
    /// `--key` with `who`'s secret key file, and its passphrase.
    fn key_args(&self, who: &str) -> Argv {
        Argv::default()
            .opt("--key", self.secret(who))
            .args(self.passphrase())
    }
    /// `key certify --pack PACK FILE --master-key` with `master`'s secret key
    /// file (no passphrase).
    fn certify_args(&self, file: &Path, master: &str) -> Argv {
        self.in_pack(&["key", "certify"])
            .arg(file)
            .opt("--master-key", self.secret(master))
    }
    /// `inbox --db DB show ID --key SECRET` with the ceremony's passphrase.
    fn inbox_show(&self, db: &Path, id: &str, secret: &Path) -> Argv {
        Argv::of(["inbox"])
            .opt("--db", db)
            .args(["show", id])
            .opt("--key", secret)
            .args(self.passphrase())
    }
    /// `key generate --pack PACK --role ROLE --name NAME --algo ALGO`.
    fn generate_args(&self, role: &str, name: &str, algo: &str) -> Argv {
        self.in_pack(&["key", "generate"])
            .opt("--role", role)
            .opt("--name", name)
            .opt("--algo", algo)
    }

    fn generate(&self, role: &str, name: &str, algo: &str) -> String {
        let secret = self.secret(name);
        let out = self.ok(Argv::of(["--json"])
            .args(self.generate_args(role, name, algo))
            .opt("--expires", "2y")
            .opt("-o", &secret)
            .args(self.passphrase()));
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v["public"].as_str().unwrap().to_string()
    }
    fn certify(&self, keyfile: &str) {
        let path = self.pack().join(keyfile);
        self.ok(self.certify_args(&path, "master").args(self.passphrase()));
    }
    fn sign_with_key(&self, file: &str, who: &str) -> Output {
        self.run(
            self.sign(who)
                .args(self.key_args(who))
                .arg(self.pack().join(file)),
        )
    }
    /// `secpack --json status` on `now`: exit status and document.
    /// alice and bob sign `secpack.toml` (again, after a change), as its
    /// settings count for verifiers only when signed.
    fn sign_config(&self) {
        for who in ["alice", "bob"] {
            let out = self.run(
                self.sign(who)
                    .args(self.key_args(who))
                    .arg("--force")
                    .arg(self.pack().join("secpack.toml")),
            );
            out.assert_success();
        }
    }

    fn status(&self, now: &str) -> (i32, serde_json::Value) {
        let out = self.run(self.pinned_arg(&["--json", "status"]).opt("--now", now));
        (out.status.code().unwrap(), out.json())
    }
    fn files(&self) -> Vec<String> {
        relative_files(&self.pack())
    }
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
    c.ok([
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

/// Writes the team's text over the template's guidance of a drafted
/// bulletin, as a writer does before signing.
fn finish_draft(path: &Path) {
    let mut text = std::fs::read_to_string(path).unwrap();
    let mut left = secpack::bulletin::template::template_lines(&text);
    assert!(!left.is_empty(), "a fresh draft holds template text");
    // Every line is reported; a second look finds none left.
    while !left.is_empty() {
        let lines: Vec<&str> = text
            .lines()
            .enumerate()
            .map(|(i, l)| match left.iter().any(|t| t.line == i + 1) {
                true => "Text written by the team.",
                false => l,
            })
            .collect();
        text = lines.join("\n") + "\n";
        left = secpack::bulletin::template::template_lines(&text);
    }
    std::fs::write(path, text).unwrap();
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
    let out = c.ok(c
        .in_pack(&["--json", "qsb", "new"])
        .opt("--title", "Stack overflow in the test parser")
        .opt("--xsa", "470")
        .opt("--date", "2026-01-05"));
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
    finish_draft(&pack.join(qsb));

    // The canary: its proof of freshness is gathered from the sources the
    // pack configures (fixture servers here), dated today.
    let server = freshness_sources();
    configure_freshness(&pack, &server);
    c.sign_config();
    let out = c.ok(c.pinned(&["--json", "canary", "new"]));
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
        out.assert_success();
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
    let out = c.run(
        c.pinned_arg(&["--json", "canary", "audit"])
            .opt("--now", &issued),
    );
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
    bob_home.import(&c.secret("bob"));
    let wrapper = gpg_wrapper(&c, bob_home.path());
    for doc in [qsb, canary] {
        let out = c.run(
            c.sign("bob")
                .arg("--gpg")
                .opt("--gpg-program", &wrapper)
                .arg(pack.join(doc)),
        );
        out.assert_success();
    }

    // Both signed: nothing needs attention, and the canary audits clean.
    let (code, v) = c.status(&issued);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["items"], serde_json::json!([]));
    assert_eq!(v["attention"], false);
    assert_eq!(v["next_canary_due"], due.to_string());
    let out = c.run(c.pinned_arg(&["canary", "audit"]).opt("--now", &issued));
    out.assert_success();

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
    let report = verify_at(&pack, &c.master, secpack_testsupport::strict());
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
    let out = c.run(["verify", "--master", &c.master, pack.to_str().unwrap()]);
    out.assert_success();

    // GnuPG accepts every signature secpack made, with only the pack's keys.
    let gpg = Gpg::new();
    for f in c
        .files()
        .iter()
        .filter(|f| f.starts_with("keys/") && f.ends_with(".asc"))
    {
        gpg.import(&pack.join(f));
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
    assert_eq!(out.status.code(), Some(1), "a refusal is a failure");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not trusted") && err.contains("[untrusted-key]"),
        "{err}"
    );
    assert!(!pack.join(format!("{qsb}.sig.mallory")).exists());

    // alice's key may not sign as bob.
    let out = c.run(
        c.sign("bob")
            .args(c.key_args("alice"))
            .arg(pack.join(canary))
            .arg("--force"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not belong to \"bob\""));

    // The next bulletin gets number 2; number 1 is refused.
    let out = c.run(
        c.in_pack(&["qsb", "new"])
            .opt("--title", "Again")
            .opt("--number", "1"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("bulletin number 1 is taken by QSBs/qsb-001-2026.txt"));
    let out = c.ok(c
        .in_pack(&["--json", "qsb", "new"])
        .opt("--title", "Next one")
        .opt("--date", "2026-02-01"));
    assert!(
        out.contains("\"number\":2") || out.contains("\"number\": 2"),
        "{out}"
    );

    // qsb list shows both, the first signed, the second not yet.
    let out = c.run(c.pinned(&["--json", "qsb", "list"]));
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
    let out = c.ok(c.pinned(&["--json", "key", "list"]));
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
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("has role \"release\", which may not sign in QSBs/"),
        "{err}"
    );
    assert!(!sig("rel").exists());

    // Once bob's key is retired, bob can no longer sign; alice still can.
    c.ok(c.in_pack(&["key", "retire"]).arg("bob"));
    let out = c.sign_with_key(doc, "bob");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bob"), "{err}");
    assert!(!sig("bob").exists());
    let out = c.sign_with_key(doc, "alice");
    out.assert_success();
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
    let out = c.run(
        c.sign("alice")
            .opt("--key", c.secret("alice"))
            .opt("--passphrase-file", &wrong)
            .arg(pack.join(doc)),
    );
    assert_eq!(out.status.code(), Some(1));
    // It names alice's key as every other message does: by its primary
    // key's fingerprint, not by the signing subkey's.
    let alice_file = std::fs::read_dir(pack.join("keys/security-team"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("alice-")
        })
        .unwrap();
    let alice = fingerprint_of(&std::fs::read(alice_file).unwrap());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "wrong passphrase for the secret key {alice} [wrong-passphrase]"
        )),
        "{err}"
    );
    // Missing passphrase (no terminal to ask).
    let out = c.run(
        c.sign("alice")
            .opt("--key", c.secret("alice"))
            .arg(pack.join(doc)),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--passphrase-file"));
    // Missing passphrase file.
    let out = c.run(
        c.sign("alice")
            .opt("--key", c.secret("alice"))
            .opt("--passphrase-file", "/nonexistent/pass")
            .arg(pack.join(doc)),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/pass"));
    assert!(!pack.join(format!("{doc}.sig.alice")).exists());

    // Wrong master passphrase: the key file is left as it was.
    let carol = c.generate("security-team", "carol", "ed25519");
    let before = std::fs::read(pack.join(&carol)).unwrap();
    let out = c.run(
        c.certify_args(&pack.join(&carol), "master")
            .opt("--passphrase-file", &wrong),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read(pack.join(&carol)).unwrap(), before);
    // A member key cannot certify.
    let out = c.run(
        c.certify_args(&pack.join(&carol), "alice")
            .args(c.passphrase()),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not the pack's master key"));

    let files_before = c.files();
    // A secret key destination below a regular file, or inside the pack.
    let blocker = c.dir.path().join("a-file");
    std::fs::write(&blocker, "x").unwrap();
    // Below a regular file the write fails (an I/O error, exit 1); inside
    // the pack it is refused before anything is made (usage, exit 2).
    for (dest, status) in [(blocker.join("dave.key"), 1), (pack.join("dave.key"), 2)] {
        let out = c.run(
            c.generate_args("security-team", "dave", "ed25519")
                .opt("-o", &dest)
                .args(c.passphrase()),
        );
        assert_eq!(out.status.code(), Some(status), "{}", dest.display());
    }
    let out = c.run(
        c.generate_args("security-team", "dave", "ed25519")
            .opt("-o", pack.join("dave.key"))
            .args(c.passphrase()),
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("inside the pack"));
    // An empty passphrase is refused.
    let empty = c.dir.path().join("empty");
    std::fs::write(&empty, "\n").unwrap();
    let out = c.run(
        c.generate_args("security-team", "dave", "ed25519")
            .opt("-o", c.secret("dave"))
            .opt("--passphrase-file", &empty),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(!c.secret("dave").exists());
    assert_eq!(c.files(), files_before, "nothing was written to the pack");

    // init refuses a non-empty folder and a path below a regular file.
    let out = c.run(["init", pack.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not empty"));
    // A folder that cannot be created is an I/O error (exit 1).
    let out = c.run(["init", blocker.join("pack").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
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
        home.import(&c.secret("mallory"));
        let wrapper = gpg_wrapper(&c, home.path());
        let out = Command::new(&wrapper)
            .args(["--batch", "--detach-sign", "--armor", "-o"])
            .arg(&mallory_sig)
            .arg(pack.join(doc))
            .output()
            .unwrap();
        out.assert_success();
    }
    let fake = c.dir.path().join("fake-gpg");
    std::fs::write(
        &fake,
        format!("#!/bin/sh\ncat '{}'\n", mallory_sig.display()),
    )
    .unwrap();
    make_executable(&fake);
    let files_before = c.files();
    let out = c.run(
        c.sign("alice")
            .arg("--gpg")
            .opt("--gpg-program", &fake)
            .arg(pack.join(doc)),
    );
    assert_eq!(out.status.code(), Some(1));
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
    let out = c.run(
        c.sign("alice")
            .arg("--gpg")
            .opt("--gpg-program", &failing)
            .arg(pack.join(doc)),
    );
    assert_eq!(out.status.code(), Some(1));
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
    let out = c.ok(c.pinned(&["--json", "key", "list"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let carol = v
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["file"] == "keys/security-team/carol-0000.asc")
        .unwrap();
    assert_eq!(carol["status"], "malformed");
    let out = c.run(c.sign("carol").arg("--gpg").arg(pack.join(doc)));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("no current key of the pack belongs to \"carol\""));
    let out = c.run(c.certify_args(&corrupt, "master").args(c.passphrase()));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("carol-0000.asc"));
}

#[test]
fn retire_revoke_and_export() {
    let c = ceremony(false);
    let pack = c.pack();
    // export gives exactly the key file's certificate.
    let out = c.ok(c.in_pack(&["key", "export"]).arg("bob"));
    let bob_file = c.files().into_iter().find(|f| f.contains("/bob-")).unwrap();
    assert_eq!(
        fingerprint_of(out.as_bytes()),
        fingerprint_of(&std::fs::read(pack.join(&bob_file)).unwrap())
    );
    let out = c.run(c.in_pack(&["key", "export"]).arg("nobody"));
    assert_eq!(out.status.code(), Some(2));

    // bob revokes his key: the pack's file and the .rev file carry it.
    c.ok(c
        .in_pack(&["key", "revoke"])
        .opt("--key", c.secret("bob"))
        .args(c.passphrase())
        .opt("--reason", "leaving the team"));
    let rev = c.dir.path().join("secrets/bob.key.rev");
    assert!(std::fs::read_to_string(&rev)
        .unwrap()
        .contains("BEGIN PGP PUBLIC KEY BLOCK"));
    let out = c.ok(c.pinned(&["--json", "key", "list"]));
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
    gpg.import(&pack.join(&bob_file));
    let colons = String::from_utf8(gpg.run(&["--with-colons", "--list-keys"])).unwrap();
    assert!(colons.lines().any(|l| l.starts_with("pub:r:")), "{colons}");

    // Retire moves the file below retired/.
    c.ok(c.in_pack(&["key", "retire"]).arg("bob"));
    let (dir, name) = bob_file.rsplit_once('/').unwrap();
    assert!(pack.join(format!("{dir}/retired/{name}")).is_file());
    assert!(!pack.join(&bob_file).exists());
    let out = c.run(c.in_pack(&["key", "retire"]).arg("bob"));
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
    let fresh = c.dir.path().join("fresh.txt");
    std::fs::write(&fresh, FRESHNESS).unwrap();
    let f = fresh.to_str().unwrap();
    let new = |extra: &[&str]| c.run(c.pinned(&["--json", "canary", "new"]).args(extra));
    let out = new(&["--freshness", f, "--date", "2026-01-05"]);
    out.assert_success();
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
    // A proof without a date is a usage error (2); a file that cannot be
    // read is an I/O error (1) naming the file.
    for (file, words, status) in [
        (undated.to_str().unwrap(), "no RFC 5322 date line", 2),
        (
            "/nonexistent/fresh.txt",
            "reading /nonexistent/fresh.txt",
            1,
        ),
    ] {
        let out = new(&["--freshness", file]);
        assert_eq!(out.status.code(), Some(status), "{file}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(file) && err.contains(words), "{err}");
    }
    let out = c.run(c.in_pack(&["canary", "new"]).opt("--freshness", f));
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
    let proof = FRESHNESS
        .replace("Mon, 05 Jan", "Thu, 02 Apr")
        .replace("01a2b3", "09a2b3");
    std::fs::write(&april, proof).unwrap();
    let out = new(&[
        "--freshness",
        april.to_str().unwrap(),
        "--date",
        "2026-04-02",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["number"], 2);
    assert_eq!(v["path"], "canaries/canary-002-2026.txt");
    assert_eq!(v["facts"]["next_due"], "2026-07-14");

    // An unwritable pack: the canary folder is a regular file.
    let other = c.dir.path().join("other");
    c.ok(["init", other.to_str().unwrap(), "--project", "Other"]);
    std::fs::remove_dir_all(other.join("canaries")).unwrap();
    std::fs::write(other.join("canaries"), "in the way\n").unwrap();
    let out = c.run([
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
    assert_eq!(out.status.code(), Some(1));
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
    c.ok(c
        .pinned(&["canary", "new"])
        .opt("--freshness", &fresh)
        .opt("--date", "2026-01-05"));
    let canary = "canaries/canary-001-2026.txt";
    for who in ["alice", "bob"] {
        let out = c.sign_with_key(canary, who);
        out.assert_success();
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
    let out = c.run(c.pinned_arg(&["status"]).opt("--now", "2026-01-06"));
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
    let out = c.run(c.pinned_arg(&["status"]).opt("--now", "soon"));
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_file(pack.join("tracker/xsa.toml")).unwrap();

    // With a [[team]] table, the members named there are the ones owed a
    // signature: emeritus members and members without a key are not.
    let out = c.ok(c
        .in_pack(&["--json", "qsb", "new"])
        .opt("--title", "Half signed")
        .opt("--date", "2026-01-06"));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let qsb = v["path"].as_str().unwrap().to_string();
    finish_draft(&pack.join(&qsb));
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
    c.run(
        c.sign("alice")
            .arg("--gpg")
            .opt("--gpg-program", &script)
            .arg(c.pack().join(doc)),
    )
}

#[test]
fn interrupted_signing_leaves_no_partial_signature() {
    let c = ceremony(false);
    let doc = "QSBs/qsb-001-2026.txt";
    std::fs::write(c.pack().join(doc), "a bulletin\n").unwrap();
    let files_before = c.files();
    // gpg killed half-way through its output.
    let out = interrupted_sign(&c, doc, false);
    assert_eq!(out.status.code(), Some(1));
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
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("QSBs"), "{err}");
    let out = c.run(c.in_pack(&["qsb", "new"]).opt("--title", "Nowhere to go"));
    assert_eq!(out.status.code(), Some(1));
    drop(guard);
    assert_eq!(c.files(), files_before);
}

/// Runs a command line secpack printed (a `next:` hint, a command an error
/// message names) through `sh` in `cwd`, with `secpack` standing for the
/// binary under test and `extra` appended.
fn run_printed(c: &Ceremony, cwd: &Path, line: &str, extra: &str) -> Output {
    let line = line
        .strip_prefix("secpack ")
        .unwrap_or_else(|| panic!("not a secpack command: {line}"));
    let script = format!("'{}' {line} {extra}", env!("CARGO_BIN_EXE_secpack"));
    Command::new("sh")
        .args(["-c", &script])
        .current_dir(cwd)
        .env("HOME", c.home())
        .env("XDG_CONFIG_HOME", c.home())
        .env_remove("SECPACK_MASTER")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

/// The commands quoted between backticks in `text` that start with `start`.
fn quoted_commands<'a>(text: &'a str, start: &str) -> Vec<&'a str> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|q| q.starts_with(start) && q.contains(" --pack "))
        .collect()
}

/// The `next:` hints of a human `key generate`.
fn next_hints(stdout: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("next: ").map(str::to_string))
        .collect()
}

/// Decrypts `message` with gpg and the secret key file `secret` (imported
/// into a fresh GnuPG home; its passphrase given in loopback).
fn gpg_decrypt(c: &Ceremony, secret: &Path, message: &[u8]) -> Vec<u8> {
    let home = Gpg::new();
    home.import(secret);
    let input = c.dir.path().join("message.asc");
    std::fs::write(&input, message).unwrap();
    let out = Command::new("gpg")
        .env("GNUPGHOME", home.path())
        .args(["--batch", "--no-tty", "--pinentry-mode", "loopback"])
        .arg("--passphrase-file")
        .arg(c.passfile())
        .args(["--decrypt"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "gpg --decrypt: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Stores `message` in a fresh inbox and reads it back with `secpack inbox
/// show --key SECRET`.
fn inbox_decrypt(c: &Ceremony, secret: &Path, message: &[u8], db_name: &str) -> String {
    let db = c.dir.path().join(db_name);
    let inbox = secpack::report::inbox::Inbox::open(&db).unwrap();
    let id = inbox.insert(message, "test", chrono::Utc::now()).unwrap();
    drop(inbox);
    c.ok(c.inbox_show(&db, &id, secret))
}

#[test]
fn the_team_encryption_key_made_by_secpack_receives_reports() {
    use sequoia_openpgp::parse::Parse;
    use sequoia_openpgp::policy::StandardPolicy;
    use sequoia_openpgp::types::PublicKeyAlgorithm;

    let c = ceremony(false);
    let pack = c.pack();
    let root = pack.canonicalize().unwrap();
    let root = root.to_str().unwrap();
    let report = c.dir.path().join("report.txt");
    let text = "heap overflow in the frobnicator, found on a Tuesday\n";
    std::fs::write(&report, text).unwrap();
    let encrypt = || c.run(c.pinned(&["report", "encrypt"]).arg(&report));

    // No key for reports yet: the error says how to make one.
    let out = encrypt();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("[no-encryption-key]")
            && err.contains("secpack key generate --pack PACK --encryption"),
        "{err}"
    );

    // A signing key where the e-mail key goes: the error says what is
    // missing, and the exact commands for this pack.
    let signing = c.generate("security-team", "email", "ed25519");
    c.certify(&signing);
    let out = encrypt();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(err.contains("[no-encryption-subkey]"), "{err}");
    assert!(err.contains("no encryption subkey at all"), "{err}");
    assert!(
        !err.contains("expired, revoked, or weak"),
        "the old message blamed expiry: {err}"
    );
    let stem = signing
        .rsplit('/')
        .next()
        .unwrap()
        .trim_end_matches(".asc")
        .to_string();
    let retire = quoted_commands(&err, "secpack key retire");
    assert_eq!(
        retire,
        [format!("secpack key retire --pack {root} {stem}")],
        "{err}"
    );
    let generate = quoted_commands(&err, "secpack key generate");
    assert_eq!(
        generate,
        [format!(
            "secpack key generate --pack {root} --encryption -o SECRETFILE"
        )],
        "{err}"
    );

    // Follow the message, from another folder: retire, generate, then the
    // `next:` hint certifies it.
    let elsewhere = c.home();
    let out = run_printed(&c, &elsewhere, retire[0], "");
    out.assert_success();
    let cv_secret = c.dir.path().join("secrets/team-email-cv25519.key");
    let out = run_printed(
        &c,
        &elsewhere,
        &generate[0].replace("SECRETFILE", cv_secret.to_str().unwrap()),
        &format!(
            "--algo ed25519 --passphrase-file {}",
            c.passfile().display()
        ),
    );
    out.assert_success();
    let hints = next_hints(&out.stdout);
    assert_eq!(hints.len(), 2, "{hints:?}");
    assert!(hints[0].starts_with(&format!(
        "secpack key certify --pack {root} {root}/keys/security-team/email-"
    )));
    assert!(hints[1].starts_with(&format!("secpack report encrypt --pack {root} ")));
    let out = run_printed(
        &c,
        &elsewhere,
        &hints[0].replace("MASTERSECRET", c.secret("master").to_str().unwrap()),
        &format!("--passphrase-file {}", c.passfile().display()),
    );
    out.assert_success();

    // The new key: certification-only primary, one Curve25519 encryption
    // subkey, no signing key.
    let file = hints[0].split_whitespace().nth(5).unwrap().to_string();
    let cert = sequoia_openpgp::Cert::from_file(&file).unwrap();
    let policy = StandardPolicy::new();
    let vc = cert.with_policy(&policy, None).unwrap();
    assert_eq!(vc.keys().for_signing().count(), 0);
    let enc: Vec<_> = vc.keys().subkeys().for_storage_encryption().collect();
    assert_eq!(enc.len(), 1);
    assert_eq!(enc[0].key().pk_algo(), PublicKeyAlgorithm::ECDH);

    // Encrypted by secpack, decrypted by gpg and by secpack's inbox.
    let out = encrypt();
    out.assert_success();
    let message = out.stdout;
    assert!(message.starts_with(b"-----BEGIN PGP MESSAGE-----"));
    assert_eq!(gpg_decrypt(&c, &cv_secret, &message), text.as_bytes());
    let shown = inbox_decrypt(&c, &cv_secret, &message, "cv.sqlite");
    assert!(shown.contains(text.trim_end()), "{shown}");

    // `status` does not ask the encryption key to sign a bulletin.
    c.ok(c
        .in_pack(&["qsb", "new"])
        .opt("--title", "A bulletin nobody signed"));
    let (_, v) = c.status(&chrono::Utc::now().date_naive().to_string());
    let bulletin = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "below-threshold" && i["subject"] != "secpack.toml")
        .unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(
        bulletin["missing_signers"],
        serde_json::json!(["alice", "bob"]),
        "{bulletin:#}"
    );

    // The same with RSA: an RSA encryption subkey, the same interop.
    c.ok(c.in_pack(&["key", "retire"]).arg("email"));
    let rsa_secret = c.dir.path().join("secrets/team-email-rsa.key");
    let out = c.ok(c
        .in_pack(&["--json", "key", "generate"])
        .arg("--encryption")
        .opt("-o", &rsa_secret)
        .args(c.passphrase()));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["usage"], "encryption");
    let public = v["public"].as_str().unwrap().to_string();
    assert!(public.starts_with("keys/security-team/email-"), "{public}");
    c.certify(&public);
    let cert = sequoia_openpgp::Cert::from_file(pack.join(&public)).unwrap();
    let vc = cert.with_policy(&policy, None).unwrap();
    assert_eq!(vc.keys().for_signing().count(), 0);
    let enc: Vec<_> = vc.keys().subkeys().for_transport_encryption().collect();
    assert_eq!(enc.len(), 1);
    assert_eq!(enc[0].key().pk_algo(), PublicKeyAlgorithm::RSAEncryptSign);
    let out = encrypt();
    out.assert_success();
    let message = out.stdout;
    assert_eq!(gpg_decrypt(&c, &rsa_secret, &message), text.as_bytes());
    let shown = inbox_decrypt(&c, &rsa_secret, &message, "rsa.sqlite");
    assert!(shown.contains(text.trim_end()), "{shown}");
    // The key Ed25519 made cannot read what was encrypted to the RSA key.
    let db = c.dir.path().join("rsa.sqlite");
    let id = secpack::report::inbox::Inbox::open(&db)
        .unwrap()
        .list()
        .unwrap()[0]
        .id
        .clone();
    let out = c.run(c.inbox_show(&db, &id, &cv_secret));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn certifying_twice_changes_nothing_and_the_master_does_not_certify_itself() {
    let c = ceremony(false);
    let pack = c.pack();
    let alice = c
        .files()
        .into_iter()
        .find(|f| f.starts_with("keys/security-team/alice-"))
        .unwrap();
    let before = std::fs::read(pack.join(&alice)).unwrap();
    // No passphrase is needed to find there is nothing to do (none is
    // given, and there is no terminal to ask one).
    let certify = |file: &str| c.run(c.certify_args(&pack.join(file), "master"));
    let out = certify(&alice);
    out.assert_success();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("already certified"), "{stdout}");
    assert_eq!(std::fs::read(pack.join(&alice)).unwrap(), before);
    let out = c.ok(Argv::of(["--json"]).args(c.certify_args(&pack.join(&alice), "master")));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["changed"], false);
    assert_eq!(v["certified"], serde_json::json!([]));
    assert_eq!(v["already_certified"].as_array().unwrap().len(), 1);
    assert_eq!(std::fs::read(pack.join(&alice)).unwrap(), before);
    let cert = <sequoia_openpgp::Cert as sequoia_openpgp::parse::Parse<'_, _>>::from_bytes(&before)
        .unwrap();
    let certifications: usize = cert.userids().map(|u| u.certifications().count()).sum();
    assert_eq!(certifications, 1);

    // The master key certifying itself: refused, nothing written.
    let master = c
        .files()
        .into_iter()
        .find(|f| f.starts_with("keys/master-key/"))
        .unwrap();
    let master_before = std::fs::read(pack.join(&master)).unwrap();
    let out = c.run(
        c.certify_args(&pack.join(&master), "master")
            .args(c.passphrase()),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot certify itself"), "{err}");
    assert_eq!(std::fs::read(pack.join(&master)).unwrap(), master_before);
}

#[test]
fn generate_hints_name_the_pack_and_run_from_another_folder() {
    let c = ceremony(false);
    // `--pack` and `-o` relative to the folder holding the pack.
    let out = c
        .cmd()
        .args([
            "key",
            "generate",
            "--pack",
            "pack",
            "--role",
            "security-team",
            "--name",
            "carol",
            "--algo",
            "ed25519",
            "-o",
            "secrets/carol.key",
            "--passphrase-file",
            "secrets/pass",
        ])
        .current_dir(c.dir.path())
        .output()
        .unwrap();
    out.assert_success();
    let hints = next_hints(&out.stdout);
    assert_eq!(hints.len(), 1, "{hints:?}");
    let root = c.pack().canonicalize().unwrap();
    assert!(
        hints[0].starts_with(&format!("secpack key certify --pack {} ", root.display())),
        "{}",
        hints[0]
    );
    // Run as printed from the user's home, a folder outside the pack.
    let out = run_printed(
        &c,
        &c.home(),
        &hints[0].replace("MASTERSECRET", c.secret("master").to_str().unwrap()),
        &format!("--passphrase-file {}", c.passfile().display()),
    );
    out.assert_success();
    let out = c.ok(c.pinned(&["--json", "key", "list"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let carol = v
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "carol")
        .unwrap();
    assert_eq!(carol["status"], "certified", "{carol:#}");
    // The master key's generation hints nothing to certify.
    let out = c.ok(c
        .generate_args("master", "master2", "ed25519")
        .opt("-o", c.secret("master2"))
        .args(c.passphrase()));
    assert!(next_hints(out.as_bytes()).is_empty(), "{out}");
    // It says how to pin it instead, with its fingerprint.
    use sequoia_openpgp::parse::Parse;
    let master2 = c
        .files()
        .into_iter()
        .find(|f| f.starts_with("keys/master-key/master2-"))
        .expect("the new master key's file");
    let fpr = sequoia_openpgp::Cert::from_file(c.pack().join(&master2))
        .unwrap()
        .fingerprint()
        .to_hex();
    let pin = out
        .lines()
        .find(|l| l.starts_with("pin: "))
        .unwrap_or_else(|| panic!("no pin line: {out}"));
    assert!(pin.contains(&format!("SECPACK_MASTER={fpr}")), "{pin}");
}

#[test]
fn verify_warns_when_the_pin_is_a_team_members_key() {
    let c = ceremony(false);
    let pack = c.pack();
    let alice_file = c
        .files()
        .into_iter()
        .find(|f| f.starts_with("keys/security-team/alice-"))
        .unwrap();
    let alice = fingerprint_of(&std::fs::read(pack.join(&alice_file)).unwrap());
    let verify = |pin: &str, extra: &[&str]| {
        let mut args = vec!["verify", pack.to_str().unwrap(), "--master", pin];
        args.extend_from_slice(extra);
        c.run(&args)
    };
    // The real master: no such warning.
    let out = verify(&c.master, &[]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("pin-not-master-folder"));
    let out = verify(&c.master, &["--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["master"]["warnings"], serde_json::json!([]));

    // alice's key pinned as the master: warned, in text and JSON.
    let out = verify(&alice, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.contains("pin-not-master-folder"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        line.trim_start()
            .starts_with("warning: pin-not-master-folder: "),
        "{line}"
    );
    assert!(line.contains(&alice_file), "{line}");
    let out = verify(&alice, &["--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["master"]["file"], alice_file.as_str());
    let warnings = v["master"]["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0]
        .as_str()
        .unwrap()
        .starts_with("pin-not-master-folder: "));
    // A warning: not among the failures unless --strict.
    assert!(!v["summary"]["failures"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f.as_str().unwrap().contains("pin-not-master-folder")));
    let out = verify(&alice, &["--json", "--strict"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["summary"]["failures"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f.as_str().unwrap().starts_with("pin-not-master-folder")));
    // `key list` shows it on the pinned key.
    let out = c.ok(c
        .in_pack(&["--json", "key", "list"])
        .opt("--master", &alice));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let row = v
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["file"] == alice_file.as_str())
        .unwrap();
    assert!(row["pin_warnings"][0]
        .as_str()
        .unwrap()
        .starts_with("pin-not-master-folder"));
}

#[test]
fn key_list_without_a_pin_lists_the_facts_unjudged() {
    let c = ceremony(false);
    let out = c.run(c.in_pack(&["key", "list"]));
    out.assert_success();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<&str> = stdout.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(rows.len(), 4, "{stdout}");
    assert!(
        rows.iter().all(|r| r.starts_with("[unjudged] ")),
        "{stdout}"
    );
    assert!(
        stdout.contains("role security-team (certify, sign)"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("uncertified") && !stdout.contains("not certified"),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no master key fingerprint is pinned"));

    let out = c.ok(c.in_pack(&["--json", "key", "list"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 4);
    for r in rows {
        assert_eq!(r["status"], "unjudged", "{r:#}");
        assert!(r["fingerprint"].as_str().unwrap().len() == 40, "{r:#}");
        assert!(
            r["created"].is_string() && r["expires"].is_string(),
            "{r:#}"
        );
        assert!(r["certified"].is_null(), "{r:#}");
    }
    let master = rows.iter().find(|r| r["role"] == "master").unwrap();
    assert_eq!(master["fingerprint"], c.master.as_str());
    // With the pin, the verdicts.
    let out = c.ok(c.pinned(&["--json", "key", "list"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut statuses: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    statuses.sort();
    assert_eq!(
        statuses,
        ["certified", "certified", "master", "uncertified"]
    );
}

/// The armoured key `armored` with the last byte (the signature value) of
/// the master's certification changed.
fn alter_certification(armored: &[u8], master: &str) -> Vec<u8> {
    use sequoia_openpgp::parse::Parse;
    use sequoia_openpgp::serialize::SerializeInto;
    let cert = sequoia_openpgp::Cert::from_bytes(armored).unwrap();
    let handle: sequoia_openpgp::KeyHandle = master.parse().unwrap();
    let sig = cert
        .userids()
        .flat_map(|u| u.certifications().cloned().collect::<Vec<_>>())
        .find(|s| s.get_issuers().iter().any(|h| h.aliases(&handle)))
        .expect("a certification by the master");
    let mut bytes = cert.to_vec().unwrap();
    let packet = sequoia_openpgp::Packet::from(sig).to_vec().unwrap();
    let start = bytes
        .windows(packet.len())
        .position(|w| w == packet.as_slice())
        .unwrap();
    bytes[start + packet.len() - 1] ^= 0x01;
    let mut w =
        sequoia_openpgp::armor::Writer::new(Vec::new(), sequoia_openpgp::armor::Kind::PublicKey)
            .unwrap();
    std::io::Write::write_all(&mut w, &bytes).unwrap();
    w.finalize().unwrap()
}

#[test]
fn an_altered_key_file_is_reported_altered_and_not_certified_again() {
    let c = ceremony(false);
    let pack = c.pack();
    let bob_file = c
        .files()
        .into_iter()
        .find(|f| f.starts_with("keys/security-team/bob-"))
        .unwrap();
    let altered = alter_certification(&std::fs::read(pack.join(&bob_file)).unwrap(), &c.master);
    std::fs::write(pack.join(&bob_file), &altered).unwrap();

    let out = c.run(c.pinned_arg(&["--json", "verify"]));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let bob = v["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["file"] == bob_file.as_str())
        .unwrap();
    assert_eq!(bob["status"], "uncertified");
    let reason = bob["reason"].as_str().unwrap();
    assert!(
        reason.contains("does not verify")
            && reason.contains("the key file was altered")
            && !reason.starts_with("not certified"),
        "{reason}"
    );
    // Human output says it too.
    let out = c.run(c.pinned_arg(&["verify"]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("the key file was altered"));

    // Certifying it again is refused: nothing written.
    let out = c.run(
        c.certify_args(&pack.join(&bob_file), "master")
            .args(c.passphrase()),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("altered") && err.contains("instead of certifying it again"),
        "{err}"
    );
    assert_eq!(std::fs::read(pack.join(&bob_file)).unwrap(), altered);
}

#[test]
fn sign_finds_a_pack_relative_path_from_any_folder() {
    let c = ceremony(false);
    let out = c.ok(c
        .in_pack(&["--json", "qsb", "new"])
        .opt("--title", "Signed from another folder"));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let qsb = v["path"].as_str().unwrap().to_string();
    finish_draft(&c.pack().join(&qsb));
    // The path as `qsb new` printed it, run from a folder outside the pack.
    let mut sign = c.cmd();
    sign.current_dir(c.home())
        .args(c.sign("alice").args(c.key_args("alice")).arg(&qsb));
    sign.output().unwrap().assert_success();
    assert!(c.pack().join(format!("{qsb}.sig.alice")).is_file());
    // A file found neither there nor in the pack: a usage error naming both.
    let mut sign = c.cmd();
    sign.current_dir(c.home()).args(
        c.sign("alice")
            .args(c.key_args("alice"))
            .arg("QSBs/qsb-404-2026.txt"),
    );
    let v = json_error(&sign.arg("--json").output().unwrap(), 2);
    assert_eq!(v["error"]["code"], "bad-arguments", "{v:#}");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains("QSBs/qsb-404-2026.txt"), "{message}");
    assert!(message.contains("from the pack"), "{message}");
}
