//! Batches of the SPSC ring: claimed slots written in place, and runs of
//! ready messages read in place (see the parent module doc).

use super::*;

/// `n` claimed slots; see the [module doc](super).
///
/// Values are written in place in order by [`push`](Self::push) and become
/// visible on [`commit`](Self::commit). Dropping the chunk without
/// committing drops the written values and publishes nothing.
pub struct WriteChunk<'a, T> {
    pub(super) producer: &'a mut Producer<T>,
    pub(super) len: usize,
    pub(super) written: usize,
}

impl<T> fmt::Debug for WriteChunk<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("spsc::WriteChunk")
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

    /// Whether no slot was claimed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Values written so far.
    pub fn written(&self) -> usize {
        self.written
    }

    /// Writes `value` into the next claimed slot; gives it back when all
    /// claimed slots are written.
    #[inline]
    pub fn push(&mut self, value: T) -> Result<(), T> {
        if self.written == self.len {
            return Err(value);
        }
        let pos = self.producer.tail.wrapping_add(self.written);
        // SAFETY: `pos` is within the claimed free run (checked by
        // `write_chunk`), unpublished, so only this producer touches it.
        unsafe { self.producer.slot(pos).write(value) };
        self.written += 1;
        Ok(())
    }

    /// Fills every remaining claimed slot with `f(index)`.
    ///
    /// Walks the claimed slots as (at most two) contiguous runs, so the
    /// loop is a pointer walk with no mask or bound check per value.
    #[inline]
    pub fn fill_with(&mut self, mut f: impl FnMut(usize) -> T) {
        while self.written < self.len {
            let pos = self.producer.tail.wrapping_add(self.written);
            // SAFETY: `self.producer.shared` keeps the range alive.
            let run = unsafe { self.producer.slots.run(pos, self.len - self.written) };
            for slot in run {
                let value = f(self.written);
                // SAFETY: within the claimed free run (checked by
                // `write_chunk`), unpublished, so only this producer
                // touches it; `written` counts it at once, so a panic in
                // `f` drops exactly the values written.
                unsafe { slot.write(value) };
                self.written += 1;
            }
        }
    }

    /// Publishes the written values (in order) and returns how many.
    ///
    /// One `Release` store of a stamp per value, in position order (the
    /// consumer's one-load run sizing relies on the order), walked as
    /// contiguous runs like [`fill_with`](Self::fill_with).
    #[inline]
    pub fn commit(mut self) -> usize {
        let n = std::mem::take(&mut self.written);
        let producer = &mut *self.producer;
        let mut pos = producer.tail;
        let mut left = n;
        while left > 0 {
            // SAFETY: `producer.shared` keeps the range alive.
            let run = unsafe { producer.slots.run(pos, left) };
            for slot in run {
                slot.stamp.store(full(pos), Ordering::Release);
                pos = pos.wrapping_add(1);
            }
            left -= run.len();
        }
        producer.tail = pos;
        producer.ring();
        n
    }
}

impl<T> Drop for WriteChunk<'_, T> {
    fn drop(&mut self) {
        for i in 0..self.written {
            let pos = self.producer.tail.wrapping_add(i);
            // SAFETY: written by `push`, never published.
            unsafe { self.producer.slot(pos).drop_value() };
        }
    }
}

/// A run of ready messages, read in place; see the [module doc](super).
/// Dropping it (or [`release`](Self::release)) consumes them all.
pub struct ReadChunk<'a, T> {
    pub(super) consumer: &'a mut Consumer<T>,
    pub(super) len: usize,
}

impl<T> fmt::Debug for ReadChunk<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("spsc::ReadChunk")
            .field("len", &self.len)
            .finish()
    }
}

impl<T> ReadChunk<'_, T> {
    /// Number of messages in the run.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the run is empty (never, as built by `read_chunk`).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The `i`-th message of the run, in place.
    pub fn get(&self, i: usize) -> Option<&T> {
        if i >= self.len {
            return None;
        }
        let pos = self.consumer.head.wrapping_add(i);
        // SAFETY: within the ready run (stamped full, Acquire in `ready`),
        // not released, so the producer cannot overwrite it.
        Some(unsafe { self.consumer.slot(pos).get() })
    }

    /// The messages of the run in order, in place.
    ///
    /// The run is walked as (at most two) contiguous slices of slots, so
    /// `for_each` / `fold` compile to plain pointer loops.
    #[inline]
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        let head = self.consumer.head;
        let slots = self.consumer.slots;
        // SAFETY: `self.consumer.shared` keeps the range alive.
        let first = unsafe { slots.run(head, self.len) };
        // SAFETY: as above; empty unless the run wraps.
        let rest = unsafe { slots.run(head.wrapping_add(first.len()), self.len - first.len()) };
        first.iter().chain(rest).map(|slot| {
            // SAFETY: as in `get`: within the ready run, not released.
            unsafe { slot.get() }
        })
    }

    /// Consumes the run: drops the messages and frees their slots.
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
        if std::mem::needs_drop::<T>() {
            for i in 0..self.len {
                let pos = self.consumer.head.wrapping_add(i);
                // SAFETY: ready and unreleased; dropped once, then released.
                unsafe { self.consumer.slot(pos).drop_value() };
            }
        }
        self.consumer.advance(self.len);
    }
}
