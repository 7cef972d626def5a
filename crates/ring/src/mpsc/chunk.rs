//! Batches of the MPSC ring: claimed slots written in place, and runs of
//! ready messages read in place (see the parent module doc). The run
//! machinery is the crate's shared `chunk` module; this file adds the holes
//! of claimed positions left unwritten and the head a release moves.

use super::*;
use crate::chunk::{Claimed, Ready, read_chunk_api, write_chunk_api};

/// `n` claimed positions. [`push`](Self::push) writes in place;
/// [`commit`](Self::commit) publishes. Positions left unwritten (or all
/// of them, if the chunk is dropped without commit, after dropping the
/// values) become holes the consumer skips.
pub struct WriteChunk<'a, T> {
    pub(super) producer: &'a mut Producer<T>,
    pub(super) run: Claimed<T>,
    /// Whether every claimed position is stamped (by `commit`).
    pub(super) stamped: bool,
}

write_chunk_api!(WriteChunk, "mpsc::WriteChunk");

impl<T> WriteChunk<'_, T> {
    /// Publishes the written values; returns how many.
    ///
    /// One `Release` stamp store per written slot, the first position's
    /// last, so the consumer sees the written run whole and does not read
    /// lines still being stamped (as in `spsc`); the unwritten rest of the
    /// claim is then stamped `hole`.
    #[inline]
    pub fn commit(mut self) -> usize {
        let n = self.run.publish_written_first_last();
        self.stamp_holes(n);
        n
    }

    /// Stamps claimed offsets `from..len` as holes (`Release`, so the
    /// consumer that skips them also sees the slots' last values gone),
    /// marks the claim stamped and wakes a parked consumer.
    #[inline]
    fn stamp_holes(&mut self, from: usize) {
        for i in from..self.run.len() {
            let pos = self.run.start().wrapping_add(i);
            self.run.slot(i).stamp.store(hole(pos), Ordering::Release);
        }
        self.stamped = true;
        self.producer.shared.ring();
    }
}

impl<T> Drop for WriteChunk<'_, T> {
    fn drop(&mut self) {
        if !self.stamped {
            self.run.drop_written();
            self.stamp_holes(0);
        }
    }
}

/// A run of ready messages, read in place; dropping it (or
/// [`release`](Self::release)) consumes them. Indexed; it may cross the end
/// of the buffer.
pub struct ReadChunk<'a, T> {
    pub(super) consumer: &'a mut Consumer<T>,
    pub(super) run: Ready<T>,
}

read_chunk_api!(ReadChunk, "mpsc::ReadChunk");

impl<T> Drop for ReadChunk<'_, T> {
    fn drop(&mut self) {
        // SAFETY: the run is this consumer's; `head` moves past it below.
        unsafe { self.run.drop_values() };
        // The whole run goes back to the producers with one store.
        let consumer = &mut *self.consumer;
        consumer.head = consumer.head.wrapping_add(self.run.len());
        consumer.publish_head();
        consumer.shared.ring();
    }
}
