//! Single-publisher multi-subscriber broadcast (pub/sub): every subscriber
//! sees every message and reads it in place by `&T`; the publisher writes in
//! place through a closure, disruptor style (slots hold live `T`s made at
//! construction and reused lap after lap). Subscribers join and leave a live
//! publisher. Backpressure `Fail` or `Block`: the publisher never overwrites
//! a message some subscriber has not released. For lossy `Overwrite`
//! broadcast of `Copy` values, see [`lossy`].
//!
//! # Protocol
//!
//! - `Publisher::tail` (private): the next position to publish.
//! - Slot stamps (written by the publisher only): after running the closure
//!   on slot `p & mask` the publisher stores `full(p)` with `Release`;
//!   subscribers poll it with `Acquire`, which makes the closure's writes
//!   visible. Stamps are written in order, so `full(p)` also proves every
//!   position below `p` is published: [`Subscriber::read_chunk`] sizes a
//!   run with one load when all are ready, else by binary search
//!   (`slots::published_prefix`).
//! - `Shared::tail` (publisher, `Release` after each publish; `SeqCst` load
//!   by joiners): where a new subscriber starts.
//! - `Shared::cursors` (a preallocated table, one cache line per entry):
//!   `FREE`, or the next position its subscriber will read (everything
//!   below is released). A subscriber stores its cursor with `Release` after
//!   reading, which orders its reads before the publisher's next overwrite.
//! - `Publisher::limit` (private): positions below it may be written without
//!   looking at the table. When `tail` reaches it, the publisher issues a
//!   `SeqCst` fence and recomputes it as `min(cursor) + capacity` over the
//!   live entries (`Acquire` loads), or `tail + capacity` if there are none.
//!   A dropped subscriber frees its entry, so it never holds the publisher.
//! - `Shared::claimed` (raised by joiners with `fetch_max`, `SeqCst`; read
//!   by the scan after its fence): entries at or above it were never
//!   claimed, so the scan reads only `cursors[..claimed]` (two lines for two
//!   subscribers, not the whole table). Joiners take the lowest `FREE`
//!   entry, so it stays as small as the most subscribers ever attached.
//! - Joining: claim a `FREE` entry by CAS (`SeqCst`) with a provisional
//!   cursor, raise `claimed` past it, `SeqCst` fence, read `Shared::tail`
//!   again and start there. Either the publisher's next scan (its fence
//!   after the joiner's) sees both the entry and the raised `claimed`, or
//!   the joiner's read of `tail` (its fence after the scan's) sees every
//!   position the publisher had published before the scan that missed it:
//!   the limit from such a scan never lets the publisher overwrite a
//!   position at or beyond where the joiner starts.
//! - Each end caches what it reads per message: the slots' base and mask,
//!   a subscriber its own cursor entry, and whether the wait strategy is
//!   `Park` (only then does publishing or releasing ring the doorbell).
//! - `Shared::state` = `subscribers << 1 | PUBLISHER_GONE`. Publishing with
//!   no subscriber attached fails with `Closed`; subscribers check
//!   `PUBLISHER_GONE` (`Acquire`) only when they find nothing new.
//!
//! # Batches
//!
//! [`Publisher::write_chunk`] claims `n` slots, [`PubChunk::get_mut`] gives
//! `&mut T` in place, [`PubChunk::commit`] publishes them.
//! [`Subscriber::read_chunk`] presents a run of published messages
//! ([`SubChunk::get`], `chunk[i]`, [`SubChunk::iter`]); dropping it releases
//! them. Runs are indexed, not slices (a stamp sits next to each value), and
//! cross the end of the buffer transparently.
//!
//! ```
//! use enso_ring::broadcast;
//! let (mut publisher, mut first) = broadcast::channel::<u64>(8).unwrap();
//! let mut second = publisher.subscribe().unwrap();
//! publisher.publish(|slot| *slot = 7).unwrap();
//! assert_eq!(*first.try_recv().unwrap(), 7);
//! assert_eq!(second.try_read_with(|v| *v + 1), Ok(8));
//! ```

