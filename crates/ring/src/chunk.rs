//! The batch machinery every driver shares: a claimed run of slots written
//! in place ([`Claimed`]), a run of ready messages read in place
//! ([`Ready`]), and the in-order publication of a run ([`publish_run`]).
//!
//! A driver's public chunk types (`spsc::WriteChunk`, `mpsc::ReadChunk`,
//! `broadcast::SubChunk`, ...) hold their ring end (`&mut`, which keeps the
//! slots alive through its `Arc`) next to one of these, and add only what
//! their protocol does differently: which cursor a commit or a release
//! moves, and for MPSC the holes of unwritten positions. The
//! `read_chunk_api!` macro gives every read chunk the same indexed,
//! in-place API.
//!
//! Runs are walked as (at most two) contiguous slices of slots
//! ([`SlotView::run`]), so the loops are pointer walks with no mask per
//! slot, and a run crosses the end of the buffer transparently.

use crate::slots::{Slot, SlotView, full};
use crate::sync::Ordering;

/// Calls `f` on the slots of positions `start..start + n` in position
/// order, with each slot's position.
///
/// # Safety
/// The range `view` came from is alive for the call.
#[inline(always)]
unsafe fn for_each_slot<T>(
    view: SlotView<T>,
    start: usize,
    n: usize,
    mut f: impl FnMut(usize, &Slot<T>),
) {
    let mut pos = start;
    let mut left = n;
    while left > 0 {
        // SAFETY: alive by the caller's contract.
        let run = unsafe { view.run(pos, left) };
        for slot in run {
            f(pos, slot);
            pos = pos.wrapping_add(1);
        }
        left -= run.len();
    }
}

/// Publishes positions `start..start + n`: one `Release` store of
/// `full(p)` per slot, in position order. The order matters to readers
/// that size a run by its last stamp (`slots::published_prefix`): seeing
/// the last one full then proves every one before it is.
///
/// # Safety
/// The range `view` came from is alive, and the caller has written every
/// value of the run and owns its publication.
#[inline(always)]
pub(crate) unsafe fn publish_run<T>(view: SlotView<T>, start: usize, n: usize) {
    let publish_one = |pos, slot: &Slot<T>| slot.stamp.store(full(pos), Ordering::Release);
    // SAFETY: alive by the caller's contract.
    unsafe { for_each_slot(view, start, n, publish_one) };
}

/// Publishes positions `start..start + n` first position last: the stamps
/// of `start + 1..start + n` in order, then the stamp of `start`. A reader
/// that polls the stamp of its next position sees nothing of the run until
/// it sees all of it (the `Release` of the last store orders every earlier
/// one before it), so it never reads lines the writer is still stamping.
///
/// # Safety
/// As for [`publish_run`].
#[inline(always)]
pub(crate) unsafe fn publish_run_first_last<T>(view: SlotView<T>, start: usize, n: usize) {
    if n == 0 {
        return;
    }
    // SAFETY: the caller's contract.
    unsafe {
        publish_run(view, start.wrapping_add(1), n - 1);
        view.slot(start).stamp.store(full(start), Ordering::Release);
    }
}

/// The writer's half of a write chunk: positions `start..start + len`,
/// claimed free and unpublished, of which the first `written` hold values.
pub(crate) struct Claimed<T> {
    view: SlotView<T>,
    start: usize,
    len: usize,
    written: usize,
}

// SAFETY: only moves `T`s into slots the claim owns; sending it sends `T`s.
unsafe impl<T: Send> Send for Claimed<T> {}
// SAFETY: `&Claimed` gives access to nothing but counts.
unsafe impl<T: Sync> Sync for Claimed<T> {}

impl<T> Claimed<T> {
    /// A claim of `len` positions from `start`, none written yet.
    ///
    /// # Safety
    /// The range `view` came from outlives the claim, and positions
    /// `start..start + len` are free and written by nobody else until the
    /// claim is published or dropped (by the ring protocol).
    #[inline(always)]
    pub(crate) unsafe fn new(view: SlotView<T>, start: usize, len: usize) -> Self {
        Self {
            view,
            start,
            len,
            written: 0,
        }
    }

    /// Positions claimed.
    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// First position claimed.
    #[inline(always)]
    pub(crate) fn start(&self) -> usize {
        self.start
    }

    /// Values written so far.
    #[inline(always)]
    pub(crate) fn written(&self) -> usize {
        self.written
    }

