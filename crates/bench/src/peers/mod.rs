//! Adapters that put every queue behind the same small interface, so one
//! workload function drives them all.
//!
//! The interface is deliberately the non-blocking one (`try_send`,
//! `try_recv`): the workloads wait with the group's [`Wait`], so every row
//! waits the same way and the ring alone makes the difference.
//! The disruptor does not fit (its consumers are closures run by its own
//! threads, or pollers with guards); its rows are written out in the groups,
//! with the shared pieces in [`disruptor`].

pub mod crossbeam;
pub mod disruptor;
pub mod enso;
pub mod rtrb;
pub mod std_sync;

use crate::harness::BenchError;
use crate::wait::Wait;

/// A bounded queue of `u64` with one sending and one receiving end.
///
/// Multi-producer queues have a `Clone` sender; workloads that need several
/// producers ask for `Self::Tx: Clone`.
pub trait Queue {
    /// The sending end.
    type Tx: Send;
    /// The receiving end.
    type Rx: Send;

    /// A queue of `capacity` slots; `run` names the run in errors.
    fn channel(run: &str, capacity: usize) -> Result<(Self::Tx, Self::Rx), BenchError>;

    /// Sends `value` if there is room; false when full.
    fn try_send(tx: &mut Self::Tx, value: u64) -> bool;

    /// Receives one value if there is one.
    fn try_recv(rx: &mut Self::Rx) -> Option<u64>;
}

/// A queue with a zero-copy batch interface: write a batch in place,
/// read everything available in place.
pub trait BatchQueue: Queue {
    /// Writes `first..first + n` in place if `n` slots are free; false otherwise.
    fn try_send_batch(tx: &mut Self::Tx, first: u64, n: usize) -> bool;

    /// Reads a run of available values in place, passing each to `seen`;
    /// returns how many were read. `batch` is the producer's batch size;
    /// each implementation sizes its runs the way it reads fastest.
    fn recv_available(rx: &mut Self::Rx, batch: usize, seen: impl FnMut(u64)) -> usize;
}

/// Sends `value`, waiting while the queue is full.
#[inline(always)]
pub fn send<Q: Queue, W: Wait>(tx: &mut Q::Tx, value: u64) {
    while !Q::try_send(tx, value) {
        W::idle();
    }
}

/// Receives one value, waiting while the queue is empty.
#[inline(always)]
pub fn recv<Q: Queue, W: Wait>(rx: &mut Q::Rx) -> u64 {
    loop {
        if let Some(value) = Q::try_recv(rx) {
            return value;
        }
        W::idle();
    }
}

/// A setup error for `run`.
pub fn setup_error(run: &str, reason: impl std::fmt::Display) -> BenchError {
    BenchError::Setup {
        run: run.to_string(),
        reason: reason.to_string(),
    }
}
