//! Terminal injection (issue 14): text from a pack or a reporter never
//! reaches the terminal raw. One pack holds a document, a signature, an
//! unsigned file and a key file whose names carry escape sequences, a
//! newline and a forged verdict line; a certified key whose user ID does the
//! same; a bulletin title and a canary announcement with escape sequences.
//! An inbox holds reports whose fields do the same; upstream advisory titles,
//! image and digest-file paths, error messages and log lines carry them too.
//! Every human output, with and without colour, must show them escaped (no
//! control or bidi character but the CLI's own colours and line breaks, no
//! line a forged verdict); `--json` must keep them exact.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use secpack::report::inbox::Inbox;
use secpack_testsupport::*;

/// What an attacker puts in a name: a newline, then lines that look like
/// secpack's verdicts, then escape sequences (window title, clear screen)
/// and a right-to-left override. `FORGED` marks every forged line. (No
/// slash: it is one file name.)
const EVIL: &str =
    "\n  ok   FORGED.txt  2 of 2 signers\nOK the pack verifies FORGED\x1b]0;pwned\x07\x1b[2J\u{202e}";

/// Escape sequences without a newline, for one-line texts (titles).
const ESCAPES: &str = "\x1b]0;pwned\x07\x1b[2J FORGED\u{202e}\u{9b}31m";

const NOW: &str = "2024-03-02";

fn doc_path() -> String {
    format!("QSBs/note{EVIL}.txt")
}

struct Fixture {
    pack: TestPack,
    /// Holds the inbox database and the team's secret key file.
    dir: tempfile::TempDir,
    /// Receipt ids: a structured report, then a plain-text one.
    reports: [String; 2],
}

impl Fixture {
    fn db(&self) -> PathBuf {
        self.dir.path().join("inbox.sqlite")
    }
    fn team_secret(&self) -> PathBuf {
        self.dir.path().join("team-secret.asc")
    }
    fn pack_arg(&self) -> &str {
        self.pack.root().to_str().unwrap()
    }
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let k = keys();
        let pack = TestPack::with_email_key();

        // A key whose user ID forges lines, certified by the master.
        let eve_uid = format!("Eve{ESCAPES}{EVIL} <eve@test.invalid>");
        k.gpg.at(
            T_KEYS,
            &["--quick-gen-key", &eve_uid, "ed25519", "sign", "never"],
        );
        let eve = k.gpg.fingerprint("eve@test.invalid");
        k.gpg.certify(T_CERT, &k.master, &eve);
        pack.write("keys/security-team/eve-test.asc", &k.gpg.export(&eve));
        // A key file whose name forges lines (a copy of mallory's key).
        pack.write(
            &format!("keys/security-team/mallory{EVIL}.asc"),
            &k.gpg.export(&k.mallory),
        );

        // A bulletin with a forged title, one valid and one bad signature:
        // the pack does not verify, so any "OK the pack verifies" is forged.
        let bulletin = String::from_utf8(BULLETIN.to_vec())
            .unwrap()
            .replace("A title", &format!("Title {ESCAPES}"));
        pack.signed_doc(
            "QSBs/qsb-001-2024.txt",
            bulletin.as_bytes(),
            &[("alice", &k.alice)],
        );
        let bad = k.gpg.sign(T_SIGN, &k.bob, "SHA256", b"another text");
        pack.write("QSBs/qsb-001-2024.txt.sig.bob", &bad);

        // A document with a forged name signed by alice and by eve (signer
        // names themselves are plain words: eve's identity is her user ID),
        // a would-be signature whose signer name forges lines (so not a
        // signature: listed with the other files), and an unsigned file.
        let doc = doc_path();
        pack.signed_doc(&doc, b"A note.\n", &[("alice", &k.alice), ("eve", &eve)]);
        let sig = k.gpg.sign(T_SIGN, &k.bob, "SHA256", b"A note.\n");
        pack.write(&format!("{doc}.sig.bob{EVIL}"), &sig);
        pack.write(&format!("QSBs/unsigned{EVIL}.txt"), b"unsigned\n");

