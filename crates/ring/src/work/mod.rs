//! Single-producer multi-consumer work queue: each message goes to exactly
//! one consumer (load balancing). Consumers are `Clone` and claim messages
//! by CAS on a shared head; the producer writes without CAS.
//!
//! The algorithm is the consumer half of Vyukov's bounded MPMC queue
//! ("Bounded MPMC queue", 1024cores.net, 2010) with one producer.
//!
//! # Protocol
//!
//! - `Producer::tail` (private): the next position to write. The producer
//!   writes position `p` once slot `p & mask` is stamped `free(p)` (loaded
//!   with `Acquire`, pairing with the `Release` of the consumer that freed
//!   it, so that consumer's read of the old value happens before the
//!   overwrite), then stores `full(p)` with `Release`. Consumers free slots
//!   out of order, so the producer checks the stamp of every slot it writes.
//! - `Shared::head` (CAS by consumers, `Relaxed`): the next unclaimed
//!   position. A consumer that sees slot `h` stamped `full(h)` (`Acquire`,
//!   making the value visible) claims `h` by CAS `h -> h + 1`, moves the
//!   value out and stores `free(h + capacity)` with `Release`. A stamp
//!   behind `full(h)` means empty if `h` is still the latest head (checked by
//!   a no-op CAS, which cannot read a stale value); a stamp ahead means the
//!   head was stale. The CAS only arbitrates between consumers.
//! - `Shared::state` = `consumers << 1 | PRODUCER_GONE`, counted on clone
//!   and drop (`AcqRel`). Consumers check `PRODUCER_GONE` (`Acquire`) only
//!   when empty, then look at the slot again; the producer reads the count
//!   (`Relaxed`, read-mostly line) on every push.
//!
//! A consumer batch claims a run of consecutive full positions with one CAS
//! (the producer stamps in order, so if the last of the run is full, all
//! are). Unread messages are dropped once, by the last end to go: every
//! slot stamped `full` holds one.
//!
//! ```
//! use enso_ring::work;
//! let (mut tx, rx) = work::channel::<u32>(4).unwrap();
//! let mut rx2 = rx.clone();
//! let mut rx = rx;
//! tx.try_push(1).unwrap();
//! tx.try_push(2).unwrap();
//! assert_eq!(rx2.try_pop(), Ok(1));
//! assert_eq!(rx.try_pop(), Ok(2));
//! ```

use crate::config::{Backpressure, Config, Policy, WaitStrategy, check_capacity};
use crate::error::{ChunkError, PopError, PushError, RingError};
use crate::slots::{SlotRange, free, full, lap_distance};
use crate::sync::{Arc, AtomicUsize, Doorbell, Ordering, spin_loop};
use crate::wait::Waiter;
use crossbeam_utils::CachePadded;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

mod chunk;
use crate::chunk::{Claimed, Ready};
pub use chunk::{ReadChunk, WriteChunk};

const PRODUCER_GONE: usize = 1;
const ONE_CONSUMER: usize = 2;

struct Shared<T> {
    slots: SlotRange<T>,
    /// Next unclaimed position; CAS by consumers.
    head: CachePadded<AtomicUsize>,
    /// `consumers << 1 | PRODUCER_GONE`.
    state: CachePadded<AtomicUsize>,
    bell: Doorbell,
    policy: Policy,
}

impl<T> Drop for Shared<T> {
    fn drop(&mut self) {
        for i in 0..self.slots.capacity() {
            let slot = self.slots.slot(i);
            if slot.stamp.load(Ordering::Acquire) & 3 == 1 {
                // SAFETY: all ends are gone; a `full` stamp means an
                // unclaimed message.
                unsafe { slot.drop_value() };
            }
        }
    }
}

impl<T> Shared<T> {
    fn ring(&self) {
        if self.policy.wait == WaitStrategy::Park {
            self.bell.notify();
        }
    }

    fn producer_gone(&self) -> bool {
        self.state.load(Ordering::Acquire) & PRODUCER_GONE != 0
    }

    fn consumers_gone(&self) -> bool {
        self.state.load(Ordering::Relaxed) < ONE_CONSUMER
    }
}

/// Builds a work queue of `capacity` slots with `Block` backpressure and
/// `SpinThenYield` waiting.
pub fn channel<T: Send>(capacity: usize) -> Result<(Producer<T>, Consumer<T>), RingError> {
    with_config(Config::new(capacity))
}

