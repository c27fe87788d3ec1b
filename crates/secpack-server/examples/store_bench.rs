//! Reports stored per second by the store alone (no HTTP, no encryption,
//! no codename): `TASKS` concurrent writers insert 1.5 kB ciphertexts for
//! `SECONDS` through `INSTANCES` store handles (separate pools: as many
//! `secpack serve` instances) on one database. Used by bench/serve.sh.
//!
//! Usage: store_bench DB INSTANCES TASKS SECONDS

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use secpack_server::error::BoxError;
use secpack_server::store::{self, Database};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        return Err("usage: store_bench DB INSTANCES TASKS SECONDS".into());
    }
    let db = Database::parse(&args[1])?;
    let instances: usize = args[2].parse()?;
    let tasks: usize = args[3].parse()?;
    let seconds: u64 = args[4].parse()?;
    let mut stores = Vec::new();
    for _ in 0..instances {
        stores.push(store::open(&db, 0).await?);
    }
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let writers: Vec<_> = (0..tasks)
        .map(|i| {
            let store = stores[i % instances].clone();
            let done = done.clone();
            tokio::spawn(async move {
                let ciphertext = vec![0xa5u8; 1500];
                while Instant::now() < deadline {
                    store.insert(ciphertext.clone(), "BENCH".into()).await?;
                    done.fetch_add(1, Ordering::Relaxed);
                }
                Ok::<_, store::StoreError>(())
            })
        })
        .collect();
    for w in writers {
        w.await??;
    }
    let n = done.load(Ordering::Relaxed);
    let rate = n as f64 / started.elapsed().as_secs_f64();
    println!("{} {instances} {tasks} {n} {rate:.1}", db.display());
    Ok(())
}
