//! The quote feed: a random walk published into every `quotes.k` ring.

use std::sync::Arc;
use std::task::Poll;

use super::{MAX_SUBSCRIBERS, Market, pack, ring_name};
use crate::shell::Metric;
use crate::{Context, End, PushError, RingId, Task};

/// Publishes `per_wake` quotes per wake-up into each ring it can attach.
pub struct Feed {
    market: Arc<Market>,
    per_wake: usize,
    rings: Vec<(usize, RingId)>,
    /// Per subscriber, a quote's second word not yet pushed.
    pending: [Option<u64>; MAX_SUBSCRIBERS],
    price: u64,
    rng: u64,
    published: Option<Arc<Metric>>,
    dropped: Option<Arc<Metric>>,
}

impl std::fmt::Debug for Feed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Feed")
            .field("per_wake", &self.per_wake)
            .finish()
    }
}

impl Feed {
    /// A feed of `per_wake` quotes per wake-up.
    pub fn new(market: Arc<Market>, per_wake: usize) -> Feed {
        Feed {
            market,
            per_wake,
            rings: Vec::with_capacity(MAX_SUBSCRIBERS),
            pending: [None; MAX_SUBSCRIBERS],
            price: 10_000,
            rng: 0x9E37_79B9_7F4A_7C15,
            published: None,
            dropped: None,
        }
    }

    fn next(&mut self) -> (u64, u64) {
        // xorshift64: cheap, deterministic, good enough for a synthetic walk.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let step = (self.rng % 5) as i64 - 2;
        self.price = (self.price as i64 + step).clamp(1_000, 1_000_000) as u64;
        let size = 1 + (self.rng >> 32) % 500;
        (self.price, size)
    }

    fn start(&mut self, cx: &mut Context<'_>) {
        for k in 0..MAX_SUBSCRIBERS {
            if let Ok(id) = cx.attach(&ring_name(k), End::Write) {
                self.rings.push((k, id));
            }
        }
        self.published = Some(self.market.metric("feed.quotes", cx.core()));
        self.dropped = Some(self.market.metric("feed.dropped", cx.core()));
    }
}

impl Task for Feed {
    type Output = ();

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.published.is_none() {
            self.start(cx);
        }
        let mut dropped = 0;
        for _ in 0..self.per_wake {
            let (price, size) = self.next();
            let t = self.market.now();
            for &(k, ring) in &self.rings {
                if let Some(w) = self.pending[k] {
                    match cx.push(ring, w) {
                        Ok(()) => self.pending[k] = None,
                        Err(_) => {
                            dropped += 1;
                            continue;
                        }
                    }
                }
                match cx.push(ring, t) {
                    Ok(()) => {
                        if let Err(PushError::Full(w)) = cx.push(ring, pack(price, size)) {
                            self.pending[k] = Some(w);
                        }
                    }
                    Err(_) => dropped += 1,
                }
            }
        }
        for &(k, _) in &self.rings {
            if let Some(id) = self.market.subscriber(k) {
                let _ = cx.wake(id);
            }
        }
        if let (Some(p), Some(d)) = (&self.published, &self.dropped) {
            p.add(self.per_wake as u64);
            p.set_value(self.price as f64 / 100.0);
            d.add(dropped);
        }
        Poll::Pending
    }
}
