//! The default main job: a synthetic market-data feed and its subscribers.
//!
//! - `market.feed` (argument: quotes per wake-up): a random-walk quote
//!   generator. Each time its timer wakes it, it publishes that many quotes
//!   into every ring named `quotes.0`, `quotes.1`, ... it holds, then wakes
//!   the subscribers. A quote is two words: the publish time (ns on the
//!   market clock) and `price_ticks << 20 | size`. A subscriber that lags
//!   behind a full ring loses quotes (counted as `feed.dropped`); it never
//!   reads a torn quote.
//! - `market.vwap` (argument: its index k): reads `quotes.k`, keeps the
//!   volume-weighted average price and the publish-to-receive latency
//!   histogram.
//!
//! Both publish [`Metric`]s, which `stats[]` lists. Rings are the kernel's
//! SPSC word rings, one per subscriber (a fan-out: the broadcast ring of
//! `enso-ring` is not there yet).

mod feed;
mod vwap;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Instant;

pub use feed::Feed;
pub use vwap::Vwap;

use crate::TaskId;
use crate::shell::{Metric, Registry, Shell};

/// Most subscribers a feed serves.
pub const MAX_SUBSCRIBERS: usize = 8;

/// What the feed and its subscribers share: a clock and the subscribers' ids.
pub struct Market {
    epoch: Instant,
    subs: [AtomicU64; MAX_SUBSCRIBERS],
    shell: Weak<Shell>,
}

impl std::fmt::Debug for Market {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Market").finish_non_exhaustive()
    }
}

impl Market {
    /// A market whose tasks report metrics to `shell`.
    pub fn new(shell: &Arc<Shell>) -> Arc<Market> {
        Arc::new(Market {
            epoch: Instant::now(),
            subs: Default::default(),
            shell: Arc::downgrade(shell),
        })
    }

    /// Nanoseconds on the market clock.
    pub fn now(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }

    /// Subscriber `k` announces its id (the feed wakes it after publishing).
    fn subscribe(&self, k: usize, id: TaskId) {
        if let Some(s) = self.subs.get(k) {
            // Release: pairs with the feed's Acquire; only the id is published.
            s.store(id.to_bits(), Ordering::Release);
        }
    }

    fn subscriber(&self, k: usize) -> Option<TaskId> {
        match self.subs.get(k)?.load(Ordering::Acquire) {
            0 => None,
            b => Some(TaskId::from_bits(b)),
        }
    }

    /// Registers a metric named `name` for a task on `core`.
    fn metric(&self, name: &str, core: crate::CoreIndex) -> Arc<Metric> {
        let shell = self.shell.upgrade();
        let core_name = shell
            .as_ref()
            .and_then(|s| s.handle().map(|h| h.cores()))
            .and_then(|c| c.get(core.get()).map(|c| c.name.clone()))
            .unwrap_or_else(|| core.to_string());
        let m = Arc::new(Metric::new(name, &core_name));
        if let Some(s) = shell {
            s.add_metric(m.clone());
        }
        m
    }
}

/// The ring subscriber `k` reads.
pub fn ring_name(k: usize) -> String {
    format!("quotes.{k}")
}

/// Registers `market.feed` and `market.vwap`.
pub fn register(reg: &mut Registry, shell: &Arc<Shell>) {
    let m = Market::new(shell);
    let m2 = m.clone();
    reg.add("market.feed", move |per_wake| {
        Feed::new(m.clone(), per_wake.clamp(1, 4096) as usize)
    });
    reg.add("market.vwap", move |k| Vwap::new(m2.clone(), k as usize));
}

/// Packs a quote's second word.
pub fn pack(price_ticks: u64, size: u64) -> u64 {
    (price_ticks << 20) | (size & 0xF_FFFF)
}

/// Unpacks a quote's second word: (price in ticks, size).
pub fn unpack(w: u64) -> (u64, u64) {
    (w >> 20, w & 0xF_FFFF)
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes_pack_and_unpack() {
        assert_eq!(super::unpack(super::pack(10_012, 300)), (10_012, 300));
    }
}
