//! Single-producer single-consumer queue: the fastest path, no CAS.
//!
//! # Protocol
//!
//! Cursors are positions (running message counts, see [the crate doc](crate#stamps)
//! for the stamp encoding):
//!
//! - `Producer::tail` (private to the producer): the next position to write.
//! - `Consumer::head` (private to the consumer): the next position to read.
//! - `Shared::head` (written only by the consumer, `Release`; read by the
//!   producer with `Acquire`, only when its cached copy says the ring is
//!   full): every position below it has been read, so its slot may be reused.
//!   The `Release` orders the consumer's reads of those values before the
//!   producer's overwrites. The producer keeps the copy as
//!   `Producer::limit` = head seen + capacity, so a push compares `tail`
//!   with `limit` (two private fields) and touches no shared cursor.
//! - Slot stamps (written only by the producer): after writing the value of
//!   position `p` the producer stores `full(p)` with `Release`; the consumer
//!   polls the stamp of `head` with `Acquire`, which makes the value visible.
//!   The consumer never writes a slot, so slot lines only travel from
//!   producer to consumer, and the consumer learns "full" from the line that
//!   carries the data (one cache-line transfer per hand-off: this is what
//!   makes ping-pong near the raw floor).
//! - A committed [`WriteChunk`] is stamped *first position last*: the
//!   stamps of its second to last positions in order, then the stamp of its
//!   first. The consumer, polling the stamp of `head`, sees nothing of the
//!   batch until the last store, and then all of it (that `Release` orders
//!   every earlier store of the batch before it). So the consumer does not
//!   read the lines of a batch while the producer is still stamping them:
//!   with in-order stamps it did, the lines bounced between the cores, and
//!   batched throughput was a third to a half of what it is now (the
//!   `batch_runs` example measures it; `enso-bench spsc-batch` went from
//!   0.26x to 0.5-0.67x of the best peer). [`Consumer::read_chunk`] sizes a run by
//!   walking the stamps from `head` (each `Acquire` publishes its own
//!   value), which is sound in any stamping order.
//! - [`Consumer::is_empty`] is the consumer's stamp poll without the pop:
//!   the same `Acquire` load of the head slot's stamp, nothing written.
//! - `Shared::closed`: `PRODUCER_GONE` / `CONSUMER_GONE` bits, set with
//!   `Release` by the dropping side. The producer checks `CONSUMER_GONE`
//!   (`Relaxed`, the line is read-mostly) on every push; the consumer checks
//!   `PRODUCER_GONE` (`Acquire`) only when it finds the ring empty, then
//!   looks at the slot again, so nothing pushed before the drop is missed.
//!
//! Unread messages are dropped once, by whichever side drops last: from
//! `Shared::head` forward, every slot stamped `full(p)` for its position.
//!
//! # Batches and wrap-around
//!
//! [`Producer::write_chunk`] claims `n` free slots, [`WriteChunk::push`]
//! writes values into them in place and [`WriteChunk::commit`] publishes
//! them. [`Consumer::read_chunk`] presents up to `max` full slots in place;
//! [`ReadChunk::release`] (or dropping the chunk) consumes them. Stamps sit
//! between values, so a chunk is not a `&[T]`: it is a run of `len`
//! positions that may cross the end of the buffer and is read by index
//! ([`ReadChunk::get`], `chunk[i]`) or by [`ReadChunk::iter`]; wrap-around is
//! invisible to the user and never shortens a run.
//!
//! ```
//! use enso_ring::{spsc, PopError};
//! let (mut tx, mut rx) = spsc::channel::<u64>(8).unwrap();
//! tx.try_push(1).unwrap();
//! let mut chunk = tx.write_chunk(2).unwrap();
//! chunk.push(2).unwrap();
//! chunk.push(3).unwrap();
//! chunk.commit();
//! assert_eq!(rx.try_pop(), Ok(1));
//! let run = rx.read_chunk(8).unwrap();
//! assert_eq!(run.iter().copied().collect::<Vec<_>>(), [2, 3]);
//! run.release();
//! drop(tx);
//! assert_eq!(rx.try_pop(), Err(PopError::Closed));
//! ```

