//! `ReadyQueue`: the fixed-priority ready queue of one core.
//!
//! 256 priority levels (`0` lowest, `255` highest: a higher number is more
//! urgent), FIFO within a level. Each level is an intrusive doubly linked
//! list threaded through one preallocated slot array, and a 256-bit bitmap
//! (four words plus a 4-bit summary) says which levels are non-empty, so
//! `push`, `pop` (highest first), `remove` and `change_priority` are O(1)
//! with two `leading_zeros` and no loop over levels. The highest non-empty
//! level is cached: `pop` consults the bitmap only when it empties the top
//! level.
//!
//! The capacity is fixed at construction; nothing allocates afterwards.
//! `push` returns a [`ReadyHandle`] (slot and generation) with which an
//! entry can be removed or moved to another level; once the entry leaves
//! the queue the handle is stale and every use of it is an error.

use crate::error::{CapacityError, Full, NIL, StaleHandle, check_capacity};

/// Number of priority levels.
pub const LEVELS: usize = 256;

/// Names one entry of a [`ReadyQueue`] while it is queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReadyHandle {
    index: u32,
    generation: u32,
}

struct Slot<T> {
    value: Option<T>,
    prev: u32,
    next: u32,
    generation: u32,
    level: u8,
}

/// A 256-level priority ready queue with FIFO order within a level.
///
/// ```
/// use enso_sched::ReadyQueue;
/// let mut q = ReadyQueue::with_capacity(4).unwrap();
/// q.push(1, "low").unwrap();
/// q.push(200, "high").unwrap();
/// q.push(200, "high, later").unwrap();
/// assert_eq!(q.pop(), Some((200, "high")));
/// assert_eq!(q.pop(), Some((200, "high, later")));
/// assert_eq!(q.pop(), Some((1, "low")));
/// assert_eq!(q.pop(), None);
/// ```
pub struct ReadyQueue<T> {
    slots: Box<[Slot<T>]>,
    /// `[head, tail]` of each level, side by side: one cache line access.
    ends: Box<[[u32; 2]; LEVELS]>,
    words: [u64; 4],
    summary: u32,
    /// Highest non-empty level plus one (0: empty), kept so that `pop`
    /// does not search the bitmap unless it empties the top level.
    top: u32,
    free: u32,
    len: usize,
}

impl<T> ReadyQueue<T> {
    /// A queue that holds at most `capacity` entries (`1..=MAX_CAPACITY`).
    pub fn with_capacity(capacity: usize) -> Result<Self, CapacityError> {
        let n = check_capacity(capacity)?;
        let slots = (0..n)
            .map(|i| Slot {
                value: None,
                prev: NIL,
                next: if i + 1 < n { i + 1 } else { NIL },
                generation: 0,
                level: 0,
            })
            .collect();
        Ok(Self {
            slots,
            ends: Box::new([[NIL; 2]; LEVELS]),
            words: [0; 4],
            summary: 0,
            top: 0,
            free: 0,
            len: 0,
        })
    }

    /// Number of queued entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The fixed capacity.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Queues `value` at the tail of level `priority`.
    ///
    /// Fails with the value handed back when the queue is full.
    pub fn push(&mut self, priority: u8, value: T) -> Result<ReadyHandle, Full<T>> {
        let index = self.free;
        if index == NIL {
            return Err(Full(value));
        }
        let slot = &mut self.slots[index as usize];
        self.free = slot.next;
        slot.value = Some(value);
        let generation = slot.generation;
        self.link_tail(index, priority);
        self.len += 1;
        Ok(ReadyHandle { index, generation })
    }

    /// The highest non-empty level, if any. O(1): a cached value.
    #[inline]
    pub fn highest_priority(&self) -> Option<u8> {
        self.top.checked_sub(1).map(|l| l as u8)
    }

    /// The highest non-empty level by the bitmap, plus one (0: empty).
    #[inline]
    fn search_top(&self) -> u32 {
        if self.summary == 0 {
            return 0;
        }
        let word = 31 - self.summary.leading_zeros();
        let bit = 63 - self.words[word as usize].leading_zeros();
        word * 64 + bit + 1
    }

    /// The oldest entry of the highest non-empty level, without removing it.
    pub fn peek(&self) -> Option<(u8, &T)> {
        let level = self.highest_priority()?;
        let index = self.ends[level as usize][0];
        self.slots[index as usize]
            .value
            .as_ref()
            .map(|v| (level, v))
    }

    /// Removes and returns the oldest entry of the highest non-empty level.
    #[inline]
    pub fn pop(&mut self) -> Option<(u8, T)> {
        let level = self.highest_priority()?;
        let l = level as usize;
        let index = self.ends[l][0];
        let slot = &mut self.slots[index as usize];
        let next = slot.next;
        let value = slot.value.take();
        slot.generation = slot.generation.wrapping_add(1);
        slot.next = self.free;
        self.free = index;
        self.len -= 1;
        self.ends[l][0] = next;
        if next == NIL {
            self.ends[l][1] = NIL;
            self.clear_level(l);
        } else {
            self.slots[next as usize].prev = NIL;
        }
        value.map(|v| (level, v))
    }

