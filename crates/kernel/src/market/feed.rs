//! The quote feed: a random walk published into the broadcast ring.

use std::sync::Arc;
use std::task::Poll;

use enso_ring::error::PublishError;

use super::{Market, Quote};
use crate::shell::Metric;
use crate::{Context, Task};

/// Publishes `per_wake` quotes per wake-up.
pub struct Feed {
    market: Arc<Market>,
    per_wake: usize,
    price: u64,
    rng: u64,
    started: bool,
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
            price: 10_000,
            rng: 0x9E37_79B9_7F4A_7C15,
            started: false,
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
}

impl Task for Feed {
    type Output = ();

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if !self.started {
            self.started = true;
            self.published = self.market.metric("feed.quotes", cx.core());
            self.dropped = self.market.metric("feed.dropped", cx.core());
        }
        let (mut sent, mut dropped) = (0u64, 0u64);
        {
            let market = self.market.clone();
            let mut guard = market.publisher();
            let Some(publisher) = guard.as_mut() else {
                return Poll::Ready(());
            };
            for _ in 0..self.per_wake {
                let (price, size) = self.next();
                let ts = market.now();
                match publisher.try_publish(|q| *q = Quote { ts, price, size }) {
                    Ok(()) => sent += 1,
                    Err(PublishError::Full) => dropped += 1,
                    // No subscriber yet: nothing to publish to.
                    Err(PublishError::Closed) => {}
                }
            }
        }
        for k in 0..super::MAX_SUBSCRIBERS {
            if let Some(id) = self.market.subscriber(k) {
                let _ = cx.wake(id);
            }
        }
        if let (Some(p), Some(d)) = (&self.published, &self.dropped) {
            p.add(sent);
            p.set_value(self.price as f64 / 100.0);
            d.add(dropped);
        }
        Poll::Pending
    }
}
