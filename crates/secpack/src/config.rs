//! `secpack.toml`: the optional description of a pack.
//!
//! A pack laid out like the conventional one needs no configuration at all:
//! every field has a default matching that layout. A pack that differs (other
//! folder names, other key roles, more signers required) says so here. The
//! file lives at the pack root and is itself part of what the team signs and
//! publishes, but it grants no trust: the master key is always pinned from
//! outside the pack, and the settings that change what verification accepts
//! (layout, signers, team, canary cadence, tracker) take effect for a
//! verifier only when the file carries enough valid signatures from keys the
//! master certifies ([`PackConfig::config_signers_required`];
//! `crate::trust::config` decides). Unsigned, only [`PackConfig::neutral_part`]
//! applies.

use crate::error::IoError;
use crate::fsutil::ReadCappedError;
use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// File name of the pack configuration, at the pack root.
pub const CONFIG_FILE: &str = "secpack.toml";

/// The whole `secpack.toml`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PackConfig {
    /// Who publishes the pack.
    pub project: Project,
    /// Where things live inside the pack.
    pub layout: Layout,
    /// Who must sign what.
    pub signers: Signers,
    /// The security team, for the website and for `secpack status`.
    pub team: Vec<TeamMember>,
    /// Canary cadence and proof-of-freshness sources.
    pub canary: CanaryConfig,
    /// The upstream-advisory tracker.
    pub tracker: TrackerConfig,
    /// Vulnerability report intake.
    pub report: ReportConfig,
    /// Machine-readable advisories (`secpack export`).
    pub export: ExportConfig,
    /// Who may vouch for the pack's git state (`verify --head`, `--history`).
    pub history: HistoryConfig,
}

/// Largest `secpack.toml` read.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Why `secpack.toml` cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// It is not a regular file, or too large.
    #[error("{path} is {why}")]
    Unusable {
        /// The file.
        path: String,
        /// What is wrong.
        why: String,
    },
    /// It does not parse.
    #[error("parsing {path}: {source}")]
    Parse {
        /// The file.
        path: String,
        /// What TOML said.
        #[source]
        source: toml::de::Error,
    },
    /// It cannot be read.
    #[error(transparent)]
    Io(#[from] IoError),
}

impl crate::error::Coded for ConfigError {
    fn code(&self) -> &'static str {
        match self {
            Self::Unusable { .. } => "config-unusable",
            Self::Parse { .. } => "bad-config",
            Self::Io(_) => "io",
        }
    }
    fn class(&self) -> crate::error::ErrorClass {
        match self {
            Self::Io(_) => crate::error::ErrorClass::Io,
            _ => crate::error::ErrorClass::Config,
        }
    }
}

