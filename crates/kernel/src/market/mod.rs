//! The default main job: a synthetic market-data feed and its subscribers.
//!
//! - `market.feed` (argument: quotes per wake-up): a random-walk quote
//!   generator. Each time its timer wakes it, it publishes that many
//!   [`Quote`]s into the market's broadcast ring (`enso_ring::broadcast`:
//!   one publisher, every subscriber sees every quote and reads it in
//!   place), then wakes the subscribers. It never waits: when the slowest
//!   subscriber is a whole ring behind, the quote is dropped and counted
//!   (`feed.dropped`).
//! - `market.vwap` (argument: its index k): a subscriber that keeps the
//!   volume-weighted average price and the publish-to-receive latency
//!   histogram of every quote.
//!
//! Both publish [`Metric`]s, which `stats[]` lists.

mod feed;
mod vwap;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

use enso_ring::broadcast;

pub use feed::Feed;
pub use vwap::Vwap;

use crate::TaskId;
use crate::shell::{Metric, Registry, Shell};

/// Most subscribers a feed serves.
pub const MAX_SUBSCRIBERS: usize = 8;

/// Slots in the quote ring.
pub const RING_CAPACITY: usize = 8192;

/// A quote, written and read in place in the broadcast ring.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Quote {
    /// Publish time, ns on the market clock.
    pub ts: u64,
    /// Price in ticks of 0.01.
    pub price: u64,
    /// Size.
    pub size: u64,
}

/// What the feed and its subscribers share: a clock, the broadcast ring's
/// publisher (subscribers join through it) and the subscribers' ids.
pub struct Market {
    epoch: Instant,
    subs: [AtomicU64; MAX_SUBSCRIBERS],
    shell: Weak<Shell>,
    /// Locked once per feed wake-up, and by a subscriber joining.
    publisher: Mutex<Option<broadcast::Publisher<Quote>>>,
}

impl std::fmt::Debug for Market {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Market").finish_non_exhaustive()
    }
}

impl Market {
    /// A market whose tasks report metrics to `shell`.
    pub fn new(shell: &Arc<Shell>) -> Arc<Market> {
        // The first subscriber is dropped at once: subscribers join later.
        let publisher = broadcast::channel::<Quote>(RING_CAPACITY)
            .ok()
            .map(|(p, _)| p);
        Arc::new(Market {
            epoch: Instant::now(),
            subs: Default::default(),
            shell: Arc::downgrade(shell),
            publisher: Mutex::new(publisher),
        })
    }

    fn publisher(&self) -> std::sync::MutexGuard<'_, Option<broadcast::Publisher<Quote>>> {
        self.publisher.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new subscriber of the quote ring.
    fn join(&self) -> Option<broadcast::Subscriber<Quote>> {
        self.publisher().as_ref()?.subscribe().ok()
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
    fn metric(&self, name: &str, core: crate::CoreIndex) -> Option<Arc<Metric>> {
        let shell = self.shell.upgrade()?;
        let core_name = shell
            .handle()
            .and_then(|h| h.cores().get(core.get()).map(|c| c.name.clone()))
            .unwrap_or_else(|| core.to_string());
        match Metric::new(name, &core_name) {
            Ok(m) => {
                let m = Arc::new(m);
                shell.add_metric(m.clone());
                Some(m)
            }
            Err(e) => {
                shell.emit(crate::shell::Event::Print(e));
                None
            }
        }
    }

    /// Tells the console.
    fn say(&self, text: String) {
        if let Some(s) = self.shell.upgrade() {
            s.emit(crate::shell::Event::Print(text));
        }
    }
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