    /// Writes `value` into the next claimed slot; gives it back when all
    /// are written.
    #[inline(always)]
    pub(crate) fn push(&mut self, value: T) -> Result<(), T> {
        if self.written == self.len {
            return Err(value);
        }
        let pos = self.start.wrapping_add(self.written);
        // SAFETY: alive and claimed (`new`'s contract); `pos` is claimed
        // and not written yet, so no value leaks.
        unsafe { self.view.slot(pos).write(value) };
        self.written += 1;
        Ok(())
    }

    /// Fills every remaining claimed slot with `f(index)`, as (at most two)
    /// contiguous runs of slots. `written` counts each value at once, so a
    /// panic in `f` leaves exactly the written values to drop.
    #[inline(always)]
    pub(crate) fn fill_with(&mut self, mut f: impl FnMut(usize) -> T) {
        while self.written < self.len {
            let pos = self.start.wrapping_add(self.written);
            // SAFETY: alive (`new`'s contract).
            let run = unsafe { self.view.run(pos, self.len - self.written) };
            for slot in run {
                let value = f(self.written);
                // SAFETY: claimed and not written yet (`new`'s contract).
                unsafe { slot.write(value) };
                self.written += 1;
            }
        }
    }

    /// Publishes the written values in position order and returns how
    /// many; the claim then holds nothing to drop.
    #[inline(always)]
    pub(crate) fn publish_written(&mut self) -> usize {
        let n = std::mem::take(&mut self.written);
        // SAFETY: alive and claimed; the first `n` are written.
        unsafe { publish_run(self.view, self.start, n) };
        n
    }

    /// As [`publish_written`](Self::publish_written), publishing the first
    /// position last ([`publish_run_first_last`]).
    #[inline(always)]
    pub(crate) fn publish_written_first_last(&mut self) -> usize {
        let n = std::mem::take(&mut self.written);
        // SAFETY: alive and claimed; the first `n` are written.
        unsafe { publish_run_first_last(self.view, self.start, n) };
        n
    }

    /// Drops the written values (never published); returns how many.
    pub(crate) fn drop_written(&mut self) -> usize {
        let n = std::mem::take(&mut self.written);
        let drop_one = |_, slot: &Slot<T>| {
            // SAFETY: written by this claim and never published, so
            // initialised and nobody else's.
            unsafe { slot.drop_value() }
        };
        // SAFETY: alive (`new`'s contract).
        unsafe { for_each_slot(self.view, self.start, n, drop_one) };
        n
    }

    /// The slot of claimed offset `i` (`i < len`).
    #[inline(always)]
    pub(crate) fn slot(&self, i: usize) -> &Slot<T> {
        debug_assert!(i < self.len);
        // SAFETY: alive (`new`'s contract).
        unsafe { self.view.slot(self.start.wrapping_add(i)) }
    }
}

/// The reader's half of a read chunk: positions `start..start + len`, all
/// published and held by this reader until it releases them.
pub(crate) struct Ready<T> {
    view: SlotView<T>,
    start: usize,
    len: usize,
}

// SAFETY: a run may be dropped (its values with it) on another thread only
// if `T: Send`.
unsafe impl<T: Send> Send for Ready<T> {}
// SAFETY: `&Ready` hands out `&T`, shareable across threads iff `T: Sync`.
unsafe impl<T: Sync> Sync for Ready<T> {}

impl<T> Ready<T> {
    /// A run of `len` ready messages from `start`.
    ///
    /// # Safety
    /// The range `view` came from outlives the run, and positions
    /// `start..start + len` hold published messages that nobody overwrites
    /// or takes until the reader releases them.
    #[inline(always)]
    pub(crate) unsafe fn new(view: SlotView<T>, start: usize, len: usize) -> Self {
        Self { view, start, len }
    }

    /// Number of messages.
    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// First position of the run.
    #[inline(always)]
    pub(crate) fn start(&self) -> usize {
        self.start
    }

