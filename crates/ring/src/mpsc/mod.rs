//! Multi-producer single-consumer queue: producers (`Clone`) claim slots by
//! CAS on a shared tail; the single consumer reads without CAS.
//!
//! The algorithm is Dmitry Vyukov's bounded MPMC queue ("Bounded MPMC
//! queue", 1024cores.net, 2010) with the consumer side specialised to one
//! reader.
//!
//! # Protocol
//!
//! Cursors are positions; stamps are encoded as in [the crate doc](crate#stamps).
//!
//! - `Shared::tail` (CAS by producers, `Relaxed`): the next unclaimed
//!   position. A producer that reads `tail = p` claims `p..p + n` by CAS
//!   `p -> p + n` if `p + n - head <= capacity`, where `head` is its cached
//!   copy of `Shared::head`. The CAS only arbitrates between producers and
//!   needs no ordering: the room check is what orders the consumer's reads
//!   before the producer's overwrites (next item). If the ring looks full
//!   even with a fresh `head`, it is full if `tail` is still the latest
//!   tail, checked by a no-op CAS, which, unlike a load, cannot return a
//!   stale value.
//! - `Shared::head` (written only by the consumer, `Release`, after it has
//!   taken the values below it; read by producers with `Acquire`, only when
//!   their cached copy says the ring is full): every position below it has
//!   been read (or was a hole), so its slot may be reused. Since the head
//!   only grows, a check against an older copy is conservative. This is the
//!   SPSC ring's cursor: the consumer never writes a slot, so slot lines
//!   only travel from producers to the consumer (Vyukov's queue, which this
//!   one started from, has the consumer re-stamp every slot it frees, which
//!   sends each slot line back to the producers' core).
//! - Slot stamps (written by producers only): the claiming producer writes
//!   the value, then stores `full(p)` with `Release`; the consumer polls the
//!   stamp of its `head` with `Acquire` for exactly `full(head)` (a stamp
//!   from an older lap differs by a multiple of `4 * capacity`), takes the
//!   value and publishes `head + 1`.
//! - `Consumer::head` (private): the next position to read. Messages are
//!   read in claim order, which is per-producer order. A run of `n` is
//!   released with one store of `Shared::head`.
//! - `Shared::state` = `producers << 1 | CONSUMER_GONE`. Producers are
//!   counted on clone and drop (`AcqRel`); the consumer reads the count with
//!   `Acquire` only when it finds the ring empty, then looks at the slot again.
//!   Producers read `CONSUMER_GONE` (`Relaxed`, read-mostly line) per push.
//!
//! A batch claims `n` positions with one CAS after the same room check
//! (`p + n - head <= capacity`). Claimed positions that are not written
//! before the chunk is committed or dropped are stamped `hole(p)`; the
//! consumer skips holes and moves `Shared::head` past them.
//!
//! Unread messages are dropped once, by the last end to go: the positions
//! from `Shared::head` to `Shared::tail` whose stamp is `full(p)`.
//!
//! ```
//! use enso_ring::mpsc;
//! let (tx, mut rx) = mpsc::channel::<u32>(4).unwrap();
//! let mut tx2 = tx.clone();
//! let mut tx = tx;
//! tx.try_push(1).unwrap();
//! tx2.try_push(2).unwrap();
//! assert_eq!(rx.try_pop(), Ok(1));
//! assert_eq!(rx.try_pop(), Ok(2));
//! ```

use crate::config::{Backpressure, Config, Policy, WaitStrategy, check_capacity};
use crate::error::{ChunkError, PopError, PushError, RingError};
use crate::slots::{SlotRange, full, hole};
use crate::sync::{Arc, AtomicUsize, Doorbell, Ordering, spin_loop};
use crate::wait::Waiter;
use crossbeam_utils::CachePadded;
use std::fmt;

mod chunk;
use crate::chunk::{Claimed, Ready};
pub use chunk::{ReadChunk, WriteChunk};

