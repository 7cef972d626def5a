//! Lossy broadcast (backpressure `Overwrite`): the publisher never waits;
//! a subscriber that falls a ring behind is told how many messages it
//! missed ([`RecvError::Lagged`]) and resynchronises on the oldest message
//! still in the ring. Values are `Copy` and are copied out: a slot may be
//! rewritten while a slow subscriber reads it, so handing out `&T` into the
//! ring would expose torn data.
//!
//! # Protocol (a seqlock per slot)
//!
//! Each slot has a stamp (see [the crate doc](crate#stamps); state `2` means
//! "being written") and a value.
//!
//! - Publisher, for position `p` (it alone writes): store `writing(p)`
//!   (`Relaxed`), `Release` fence, copy the value in, store `full(p)`
//!   (`Release`), then store `tail = p + 1` (`Release`).
//! - Subscriber at cursor `c`: load the stamp (`Acquire`). If it is
//!   `full(c)`: copy the value out, `Acquire` fence, load the stamp again
//!   (`Relaxed`); if unchanged, the copy is whole (the fence pair orders the
//!   copy between two equal stamp reads, Boehm 2012, "Can seqlocks get
//!   along with programming language memory models?"). If the stamp names
//!   a later position, or changed during the copy, the subscriber lagged:
//!   it reads `tail` and restarts at `tail - capacity + 1`, the oldest
//!   position the publisher is not about to overwrite.
//!
//! The copies in and out are volatile byte copies that may overlap a write
//! (the seqlock's accepted race, as in crossbeam's `AtomicCell` fallback); a
//! copy that overlapped a write is always discarded, never returned. This
//! is why `T: Copy`: a discarded torn copy needs no drop. Loom checks the
//! stamp protocol; it cannot see the value copies.
//!
//! ```
//! use enso_ring::broadcast::lossy;
//! use enso_ring::RecvError;
//! let (mut publisher, mut subscriber) = lossy::channel::<u64>(4).unwrap();
//! for i in 0..10 {
//!     publisher.publish(|v| *v = i).unwrap();
//! }
//! assert_eq!(subscriber.try_recv(), Err(RecvError::Lagged(7)));
//! assert_eq!(subscriber.try_recv(), Ok(7));
//! ```

use crate::WaitStrategy;
use crate::config::check_capacity;
use crate::error::{PublishError, RecvError, RingError};
use crate::slots::{free, full, lap_distance};
use crate::sync::{Arc, AtomicUsize, Doorbell, Ordering, RacyCell, fence};
use crate::wait::Waiter;
use crossbeam_utils::CachePadded;
use std::fmt;

const PUBLISHER_GONE: usize = 1;
const ONE_SUBSCRIBER: usize = 2;

/// Stamp of a slot being rewritten with message `pos`.
const fn writing(pos: usize) -> usize {
    (pos << 2) | 2
}

/// One seqlocked slot.
struct Slot<T> {
    stamp: AtomicUsize,
    value: RacyCell<T>,
}

struct Shared<T> {
    slots: Box<[Slot<T>]>,
    /// Published count, written by the publisher.
    tail: CachePadded<AtomicUsize>,
    /// `subscribers << 1 | PUBLISHER_GONE`.
    state: CachePadded<AtomicUsize>,
    bell: Doorbell,
    wait: WaitStrategy,
}

impl<T> Shared<T> {
    fn slot(&self, pos: usize) -> &Slot<T> {
        &self.slots[pos & (self.slots.len() - 1)]
    }
}

/// Builds a lossy broadcast ring of `capacity` slots, `SpinThenYield`
/// waiting for [`Subscriber::recv`].
pub fn channel<T: Copy + Send + Default>(
    capacity: usize,
) -> Result<(Publisher<T>, Subscriber<T>), RingError> {
    with_wait(capacity, WaitStrategy::default())
}

/// Builds a lossy broadcast ring whose blocking reads wait with `wait`.
pub fn with_wait<T: Copy + Send + Default>(
    capacity: usize,
    wait: WaitStrategy,
) -> Result<(Publisher<T>, Subscriber<T>), RingError> {
    check_capacity(capacity)?;
    let slots = (0..capacity)
        .map(|i| Slot {
            stamp: AtomicUsize::new(free(i)),
            value: RacyCell::new(T::default()),
        })
        .collect();
    let shared = Arc::new(Shared {
        slots,
        tail: CachePadded::new(AtomicUsize::new(0)),
        state: CachePadded::new(AtomicUsize::new(ONE_SUBSCRIBER)),
        bell: Doorbell::default(),
        wait,
    });
    let subscriber = Subscriber {
        shared: shared.clone(),
        cursor: 0,
    };
    Ok((
        Publisher {
            shared,
            tail: 0,
            staging: T::default(),
        },
        subscriber,
    ))
}

/// The writing end; never waits.
pub struct Publisher<T> {
    shared: Arc<Shared<T>>,
    tail: usize,
    /// The value the closure edits before it is copied into the slot.
    staging: T,
}

impl<T> fmt::Debug for Publisher<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("lossy::Publisher")
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

impl<T: Copy> Publisher<T> {
    /// Attaches a subscriber starting at the next message published.
    pub fn subscribe(&self) -> Subscriber<T> {
        self.shared
            .state
            .fetch_add(ONE_SUBSCRIBER, Ordering::AcqRel);
        Subscriber {
            shared: self.shared.clone(),
            cursor: self.tail,
        }
    }

