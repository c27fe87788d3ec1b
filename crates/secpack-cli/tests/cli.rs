//! The `secpack` binary as a user meets it: the bundled demo pack, exit codes,
//! JSON, colour, and the errors of a missing or wrong pin.

use std::path::PathBuf;
use std::process::Command;

use secpack_testsupport::cli::Ran;
use secpack_testsupport::demo::{demo_copy, demo_pack, DEMO_MASTER};
use secpack_testsupport::fs::relative_files;
use secpack_testsupport::Git;

fn secpack() -> Command {
    let mut c = secpack_testsupport::cli::command(env!("CARGO_BIN_EXE_secpack"));
    c.env("SECPACK_NO_CACHE", "1")
        // The rollback and freeze state is tested in pack_state_cli.rs; here
        // the demo pack is verified many times over.
        .env("SECPACK_NO_STATE", "1");
    c
}

#[test]
fn the_demo_pack_verifies() {
    let out = secpack()
        .arg("verify")
        .arg(demo_pack())
        .args(["--master", DEMO_MASTER])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("OK the pack verifies"), "{stdout}");
    assert!(!stdout.contains('\x1b'), "NO_COLOR is respected");
}

#[test]
fn json_output_is_one_document() {
    let out = secpack()
        .args(["verify", "--json"])
        .arg(demo_pack())
        .env("SECPACK_MASTER", DEMO_MASTER)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v["summary"]["ok"], true);
    // Every signature of the demo pack is listed (two per bulletin and canary,
    // one clear-signed digest file), counted from the files themselves.
    let count = relative_files(&demo_pack())
        .iter()
        .filter(|p| p.contains(".sig."))
        .count()
        + 1;
    assert_eq!(v["signatures"].as_array().unwrap().len(), count);
}

#[test]
fn no_pin_is_a_usage_error_that_explains() {
    let out = secpack().arg("verify").arg(demo_pack()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("out of band"), "{err}");
}

#[test]
fn a_bad_pin_is_a_usage_error_and_a_wrong_pin_a_failure() {
    let out = secpack()
        .arg("verify")
        .arg(demo_pack())
        .args(["--master", "8A7D47543A09DBD0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("key ID"));

    let out = secpack()
        .arg("verify")
        .arg(demo_pack())
        .args(["--master", "0000000000000000000000000000000000000001"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAILED"));
}

#[test]
fn a_missing_pack_is_a_usage_error() {
    let out = secpack()
        .args(["verify", "/nonexistent/pack", "--master", DEMO_MASTER])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/pack"));
}

#[test]
fn the_pin_can_come_from_the_user_config_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("secpack")).unwrap();
    std::fs::write(
        dir.path().join("secpack/config.toml"),
        format!("master = \"{DEMO_MASTER}\"\n"),
    )
    .unwrap();
    let out = secpack()
        .arg("verify")
        .arg(demo_pack())
        .env("XDG_CONFIG_HOME", dir.path())
        .output()
        .unwrap();
    out.assert_success();
}

#[test]
fn the_canary_audit_judges_signatures_with_the_trust_engine() {
    let audit = |pack: &std::path::Path| {
        let out = secpack()
            .args([
                "canary",
                "audit",
                "--json",
                "--now",
                "2026-05-01",
                "--master",
                DEMO_MASTER,
            ])
            .arg(pack)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), v)
    };
    let (code, v) = audit(&demo_pack());
    assert_eq!(code, Some(0), "{v:#}");
    // The demo canary needs two team signatures; with one removed, the audit alerts.
    let dir = demo_copy();
    std::fs::remove_file(dir.path().join("canaries/canary-001-2026.txt.sig.bob")).unwrap();
    let (code, v) = audit(dir.path());
    assert_eq!(code, Some(1));
    let kinds: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_string())
        .collect();
    assert!(kinds.iter().any(|k| k.contains("signature")), "{kinds:?}");
}

