//! Commands run outside a pack: every command that works on an existing pack
//! refuses a folder that is not one with the same `not-a-pack` usage error
//! (exit status 2) and writes nothing there; only `secpack init` makes a
//! folder a pack.

use std::path::Path;
use std::process::{Command, Output};

use secpack_testsupport::cli::json_error;
use secpack_testsupport::demo::{demo_key, DEMO_MASTER};
use secpack_testsupport::fs::tree;

fn secpack() -> Command {
    secpack_testsupport::cli::command_uncached(env!("CARGO_BIN_EXE_secpack"))
}

/// The commands that work on a pack, with the arguments they need besides
/// it; `secret` is a folder outside the pack for files a command may read.
fn commands(secret: &Path) -> Vec<Vec<String>> {
    let passphrase = secret.join("passphrase").display().to_string();
    let key = demo_key("alice").display().to_string();
    let own = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    vec![
        // The worst case: a stray keys/ tree (and a secret key) in the
        // user's folder.
        own(&[
            "key",
            "generate",
            "--role",
            "security-team",
            "--name",
            "carol",
            "--algo",
            "ed25519",
            "-o",
            "carol.key",
            "--passphrase-file",
            &passphrase,
        ]),
        own(&["key", "list", "--master", DEMO_MASTER]),
        own(&["key", "export", "alice"]),
        own(&["key", "retire", "alice"]),
        own(&["qsb", "new", "--title", "Heap overflow"]),
        own(&["qsb", "list", "--master", DEMO_MASTER]),
        own(&["status", "--master", DEMO_MASTER]),
        own(&["export", "osv", "-o", "osv", "--master", DEMO_MASTER]),
        own(&["export", "csaf", "-o", "csaf", "--master", DEMO_MASTER]),
        own(&["site", "build", "-o", "site", "--master", DEMO_MASTER]),
        own(&[
            "sign",
            "--as",
            "alice",
            "--key",
            &key,
            "x.txt",
            "--master",
            DEMO_MASTER,
        ]),
        own(&[
            "tag",
            "--as",
            "alice",
            "--key",
            &key,
            "--master",
            DEMO_MASTER,
        ]),
        own(&["canary", "new", "--freshness", &passphrase]),
        own(&["canary", "audit", "--master", DEMO_MASTER]),
        own(&["canary", "audit"]),
        own(&["canary", "freshness"]),
        own(&["xsa", "list"]),
        own(&["xsa", "set", "400", "--affected", "no"]),
        own(&["serve", "--master", DEMO_MASTER, "--addr", "127.0.0.1:0"]),
    ]
}

/// Not a file, not even an empty folder.
fn nothing_in(dir: &Path) -> bool {
    std::fs::read_dir(dir).unwrap().next().is_none()
}

fn assert_not_a_pack(out: &Output, shown: &str, what: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{what}: {err}");
    assert!(
        err.contains(&format!(
            "{shown} is not a security pack: no keys/ folder and no secpack.toml"
        )) && err.contains("[not-a-pack]")
            && err.contains("secpack init"),
        "{what}: {err}"
    );
}

#[test]
fn every_pack_command_refuses_a_folder_that_is_not_a_pack_and_writes_nothing() {
    let empty = tempfile::tempdir().unwrap();
    let secret = tempfile::tempdir().unwrap();
    std::fs::write(secret.path().join("passphrase"), "correct horse\n").unwrap();
    let shown = empty.path().canonicalize().unwrap().display().to_string();
    for args in commands(secret.path()) {
        let what = args.join(" ");
        // From the folder itself (the default pack, `.`)...
        let out = secpack()
            .current_dir(empty.path())
            .args(&args)
            .output()
            .unwrap();
        assert_not_a_pack(&out, &shown, &what);
        assert!(out.stdout.is_empty(), "{what}");
        // ... and as one JSON error document.
        let out = secpack()
            .current_dir(empty.path())
            .arg("--json")
            .args(&args)
            .output()
            .unwrap();
        let v = json_error(&out, 2);
        assert_eq!(v["error"]["code"], "not-a-pack", "{what}");
        assert_eq!(v["error"]["class"], "config", "{what}");
        assert!(
            nothing_in(empty.path()),
            "{what} wrote {:?}",
            tree(empty.path())
        );
    }
}

#[test]
fn the_pack_named_with_pack_or_positionally_is_checked_too() {
    let empty = tempfile::tempdir().unwrap();
    let shown = empty.path().canonicalize().unwrap().display().to_string();
    let elsewhere = tempfile::tempdir().unwrap();
    for args in [
        vec!["qsb", "list", "--pack"],
        vec!["key", "list", "--pack"],
        vec!["status", "--master", DEMO_MASTER],
        vec!["status", "--master", DEMO_MASTER, "--pack"],
    ] {
        let out = secpack()
            .current_dir(elsewhere.path())
            .args(&args)
            .arg(empty.path())
            .output()
            .unwrap();
        assert_not_a_pack(&out, &shown, &args.join(" "));
    }
    assert!(nothing_in(empty.path()));
    // A pack made by `init` is one, before any key exists.
    let pack = empty.path().join("pack");
    let out = secpack()
        .args(["init", "--no-git"])
        .arg(&pack)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = secpack()
        .args(["qsb", "list", "--pack"])
        .arg(&pack)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