const CONSUMER_GONE: usize = 1;
const ONE_PRODUCER: usize = 2;

/// State shared by all ends.
struct Shared<T> {
    slots: SlotRange<T>,
    /// Next unclaimed position; CAS by producers.
    tail: CachePadded<AtomicUsize>,
    /// Written by the consumer: every position below is read.
    head: CachePadded<AtomicUsize>,
    /// `producers << 1 | CONSUMER_GONE`.
    state: CachePadded<AtomicUsize>,
    bell: Doorbell,
    policy: Policy,
}

impl<T> Drop for Shared<T> {
    fn drop(&mut self) {
        let tail = self.tail.load(Ordering::Acquire);
        let mut pos = self.head.load(Ordering::Acquire);
        while pos != tail {
            let slot = self.slots.slot(pos);
            if slot.stamp.load(Ordering::Acquire) == full(pos) {
                // SAFETY: every end is gone; `pos` is claimed, unread and
                // stamped full: the slot holds a message nobody took.
                unsafe { slot.drop_value() };
            }
            pos = pos.wrapping_add(1);
        }
    }
}

impl<T> Shared<T> {
    fn consumer_gone(&self) -> bool {
        self.state.load(Ordering::Relaxed) & CONSUMER_GONE != 0
    }

    fn producers_gone(&self) -> bool {
        self.state.load(Ordering::Acquire) < ONE_PRODUCER
    }

    fn ring(&self) {
        if self.policy.wait == WaitStrategy::Park {
            self.bell.notify();
        }
    }
}

/// Builds a ring of `capacity` slots with `Block` backpressure and
/// `SpinThenYield` waiting.
pub fn channel<T: Send>(capacity: usize) -> Result<(Producer<T>, Consumer<T>), RingError> {
    with_config(Config::new(capacity))
}

/// Builds a ring as `config` says.
pub fn with_config<T: Send>(config: Config) -> Result<(Producer<T>, Consumer<T>), RingError> {
    check_capacity(config.capacity)?;
    let slots = SlotRange::alloc(config.capacity).ok_or(RingError::CapacityTooLarge {
        capacity: config.capacity,
    })?;
    from_range(slots, config.policy)
}

/// Builds a ring on `slots` (already stamped for position 0).
pub(crate) fn from_range<T: Send>(
    slots: SlotRange<T>,
    policy: Policy,
) -> Result<(Producer<T>, Consumer<T>), RingError> {
    if policy.backpressure == Backpressure::Overwrite {
        return Err(RingError::Unsupported {
            what: "mpsc backpressure Overwrite (only broadcast::lossy overwrites)",
        });
    }
    let shared = Arc::new(Shared {
        slots,
        tail: CachePadded::new(AtomicUsize::new(0)),
        head: CachePadded::new(AtomicUsize::new(0)),
        state: CachePadded::new(AtomicUsize::new(ONE_PRODUCER)),
        bell: Doorbell::default(),
        policy,
    });
    let producer = Producer {
        shared: shared.clone(),
        head_cache: 0,
    };
    Ok((producer, Consumer { shared, head: 0 }))
}

/// A writing end. `Clone` to add producers.
pub struct Producer<T> {
    shared: Arc<Shared<T>>,
    /// Last `Shared::head` seen; refreshed only when the ring looks full.
    head_cache: usize,
}

impl<T> fmt::Debug for Producer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::Producer").finish_non_exhaustive()
    }
}

impl<T> Clone for Producer<T> {
    fn clone(&self) -> Self {
        self.shared.state.fetch_add(ONE_PRODUCER, Ordering::Relaxed);
        Self {
            shared: self.shared.clone(),
            head_cache: self.head_cache,
        }
    }
}

impl<T> Drop for Producer<T> {
    fn drop(&mut self) {
        self.shared.state.fetch_sub(ONE_PRODUCER, Ordering::AcqRel);
        self.shared.bell.notify();
    }
}

