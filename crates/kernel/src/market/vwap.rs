//! A subscriber: VWAP and publish-to-receive latency of every quote.

use std::sync::Arc;
use std::task::Poll;

use enso_ring::broadcast::Subscriber;

use super::{Market, Quote};
use crate::shell::Metric;
use crate::{Context, Task};

/// Most quotes read in one poll (then the task yields).
const QUOTES_PER_POLL: usize = 2048;

/// Subscriber `k`: a running VWAP and a latency histogram.
pub struct Vwap {
    market: Arc<Market>,
    k: usize,
    sub: Option<Subscriber<Quote>>,
    notional: f64,
    volume: u64,
    latencies: Vec<u64>,
    metric: Option<Arc<Metric>>,
}

impl std::fmt::Debug for Vwap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vwap").field("k", &self.k).finish()
    }
}

impl Vwap {
    /// Subscriber `k`.
    pub fn new(market: Arc<Market>, k: usize) -> Vwap {
        Vwap {
            market,
            k,
            sub: None,
            notional: 0.0,
            volume: 0,
            latencies: Vec::with_capacity(QUOTES_PER_POLL),
            metric: None,
        }
    }
}

impl Task for Vwap {
    type Output = ();

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.sub.is_none() {
            let Some(s) = self.market.join() else {
                self.market.say(format!(
                    "market.vwap {}: cannot join the quote ring",
                    self.k
                ));
                return Poll::Ready(());
            };
            self.sub = Some(s);
            self.metric = self.market.metric(&format!("vwap.{}", self.k), cx.core());
            self.market.subscribe(self.k, cx.id());
        }
        let Some(sub) = self.sub.as_mut() else {
            return Poll::Ready(());
        };
        self.latencies.clear();
        if let Ok(chunk) = sub.read_chunk(QUOTES_PER_POLL) {
            let now = self.market.now();
            for q in chunk.iter() {
                self.notional += q.price as f64 * q.size as f64;
                self.volume += q.size;
                self.latencies.push(now.saturating_sub(q.ts));
            }
        }
        if self.latencies.len() == QUOTES_PER_POLL {
            cx.yield_now();
        }
        if let Some(m) = &self.metric
            && !self.latencies.is_empty()
        {
            m.add(self.latencies.len() as u64);
            m.record(&self.latencies);
            if self.volume > 0 {
                m.set_value(self.notional / self.volume as f64 / 100.0);
            }
        }
        Poll::Pending
    }
}