        // A canary with a forged special announcement.
        pack.write("canaries/canary-001-2024.txt", canary().as_bytes());

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("team-secret.asc"),
            k.gpg.export_secret(email_key()),
        )
        .unwrap();
        let inbox = Inbox::open(&dir.path().join("inbox.sqlite")).unwrap();
        let structured = serde_json::json!({
            "format": secpack::report::submission::PLAINTEXT_FORMAT,
            "summary": format!("summary {ESCAPES}{EVIL}"),
            "affected": format!("1.0\n2.0 {ESCAPES}"),
            "contact": format!("me@example.org{EVIL}"),
            "details": format!("line one\nline two\r FORGED{ESCAPES}\n\tindented"),
            "attachment": {
                "name": format!("poc{EVIL}.txt"),
                "content_type": format!("text/plain{ESCAPES}"),
                "size": 3,
                "base64": "YWJj",
            },
        });
        let plain = format!("A plain report {ESCAPES}\nsecond line\r FORGED\n");
        let reports = [
            serde_json::to_vec_pretty(&structured).unwrap(),
            plain.into_bytes(),
        ]
        .map(|text| {
            let ciphertext = encrypt(&dir, &text);
            inbox
                .insert(&ciphertext, email_key(), chrono::Utc::now())
                .unwrap()
        });
        Fixture { pack, dir, reports }
    })
}

