//! Per-client rate limit: a token bucket per IP address.
//!
//! Each client may send `per_minute` requests in a burst, then one every
//! `60 / per_minute` seconds. The table of clients is bounded: when it is
//! full, buckets that have refilled completely (clients gone quiet) are
//! dropped, and if none has, new clients are refused until some have.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most clients tracked at once.
pub const MAX_CLIENTS: usize = 100_000;

/// The rate limiter.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    max_clients: usize,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl RateLimiter {
    /// A limiter allowing `per_minute` requests per client and minute
    /// (0: no limit).
    pub fn new(per_minute: u32) -> Self {
        Self::with_capacity(per_minute, MAX_CLIENTS)
    }

    /// A limiter tracking at most `max_clients` clients.
    pub fn with_capacity(per_minute: u32, max_clients: usize) -> Self {
        Self {
            per_minute,
            max_clients,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `client` at `now`; when none is left, returns how
    /// long until one is.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if !buckets.contains_key(&client) && buckets.len() >= self.max_clients {
            buckets.retain(|_, b| refilled(b, now, per_second) < capacity);
            if buckets.len() >= self.max_clients {
                return Err(Duration::from_secs(1));
            }
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: capacity,
            last: now,
        });
        bucket.tokens = refilled(bucket, now, per_second).min(capacity);
        bucket.last = now.max(bucket.last);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / per_second;
            Err(Duration::from_secs_f64(wait.max(0.001)))
        }
    }
}

fn refilled(bucket: &Bucket, now: Instant, per_second: f64) -> f64 {
    bucket.tokens + now.saturating_duration_since(bucket.last).as_secs_f64() * per_second
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2));

    #[test]
    fn a_burst_then_one_per_interval_per_client() {
        let limiter = RateLimiter::new(6); // one token every 10 s
        let t0 = Instant::now();
        for _ in 0..6 {
            assert!(limiter.check(A, t0).is_ok());
        }
        let wait = limiter.check(A, t0).unwrap_err();
        assert!((9.9..=10.0).contains(&wait.as_secs_f64()), "{wait:?}");
        // Another client is not affected.
        assert!(limiter.check(B, t0).is_ok());
        // After 5 s, still nothing; after 10 s, exactly one more.
        assert!(limiter.check(A, t0 + Duration::from_secs(5)).is_err());
        assert!(limiter.check(A, t0 + Duration::from_secs(10)).is_ok());
        assert!(limiter.check(A, t0 + Duration::from_secs(10)).is_err());
        // A long pause refills to the burst size, no more.
        let later = t0 + Duration::from_secs(3600);
        for _ in 0..6 {
            assert!(limiter.check(A, later).is_ok());
        }
        assert!(limiter.check(A, later).is_err());
    }

    #[test]
    fn zero_means_no_limit() {
        let limiter = RateLimiter::new(0);
        let t0 = Instant::now();
        assert!((0..1000).all(|_| limiter.check(A, t0).is_ok()));
    }

    #[test]
    fn the_client_table_is_bounded() {
        let limiter = RateLimiter::with_capacity(1, 1);
        let t0 = Instant::now();
        assert!(limiter.check(A, t0).is_ok());
        // A is still draining: B cannot get a slot.
        assert!(limiter.check(B, t0).is_err());
        // Once A has refilled, its slot is reused.
        assert!(limiter.check(B, t0 + Duration::from_secs(61)).is_ok());
    }
}
