//! Batches of the MPSC ring: claimed slots written in place, and runs of
//! ready messages read in place (see the parent module doc).

use super::*;

/// `n` claimed positions. [`push`](Self::push) writes in place;
/// [`commit`](Self::commit) publishes. Positions left unwritten (or all
/// of them, if the chunk is dropped without commit, after dropping the
/// values) become holes the consumer skips.
pub struct WriteChunk<'a, T> {
    pub(super) producer: &'a mut Producer<T>,
    pub(super) start: usize,
    pub(super) len: usize,
    pub(super) written: usize,
}

impl<T> fmt::Debug for WriteChunk<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::WriteChunk")
            .field("len", &self.len)
            .field("written", &self.written)
            .finish()
    }
}

impl<T> WriteChunk<'_, T> {
    /// Positions claimed.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was claimed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Writes `value` into the next claimed slot; gives it back when all
    /// are written.
    #[inline]
    pub fn push(&mut self, value: T) -> Result<(), T> {
        if self.written == self.len {
            return Err(value);
        }
        let pos = self.start.wrapping_add(self.written);
        // SAFETY: claimed by this chunk and free (checked by `claim`).
        unsafe { self.producer.shared.slots.slot(pos).write(value) };
        self.written += 1;
        Ok(())
    }

    /// Fills every remaining claimed slot with `f(index)`, walking the
    /// claimed positions as (at most two) contiguous runs of slots.
    #[inline]
    pub fn fill_with(&mut self, mut f: impl FnMut(usize) -> T) {
        let view = self.producer.shared.slots.view();
        while self.written < self.len {
            let pos = self.start.wrapping_add(self.written);
            // SAFETY: `self.producer.shared` keeps the range alive.
            let run = unsafe { view.run(pos, self.len - self.written) };
            for slot in run {
                let value = f(self.written);
                // SAFETY: claimed by this chunk and free (checked by
                // `claim`); `written` counts it at once, so a panic in `f`
                // drops exactly the values written.
                unsafe { slot.write(value) };
                self.written += 1;
            }
        }
    }

    /// Publishes the written values; returns how many.
    pub fn commit(mut self) -> usize {
        self.publish(true)
    }

    /// Stamps written positions `full` (or drops them when `keep` is
    /// false) and the rest `hole`.
    #[inline]
    fn publish(&mut self, keep: bool) -> usize {
        let written = std::mem::take(&mut self.written);
        let shared = &*self.producer.shared;
        if keep && written == self.len {
            // Every position written: one `Release` stamp store per slot,
            // walked as contiguous runs.
            let view = shared.slots.view();
            let mut pos = self.start;
            let mut left = written;
            while left > 0 {
                // SAFETY: `shared` keeps the range alive.
                let run = unsafe { view.run(pos, left) };
                for slot in run {
                    slot.stamp.store(full(pos), Ordering::Release);
                    pos = pos.wrapping_add(1);
                }
                left -= run.len();
            }
            self.len = 0;
            shared.ring();
            return written;
        }
        for i in 0..self.len {
            let pos = self.start.wrapping_add(i);
            let slot = shared.slots.slot(pos);
            if i < written && keep {
                slot.stamp.store(full(pos), Ordering::Release);
            } else {
                if i < written {
                    // SAFETY: written by `push`, not published.
                    unsafe { slot.drop_value() };
                }
                slot.stamp.store(hole(pos), Ordering::Release);
            }
        }
        self.len = 0;
        shared.ring();
        if keep { written } else { 0 }
    }
}

impl<T> Drop for WriteChunk<'_, T> {
    fn drop(&mut self) {
        if self.len != 0 {
            self.publish(false);
        }
    }
}

/// A run of ready messages, read in place; dropping it (or
/// [`release`](Self::release)) consumes them. Indexed; it may cross the end
/// of the buffer.
pub struct ReadChunk<'a, T> {
    pub(super) consumer: &'a mut Consumer<T>,
    pub(super) len: usize,
}

impl<T> fmt::Debug for ReadChunk<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::ReadChunk")
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
        let pos = self.consumer.head.wrapping_add(i);
        // SAFETY: stamped full (Acquire in `read_chunk`) and not freed yet.
        Some(unsafe { self.consumer.shared.slots.slot(pos).get() })
    }

    /// The messages in order, in place, walked as (at most two)
    /// contiguous runs of slots.
    #[inline]
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        let head = self.consumer.head;
        let view = self.consumer.shared.slots.view();
        // SAFETY: `self.consumer.shared` keeps the range alive.
        let first = unsafe { view.run(head, self.len) };
        // SAFETY: as above; empty unless the run wraps.
        let rest = unsafe { view.run(head.wrapping_add(first.len()), self.len - first.len()) };
        first.iter().chain(rest).map(|slot| {
            // SAFETY: as in `get`: stamped full and not freed yet.
            unsafe { slot.get() }
        })
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
        let consumer = &mut *self.consumer;
        if std::mem::needs_drop::<T>() {
            let view = consumer.shared.slots.view();
            let mut pos = consumer.head;
            let mut left = self.len;
            while left > 0 {
                // SAFETY: `consumer.shared` keeps the range alive.
                let run = unsafe { view.run(pos, left) };
                for slot in run {
                    // SAFETY: ready and not released; dropped once, then
                    // released below.
                    unsafe { slot.drop_value() };
                }
                pos = pos.wrapping_add(run.len());
                left -= run.len();
            }
        }
        // The whole run goes back to the producers with one store.
        consumer.head = consumer.head.wrapping_add(self.len);
        consumer.publish_head();
        consumer.shared.ring();
    }
}