pub mod lossy;

use crate::config::{Backpressure, Config, Policy, WaitStrategy, check_capacity};
use crate::error::{ChunkError, PublishError, RecvError, RingError, SubscribeError};
use crate::slots::{SlotRange, SlotView, full, published_prefix};
use crate::sync::{Arc, AtomicUsize, Doorbell, Ordering, fence};
use crate::wait::Waiter;
use crossbeam_utils::CachePadded;
use std::fmt;
use std::ops::Deref;
use std::ptr::NonNull;

mod chunk;
use crate::chunk::Ready;
pub use chunk::{Message, PubChunk, SubChunk};

const PUBLISHER_GONE: usize = 1;
const ONE_SUBSCRIBER: usize = 2;
/// Cursor value of an unused subscriber entry.
const FREE: usize = usize::MAX;

/// State shared by the publisher and its subscribers.
struct Shared<T> {
    slots: SlotRange<T>,
    /// Published count; where joiners start.
    tail: CachePadded<AtomicUsize>,
    /// One entry per possible subscriber.
    cursors: Box<[CachePadded<AtomicUsize>]>,
    /// Entries `0..claimed` have been claimed at some time; the rest were
    /// never used, so a scan stops there.
    claimed: CachePadded<AtomicUsize>,
    /// `subscribers << 1 | PUBLISHER_GONE`.
    state: CachePadded<AtomicUsize>,
    bell: Doorbell,
    policy: Policy,
}

impl<T> Drop for Shared<T> {
    fn drop(&mut self) {
        for i in 0..self.slots.capacity() {
            // SAFETY: every slot was initialised at construction; all ends
            // are gone.
            unsafe { self.slots.slot(i).drop_value() };
        }
    }
}

impl<T> Shared<T> {
    fn publisher_gone(&self) -> bool {
        self.state.load(Ordering::Acquire) & PUBLISHER_GONE != 0
    }

    fn subscribers(&self) -> usize {
        self.state.load(Ordering::Relaxed) >> 1
    }

    /// Free slots ahead of `tail` given the live cursors (see module doc).
    fn room(&self, tail: usize) -> usize {
        fence(Ordering::SeqCst);
        let capacity = self.slots.capacity();
        let mut room = capacity;
        let claimed = self.claimed.load(Ordering::Relaxed).min(self.cursors.len());
        for cursor in &self.cursors[..claimed] {
            let at = cursor.load(Ordering::Acquire);
            if at != FREE {
                room = room.min(capacity.saturating_sub(tail.wrapping_sub(at)));
            }
        }
        room
    }

    /// Claims a cursor entry and starts a subscriber at the current tail.
    fn join(this: &Arc<Self>) -> Result<Subscriber<T>, SubscribeError> {
        let provisional = this.tail.load(Ordering::SeqCst);
        for (entry, cursor) in this.cursors.iter().enumerate() {
            let claimed =
                cursor.compare_exchange(FREE, provisional, Ordering::SeqCst, Ordering::Relaxed);
            if claimed.is_ok() {
                this.claimed.fetch_max(entry + 1, Ordering::SeqCst);
                fence(Ordering::SeqCst);
                let start = this.tail.load(Ordering::SeqCst);
                cursor.store(start, Ordering::Release);
                this.state.fetch_add(ONE_SUBSCRIBER, Ordering::AcqRel);
                return Ok(Subscriber {
                    slots: this.slots.view(),
                    mine: NonNull::from(&**cursor),
                    park: this.policy.wait == WaitStrategy::Park,
                    shared: Arc::clone(this),
                    cursor: start,
                });
            }
        }
        Err(SubscribeError::TooMany {
            max: this.cursors.len(),
        })
    }
}

/// Builds a broadcast ring of `capacity` slots holding `T::default()`, with
/// `Block` backpressure, `SpinThenYield` waiting and room for 16 subscribers.
pub fn channel<T: Send + Sync + Default>(
    capacity: usize,
) -> Result<(Publisher<T>, Subscriber<T>), RingError> {
    with_config(Config::new(capacity), T::default)
}

