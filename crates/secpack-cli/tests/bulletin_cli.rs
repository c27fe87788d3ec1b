//! Bulletins from draft to record: `qsb new --edit` when the editor fails,
//! template text refused by `sign` and flagged by `qsb list`, templates that
//! are not documents, and the bulletin numbers `inbox status --qsb` takes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use secpack_testsupport::{keys, TestPack, BULLETIN};

/// Runs secpack with `env` set, nothing inherited that could pin a master.
fn secpack_env(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_secpack"));
    c.args(args)
        .env_remove("SECPACK_MASTER")
        .env("XDG_CONFIG_HOME", "/nonexistent-secpack-test-config")
        .env("SECPACK_NO_CACHE", "1")
        .stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn secpack(args: &[&str]) -> Output {
    secpack_env(args, &[])
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// Every file of `dir` (not recursive), sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// An executable shell script at `path`.
fn script(path: &Path, body: &str) -> PathBuf {
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    path.to_path_buf()
}

/// A new pack made by `secpack init` (its bulletin template included).
fn init_pack(dir: &Path) -> PathBuf {
    let pack = dir.join("pack");
    let o = secpack(&["init", &s(&pack), "--project", "Test Project"]);
    assert!(o.status.success(), "{}", stderr(&o));
    pack
}

#[test]
fn a_failing_editor_removes_an_untouched_draft_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let pack = init_pack(dir.path());
    let before = names(&pack.join("QSBs"));
    let editor = Path::new("false");
    let o = secpack_env(
        &[
            "qsb",
            "new",
            "--pack",
            &s(&pack),
            "--title",
            "Never written",
            "--date",
            "2026-01-05",
            "--edit",
        ],
        &[("EDITOR", editor)],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("the editor exited with"), "{err}");
    assert!(
        err.contains("QSBs/qsb-001-2026.txt was not changed, so it was removed"),
        "{err}"
    );
    assert!(!stdout(&o).contains("wrote"));
    assert_eq!(names(&pack.join("QSBs")), before);
    // The number is free again.
    let o = secpack(&[
        "--json",
        "qsb",
        "new",
        "--pack",
        &s(&pack),
        "--title",
        "Written",
        "--date",
        "2026-01-05",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("qsb-001-2026.txt"));
}

#[test]
fn a_failing_editor_keeps_an_edited_draft_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let pack = init_pack(dir.path());
    // The editor writes, then crashes.
    let editor = script(
        &dir.path().join("crashing-editor"),
        "echo 'half a sentence' >> \"$1\"\nexit 3",
    );
    let o = secpack_env(
        &[
            "--json",
            "qsb",
            "new",
            "--pack",
            &s(&pack),
            "--title",
            "Half written",
            "--date",
            "2026-01-05",
            "--edit",
        ],
        &[("EDITOR", &editor)],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("exit status: 3"), "{err}");
    assert!(
        err.contains("QSBs/qsb-001-2026.txt was kept as the editor left it"),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["draft"], "kept");
    assert_eq!(v["path"], "QSBs/qsb-001-2026.txt");
    let text = std::fs::read_to_string(pack.join("QSBs/qsb-001-2026.txt")).unwrap();
    assert!(text.ends_with("half a sentence\n"));
    // An editor that cannot be started at all leaves nothing either.
    let o = secpack_env(
        &[
            "qsb",
            "new",
            "--pack",
            &s(&pack),
            "--title",
            "No editor",
            "--edit",
        ],
        &[("EDITOR", Path::new("/nonexistent/editor"))],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("so it was removed"), "{}", stderr(&o));
    assert_eq!(
        names(&pack.join("QSBs"))
            .iter()
            .filter(|n| n.starts_with("qsb-0"))
            .count(),
        1
    );
}

/// A pack with the shared test keys and the template `secpack init` writes.
fn keyed_pack() -> TestPack {
    let p = TestPack::with_keys();
    let dir = tempfile::tempdir().unwrap();
    let fresh = init_pack(dir.path());
    p.write(
        "QSBs/qsb-template.txt",
        &std::fs::read(fresh.join("QSBs/qsb-template.txt")).unwrap(),
    );
    p
}

/// Signs `file` of `pack` as bob with his key file.
fn sign_as_bob(pack: &TestPack, file: &str) -> Output {
    let k = keys();
    let secret = pack.dir.path().join("bob.sec.asc");
    std::fs::write(&secret, k.gpg.export_secret(&k.bob)).unwrap();
    let o = secpack(&[
        "sign",
        "--pack",
        &s(pack.root()),
        "--master",
        &k.master,
        "--as",
        "bob",
        "--key",
        &s(&secret),
        &s(&pack.path(file)),
    ]);
    std::fs::remove_file(&secret).unwrap();
    o
}

#[test]
fn sign_refuses_the_template_and_drafts_still_holding_template_text() {
    let p = keyed_pack();
    // The template is not a document.
    let o = sign_as_bob(&p, "QSBs/qsb-template.txt");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("QSBs/qsb-template.txt is not a document of the pack (template"),
        "{}",
        stderr(&o)
    );
    assert!(!p.path("QSBs/qsb-template.txt.sig.bob").exists());

    // A draft as `qsb new` writes it: the guidance is still there.
    let o = secpack(&[
        "qsb",
        "new",
        "--pack",
        &s(p.root()),
        "--title",
        "A real flaw",
        "--date",
        "2026-02-01",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("still holds template text"),
        "{}",
        stdout(&o)
    );
    // The template holds more lines of guidance than the note names: it
    // counts the others rather than stopping silently.
    assert!(
        stdout(&o).contains(" more): replace it before signing"),
        "{}",
        stdout(&o)
    );
    let draft = "QSBs/qsb-001-2026.txt";
    let o = sign_as_bob(&p, draft);
    // A refusal of the request, not a usage error: exit 1, code template-text.
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("[template-text]"), "{err}");
    assert!(
        err.contains("still holds template text") && err.contains("Say in one or two sentences"),
        "{err}"
    );
    assert!(!p.path(&format!("{draft}.sig.bob")).exists());

    // A TODO or an unfilled placeholder is template text too.
    for leftover in ["Fixed in version TODO.", "See @@REFERENCES@@."] {
        let text = format!("{}{leftover}\n", String::from_utf8_lossy(BULLETIN));
        p.write(draft, text.as_bytes());
        let o = sign_as_bob(&p, draft);
        assert_eq!(o.status.code(), Some(1), "{leftover}");
        assert!(stderr(&o).contains("template text"), "{}", stderr(&o));
    }

    // Finished, it is signed.
    p.write(draft, BULLETIN);
    let o = sign_as_bob(&p, draft);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(p.path(&format!("{draft}.sig.bob")).exists());
}