    /// Number of attached subscribers.
    pub fn subscribers(&self) -> usize {
        self.shared.state.load(Ordering::Relaxed) >> 1
    }

    /// Publishes: `write` edits the publisher's staging value (it holds the
    /// previous message), which is then copied into the oldest slot,
    /// overwriting it. Fails only with `Closed`, when nobody is subscribed.
    pub fn publish(&mut self, write: impl FnOnce(&mut T)) -> Result<(), PublishError> {
        if self.subscribers() == 0 {
            return Err(PublishError::Closed);
        }
        write(&mut self.staging);
        let pos = self.tail;
        let slot = self.shared.slot(pos);
        slot.stamp.store(writing(pos), Ordering::Relaxed);
        // Orders the `writing` stamp before the value copy (seqlock writer).
        fence(Ordering::Release);
        // SAFETY: only the publisher writes; readers validate their copies.
        unsafe { slot.value.write(self.staging) };
        slot.stamp.store(full(pos), Ordering::Release);
        self.tail = pos.wrapping_add(1);
        self.shared.tail.store(self.tail, Ordering::Release);
        if self.shared.wait == WaitStrategy::Park {
            self.shared.bell.notify();
        }
        Ok(())
    }
}

/// A reading end with its own cursor. `Clone` makes a subscriber at the
/// same cursor.
pub struct Subscriber<T> {
    shared: Arc<Shared<T>>,
    cursor: usize,
}

impl<T> fmt::Debug for Subscriber<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("lossy::Subscriber")
            .field("cursor", &self.cursor)
            .finish()
    }
}

impl<T> Clone for Subscriber<T> {
    fn clone(&self) -> Self {
        self.shared
            .state
            .fetch_add(ONE_SUBSCRIBER, Ordering::AcqRel);
        Self {
            shared: self.shared.clone(),
            cursor: self.cursor,
        }
    }
}

impl<T> Drop for Subscriber<T> {
    fn drop(&mut self) {
        self.shared
            .state
            .fetch_sub(ONE_SUBSCRIBER, Ordering::AcqRel);
    }
}

impl<T: Copy> Subscriber<T> {
    /// The next message, copied out, without waiting; `Lagged(n)` if `n`
    /// messages were overwritten before this subscriber got to them (it has
    /// then already moved to the oldest message available).
    pub fn try_recv(&mut self) -> Result<T, RecvError> {
        let mut publisher_gone = false;
        loop {
            let pos = self.cursor;
            let slot = self.shared.slot(pos);
            let before = slot.stamp.load(Ordering::Acquire);
            if before == full(pos) {
                // SAFETY: a racy copy, validated below before use.
                let value = unsafe { slot.value.read() };
                // Orders the copy before the second stamp read (seqlock reader).
                fence(Ordering::Acquire);
                let after = slot.stamp.load(Ordering::Relaxed);
                if after == before {
                    self.cursor = pos.wrapping_add(1);
                    return Ok(value);
                }
                return Err(self.resync(after));
            }
            // A stamp for a later position in this slot: we were lapped.
            if lap_distance(before, pos) >= 4 {
                return Err(self.resync(before));
            }
            if publisher_gone {
                return Err(RecvError::Closed);
            }
            // Look once more after seeing the publisher gone (`Acquire`
            // orders its last stamps before our second look).
            publisher_gone = self.shared.state.load(Ordering::Acquire) & PUBLISHER_GONE != 0;
            if !publisher_gone {
                return Err(RecvError::Empty);
            }
        }
    }

    /// The next message, waiting until one is published; `Lagged` and
    /// `Closed` are returned as they come.
    pub fn recv(&mut self) -> Result<T, RecvError> {
        let mut waiter = Waiter::new(self.shared.wait);
        loop {
            match self.try_recv() {
                Err(RecvError::Empty) => {}
                done => return done,
            }
            let shared = &*self.shared;
            let pos = self.cursor;
            waiter.wait(&shared.bell, || {
                lap_distance(shared.slot(pos).stamp.load(Ordering::Acquire), pos) > 0
                    || shared.state.load(Ordering::Acquire) & PUBLISHER_GONE != 0
            });
        }
    }

    /// Runs `read` on a validated copy of the next message.
    pub fn try_read_with<R>(&mut self, read: impl FnOnce(&T) -> R) -> Result<R, RecvError> {
        self.try_recv().map(|value| read(&value))
    }

    /// Moves the cursor to the oldest message safe to read and reports the
    /// gap. `stamp` is a stamp of the cursor's slot naming a later lap.
    #[cold]
    fn resync(&mut self, stamp: usize) -> RecvError {
        let capacity = self.shared.slots.len();
        let seen = self
            .cursor
            .wrapping_add((lap_distance(stamp, self.cursor) >> 2) as usize);
        let tail = self.shared.tail.load(Ordering::Acquire);
        let mut oldest = seen.wrapping_sub(capacity - 1);
        let by_tail = tail.wrapping_sub(capacity - 1);
        if (by_tail.wrapping_sub(oldest) as isize) > 0 {
            oldest = by_tail;
        }
        let missed = oldest.wrapping_sub(self.cursor);
        self.cursor = oldest;
        RecvError::Lagged(missed as u64)
    }
}
