//! Rebuilding the snapshot when the pack changes: the pack's files are
//! polled (path, size, modification time; `.git` excluded) every few seconds,
//! and the snapshot is also rebuilt when the day changes (the canary audit
//! depends on today).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use crate::snapshot::Snapshot;
use crate::AppState;

/// A stamp of the pack's state: equal stamps mean nothing changed.
pub fn pack_stamp(root: &Path) -> u64 {
    let mut hasher = DefaultHasher::new();
    Utc::now().date_naive().hash(&mut hasher);
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.file_name() != ".git");
    for entry in walker {
        match entry {
            Ok(entry) => {
                entry.path().hash(&mut hasher);
                if let Ok(meta) = entry.metadata() {
                    meta.len().hash(&mut hasher);
                    meta.modified().ok().hash(&mut hasher);
                }
            }
            Err(e) => e.to_string().hash(&mut hasher),
        }
    }
    hasher.finish()
}

/// Polls the pack every `interval` and swaps in a new snapshot when it
/// changed. A build that fails, or a pack that no longer verifies (unless
/// failures are allowed), keeps the previous snapshot and is reported by
/// `/healthz`.
pub async fn watch(state: AppState, mut stamp: u64, interval: Duration) {
    let root = state.options.pack.clone();
    loop {
        tokio::time::sleep(interval).await;
        let r = root.clone();
        let Ok(now_stamp) = tokio::task::spawn_blocking(move || pack_stamp(&r)).await else {
            continue;
        };
        if now_stamp == stamp {
            continue;
        }
        stamp = now_stamp;
        let options = Arc::clone(&state.options);
        let built = tokio::task::spawn_blocking(move || {
            Snapshot::build(
                &options.pack,
                &options.pin,
                options.base_url.as_deref(),
                Utc::now(),
            )
        })
        .await;
        let problem = match built {
            Ok(Ok(snapshot)) if snapshot.verified || state.options.allow_failures => {
                tracing::info!("the pack changed; site rebuilt");
                if let Err(e) = &snapshot.key {
                    tracing::error!("report intake is unavailable: {e}");
                }
                state.replace_snapshot(snapshot);
                None
            }
            Ok(Ok(snapshot)) => Some(format!(
                "the pack no longer verifies; still serving the previous build: {}",
                snapshot.failures.join("; ")
            )),
            Ok(Err(e)) => Some(format!(
                "rebuilding the site failed: {}",
                crate::error::chain(&e)
            )),
            Err(e) => Some(format!("rebuilding the site failed: {e}")),
        };
        if let Some(p) = &problem {
            tracing::error!("{p}");
        }
        state.set_rebuild_problem(problem);
    }
}