/// Outcome of one attempt to claim `n` positions.
enum Claim {
    At(usize),
    Full,
}

impl<T> Producer<T> {
    /// Number of slots.
    pub fn capacity(&self) -> usize {
        self.shared.slots.capacity()
    }

    /// Whether the consumer is gone.
    pub fn is_closed(&self) -> bool {
        self.shared.consumer_gone()
    }

    /// Claims positions `p..p + n` by CAS on the tail (see module doc).
    #[inline]
    fn claim(&mut self, n: usize) -> Claim {
        let shared = &*self.shared;
        let capacity = shared.slots.capacity();
        let mut tail = shared.tail.load(Ordering::Relaxed);
        loop {
            // Wrapping: a stale `tail` below `head` looks full, and the
            // no-op CAS below then corrects it.
            if tail.wrapping_add(n).wrapping_sub(self.head_cache) > capacity {
                self.head_cache = shared.head.load(Ordering::Acquire);
                if tail.wrapping_add(n).wrapping_sub(self.head_cache) > capacity {
                    // Full if `tail` is the latest tail. A plain load could
                    // return a stale tail forever (in the memory model; loom
                    // explores it), a CAS reads the latest.
                    match shared.tail.compare_exchange(
                        tail,
                        tail,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    ) {
                        Ok(_) => return Claim::Full,
                        Err(now) => {
                            tail = now;
                            continue;
                        }
                    }
                }
            }
            // A strong CAS: on failure it returns the latest tail, so a
            // stale `tail` is corrected without another load.
            match shared.tail.compare_exchange(
                tail,
                tail.wrapping_add(n),
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Claim::At(tail),
                Err(now) => {
                    tail = now;
                    spin_loop();
                }
            }
        }
    }

    /// Pushes without waiting.
    #[inline]
    pub fn try_push(&mut self, value: T) -> Result<(), PushError<T>> {
        if self.is_closed() {
            return Err(PushError::Closed(value));
        }
        let Claim::At(pos) = self.claim(1) else {
            return Err(PushError::Full(value));
        };
        let slot = self.shared.slots.slot(pos);
        // SAFETY: position `pos` is ours by the CAS, and the consumer has
        // read its slot's previous message (`Shared::head` loaded with
        // Acquire past `pos - capacity`).
        unsafe { slot.write(value) };
        slot.stamp.store(full(pos), Ordering::Release);
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
            let shared = &*self.shared;
            waiter.wait(&shared.bell, || {
                let tail = shared.tail.load(Ordering::Relaxed);
                let head = shared.head.load(Ordering::Acquire);
                tail.wrapping_sub(head) < shared.slots.capacity() || shared.consumer_gone()
            });
        }
    }

    /// Claims `n` consecutive positions to write in place; fails at once if
    /// they are not all free.
    #[inline]
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
        let start = if n == 0 {
            0
        } else {
            match self.claim(n) {
                Claim::At(start) => start,
                Claim::Full => return Err(ChunkError::Full),
            }
        };
        // SAFETY: `self.shared` (borrowed by the chunk) keeps the range
        // alive; positions `start..start + n` are ours by the CAS and free
        // (room checked against `Shared::head`, Acquire).
        let run = unsafe { Claimed::new(self.shared.slots.view(), start, n) };
        Ok(WriteChunk {
            producer: self,
            run,
            stamped: false,
        })
    }
}

/// The reading end. `Send`, not `Clone`.
pub struct Consumer<T> {
    shared: Arc<Shared<T>>,
    /// Next position to read.
    head: usize,
}

impl<T> fmt::Debug for Consumer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::Consumer")
            .field("head", &self.head)
            .finish()
    }
}

impl<T> Drop for Consumer<T> {
    fn drop(&mut self) {
        self.shared.state.fetch_or(CONSUMER_GONE, Ordering::Release);
        self.shared.bell.notify();
    }
}

