//! A new team's whole first day, from an empty folder, with secpack alone:
//! `init`; a master key, two members, a release key and the team's
//! report-encryption key, all certified; `secpack.toml` signed; two bulletins
//! written and signed by both members; a canary with an offline proof of
//! freshness, signed by both; a release digest; `verify --strict`; the
//! commit tagged by both members (`tag`) and `verify --history`; the site;
//! `serve`; a report submitted over HTTP, read with `inbox show` and
//! decrypted with the team's key. No gpg, no hand-made keys, no network
//! beyond 127.0.0.1.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use secpack_testsupport::cli::{command, listening_address, Ran};
use secpack_testsupport::http::{request, try_submit_report};

const PASSPHRASE: &str = "first day throwaway passphrase";

struct Day {
    dir: tempfile::TempDir,
}

impl Day {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for d in ["secrets", "home"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        std::fs::write(dir.path().join("secrets/pass"), format!("{PASSPHRASE}\n")).unwrap();
        Day { dir }
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    fn pack(&self) -> PathBuf {
        self.path("pack")
    }
    fn p(&self) -> String {
        self.pack().to_str().unwrap().to_string()
    }
    fn secret(&self, who: &str) -> String {
        self.path(&format!("secrets/{who}.key"))
            .to_str()
            .unwrap()
            .to_string()
    }
    fn pass(&self) -> String {
        self.path("secrets/pass").to_str().unwrap().to_string()
    }
    fn cmd(&self) -> Command {
        let mut c = command(env!("CARGO_BIN_EXE_secpack"));
        let home = self.path("home");
        c.env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env("GNUPGHOME", home.join("no-gnupg"))
            .env_remove("SECPACK_GPG")
            .env_remove("EDITOR")
            .env_remove("VISUAL");
        c
    }
    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }
    /// Runs, asserts exit 0, returns standard output.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        out.assert_success();
        String::from_utf8(out.stdout).unwrap()
    }
    fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }
    /// `key generate` with the given role arguments; returns the public key
    /// file, relative to the pack.
    fn generate(&self, who: &str, role: &[&str]) -> String {
        let (p, secret, pass) = (self.p(), self.secret(who), self.pass());
        let mut args = vec!["key", "generate", "--pack", &p];
        args.extend_from_slice(role);
        args.extend_from_slice(&[
            "--algo",
            "ed25519",
            "--expires",
            "2y",
            "-o",
            &secret,
            "--passphrase-file",
            &pass,
        ]);
        let v = self.json(&args);
        v["public"].as_str().unwrap().to_string()
    }
    fn sign(&self, master: &str, who: &str, doc: &str) {
        let (p, secret, pass) = (self.p(), self.secret(who), self.pass());
        let file = self.pack().join(doc);
        self.ok(&[
            "sign",
            "--pack",
            &p,
            "--master",
            master,
            "--as",
            who,
            "--key",
            &secret,
            "--passphrase-file",
            &pass,
            file.to_str().unwrap(),
        ]);
    }
}

