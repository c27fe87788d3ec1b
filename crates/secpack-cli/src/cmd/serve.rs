//! `secpack serve`: the security centre over HTTP, with report intake.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use secpack::report::inbox::Inbox;
use secpack::severity::Severity;
use secpack_server::alerts::Alerter;
use secpack_server::alerts_config::ServerConfig;
use secpack_server::store::Database;
use secpack_server::{Options, Server};

use crate::cmd::args::{PackSubject, TrustArgs};
use crate::escape::safe;
use crate::GlobalArgs;

/// Serve the security centre: the site (built in memory, rebuilt when the
/// pack changes), a JSON API under /api/v1/, /healthz, and vulnerability
/// report intake at /report/.
///
/// Reports are encrypted on arrival to the team's encryption key (the key
/// `[report] encryption_key` names in secpack.toml, by default the security
/// team's e-mail key), which the pinned master key must certify; only the
/// ciphertext is stored, in the inbox database. The server does not start
/// without such a key.
///
/// The security.txt it would serve is linted as `site build` lints the one
/// it would write: an error (an http:// --base-url, say) refuses to start.
///
/// Exit status: 0 after a clean shutdown (Ctrl-C or SIGTERM), 2 usage or
/// configuration error (the pack does not verify, no valid encryption key,
/// the security.txt fails its lint, the address or database cannot be
/// used).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pack: PackSubject,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR:PORT")]
    addr: String,
    #[command(flatten)]
    trust: TrustArgs,
    /// The store: a SQLite file (PATH or sqlite:PATH), or a PostgreSQL
    /// database shared by several instances (postgres://...)
    /// [default: $XDG_DATA_HOME/secpack/inbox.sqlite]. A URL holding a
    /// password belongs in SECPACK_DB rather than on the command line.
    #[arg(
        long,
        env = "SECPACK_DB",
        hide_env_values = true,
        value_name = "PATH|URL"
    )]
    db: Option<String>,
    /// The server's configuration file (TOML): the [alerts] digest
    /// (docs/serve.md). Secrets come from files it names, never from argv.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// URL the site is published at: canonical links, feed ids, security.txt.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Serve even when signatures do not verify (the pages say so).
    #[arg(long)]
    allow_failures: bool,
    /// Reports stored per client address and minute; refused submissions
    /// have a budget five times larger (0: no limit; docs/serve.md).
    #[arg(long, default_value_t = 10, value_name = "N")]
    rate_limit: u32,
    /// Largest attachment accepted, in bytes.
    #[arg(long, default_value_t = secpack::report::submission::DEFAULT_MAX_ATTACHMENT_BYTES, value_name = "BYTES")]
    max_attachment: usize,
    /// Seconds a request may take before the server answers 408.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    timeout: u64,
    /// Seconds a client may take to send a request's headers, or stay idle
    /// between requests, before it is disconnected.
    #[arg(long, default_value_t = 10, value_name = "SECS")]
    header_timeout: u64,
    /// Seconds between checks of the pack for changes.
    #[arg(long, default_value_t = 3, value_name = "SECS")]
    poll: u64,
}

/// Runs the subcommand.
pub fn run(args: Args, global: &GlobalArgs) -> Result<u8> {
    let pin = args.trust.pin()?;
    anyhow::ensure!(args.timeout > 0, "--timeout must be at least 1 second");
    anyhow::ensure!(
        args.header_timeout > 0,
        "--header-timeout must be at least 1 second"
    );
    anyhow::ensure!(args.poll > 0, "--poll must be at least 1 second");
    if let Some(base) = &args.base_url {
        secpack::http::check_base_url("--base-url", base)?;
    }
    // A folder that is no pack is refused before the store is opened.
    secpack::pack::ensure_is_pack(args.pack.path())?;
    let db = match &args.db {
        Some(db) => Database::parse(db).map_err(|e| crate::output::usage(format!("--db: {e}")))?,
        None => Database::Sqlite(Inbox::default_path()?),
    };
    let shown = db.display();
    let config = match &args.config {
        Some(path) => ServerConfig::load(path)?,
        None => ServerConfig::default(),
    };
    let alerter = config.alerts.as_ref().map(Alerter::new).transpose()?;
    let server = Server::new(Options {
        pack: args.pack.path().to_path_buf(),
        pin,
        base_url: args.base_url.clone(),
        allow_failures: args.allow_failures,
        db,
        rate_limit_per_minute: args.rate_limit,
        max_attachment_bytes: args.max_attachment,
        request_timeout: Duration::from_secs(args.timeout),
        header_timeout: Duration::from_secs(args.header_timeout),
        poll_interval: Duration::from_secs(args.poll),
    })?;
    if let Some(refused) = refuse_failing_security_txt(&server, args.base_url.as_deref(), global) {
        return Err(refused);
    }
    let server = match alerter {
        Some(alerter) => server.with_alerts(alerter),
        None => server,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.addr)
            .await
            .with_context(|| format!("listening on {}", args.addr))?;
        let addr = listener.local_addr()?;
        if global.json {
            crate::output::print_json(&serde_json::json!({
                "listening": format!("http://{addr}/"),
                "db": shown,
            }))?;
        } else {
            println!(
                "listening on http://{addr}/ (inbox {})",
                crate::escape::safe(&shown)
            );
        }
        use std::io::Write;
        std::io::stdout().flush()?;
        server.run(listener, shutdown_signal()).await?;
        anyhow::Ok(())
    })?;
    Ok(crate::EXIT_OK)
}

/// The lint `site build` runs on the `security.txt` it would publish
/// (`site_check::lint_built`), run on the one the server would serve: an
/// error refuses to start, as it stops a site build; the findings are
/// printed (or, with --json, the error names them), warnings too.
fn refuse_failing_security_txt(
    server: &Server,
    base_url: Option<&str>,
    global: &GlobalArgs,
) -> Option<anyhow::Error> {
    let snapshot = server.state().snapshot();
    let bytes = snapshot.files.get(".well-known/security.txt")?;
    let lint = crate::cmd::site_check::lint_built(
        &bytes.body,
        base_url,
        snapshot.csaf_base_url.as_deref(),
        None,
        chrono::Utc::now(),
    );
    if lint.ok {
        // Standard output's first line says where the server listens: the
        // other findings go to standard error.
        for f in lint.findings.iter().filter(|_| !global.json) {
            anstream::eprintln!(
                "{} [{}] security.txt {}",
                f.severity.word(),
                f.code,
                safe(&f.message)
            );
        }
        return None;
    }
    if !global.json {
        crate::cmd::site_check::print_findings(&lint);
    }
    let codes: Vec<&str> = lint
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.code)
        .collect();
    let hint = if codes.contains(&"insecure-uri") {
        ": give the https:// address the server is published at with --base-url"
    } else {
        ""
    };
    Some(crate::output::usage_notice(
        "security-txt-lint",
        format!(
            "the security.txt the server would publish fails its lint ({}); the server was not started{hint}",
            codes.join(", ")
        ),
    ))
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
