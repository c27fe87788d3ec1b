//! Real GnuPG in a temporary home: make keys, certify them, sign (detached
//! or clear-signed) and verify, at faked times.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::RwLock;

/// A GnuPG home in a temporary folder (its agent is stopped on drop).
///
/// Tests on several threads share one home (see [`crate::keys`]). A gpg that
/// reads the keyring while another one rewrites it can find no key at all
/// and still exit 0 ("WARNING: nothing exported"), so every command that
/// changes the keyring holds `keyring` for writing and every other command
/// holds it for reading.
pub struct Gpg {
    /// The home folder (`GNUPGHOME`).
    pub home: tempfile::TempDir,
    keyring: RwLock<()>,
}

/// The gpg commands that change the keyring.
const KEYRING_CHANGES: &[&str] = &[
    "--quick-gen-key",
    "--quick-add-key",
    "--quick-sign-key",
    "--quick-revoke-sig",
    "--quick-revoke-uid",
    "--quick-set-expire",
    "--import",
    "--delete-keys",
    "--delete-secret-keys",
    "--delete-secret-and-public-keys",
];

impl Default for Gpg {
    fn default() -> Self {
        Self::new()
    }
}

impl Gpg {
    /// An empty home, private to the user, whose agent accepts loopback
    /// passphrases.
    pub fn new() -> Self {
        let home = tempfile::Builder::new()
            .prefix("secpack-gpg-")
            .tempdir()
            .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        std::fs::write(
            home.path().join("gpg-agent.conf"),
            "allow-loopback-pinentry\n",
        )
        .unwrap();
        Self {
            home,
            keyring: RwLock::new(()),
        }
    }

