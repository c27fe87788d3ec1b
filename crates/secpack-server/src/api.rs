//! The JSON API (`/api/v1/...`): documents prepared with the snapshot,
//! answered from memory.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

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
