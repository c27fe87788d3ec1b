//! `GET /healthz`: whether the site is current, intake works, the store
//! answers, and how the last alert digest fared.
//!
//! The answer is public, so it holds no secret and nothing about reports:
//! not the digest's counts, not the channels' addresses, not their error
//! messages (a stable code only).

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::store::ChannelState;
use crate::AppState;

/// How long the store may take to answer the health check.
pub const STORE_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Serialize)]
struct Health<'a> {
    status: &'static str,
    built: String,
    verified: bool,
    intake: bool,
    intake_problem: Option<String>,
    rebuild_problem: Option<&'a str>,
    store: StoreHealth,
    alerts: Option<AlertsHealth>,
}

#[derive(Serialize)]
struct StoreHealth {
    backend: &'static str,
    reachable: bool,
}

#[derive(Serialize)]
struct AlertsHealth {
    hour: u32,
    channels: Vec<&'static str>,
    /// True when the last digest has a channel that has not delivered.
    failing: bool,
    last_digest: Option<DigestHealth>,
}

#[derive(Serialize)]
struct DigestHealth {
    slot: String,
    delivered: bool,
    abandoned: bool,
    channels: Vec<ChannelState>,
}

/// `GET /healthz`: 200 when the site is current, intake works and the
/// store answers; 503 (with the reason) otherwise. Alert failures are shown
/// (`alerts.failing`) without failing the check: the server still takes
/// reports.
pub async fn healthz(State(state): State<AppState>) -> Response {
    let snapshot = state.snapshot();
    let problem = state.rebuild_problem();
    let intake_problem = snapshot.key.as_ref().err().map(|e| e.to_string());
    let reachable = matches!(
        tokio::time::timeout(STORE_TIMEOUT, state.store.ping()).await,
        Ok(Ok(()))
    );
    let alerts = match &state.alerter {
        None => None,
        Some(alerter) => {
            let last = match tokio::time::timeout(STORE_TIMEOUT, state.store.last_digest()).await {
                Ok(Ok(last)) => last,
                _ => None,
            };
            Some(AlertsHealth {
                hour: alerter.hour(),
                channels: alerter.channel_names(),
                failing: last
                    .as_ref()
                    .is_some_and(|d| d.channels.iter().any(|c| !c.delivered && c.failures > 0)),
                last_digest: last.map(|d| DigestHealth {
                    slot: d.slot.to_rfc3339(),
                    delivered: d.delivered,
                    abandoned: d.abandoned,
                    channels: d.channels,
                }),
            })
        }
    };
    let healthy = intake_problem.is_none() && problem.is_none() && reachable;
    let body = Health {
        status: if healthy { "ok" } else { "degraded" },
        built: snapshot.built.to_rfc3339(),
        verified: snapshot.verified,
        intake: intake_problem.is_none() && reachable,
        intake_problem: intake_problem
            .or_else(|| (!reachable).then(|| "the store does not answer".to_string())),
        rebuild_problem: problem.as_deref(),
        store: StoreHealth {
            backend: state.store.backend(),
            reachable,
        },
        alerts,
    };
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(body)).into_response()
}