    /// A home for the whole test process, kept in a static that is never
    /// dropped: a watchdog process stops its agent and removes the folder
    /// once this process has ended (however it ended), so that test runs
    /// leave no agents running and no keys behind.
    pub fn for_this_process() -> Self {
        let gpg = Self::new();
        let watchdog = "while kill -0 \"$1\" 2>/dev/null; do sleep 1; done; \
                        GNUPGHOME=\"$2\" gpgconf --kill gpg-agent; rm -rf -- \"$2\"";
        let spawned = Command::new("sh")
            .args(["-c", watchdog, "sh", &std::process::id().to_string()])
            .arg(gpg.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        if let Err(e) = spawned {
            eprintln!(
                "no watchdog for the GnuPG home {}: {e}",
                gpg.path().display()
            );
        }
        gpg
    }

    /// The home folder.
    pub fn path(&self) -> &Path {
        self.home.path()
    }

    /// `gpg` in this home, in batch mode with an empty loopback passphrase.
    fn command(&self) -> Command {
        let mut c = Command::new("gpg");
        c.env("GNUPGHOME", self.home.path()).args([
            "--batch",
            "--yes",
            "--quiet",
            "--no-tty",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
        ]);
        c
    }

    /// Runs `f` holding the keyring lock: for writing when it `changes` the
    /// keyring, else for reading.
    fn with_keyring<T>(&self, changes: bool, f: impl FnOnce() -> T) -> T {
        // A test that panicked while holding the lock leaves nothing to undo.
        if changes {
            let _w = self.keyring.write().unwrap_or_else(|e| e.into_inner());
            f()
        } else {
            let _r = self.keyring.read().unwrap_or_else(|e| e.into_inner());
            f()
        }
    }

    /// Runs gpg with `args` under the keyring lock and returns what it did.
    fn output(&self, args: &[&str]) -> Output {
        let changes = args.iter().any(|a| KEYRING_CHANGES.contains(a));
        self.with_keyring(changes, || {
            self.command().args(args).output().expect("gpg runs")
        })
    }

    /// Runs gpg with `args` and returns stdout; panics with stderr on failure.
    pub fn run(&self, args: &[&str]) -> Vec<u8> {
        let out = self.output(args);
        assert!(
            out.status.success(),
            "gpg {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// Runs gpg at a faked time (`20200101T000000`).
    pub fn at(&self, time: &str, args: &[&str]) -> Vec<u8> {
        let t = format!("{time}!");
        let mut all = vec!["--faked-system-time", t.as_str()];
        all.extend_from_slice(args);
        self.run(&all)
    }

    /// Imports the key file `file` (public or secret).
    pub fn import(&self, file: &Path) {
        self.run(&["--import", file.to_str().unwrap()]);
    }

    /// Whether `gpg --verify` accepts the detached signature `sig` of `data`.
    pub fn verifies(&self, sig: &Path, data: &Path) -> bool {
        self.verify_files(&[sig, data])
    }

    /// Whether `gpg --verify` accepts a clear-signed file.
    pub fn verifies_clearsigned(&self, file: &Path) -> bool {
        self.verify_files(&[file])
    }

    fn verify_files(&self, files: &[&Path]) -> bool {
        let mut args = vec!["--verify"];
        args.extend(files.iter().map(|f| f.to_str().expect("a UTF-8 path")));
        self.output(&args).status.success()
    }

    /// Generates a key and returns its fingerprint.
    pub fn generate(&self, time: &str, uid: &str, algo: &str, usage: &str, expire: &str) -> String {
        self.at(time, &["--quick-gen-key", uid, algo, usage, expire]);
        self.fingerprint(uid)
    }

    /// The fingerprint of the (first) key `who` names.
    pub fn fingerprint(&self, who: &str) -> String {
        let out = self.run(&["--with-colons", "--fingerprint", who]);
        String::from_utf8(out)
            .unwrap()
            .lines()
            .find_map(|l| {
                l.strip_prefix("fpr:")
                    .map(|r| r.trim_matches(':').to_string())
            })
            .expect("a fingerprint")
    }

    /// The master certifies `key` at `time`.
    pub fn certify(&self, time: &str, master: &str, key: &str) {
        self.at(time, &["-u", master, "--quick-sign-key", key]);
    }

    /// The armoured public key `fpr`.
    pub fn export(&self, fpr: &str) -> Vec<u8> {
        self.export_with(&["--armor", "--export", fpr])
    }

    /// The armoured secret key `fpr`.
    pub fn export_secret(&self, fpr: &str) -> Vec<u8> {
        self.export_with(&["--armor", "--export-secret-keys", fpr])
    }

    /// Runs the export `args` and returns its output, which must not be
    /// empty: gpg exits 0 when it exports nothing.
    fn export_with(&self, args: &[&str]) -> Vec<u8> {
        let out = self.output(args);
        assert!(
            out.status.success() && !out.stdout.is_empty(),
            "gpg {args:?} exported nothing: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// Runs gpg at `time` with `args`, the last of them naming a file holding
    /// `data` and `-o OUT` before it; returns what gpg wrote to `OUT`.
    fn transform(&self, time: &str, args: &[&str], data: &[u8]) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        std::fs::write(&input, data).unwrap();
        let out = dir.path().join("out");
        let mut all = args.to_vec();
        all.extend_from_slice(&["-o", out.to_str().unwrap(), input.to_str().unwrap()]);
        self.at(time, &all);
        std::fs::read(out).unwrap()
    }

    /// A detached armoured signature of `data` by `key` at `time`.
    pub fn sign(&self, time: &str, key: &str, digest: &str, data: &[u8]) -> Vec<u8> {
        self.transform(
            time,
            &[
                "-u",
                key,
                "--digest-algo",
                digest,
                "--armor",
                "--detach-sign",
            ],
            data,
        )
    }

    /// A cleartext-signed copy of `data`.
    pub fn clearsign(&self, time: &str, key: &str, data: &[u8]) -> Vec<u8> {
        self.transform(time, &["-u", key, "--clearsign"], data)
    }

    /// Runs `gpg --edit-key KEY` with commands on standard input.
    pub fn edit(&self, time: &str, key: &str, commands: &str) {
        use std::io::Write;
        let t = format!("{time}!");
        let out = self.with_keyring(true, || {
            let mut child = self
                .command()
                .args([
                    "--faked-system-time",
                    &t,
                    "--command-fd",
                    "0",
                    "--edit-key",
                    key,
                ])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            child
                .stdin
                .take()
                .unwrap()
                .write_all(commands.as_bytes())
                .unwrap();
            child.wait_with_output().unwrap()
        });
        assert!(
            out.status.success(),
            "edit-key: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Revokes the key `fpr` with the revocation certificate gpg made with
    /// it, imported at `time` (a faked time) or now.
    pub fn revoke(&self, time: Option<&str>, fpr: &str) {
        let stored = self
            .path()
            .join("openpgp-revocs.d")
            .join(format!("{fpr}.rev"));
        // gpg stores it with a colon before the armour, against accidental use.
        let rev = std::fs::read_to_string(stored)
            .unwrap()
            .replace(":-----BEGIN", "-----BEGIN");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rev.asc");
        std::fs::write(&file, rev).unwrap();
        let args = ["--import", file.to_str().unwrap()];
        match time {
            Some(t) => self.at(t, &args),
            None => self.run(&args),
        };
    }

    /// A git runner that signs with this home's keys.
    pub fn git(&self) -> crate::Git {
        crate::Git::new(self.home.path())
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        // Best effort: a home without a running agent has nothing to stop.
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", self.home.path())
            .args(["--kill", "gpg-agent"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
