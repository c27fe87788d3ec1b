//! The server's own configuration file (`secpack serve --config FILE`,
//! TOML), which holds the `[alerts]` table: when the daily digest is sent
//! and through which channels.
//!
//! Alerts are configured here rather than in `secpack.toml`: that file is
//! published with the pack, and where the team's alerts go (a mail server, a
//! webhook) is for the server's operator alone. Secrets (the SMTP password,
//! a webhook URL that embeds a token) are read from files the configuration
//! names, never from the command line.

use std::path::{Path, PathBuf};

use secpack::error::{Coded, ErrorClass, IoError};
use serde::Deserialize;

/// A server configuration (or the alerts it sets up) that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file named is wrong (the cause says how).
    #[error("parsing {}", path.display())]
    InFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        #[source]
        error: Box<ConfigError>,
    },
    /// The text is not TOML of the expected shape.
    #[error("the server's configuration does not parse")]
    Toml(#[from] toml::de::Error),
    /// A setting is out of its range or contradicts another.
    #[error("{0}")]
    Invalid(&'static str),
    /// `[alerts] hour` is not an hour.
    #[error("[alerts] hour must be 0-23, not {0}")]
    Hour(u32),
    /// A webhook URL that is neither https nor to a loopback host.
    #[error("the webhook URL must be https (or http to a loopback host)")]
    WebhookUrl,
    /// The webhook URL read from `url_file` is unusable.
    #[error("[alerts.webhook] url_file")]
    WebhookFile(#[source] Box<ConfigError>),
    /// A secret file holds nothing.
    #[error("the secret file {} is empty", path.display())]
    EmptySecret {
        /// The file.
        path: PathBuf,
    },
    /// An e-mail address does not parse.
    #[error("[alerts.smtp] the address {address:?} does not parse")]
    Address {
        /// The address.
        address: String,
        /// Why.
        #[source]
        error: lettre::address::AddressError,
    },
    /// The instance's random id could not be drawn.
    #[error("drawing an instance id")]
    Random(#[source] openssl::error::ErrorStack),
    /// Reading the file or a secret file failed.
    #[error(transparent)]
    Io(#[from] IoError),
}

impl Coded for ConfigError {
    fn code(&self) -> &'static str {
        match self {
            Self::InFile { error, .. } | Self::WebhookFile(error) => error.code(),
            Self::Random(_) => "random-failed",
            Self::Io(e) => e.code(),
            _ => "bad-server-config",
        }
    }
    fn class(&self) -> ErrorClass {
        match self {
            Self::InFile { error, .. } | Self::WebhookFile(error) => error.class(),
            Self::Random(_) => ErrorClass::Failure,
            Self::Io(e) => e.class(),
            _ => ErrorClass::Config,
        }
    }
}

type Result<T, E = ConfigError> = std::result::Result<T, E>;

/// Fails with `ConfigError::Invalid(why)` unless `ok`.
fn ensure(ok: bool, why: &'static str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(ConfigError::Invalid(why))
    }
}

/// The whole server configuration file.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// The daily digest of new reports.
    pub alerts: Option<AlertsConfig>,
}

impl ServerConfig {
    /// Reads and checks the file at `path`; secret files are resolved
    /// relative to its folder.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| IoError::new("reading", path, e))?;
        let mut config = Self::parse(&text).map_err(|error| ConfigError::InFile {
            path: path.to_path_buf(),
            error: Box::new(error),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        if let Some(alerts) = &mut config.alerts {
            alerts.resolve_files(base);
        }
        Ok(config)
    }

    /// Parses and checks the text of a configuration file.
    pub fn parse(text: &str) -> Result<Self> {
        let config: Self = toml::from_str(text)?;
        if let Some(alerts) = &config.alerts {
            alerts.check()?;
        }
        Ok(config)
    }
}

/// `[alerts]`: a digest ("N new reports, M follow-ups") once a day at
/// `hour`, through SMTP and/or a webhook.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    /// The hour of the day (UTC, 0-23) the digest is sent at; it covers the
    /// 24 hours before.
    pub hour: u32,
    /// Send the digest also when nothing arrived (default: true). Off, the
    /// channel's traffic, and `/healthz`'s record of its failures, show on
    /// which days something arrived.
    #[serde(default = "yes")]
    pub send_empty: bool,
    /// Seconds before the first retry of a failed channel (doubled after
    /// each failure, at most 30 minutes; default 30).
    #[serde(default = "default_retry")]
    pub retry_seconds: u64,
    /// E-mail.
    pub smtp: Option<SmtpConfig>,
    /// A Slack- or Matrix-compatible webhook (`POST {"text": ...}`).
    pub webhook: Option<WebhookConfig>,
}

fn yes() -> bool {
    true
}

fn default_retry() -> u64 {
    30
}

/// `[alerts.smtp]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// The mail server.
    pub host: String,
    /// Its port (default: 587 with STARTTLS, 465 with TLS, 25 without).
    pub port: Option<u16>,
    /// `starttls` (default), `tls`, or `none` (only to a loopback host).
    #[serde(default)]
    pub tls: SmtpTls,
    /// The sender address.
    pub from: String,
    /// The recipients.
    pub to: Vec<String>,
    /// The account to log in with, if any.
    pub username: Option<String>,
    /// The file holding its password (trailing newline ignored).
    pub password_file: Option<PathBuf>,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, required.
    #[default]
    Starttls,
    /// TLS from the start (SMTPS).
    Tls,
    /// No TLS: allowed only to a loopback host (a local relay).
    None,
}

