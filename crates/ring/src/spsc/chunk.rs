//! Batches of the SPSC ring: claimed slots written in place, and runs of
//! ready messages read in place (see the parent module doc). The run
//! machinery is the crate's shared `chunk` module; this file says which
//! cursor a commit and a release move.

use super::*;
use crate::chunk::{Claimed, Ready, read_chunk_api, write_chunk_api};

/// `n` claimed slots; see the [module doc](super).
///
/// Values are written in place in order by [`push`](Self::push) and become
/// visible on [`commit`](Self::commit). Dropping the chunk without
/// committing drops the written values and publishes nothing.
pub struct WriteChunk<'a, T> {
    pub(super) producer: &'a mut Producer<T>,
    pub(super) run: Claimed<T>,
}

write_chunk_api!(WriteChunk, "spsc::WriteChunk");

impl<T> WriteChunk<'_, T> {
    /// Publishes the written values and returns how many.
    ///
    /// One `Release` store of a stamp per value, the first position's last,
    /// so the consumer sees the whole batch at once (see the module doc).
    #[inline]
    pub fn commit(mut self) -> usize {
        let n = self.run.publish_written_first_last();
        self.producer.tail = self.producer.tail.wrapping_add(n);
        self.producer.ring();
        n
    }
}

impl<T> Drop for WriteChunk<'_, T> {
    fn drop(&mut self) {
        self.run.drop_written();
    }
}

/// A run of ready messages, read in place; see the [module doc](super).
/// Dropping it (or [`release`](Self::release)) consumes them all.
pub struct ReadChunk<'a, T> {
    pub(super) consumer: &'a mut Consumer<T>,
    pub(super) run: Ready<T>,
}

read_chunk_api!(ReadChunk, "spsc::ReadChunk");

impl<T> Drop for ReadChunk<'_, T> {
    fn drop(&mut self) {
        // SAFETY: the run is this consumer's; it moves past it below.
        unsafe { self.run.drop_values() };
        self.consumer.advance(self.run.len());
    }
}