/// Builds a work queue as `config` says.
pub fn with_config<T: Send>(config: Config) -> Result<(Producer<T>, Consumer<T>), RingError> {
    check_capacity(config.capacity)?;
    let slots = SlotRange::alloc(config.capacity).ok_or(RingError::CapacityTooLarge {
        capacity: config.capacity,
    })?;
    from_range(slots, config.policy)
}

/// Builds a work queue on `slots` (already stamped for position 0).
pub(crate) fn from_range<T: Send>(
    slots: SlotRange<T>,
    policy: Policy,
) -> Result<(Producer<T>, Consumer<T>), RingError> {
    if policy.backpressure == Backpressure::Overwrite {
        return Err(RingError::Unsupported {
            what: "work queue backpressure Overwrite (only broadcast::lossy overwrites)",
        });
    }
    let shared = Arc::new(Shared {
        slots,
        head: CachePadded::new(AtomicUsize::new(0)),
        state: CachePadded::new(AtomicUsize::new(ONE_CONSUMER)),
        bell: Doorbell::default(),
        policy,
    });
    let producer = Producer {
        shared: shared.clone(),
        tail: 0,
        _not_sync: PhantomData,
    };
    Ok((producer, Consumer { shared }))
}

/// The writing end. `Send`, not `Clone`.
pub struct Producer<T> {
    shared: Arc<Shared<T>>,
    /// Next position to write.
    tail: usize,
    _not_sync: PhantomData<Cell<()>>,
}

impl<T> fmt::Debug for Producer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("work::Producer")
            .field("tail", &self.tail)
            .finish()
    }
}

impl<T> Drop for Producer<T> {
    fn drop(&mut self) {
        self.shared.state.fetch_or(PRODUCER_GONE, Ordering::Release);
        self.shared.bell.notify();
    }
}

impl<T> Producer<T> {
    /// Number of slots.
    pub fn capacity(&self) -> usize {
        self.shared.slots.capacity()
    }

    /// Whether every consumer is gone.
    pub fn is_closed(&self) -> bool {
        self.shared.consumers_gone()
    }

    fn is_free(&self, offset: usize) -> bool {
        let pos = self.tail.wrapping_add(offset);
        self.shared.slots.slot(pos).stamp.load(Ordering::Acquire) == free(pos)
    }

    /// Pushes without waiting.
    #[inline]
    pub fn try_push(&mut self, value: T) -> Result<(), PushError<T>> {
        if self.is_closed() {
            return Err(PushError::Closed(value));
        }
        if !self.is_free(0) {
            return Err(PushError::Full(value));
        }
        let slot = self.shared.slots.slot(self.tail);
        // SAFETY: stamped free(tail) (Acquire): the last reader is done and
        // only this producer writes.
        unsafe { slot.write(value) };
        slot.stamp.store(full(self.tail), Ordering::Release);
        self.tail = self.tail.wrapping_add(1);
        self.shared.ring();
        Ok(())
    }

    /// Pushes, waiting for room if the backpressure is `Block`.
    pub fn push(&mut self, value: T) -> Result<(), PushError<T>> {
        if self.shared.policy.backpressure == Backpressure::Fail {
            return self.try_push(value);
        }
        let mut waiter = Waiter::new(self.shared.policy.wait);
        let mut value = value;
        loop {
            match self.try_push(value) {
                Err(PushError::Full(v)) => value = v,
                done => return done,
            }
            waiter.wait(&self.shared.bell, || {
                self.is_free(0) || self.shared.consumers_gone()
            });
        }
    }

    /// Claims `n` free slots to write in place; fails at once if any is
    /// still being read.
    pub fn write_chunk(&mut self, n: usize) -> Result<WriteChunk<'_, T>, ChunkError> {
        let capacity = self.capacity();
        if n > capacity {
            return Err(ChunkError::TooLarge {
                requested: n,
                capacity,
            });
        }
        if self.is_closed() {
            return Err(ChunkError::Closed);
        }
        if !(0..n).all(|i| self.is_free(i)) {
            return Err(ChunkError::Full);
        }
        // SAFETY: `self.shared` (borrowed by the chunk) keeps the range
        // alive; the `n` slots from `tail` are stamped free (Acquire in
        // `is_free`) and only this producer writes.
        let run = unsafe { Claimed::new(self.shared.slots.view(), self.tail, n) };
        Ok(WriteChunk {
            producer: self,
            run,
        })
    }
}

/// A reading end. `Clone` to add consumers; each message goes to one.
pub struct Consumer<T> {
    shared: Arc<Shared<T>>,
}

impl<T> fmt::Debug for Consumer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("work::Consumer").finish_non_exhaustive()
    }
}

