//! A new, empty security pack.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use super::TeamError;
use crate::config::CONFIG_FILE;
use crate::fsutil::write_atomic;

/// What `init` writes.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The project's name, printed in bulletin banners.
    pub project: String,
    /// Run `git init` in the new pack.
    pub git: bool,
}

/// The bulletin template new bulletins start from; `@@...@@` placeholders are
/// filled by [`super::draft_bulletin`].
pub const BULLETIN_TEMPLATE: &str = include_str!("templates/qsb-template.txt");

/// The canary template.
pub const CANARY_TEMPLATE: &str = include_str!("templates/canary-template.txt");

/// The commented `secpack.toml` of a new pack; `@@PROJECT@@` is replaced by
/// the quoted project name.
const CONFIG_TEMPLATE: &str = include_str!("templates/secpack.toml");

const README_TEMPLATE: &str = include_str!("templates/README.md");

const KEYS_README: &str = "\
Keys of this pack, one folder per role. The master key (master-key/)
certifies every other key; verify the pack only from the master key's
fingerprint obtained out of band, never from the file here.
";

/// Creates a pack at `dir` (absent or empty): keys folders, bulletin and
/// canary folders with their templates, a commented `secpack.toml`, a README,
/// and (with `options.git`) a git repository. Returns the files written,
/// relative to `dir`.
pub fn init_pack(dir: &Path, options: &InitOptions) -> Result<Vec<String>> {
    if dir.exists() {
        let mut entries =
            std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
        if entries.next().is_some() {
            return Err(TeamError::NotEmpty(dir.display().to_string()).into());
        }
    } else {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let project = options.project.trim();
    anyhow::ensure!(!project.is_empty(), "the project name is empty");
    let quoted = toml::Value::String(project.to_string()).to_string();
    let team_quoted = toml::Value::String(format!("{project} Security Team")).to_string();
    let config = CONFIG_TEMPLATE
        .replace("@@PROJECT@@", &quoted)
        .replace("@@TEAM@@", &team_quoted);
    // The file must be one secpack reads back.
    crate::config::PackConfig::parse(&config).context("the generated secpack.toml")?;
    let files: Vec<(&str, String)> = vec![
        (CONFIG_FILE, config),
        ("README.md", README_TEMPLATE.replace("@@PROJECT@@", project)),
        ("keys/README.md", KEYS_README.to_string()),
        ("QSBs/qsb-template.txt", BULLETIN_TEMPLATE.to_string()),
        ("canaries/canary-template.txt", CANARY_TEMPLATE.to_string()),
    ];
    for folder in ["keys/master-key", "keys/security-team", "QSBs", "canaries"] {
        let p = dir.join(folder);
        std::fs::create_dir_all(&p).with_context(|| format!("creating {}", p.display()))?;
    }
    let mut written = Vec::new();
    for (rel, text) in files {
        write_atomic(&dir.join(rel), text.as_bytes(), false)?;
        written.push(rel.to_string());
    }
    if options.git {
        let out = Command::new("git")
            .arg("init")
            .arg("--quiet")
            .arg(dir)
            .output()
            .context("running git init")?;
        anyhow::ensure!(
            out.status.success(),
            "git init {} failed: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(written)
}