use crate::config::{Backpressure, Config, Policy, WaitStrategy, check_capacity};
use crate::error::{ChunkError, PopError, PushError, RingError};
use crate::slots::{Slot, SlotRange, SlotView, full};
use crate::sync::{Arc, AtomicUsize, Doorbell, Ordering};
use crate::wait::Waiter;
use crossbeam_utils::CachePadded;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

mod chunk;
use crate::chunk::{Claimed, Ready};
pub use chunk::{ReadChunk, WriteChunk};

const PRODUCER_GONE: usize = 1;
const CONSUMER_GONE: usize = 2;

/// State shared by the two ends.
struct Shared<T> {
    slots: SlotRange<T>,
    /// Written by the consumer: every position below is read.
    head: CachePadded<AtomicUsize>,
    /// `PRODUCER_GONE | CONSUMER_GONE` bits.
    closed: CachePadded<AtomicUsize>,
    bell: Doorbell,
}

impl<T> Drop for Shared<T> {
    fn drop(&mut self) {
        let mut pos = self.head.load(Ordering::Acquire);
        for _ in 0..self.slots.capacity() {
            let slot = self.slots.slot(pos);
            if slot.stamp.load(Ordering::Acquire) != full(pos) {
                break;
            }
            // SAFETY: both ends are gone; the stamp says the slot holds
            // message `pos`, which nobody read.
            unsafe { slot.drop_value() };
            pos = pos.wrapping_add(1);
        }
    }
}

/// Builds a ring of `capacity` slots with `Block` backpressure and
/// `SpinThenYield` waiting. See [`with_config`].
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
            what: "spsc backpressure Overwrite (only broadcast::lossy overwrites)",
        });
    }
    let capacity = slots.capacity();
    let view = slots.view();
    let shared = Arc::new(Shared {
        slots,
        head: CachePadded::new(AtomicUsize::new(0)),
        closed: CachePadded::new(AtomicUsize::new(0)),
        bell: Doorbell::default(),
    });
    let producer = Producer {
        shared: shared.clone(),
        tail: 0,
        limit: capacity,
        capacity,
        policy,
        slots: view,
        _not_sync: PhantomData,
    };
    let consumer = Consumer {
        shared,
        head: 0,
        policy,
        slots: view,
        _not_sync: PhantomData,
    };
    Ok((producer, consumer))
}

// SAFETY: the cached slot view points into the region the `Arc` keeps
// alive; moving the end to another thread moves `T`s, fine for `T: Send`.
unsafe impl<T: Send> Send for Producer<T> {}
// SAFETY: as for `Producer`.
unsafe impl<T: Send> Send for Consumer<T> {}

/// The writing end. `Send`, not `Clone`.
pub struct Producer<T> {
    shared: Arc<Shared<T>>,
    /// Next position to write.
    tail: usize,
    /// The last `Shared::head` seen plus the capacity: positions below it
    /// are known free. Refreshed only when `tail` reaches it, so a push
    /// compares two private fields and reads no shared line.
    limit: usize,
    capacity: usize,
    policy: Policy,
    /// `shared.slots`, cached; valid while `shared` is held.
    slots: SlotView<T>,
    _not_sync: PhantomData<Cell<()>>,
}

