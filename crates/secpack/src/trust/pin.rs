//! The pinned master-key fingerprint: the only trust secpack takes from
//! outside the pack.

use std::fmt;
use std::path::{Path, PathBuf};

use sequoia_openpgp::Fingerprint;

use crate::error::{Coded, ErrorClass};

/// Why no usable pin was found.
#[derive(Debug, thiserror::Error)]
pub enum PinError {
    /// The text is not a full fingerprint.
    #[error("{what}: {why}")]
    Invalid {
        /// Where the text came from (`--master`, `SECPACK_MASTER`, a file).
        what: String,
        /// What is wrong with it.
        why: String,
    },
    /// The text is a key ID: too short to pin trust on.
    #[error(
        "{what}: {hex} is a key ID, not a fingerprint: key IDs can be forged; pin the full \
         40-digit (v4) or 64-digit (v6) fingerprint"
    )]
    KeyId {
        /// Where the text came from.
        what: String,
        /// The key ID.
        hex: String,
    },
    /// The user's config file holding the pin is not safe to trust.
    #[error(
        "{} holds the master pin but is not safe to trust: {why}; fix it with \
         `chmod go-w {} {}` (the file and its folder must be yours, not links, and \
         writable by nobody else), or pass the pin with --master",
        path.display(), path.parent().unwrap_or(Path::new(".")).display(), path.display()
    )]
    UnsafeConfig {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// The user's config file cannot be read as TOML.
    #[error("reading {}: {why}", path.display())]
    BadConfig {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
}

impl Coded for PinError {
    fn code(&self) -> &'static str {
        match self {
            Self::Invalid { .. } => "bad-pin",
            Self::KeyId { .. } => "key-id-pin",
            Self::UnsafeConfig { .. } => "unsafe-pin-config",
            Self::BadConfig { .. } => "bad-pin-config",
        }
    }
    fn class(&self) -> ErrorClass {
        match self {
            Self::Invalid { .. } | Self::KeyId { .. } => ErrorClass::Usage,
            Self::UnsafeConfig { .. } | Self::BadConfig { .. } => ErrorClass::Config,
        }
    }
}

/// Environment variable that may carry the pin.
pub const PIN_ENV: &str = "SECPACK_MASTER";

/// What to tell a user who has no pin.
pub const HOW_TO_PIN: &str = "\
secpack trusts nothing in the pack itself: a forged pack carries a forged master key.
Obtain the master key's fingerprint out of band and check it through at least two
independent channels (the project's website over HTTPS, a printed copy, a talk's
slides, a trusted friend's keyring), then pass it with one of:
  --master 'AAAA BBBB ... ' (spaces optional)
  SECPACK_MASTER='AAAA...'  (environment)
  master = \"AAAA...\"       in $XDG_CONFIG_HOME/secpack/config.toml
                           (a file of yours that nobody else may write: chmod go-w)";

/// A master-key fingerprint pinned by the user.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MasterPin(Fingerprint);

impl MasterPin {
    /// Parses a fingerprint as printed by GnuPG or in canaries: hex, with or
    /// without spaces, optional `0x`, any case. Key IDs (16 hex digits) are
    /// refused: they are too short to pin trust on.
    pub fn parse(text: &str) -> Result<Self, PinError> {
        Self::parse_from(text, "the master fingerprint")
    }

    /// [`MasterPin::parse`], naming where the text came from in errors.
    fn parse_from(text: &str, what: &str) -> Result<Self, PinError> {
        let invalid = |why: String| PinError::Invalid {
            what: what.to_string(),
            why,
        };
        let hex: String = text
            .trim()
            .trim_start_matches("0x")
            .trim_start_matches("0X")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if hex.is_empty() {
            return Err(invalid("the master fingerprint is empty".into()));
        }
        if let Some(c) = hex.chars().find(|c| !c.is_ascii_hexdigit()) {
            return Err(invalid(format!(
                "the master fingerprint contains {c:?}, which is not a hexadecimal digit"
            )));
        }
        match hex.len() {
            40 | 64 => {}
            16 | 8 => {
                return Err(PinError::KeyId {
                    what: what.to_string(),
                    hex,
                })
            }
            n => {
                return Err(invalid(format!(
                    "a fingerprint has 40 (v4) or 64 (v6) hexadecimal digits, not {n}"
                )))
            }
        }
        hex.parse::<Fingerprint>()
            .map(Self)
            .map_err(|e| invalid(format!("parsing the fingerprint: {e}")))
    }

    /// The fingerprint.
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.0
    }

    /// Upper-case hex, no spaces.
    pub fn to_hex(&self) -> String {
        self.0.to_hex()
    }

    /// Resolves the pin from, in order: the command line, `SECPACK_MASTER`,
    /// the user's config file. Returns `Ok(None)` when none is set.
    pub fn resolve(cli: Option<&str>) -> Result<Option<(Self, PinSource)>, PinError> {
        if let Some(v) = cli {
            return Ok(Some((
                Self::parse_from(v, "--master")?,
                PinSource::CommandLine,
            )));
        }
        if let Ok(v) = std::env::var(PIN_ENV) {
            if !v.trim().is_empty() {
                return Ok(Some((
                    Self::parse_from(&v, PIN_ENV)?,
                    PinSource::Environment,
                )));
            }
        }
        if let Some(path) = user_config_file() {
            if let Some(text) = read_user_config(&path)? {
                let conf: UserConfig = toml::from_str(&text).map_err(|e| PinError::BadConfig {
                    path: path.clone(),
                    why: e.to_string(),
                })?;
                if let Some(v) = conf.master {
                    let what = format!("{}: master", path.display());
                    let pin = Self::parse_from(&v, &what)?;
                    return Ok(Some((pin, PinSource::ConfigFile(path))));
                }
            }
        }
        Ok(None)
    }
}