    /// The `i`-th message, in place.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<&T> {
        if i >= self.len {
            return None;
        }
        // SAFETY: alive, published and held (`new`'s contract).
        Some(unsafe { self.view.slot(self.start.wrapping_add(i)).get() })
    }

    /// The messages in order, in place, walked as (at most two) contiguous
    /// slices of slots, so `for_each` / `fold` compile to pointer loops.
    #[inline]
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        // SAFETY: alive (`new`'s contract).
        let first = unsafe { self.view.run(self.start, self.len) };
        let next = self.start.wrapping_add(first.len());
        // SAFETY: as above; empty unless the run wraps.
        let rest = unsafe { self.view.run(next, self.len - first.len()) };
        first.iter().chain(rest).map(|slot| {
            // SAFETY: published and held (`new`'s contract).
            unsafe { slot.get() }
        })
    }

    /// Drops the messages in place (for rings whose readers consume them);
    /// the caller then frees the slots and never reads them again.
    ///
    /// # Safety
    /// The reader owns the values (they are moved out by nobody else), and
    /// treats them as gone afterwards.
    #[inline]
    pub(crate) unsafe fn drop_values(&self) {
        if !std::mem::needs_drop::<T>() {
            return;
        }
        let drop_one = |_, slot: &Slot<T>| {
            // SAFETY: published, held and owned (caller's contract),
            // dropped once.
            unsafe { slot.drop_value() }
        };
        // SAFETY: alive (`new`'s contract).
        unsafe { for_each_slot(self.view, self.start, self.len, drop_one) };
    }
}

/// The shared API of a read chunk type `$chunk<'a, T>` with a field
/// `run: Ready<T>`: `len`, `is_empty`, `get`, `iter`, `release`, `Index`
/// and `Debug`. What a release does is the chunk's own `Drop`.
macro_rules! read_chunk_api {
    ($chunk:ident, $name:literal) => {
        impl<T> $chunk<'_, T> {
            /// Number of messages in the run.
            #[inline]
            pub fn len(&self) -> usize {
                self.run.len()
            }

            /// Whether the run is empty (never, as built by `read_chunk`).
            #[inline]
            pub fn is_empty(&self) -> bool {
                self.run.len() == 0
            }

            /// The `i`-th message of the run, in place.
            #[inline]
            pub fn get(&self, i: usize) -> Option<&T> {
                self.run.get(i)
            }

            /// The messages of the run in order, in place.
            ///
            /// The run is walked as (at most two) contiguous slices of
            /// slots, so `for_each` / `fold` compile to plain pointer loops.
            #[inline]
            pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
                self.run.iter()
            }

            /// Consumes the run (as dropping it does).
            #[inline]
            pub fn release(self) {}
        }

        impl<T> std::ops::Index<usize> for $chunk<'_, T> {
            type Output = T;

            fn index(&self, i: usize) -> &T {
                match self.run.get(i) {
                    Some(v) => v,
                    None => panic!("index {i} out of a read chunk of {}", self.run.len()),
                }
            }
        }

        impl<T> std::fmt::Debug for $chunk<'_, T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct($name).field("len", &self.run.len()).finish()
            }
        }
    };
}

/// The shared API of a write chunk type `$chunk<'a, T>` with a field
/// `run: Claimed<T>`: `len`, `is_empty`, `written`, `push`, `fill_with`
/// and `Debug`. Commit and drop are the chunk's own.
macro_rules! write_chunk_api {
    ($chunk:ident, $name:literal) => {
        impl<T> $chunk<'_, T> {
            /// Slots claimed.
            #[inline]
            pub fn len(&self) -> usize {
                self.run.len()
            }

            /// Whether no slot was claimed.
            #[inline]
            pub fn is_empty(&self) -> bool {
                self.run.len() == 0
            }

            /// Values written so far.
            #[inline]
            pub fn written(&self) -> usize {
                self.run.written()
            }

            /// Writes `value` into the next claimed slot, in place; gives it
            /// back when every claimed slot is written.
            #[inline]
            pub fn push(&mut self, value: T) -> Result<(), T> {
                self.run.push(value)
            }

            /// Fills every remaining claimed slot with `f(index)`.
            ///
            /// Walks the claimed slots as (at most two) contiguous runs, so
            /// the loop is a pointer walk with no mask or bound check per
            /// value. If `f` panics, the values written so far are dropped
            /// with the chunk.
            #[inline]
            pub fn fill_with(&mut self, f: impl FnMut(usize) -> T) {
                self.run.fill_with(f)
            }
        }

        impl<T> std::fmt::Debug for $chunk<'_, T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct($name)
                    .field("len", &self.run.len())
                    .field("written", &self.run.written())
                    .finish()
            }
        }
    };
}

pub(crate) use {read_chunk_api, write_chunk_api};