#[test]
fn one_tampered_byte_in_the_demo_pack_fails_verification() {
    let dir = demo_copy();
    let p = dir.path().join("QSBs/qsb-002-2026.txt");
    let mut text = std::fs::read(&p).unwrap();
    text[200] ^= 0x01;
    std::fs::write(&p, text).unwrap();
    let out = secpack()
        .args(["verify", "--json", "--master", DEMO_MASTER])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let bad: Vec<_> = v["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "bad")
        .collect();
    assert_eq!(bad.len(), 2, "both signatures of the tampered bulletin");
}

/// Runs `verify --json` on `pack` with the signature cache in `cache_home`.
fn verify_with_cache(
    pack: &std::path::Path,
    cache_home: &std::path::Path,
) -> (i32, serde_json::Value) {
    let out = secpack()
        .env_remove("SECPACK_NO_CACHE")
        .env("XDG_CACHE_HOME", cache_home)
        .env("XDG_STATE_HOME", cache_home.join("state"))
        .args(["verify", "--json", "--master", DEMO_MASTER])
        .arg(pack)
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).expect("valid JSON");
    (out.status.code().unwrap(), v)
}

/// Each signature's (path, status), to compare runs.
fn verdicts(v: &serde_json::Value) -> Vec<(String, String)> {
    let mut all: Vec<_> = v["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["signature"].to_string(), s["status"].to_string()))
        .collect();
    all.sort();
    all
}

#[test]
fn the_signature_cache_answers_a_second_run_with_the_same_verdicts() {
    let cache = tempfile::tempdir().unwrap();
    let (code, first) = verify_with_cache(&demo_pack(), cache.path());
    assert_eq!(code, 0);
    assert_eq!(first["cache"]["restored"], 0);
    let file = cache.path().join("secpack/signatures.cache");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the cache is private: {mode:o}");
    }
    let (code, second) = verify_with_cache(&demo_pack(), cache.path());
    assert_eq!(code, 0);
    assert!(second["cache"]["restored"].as_u64().unwrap() > 0);
    // Every signature file's judgement is taken from the judgement cache
    // (the demo pack was signed long ago), so no key is even read back.
    let signature_files = second["signatures"].as_array().unwrap().len() as u64;
    assert!(second["cache"]["judgements"].as_u64().unwrap() >= signature_files);
    assert_eq!(second["cache"]["hits"], 0);
    assert_eq!(verdicts(&first), verdicts(&second));
    let report = |v: &serde_json::Value| {
        let mut v = v.clone();
        v.as_object_mut().unwrap().remove("cache");
        v
    };
    assert_eq!(
        report(&first),
        report(&second),
        "the whole report, warm as cold"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = cache.path().join("state/secpack/cache.key");
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the cache key is private: {mode:o}");
    }
    // A cache changed behind secpack's back is not used.
    let mut bytes = std::fs::read(&file).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&file, bytes).unwrap();
    let (code, third) = verify_with_cache(&demo_pack(), cache.path());
    assert_eq!(code, 0);
    assert_eq!(third["cache"]["restored"], 0);
    assert_eq!(verdicts(&first), verdicts(&third));
}

#[test]
fn a_warm_cache_never_excuses_a_tampered_byte() {
    let cache = tempfile::tempdir().unwrap();
    let dir = demo_copy();
    assert_eq!(verify_with_cache(dir.path(), cache.path()).0, 0);
    let p = dir.path().join("canaries/canary-001-2026.txt");
    let mut text = std::fs::read(&p).unwrap();
    text[100] ^= 0x20;
    std::fs::write(&p, text).unwrap();
    let (code, v) = verify_with_cache(dir.path(), cache.path());
    assert_eq!(code, 1);
    assert!(v["cache"]["restored"].as_u64().unwrap() > 0);
    let bad = v["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "bad")
        .count();
    assert_eq!(bad, 2, "both signatures of the tampered canary: {v:#}");
}

#[cfg(unix)]
#[test]
fn a_cache_file_others_can_write_is_ignored() {
    use std::os::unix::fs::PermissionsExt;
    let cache = tempfile::tempdir().unwrap();
    assert_eq!(verify_with_cache(&demo_pack(), cache.path()).0, 0);
    let file = cache.path().join("secpack/signatures.cache");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
    let (code, v) = verify_with_cache(&demo_pack(), cache.path());
    assert_eq!(code, 0);
    assert_eq!(v["cache"]["restored"], 0, "an unsafe cache is not read");
}

/// A user config folder holding the demo pack's pin, with these modes.
#[cfg(unix)]
fn pin_config(file_mode: u32, folder_mode: u32) -> (tempfile::TempDir, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("secpack");
    std::fs::create_dir_all(&folder).unwrap();
    let file = folder.join("config.toml");
    std::fs::write(&file, format!("master = \"{DEMO_MASTER}\"\n")).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(file_mode)).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(folder_mode)).unwrap();
    (dir, file)
}