impl fmt::Display for MasterPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_hex())
    }
}

/// Where the pin came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinSource {
    /// `--master`.
    CommandLine,
    /// `SECPACK_MASTER`.
    Environment,
    /// The user's config file.
    ConfigFile(PathBuf),
}

/// The user's own configuration (`$XDG_CONFIG_HOME/secpack/config.toml`).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct UserConfig {
    master: Option<String>,
}

/// Largest user config file read.
pub const MAX_USER_CONFIG_BYTES: u64 = 64 * 1024;

/// Reads the user's config file, `None` when it (or its folder) does not
/// exist. It holds the pin, so it gets the signature cache's rule: opened
/// without following a link and judged on what was opened, it must be a
/// regular file owned by the user that nobody else may write, in a folder
/// owned by the user that nobody else may write, below folders that do not
/// let others replace it (up to the home folder). Anything else is refused
/// with an error naming the file and the fix, not ignored: a pin someone
/// else could have written is no pin.
pub fn read_user_config(path: &Path) -> Result<Option<String>, PinError> {
    let bytes = super::cache::read_private(path, MAX_USER_CONFIG_BYTES, 0o022).map_err(|e| {
        PinError::UnsafeConfig {
            path: path.to_path_buf(),
            why: format!("{e:#}"),
        }
    })?;
    bytes
        .map(|b| {
            String::from_utf8(b).map_err(|_| PinError::BadConfig {
                path: path.to_path_buf(),
                why: "not UTF-8".into(),
            })
        })
        .transpose()
}

/// `$XDG_CONFIG_HOME/secpack/config.toml`, or `~/.config/secpack/config.toml`.
pub fn user_config_file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("secpack").join("config.toml"))
}

/// How [`group_fingerprint`] sets out a fingerprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FingerprintLayout {
    /// Groups of four hex digits, one space apart (`427F 11FD ...`).
    Groups,
    /// As GnuPG prints it: groups of four, two spaces between the halves.
    GnuPg,
}

