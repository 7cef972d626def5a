//! A subscriber: VWAP and publish-to-receive latency of the quotes it reads.

use std::sync::Arc;
use std::task::Poll;

use super::{Market, ring_name, unpack};
use crate::shell::Metric;
use crate::{Context, End, RingId, Task};

/// Most words read in one poll (then the task yields).
const WORDS_PER_POLL: usize = 4096;

/// Reads `quotes.k`: a running VWAP and a latency histogram.
pub struct Vwap {
    market: Arc<Market>,
    k: usize,
    ring: Option<RingId>,
    /// A quote's first word (its time) read without its second word yet.
    half: Option<u64>,
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
            ring: None,
            half: None,
            notional: 0.0,
            volume: 0,
            latencies: Vec::with_capacity(WORDS_PER_POLL / 2),
            metric: None,
        }
    }
}

impl Task for Vwap {
    type Output = ();

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let ring = match self.ring {
            Some(r) => r,
            None => {
                let name = ring_name(self.k);
                let Ok(r) = cx.attach(&name, End::Read) else {
                    eprintln!("market.vwap {}: ring `{name}` is missing or taken", self.k);
                    return Poll::Ready(());
                };
                self.ring = Some(r);
                self.metric = Some(self.market.metric(&format!("vwap.{}", self.k), cx.core()));
                self.market.subscribe(self.k, cx.id());
                r
            }
        };
        self.latencies.clear();
        let mut n = 0;
        while n < WORDS_PER_POLL {
            let Ok(Some(w)) = cx.pop(ring) else { break };
            n += 1;
            match self.half.take() {
                None => self.half = Some(w),
                Some(t) => {
                    let (price, size) = unpack(w);
                    self.notional += price as f64 * size as f64;
                    self.volume += size;
                    self.latencies.push(self.market.now().saturating_sub(t));
                }
            }
        }
        if n == WORDS_PER_POLL {
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