/// Builds a broadcast ring as `config` says; `init` makes the slot values.
pub fn with_config<T: Send + Sync>(
    config: Config,
    init: impl FnMut() -> T,
) -> Result<(Publisher<T>, Subscriber<T>), RingError> {
    check_capacity(config.capacity)?;
    let slots = SlotRange::alloc(config.capacity).ok_or(RingError::CapacityTooLarge {
        capacity: config.capacity,
    })?;
    from_range(slots, config, init)
}

/// Builds a broadcast ring on `slots`; `config.capacity` is ignored.
pub(crate) fn from_range<T: Send + Sync>(
    slots: SlotRange<T>,
    config: Config,
    mut init: impl FnMut() -> T,
) -> Result<(Publisher<T>, Subscriber<T>), RingError> {
    if config.policy.backpressure == Backpressure::Overwrite {
        return Err(RingError::Unsupported {
            what: "broadcast backpressure Overwrite: use broadcast::lossy (T: Copy)",
        });
    }
    if config.max_subscribers == 0 {
        return Err(RingError::NoSubscriberRoom);
    }
    for i in 0..slots.capacity() {
        // SAFETY: fresh range, nobody else sees it yet.
        unsafe { slots.slot(i).write(init()) };
    }
    let capacity = slots.capacity();
    let cursors = (0..config.max_subscribers)
        .map(|_| CachePadded::new(AtomicUsize::new(FREE)))
        .collect();
    let shared = Arc::new(Shared {
        slots,
        tail: CachePadded::new(AtomicUsize::new(0)),
        cursors,
        claimed: CachePadded::new(AtomicUsize::new(0)),
        state: CachePadded::new(AtomicUsize::new(0)),
        bell: Doorbell::default(),
        policy: config.policy,
    });
    let subscriber = Shared::join(&shared).map_err(|_| RingError::NoSubscriberRoom)?;
    let publisher = Publisher {
        slots: shared.slots.view(),
        park: config.policy.wait == WaitStrategy::Park,
        shared,
        tail: 0,
        limit: 0,
        capacity,
    };
    Ok((publisher, subscriber))
}

/// The writing end. `Send`, not `Clone`.
pub struct Publisher<T> {
    shared: Arc<Shared<T>>,
    /// Next position to publish.
    tail: usize,
    /// Positions below may be written without a scan.
    limit: usize,
    capacity: usize,
    /// `shared.slots`, cached; valid while `shared` is held.
    slots: SlotView<T>,
    /// Whether the wait strategy is `Park` (then publishing rings the bell).
    park: bool,
}

// SAFETY: the cached view points into the region the `Arc` keeps alive;
// the rest is what the `Arc` already shares (`T: Send + Sync` to build).
unsafe impl<T: Send + Sync> Send for Publisher<T> {}
// SAFETY: `&Publisher` only reads counters and joins subscribers.
unsafe impl<T: Send + Sync> Sync for Publisher<T> {}

impl<T> fmt::Debug for Publisher<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Publisher")
            .field("tail", &self.tail)
            .finish()
    }
}

impl<T> Drop for Publisher<T> {
    fn drop(&mut self) {
        self.shared
            .state
            .fetch_or(PUBLISHER_GONE, Ordering::Release);
        self.shared.bell.notify();
    }
}

impl<T> Publisher<T> {
    /// Number of slots.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Number of attached subscribers.
    pub fn subscribers(&self) -> usize {
        self.shared.subscribers()
    }

    /// Attaches a new subscriber; it sees every message published after
    /// this call returns.
    pub fn subscribe(&self) -> Result<Subscriber<T>, SubscribeError> {
        Shared::join(&self.shared)
    }

    /// Slots that may be written now, rescanning the cursors if fewer than
    /// `want` are known.
    #[inline(always)]
    fn room(&mut self, want: usize) -> usize {
        let known = self.limit.wrapping_sub(self.tail);
        if known >= want && known <= self.capacity {
            return known;
        }
        self.rescan()
    }

