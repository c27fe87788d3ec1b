//! The HTTP server of a security centre (`secpack serve`): the site built in
//! memory from the pack (rebuilt when the pack changes), a JSON API, and
//! vulnerability report intake encrypted to the team's key.
//!
//! * [`snapshot`] builds everything served from the pack.
//! * [`watch`] rebuilds it when the pack changes.
//! * [`site`] serves the site's files, [`api`] the JSON API, [`health`] `/healthz`.
//! * [`alerts`] sends the daily digest configured in [`alerts_config`].
//! * [`intake`] is the report form and its handler; [`store`] keeps the
//!   reports, the rate-limit counters, the inbox API's nonces, the
//!   codename-guessing budgets and the alert state (SQLite or PostgreSQL).
//! * [`pages`] renders the HTML pages through the site's templates.
//! * [`ratelimit`] limits report submissions per client; [`hardening`] sets limits,
//!   timeouts and security headers; [`error`] shapes client errors and
//!   finds the server's coded errors ([`ServerError`] and those it wraps).
//! * [`http1`] judges each request head before hyper reads it, so that
//!   malformed and oversized requests are answered with the security
//!   headers too.

#![warn(missing_docs)]

pub mod alerts;
pub mod alerts_config;
pub mod api;
pub mod error;
pub mod hardening;
pub mod health;
pub mod http1;
pub mod inbox_api;
pub mod intake;
pub mod pages;
pub mod ratelimit;
pub mod site;
pub mod snapshot;
pub mod status;
pub mod store;
pub mod watch;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use secpack::error::{Coded, ErrorClass};
use secpack::report::encrypt::EncryptionKeyError;
use secpack::trust::pin::MasterPin;

use crate::snapshot::{Snapshot, SnapshotError};
use crate::store::{Database, Store, StoreError};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// [`Server::new`] was called inside an async runtime.
    #[error("Server::new blocks: use Server::start in an async context")]
    InAsyncContext,
    /// The runtime that prepares the server could not start.
    #[error("starting the async runtime")]
    Runtime(#[source] std::io::Error),
    /// The pack could not be read or its site built.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// The pack does not verify (and failures are not allowed).
    #[error("the pack does not verify (use --allow-failures to serve it anyway): {0}")]
    Unverified(String),
    /// The pack gives no key to encrypt reports to.
    #[error("report intake cannot start")]
    NoIntakeKey(#[source] EncryptionKeyError),
    /// The store cannot be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Coded for ServerError {
    fn code(&self) -> &'static str {
        match self {
            Self::InAsyncContext => "server-in-async-context",
            Self::Runtime(_) => "runtime-failed",
            Self::Snapshot(e) => e.code(),
            Self::Unverified(_) => "pack-unverified",
            Self::NoIntakeKey(e) => e.code(),
            Self::Store(e) => e.code(),
        }
    }
    fn class(&self) -> ErrorClass {
        match self {
            Self::InAsyncContext | Self::Runtime(_) => ErrorClass::Failure,
            Self::Snapshot(e) => e.class(),
            Self::Unverified(_) => ErrorClass::Config,
            // The pack's key is part of its configuration: whatever the
            // key's own class, the server cannot start with it (exit 2).
            Self::NoIntakeKey(_) => ErrorClass::Config,
            Self::Store(e) => e.class(),
        }
    }
}

type Result<T, E = ServerError> = std::result::Result<T, E>;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// The pack's root folder.
    pub pack: PathBuf,
    /// The pinned master key.
    pub pin: MasterPin,
    /// URL the site is published at.
    pub base_url: Option<String>,
    /// Serve even when the pack does not verify (the pages say so).
    pub allow_failures: bool,
    /// The store: the inbox, the rate-limit counters, the alert state.
    pub db: Database,
    /// Reports stored per client and minute (0: no limit); refused
    /// submissions have a budget [`ratelimit::REFUSED_FACTOR`] times larger.
    pub rate_limit_per_minute: u32,
    /// Largest attachment, in bytes.
    pub max_attachment_bytes: usize,
    /// Longest time a request may take once its headers are read.
    pub request_timeout: Duration,
    /// Longest time a client may take to send a request's headers, and to
    /// start the next request on a kept-alive connection (slow or idle
    /// clients are disconnected).
    pub header_timeout: Duration,
    /// How often the pack is checked for changes.
    pub poll_interval: Duration,
}

impl Options {
    /// Largest request body: the attachment plus room for the text fields
    /// and the form framing.
    pub fn max_body_bytes(&self) -> usize {
        self.max_attachment_bytes * 4 / 3
            + secpack::report::submission::MAX_DETAILS_BYTES
            + 64 * 1024
    }
}

/// State shared by every handler.
#[derive(Debug, Clone)]
pub struct AppState {
    /// How the server runs.
    pub options: Arc<Options>,
    snapshot: Arc<RwLock<Arc<Snapshot>>>,
    rebuild_problem: Arc<Mutex<Option<String>>>,
    /// The store: reports, per-client limits on submissions, alert state.
    pub store: Store,
    /// The alert digests, when configured.
    pub alerter: Option<Arc<alerts::Alerter>>,
}

impl AppState {
    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.snapshot.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Swaps in a new snapshot.
    pub fn replace_snapshot(&self, snapshot: Snapshot) {
        *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(snapshot);
    }

