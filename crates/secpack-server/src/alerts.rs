//! Alerts that leak nothing: once a day, at the configured hour, a digest
//! "N new reports, M follow-ups" for the 24 hours before, by e-mail (SMTP)
//! and/or a webhook. Never a report's content, never the time a report
//! arrived: only counts, only at the hour.
//!
//! Every instance runs [`Alerter::run`]; the store decides which one sends
//! each digest ([`ReportStore::claim_digest`]): the first to claim the
//! hour's slot, or another once the claim of an instance that died has
//! lapsed. A failing channel is retried with a doubling delay until it
//! delivers or the next digest is due, and every attempt is recorded in the
//! store, where `/healthz` reads it (channel, failures, an error code; never
//! the error's text, which could name hosts or accounts).

use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::alerts_config::{read_secret, AlertsConfig, ConfigError, SmtpTls};
use crate::store::{
    ChannelState, Counted, DigestClaim, DigestRecord, DigestState, Store, StoreError,
};

/// How long a claim on a digest lasts without being renewed.
pub const LEASE: Duration = Duration::from_secs(15 * 60);

/// The longest wait between two attempts on a failing channel.
pub const MAX_RETRY: Duration = Duration::from_secs(30 * 60);

/// How often an instance looks for a digest to send.
pub const POLL: Duration = Duration::from_secs(60);

/// One way the digest is delivered.
#[derive(Debug, Clone)]
pub enum Channel {
    /// E-mail through an SMTP server.
    Smtp(Box<SmtpChannel>),
    /// `POST {"text": ...}` to a URL.
    Webhook(WebhookChannel),
}

/// E-mail settings, with the password read from its file.
#[derive(Clone)]
pub struct SmtpChannel {
    host: String,
    port: u16,
    tls: SmtpTls,
    from: lettre::message::Mailbox,
    to: Vec<lettre::message::Mailbox>,
    credentials: Option<Credentials>,
}

impl std::fmt::Debug for SmtpChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpChannel")
            .field("host", &self.host)
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// The webhook, with its URL (possibly read from a file).
#[derive(Clone)]
pub struct WebhookChannel {
    url: String,
}

impl std::fmt::Debug for WebhookChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a token.
        f.write_str("WebhookChannel")
    }
}

impl Channel {
    /// The channel's name in the alert state.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Smtp(_) => "smtp",
            Self::Webhook(_) => "webhook",
        }
    }

    /// Delivers `text`; on failure, a stable error code (the details are
    /// logged).
    pub async fn send(&self, subject: &str, text: &str) -> Result<(), &'static str> {
        match self {
            Self::Smtp(smtp) => smtp.send(subject, text).await,
            Self::Webhook(hook) => hook.send(text).await,
        }
    }
}

impl SmtpChannel {
    async fn send(&self, subject: &str, text: &str) -> Result<(), &'static str> {
        let mut message = Message::builder().from(self.from.clone()).subject(subject);
        for to in &self.to {
            message = message.to(to.clone());
        }
        let message = message
            .header(ContentType::TEXT_PLAIN)
            .body(text.to_string())
            .map_err(|e| {
                tracing::warn!("alert e-mail could not be built: {e}");
                "smtp-message"
            })?;
        let builder = match self.tls {
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&self.host),
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&self.host),
            SmtpTls::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                &self.host,
            )),
        }
        .map_err(|e| {
            tracing::warn!("alert e-mail: {e}");
            "smtp-tls"
        })?;
        let mut builder = builder
            .port(self.port)
            .timeout(Some(Duration::from_secs(30)));
        if let Some(credentials) = &self.credentials {
            builder = builder.credentials(credentials.clone());
        }
        builder.build().send(message).await.map(drop).map_err(|e| {
            tracing::warn!("alert e-mail not delivered: {e}");
            if e.is_permanent() {
                "smtp-rejected"
            } else if e.is_transient() {
                "smtp-transient"
            } else if e.is_timeout() {
                "smtp-timeout"
            } else {
                "smtp-unreachable"
            }
        })
    }
}

impl WebhookChannel {
    async fn send(&self, text: &str) -> Result<(), &'static str> {
        let url = self.url.clone();
        let body = serde_json::json!({ "text": text }).to_string();
        let outcome = tokio::task::spawn_blocking(move || {
            let agent = secpack::http::agent(secpack::http::ClientOptions {
                timeout: Duration::from_secs(30),
                max_redirects: 0,
                status_as_error: false,
            });
            agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(body.as_bytes())
                .map(|r| r.status().as_u16())
        })
        .await;
        match outcome {
            Ok(Ok(status)) if (200..300).contains(&status) => Ok(()),
            Ok(Ok(status)) => {
                tracing::warn!("alert webhook answered {status}");
                Err("webhook-status")
            }
            Ok(Err(e)) => {
                tracing::warn!("alert webhook not reached: {e}");
                Err(match e {
                    ureq::Error::Timeout(_) => "webhook-timeout",
                    ureq::Error::Tls(_) => "webhook-tls",
                    _ => "webhook-unreachable",
                })
            }
            Err(_) => Err("webhook-unreachable"),
        }
    }
}