impl<T> fmt::Debug for Producer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("spsc::Producer")
            .field("tail", &self.tail)
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl<T> Producer<T> {
    /// Number of slots.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Whether the consumer is gone.
    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(Ordering::Relaxed) & CONSUMER_GONE != 0
    }

    /// The slot of position `pos`.
    #[inline(always)]
    fn slot(&self, pos: usize) -> &Slot<T> {
        // SAFETY: `self.shared` keeps the range alive.
        unsafe { self.slots.slot(pos) }
    }

    /// Free slots, refreshing the consumer's cursor if fewer than `want`.
    #[inline(always)]
    fn free_slots(&mut self, want: usize) -> usize {
        let free = self.limit.wrapping_sub(self.tail);
        if free >= want {
            return free;
        }
        self.refresh_limit()
    }

    /// Reads the consumer's cursor (the ring looked full) and returns the
    /// free slots. Out of line: the one-at-a-time fast path stays small.
    #[inline(never)]
    fn refresh_limit(&mut self) -> usize {
        let head = self.shared.head.load(Ordering::Acquire);
        self.limit = head.wrapping_add(self.capacity);
        self.limit.wrapping_sub(self.tail)
    }

    /// Pushes without waiting.
    #[inline]
    pub fn try_push(&mut self, value: T) -> Result<(), PushError<T>> {
        if self.is_closed() {
            return Err(PushError::Closed(value));
        }
        let tail = self.tail;
        if tail == self.limit && self.refresh_limit() == 0 {
            return Err(PushError::Full(value));
        }
        let slot = self.slot(tail);
        // SAFETY: the slot is free: the consumer published a head beyond
        // its previous lap (Acquire in `refresh_limit`), and only this
        // producer writes.
        unsafe { slot.write(value) };
        slot.stamp.store(full(tail), Ordering::Release);
        self.tail = tail.wrapping_add(1);
        self.ring();
        Ok(())
    }

    /// Pushes, waiting for room if the backpressure is `Block`.
    pub fn push(&mut self, value: T) -> Result<(), PushError<T>> {
        if self.policy.backpressure == Backpressure::Fail {
            return self.try_push(value);
        }
        let mut waiter = Waiter::new(self.policy.wait);
        let mut value = value;
        loop {
            match self.try_push(value) {
                Err(PushError::Full(v)) => value = v,
                done => return done,
            }
            let shared = &*self.shared;
            let tail = self.tail;
            let capacity = self.capacity;
            waiter.wait(&shared.bell, || {
                tail.wrapping_sub(shared.head.load(Ordering::Acquire)) < capacity
                    || shared.closed.load(Ordering::Acquire) != 0
            });
        }
    }

    /// Claims `n` free slots to write in place. Fails at once if there are
    /// fewer (`Full`), if `n` exceeds the capacity, or if the consumer is gone.
    #[inline]
    pub fn write_chunk(&mut self, n: usize) -> Result<WriteChunk<'_, T>, ChunkError> {
        if n > self.capacity {
            return Err(ChunkError::TooLarge {
                requested: n,
                capacity: self.capacity,
            });
        }
        if self.is_closed() {
            return Err(ChunkError::Closed);
        }
        if self.free_slots(n) < n {
            return Err(ChunkError::Full);
        }
        // SAFETY: `self.shared` (borrowed by the chunk) keeps the range
        // alive; the `n` slots from `tail` are free and only this producer
        // writes them.
        let run = unsafe { Claimed::new(self.slots, self.tail, n) };
        Ok(WriteChunk {
            producer: self,
            run,
        })
    }

    /// Wakes a parked consumer (Park strategy only).
    #[inline(always)]
    fn ring(&self) {
        if self.policy.wait == WaitStrategy::Park {
            self.shared.bell.notify();
        }
    }
}

impl<T> Drop for Producer<T> {
    fn drop(&mut self) {
        self.shared
            .closed
            .fetch_or(PRODUCER_GONE, Ordering::Release);
        self.shared.bell.notify();
    }
}

/// The reading end. `Send`, not `Clone`.
pub struct Consumer<T> {
    shared: Arc<Shared<T>>,
    /// Next position to read.
    head: usize,
    policy: Policy,
    /// `shared.slots`, cached; valid while `shared` is held.
    slots: SlotView<T>,
    _not_sync: PhantomData<Cell<()>>,
}

impl<T> fmt::Debug for Consumer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("spsc::Consumer")
            .field("head", &self.head)
            .finish()
    }
}

impl<T> Consumer<T> {
    /// Number of slots.
    pub fn capacity(&self) -> usize {
        self.shared.slots.capacity()
    }

