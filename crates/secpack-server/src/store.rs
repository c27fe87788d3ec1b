//! The inbox as the server uses it: one connection, used from blocking
//! threads so that the synced commit does not stall the async workers.

use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use chrono::{DateTime, Utc};
use secpack::report::inbox::Inbox;

/// The server's handle on the inbox database.
#[derive(Debug, Clone)]
pub struct Store {
    inbox: Arc<Mutex<Inbox>>,
}

impl Store {
    /// Opens (creating when absent) the database at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        Ok(Self {
            inbox: Arc::new(Mutex::new(Inbox::open(path)?)),
        })
    }

    /// Stores `ciphertext` (encrypted to `key`); returns the receipt id and
    /// the time received once the row is committed to disk.
    pub async fn insert(
        &self,
        ciphertext: Vec<u8>,
        key: String,
    ) -> Result<(String, DateTime<Utc>)> {
        let inbox = Arc::clone(&self.inbox);
        tokio::task::spawn_blocking(move || {
            let received = Utc::now();
            let inbox = inbox.lock().unwrap_or_else(|e| e.into_inner());
            let id = inbox.insert(&ciphertext, &key, received)?;
            Ok((id, received))
        })
        .await?
    }
}