/// The digest sender of one instance.
#[derive(Debug, Clone)]
pub struct Alerter {
    hour: u32,
    send_empty: bool,
    retry: Duration,
    channels: Vec<Channel>,
    instance: String,
}

impl Alerter {
    /// Prepares the channels of `config`: reads the secret files and checks
    /// the addresses. Fails (a configuration error) when one is unusable.
    pub fn new(config: &AlertsConfig) -> Result<Self, ConfigError> {
        let mut channels = Vec::new();
        if let Some(smtp) = &config.smtp {
            let parse = |a: &str| {
                a.parse::<lettre::message::Mailbox>()
                    .map_err(|error| ConfigError::Address {
                        address: a.to_string(),
                        error,
                    })
            };
            let credentials = match (&smtp.username, &smtp.password_file) {
                (Some(user), Some(file)) => {
                    Some(Credentials::new(user.clone(), read_secret(file)?))
                }
                _ => None,
            };
            channels.push(Channel::Smtp(Box::new(SmtpChannel {
                host: smtp.host.clone(),
                port: smtp.port.unwrap_or(match smtp.tls {
                    SmtpTls::Starttls => 587,
                    SmtpTls::Tls => 465,
                    SmtpTls::None => 25,
                }),
                tls: smtp.tls,
                from: parse(&smtp.from)?,
                to: smtp.to.iter().map(|a| parse(a)).collect::<Result<_, _>>()?,
                credentials,
            })));
        }
        if let Some(hook) = &config.webhook {
            let url = match (&hook.url, &hook.url_file) {
                (Some(url), _) => url.clone(),
                (None, Some(file)) => read_secret(file)?,
                (None, None) => {
                    return Err(ConfigError::Invalid(
                        "[alerts.webhook] needs url or url_file",
                    ))
                }
            };
            crate::alerts_config::check_webhook_url(&url)
                .map_err(|e| ConfigError::WebhookFile(Box::new(e)))?;
            channels.push(Channel::Webhook(WebhookChannel { url }));
        }
        let mut random = [0u8; 8];
        openssl::rand::rand_bytes(&mut random).map_err(ConfigError::Random)?;
        Ok(Self {
            hour: config.hour,
            send_empty: config.send_empty,
            retry: Duration::from_secs(config.retry_seconds),
            channels,
            instance: random.iter().map(|b| format!("{b:02x}")).collect(),
        })
    }

    /// The hour (UTC) of the digest.
    pub fn hour(&self) -> u32 {
        self.hour
    }