/// `[alerts.webhook]`: `url`, or `url_file` when the URL holds a token.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// The URL (https, or http to a loopback host).
    pub url: Option<String>,
    /// A file holding the URL.
    pub url_file: Option<PathBuf>,
}

impl AlertsConfig {
    fn check(&self) -> Result<()> {
        if self.hour >= 24 {
            return Err(ConfigError::Hour(self.hour));
        }
        ensure(
            self.smtp.is_some() || self.webhook.is_some(),
            "[alerts] needs [alerts.smtp] or [alerts.webhook]",
        )?;
        ensure(
            (1..=3600).contains(&self.retry_seconds),
            "[alerts] retry_seconds must be 1-3600",
        )?;
        if let Some(smtp) = &self.smtp {
            ensure(!smtp.host.is_empty(), "[alerts.smtp] host is empty")?;
            ensure(!smtp.to.is_empty(), "[alerts.smtp] to lists no recipient")?;
            ensure(
                smtp.tls != SmtpTls::None || is_loopback(&smtp.host),
                "[alerts.smtp] tls = \"none\" is allowed only to a loopback host",
            )?;
            ensure(
                smtp.username.is_some() == smtp.password_file.is_some(),
                "[alerts.smtp] username and password_file go together",
            )?;
        }
        if let Some(hook) = &self.webhook {
            ensure(
                hook.url.is_some() != hook.url_file.is_some(),
                "[alerts.webhook] needs exactly one of url and url_file",
            )?;
            if let Some(url) = &hook.url {
                check_webhook_url(url)?;
            }
        }
        Ok(())
    }

    fn resolve_files(&mut self, base: &Path) {
        let resolve = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        if let Some(file) = self.smtp.as_mut().and_then(|s| s.password_file.as_mut()) {
            resolve(file);
        }
        if let Some(file) = self.webhook.as_mut().and_then(|w| w.url_file.as_mut()) {
            resolve(file);
        }
    }
}

/// Whether `host` names this machine (`localhost`, `127.0.0.0/8`, `::1`).
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A webhook URL must be https, or http to a loopback host.
pub fn check_webhook_url(url: &str) -> Result<()> {
    if url.starts_with("https://") {
        return Ok(());
    }
    let host = url
        .strip_prefix("http://")
        .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default())
        .map(|authority| match authority.rsplit_once(':') {
            Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
            _ => authority,
        });
    if host.is_some_and(is_loopback) {
        Ok(())
    } else {
        Err(ConfigError::WebhookUrl)
    }
}