    /// Recomputes `limit` from the cursor table. Out of line: the scan is
    /// rare (once per lap when subscribers keep up) and, inlined, it would
    /// make `try_publish` too large to inline into its caller.
    #[inline(never)]
    fn rescan(&mut self) -> usize {
        let room = self.shared.room(self.tail);
        self.limit = self.tail.wrapping_add(room);
        room
    }

    /// Publishes by running `write` on the next slot in place, without
    /// waiting. The slot holds whatever message it held a lap ago.
    #[inline]
    pub fn try_publish(&mut self, write: impl FnOnce(&mut T)) -> Result<(), PublishError> {
        if self.shared.subscribers() == 0 {
            return Err(PublishError::Closed);
        }
        if self.room(1) == 0 {
            return Err(PublishError::Full);
        }
        // SAFETY: `self.shared` keeps the range alive.
        let slot = unsafe { self.slots.slot(self.tail) };
        // SAFETY: every live cursor is past the slot's previous message
        // (room > 0), so no subscriber reads it; the value is initialised.
        write(unsafe { slot.get_mut() });
        slot.stamp.store(full(self.tail), Ordering::Release);
        self.advance(1);
        Ok(())
    }

    /// Publishes, waiting for the slowest subscriber if the backpressure is
    /// `Block`.
    pub fn publish(&mut self, write: impl FnOnce(&mut T)) -> Result<(), PublishError> {
        let mut waiter = Waiter::new(self.shared.policy.wait);
        loop {
            if self.shared.subscribers() == 0 {
                return Err(PublishError::Closed);
            }
            if self.room(1) > 0 {
                return self.try_publish(write);
            }
            if self.shared.policy.backpressure == Backpressure::Fail {
                return Err(PublishError::Full);
            }
            let shared = &*self.shared;
            let tail = self.tail;
            waiter.wait(&shared.bell, || {
                shared.room(tail) > 0 || shared.subscribers() == 0
            });
        }
    }

    /// Claims `n` slots to write in place; fails at once if fewer are free.
    #[inline]
    pub fn write_chunk(&mut self, n: usize) -> Result<PubChunk<'_, T>, ChunkError> {
        if n > self.capacity {
            return Err(ChunkError::TooLarge {
                requested: n,
                capacity: self.capacity,
            });
        }
        if self.shared.subscribers() == 0 {
            return Err(ChunkError::Closed);
        }
        if self.room(n) < n {
            return Err(ChunkError::Full);
        }
        Ok(PubChunk {
            publisher: self,
            len: n,
        })
    }

    #[inline]
    fn advance(&mut self, n: usize) {
        self.tail = self.tail.wrapping_add(n);
        self.shared.tail.store(self.tail, Ordering::Release);
        if self.park {
            self.shared.bell.notify();
        }
    }
}

/// A reading end with its own cursor. Dropping it frees its place.
pub struct Subscriber<T> {
    shared: Arc<Shared<T>>,
    /// Next position to read.
    cursor: usize,
    /// `shared.slots`, cached; valid while `shared` is held.
    slots: SlotView<T>,
    /// This subscriber's entry of `shared.cursors`, cached; valid while
    /// `shared` is held (the table is a boxed slice that never moves).
    mine: NonNull<AtomicUsize>,
    /// Whether the wait strategy is `Park` (then releasing rings the bell).
    park: bool,
}

// SAFETY: the cached pointers point into the allocations the `Arc` keeps
// alive; the rest is what the `Arc` already shares (`T: Send + Sync` to
// build).
unsafe impl<T: Send + Sync> Send for Subscriber<T> {}
// SAFETY: `&Subscriber` only joins new subscribers; reading needs `&mut`.
unsafe impl<T: Send + Sync> Sync for Subscriber<T> {}

impl<T> fmt::Debug for Subscriber<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Subscriber")
            .field("cursor", &self.cursor)
            .finish()
    }
}