    /// Removes the entry `handle` names, wherever it is in its level.
    pub fn remove(&mut self, handle: ReadyHandle) -> Result<(u8, T), StaleHandle> {
        let level = self.live_level(handle)?;
        self.unlink(handle.index);
        self.release(handle.index)
            .map(|v| (level, v))
            .ok_or(StaleHandle)
    }

    /// Moves a queued entry to the tail of level `priority`; its handle stays valid.
    pub fn change_priority(
        &mut self,
        handle: ReadyHandle,
        priority: u8,
    ) -> Result<(), StaleHandle> {
        self.live_level(handle)?;
        self.unlink(handle.index);
        self.link_tail(handle.index, priority);
        Ok(())
    }

    /// The level of a queued entry, or `StaleHandle`.
    pub fn priority_of(&self, handle: ReadyHandle) -> Result<u8, StaleHandle> {
        self.live_level(handle)
    }

    fn live_level(&self, handle: ReadyHandle) -> Result<u8, StaleHandle> {
        match self.slots.get(handle.index as usize) {
            Some(s) if s.generation == handle.generation && s.value.is_some() => Ok(s.level),
            _ => Err(StaleHandle),
        }
    }

    #[inline]
    fn link_tail(&mut self, index: u32, level: u8) {
        let l = level as usize;
        let tail = self.ends[l][1];
        {
            let slot = &mut self.slots[index as usize];
            slot.level = level;
            slot.prev = tail;
            slot.next = NIL;
        }
        if tail == NIL {
            self.ends[l][0] = index;
            self.words[l / 64] |= 1 << (l % 64);
            self.summary |= 1 << (l / 64);
            self.top = self.top.max(l as u32 + 1);
        } else {
            self.slots[tail as usize].next = index;
        }
        self.ends[l][1] = index;
    }

    /// Level `l` became empty: clear its bits and, if it was the top, find the new top.
    #[inline]
    fn clear_level(&mut self, l: usize) {
        self.words[l / 64] &= !(1 << (l % 64));
        if self.words[l / 64] == 0 {
            self.summary &= !(1 << (l / 64));
        }
        if self.top == l as u32 + 1 {
            self.top = self.search_top();
        }
    }

    fn unlink(&mut self, index: u32) {
        let (prev, next, l) = {
            let s = &self.slots[index as usize];
            (s.prev, s.next, s.level as usize)
        };
        if prev == NIL {
            self.ends[l][0] = next;
        } else {
            self.slots[prev as usize].next = next;
        }
        if next == NIL {
            self.ends[l][1] = prev;
        } else {
            self.slots[next as usize].prev = prev;
        }
        if self.ends[l][0] == NIL {
            self.clear_level(l);
        }
    }

    fn release(&mut self, index: u32) -> Option<T> {
        let slot = &mut self.slots[index as usize];
        let value = slot.value.take();
        slot.generation = slot.generation.wrapping_add(1);
        slot.prev = NIL;
        slot.next = self.free;
        self.free = index;
        self.len -= 1;
        value
    }
}

impl<T> core::fmt::Debug for ReadyQueue<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ReadyQueue")
            .field("len", &self.len)
            .field("capacity", &self.slots.len())
            .field("highest_priority", &self.highest_priority())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_within_level_and_highest_first_across_levels() {
        let mut q = ReadyQueue::with_capacity(8).unwrap();
        for (p, v) in [
            (3, 'a'),
            (0, 'b'),
            (255, 'c'),
            (3, 'd'),
            (64, 'e'),
            (63, 'f'),
        ] {
            q.push(p, v).unwrap();
        }
        let order: Vec<_> = core::iter::from_fn(|| q.pop()).collect();
        assert_eq!(
            order,
            vec![
                (255, 'c'),
                (64, 'e'),
                (63, 'f'),
                (3, 'a'),
                (3, 'd'),
                (0, 'b')
            ]
        );
    }

    #[test]
    fn full_hands_the_item_back() {
        let mut q = ReadyQueue::with_capacity(1).unwrap();
        q.push(1, 10).unwrap();
        assert_eq!(q.push(2, 20), Err(Full(20)));
        assert!(ReadyQueue::<u8>::with_capacity(0).is_err());
    }

    #[test]
    fn remove_and_stale_handles() {
        let mut q = ReadyQueue::with_capacity(3).unwrap();
        let a = q.push(5, 'a').unwrap();
        let b = q.push(5, 'b').unwrap();
        let c = q.push(5, 'c').unwrap();
        assert_eq!(q.remove(b), Ok((5, 'b')));
        assert_eq!(q.remove(b), Err(StaleHandle));
        // The freed slot is reused: the old handle must not reach the new entry.
        let d = q.push(5, 'd').unwrap();
        assert_ne!(b, d);
        assert_eq!(q.remove(b), Err(StaleHandle));
        q.change_priority(c, 9).unwrap();
        assert_eq!(q.priority_of(c), Ok(9));
        assert_eq!(q.pop(), Some((9, 'c')));
        assert_eq!(q.change_priority(c, 1), Err(StaleHandle));
        assert_eq!(q.pop(), Some((5, 'a')));
        assert_eq!(q.remove(a), Err(StaleHandle));
        assert_eq!(q.pop(), Some((5, 'd')));
        assert!(q.is_empty());
        assert_eq!(q.highest_priority(), None);
    }
}