#[cfg(unix)]
#[test]
fn a_pin_config_others_may_write_is_refused() {
    // 0644 in a 0755 folder: used.
    let (dir, _) = pin_config(0o644, 0o755);
    let out = secpack()
        .arg("verify")
        .arg(demo_pack())
        .env("XDG_CONFIG_HOME", dir.path())
        .output()
        .unwrap();
    out.assert_success();
    // A file anyone may write (0666), or a folder anyone may write (0777):
    // a configuration error naming the file and the fix; nothing verified.
    for (file_mode, folder_mode, words) in [
        (0o666, 0o755, "lets others write it"),
        (0o644, 0o777, "others may write its folder"),
    ] {
        let (dir, file) = pin_config(file_mode, folder_mode);
        for args in [&["verify"][..], &["canary", "audit"][..]] {
            let out = secpack()
                .args(args)
                .arg(demo_pack())
                .env("XDG_CONFIG_HOME", dir.path())
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{args:?} {file_mode:o}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains(&file.display().to_string())
                    && err.contains(words)
                    && err.contains("chmod go-w"),
                "{err}"
            );
            assert!(out.stdout.is_empty(), "nothing was judged");
        }
        // --master on the command line is not affected by the config file.
        let out = secpack()
            .args(["verify", "--master", DEMO_MASTER])
            .arg(demo_pack())
            .env("XDG_CONFIG_HOME", dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
    }
}