impl PackConfig {
    /// Reads `secpack.toml` from the pack root; `None` when the file is
    /// absent. A file that exists but does not parse is an error.
    pub fn load(pack_root: &Path) -> Result<Option<Self>, ConfigError> {
        let path = pack_root.join(CONFIG_FILE);
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(IoError::new("reading", &path, e).into()),
        };
        let unusable = |why: &str| ConfigError::Unusable {
            path: path.display().to_string(),
            why: why.to_string(),
        };
        if !meta.is_file() {
            return Err(unusable("not a regular file (symlinks are refused)"));
        }
        let bytes = crate::fsutil::read_capped(&path, MAX_CONFIG_BYTES).map_err(|e| match e {
            ReadCappedError::TooLarge { .. } => unusable("larger than 1 MiB"),
            ReadCappedError::Io(io) => ConfigError::Io(io),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let invalid = std::io::Error::new(std::io::ErrorKind::InvalidData, e);
            IoError::new("reading", &path, invalid)
        })?;
        Self::parse(&text)
            .map(Some)
            .map_err(|e| ConfigError::Parse {
                path: path.display().to_string(),
                source: e,
            })
    }

    /// Parses the text of a `secpack.toml`.
    pub fn parse(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    /// The number of distinct valid signers a document in `folder` (the first
    /// path component, e.g. `QSBs`) needs: never fewer than one. The
    /// configuration file itself (folder [`CONFIG_FILE`]) needs
    /// [`PackConfig::config_signers_required`].
    pub fn required_signers(&self, folder: &str) -> u32 {
        if folder == CONFIG_FILE {
            return self.config_signers_required();
        }
        self.signers
            .required
            .get(folder)
            .copied()
            .unwrap_or(self.signers.default_required)
            .max(1)
    }

    /// How many distinct team members must sign `secpack.toml` for its
    /// settings to count: as many as the strictest threshold it declares,
    /// and at least one.
    pub fn config_signers_required(&self) -> u32 {
        self.signers
            .required
            .values()
            .copied()
            .chain([self.signers.default_required, 1])
            .max()
            .unwrap_or(1)
    }

    /// The key roles allowed to sign documents in `folder`, or `None` when any
    /// key certified by the master may sign there. `secpack.toml` is signed
    /// by the security team (or the master key), whatever the file says.
    pub fn allowed_roles(&self, folder: &str) -> Option<&[String]> {
        if folder == CONFIG_FILE {
            return Some(CONFIG_SIGNER_ROLES.as_slice());
        }
        self.signers.roles.get(folder).map(Vec::as_slice)
    }

    /// The part of the configuration that never changes a verdict (names,
    /// contact, export URLs, report key choice, where canaries find their
    /// proof of freshness), with the built-in defaults everywhere else. This is
    /// what applies when `secpack.toml` is not signed well enough.
    pub fn neutral_part(&self) -> PackConfig {
        let defaults = PackConfig::default();
        PackConfig {
            project: self.project.clone(),
            report: self.report.clone(),
            export: self.export.clone(),
            canary: CanaryConfig {
                feeds: self.canary.feeds.clone(),
                headlines: self.canary.headlines,
                block_source: self.canary.block_source.clone(),
                block_depth: self.canary.block_depth,
                http_timeout_secs: self.canary.http_timeout_secs,
                http_retries: self.canary.http_retries,
                ..defaults.canary
            },
            ..defaults
        }
    }

    /// The tables whose settings [`PackConfig::neutral_part`] drops because
    /// they differ from the defaults (`layout`, `signers`, ...): what an
    /// unsigned file would have changed.
    pub fn trust_settings_changed(&self) -> Vec<&'static str> {
        let n = self.neutral_part();
        [
            ("layout", self.layout != n.layout),
            ("signers", self.signers != n.signers),
            ("team", self.team != n.team),
            ("canary", self.canary != n.canary),
            ("tracker", self.tracker != n.tracker),
            ("history", self.history != n.history),
        ]
        .into_iter()
        .filter_map(|(table, changed)| changed.then_some(table))
        .collect()
    }
}

/// Roles whose keys sign `secpack.toml`.
static CONFIG_SIGNER_ROLES: std::sync::LazyLock<[String; 2]> =
    std::sync::LazyLock::new(|| [ROLE_SECURITY_TEAM.to_string(), ROLE_MASTER.to_string()]);

/// Who publishes the pack.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Project {
    /// The project's name, as printed in bulletin banners.
    pub name: String,
    /// The team's name, as printed in signature blocks.
    pub team_name: String,
    /// The project's home page.
    pub url: Option<String>,
    /// The security team's contact address.
    pub contact: Option<String>,
    /// Short prefix of bulletin identifiers (`QSB`).
    pub bulletin_id_prefix: String,
    /// Name of the upstream whose advisories the tracker follows (`Xen`).
    pub upstream_name: String,
    /// Prefix of upstream advisory identifiers (`XSA`).
    pub upstream_id_prefix: String,
}

impl Default for Project {
    fn default() -> Self {
        Self {
            name: "Project".into(),
            team_name: "Security Team".into(),
            url: None,
            contact: None,
            bulletin_id_prefix: "QSB".into(),
            upstream_name: "Xen".into(),
            upstream_id_prefix: "XSA".into(),
        }
    }
}

/// Where things live inside the pack. Paths are relative to the pack root.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Layout {
    /// The folder holding every key.
    pub keys: String,
    /// The bulletin folder.
    pub bulletins: String,
    /// The canary folder.
    pub canaries: String,
    /// The release digest folder.
    pub digests: String,
    /// File-name prefix of bulletins (`qsb` for `qsb-NNN-YYYY.txt`).
    pub bulletin_prefix: String,
    /// File-name prefix of canaries (`canary` for `canary-NNN-YYYY.txt`).
    pub canary_prefix: String,
    /// Folders holding helper scripts: their files are reported, never signed.
    pub tools: Vec<String>,
    /// Key roles by folder under `keys/` (`security-team` → `security-team`).
    /// Folders not listed take their own name as role.
    pub key_roles: BTreeMap<String, String>,
}

