//! Slot storage shared by every driver: one cache-aligned allocation of
//! [`Slot`]s (a [`Region`]), viewed by a ring through a power-of-two
//! [`SlotRange`]. A region is allocated once, either by a ring for itself or
//! by a [`Sector`](crate::sector::Sector) for several rings.
//!
//! The stamp encoding is described in the crate doc (`# Stamps`).

use crate::sync::{Arc, AtomicUsize, UnsafeCell};
use std::alloc::{Layout, alloc, dealloc, handle_alloc_error};
use std::mem::MaybeUninit;
use std::ptr::NonNull;

/// Alignment of a region: 128 bytes, the prefetch pair of x86_64 lines.
const REGION_ALIGN: usize = 128;

/// Stamp of a slot that may take message `pos`.
#[inline(always)]
pub(crate) const fn free(pos: usize) -> usize {
    pos << 2
}

/// Stamp of a slot holding message `pos`.
#[inline(always)]
pub(crate) const fn full(pos: usize) -> usize {
    (pos << 2) | 1
}

/// Stamp of a claimed and abandoned position `pos`.
#[inline(always)]
#[allow(dead_code)] // used by the multi-producer drivers
pub(crate) const fn hole(pos: usize) -> usize {
    (pos << 2) | 3
}

/// Signed distance from the stamp `free(pos)` to `stamp`, in stamp units.
#[inline(always)]
pub(crate) const fn lap_distance(stamp: usize, pos: usize) -> isize {
    stamp.wrapping_sub(free(pos)) as isize
}