    /// Why the last rebuild was not used, if it was not.
    pub fn rebuild_problem(&self) -> Option<String> {
        self.rebuild_problem
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Records the outcome of a rebuild.
    pub fn set_rebuild_problem(&self, problem: Option<String>) {
        *self
            .rebuild_problem
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = problem;
    }
}

/// A server ready to run: the pack verified, the site built, the encryption
/// key chosen and the inbox open.
#[derive(Debug)]
pub struct Server {
    state: AppState,
    stamp: u64,
}

impl Server {
    /// Prepares the server. Fails (a configuration error) when the pack
    /// cannot be read, does not verify (unless `allow_failures`), has no
    /// valid encryption key for reports, or the store cannot be opened.
    ///
    /// Blocks: call it outside an async context (or use [`Server::start`]).
    pub fn new(options: Options) -> Result<Self> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(ServerError::InAsyncContext);
        }
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(ServerError::Runtime)?
            .block_on(Self::start(options))
    }

    /// [`Server::new`], in an async context.
    pub async fn start(options: Options) -> Result<Self> {
        let stamp = watch::pack_stamp(&options.pack);
        let snapshot = Snapshot::build(
            &options.pack,
            &options.pin,
            options.base_url.as_deref(),
            chrono::Utc::now(),
        )?;
        if !snapshot.verified && !options.allow_failures {
            return Err(ServerError::Unverified(snapshot.failures.join("; ")));
        }
        if let Err(e) = &snapshot.key {
            return Err(ServerError::NoIntakeKey(e.clone()));
        }
        let store = store::open(&options.db, options.rate_limit_per_minute).await?;
        Ok(Self {
            state: AppState {
                options: Arc::new(options),
                snapshot: Arc::new(RwLock::new(Arc::new(snapshot))),
                rebuild_problem: Arc::new(Mutex::new(None)),
                store,
                alerter: None,
            },
            stamp,
        })
    }

    /// Sends the daily alert digest with `alerter` while the server runs.
    pub fn with_alerts(mut self, alerter: alerts::Alerter) -> Self {
        self.state.alerter = Some(Arc::new(alerter));
        self
    }

    /// The shared state (for tests and embedding).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The router with every route and hardening layer.
    pub fn router(&self) -> Router {
        router(self.state.clone())
    }

    /// Serves on `listener` until `shutdown` completes; rebuilds the site
    /// when the pack changes. Each connection is HTTP/1.1 with a header-read
    /// timeout that also closes idle kept-alive connections, its request
    /// heads judged by [`http1::GuardedStream`]; on shutdown, requests in
    /// flight get [`SHUTDOWN_GRACE`] to finish.
    pub async fn run(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<()> {
        let watcher = tokio::spawn(watch::watch(
            self.state.clone(),
            self.stamp,
            self.state.options.poll_interval,
        ));
        let digests = self
            .state
            .alerter
            .as_ref()
            .map(|a| tokio::spawn(alerts::Alerter::clone(a).run(self.state.store.clone())));
        let app = self.router();
        let header_timeout = self.state.options.header_timeout;
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: wait, go on.
                        tracing::warn!("accepting a connection: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let service = tower::ServiceExt::map_request(
                app.clone(),
                move |mut request: axum::http::Request<hyper::body::Incoming>| {
                    request
                        .extensions_mut()
                        .insert(axum::extract::ConnectInfo(peer));
                    request
                },
            );
            // Half-close on: hyper answers a request even when the stream
            // ends behind it (http1::GuardedStream ends it where a refused
            // head starts, and answers that head once hyper is done).
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(header_timeout)
                .half_close(true)
                .serve_connection(
                    hyper_util::rt::TokioIo::new(http1::GuardedStream::new(stream)),
                    hyper_util::service::TowerToHyperService::new(service),
                );
            let connection = graceful.watch(connection);
            tokio::spawn(async move {
                if let Err(e) = connection.await {
                    tracing::debug!("connection from {peer}: {e}");
                }
            });
        }
        drop(listener);
        watcher.abort();
        if let Some(digests) = digests {
            digests.abort();
        }
        tokio::select! {
            () = graceful.shutdown() => {}
            () = tokio::time::sleep(SHUTDOWN_GRACE) => {
                tracing::warn!("closing connections still open after {SHUTDOWN_GRACE:?}");
            }
        }
        Ok(())
    }
}

/// How long requests in flight may take to finish once shutdown is asked.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Every route, with the hardening layers.
pub fn router(state: AppState) -> Router {
    let intake = Router::new()
        .route("/report/", get(intake::form).post(intake::submit))
        .route("/report", get(intake::form).post(intake::submit))
        .route("/report/status", get(status::form).post(status::show))
        .route("/report/follow-up", axum::routing::post(status::follow_up))
        .route("/api/v1/inbox/nonce", axum::routing::post(inbox_api::nonce))
        .route("/api/v1/inbox/pull", axum::routing::post(inbox_api::pull))
        .route(
            "/api/v1/inbox/reports/{id}/state",
            axum::routing::post(inbox_api::set_state),
        )
        .route(
            "/api/v1/inbox/reports/{id}/replies",
            axum::routing::post(inbox_api::reply),
        );
    let routes = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/api/v1/bulletins", get(api::bulletins))
        .route("/api/v1/canary", get(api::canary))
        .route("/api/v1/xsa", get(api::xsa))
        .route("/api/v1/xsa/stats", get(api::xsa_stats))
        .route("/api/v1/verify", get(api::verify))
        .merge(intake)
        .fallback(get(site::serve));
    hardening::harden(routes, &state).with_state(state)
}