    /// The names of the configured channels.
    pub fn channel_names(&self) -> Vec<&'static str> {
        self.channels.iter().map(Channel::name).collect()
    }

    /// Sends the digests as they fall due, for ever (spawn it; abort it to
    /// stop).
    pub async fn run(self, store: Store) {
        loop {
            if let Err(e) = self.deliver_due(&store, Utc::now()).await {
                tracing::warn!("alert digest: {}", crate::error::chain(&e));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The slot of the digest due at `now`: the latest `hour`:00 UTC at or
    /// before it.
    pub fn slot(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let today = now
            .date_naive()
            .and_hms_opt(self.hour, 0, 0)
            .map_or(now, |t| t.and_utc());
        if today <= now {
            today
        } else {
            today - chrono::Duration::days(1)
        }
    }

    /// If the digest due at `now` is unclaimed (or its claim lapsed),
    /// claims it and delivers it on every channel, retrying failures until
    /// they deliver or the next digest is due. Returns its final state, or
    /// `None` when another instance has it or it was already sent.
    pub async fn deliver_due(
        &self,
        store: &Store,
        now: DateTime<Utc>,
    ) -> Result<Option<DigestState>, StoreError> {
        let slot = self.slot(now);
        let initial = DigestState {
            slot,
            reports: 0,
            follow_ups: 0,
            delivered: false,
            abandoned: false,
            channels: self
                .channels
                .iter()
                .map(|c| ChannelState {
                    channel: c.name().to_string(),
                    delivered: false,
                    failures: 0,
                    last_failure: None,
                    last_error: None,
                })
                .collect(),
        };
        let claim = DigestClaim {
            initial: &initial,
            instance: &self.instance,
            now,
            lease: LEASE,
        };
        if !store.claim_digest(claim).await? {
            return Ok(None);
        }
        // A digest taken over from an instance that died keeps its record.
        let mut state = match store.last_digest().await? {
            Some(s) if s.slot == slot => s,
            _ => initial,
        };
        let since = slot - chrono::Duration::days(1);
        state.reports = store.count_in(Counted::Reports, since..slot).await?;
        state.follow_ups = store.count_in(Counted::FollowUps, since..slot).await?;
        let (subject, text) = digest_text(state.reports, state.follow_ups, slot);
        let started = tokio::time::Instant::now();
        let clock = |n: DateTime<Utc>| {
            n + chrono::Duration::from_std(started.elapsed()).unwrap_or_default()
        };
        let nothing = state.reports == 0 && state.follow_ups == 0 && !self.send_empty;
        let mut wait = self.retry;
        loop {
            for (channel, record) in self.channels.iter().zip(state.channels.iter_mut()) {
                if record.delivered {
                    continue;
                }
                if nothing {
                    record.delivered = true;
                    continue;
                }
                match channel.send(&subject, &text).await {
                    Ok(()) => record.delivered = true,
                    Err(code) => {
                        record.failures += 1;
                        record.last_failure = Some(clock(now));
                        record.last_error = Some(code.to_string());
                    }
                }
            }
            state.delivered = state.channels.iter().all(|c| c.delivered);
            let next_slot = slot + chrono::Duration::days(1);
            let at = clock(now);
            if !state.delivered && at + chrono::Duration::from_std(wait)? >= next_slot {
                state.abandoned = true;
            }
            let finished = state.delivered || state.abandoned;
            let lease_until = at + chrono::Duration::from_std(wait + LEASE)?;
            let record = DigestRecord {
                instance: &self.instance,
                state: &state,
                finished,
                lease_until,
            };
            store.record_digest(record).await?;
            if finished {
                if state.abandoned {
                    tracing::error!("alert digest for {slot} abandoned: a channel keeps failing");
                }
                return Ok(Some(state));
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(MAX_RETRY);
        }
    }
}

/// The subject and text of a digest: counts and the period, nothing else.
pub fn digest_text(reports: u64, follow_ups: u64, slot: DateTime<Utc>) -> (String, String) {
    let plural = |n: u64, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let counts = format!(
        "{}, {}",
        plural(reports, "new report", "new reports"),
        plural(follow_ups, "follow-up", "follow-ups")
    );
    let subject = format!("secpack: {counts}");
    let text = format!(
        "secpack digest: {counts} in the 24 hours to {} UTC. \
         Read them with `secpack inbox`.",
        slot.format("%Y-%m-%d %H:%M")
    );
    debug_assert!(slot.minute() == 0);
    (subject, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alerter(hour: u32) -> Alerter {
        Alerter::new(&AlertsConfig {
            hour,
            send_empty: true,
            retry_seconds: 1,
            smtp: None,
            webhook: Some(crate::alerts_config::WebhookConfig {
                url: Some("http://127.0.0.1:9/hook".into()),
                url_file: None,
            }),
        })
        .unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_slot_is_the_last_configured_hour() {
        let a = alerter(9);
        assert_eq!(
            a.slot(at("2026-05-02T09:00:00Z")),
            at("2026-05-02T09:00:00Z")
        );
        assert_eq!(
            a.slot(at("2026-05-02T15:31:07Z")),
            at("2026-05-02T09:00:00Z")
        );
        assert_eq!(
            a.slot(at("2026-05-02T08:59:59Z")),
            at("2026-05-01T09:00:00Z")
        );
        assert_eq!(
            a.slot(at("2026-01-01T00:10:00Z")),
            at("2025-12-31T09:00:00Z")
        );
        assert_eq!(
            alerter(0).slot(at("2026-03-01T00:00:00Z")),
            at("2026-03-01T00:00:00Z")
        );
    }

    #[test]
    fn the_text_has_counts_and_the_period_only() {
        let (subject, text) = digest_text(1, 0, at("2026-05-02T09:00:00Z"));
        assert_eq!(subject, "secpack: 1 new report, 0 follow-ups");
        assert!(
            text.contains("1 new report, 0 follow-ups in the 24 hours to 2026-05-02 09:00 UTC"),
            "{text}"
        );
        let (subject, _) = digest_text(3, 1, at("2026-05-02T09:00:00Z"));
        assert_eq!(subject, "secpack: 3 new reports, 1 follow-up");
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("url"),
            "https://hooks.example/T0/B0/t0ken\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("pw"), "hunter2\n").unwrap();
        let a = Alerter::new(&AlertsConfig {
            hour: 1,
            send_empty: true,
            retry_seconds: 1,
            smtp: Some(crate::alerts_config::SmtpConfig {
                host: "mail.example".into(),
                port: None,
                tls: SmtpTls::Starttls,
                from: "secpack@example.org".into(),
                to: vec!["team@example.org".into()],
                username: Some("secpack".into()),
                password_file: Some(dir.path().join("pw")),
            }),
            webhook: Some(crate::alerts_config::WebhookConfig {
                url: None,
                url_file: Some(dir.path().join("url")),
            }),
        })
        .unwrap();
        let shown = format!("{a:?}");
        assert!(
            !shown.contains("t0ken") && !shown.contains("hunter2"),
            "{shown}"
        );
        assert_eq!(a.channel_names(), ["smtp", "webhook"]);
        // A URL file with a plain-http remote URL is refused.
        std::fs::write(dir.path().join("url"), "http://hooks.example/x\n").unwrap();
        let e = Alerter::new(&AlertsConfig {
            hour: 1,
            send_empty: true,
            retry_seconds: 1,
            smtp: None,
            webhook: Some(crate::alerts_config::WebhookConfig {
                url: None,
                url_file: Some(dir.path().join("url")),
            }),
        })
        .unwrap_err();
        let e = crate::error::chain(&e);
        assert!(e.contains("https"), "{e}");
    }
}