impl<T> Clone for Consumer<T> {
    fn clone(&self) -> Self {
        self.shared.state.fetch_add(ONE_CONSUMER, Ordering::Relaxed);
        Self {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Consumer<T> {
    fn drop(&mut self) {
        self.shared.state.fetch_sub(ONE_CONSUMER, Ordering::AcqRel);
        self.shared.bell.notify();
    }
}

/// Outcome of one attempt to claim up to `max` positions.
enum Claim {
    /// Positions `start..start + len`.
    Run(usize, usize),
    Empty,
}

impl<T> Consumer<T> {
    /// Number of slots.
    pub fn capacity(&self) -> usize {
        self.shared.slots.capacity()
    }

    fn stamp(&self, pos: usize) -> usize {
        self.shared.slots.slot(pos).stamp.load(Ordering::Acquire)
    }

    /// Claims the longest run of full positions at the head, up to `max`.
    fn claim(&self, max: usize) -> Claim {
        let shared = &*self.shared;
        let mut head = shared.head.load(Ordering::Relaxed);
        loop {
            let stamp = self.stamp(head);
            if stamp == full(head) {
                let last = head.wrapping_add(max - 1);
                let len = if max > 1 && self.stamp(last) == full(last) {
                    max
                } else {
                    (1..max)
                        .take_while(|&i| {
                            let pos = head.wrapping_add(i);
                            self.stamp(pos) == full(pos)
                        })
                        .count()
                        + 1
                };
                match shared.head.compare_exchange(
                    head,
                    head.wrapping_add(len),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return Claim::Run(head, len),
                    Err(now) => {
                        head = now;
                        spin_loop();
                    }
                }
            } else if lap_distance(stamp, head) <= 0 {
                // Not yet published at `head`: empty if `head` is the latest.
                match shared
                    .head
                    .compare_exchange(head, head, Ordering::Relaxed, Ordering::Relaxed)
                {
                    Ok(_) => return Claim::Empty,
                    Err(now) => head = now,
                }
            } else {
                // Already claimed and freed: the head is past it.
                head = head.wrapping_add(1);
            }
        }
    }

    /// Frees the slot of `pos` for the next lap.
    fn free_slot(&self, pos: usize) {
        let next = pos.wrapping_add(self.capacity());
        self.shared
            .slots
            .slot(pos)
            .stamp
            .store(free(next), Ordering::Release);
    }

    #[cold]
    fn empty_or_closed(&self) -> PopError {
        if self.shared.producer_gone() {
            // A no-op RMW reads the latest head (a load could be stale and
            // make a ring with messages left look closed).
            let head = self.shared.head.fetch_add(0, Ordering::AcqRel);
            if self.stamp(head) != full(head) {
                return PopError::Closed;
            }
        }
        PopError::Empty
    }

    /// Takes the next message without waiting.
    #[inline]
    pub fn try_pop(&mut self) -> Result<T, PopError> {
        let Claim::Run(pos, _) = self.claim(1) else {
            return Err(self.empty_or_closed());
        };
        // SAFETY: claimed by our CAS and stamped full(pos) (Acquire).
        let value = unsafe { self.shared.slots.slot(pos).take() };
        self.free_slot(pos);
        self.shared.ring();
        Ok(value)
    }

    /// Takes the next message, waiting until one arrives or the producer is
    /// gone.
    pub fn pop(&mut self) -> Result<T, PopError> {
        let mut waiter = Waiter::new(self.shared.policy.wait);
        loop {
            match self.try_pop() {
                Err(PopError::Empty) => {}
                done => return done,
            }
            let shared = &*self.shared;
            waiter.wait(&shared.bell, || {
                let head = shared.head.load(Ordering::Acquire);
                self.stamp(head) == full(head) || shared.producer_gone()
            });
        }
    }

    /// Claims up to `max` consecutive messages and presents them in place.
    pub fn read_chunk(&mut self, max: usize) -> Result<ReadChunk<'_, T>, PopError> {
        let max = max.min(self.capacity());
        if max == 0 {
            return Err(PopError::Empty);
        }
        match self.claim(max) {
            Claim::Run(start, len) => {
                // SAFETY: `self.shared` (borrowed by the chunk) keeps the
                // range alive; `start..start + len` are full (Acquire in
                // `claim`) and ours by the CAS until freed.
                let run = unsafe { Ready::new(self.shared.slots.view(), start, len) };
                Ok(ReadChunk {
                    consumer: self,
                    run,
                })
            }
            Claim::Empty => Err(self.empty_or_closed()),
        }
    }
}