/// A fingerprint (hex digits) in groups of four, as people read and compare
/// it; the one place fingerprints are set out for reading.
pub fn group_fingerprint(hex: &str, layout: FingerprintLayout) -> String {
    let groups: Vec<String> = hex
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    match layout {
        FingerprintLayout::Groups => groups.join(" "),
        FingerprintLayout::GnuPg => {
            let half = groups.len() / 2;
            format!("{}  {}", groups[..half].join(" "), groups[half..].join(" "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FPR: &str = "427F11FD0FAA4B080123F01CDDFA1A3E36879494";

    #[test]
    fn accepts_the_forms_people_paste() {
        for s in [
            FPR,
            "427F 11FD 0FAA 4B08 0123  F01C DDFA 1A3E 3687 9494",
            "0x427f11fd0faa4b080123f01cddfa1a3e36879494",
            "  427F11FD0FAA4B080123F01CDDFA1A3E36879494\n",
        ] {
            assert_eq!(MasterPin::parse(s).unwrap().to_hex(), FPR, "{s}");
        }
    }

    #[test]
    fn fingerprints_are_grouped_by_four() {
        assert_eq!(
            group_fingerprint(FPR, FingerprintLayout::Groups),
            "427F 11FD 0FAA 4B08 0123 F01C DDFA 1A3E 3687 9494"
        );
        let gnupg = group_fingerprint(FPR, FingerprintLayout::GnuPg);
        assert_eq!(gnupg, "427F 11FD 0FAA 4B08 0123  F01C DDFA 1A3E 3687 9494");
        // What is printed reads back as the same pin.
        assert_eq!(MasterPin::parse(&gnupg).unwrap().to_hex(), FPR);
        // A v6 fingerprint: 16 groups, eight on each side.
        let v6 = "AB".repeat(32);
        let g = group_fingerprint(&v6, FingerprintLayout::GnuPg);
        assert_eq!(
            g.split("  ")
                .map(|h| h.split(' ').count())
                .collect::<Vec<_>>(),
            [8, 8]
        );
        assert_eq!(group_fingerprint("", FingerprintLayout::Groups), "");
    }

    #[test]
    fn refuses_ids_and_garbage() {
        let e = MasterPin::parse("DDFA1A3E36879494")
            .unwrap_err()
            .to_string();
        assert!(e.contains("key ID"), "{e}");
        assert!(MasterPin::parse("").is_err());
        assert!(MasterPin::parse("427F11FD0FAA4B080123F01CDDFA1A3E3687949").is_err());
        assert!(MasterPin::parse("427F11FD0FAA4B080123F01CDDFA1A3E3687949Z").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn the_user_config_is_read_only_when_nobody_else_may_write_it() {
        use std::os::unix::fs::PermissionsExt;
        let set = |p: &Path, mode: u32| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
        };
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("secpack");
        let file = folder.join("config.toml");
        // Missing folder, missing file: no config.
        assert_eq!(read_user_config(&file).unwrap(), None);
        std::fs::create_dir(&folder).unwrap();
        set(&folder, 0o755);
        assert_eq!(read_user_config(&file).unwrap(), None);
        std::fs::write(&file, format!("master = \"{FPR}\"\n")).unwrap();
        set(&file, 0o644);
        assert!(read_user_config(&file).unwrap().unwrap().contains(FPR));

        for (file_mode, folder_mode, words) in [
            (0o666, 0o755, "lets others write it"),
            (0o620, 0o755, "lets others write it"),
            (0o644, 0o777, "others may write its folder"),
            (0o644, 0o775, "others may write its folder"),
        ] {
            set(&file, file_mode);
            set(&folder, folder_mode);
            let e = format!("{:#}", read_user_config(&file).unwrap_err());
            assert!(
                e.contains(&file.display().to_string())
                    && e.contains(words)
                    && e.contains("chmod go-w")
                    && e.contains("--master"),
                "{file_mode:o} {folder_mode:o}: {e}"
            );
        }
        set(&folder, 0o755);

        // A link to a safe file is refused too: it is judged as opened.
        let real = dir.path().join("real.toml");
        std::fs::rename(&file, &real).unwrap();
        set(&real, 0o644);
        std::os::unix::fs::symlink(&real, &file).unwrap();
        let e = format!("{:#}", read_user_config(&file).unwrap_err());
        assert!(e.contains("symbolic link"), "{e}");
    }
}