impl<T> Consumer<T> {
    /// Number of slots.
    pub fn capacity(&self) -> usize {
        self.shared.slots.capacity()
    }

    /// Publishes `head` to the producers: every position below is read.
    #[inline(always)]
    fn publish_head(&self) {
        self.shared.head.store(self.head, Ordering::Release);
    }

    /// Skips holes at `head`; then whether `head + offset` is full.
    #[inline(always)]
    fn is_full(&mut self, offset: usize) -> bool {
        let mut stamp = self.stamp(0);
        if stamp == hole(self.head) {
            while stamp == hole(self.head) {
                self.head = self.head.wrapping_add(1);
                stamp = self.stamp(0);
            }
            self.publish_head();
        }
        if offset != 0 {
            stamp = self.stamp(offset);
        }
        stamp == full(self.head.wrapping_add(offset))
    }

    fn stamp(&self, offset: usize) -> usize {
        let pos = self.head.wrapping_add(offset);
        self.shared.slots.slot(pos).stamp.load(Ordering::Acquire)
    }

    /// How many consecutive slots from `head` hold their message, up to
    /// `max`; walks the slots as contiguous runs.
    #[inline]
    fn full_run(&self, max: usize) -> usize {
        let view = self.shared.slots.view();
        let mut pos = self.head;
        let mut len = 0;
        while len < max {
            // SAFETY: `self.shared` keeps the range alive.
            let run = unsafe { view.run(pos, max - len) };
            for slot in run {
                if slot.stamp.load(Ordering::Acquire) != full(pos) {
                    return len;
                }
                pos = pos.wrapping_add(1);
                len += 1;
            }
        }
        len
    }

    #[cold]
    fn empty_or_closed(&mut self) -> PopError {
        if self.shared.producers_gone() && !self.is_full(0) {
            PopError::Closed
        } else {
            PopError::Empty
        }
    }

    /// Pops without waiting.
    #[inline]
    pub fn try_pop(&mut self) -> Result<T, PopError> {
        if !self.is_full(0) {
            return Err(self.empty_or_closed());
        }
        let pos = self.head;
        // SAFETY: stamped full(pos) (Acquire): initialised and ours until
        // `Shared::head` passes it.
        let value = unsafe { self.shared.slots.slot(pos).take() };
        self.head = pos.wrapping_add(1);
        self.publish_head();
        self.shared.ring();
        Ok(value)
    }

    /// Pops, waiting until a message arrives or every producer is gone.
    pub fn pop(&mut self) -> Result<T, PopError> {
        let mut waiter = Waiter::new(self.shared.policy.wait);
        loop {
            match self.try_pop() {
                Err(PopError::Empty) => {}
                done => return done,
            }
            let shared = &*self.shared;
            let head = self.head;
            waiter.wait(&shared.bell, || {
                let stamp = shared.slots.slot(head).stamp.load(Ordering::Acquire);
                stamp == full(head) || stamp == hole(head) || shared.producers_gone()
            });
        }
    }

    /// Presents up to `max` consecutive ready messages in place.
    #[inline]
    pub fn read_chunk(&mut self, max: usize) -> Result<ReadChunk<'_, T>, PopError> {
        let max = max.min(self.capacity());
        // Skip holes at `head`, then count the full stamps that follow.
        // Producers publish out of order, so every stamp is looked at (one
        // `Acquire` load each), not just the last.
        let len = if max > 0 && self.is_full(0) {
            self.full_run(max)
        } else {
            0
        };
        if len == 0 {
            return Err(self.empty_or_closed());
        }
        // SAFETY: `self.shared` (borrowed by the chunk) keeps the range
        // alive; the `len` slots from `head` are stamped full (Acquire in
        // `full_run`) and no producer reuses them before `Shared::head`
        // passes them.
        let run = unsafe { Ready::new(self.shared.slots.view(), self.head, len) };
        Ok(ReadChunk {
            consumer: self,
            run,
        })
    }
}