/// `text` encrypted to the team's e-mail key with gpg.
fn encrypt(dir: &tempfile::TempDir, text: &[u8]) -> Vec<u8> {
    let input = dir.path().join("plain");
    let output = dir.path().join("plain.asc");
    std::fs::write(&input, text).unwrap();
    keys().gpg.run(&[
        "--trust-model",
        "always",
        "--armor",
        "--encrypt",
        "-r",
        email_key(),
        "-o",
        output.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    std::fs::read(output).unwrap()
}

fn canary() -> String {
    format!(
        "---===[ Test Canary 001 ]===---\n\nStatements\n----------\n\n\
         The team members who signed this file declare:\n\n\
         1. This canary's date of issue is March 1, 2024.\n\n\
         2. So far, 1 Test security bulletins have been published.\n\n\
         3. The Test Master Signing Key fingerprint is:\n\n   {}\n\n\
         4. Nobody served us a warrant.\n\n\
         5. The next canary will appear in the first fourteen days of June 2024.\n\n\
         Special announcements\n----------------------\n\n\
         Mirrors moved {ESCAPES} to a new home.\n\n\
         Proof of freshness\n------------------\n\n\
         Fri, 01 Mar 2024 01:02:03 +0000\n\n\
         Source: Wire (https://wire.example/rss)\nOne\nTwo\n\n\
         Source: Chain\n{:0>64}\n",
        keys().master,
        1
    )
}

/// Colour settings every human-output check runs under.
const COLOURS: [&str; 2] = ["never", "always"];

fn secpack() -> Command {
    let mut c = cli::command(env!("CARGO_BIN_EXE_secpack"));
    // Colour is chosen by each check's --color.
    c.env_remove("NO_COLOR").env("SECPACK_NO_CACHE", "1");
    c
}

/// Runs secpack with `--color colour` and returns its exit status and its
/// standard output and error together.
fn human(colour: &str, args: &[&str]) -> (Option<i32>, String) {
    run(secpack().args(["--color", colour]).args(args))
}

fn run(c: &mut Command) -> (Option<i32>, String) {
    let out = c.output().unwrap();
    let text = format!(
        "{}\n{}",
        String::from_utf8(out.stdout).expect("UTF-8 output"),
        String::from_utf8(out.stderr).expect("UTF-8 errors")
    );
    (out.status.code(), text)
}

/// `text` without the SGR colour sequences (`ESC [ digits ; m`) secpack
/// emits itself.
fn strip_sgr(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("\x1b[") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let params = after
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(after.len());
        if after[params..].starts_with('m') {
            rest = &after[params + 1..];
        } else {
            // Not a colour: kept, for the check to find.
            out.push_str("\x1b[");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The terminal-safety checks on one command's output: no control or bidi
/// character but newlines (and the CLI's own colours), no forged line, and
/// the escaped form of the evil text where `shows_escapes`.
fn assert_safe(what: &str, output: &str, shows_escapes: bool) {
    let text = strip_sgr(output);
    for c in text.chars() {
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        assert!(
            !bidi && (c == '\n' || c == '\t' || !c.is_control()),
            "{what}: raw {c:?} in the output:\n{text}"
        );
    }
    assert!(!text.contains('\x1b') && !text.contains('\x07') && !text.contains('\u{9b}'));
    for line in text.lines() {
        if let Some(i) = line.find("FORGED") {
            assert!(
                line[..i].contains('\\'),
                "{what}: a forged line starts unescaped: {line:?}\n{text}"
            );
        }
        let start = line.trim_start();
        assert!(
            !start.starts_with("OK the pack verifies FORGED") && !start.starts_with("ok   FORGED"),
            "{what}: forged verdict line {line:?}"
        );
    }
    if shows_escapes {
        for escaped in ["\\x1b", "\\x07", "\\u{202e}"] {
            assert!(
                text.contains(escaped),
                "{what}: no {escaped} shown:\n{text}"
            );
        }
    }
}

#[test]
fn verify_shows_names_signers_and_reasons_escaped() {
    let f = fixture();
    let master = &keys().master;
    for colour in COLOURS {
        let (code, out) = human(
            colour,
            &["verify", f.pack_arg(), "--master", master, "--all"],
        );
        assert_eq!(code, Some(1), "the bad signature fails the pack:\n{out}");
        assert_safe(&format!("verify --color {colour}"), &out, true);
        assert!(out.contains("note\\n  ok   FORGED.txt"), "{out}");
        assert!(out.contains(".txt.sig.eve: "), "{out}");
        assert!(out.contains(".sig.bob\\n  ok   FORGED.txt"), "{out}");
        assert!(out.contains("user ID Eve\\x1b]0;pwned"), "{out}");
        assert!(out.contains("FAILED"), "{out}");
        if colour == "always" {
            assert!(out.contains("\x1b["), "colour is still on:\n{out}");
        }
    }
}

#[test]
fn key_list_shows_user_ids_and_key_files_escaped() {
    let f = fixture();
    for colour in COLOURS {
        let (code, out) = human(
            colour,
            &[
                "key",
                "list",
                "--pack",
                f.pack_arg(),
                "--master",
                &keys().master,
            ],
        );
        assert_eq!(code, Some(0), "{out}");
        assert_safe(&format!("key list --color {colour}"), &out, true);
        assert!(out.contains("Eve\\x1b]0;pwned\\x07"), "{out}");
        assert!(out.contains("mallory\\n  ok   FORGED.txt"), "{out}");
    }
}

#[test]
fn qsb_list_status_and_canary_audit_show_pack_text_escaped() {
    let f = fixture();
    let master = &keys().master;
    let commands: [(&str, Vec<&str>); 3] = [
        (
            "qsb list",
            vec!["qsb", "list", "--pack", f.pack_arg(), "--master", master],
        ),
        (
            "status",
            vec!["status", f.pack_arg(), "--master", master, "--now", NOW],
        ),
        (
            "canary audit",
            vec![
                "canary",
                "audit",
                f.pack_arg(),
                "--master",
                master,
                "--now",
                NOW,
            ],
        ),
    ];
    for colour in COLOURS {
        for (what, args) in &commands {
            let (code, out) = human(colour, args);
            assert!(matches!(code, Some(0 | 1)), "{what}: {out}");
            assert_safe(&format!("{what} --color {colour}"), &out, true);
        }
    }
    let (_, out) = human("never", &commands[0].1);
    assert!(
        out.contains("Title \\x1b]0;pwned\\x07\\x1b[2J FORGED"),
        "{out}"
    );
    let (_, out) = human("never", &commands[2].1);
    assert!(out.contains("Mirrors moved \\x1b]0;pwned"), "{out}");
}

#[test]
fn inbox_list_and_show_escape_report_fields_and_keep_body_lines() {
    let f = fixture();
    let db = f.db();
    let db = db.to_str().unwrap();
    let key = f.team_secret();
    let key = key.to_str().unwrap();
    for colour in COLOURS {
        let (code, out) = human(colour, &["inbox", "--db", db, "list"]);
        assert_eq!(code, Some(0), "{out}");
        assert_safe(&format!("inbox list --color {colour}"), &out, false);
        assert!(
            out.contains(&f.reports[0]) && out.contains(&f.reports[1]),
            "{out}"
        );

        let (code, out) = human(
            colour,
            &["inbox", "--db", db, "show", &f.reports[0], "--key", key],
        );
        assert_eq!(code, Some(0), "{out}");
        assert_safe(&format!("inbox show --color {colour}"), &out, true);
        let plain = strip_sgr(&out);
        // One-line fields: escaped whole.
        assert!(plain.contains("summary: summary \\x1b]0;pwned"), "{plain}");
        assert!(
            plain.contains("contact: me@example.org\\n  ok   FORGED"),
            "{plain}"
        );
        assert!(
            plain.contains("attachment: \"poc\\n  ok   FORGED"),
            "{plain}"
        );
        // Multi-line fields keep their lines (affected versions indented).
        assert!(
            plain.contains("affected: 1.0\n  2.0 \\x1b]0;pwned"),
            "{plain}"
        );
        assert!(
            plain.contains("line one\nline two\\r FORGED\\x1b]0;pwned\\x07\\x1b[2J FORGED\\u{202e}\\u{9b}31m\n\tindented"),
            "{plain}"
        );

        let (code, out) = human(
            colour,
            &["inbox", "--db", db, "show", &f.reports[1], "--key", key],
        );
        assert_eq!(code, Some(0), "{out}");
        assert_safe(&format!("inbox show (text) --color {colour}"), &out, true);
        assert!(
            strip_sgr(&out).contains("A plain report \\x1b]0;pwned\\x07\\x1b[2J FORGED\\u{202e}\\u{9b}31m\nsecond line\\r FORGED\n"),
            "{out}"
        );
    }
}

/// Every string in a JSON document.
fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
        serde_json::Value::Object(o) => o.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

fn json(args: &[&str]) -> (Vec<String>, serde_json::Value) {
    let out = secpack().arg("--json").args(args).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    let mut all = Vec::new();
    strings(&v, &mut all);
    (all, v)
}

#[test]
fn json_output_keeps_the_exact_text() {
    let f = fixture();
    let master = &keys().master;
    let (all, _) = json(&["verify", f.pack_arg(), "--master", master]);
    assert!(all.contains(&doc_path()), "the raw document name: {all:#?}");
    assert!(
        all.iter().any(|s| s.ends_with(&format!(".sig.bob{EVIL}"))),
        "the raw signature name: {all:#?}"
    );
    let (all, _) = json(&["key", "list", "--pack", f.pack_arg(), "--master", master]);
    assert!(
        all.contains(&format!("Eve{ESCAPES}{EVIL} <eve@test.invalid>")),
        "the raw user ID: {all:#?}"
    );
    let (_, v) = json(&["qsb", "list", "--pack", f.pack_arg(), "--master", master]);
    assert_eq!(
        v["bulletins"][0]["title"].as_str(),
        Some(format!("Title {ESCAPES}").as_str())
    );
    let key = f.team_secret();
    let (_, v) = json(&[
        "inbox",
        "--db",
        f.db().to_str().unwrap(),
        "show",
        &f.reports[0],
        "--key",
        key.to_str().unwrap(),
    ]);
    assert_eq!(
        v["report"]["summary"].as_str(),
        Some(format!("summary {ESCAPES}{EVIL}").as_str())
    );
}

#[test]
fn errors_and_logs_are_escaped() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    // An error that quotes a path.
    let missing = dir.path().join(format!("missing{EVIL}"));
    for colour in COLOURS {
        let (code, out) = run(secpack()
            .args(["--color", colour, "verify"])
            .arg(&missing)
            .args(["--master", &keys().master]));
        assert_eq!(code, Some(2), "{out}");
        assert_safe(&format!("error --color {colour}"), &out, true);
        assert!(out.contains("missing\\n  ok   FORGED.txt"), "{out}");
    }
    // Log lines that quote a path (the signature cache's, from the
    // environment), at debug level.
    let cache = dir.path().join(format!("cache{EVIL}"));
    let state = dir.path().join("state");
    for colour in COLOURS {
        let (_, out) = run(secpack()
            .env_remove("SECPACK_NO_CACHE")
            .env("XDG_CACHE_HOME", &cache)
            .env("XDG_STATE_HOME", &state)
            .args(["--color", colour, "-vv", "verify", f.pack_arg()])
            .args(["--master", &keys().master]));
        assert_safe(&format!("logs --color {colour}"), &out, true);
        assert!(
            out.lines()
                .any(|l| l.contains("signature cache") && l.contains("cache\\n  ok   FORGED")),
            "{out}"
        );
    }
}

#[test]
fn the_pin_help_keeps_its_lines() {
    // The CLI's own multi-line error is not escaped.
    let (code, out) = run(secpack().args(["verify", "/nonexistent"]));
    assert_eq!(code, Some(2));
    assert!(out.contains("is pinned.\n"), "{out}");
    assert!(!out.contains("\\n"), "{out}");
}

#[test]
fn xsa_sync_and_list_show_upstream_titles_escaped() {
    let pack = tempfile::tempdir().unwrap();
    std::fs::create_dir(pack.path().join("keys")).unwrap();
    let p = pack.path().to_str().unwrap();
    let list = pack.path().join("upstream.json");
    // The upstream parser already refuses control characters in titles
    // (with a warning that quotes them escaped); bidi controls pass.
    let upstream = serde_json::json!([{ "xsas": [
        { "xsa": "1", "title": "Title \u{202e}FORGED\u{2066}", "public_time": "2024-01-01 12:00", "cve": [] },
        { "xsa": "2", "title": format!("Other {ESCAPES}"), "public_time": "2024-01-02 12:00", "cve": [] },
    ]}]);
    std::fs::write(&list, upstream.to_string()).unwrap();
    let (code, out) = human(
        "never",
        &["xsa", "sync", "--pack", p, "--from", list.to_str().unwrap()],
    );
    assert_eq!(code, Some(0), "{out}");
    assert_safe("xsa sync", &out, false);
    assert!(
        out.contains("title ignored: control character '\\u{1b}'"),
        "{out}"
    );
    for colour in COLOURS {
        let (code, out) = human(colour, &["xsa", "list", "--pack", p]);
        assert_eq!(code, Some(0), "{out}");
        assert_safe(&format!("xsa list --color {colour}"), &out, false);
        assert!(
            strip_sgr(&out).contains("Title \\u{202e}FORGED\\u{2066}"),
            "{out}"
        );
    }
    // A tracker file edited by hand with escape sequences in a title is
    // refused; the error says so safely.
    let tracker = pack.path().join("tracker/xsa.toml");
    let text = std::fs::read_to_string(&tracker).unwrap();
    assert!(text.contains("Title "), "{text}");
    std::fs::write(
        &tracker,
        text.replace("Title ", "Title \\u001b]0;pwned\\u0007\\u001b[2J "),
    )
    .unwrap();
    let (code, out) = human("always", &["xsa", "list", "--pack", p]);
    assert_eq!(code, Some(2), "{out}");
    assert_safe("xsa list (refused)", &out, false);
}

#[test]
fn digest_check_shows_paths_and_reasons_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join(format!("images{EVIL}"));
    std::fs::create_dir(&folder).unwrap();
    let name = format!("img{ESCAPES}.iso");
    let image = folder.join(&name);
    std::fs::write(&image, b"abc").unwrap();
    let sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    std::fs::write(
        folder.join(format!("{name}.DIGESTS")),
        format!("{sha256} *{name}\n"),
    )
    .unwrap();
    let f = fixture();
    for colour in COLOURS {
        let (code, out) = run(secpack()
            .args(["--color", colour, "digest", "check"])
            .arg(&image)
            .args(["--pack", f.pack_arg(), "--master", &keys().master]));
        assert_eq!(code, Some(1), "unsigned: {out}");
        assert_safe(&format!("digest check --color {colour}"), &out, true);
        assert!(out.contains("images\\n  ok   FORGED.txt"), "{out}");
    }
}

#[test]
fn export_and_site_build_output_is_safe() {
    let f = fixture();
    let master = &keys().master;
    let out_dir = tempfile::tempdir().unwrap();
    let osv = out_dir.path().join("osv");
    let site = out_dir.path().join("site");
    for colour in COLOURS {
        let (code, out) = human(
            colour,
            &[
                "export",
                "osv",
                f.pack_arg(),
                "--master",
                master,
                "-o",
                osv.to_str().unwrap(),
            ],
        );
        assert!(matches!(code, Some(0..=2)), "{out}");
        assert_safe(&format!("export osv --color {colour}"), &out, false);
        let (code, out) = human(
            colour,
            &[
                "site",
                "build",
                f.pack_arg(),
                "--master",
                master,
                "--allow-failures",
                "-o",
                site.to_str().unwrap(),
            ],
        );
        assert!(matches!(code, Some(0..=2)), "{out}");
        assert_safe(&format!("site build --color {colour}"), &out, false);
    }
}