    /// Whether the producer is gone (messages may still be left to read).
    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(Ordering::Acquire) & PRODUCER_GONE != 0
    }

    /// Whether no message is ready to pop now. Consumes nothing: one
    /// `Acquire` load of the stamp of the head slot (the line the next
    /// message arrives on), so polling it costs what a failed
    /// [`try_pop`](Self::try_pop) costs.
    ///
    /// `false` stays true until this consumer pops (only it consumes);
    /// `true` may be stale as soon as it is returned (the producer may push
    /// at any time). It says nothing about the producer being gone: see
    /// [`is_closed`](Self::is_closed). The load is `Acquire` so that a
    /// caller who sees `false` also sees everything the producer wrote
    /// before pushing that message, exactly as a pop would.
    ///
    /// ```
    /// use enso_ring::spsc;
    /// let (mut tx, mut rx) = spsc::channel::<u32>(4).unwrap();
    /// assert!(rx.is_empty());
    /// tx.try_push(7).unwrap();
    /// assert!(!rx.is_empty());
    /// assert!(!rx.is_empty()); // still there: nothing was consumed
    /// assert_eq!(rx.try_pop(), Ok(7));
    /// assert!(rx.is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        !self.is_full(0)
    }

    /// The slot of position `pos`.
    #[inline(always)]
    fn slot(&self, pos: usize) -> &Slot<T> {
        // SAFETY: `self.shared` keeps the range alive.
        unsafe { self.slots.slot(pos) }
    }

    /// Whether the slot at `head + offset` holds its message.
    #[inline(always)]
    fn is_full(&self, offset: usize) -> bool {
        let pos = self.head.wrapping_add(offset);
        self.slot(pos).stamp.load(Ordering::Acquire) == full(pos)
    }

    /// `Closed` if the producer is gone and nothing is left, else `Empty`.
    #[cold]
    fn empty_or_closed(&self) -> PopError {
        if self.shared.closed.load(Ordering::Acquire) & PRODUCER_GONE != 0 && !self.is_full(0) {
            PopError::Closed
        } else {
            PopError::Empty
        }
    }

    /// Pops without waiting.
    #[inline]
    pub fn try_pop(&mut self) -> Result<T, PopError> {
        // Cursor and slot address are taken before the Acquire load, which
        // would otherwise make the compiler read them again after it.
        let head = self.head;
        let slot = self.slot(head);
        if slot.stamp.load(Ordering::Acquire) != full(head) {
            return Err(self.empty_or_closed());
        }
        // SAFETY: stamped full(head) (Acquire): initialised, and the
        // producer will not touch it until `Shared::head` passes it.
        let value = unsafe { slot.take() };
        self.head = head.wrapping_add(1);
        self.publish_head();
        Ok(value)
    }

    /// Pops, waiting until a message arrives or the producer is gone.
    pub fn pop(&mut self) -> Result<T, PopError> {
        let mut waiter = Waiter::new(self.policy.wait);
        loop {
            match self.try_pop() {
                Err(PopError::Empty) => {}
                done => return done,
            }
            let shared = &*self.shared;
            waiter.wait(&shared.bell, || {
                self.is_full(0) || shared.closed.load(Ordering::Acquire) != 0
            });
        }
    }

    /// Number of messages ready now, up to `max`: the stamps from `head`
    /// walked until the first that is not full. One load per message, on
    /// the lines the caller is about to read anyway; a binary search would
    /// need the producer to stamp in position order, which a chunk commit
    /// does not (see the module doc).
    #[inline]
    fn ready(&self, max: usize) -> usize {
        let max = max.min(self.capacity());
        (0..max).position(|i| !self.is_full(i)).unwrap_or(max)
    }

    /// Presents up to `max` ready messages in place (at least one).
    #[inline]
    pub fn read_chunk(&mut self, max: usize) -> Result<ReadChunk<'_, T>, PopError> {
        let len = self.ready(max);
        if len == 0 {
            return Err(self.empty_or_closed());
        }
        // SAFETY: `self.shared` (borrowed by the chunk) keeps the range
        // alive; the `len` slots from `head` are stamped full (Acquire in
        // `ready`) and the producer leaves them alone until `advance`.
        let run = unsafe { Ready::new(self.slots, self.head, len) };
        Ok(ReadChunk {
            consumer: self,
            run,
        })
    }

    /// Moves `head` past `n` read slots and tells the producer.
    #[inline(always)]
    fn advance(&mut self, n: usize) {
        self.head = self.head.wrapping_add(n);
        self.publish_head();
    }

    /// Publishes `head` to the producer (one store) and wakes it if parked.
    #[inline(always)]
    fn publish_head(&self) {
        self.shared.head.store(self.head, Ordering::Release);
        if self.policy.wait == WaitStrategy::Park {
            self.shared.bell.notify();
        }
    }
}

impl<T> Drop for Consumer<T> {
    fn drop(&mut self) {
        self.shared
            .closed
            .fetch_or(CONSUMER_GONE, Ordering::Release);
        self.shared.bell.notify();
    }
}
