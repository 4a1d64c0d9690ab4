//! Token buckets per key: comment posts per address, sign-in attempts per
//! account and per address.

use std::hash::Hash;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Keys remembered before stale entries are swept.
const SWEEP_ABOVE: usize = 10_000;

/// A token bucket per key.
pub(crate) struct Limiter<K: Hash + Eq + Clone> {
    inner: DefaultKeyedRateLimiter<K>,
    clock: DefaultClock,
}

impl<K: Hash + Eq + Clone> Limiter<K> {
    /// `burst` posts at once, then one per `interval`.
    pub(crate) fn new(burst: u32, interval: Duration) -> Self {
        let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(interval.max(Duration::from_millis(1)))
            .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN))
            .allow_burst(burst);
        Limiter {
            inner: RateLimiter::keyed(quota),
            clock: DefaultClock::default(),
        }
    }

    /// `Ok` if this key may act now, else the whole seconds to wait.
    pub(crate) fn check(&self, key: &K) -> Result<(), u64> {
        if self.inner.len() > SWEEP_ABOVE {
            self.inner.retain_recent();
        }
        self.inner.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

/// A limit every app server shares, so a guesser gains nothing by
/// spreading over servers: checked in this process first (a flood is
/// turned away without touching the database), then in the database's
/// bucket for the key. Both must allow.
pub(crate) struct SharedLimiter {
    /// Keeps two limits' keys apart in the shared table.
    name: &'static str,
    burst: u32,
    interval: Duration,
    local: Limiter<String>,
}

impl SharedLimiter {
    /// `burst` actions at once, then one per `interval`, per key.
    pub(crate) fn new(name: &'static str, burst: u32, interval: Duration) -> Self {
        SharedLimiter {
            name,
            burst: burst.max(1),
            interval,
            local: Limiter::new(burst, interval),
        }
    }

    /// `Ok(Ok(()))` if `key` may act now (the action is counted), else
    /// `Ok(Err(seconds))` to wait; `Err` if the database cannot say.
    pub(crate) async fn check(
        &self,
        store: &dyn kiosque_core::ports::Store,
        key: impl std::fmt::Display,
    ) -> kiosque_core::Result<Result<(), u64>> {
        let key = format!("{}:{key}", self.name);
        if let Err(wait) = self.local.check(&key) {
            return Ok(Err(wait));
        }
        // The table holds a hash: no address or account is written down.
        let hashed = kiosque_core::service::auth::token_hash(&key);
        Ok(
            match store
                .throttle(&hashed, self.burst, self.interval, chrono::Utc::now())
                .await?
            {
                None => Ok(()),
                Some(wait) => Err(wait.as_secs() + u64::from(wait.subsec_nanos() > 0)),
            },
        )
    }
}
