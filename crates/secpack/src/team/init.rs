//! A new, empty security pack.

use std::path::Path;
use std::process::Command;

use crate::error::IoError;

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

const DIGESTS_README: &str = "\
Release digest files (IMAGE.DIGESTS), clear-signed by a release key:
`secpack digest make IMAGE --sign-as NAME --key SECRETKEYFILE --master FPR
-o digests/IMAGE.DIGESTS` makes one. `[signers] roles` in secpack.toml says
which roles sign in this folder.
";

/// Creates a pack at `dir` (absent or empty): keys folders, bulletin and
/// canary folders with their templates, the release digests folder, a
/// commented `secpack.toml`, a README, and (with `options.git`) a git
/// repository. Returns the files written, relative to `dir`.
pub fn init_pack(dir: &Path, options: &InitOptions) -> Result<Vec<String>, TeamError> {
    let project = options.project.trim();
    if project.is_empty() {
        return Err(TeamError::BadInput("the project name is empty".into()));
    }
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(|e| IoError::new("reading", dir, e))?;
        if entries.next().is_some() {
            return Err(TeamError::NotEmpty(dir.display().to_string()));
        }
    } else {
        std::fs::create_dir_all(dir).map_err(|e| IoError::new("creating", dir, e))?;
    }
    let quoted = toml::Value::String(project.to_string()).to_string();
    let team_quoted = toml::Value::String(format!("{project} Security Team")).to_string();
    let config = CONFIG_TEMPLATE
        .replace("@@PROJECT@@", &quoted)
        .replace("@@TEAM@@", &team_quoted);
    // The file must be one secpack reads back.
    crate::config::PackConfig::parse(&config)
        .map_err(|e| TeamError::BadTemplate(format!("the generated secpack.toml: {e}")))?;
    let files: Vec<(&str, String)> = vec![
        (CONFIG_FILE, config),
        ("README.md", README_TEMPLATE.replace("@@PROJECT@@", project)),
        ("keys/README.md", KEYS_README.to_string()),
        ("digests/README.md", DIGESTS_README.to_string()),
        ("QSBs/qsb-template.txt", BULLETIN_TEMPLATE.to_string()),
        ("canaries/canary-template.txt", CANARY_TEMPLATE.to_string()),
    ];
    for folder in [
        "keys/master-key",
        "keys/security-team",
        "QSBs",
        "canaries",
        "digests",
    ] {
        let p = dir.join(folder);
        std::fs::create_dir_all(&p).map_err(|e| IoError::new("creating", &p, e))?;
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
            .map_err(|e| TeamError::GitFailed(format!("running git init: {e}")))?;
        if !out.status.success() {
            return Err(TeamError::GitFailed(format!(
                "git init {} failed: {}",
                dir.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated() -> String {
        let dir = tempfile::tempdir().unwrap();
        let options = InitOptions {
            project: "Demo \"Project\"".into(),
            git: false,
        };
        init_pack(&dir.path().join("p"), &options).unwrap();
        std::fs::read_to_string(dir.path().join("p").join(CONFIG_FILE)).unwrap()
    }

    #[test]
    fn every_folder_the_config_names_is_made() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("p");
        let options = InitOptions {
            project: "Demo".into(),
            git: false,
        };
        let written = init_pack(&root, &options).unwrap();
        let config = crate::config::PackConfig::load(&root).unwrap().unwrap();
        let l = &config.layout;
        for folder in [&l.keys, &l.bulletins, &l.canaries, &l.digests] {
            assert!(root.join(folder).is_dir(), "{folder}");
        }
        // The digests folder holds a README saying what goes there (git
        // keeps no empty folder), which is never taken for a document.
        assert!(written.contains(&"digests/README.md".to_string()));
        let pack = crate::pack::Pack::open(&root).unwrap();
        assert_eq!(
            pack.file("digests/README.md").map(|f| &f.class),
            Some(&crate::pack::FileClass::Other {
                reason: crate::pack::OtherReason::Readme
            })
        );
    }

    #[test]
    fn the_commented_canary_sources_parse_once_uncommented() {
        let text = generated();
        let config = crate::config::PackConfig::parse(&text).unwrap();
        assert!(config.canary.feeds.is_empty() && config.canary.block_source.is_none());
        assert_eq!(config.project.name, "Demo \"Project\"");
        // Uncommenting the example tables gives a configuration the
        // gatherer accepts: one web feed, one local file, a block source.
        let start = text.find("# [[canary.feeds]]").unwrap();
        let uncommented: String = text[start..]
            .lines()
            .map(|l| l.strip_prefix("# ").unwrap_or(l))
            .map(|l| format!("{l}\n"))
            .collect();
        let config =
            crate::config::PackConfig::parse(&format!("{}{uncommented}", &text[..start])).unwrap();
        let feeds: Vec<&str> = config.canary.feeds.iter().map(|f| f.url.as_str()).collect();
        assert_eq!(
            feeds,
            [
                "https://news.example.org/world.rss",
                "file:///home/alice/feeds/wire.atom"
            ]
        );
        crate::canary::freshness::check_config(&config.canary).unwrap();
    }

    #[test]
    fn the_commented_offline_proof_is_one_canary_new_accepts() {
        let text = generated();
        let proof: String = text
            .lines()
            .skip_while(|l| !l.contains("write the proof by hand"))
            .skip(1)
            .take_while(|l| !l.contains("secpack canary new --freshness"))
            .filter_map(|l| l.strip_prefix("#"))
            .map(|l| format!("{}\n", l.trim()))
            .collect();
        super::super::check_freshness_text(&proof, "the example").unwrap();
        let f = crate::canary::parse::read_freshness(&proof.lines().collect::<Vec<_>>());
        assert_eq!(f.sources.len(), 1);
        assert_eq!(f.sources[0].headlines.len(), 2);
        assert!(f.block_hash.is_some() && f.date.is_some());
    }
}