impl Default for Layout {
    fn default() -> Self {
        let key_roles = [
            ("master-key", ROLE_MASTER),
            ("security-team", ROLE_SECURITY_TEAM),
            ("release-keys", ROLE_RELEASE),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        Self {
            keys: "keys".into(),
            bulletins: "QSBs".into(),
            canaries: "canaries".into(),
            digests: "digests".into(),
            bulletin_prefix: "qsb".into(),
            canary_prefix: "canary".into(),
            tools: vec!["utils".into()],
            key_roles,
        }
    }
}

impl Layout {
    /// Whether the pack path `path` is the text of a bulletin, or of a letter
    /// published beside one: `<bulletins>/<prefix>-NNN-YYYY[-suffix].txt`.
    /// Such a file must not hold template text.
    pub fn is_bulletin_text(&self, path: &str) -> bool {
        path.rsplit_once('/').is_some_and(|(dir, name)| {
            dir == self.bulletins
                && crate::pack::NumberedName::parse(&self.bulletin_prefix, name).is_some()
        })
    }

    /// The role of keys kept in `folder` (the first component below `keys/`).
    pub fn role_of_key_folder(&self, folder: &str) -> String {
        self.key_roles
            .get(folder)
            .cloned()
            .unwrap_or_else(|| folder.to_string())
    }
}

/// Role of the master key.
pub const ROLE_MASTER: &str = "master";
/// Role of the keys that sign bulletins and canaries.
pub const ROLE_SECURITY_TEAM: &str = "security-team";
/// Role of the keys that sign release digests.
pub const ROLE_RELEASE: &str = "release";

/// Who must sign what.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Signers {
    /// Distinct valid signers a document needs when its folder is not listed.
    pub default_required: u32,
    /// Distinct valid signers per folder (`QSBs = 2`).
    pub required: BTreeMap<String, u32>,
    /// Roles allowed to sign per folder; a signature by another role gets the
    /// `wrong-role` warning.
    pub roles: BTreeMap<String, Vec<String>>,
}

impl Default for Signers {
    fn default() -> Self {
        let team = vec![ROLE_SECURITY_TEAM.to_string()];
        let roles = [
            ("QSBs".to_string(), team.clone()),
            ("canaries".to_string(), team),
            ("digests".to_string(), vec![ROLE_RELEASE.to_string()]),
        ]
        .into_iter()
        .collect();
        Self {
            default_required: 1,
            required: BTreeMap::new(),
            roles,
        }
    }
}

/// A member of the security team.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TeamMember {
    /// Full name.
    pub name: String,
    /// Signer name used in signature file names (`alice` for `.sig.alice`).
    pub signer: String,
    /// Role in the team, free text ("coordinator").
    pub role: String,
    /// Fingerprint of the member's signing key, when pinned here.
    pub fingerprint: Option<String>,
    /// A former member.
    pub emeritus: bool,
}

/// Canary cadence and proof-of-freshness sources.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CanaryConfig {
    /// Months between canaries.
    pub cadence_months: u32,
    /// Days at the start of the due month within which the next canary is promised.
    pub window_days: u32,
    /// News feeds (RSS 2.0 or Atom) quoted as proof of freshness.
    pub feeds: Vec<Feed>,
    /// Headlines taken from each feed.
    pub headlines: usize,
    /// HTTP JSON source of recent block hashes.
    pub block_source: Option<BlockSource>,
    /// How many blocks below the tip the quoted block is taken.
    pub block_depth: u64,
    /// Seconds one HTTP request to a freshness source may take (fractions
    /// allowed).
    pub http_timeout_secs: f64,
    /// Further attempts after a transient HTTP failure (timeout, connection
    /// error, 5xx).
    pub http_retries: u32,
}

impl Default for CanaryConfig {
    fn default() -> Self {
        Self {
            cadence_months: 3,
            window_days: 14,
            feeds: Vec::new(),
            headlines: 5,
            block_source: None,
            block_depth: 10,
            http_timeout_secs: 20.0,
            http_retries: 2,
        }
    }
}

