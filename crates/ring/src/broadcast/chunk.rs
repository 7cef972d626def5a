//! In-place access of the broadcast ring: a publisher's claimed slots, one
//! received message, and runs of received messages (see the parent module
//! doc). The run machinery is the crate's shared `chunk` module.

use super::*;
use crate::chunk::{publish_run, read_chunk_api};

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
        // SAFETY: the publisher's `shared` keeps the range alive; the slot
        // is claimed (room checked), unpublished, initialised, and
        // `&mut self` keeps this the only reference.
        Some(unsafe { self.publisher.slots.slot(pos).get_mut() })
    }

    /// Publishes the claimed slots in order.
    #[inline]
    pub fn commit(self) -> usize {
        let n = self.len;
        self.commit_first(n)
    }

    /// Publishes the first `n` claimed slots (at most all).
    ///
    /// One `Release` stamp store per slot, in position order (subscribers
    /// size a run by its last stamp).
    #[inline]
    pub fn commit_first(self, n: usize) -> usize {
        let n = n.min(self.len);
        // SAFETY: `self.publisher.shared` keeps the range alive; the claimed
        // slots were written in place (they always hold values) and only
        // this publisher stamps them.
        unsafe { publish_run(self.publisher.slots, self.publisher.tail, n) };
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
        // SAFETY: the subscriber's `shared` keeps the range alive; the slot
        // is stamped full (Acquire) and not released: the publisher cannot
        // write it while this subscriber's cursor is at it.
        unsafe { self.subscriber.slots.slot(self.subscriber.cursor).get() }
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
    pub(super) run: Ready<T>,
}

read_chunk_api!(SubChunk, "broadcast::SubChunk");

impl<T> Drop for SubChunk<'_, T> {
    fn drop(&mut self) {
        self.subscriber.release(self.run.len());
    }
}