#[test]
fn unsigned_tags_are_listed_and_fail_only_under_strict_while_an_uncovered_head_fails() {
    let pack = demo_copy();
    let git = Git::unsigned();
    git.init(pack.path());
    git.commit_all(pack.path(), "pack");
    git.run(pack.path(), &["tag", "v1-lightweight"]);
    git.run(pack.path(), &["tag", "-a", "-m", "release", "v1-annotated"]);
    let verify = |extra: &[&str]| {
        secpack()
            .args(["verify", "--tags", "--master", DEMO_MASTER])
            .args(extra)
            .arg(pack.path())
            .output()
            .unwrap()
    };
    let out = verify(&[]);
    let text = String::from_utf8_lossy(&out.stdout);
    // Nothing signed vouches for HEAD: that alone fails the run.
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("uncovered-head"), "{text}");
    // Listed without --all, with what they are, and not counted as verified.
    assert!(text.contains("git tags (0/2 verified)"), "{text}");
    assert!(
        text.contains("unsigned v1-annotated") && text.contains("unsigned v1-lightweight"),
        "{text}"
    );
    assert!(text.contains("lightweight tag"), "{text}");

    let out = verify(&["--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["head"]["status"], "uncovered-head");
    let tags = v["tags"].as_array().unwrap();
    assert_eq!(tags.len(), 2);
    for t in tags {
        assert_eq!(
            (&t["status"], &t["ok"]),
            (&"unsigned".into(), &true.into()),
            "{t}"
        );
    }
    // The tags are not among the failures, only HEAD is.
    let failures = v["summary"]["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].as_str().unwrap().contains("uncovered-head"));

    // --strict: the same tags fail the run.
    let out = verify(&["--strict", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["tags"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["ok"] == false));
    let failures = v["summary"]["failures"].to_string();
    assert!(failures.contains("2 tag(s) do not verify"), "{failures}");
}

#[test]
fn a_folder_that_is_not_a_pack_is_a_usage_error() {
    // A download folder: an image and its signed digest file, no keys/.
    let dir = tempfile::tempdir().unwrap();
    let iso = "Demo-1.0-x86_64.iso";
    std::fs::copy(
        demo_pack().join(format!("digests/{iso}.DIGESTS")),
        dir.path().join(format!("{iso}.DIGESTS")),
    )
    .unwrap();
    std::fs::write(dir.path().join(iso), b"not the image\n").unwrap();
    let shown = dir.path().canonicalize().unwrap().display().to_string();
    let not_a_pack = |out: &std::process::Output| {
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!(
                "{shown} is not a security pack: no keys/ folder and no secpack.toml"
            )) && err.contains("--pack PACK"),
            "{err}"
        );
        assert!(!err.contains("unknown"), "{err}");
        assert!(out.stdout.is_empty());
    };
    let out = secpack()
        .args(["verify", "--master", DEMO_MASTER])
        .arg(dir.path())
        .output()
        .unwrap();
    not_a_pack(&out);
    // digest check with the default --pack (the current folder).
    let out = secpack()
        .current_dir(dir.path())
        .args(["digest", "check", iso, "--master", DEMO_MASTER])
        .output()
        .unwrap();
    not_a_pack(&out);
    // Given the pack, the signature is judged with its release keys and the
    // digests compared: this image does not match them.
    let out = secpack()
        .current_dir(dir.path())
        .args([
            "--json",
            "digest",
            "check",
            iso,
            "--master",
            DEMO_MASTER,
            "--pack",
        ])
        .arg(demo_pack())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["signature"]["trusted"], true, "{v:#}");
    // A folder with only a secpack.toml, or only keys/, is a pack (an empty
    // one here: nothing to verify, and no signature to trust).
    std::fs::create_dir(dir.path().join("keys")).unwrap();
    let out = secpack()
        .args(["verify", "--master", DEMO_MASTER])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("not a security pack"));
}

#[test]
fn a_pack_subject_may_also_be_given_as_pack_option_but_not_both_ways() {
    // Every command whose subject is the pack takes it either way, as the
    // commands that name it beside another subject take `--pack`: the same
    // exit status and the same document.
    for words in [
        &["verify", "--json"][..],
        &["status", "--json", "--now", "2026-01-10"],
        &["canary", "audit", "--json", "--now", "2026-01-10"],
    ] {
        let run = |pack_option: bool| {
            let mut c = secpack();
            c.args(words).args(["--master", DEMO_MASTER]);
            if pack_option {
                c.arg("--pack");
            }
            c.arg(demo_pack()).output().unwrap()
        };
        let (positional, option) = (run(false), run(true));
        assert_eq!(positional.status.code(), option.status.code(), "{words:?}");
        assert!(option.status.code().unwrap() < 2, "{words:?}");
        let doc = |o: &std::process::Output| -> serde_json::Value {
            serde_json::from_slice(&o.stdout).unwrap()
        };
        assert_eq!(doc(&positional), doc(&option), "{words:?}");
    }
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    let osv = out.path().join("osv");
    for (words, made) in [
        (["site", "build"], site.join("index.html")),
        (["export", "osv"], osv.join("all.json")),
    ] {
        let dir = made.parent().unwrap();
        secpack()
            .args(words)
            .arg("-o")
            .arg(dir)
            .args(["--master", DEMO_MASTER, "--pack"])
            .arg(demo_pack())
            .output()
            .unwrap()
            .assert_success();
        assert!(made.is_file(), "{words:?}");
    }
    // Both ways at once is a usage error.
    let out = secpack()
        .args(["verify", "--master", DEMO_MASTER, "--pack"])
        .arg(demo_pack())
        .arg(demo_pack())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