/// Replaces every line of template guidance with the team's own words.
fn finish_bulletin(path: &Path) {
    let mut text = std::fs::read_to_string(path).unwrap();
    for _ in 0..20 {
        let left = secpack::bulletin::template::template_lines(&text);
        if left.is_empty() {
            break;
        }
        for l in left {
            text = text.replacen(&l.text, "Written by the team on its first day.", 1);
        }
    }
    assert!(secpack::bulletin::template::template_lines(&text).is_empty());
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_new_team_does_its_whole_first_day_with_secpack_alone() {
    let day = Day::new();
    let p = day.p();

    // The pack, with the project's contact filled in.
    day.ok(&["init", &p, "--project", "First Day Project"]);
    let config = day.pack().join("secpack.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text
        .replacen(
            "# url = \"https://example.org/security/\"",
            "url = \"https://first-day.invalid/security/\"",
            1,
        )
        .replacen(
            "# contact = \"security@example.org\"",
            "contact = \"mailto:security@first-day.invalid\"",
            1,
        );
    assert!(text.contains("contact = \"mailto:"), "the template changed");
    std::fs::write(&config, text).unwrap();

    // Keys: master, two members, release, and the report-encryption key.
    let master_file = day.generate("master", &["--role", "master", "--name", "master"]);
    let master = {
        use sequoia_openpgp::parse::Parse;
        sequoia_openpgp::Cert::from_file(day.pack().join(&master_file))
            .unwrap()
            .fingerprint()
            .to_hex()
    };
    let mut to_certify = Vec::new();
    for (who, role) in [
        ("alice", "security-team"),
        ("bob", "security-team"),
        ("release", "release"),
    ] {
        to_certify.push(day.generate(who, &["--role", role, "--name", who]));
    }
    to_certify.push(day.generate("email", &["--encryption"]));
    for key in &to_certify {
        let file = day.pack().join(key);
        day.ok(&[
            "key",
            "certify",
            "--pack",
            &p,
            file.to_str().unwrap(),
            "--master-key",
            &day.secret("master"),
            "--passphrase-file",
            &day.pass(),
        ]);
    }
    let keys = day.json(&["key", "list", "--pack", &p, "--master", &master]);
    let certified = keys
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["status"] == "certified")
        .count();
    assert_eq!(certified, 4, "{keys:#}");

    // The configuration counts once both members sign it.
    for who in ["alice", "bob"] {
        day.sign(&master, who, "secpack.toml");
    }

    // Two bulletins, written and signed by both.
    for (title, date) in [
        ("Stack overflow in the first parser", "2026-11-02"),
        ("Race in the second daemon", "2026-11-20"),
    ] {
        let v = day.json(&["qsb", "new", "--pack", &p, "--title", title, "--date", date]);
        let qsb = v["path"].as_str().unwrap().to_string();
        finish_bulletin(&day.pack().join(&qsb));
        for who in ["alice", "bob"] {
            day.sign(&master, who, &qsb);
        }
    }

    // A canary with a proof of freshness written offline, dated today.
    let proof = day.path("proof.txt");
    std::fs::write(
        &proof,
        format!(
            "{}\n\nSource: Offline News (https://news.first-day.invalid/rss)\n\
             The first headline of the day\nThe second headline\n\n\
             Source: Bitcoin\n00000000000000000002f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566\n",
            chrono::Utc::now().format("%a, %d %b %Y %H:%M:%S +0000")
        ),
    )
    .unwrap();
    let v = day.json(&[
        "canary",
        "new",
        "--pack",
        &p,
        "--master",
        &master,
        "--freshness",
        proof.to_str().unwrap(),
    ]);
    let canary = v["path"].as_str().unwrap().to_string();
    for who in ["alice", "bob"] {
        day.sign(&master, who, &canary);
    }

    // A release digest signed by the release key, and checked.
    let image = day.path("First-Day-1.0.iso");
    std::fs::write(&image, b"a release image\n".repeat(1000)).unwrap();
    std::fs::create_dir_all(day.pack().join("digests")).unwrap();
    let digests = day.pack().join("digests/First-Day-1.0.iso.DIGESTS");
    day.ok(&[
        "digest",
        "make",
        image.to_str().unwrap(),
        "-o",
        digests.to_str().unwrap(),
        "--pack",
        &p,
        "--master",
        &master,
        "--sign-as",
        "release",
        "--key",
        &day.secret("release"),
        "--passphrase-file",
        &day.pass(),
    ]);
    day.ok(&[
        "digest",
        "check",
        image.to_str().unwrap(),
        "--digests",
        digests.to_str().unwrap(),
        "--pack",
        &p,
        "--master",
        &master,
    ]);

    // The whole pack verifies strictly, its configuration signed.
    let v = day.json(&["verify", &p, "--master", &master, "--strict"]);
    assert_eq!(v["summary"]["ok"], true, "{:#}", v["summary"]);
    assert_eq!(v["config"]["status"], "signed");
    let docs = v["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 5, "{docs:#?}"); // config, 2 bulletins, canary, digests
    assert!(docs.iter().all(|d| d["ok"] == true));
    // Committed, then tagged by both members: the state verifies too.
    secpack_testsupport::Git::unsigned().commit_all(&day.pack(), "first day");
    for who in ["alice", "bob"] {
        let (secret, pass) = (day.secret(who), day.pass());
        let tagged = day.json(&[
            "tag",
            "--pack",
            &p,
            "--master",
            &master,
            "--as",
            who,
            "--key",
            &secret,
            "--passphrase-file",
            &pass,
        ]);
        assert!(tagged["tag"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{who}_sec_")));
    }
    let v = day.json(&["verify", &p, "--master", &master, "--strict", "--history"]);
    assert_eq!(v["summary"]["ok"], true, "{:#}", v["summary"]);
    assert_eq!(v["head"]["status"], "covered");
    assert_eq!(v["head"]["covered_by"].as_array().unwrap().len(), 2);
    assert_eq!(v["history"]["ok"], true, "{:#}", v["history"]);
    let status = day.run(&["--json", "status", &p, "--master", &master]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert!(
        status["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["kind"] != "signatures"),
        "{status:#}"
    );

    // The site, with a security.txt that names the contact and the key.
    let site = day.path("site");
    let built = day.ok(&[
        "site",
        "build",
        &p,
        "-o",
        site.to_str().unwrap(),
        "--master",
        &master,
        "--base-url",
        "https://first-day.invalid/security/",
    ]);
    let security_txt = std::fs::read_to_string(site.join(".well-known/security.txt")).unwrap();
    assert!(
        security_txt.contains("Contact: mailto:security@first-day.invalid"),
        "{security_txt}"
    );
    assert!(
        security_txt.contains("Encryption:"),
        "{security_txt}\n{built}"
    );

    // The server takes a report; the team reads it with its own key.
    let db = day.path("inbox.sqlite");
    let mut server = day
        .cmd()
        .args(["serve", &p, "--master", &master, "--addr", "127.0.0.1:0"])
        .arg("--db")
        .arg(&db)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let addr = listening_address(&mut server);
    let (status, _) = request(&addr, "GET", "/report/", "text/plain", b"");
    assert_eq!(status, 200);
    let (status, answer) = try_submit_report(
        &addr,
        "Heap overflow in the first parser",
        "Send a 70000-byte header; it crashes.\nSecond line.",
        "1.0",
    )
    .unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(status, 201, "{answer}");
    let receipt: serde_json::Value = serde_json::from_str(&answer).unwrap();
    let id = receipt["id"].as_str().unwrap();
    // Nothing of the report is stored in clear.
    let stored = std::fs::read(&db).unwrap();
    assert!(!String::from_utf8_lossy(&stored).contains("Heap overflow"));

    let listed = day.json(&["inbox", "--db", db.to_str().unwrap(), "list"]);
    assert!(listed.to_string().contains(id), "{listed:#}");
    let shown = day.json(&[
        "inbox",
        "--db",
        db.to_str().unwrap(),
        "show",
        id,
        "--key",
        &day.secret("email"),
        "--passphrase-file",
        &day.pass(),
    ]);
    assert_eq!(
        shown["report"]["summary"],
        "Heap overflow in the first parser"
    );
    assert_eq!(
        shown["report"]["details"],
        "Send a 70000-byte header; it crashes.\nSecond line."
    );
}
