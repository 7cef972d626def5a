//! Identifiers: cores, tasks, rings, counters and timers.
//!
//! A [`TaskId`] packs the kernel instance, the core, the slot in that core's
//! task table and the slot's generation into one `u64`, so it fits in a
//! waker's data word and travels in bus messages without allocation. A slot's
//! generation changes every time the slot is reused: an id kept after its task
//! ended is *stale* and every operation refuses it, it never reaches the new
//! occupant of the slot.

use std::fmt;

/// Index of a core in the topology (declaration order, BSP included).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CoreIndex(pub u8);

impl CoreIndex {
    /// The index as a `usize`, for table lookups.
    pub fn get(self) -> usize {
        usize::from(self.0)
    }
}

impl fmt::Display for CoreIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "core{}", self.0)
    }
}

/// Bits of the slot field in a [`TaskId`].
const SLOT_BITS: u32 = 24;
/// Largest slot a [`TaskId`] can address.
pub(crate) const MAX_SLOTS: usize = 1 << SLOT_BITS;
/// Bits of the generation field in a [`TaskId`].
const GEN_BITS: u32 = 24;
/// Mask of the generation field.
pub(crate) const GEN_MASK: u32 = (1 << GEN_BITS) - 1;

/// A task's identity: kernel instance, core, slot and generation.
///
/// Layout (high to low): generation (24 bits), kernel (8), core (8), slot (24).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TaskId(u64);

impl TaskId {
    /// Packs the four fields (the generation is taken modulo 2^24).
    pub(crate) fn new(kernel: u8, core: CoreIndex, slot: u32, generation: u32) -> TaskId {
        debug_assert!((slot as usize) < MAX_SLOTS);
        let g = u64::from(generation & GEN_MASK);
        TaskId((g << 40) | (u64::from(kernel) << 32) | (u64::from(core.0) << 24) | u64::from(slot))
    }
    /// The core that owns the task.
    pub fn core(self) -> CoreIndex {
        CoreIndex((self.0 >> 24) as u8)
    }
    /// The slot in the owning core's task table.
    pub fn slot(self) -> u32 {
        (self.0 & ((1 << SLOT_BITS) - 1)) as u32
    }
    /// The slot generation this id was issued for.
    pub fn generation(self) -> u32 {
        (self.0 >> 40) as u32
    }
    /// The kernel instance that issued this id.
    pub(crate) fn kernel(self) -> u8 {
        (self.0 >> 32) as u8
    }
    /// The packed form (for wakers and plain-data listings).
    pub fn to_bits(self) -> u64 {
        self.0
    }
    /// Rebuilds an id from [`TaskId::to_bits`]; a forged value is only ever
    /// refused as stale or unknown, never mistaken for another live task.
    pub fn from_bits(bits: u64) -> TaskId {
        TaskId(bits)
    }
}

impl fmt::Debug for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TaskId({}.{}#{})",
            self.core().0,
            self.slot(),
            self.generation()
        )
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "task {}.{}#{}",
            self.core().0,
            self.slot(),
            self.generation()
        )
    }
}

/// Index of a named ring in the kernel's ring registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RingId(pub u32);

/// Index of a named counter in the kernel's counter registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CounterId(pub u32);

/// A timer: core, slot in that core's timer table and generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimerId {
    /// The core whose wheel holds the timer.
    pub core: CoreIndex,
    /// The slot in that core's timer table.
    pub slot: u32,
    /// The slot generation (a cancelled or fired oneshot is stale).
    pub generation: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_id_packs_and_unpacks() {
        let id = TaskId::new(7, CoreIndex(3), 123_456, 0xAB_CDEF);
        assert_eq!(id.core(), CoreIndex(3));
        assert_eq!(id.slot(), 123_456);
        assert_eq!(id.generation(), 0xAB_CDEF);
        assert_eq!(id.kernel(), 7);
        assert_eq!(TaskId::from_bits(id.to_bits()), id);
    }

    #[test]
    fn generation_wraps_modulo_field() {
        let id = TaskId::new(0, CoreIndex(0), 1, GEN_MASK + 2);
        assert_eq!(id.generation(), 1);
    }
}