/// A news feed quoted in a canary.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Feed {
    /// The feed's URL.
    pub url: String,
    /// Title to print instead of the feed's own.
    pub title: Option<String>,
}

/// Where recent block hashes come from: an HTTP JSON service. `tip_url`
/// answers the chain height (a bare number, or an object with a `height`
/// field); `block_url` answers the hash at a height (a bare hash, a JSON
/// string, or an object with a `hash` field). See `docs/canaries.md`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct BlockSource {
    /// Name printed in the canary; the host of `tip_url` when empty.
    pub name: String,
    /// URL answering the current height as JSON.
    pub tip_url: String,
    /// URL answering the hash at a height; `{height}` is replaced.
    pub block_url: String,
}

/// The upstream-advisory tracker.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TrackerConfig {
    /// The tracker file, relative to the pack root.
    pub file: String,
    /// Days a row may stay "to be announced" before `xsa check` complains.
    pub tba_max_days: u32,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        Self {
            file: "tracker/xsa.toml".into(),
            tba_max_days: 30,
        }
    }
}

/// Vulnerability report intake.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ReportConfig {
    /// The key reports are encrypted to, relative to the pack root; by default
    /// the security team's e-mail key (`keys/security-team/*email*`).
    pub encryption_key: Option<String>,
    /// Members reports are also encrypted to, each to the encryption
    /// subkeys of their certified security-team key file (`NAME-*.asc`).
    pub recipients: Vec<String>,
}

/// Who may vouch for the state of the pack's git repository: its HEAD and
/// its history (`secpack verify --head`, `--history`; docs/verify.md §8).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct HistoryConfig {
    /// Key roles whose signed tags and signed commits vouch for a commit
    /// (default: the security team and the master key).
    pub signer_roles: Vec<String>,
    /// Key roles that must vouch for a change to a sensitive path (default:
    /// the security team and the master key).
    pub sensitive_roles: Vec<String>,
    /// Paths whose changes need a signature by a key of `sensitive_roles`
    /// (default: the keys folder and `secpack.toml`).
    pub sensitive_paths: Option<Vec<String>>,
    /// What must be signed: `"tags"` (every commit lies under a signed tag or
    /// signed commit: the Qubes convention) or `"commits"` (every commit is
    /// itself signed or tagged).
    pub require: HistoryRequirement,
    /// The commit (full hex id) history is authenticated from, like
    /// `sq-git`'s trust root; commits before it are not judged. Default: the
    /// oldest commit that carries a valid signed tag or signature.
    pub trust_root: Option<String>,
}

impl Default for HistoryConfig {
    fn default() -> Self {
        Self {
            signer_roles: vec![ROLE_SECURITY_TEAM.to_string(), ROLE_MASTER.to_string()],
            sensitive_roles: vec![ROLE_SECURITY_TEAM.to_string(), ROLE_MASTER.to_string()],
            sensitive_paths: None,
            require: HistoryRequirement::Tags,
            trust_root: None,
        }
    }
}

impl HistoryConfig {
    /// The sensitive paths, with the pack's keys folder and `secpack.toml`
    /// by default.
    pub fn sensitive_paths(&self, layout: &Layout) -> Vec<String> {
        self.sensitive_paths
            .clone()
            .unwrap_or_else(|| vec![layout.keys.clone(), CONFIG_FILE.to_string()])
    }
}

/// What the history policy requires to be signed.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum HistoryRequirement {
    /// Every commit is an ancestor (or itself) of a commit carrying a valid
    /// signed tag or commit signature.
    #[default]
    Tags,
    /// Every commit carries a valid signed tag or commit signature itself.
    Commits,
}

/// Machine-readable advisories (`secpack export osv|csaf`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ExportConfig {
    /// Text put before bulletin identifiers in OSV ids. The OSV schema only
    /// accepts registered database prefixes and `x_` for the others; set it
    /// to `""` once `project.bulletin_id_prefix` is registered with OSV.
    /// `osv_id_prefix`, its former name, is still read.
    #[serde(alias = "osv_id_prefix")]
    pub osv_prefix: String,
    /// The https URL the CSAF provider folder is published at, ending in
    /// `/.well-known/csaf` (default: `project.url` + `/.well-known/csaf`).
    pub csaf_base_url: Option<String>,
    /// URL of the published bulletin folder; a bulletin's file name is
    /// appended to it to link the bulletin text.
    pub bulletin_base_url: Option<String>,
}

