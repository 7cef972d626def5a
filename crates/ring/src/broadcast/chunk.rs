//! In-place access of the broadcast ring: a publisher's claimed slots, one
//! received message, and runs of received messages (see the parent module
//! doc).

use super::*;

/// `n` claimed slots of a broadcast ring, written in place; nothing is
/// published until [`commit`](Self::commit).
pub struct PubChunk<'a, T> {
    pub(super) publisher: &'a mut Publisher<T>,
    pub(super) len: usize,
}

impl<T> fmt::Debug for PubChunk<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::PubChunk")
            .field("len", &self.len)
            .finish()
    }
}

impl<T> PubChunk<'_, T> {
    /// Slots claimed.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was claimed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The `i`-th claimed slot, in place (it holds a message a lap old).
    #[inline]
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        if i >= self.len {
            return None;
        }
        let pos = self.publisher.tail.wrapping_add(i);
        // SAFETY: claimed (room checked), unpublished, initialised, and
        // `&mut self` keeps this the only reference.
        Some(unsafe { self.publisher.shared.slots.slot(pos).get_mut() })
    }

    /// Publishes the claimed slots in order.
    #[inline]
    pub fn commit(self) -> usize {
        let n = self.len;
        self.commit_first(n)
    }

    /// Publishes the first `n` claimed slots (at most all).
    ///
    /// One `Release` stamp store per slot, in position order, walked as
    /// (at most two) contiguous runs of slots.
    #[inline]
    pub fn commit_first(self, n: usize) -> usize {
        let n = n.min(self.len);
        let view = self.publisher.shared.slots.view();
        let mut pos = self.publisher.tail;
        let mut left = n;
        while left > 0 {
            // SAFETY: `self.publisher.shared` keeps the range alive.
            let run = unsafe { view.run(pos, left) };
            for slot in run {
                slot.stamp.store(full(pos), Ordering::Release);
                pos = pos.wrapping_add(1);
            }
            left -= run.len();
        }
        self.publisher.advance(n);
        n
    }
}

/// One message read in place; released (the publisher may reuse the slot)
/// when dropped.
pub struct Message<'a, T> {
    pub(super) subscriber: &'a mut Subscriber<T>,
}

impl<T> Deref for Message<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        let slot = self.subscriber.shared.slots.slot(self.subscriber.cursor);
        // SAFETY: stamped full (Acquire) and not released: the publisher
        // cannot write it while this subscriber's cursor is at it.
        unsafe { slot.get() }
    }
}

impl<T: fmt::Debug> fmt::Debug for Message<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl<T> Drop for Message<'_, T> {
    fn drop(&mut self) {
        self.subscriber.release(1);
    }
}

/// A run of published messages read in place; released when dropped.
pub struct SubChunk<'a, T> {
    pub(super) subscriber: &'a mut Subscriber<T>,
    pub(super) len: usize,
}

impl<T> fmt::Debug for SubChunk<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::SubChunk")
            .field("len", &self.len)
            .finish()
    }
}

impl<T> SubChunk<'_, T> {
    /// Number of messages.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the run is empty (never, as built by `read_chunk`).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The `i`-th message, in place.
    pub fn get(&self, i: usize) -> Option<&T> {
        if i >= self.len {
            return None;
        }
        let pos = self.subscriber.cursor.wrapping_add(i);
        // SAFETY: published (Acquire in `read_chunk`) and not released.
        Some(unsafe { self.subscriber.shared.slots.slot(pos).get() })
    }

    /// The messages in order, in place, walked as (at most two)
    /// contiguous runs of slots.
    #[inline]
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        let head = self.subscriber.cursor;
        let view = self.subscriber.shared.slots.view();
        // SAFETY: `self.subscriber.shared` keeps the range alive.
        let first = unsafe { view.run(head, self.len) };
        // SAFETY: as above; empty unless the run wraps.
        let rest = unsafe { view.run(head.wrapping_add(first.len()), self.len - first.len()) };
        first.iter().chain(rest).map(|slot| {
            // SAFETY: as in `get`: published and not released.
            unsafe { slot.get() }
        })
    }

    /// Releases the run.
    pub fn release(self) {}
}

impl<T> Index<usize> for SubChunk<'_, T> {
    type Output = T;

    fn index(&self, i: usize) -> &T {
        match self.get(i) {
            Some(v) => v,
            None => panic!("index {i} out of a read chunk of {}", self.len),
        }
    }
}

impl<T> Drop for SubChunk<'_, T> {
    fn drop(&mut self) {
        self.subscriber.release(self.len);
    }
}
