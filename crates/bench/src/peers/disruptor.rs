//! Shared pieces for the rows that use the `disruptor` crate (4.x).
//!
//! The disruptor runs its consumers as closures on threads it spawns and
//! pins itself (`pin_at_core`), or hands out event pollers; its consumers
//! wait with a strategy chosen at build time. [`Strategy`] makes that the
//! group's [`Wait`], and [`publish`] / [`publish_batch`] wait the same way
//! when the ring is full (`try_publish` in a loop: the crate's own
//! `publish` spins with no hint at all), so the disruptor waits exactly
//! like every other row.

use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use disruptor::wait_strategies::WaitStrategy;
use disruptor::{Producer, Sequence};

use super::setup_error;
use crate::harness::BenchError;
use crate::pin;
use crate::wait::Wait;

/// The event every disruptor row carries: one `u64`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Slot(pub u64);

/// A disruptor wait strategy that waits like `W`.
#[derive(Debug)]
pub struct Strategy<W>(PhantomData<W>);

impl<W> Clone for Strategy<W> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<W> Copy for Strategy<W> {}

impl<W> Default for Strategy<W> {
    fn default() -> Self {
        Strategy(PhantomData)
    }
}

impl<W: Wait> WaitStrategy for Strategy<W> {
    #[inline(always)]
    fn wait_for(&self, _sequence: Sequence) {
        W::idle();
    }
}

/// Publishes `value`, waiting like `W` while the ring is full.
#[inline(always)]
pub fn publish<W: Wait>(producer: &mut impl Producer<Slot>, value: u64) {
    while producer.try_publish(|slot| slot.0 = value).is_err() {
        W::idle();
    }
}

/// Publishes `first..first + n` as one batch written in place, waiting like
/// `W` until `n` slots are free.
#[inline(always)]
pub fn publish_batch<W: Wait>(producer: &mut impl Producer<Slot>, first: u64, n: usize) {
    loop {
        let written = producer.try_batch_publish(n, |slots| {
            for (slot, v) in slots.zip(first..) {
                slot.0 = v;
            }
        });
        if written.is_ok() {
            return;
        }
        W::idle();
    }
}

/// Builds empty slots for the ring.
pub fn factory() -> Slot {
    Slot(0)
}

/// The operating-system id of core index `index`, for `pin_at_core`
/// (which panics on a bad id, so it is checked here).
pub fn core(run: &str, index: usize) -> Result<usize, BenchError> {
    pin::core_id(index).ok_or_else(|| setup_error(run, "no core list to pin disruptor threads"))
}

/// Where a disruptor handler leaves its checksum when it has seen the last
/// sequence of the run.
#[derive(Debug, Default)]
pub struct Sink {
    checksum: AtomicU64,
    finished: AtomicU64,
}

impl Sink {
    /// A shared, empty sink.
    pub fn new() -> Arc<Sink> {
        Arc::new(Sink::default())
    }

    /// The checksum, once the handler has seen the last sequence (the
    /// disruptor joins its threads when the last producer is dropped).
    pub fn checksum(&self) -> Option<u64> {
        // Acquire pairs with the Release in `summing_handler`.
        (self.finished.load(Ordering::Acquire) == 1).then(|| self.checksum.load(Ordering::Relaxed))
    }
}

/// A handler that sums the values of sequences `0..=last` and leaves the
/// sum in `sink` at the last one.
pub fn summing_handler(
    last: Sequence,
    sink: Arc<Sink>,
) -> impl FnMut(&Slot, Sequence, bool) + Send + 'static {
    let mut sum = 0u64;
    move |slot: &Slot, sequence: Sequence, _end_of_batch: bool| {
        sum = sum.wrapping_add(slot.0);
        if sequence == last {
            sink.checksum.store(sum, Ordering::Relaxed);
            // Release: the checksum is visible to whoever sees `finished`.
            sink.finished.store(1, Ordering::Release);
        }
    }
}

/// A handler for one of `workers` handlers that split the events by
/// sequence (the disruptor's documented way to share work): it sums the
/// values of the sequences `s` with `s % workers == index` and leaves the
/// sum in `sink` at the last sequence of the run.
pub fn splitting_handler(
    index: Sequence,
    workers: Sequence,
    last: Sequence,
    sink: Arc<Sink>,
) -> impl FnMut(&Slot, Sequence, bool) + Send + 'static {
    let mut sum = 0u64;
    move |slot: &Slot, sequence: Sequence, _end_of_batch: bool| {
        if sequence % workers == index {
            sum = sum.wrapping_add(slot.0);
        }
        if sequence == last {
            sink.checksum.store(sum, Ordering::Relaxed);
            // Release: the checksum is visible to whoever sees `finished`.
            sink.finished.store(1, Ordering::Release);
        }
    }
}

/// The last sequence of a run of `items` events (sequences start at 0).
pub fn last_sequence(run: &str, items: u64) -> Result<Sequence, BenchError> {
    items
        .checked_sub(1)
        .and_then(|last| Sequence::try_from(last).ok())
        .ok_or_else(|| setup_error(run, format!("{items} items do not fit a disruptor run")))
}