/// How many of the offsets `0..max` are published, for a ring whose single
/// writer stamps in position order, given `published(i)` (an `Acquire` load
/// of the stamp at offset `i`). One probe of `max - 1` when the whole run is
/// ready, else a binary search: at most `log2(max) + 1` loads, instead of one
/// per slot.
///
/// Sound under concurrent publishing: the answer `k` is only returned once
/// offset `k - 1` was seen published, and since stamps are stored in order
/// with `Release`, that `Acquire` observation also makes every value below
/// it visible. A slot seen unpublished may be published a moment later;
/// that only makes the answer shorter than it could be.
#[inline(always)]
pub(crate) fn published_prefix(max: usize, published: impl Fn(usize) -> bool) -> usize {
    if max == 0 {
        return 0;
    }
    if published(max - 1) {
        return max;
    }
    // Offsets below `lo` are known published; `hi` was seen unpublished.
    let (mut lo, mut hi) = (0, max - 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if published(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// One ring slot: the stamp and the value, side by side.
#[repr(C)]
pub(crate) struct Slot<T> {
    /// See the module doc for the encoding.
    pub(crate) stamp: AtomicUsize,
    /// Initialised exactly when the stamp says so (or always, for broadcast).
    pub(crate) value: UnsafeCell<MaybeUninit<T>>,
}

impl<T> Slot<T> {
    /// Writes `value` into the slot.
    ///
    /// # Safety
    /// The caller has exclusive access to the value (by the ring protocol)
    /// and the slot holds no live value that would leak.
    #[inline(always)]
    pub(crate) unsafe fn write(&self, value: T) {
        // SAFETY: exclusive access is the caller's contract.
        self.value.with_mut(|p| unsafe { (*p).write(value) });
    }

    /// Moves the value out of the slot.
    ///
    /// # Safety
    /// The slot holds an initialised value, the caller has exclusive access
    /// and treats the slot as empty afterwards.
    #[inline(always)]
    pub(crate) unsafe fn take(&self) -> T {
        // SAFETY: initialised and exclusive by the caller's contract.
        self.value.with(|p| unsafe { (*p).assume_init_read() })
    }

    /// Drops the value in place.
    ///
    /// # Safety
    /// As for [`Slot::take`].
    #[inline(always)]
    pub(crate) unsafe fn drop_value(&self) {
        // SAFETY: initialised and exclusive by the caller's contract.
        self.value.with_mut(|p| unsafe { (*p).assume_init_drop() });
    }

    /// A shared reference to the value.
    ///
    /// # Safety
    /// The value is initialised and nobody writes it while the reference lives.
    #[inline(always)]
    pub(crate) unsafe fn get(&self) -> &T {
        // SAFETY: initialised and not written concurrently (caller's contract).
        self.value.with(|p| unsafe { (*p).assume_init_ref() })
    }

    /// A mutable reference to the value.
    ///
    /// # Safety
    /// The value is initialised and the caller has exclusive access while the
    /// reference lives.
    #[inline(always)]
    #[allow(clippy::mut_from_ref, dead_code)]
    pub(crate) unsafe fn get_mut(&self) -> &mut T {
        // SAFETY: initialised and exclusive (caller's contract).
        self.value.with_mut(|p| unsafe { (*p).assume_init_mut() })
    }
}

/// One cache-aligned allocation of slots. Never drops slot values: the ring
/// that owns a range knows which slots are full and drops those.
pub(crate) struct Region<T> {
    ptr: NonNull<Slot<T>>,
    len: usize,
    layout: Layout,
}

// SAFETY: a region only hands out slots to rings, which move `T` between
// threads; that is sound when `T: Send`.
unsafe impl<T: Send> Send for Region<T> {}
// SAFETY: shared access goes through atomics and the ring protocols.
unsafe impl<T: Send> Sync for Region<T> {}

impl<T> Region<T> {
    /// Allocates `len` slots, every stamp 0 and every value uninitialised.
    /// `None` when the size overflows.
    pub(crate) fn new(len: usize) -> Option<Arc<Self>> {
        let layout = Layout::array::<Slot<T>>(len.max(1))
            .ok()?
            .align_to(REGION_ALIGN)
            .ok()?
            .pad_to_align();
        // SAFETY: the layout has non-zero size (a slot holds an atomic).
        let raw = unsafe { alloc(layout) }.cast::<Slot<T>>();
        let Some(ptr) = NonNull::new(raw) else {
            handle_alloc_error(layout)
        };
        for i in 0..len {
            let slot = Slot {
                stamp: AtomicUsize::new(0),
                value: UnsafeCell::new(MaybeUninit::uninit()),
            };
            // SAFETY: `i < len`, inside the fresh allocation.
            unsafe { ptr.as_ptr().add(i).write(slot) };
        }
        Some(Arc::new(Self { ptr, len, layout }))
    }

    /// Number of slots.
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

impl<T> Drop for Region<T> {
    fn drop(&mut self) {
        for i in 0..self.len {
            // SAFETY: every slot was written in `new`; values are the
            // rings' business and are not dropped here.
            unsafe { self.ptr.as_ptr().add(i).drop_in_place() };
        }
        // SAFETY: allocated in `new` with this layout.
        unsafe { dealloc(self.ptr.as_ptr().cast(), self.layout) };
    }
}

/// A power-of-two window of a region: the slots of one ring.
pub(crate) struct SlotRange<T> {
    /// Keeps the allocation alive; `base` points into it.
    #[allow(dead_code)]
    region: Arc<Region<T>>,
    base: NonNull<Slot<T>>,
    mask: usize,
}

// SAFETY: as for `Region`.
unsafe impl<T: Send> Send for SlotRange<T> {}
// SAFETY: as for `Region`.
unsafe impl<T: Send> Sync for SlotRange<T> {}

impl<T> SlotRange<T> {
    /// A fresh region of `capacity` slots, stamped for position 0.
    /// `capacity` must already be checked.
    pub(crate) fn alloc(capacity: usize) -> Option<Self> {
        let region = Region::new(capacity)?;
        Some(Self::carve(region, 0, capacity))
    }

    /// Slots `start..start + capacity` of `region`, stamped `free(i)` for
    /// local index `i`. The caller guarantees the window is in bounds,
    /// `capacity` is a power of two, and no other range overlaps it.
    pub(crate) fn carve(region: Arc<Region<T>>, start: usize, capacity: usize) -> Self {
        assert!(start + capacity <= region.len() && capacity.is_power_of_two());
        // SAFETY: `start` is within the allocation (asserted above).
        let base = unsafe { region.ptr.add(start) };
        let range = Self {
            region,
            base,
            mask: capacity - 1,
        };
        for i in 0..capacity {
            range
                .slot(i)
                .stamp
                .store(free(i), crate::sync::Ordering::Relaxed);
        }
        range
    }

    /// Number of slots.
    #[inline(always)]
    pub(crate) fn capacity(&self) -> usize {
        self.mask + 1
    }

    /// The slot of position `pos`.
    #[inline(always)]
    pub(crate) fn slot(&self, pos: usize) -> &Slot<T> {
        // SAFETY: `pos & mask < capacity`, inside the window, and the region
        // is kept alive by `self.region`.
        unsafe { &*self.base.as_ptr().add(pos & self.mask) }
    }

    /// A copyable view of the slots, for ring ends that keep the range
    /// alive (through their `Arc`) and want one less pointer hop per access.
    pub(crate) fn view(&self) -> SlotView<T> {
        SlotView {
            base: self.base,
            mask: self.mask,
        }
    }
}

/// Base pointer and mask of a [`SlotRange`], cached by a ring end.
pub(crate) struct SlotView<T> {
    base: NonNull<Slot<T>>,
    mask: usize,
}

impl<T> Clone for SlotView<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for SlotView<T> {}

impl<T> SlotView<T> {
    /// The slot of position `pos`.
    ///
    /// # Safety
    /// The range this view came from is still alive.
    #[inline(always)]
    pub(crate) unsafe fn slot<'a>(self, pos: usize) -> &'a Slot<T> {
        // SAFETY: `pos & mask` is inside the window; the range (and so the
        // region) is alive by the caller's contract.
        unsafe { &*self.base.as_ptr().add(pos & self.mask) }
    }

    /// The slots of positions `pos..pos + n` that precede the end of the
    /// window, as one slice: all `n` of them unless the run wraps, in which
    /// case the rest starts at slot 0 (call again with the next position).
    /// Lets batch loops walk slots by pointer, with no mask per slot.
    ///
    /// # Safety
    /// The range this view came from is still alive.
    #[inline(always)]
    pub(crate) unsafe fn run<'a>(self, pos: usize, n: usize) -> &'a [Slot<T>] {
        let start = pos & self.mask;
        let len = n.min(self.mask + 1 - start);
        // SAFETY: `start + len <= capacity`, inside the window, alive by the
        // caller's contract; slots are only shared (`&`), their cells and
        // stamps carry the mutability.
        unsafe { std::slice::from_raw_parts(self.base.as_ptr().add(start), len) }
    }
}