#[test]
fn qsb_list_flags_a_signed_draft() {
    let p = keyed_pack();
    let k = keys();
    let draft_text = std::fs::read_to_string(p.path("QSBs/qsb-template.txt"))
        .unwrap()
        .replace("@@NUMBER@@", "002")
        .replace("@@DATE@@", "2024-03-02")
        .replace("@@TITLE@@", "Signed by mistake")
        .replace("@@PROJECT@@", "Test")
        .replace("@@TEAM@@", "Test Security Team")
        .replace("@@ADVISORIES@@", "")
        .replace("@@REFERENCES@@", "");
    // Both signed (with gpg, as sign would refuse the draft).
    let signers = [("alice", k.alice.as_str()), ("bob", k.bob.as_str())];
    p.signed_doc("QSBs/qsb-001-2024.txt", BULLETIN, &signers);
    p.signed_doc("QSBs/qsb-002-2024.txt", draft_text.as_bytes(), &signers);
    let o = secpack(&[
        "--json",
        "qsb",
        "list",
        "--pack",
        &s(p.root()),
        "--master",
        &k.master,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = v["bulletins"].as_array().unwrap();
    assert_eq!(rows[0]["ok"], true);
    assert_eq!(rows[0]["template_text"], serde_json::json!([]));
    assert_eq!(rows[1]["ok"], true, "signed enough, and still a draft");
    let left = rows[1]["template_text"].as_array().unwrap();
    assert!(!left.is_empty());
    assert_eq!(left[0]["kind"], "guidance");
    // The human list says so under the row.
    let o = secpack(&["qsb", "list", "--pack", &s(p.root()), "--master", &k.master]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let flagged: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("TEMPLATE TEXT"))
        .collect();
    assert_eq!(flagged.len(), 1, "{out}");
    assert!(flagged[0].contains("line "), "{out}");
    // Without the draft, the list is clean.
    for f in ["", ".sig.alice", ".sig.bob"] {
        std::fs::remove_file(p.path(&format!("QSBs/qsb-002-2024.txt{f}"))).unwrap();
    }
    let o = secpack(&["qsb", "list", "--pack", &s(p.root()), "--master", &k.master]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn qsb_list_flags_a_sidecar_not_signed_enough() {
    let p = keyed_pack();
    let k = keys();
    let signers = [("alice", k.alice.as_str()), ("bob", k.bob.as_str())];
    p.signed_doc("QSBs/qsb-001-2024.txt", BULLETIN, &signers);
    let list = |json: bool| {
        let mut args = vec!["qsb", "list", "--master", &k.master];
        if json {
            args.insert(0, "--json");
        }
        let root = s(p.root());
        args.extend(["--pack", &root]);
        secpack(&args)
    };
    let o = list(true);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["bulletins"][0].get("sidecar").is_none(),
        "no sidecar: {v}"
    );

    // A revision writes the sidecar; nobody has signed it yet.
    let o = secpack(&[
        "qsb",
        "revise",
        "1",
        "--pack",
        &s(p.root()),
        "--summary",
        "Packages for 4.3.",
        "--date",
        "2024-04-01",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = list(true);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let row = &v["bulletins"][0];
    assert_eq!(row["ok"], true, "the bulletin itself is signed: {v}");
    assert_eq!(
        row["sidecar"],
        serde_json::json!({
            "path": "QSBs/qsb-001-2024.toml",
            "valid_signers": 0,
            "required": 1,
            "ok": false,
        })
    );
    let o = list(false);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains(
            "SIDECAR NOT SIGNED ENOUGH QSBs/qsb-001-2024.toml has 0 of the 1 valid signatures it needs"
        ) && out.contains("secpack sign QSBs/qsb-001-2024.toml --as NAME"),
        "{out}"
    );
    // The verdict is the trust engine's: `status` names the same file.
    let o = secpack(&["status", "--pack", &s(p.root()), "--master", &k.master]);
    assert!(
        stdout(&o).contains("[below-threshold]") && stdout(&o).contains("qsb-001-2024.toml"),
        "{}",
        stdout(&o)
    );

    // Signed by both, the sidecar counts and the list is clean.
    let sidecar = std::fs::read(p.path("QSBs/qsb-001-2024.toml")).unwrap();
    p.signed_doc("QSBs/qsb-001-2024.toml", &sidecar, &signers);
    let o = list(true);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["bulletins"][0]["sidecar"]["ok"], true, "{v}");
    assert_eq!(v["bulletins"][0]["sidecar"]["valid_signers"], 2, "{v}");
}

#[test]
fn inbox_status_takes_a_bulletin_of_the_pack_in_any_form() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack");
    std::fs::create_dir_all(pack.join("QSBs")).unwrap();
    // A pack has keys/ (a folder without is refused as not-a-pack).
    std::fs::create_dir_all(pack.join("keys")).unwrap();
    for f in ["qsb-001-2026.txt", "qsb-002-2026.txt"] {
        std::fs::write(pack.join("QSBs").join(f), "a bulletin\n").unwrap();
    }
    let db = dir.path().join("inbox.sqlite");
    let id = secpack::report::inbox::Inbox::open(&db)
        .unwrap()
        .insert(b"ciphertext", "FPR", chrono::Utc::now())
        .unwrap();
    let status = |qsb: &str| {
        secpack(&[
            "--json",
            "inbox",
            "--db",
            &s(&db),
            "status",
            &id,
            "--set",
            "fixed",
            "--qsb",
            qsb,
            "--pack",
            &s(&pack),
        ])
    };
    let stored = || {
        secpack::report::inbox::Inbox::open(&db)
            .unwrap()
            .get(&id)
            .unwrap()
            .unwrap()
            .qsb
    };
    for (qsb, number) in [
        ("001-2026", 1),
        ("2", 2),
        ("001", 1),
        ("QSB-002-2026", 2),
        ("qsb-1", 1),
    ] {
        let o = status(qsb);
        assert!(o.status.success(), "{qsb}: {}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(
            v["bulletin"]["id"],
            format!("QSB-{number:03}-2026"),
            "{qsb}"
        );
        assert_eq!(stored(), Some(number), "{qsb}");
    }
    // A bulletin the pack does not have, or no bulletin number at all:
    // refused, nothing recorded.
    for (qsb, says) in [
        (
            "99",
            "the pack has no bulletin QSB-099; its bulletins are QSB-001-2026, QSB-002-2026",
        ),
        ("001-2025", "the pack has no bulletin QSB-001-2025"),
        ("one", "is not a bulletin number"),
    ] {
        let o = status(qsb);
        assert_eq!(o.status.code(), Some(2), "{qsb}");
        assert!(stderr(&o).contains(says), "{qsb}: {}", stderr(&o));
        assert_eq!(stored(), Some(1), "{qsb}");
    }
    // The human line names the bulletin by its identifier.
    let o = secpack(&[
        "inbox",
        "--db",
        &s(&db),
        "status",
        &id,
        "--set",
        "published",
        "--qsb",
        "2",
        "--pack",
        &s(&pack),
    ]);
    assert!(
        stdout(&o).contains("covered by QSB-002-2026"),
        "{}",
        stdout(&o)
    );
}
