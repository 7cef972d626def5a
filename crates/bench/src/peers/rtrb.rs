//! rtrb: a wait-free SPSC ring; `push`/`pop`, and its chunk API for batches.

use super::{BatchQueue, Queue, setup_error};
use crate::harness::BenchError;

/// `rtrb::RingBuffer<u64>`.
pub struct Rtrb;

impl Queue for Rtrb {
    type Tx = rtrb::Producer<u64>;
    type Rx = rtrb::Consumer<u64>;

    fn channel(run: &str, capacity: usize) -> Result<(Self::Tx, Self::Rx), BenchError> {
        if capacity == 0 {
            return Err(setup_error(run, "rtrb needs a capacity above zero"));
        }
        Ok(rtrb::RingBuffer::new(capacity))
    }

    #[inline(always)]
    fn try_send(tx: &mut Self::Tx, value: u64) -> bool {
        tx.push(value).is_ok()
    }

    #[inline(always)]
    fn try_recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.pop().ok()
    }
}

impl BatchQueue for Rtrb {
    #[inline(always)]
    fn try_send_batch(tx: &mut Self::Tx, first: u64, n: usize) -> bool {
        match tx.write_chunk_uninit(n) {
            Ok(chunk) => {
                chunk.fill_from_iter(first..first + n as u64);
                true
            }
            Err(_) => false,
        }
    }

    #[inline(always)]
    /// Reads everything available: faster here than runs of `batch`.
    fn recv_available(rx: &mut Self::Rx, _batch: usize, mut seen: impl FnMut(u64)) -> usize {
        let available = rx.slots();
        if available == 0 {
            return 0;
        }
        let Ok(chunk) = rx.read_chunk(available) else {
            return 0;
        };
        let (head, tail) = chunk.as_slices();
        head.iter().chain(tail).for_each(|&v| seen(v));
        chunk.commit_all();
        available
    }
}
