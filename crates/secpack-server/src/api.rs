//! The JSON API (`/api/v1/...`) and `/healthz`: documents prepared with the
//! snapshot, answered from memory.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::snapshot::ApiDocuments;
use crate::AppState;

fn json(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn document(state: &AppState, pick: fn(&ApiDocuments) -> &Bytes) -> Response {
    json(pick(&state.snapshot().api).clone())
}

/// `GET /api/v1/bulletins`: every bulletin, its header and its signers.
pub async fn bulletins(State(state): State<AppState>) -> Response {
    document(&state, |a| &a.bulletins)
}

/// `GET /api/v1/canary`: the canary audit (latest canary, due window,
/// findings).
pub async fn canary(State(state): State<AppState>) -> Response {
    document(&state, |a| &a.canary)
}

/// `GET /api/v1/xsa`: the upstream-advisory tracker's rows.
pub async fn xsa(State(state): State<AppState>) -> Response {
    document(&state, |a| &a.xsa)
}

/// `GET /api/v1/xsa/stats`: the tracker's statistics.
pub async fn xsa_stats(State(state): State<AppState>) -> Response {
    document(&state, |a| &a.xsa_stats)
}

/// `GET /api/v1/verify`: the pack's verification summary.
pub async fn verify(State(state): State<AppState>) -> Response {
    document(&state, |a| &a.verify)
}

#[derive(Serialize)]
struct Health<'a> {
    status: &'static str,
    built: String,
    verified: bool,
    intake: bool,
    intake_problem: Option<String>,
    rebuild_problem: Option<&'a str>,
}

/// `GET /healthz`: 200 when the site is current and intake works, 503
/// (with the reason) otherwise.
pub async fn healthz(State(state): State<AppState>) -> Response {
    let snapshot = state.snapshot();
    let problem = state.rebuild_problem();
    let intake_problem = snapshot.key.as_ref().err().map(|e| e.to_string());
    let healthy = intake_problem.is_none() && problem.is_none();
    let body = Health {
        status: if healthy { "ok" } else { "degraded" },
        built: snapshot.built.to_rfc3339(),
        verified: snapshot.verified,
        intake: intake_problem.is_none(),
        intake_problem,
        rebuild_problem: problem.as_deref(),
    };
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(body)).into_response()
}