/// Reads a secret from `path`: its first line, which must not be empty.
pub fn read_secret(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| IoError::new("reading the secret file", path, e))?;
    let line = text
        .lines()
        .next()
        .unwrap_or_default()
        .trim_end()
        .to_string();
    if line.is_empty() {
        return Err(ConfigError::EmptySecret {
            path: path.to_path_buf(),
        });
    }
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_configuration_parses_with_defaults() {
        let c = ServerConfig::parse(
            r#"
[alerts]
hour = 9
[alerts.smtp]
host = "mail.example.org"
from = "secpack@example.org"
to = ["security@example.org"]
username = "secpack"
password_file = "smtp-password"
[alerts.webhook]
url_file = "/etc/secpack/webhook"
"#,
        )
        .unwrap();
        let a = c.alerts.unwrap();
        assert_eq!((a.hour, a.send_empty, a.retry_seconds), (9, true, 30));
        let smtp = a.smtp.unwrap();
        assert_eq!((smtp.tls, smtp.port), (SmtpTls::Starttls, None));
        assert_eq!(ServerConfig::parse("").unwrap(), ServerConfig::default());
    }

    #[test]
    fn bad_configurations_are_refused_with_the_reason() {
        for (text, reason) in [
            ("[alerts]\nhour = 24\n[alerts.webhook]\nurl = \"https://h/x\"", "0-23"),
            ("[alerts]\nhour = 1", "needs [alerts.smtp] or [alerts.webhook]"),
            ("[alerts]\nhour = 1\n[alerts.webhook]\nurl = \"http://hooks.example/x\"", "https"),
            ("[alerts]\nhour = 1\n[alerts.webhook]\n", "exactly one"),
            (
                "[alerts]\nhour = 1\n[alerts.smtp]\nhost = \"mail.example\"\ntls = \"none\"\nfrom = \"a@b\"\nto = [\"c@d\"]",
                "loopback",
            ),
            (
                "[alerts]\nhour = 1\n[alerts.smtp]\nhost = \"h\"\nfrom = \"a@b\"\nto = [\"c@d\"]\nusername = \"u\"",
                "go together",
            ),
            (
                "[alerts]\nhour = 1\n[alerts.smtp]\nhost = \"h\"\nfrom = \"a@b\"\nto = [\"c@d\"]\npassword = \"inline\"",
                "unknown field",
            ),
            ("[server]\nx = 1", "unknown field"),
        ] {
            let e = crate::error::chain(&ServerConfig::parse(text).unwrap_err());
            assert!(e.contains(reason), "{text:?}: {e}");
        }
    }

    #[test]
    fn webhook_urls_and_loopback_hosts() {
        for ok in [
            "https://hooks.example/x",
            "http://127.0.0.1:8080/hook",
            "http://localhost/h",
            "http://[::1]:9/h",
        ] {
            check_webhook_url(ok).unwrap();
        }
        for bad in [
            "http://hooks.example/x",
            "ftp://127.0.0.1/",
            "http://127.0.0.1.evil.example/",
            "127.0.0.1",
        ] {
            assert!(check_webhook_url(bad).is_err(), "{bad}");
        }
        assert!(!is_loopback("example.org"));
    }

    #[test]
    fn secrets_are_read_from_files_and_paths_resolved_beside_the_config() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pw"), "s3cret\n").unwrap();
        std::fs::write(dir.path().join("empty"), "\n").unwrap();
        let config = dir.path().join("serve.toml");
        std::fs::write(
            &config,
            "[alerts]\nhour = 3\n[alerts.smtp]\nhost = \"localhost\"\ntls = \"none\"\nfrom = \"a@b\"\nto = [\"c@d\"]\nusername = \"u\"\npassword_file = \"pw\"\n",
        )
        .unwrap();
        let c = ServerConfig::load(&config).unwrap();
        let file = c.alerts.unwrap().smtp.unwrap().password_file.unwrap();
        assert_eq!(file, dir.path().join("pw"));
        assert_eq!(read_secret(&file).unwrap(), "s3cret");
        assert!(read_secret(&dir.path().join("empty")).is_err());
        assert!(read_secret(&dir.path().join("missing")).is_err());
    }
}
