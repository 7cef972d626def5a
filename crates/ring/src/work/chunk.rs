//! Batches of the work queue: claimed slots written in place, and runs of
//! ready messages read in place (see the parent module doc). The run
//! machinery is the crate's shared `chunk` module; this file says what a
//! commit and a release move: the producer's tail, and the freed stamps.

use super::*;
use crate::chunk::{Claimed, Ready, read_chunk_api, write_chunk_api};

/// `n` claimed free slots; values written in place by
/// [`push`](Self::push) are published by [`commit`](Self::commit). Dropping
/// the chunk uncommitted drops the written values and publishes nothing.
pub struct WriteChunk<'a, T> {
    pub(super) producer: &'a mut Producer<T>,
    pub(super) run: Claimed<T>,
}

write_chunk_api!(WriteChunk, "work::WriteChunk");

impl<T> WriteChunk<'_, T> {
    /// Publishes the written values in order; returns how many.
    #[inline]
    pub fn commit(mut self) -> usize {
        let n = self.run.publish_written();
        self.producer.tail = self.producer.tail.wrapping_add(n);
        self.producer.shared.ring();
        n
    }
}

impl<T> Drop for WriteChunk<'_, T> {
    fn drop(&mut self) {
        self.run.drop_written();
    }
}

/// A claimed run of messages, read in place; consumed (dropped and freed)
/// when the chunk drops. Indexed; it may cross the end of the buffer.
pub struct ReadChunk<'a, T> {
    pub(super) consumer: &'a mut Consumer<T>,
    pub(super) run: Ready<T>,
}

read_chunk_api!(ReadChunk, "work::ReadChunk");

impl<T> Drop for ReadChunk<'_, T> {
    fn drop(&mut self) {
        // SAFETY: claimed by this consumer's CAS; its slots are freed below.
        unsafe { self.run.drop_values() };
        for i in 0..self.run.len() {
            self.consumer.free_slot(self.run.start().wrapping_add(i));
        }
        self.consumer.shared.ring();
    }
}
