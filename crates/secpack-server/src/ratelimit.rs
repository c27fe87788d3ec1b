//! Per-client rate limits: a token bucket per IP address.
//!
//! Each client may send `per_minute` requests in a burst, then one every
//! `60 / per_minute` seconds. The table of clients is bounded: when it is
//! full, buckets that have refilled completely (clients gone quiet) are
//! dropped, and if none has, new clients are refused until some have.
//!
//! Report submissions use two buckets per client ([`SubmissionLimiter`]):
//! one for reports stored, one, [`REFUSED_FACTOR`] times larger, for
//! submissions refused (an invalid form, a body too large, ...). A mistake
//! does not cost a reporter the allowance of reports, and a client that
//! sends nothing but refused submissions is still bounded.

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

impl RateLimiter {
    /// Gives back one token taken from `client` (a request that turned out
    /// not to count), never above the burst size.
    pub fn refund(&self, client: IpAddr) {
        if self.per_minute == 0 {
            return;
        }
        let capacity = f64::from(self.per_minute);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(bucket) = buckets.get_mut(&client) {
            bucket.tokens = (bucket.tokens + 1.0).min(capacity);
        }
    }
}

/// How many times more refused submissions than stored reports a client
/// may send per minute.
pub const REFUSED_FACTOR: u32 = 5;

/// The limits on report submissions: reports stored, and submissions
/// refused, counted apart per client.
#[derive(Debug)]
pub struct SubmissionLimiter {
    stored: RateLimiter,
    refused: RateLimiter,
}

/// Which budget a refused request ran out of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exhausted {
    /// Reports stored.
    Stored(Duration),
    /// Submissions refused.
    Refused(Duration),
}

impl Exhausted {
    /// How long until the client may submit again.
    pub fn wait(self) -> Duration {
        match self {
            Self::Stored(d) | Self::Refused(d) => d,
        }
    }
}

impl SubmissionLimiter {
    /// `per_minute` reports stored per client and minute, and
    /// [`REFUSED_FACTOR`] times as many refused submissions (0: no limit).
    pub fn new(per_minute: u32) -> Self {
        Self::with_capacity(per_minute, MAX_CLIENTS)
    }

    /// The same, tracking at most `max_clients` clients in each table.
    pub fn with_capacity(per_minute: u32, max_clients: usize) -> Self {
        Self {
            stored: RateLimiter::with_capacity(per_minute, max_clients),
            refused: RateLimiter::with_capacity(
                per_minute.saturating_mul(REFUSED_FACTOR),
                max_clients,
            ),
        }
    }

    /// Before a submission is handled: reserves one token of each budget,
    /// so that concurrent submissions cannot overdraw either. Refused when
    /// either budget is empty (nothing is then taken).
    pub fn begin(&self, client: IpAddr, now: Instant) -> Result<(), Exhausted> {
        self.stored.check(client, now).map_err(Exhausted::Stored)?;
        if let Err(wait) = self.refused.check(client, now) {
            self.stored.refund(client);
            return Err(Exhausted::Refused(wait));
        }
        Ok(())
    }

    /// After it was handled: keeps the token of the budget it counts
    /// against (`stored` or refused) and gives the other back.
    pub fn finish(&self, client: IpAddr, stored: bool) {
        if stored {
            self.refused.refund(client);
        } else {
            self.stored.refund(client);
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
    fn refunds_give_back_at_most_the_burst() {
        let limiter = RateLimiter::new(2);
        let t0 = Instant::now();
        limiter.refund(A); // unknown client: nothing to give back
        assert!(limiter.check(A, t0).is_ok());
        assert!(limiter.check(A, t0).is_ok());
        assert!(limiter.check(A, t0).is_err());
        limiter.refund(A);
        assert!(limiter.check(A, t0).is_ok());
        assert!(limiter.check(A, t0).is_err());
        limiter.refund(A);
        limiter.refund(A);
        limiter.refund(A);
        assert!(limiter.check(A, t0).is_ok());
        assert!(limiter.check(A, t0).is_ok());
        assert!(limiter.check(A, t0).is_err());
    }

    #[test]
    fn only_stored_reports_use_the_report_budget() {
        let limits = SubmissionLimiter::new(2);
        let t0 = Instant::now();
        // Refused submissions, up to REFUSED_FACTOR times the budget, leave
        // the reports' budget whole.
        for _ in 0..(2 * REFUSED_FACTOR) {
            limits.begin(A, t0).unwrap();
            limits.finish(A, false);
        }
        match limits.begin(A, t0) {
            Err(Exhausted::Refused(wait)) => assert!(wait > Duration::ZERO),
            other => panic!("{other:?}"),
        }
        // Another client is untouched: two reports stored, then no more.
        for _ in 0..2 {
            limits.begin(B, t0).unwrap();
            limits.finish(B, true);
        }
        assert!(matches!(limits.begin(B, t0), Err(Exhausted::Stored(_))));
        // Its refused budget was not used by the stored reports.
        let later = t0 + Duration::from_secs(30);
        limits.begin(B, later).unwrap();
        limits.finish(B, false);
        limits.begin(B, later).unwrap();
        limits.finish(B, true);
    }

    #[test]
    fn reservations_bound_concurrent_submissions() {
        let limits = SubmissionLimiter::new(2);
        let t0 = Instant::now();
        // Two in flight at once take the whole report budget.
        limits.begin(A, t0).unwrap();
        limits.begin(A, t0).unwrap();
        assert!(matches!(limits.begin(A, t0), Err(Exhausted::Stored(_))));
        // One is refused: its report token comes back.
        limits.finish(A, false);
        limits.finish(A, true);
        limits.begin(A, t0).unwrap();
        assert!(limits.begin(A, t0).is_err());
        // No limit at all with 0.
        let open = SubmissionLimiter::new(0);
        assert!((0..1000).all(|_| open.begin(A, t0).is_ok()));
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