impl Default for ExportConfig {
    fn default() -> Self {
        Self {
            osv_prefix: "x_".into(),
            csaf_base_url: None,
            bulletin_base_url: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_over_the_limit_or_not_utf8_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE);
        assert!(PackConfig::load(dir.path()).unwrap().is_none());
        std::fs::write(&path, vec![b'#'; MAX_CONFIG_BYTES as usize + 1]).unwrap();
        let e = PackConfig::load(dir.path()).unwrap_err();
        assert!(matches!(e, ConfigError::Unusable { .. }), "{e:?}");
        assert!(e.to_string().ends_with("is larger than 1 MiB"), "{e}");
        std::fs::write(&path, b"\xff\xfe").unwrap();
        let e = PackConfig::load(dir.path()).unwrap_err();
        assert!(matches!(e, ConfigError::Io(_)), "{e:?}");
        std::fs::write(&path, b"").unwrap();
        assert_eq!(
            PackConfig::load(dir.path()).unwrap(),
            Some(PackConfig::default())
        );
    }

    #[test]
    fn empty_file_gives_conventional_layout() {
        let c = PackConfig::parse("").unwrap();
        assert_eq!(c, PackConfig::default());
        assert_eq!(c.layout.bulletins, "QSBs");
        assert_eq!(c.required_signers("QSBs"), 1);
        assert_eq!(
            c.layout.role_of_key_folder("security-team"),
            "security-team"
        );
        assert_eq!(c.layout.role_of_key_folder("core-devs"), "core-devs");
    }

    #[test]
    fn thresholds_and_roles_are_read() {
        let c = PackConfig::parse(
            "[signers]\ndefault_required = 1\nrequired = { QSBs = 2 }\n\
             roles = { fund = [\"security-team\"] }\n",
        )
        .unwrap();
        assert_eq!(c.required_signers("QSBs"), 2);
        assert_eq!(c.required_signers("fund"), 1);
        assert_eq!(c.allowed_roles("fund").unwrap(), ["security-team"]);
        // Setting `roles` replaces the default table.
        assert!(c.allowed_roles("QSBs").is_none());
    }

    #[test]
    fn thresholds_have_a_floor_of_one() {
        let c = PackConfig::parse("[signers]\ndefault_required = 0\nrequired = { QSBs = 0 }\n")
            .unwrap();
        assert_eq!(c.required_signers("QSBs"), 1);
        assert_eq!(c.required_signers("elsewhere"), 1);
        assert_eq!(c.config_signers_required(), 1);
    }

    #[test]
    fn the_config_needs_as_many_signers_as_its_strictest_threshold() {
        let c = PackConfig::parse("[signers]\nrequired = { QSBs = 2, canaries = 3 }\n").unwrap();
        assert_eq!(c.config_signers_required(), 3);
        assert_eq!(c.required_signers(CONFIG_FILE), 3);
        assert_eq!(
            c.allowed_roles(CONFIG_FILE).unwrap(),
            [ROLE_SECURITY_TEAM, ROLE_MASTER]
        );
        assert_eq!(PackConfig::default().config_signers_required(), 1);
    }

    #[test]
    fn the_neutral_part_keeps_only_what_changes_no_verdict() {
        let c = PackConfig::parse(
            "[project]\nname = \"P\"\n[layout]\ntools = [\"QSBs\"]\n\
             [signers]\nrequired = { QSBs = 0 }\n[canary]\ncadence_months = 120\nheadlines = 2\n",
        )
        .unwrap();
        assert_eq!(c.trust_settings_changed(), ["layout", "signers", "canary"]);
        let n = c.neutral_part();
        assert_eq!(n.project.name, "P");
        assert_eq!(n.canary.headlines, 2);
        assert_eq!(n.layout, Layout::default());
        assert_eq!(n.signers, Signers::default());
        assert_eq!(n.canary.cadence_months, 3);
        assert!(n.trust_settings_changed().is_empty());
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let e = PackConfig::parse("[signers]\nrequird = 2\n").unwrap_err();
        assert!(format!("{e:#}").contains("requird"), "{e:#}");
    }
}
