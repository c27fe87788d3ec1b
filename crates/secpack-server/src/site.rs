//! The site, served from the snapshot in memory.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};

use crate::error::HttpError;
use crate::AppState;

/// Answers `GET` for a site file: `/` and `/dir/` give their `index.html`,
/// `/dir` redirects to `/dir/` when that is a page.
pub async fn serve(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    let snapshot = state.snapshot();
    let path = uri.path().trim_start_matches('/');
    let key = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_string()
    };
    if let Some(page) = snapshot.files.get(&key) {
        return (
            [(header::CONTENT_TYPE, page.content_type)],
            page.body.clone(),
        )
            .into_response();
    }
    if !path.is_empty() && snapshot.files.contains_key(&format!("{path}/index.html")) {
        return Redirect::permanent(&format!("/{path}/")).into_response();
    }
    HttpError::new(
        StatusCode::NOT_FOUND,
        "not-found",
        "There is no page at this address.",
        &headers,
    )
    .into_response()
}
