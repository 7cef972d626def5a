//! Batches of the work queue: claimed slots written in place, and runs of
//! ready messages read in place (see the parent module doc).

use super::*;

/// `n` claimed free slots; values written in place by
/// [`push`](Self::push) are published by [`commit`](Self::commit). Dropping
/// the chunk uncommitted drops the written values and publishes nothing.
pub struct WriteChunk<'a, T> {
    pub(super) producer: &'a mut Producer<T>,
    pub(super) len: usize,
    pub(super) written: usize,
}

impl<T> fmt::Debug for WriteChunk<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("work::WriteChunk")
            .field("len", &self.len)
            .field("written", &self.written)
            .finish()
    }
}

impl<T> WriteChunk<'_, T> {
    /// Slots claimed.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was claimed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Writes `value` into the next claimed slot; gives it back when all are
    /// written.
    #[inline]
    pub fn push(&mut self, value: T) -> Result<(), T> {
        if self.written == self.len {
            return Err(value);
        }
        let pos = self.producer.tail.wrapping_add(self.written);
        // SAFETY: checked free in `write_chunk`, unpublished, producer-only.
        unsafe { self.producer.shared.slots.slot(pos).write(value) };
        self.written += 1;
        Ok(())
    }

    /// Fills every remaining claimed slot with `f(index)`.
    pub fn fill_with(&mut self, mut f: impl FnMut(usize) -> T) {
        while self.written < self.len {
            let value = f(self.written);
            // Cannot fail: `written < len`.
            let _ = self.push(value);
        }
    }

    /// Publishes the written values in order; returns how many.
    pub fn commit(mut self) -> usize {
        let n = std::mem::take(&mut self.written);
        let producer = &mut *self.producer;
        for i in 0..n {
            let pos = producer.tail.wrapping_add(i);
            let slot = producer.shared.slots.slot(pos);
            slot.stamp.store(full(pos), Ordering::Release);
        }
        producer.tail = producer.tail.wrapping_add(n);
        producer.shared.ring();
        n
    }
}

impl<T> Drop for WriteChunk<'_, T> {
    fn drop(&mut self) {
        for i in 0..self.written {
            let pos = self.producer.tail.wrapping_add(i);
            // SAFETY: written by `push`, never published.
            unsafe { self.producer.shared.slots.slot(pos).drop_value() };
        }
    }
}

/// A claimed run of messages, read in place; consumed (dropped and freed)
/// when the chunk drops. Indexed; it may cross the end of the buffer.
pub struct ReadChunk<'a, T> {
    pub(super) consumer: &'a mut Consumer<T>,
    pub(super) start: usize,
    pub(super) len: usize,
}

impl<T> fmt::Debug for ReadChunk<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("work::ReadChunk")
            .field("len", &self.len)
            .finish()
    }
}

impl<T> ReadChunk<'_, T> {
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
        let pos = self.start.wrapping_add(i);
        // SAFETY: claimed by this chunk, full, not yet freed.
        Some(unsafe { self.consumer.shared.slots.slot(pos).get() })
    }

    /// The messages in order, in place.
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        (0..self.len).filter_map(move |i| self.get(i))
    }

    /// Consumes the run.
    pub fn release(self) {}
}

impl<T> Index<usize> for ReadChunk<'_, T> {
    type Output = T;

    fn index(&self, i: usize) -> &T {
        match self.get(i) {
            Some(v) => v,
            None => panic!("index {i} out of a read chunk of {}", self.len),
        }
    }
}

impl<T> Drop for ReadChunk<'_, T> {
    fn drop(&mut self) {
        for i in 0..self.len {
            let pos = self.start.wrapping_add(i);
            if std::mem::needs_drop::<T>() {
                // SAFETY: claimed and full; dropped once, then freed.
                unsafe { self.consumer.shared.slots.slot(pos).drop_value() };
            }
            self.consumer.free_slot(pos);
        }
        self.consumer.shared.ring();
    }
}
