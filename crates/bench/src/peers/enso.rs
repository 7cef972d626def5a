//! enso-ring: the rings under test. Each driver gets the same adapter as
//! its peers, so it runs in the very same workload code.

use enso_ring::{broadcast, mpsc, spsc, work};

use super::{BatchQueue, Queue, setup_error};
use crate::harness::BenchError;

/// Implements [`Queue`] for an enso queue module (`spsc`, `mpsc`, `work`):
/// default configuration, `try_push` / `try_pop`.
macro_rules! enso_queue {
    ($(#[$doc:meta])* $name:ident, $ring:ident) => {
        $(#[$doc])*
        pub struct $name;

        impl Queue for $name {
            type Tx = $ring::Producer<u64>;
            type Rx = $ring::Consumer<u64>;

            fn channel(run: &str, capacity: usize) -> Result<(Self::Tx, Self::Rx), BenchError> {
                $ring::channel(capacity).map_err(|e| setup_error(run, e))
            }

            #[inline(always)]
            fn try_send(tx: &mut Self::Tx, value: u64) -> bool {
                tx.try_push(value).is_ok()
            }

            #[inline(always)]
            fn try_recv(rx: &mut Self::Rx) -> Option<u64> {
                rx.try_pop().ok()
            }
        }
    };
}

/// Implements [`BatchQueue`] for an enso queue with the chunk API: write
/// `n` in place then commit; read runs of up to `batch` in place then
/// release (runs of the workload's batch size measured faster here than
/// reading everything available).
macro_rules! enso_batch_queue {
    ($name:ident) => {
        impl BatchQueue for $name {
            #[inline(always)]
            fn try_send_batch(tx: &mut Self::Tx, first: u64, n: usize) -> bool {
                match tx.write_chunk(n) {
                    Ok(mut chunk) => {
                        chunk.fill_with(|i| first + i as u64);
                        chunk.commit();
                        true
                    }
                    Err(_) => false,
                }
            }

            #[inline(always)]
            fn recv_available(rx: &mut Self::Rx, batch: usize, mut seen: impl FnMut(u64)) -> usize {
                match rx.read_chunk(batch) {
                    Ok(chunk) => {
                        chunk.iter().for_each(|&v| seen(v));
                        let n = chunk.len();
                        chunk.release();
                        n
                    }
                    Err(_) => 0,
                }
            }
        }
    };
}

enso_queue!(
    /// `enso_ring::spsc` with its default configuration; the workload waits
    /// (not the ring), so only `try_push` / `try_pop` and the chunk API are used.
    EnsoSpsc,
    spsc
);
enso_batch_queue!(EnsoSpsc);

enso_queue!(
    /// `enso_ring::mpsc` with its default configuration; producers are clones.
    EnsoMpsc,
    mpsc
);
enso_batch_queue!(EnsoMpsc);

enso_queue!(
    /// `enso_ring::work`, the SPMC work queue, default configuration;
    /// consumers are clones and each message goes to exactly one of them.
    EnsoWork,
    work
);

/// `enso_ring::broadcast` (backpressure `Block`, the default): the
/// publisher writes in place through a closure, each subscriber reads in
/// place and releases.
pub struct EnsoBroadcast;

impl EnsoBroadcast {
    /// A ring of `capacity` slots with `subscribers` subscribers attached.
    pub fn channel(
        run: &str,
        capacity: usize,
        subscribers: usize,
    ) -> Result<(broadcast::Publisher<u64>, Vec<broadcast::Subscriber<u64>>), BenchError> {
        let (publisher, first) = broadcast::channel(capacity).map_err(|e| setup_error(run, e))?;
        let mut all = vec![first];
        for _ in 1..subscribers {
            all.push(publisher.subscribe().map_err(|e| setup_error(run, e))?);
        }
        Ok((publisher, all))
    }

    /// Publishes `value` if every subscriber has room; false otherwise.
    #[inline(always)]
    pub fn try_publish(publisher: &mut broadcast::Publisher<u64>, value: u64) -> bool {
        publisher.try_publish(|slot| *slot = value).is_ok()
    }

    /// Publishes `first..first + n` written in place, if `n` slots are free.
    #[inline(always)]
    pub fn try_publish_batch(
        publisher: &mut broadcast::Publisher<u64>,
        first: u64,
        n: usize,
    ) -> bool {
        match publisher.write_chunk(n) {
            Ok(mut chunk) => {
                for (i, v) in (first..first + n as u64).enumerate() {
                    if let Some(slot) = chunk.get_mut(i) {
                        *slot = v;
                    }
                }
                chunk.commit();
                true
            }
            Err(_) => false,
        }
    }

    /// Reads the next message in place, if there is one.
    #[inline(always)]
    pub fn try_recv(subscriber: &mut broadcast::Subscriber<u64>) -> Option<u64> {
        subscriber.try_read_with(|v| *v).ok()
    }

    /// Reads a run of up to `batch` messages in place, as for [`EnsoSpsc`].
    #[inline(always)]
    pub fn recv_available(
        subscriber: &mut broadcast::Subscriber<u64>,
        batch: usize,
        mut seen: impl FnMut(u64),
    ) -> usize {
        match subscriber.read_chunk(batch) {
            Ok(chunk) => {
                chunk.iter().for_each(|&v| seen(v));
                let n = chunk.len();
                chunk.release();
                n
            }
            Err(_) => 0,
        }
    }
}
