//! The bundled demo pack (`examples/`), signed by throwaway keys whose
//! secret parts are committed beside it.

use std::path::PathBuf;

/// The demo pack's master key fingerprint, as gpg prints it (throwaway; see
/// `examples/make-demo-pack.sh`).
pub const DEMO_MASTER: &str = "60DC AA5E AD50 2177 5F7B  8513 8A7D 4754 3A09 DBD0";

/// The workspace's root folder.
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `examples/` folder.
pub fn examples() -> PathBuf {
    workspace().join("examples")
}

/// The demo pack (read only: copy it with [`demo_copy`] to change it).
pub fn demo_pack() -> PathBuf {
    examples().join("demo-pack")
}

/// The secret key file of the demo team member `who` (`alice`, `bob`,
/// `release`, ...), passphrase empty.
pub fn demo_key(who: &str) -> PathBuf {
    examples().join(format!("demo-keys/THROWAWAY-{who}.secret.asc"))
}

/// A copy of the demo pack in a temporary folder (the folder is the pack).
pub fn demo_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    crate::fs::copy_dir(&demo_pack(), dir.path());
    dir
}
