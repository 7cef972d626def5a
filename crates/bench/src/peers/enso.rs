//! enso-ring: the rings under test. Each driver gets the same adapter as
//! its peers, so it runs in the very same workload code.

use enso_ring::{mpsc, spsc};

use super::{BatchQueue, Queue, setup_error};
use crate::harness::BenchError;

/// `enso_ring::spsc` with its default configuration; the workload waits
/// (not the ring), so only `try_push` / `try_pop` and the chunk API are used.
pub struct EnsoSpsc;

impl Queue for EnsoSpsc {
    type Tx = spsc::Producer<u64>;
    type Rx = spsc::Consumer<u64>;

    fn channel(run: &str, capacity: usize) -> Result<(Self::Tx, Self::Rx), BenchError> {
        spsc::channel(capacity).map_err(|e| setup_error(run, e))
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

impl BatchQueue for EnsoSpsc {
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
    /// Reads runs of up to `batch`: `read_chunk` sizes a full run with one
    /// stamp load, while a longer `max` that is not all ready makes it scan
    /// the stamps one by one (about 25% slower here).
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

/// `enso_ring::mpsc` with its default configuration; producers are clones.
pub struct EnsoMpsc;

impl Queue for EnsoMpsc {
    type Tx = mpsc::Producer<u64>;
    type Rx = mpsc::Consumer<u64>;

    fn channel(run: &str, capacity: usize) -> Result<(Self::Tx, Self::Rx), BenchError> {
        mpsc::channel(capacity).map_err(|e| setup_error(run, e))
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

impl BatchQueue for EnsoMpsc {
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

    /// Reads runs of up to `batch`, as for [`EnsoSpsc`].
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
