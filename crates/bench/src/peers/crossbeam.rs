//! crossbeam: the lock-free `ArrayQueue` and the bounded channel.

use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};
use crossbeam_queue::ArrayQueue;

use super::{Queue, setup_error};
use crate::harness::BenchError;

/// `crossbeam_queue::ArrayQueue<u64>` shared by an `Arc` (MPMC, CAS based).
pub struct CrossbeamArrayQueue;

impl Queue for CrossbeamArrayQueue {
    type Tx = Arc<ArrayQueue<u64>>;
    type Rx = Arc<ArrayQueue<u64>>;

    fn channel(run: &str, capacity: usize) -> Result<(Self::Tx, Self::Rx), BenchError> {
        if capacity == 0 {
            return Err(setup_error(run, "ArrayQueue needs a capacity above zero"));
        }
        let queue = Arc::new(ArrayQueue::new(capacity));
        Ok((Arc::clone(&queue), queue))
    }

    #[inline(always)]
    fn try_send(tx: &mut Self::Tx, value: u64) -> bool {
        tx.push(value).is_ok()
    }

    #[inline(always)]
    fn try_recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.pop()
    }
}

/// `crossbeam_channel::bounded::<u64>` (MPMC).
pub struct CrossbeamChannel;

impl Queue for CrossbeamChannel {
    type Tx = Sender<u64>;
    type Rx = Receiver<u64>;

    fn channel(run: &str, capacity: usize) -> Result<(Self::Tx, Self::Rx), BenchError> {
        if capacity == 0 {
            // bounded(0) is a rendezvous channel, a different thing.
            return Err(setup_error(
                run,
                "a bounded channel needs a capacity above zero",
            ));
        }
        Ok(crossbeam_channel::bounded(capacity))
    }

    #[inline(always)]
    fn try_send(tx: &mut Self::Tx, value: u64) -> bool {
        tx.try_send(value).is_ok()
    }

    #[inline(always)]
    fn try_recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.try_recv().ok()
    }
}