impl<T> Drop for Subscriber<T> {
    fn drop(&mut self) {
        self.entry().store(FREE, Ordering::Release);
        self.shared
            .state
            .fetch_sub(ONE_SUBSCRIBER, Ordering::AcqRel);
        self.shared.bell.notify();
    }
}

impl<T> Subscriber<T> {
    /// Attaches another subscriber, starting at the publisher's tail.
    pub fn subscribe(&self) -> Result<Subscriber<T>, SubscribeError> {
        Shared::join(&self.shared)
    }

    /// This subscriber's cursor entry.
    #[inline(always)]
    fn entry(&self) -> &AtomicUsize {
        // SAFETY: the entry lives in `shared.cursors`, kept alive (and in
        // place) by `self.shared`.
        unsafe { self.mine.as_ref() }
    }

    #[inline(always)]
    fn is_published(&self, offset: usize) -> bool {
        let pos = self.cursor.wrapping_add(offset);
        // SAFETY: `self.shared` keeps the range alive.
        let slot = unsafe { self.slots.slot(pos) };
        slot.stamp.load(Ordering::Acquire) == full(pos)
    }

    #[cold]
    fn empty_or_closed(&self) -> RecvError {
        if self.shared.publisher_gone() && !self.is_published(0) {
            RecvError::Closed
        } else {
            RecvError::Empty
        }
    }

    /// The next message, in place, without waiting. It is released when
    /// the guard drops.
    #[inline]
    pub fn try_recv(&mut self) -> Result<Message<'_, T>, RecvError> {
        if !self.is_published(0) {
            return Err(self.empty_or_closed());
        }
        Ok(Message { subscriber: self })
    }

    /// Runs `read` on the next message in place and releases it (also if
    /// `read` panics).
    #[inline]
    pub fn try_read_with<R>(&mut self, read: impl FnOnce(&T) -> R) -> Result<R, RecvError> {
        let pos = self.cursor;
        // SAFETY: `self.shared` keeps the range alive; the slot reference is
        // only used while the guard below holds this subscriber.
        let slot = unsafe { self.slots.slot(pos) };
        if slot.stamp.load(Ordering::Acquire) != full(pos) {
            return Err(self.empty_or_closed());
        }
        let _release = Message { subscriber: self };
        // SAFETY: stamped full (Acquire) and not released until `_release`
        // drops, so the publisher cannot write it meanwhile.
        Ok(read(unsafe { slot.get() }))
    }

    /// The next message, waiting until one is published or the publisher
    /// is gone.
    pub fn recv(&mut self) -> Result<Message<'_, T>, RecvError> {
        let mut waiter = Waiter::new(self.shared.policy.wait);
        loop {
            if self.is_published(0) {
                return Ok(Message { subscriber: self });
            }
            if self.empty_or_closed() == RecvError::Closed {
                return Err(RecvError::Closed);
            }
            waiter.wait(&self.shared.bell, || {
                self.is_published(0) || self.shared.publisher_gone()
            });
        }
    }

    /// Presents up to `max` published messages in place.
    #[inline]
    pub fn read_chunk(&mut self, max: usize) -> Result<SubChunk<'_, T>, RecvError> {
        let max = max.min(self.shared.slots.capacity());
        let len = published_prefix(max, |i| self.is_published(i));
        if len == 0 {
            return Err(self.empty_or_closed());
        }
        // SAFETY: `self.shared` (borrowed by the chunk) keeps the range
        // alive; the `len` slots from `cursor` are published (Acquire above)
        // and the publisher leaves them alone until `release` moves this
        // subscriber's cursor past them.
        let run = unsafe { Ready::new(self.slots, self.cursor, len) };
        Ok(SubChunk {
            subscriber: self,
            run,
        })
    }

    #[inline]
    fn release(&mut self, n: usize) {
        self.cursor = self.cursor.wrapping_add(n);
        self.entry().store(self.cursor, Ordering::Release);
        if self.park {
            self.shared.bell.notify();
        }
    }
}
