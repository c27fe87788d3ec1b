//! Shared helpers of the export tests: a demo pack built from the fixture
//! bulletins, schema validators, and a throw-away gpg home.

#![allow(dead_code)] // each test binary uses a part of this module

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The fixture bulletins.
pub const FIXTURES: &[&str] = &[
    "qsb-001-2011.txt",
    "qsb-010-2014.txt",
    "qsb-020-2015.txt",
    "qsb-024-2016.txt",
    "qsb-040-2018.txt",
    "qsb-080-2022.txt",
    "qsb-100-2024.txt",
    "qsb-101-2024.txt",
];

/// Configuration of the demo pack.
pub const CONFIG: &str = r#"
[project]
name = "Demo"
team_name = "Security Team"
url = "https://demo.invalid"
contact = "security@demo.invalid"
bulletin_id_prefix = "DSB"

[export]
bulletin_base_url = "https://demo.invalid/bulletins/"
"#;

/// Sidecar of bulletin 100: a CVE, CVSS, CWE, a revision.
pub const SIDECAR_100: &str = r#"
modified = 2024-02-14
cves = ["CVE-2024-31142"]
aliases = ["DEMO-2024-7"]
cvss_v3 = "CVSS:3.1/AV:L/AC:H/PR:H/UI:N/S:C/C:H/I:H/A:H"
cwe = { id = "CWE-668", name = "Exposure of Resource to Wrong Sphere" }
"#;

/// Sidecar of bulletin 001: the title its text lacks, two CVEs.
pub const SIDECAR_001: &str = r#"
title = "Window proxy overflow and device isolation bypass"
cves = ["CVE-2011-0001", "CVE-2011-0002"]
"#;

/// Builds the demo pack in `dir`: every fixture, two sidecars, the config.
pub fn demo_pack(dir: &Path) {
    let qsbs = dir.join("QSBs");
    std::fs::create_dir_all(&qsbs).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bulletins");
    for f in FIXTURES {
        std::fs::copy(src.join(f), qsbs.join(f)).unwrap();
    }
    std::fs::write(qsbs.join("qsb-100-2024.toml"), SIDECAR_100).unwrap();
    std::fs::write(qsbs.join("qsb-001-2011.toml"), SIDECAR_001).unwrap();
    std::fs::write(dir.join("secpack.toml"), CONFIG).unwrap();
}

fn schema(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/schemas")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// A validator for one of the official schemas (`osv`, `csaf`, `provider`,
/// `rolie`), with format checking on and the referenced schemas served locally.
pub fn validator(which: &str) -> jsonschema::Validator {
    let registry = jsonschema::Registry::new()
        .add(
            "https://www.first.org/cvss/cvss-v2.0.json",
            jsonschema::Resource::from_contents(schema("cvss-v2.0.json")),
        )
        .unwrap()
        .add(
            "https://www.first.org/cvss/cvss-v3.0.json",
            jsonschema::Resource::from_contents(schema("cvss-v3.0.json")),
        )
        .unwrap()
        .add(
            "https://www.first.org/cvss/cvss-v3.1.json",
            jsonschema::Resource::from_contents(schema("cvss-v3.1.json")),
        )
        .unwrap()
        .add(
            "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json",
            jsonschema::Resource::from_contents(schema("csaf_json_schema.json")),
        )
        .unwrap()
        .prepare()
        .unwrap();
    let file = match which {
        "osv" => "osv_schema.json",
        "csaf" => "csaf_json_schema.json",
        "provider" => "provider_json_schema.json",
        "rolie" => "ROLIE_feed_json_schema.json",
        other => panic!("no schema {other}"),
    };
    // Leak the registry: validators borrow it for the test's lifetime.
    let registry: &'static jsonschema::Registry<'static> = Box::leak(Box::new(registry));
    jsonschema::options()
        .should_validate_formats(true)
        .with_registry(registry)
        .build(&schema(file))
        .unwrap()
}

/// Panics with every schema error of `doc`.
pub fn assert_valid(v: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} is invalid:\n{}",
        errors.join("\n")
    );
}

/// A temporary gpg home, its agent stopped when dropped.
pub struct GpgHome {
    pub dir: tempfile::TempDir,
}

impl GpgHome {
    /// A new, empty gpg home.
    pub fn new() -> Self {
        // Short path: gpg-agent's socket path has a length limit.
        let dir = tempfile::Builder::new()
            .prefix("g")
            .tempdir_in("/tmp")
            .unwrap();
        Self { dir }
    }

    /// `gpg --homedir <home> --batch <args>`; panics when gpg is missing.
    pub fn gpg(&self, args: &[&str]) -> std::process::Output {
        Command::new("gpg")
            .arg("--homedir")
            .arg(self.dir.path())
            .arg("--batch")
            .args(args)
            .output()
            .expect("gpg must be installed to run this test")
    }

    /// Generates an ed25519 signing key for `uid`, protected by
    /// `passphrase` unless it is empty, and returns its armoured secret key.
    pub fn secret_key(&self, uid: &str, passphrase: &str) -> Vec<u8> {
        let out = self.gpg(&[
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            passphrase,
            "--quick-gen-key",
            uid,
            "ed25519",
            "sign",
            "0",
        ]);
        assert!(
            out.status.success(),
            "gpg --quick-gen-key: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = self.gpg(&[
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            passphrase,
            "--armor",
            "--export-secret-keys",
            uid,
        ]);
        assert!(
            out.status.success(),
            "gpg --export-secret-keys: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out
            .stdout
            .starts_with(b"-----BEGIN PGP PRIVATE KEY BLOCK-----"));
        out.stdout
    }

    /// The armoured public key of `uid`.
    pub fn public_key(&self, uid: &str) -> Vec<u8> {
        let out = self.gpg(&["--armor", "--export", uid]);
        assert!(out.status.success());
        out.stdout
    }

    /// Whether `gpg --verify sig data` accepts the signature.
    pub fn verifies(&self, sig: &Path, data: &Path) -> bool {
        let out = self.gpg(&[
            "--verify",
            &sig.display().to_string(),
            &data.display().to_string(),
        ]);
        out.status.success()
    }
}

impl Drop for GpgHome {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .arg("--homedir")
            .arg(self.dir.path())
            .args(["--kill", "gpg-agent"])
            .output();
    }
}
