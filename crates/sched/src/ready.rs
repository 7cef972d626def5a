//! `ReadyQueue`: the fixed-priority ready queue of one core.
//!
//! 256 priority levels (`0` lowest, `255` highest: a higher number is more
//! urgent), FIFO within a level. Each level is an intrusive doubly linked
//! list threaded through preallocated arrays, and a 256-bit bitmap (four
//! words plus a 4-bit summary) says which levels are non-empty, so `push`,
//! `pop` (highest first), `remove` and `change_priority` are O(1) with a
//! bit search or two and no loop over levels. The highest non-empty level
//! and its bitmap word are cached: `pop` takes the next level from the
//! cached word without a branch, and consults the rest of the bitmap only
//! when a whole word (64 levels) empties.
//!
//! # Layout (what `pop` touches)
//!
//! The links are split by who reads them. `pop` walks a level's list from
//! its head, so consecutive pops form a chain of dependent loads through
//! the `next` links: those live alone in a dense `u32` array (4 bytes per
//! entry: 256 KiB for 64 Ki entries, inside L2, where a slot of links,
//! value and generation together would be 32 bytes and spill out of it).
//! A pop reads the level's head, that entry's `next` (the same word then
//! takes the free list's link) and its value, and writes nothing else:
//! the `prev` links, the levels and the generations, which only `push`,
//! `remove` and `change_priority` use, live in arrays of their own. The
//! `prev` link of a level's head is not kept up to date (a pop would have
//! to write the next entry's line); the head is recognised by the level's
//! `head` instead.
//!
//! The capacity is fixed at construction; nothing allocates afterwards.
//! `push` returns a [`ReadyHandle`] (slot and generation) with which an
//! entry can be removed or moved to another level; once the entry leaves
//! the queue the handle is stale and every use of it is an error. The
//! generation of a slot advances when the slot is taken by `push`, so an
//! old handle never names the slot's next occupant. (Generations are 32
//! bits: a handle held across 2^32 reuses of one slot could alias.)

use crate::error::{CapacityError, Full, NIL, StaleHandle, check_capacity};

/// Level `l`'s bit in its bitmap word: bit `63 - l % 64`, reversed, so
/// that the highest level of a word is its lowest set bit, found by
/// `trailing_zeros` (`tzcnt`, which baseline x86_64 code may use, where
/// `leading_zeros` is a slower `bsr` unless `lzcnt` is enabled).
#[inline(always)]
const fn level_bit(l: usize) -> u64 {
    (1 << 63) >> (l % 64)
}

/// Number of priority levels.
pub const LEVELS: usize = 256;

/// Names one entry of a [`ReadyQueue`] while it is queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReadyHandle {
    index: u32,
    generation: u32,
}

/// What `remove` and `change_priority` need of an entry, and `pop` does not.
#[derive(Clone, Copy)]
struct Tag {
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
    /// Successor in the entry's level (or, for a free entry, the next
    /// free one). The chain `pop` walks: kept dense, nothing else in it.
    next: Box<[u32]>,
    /// The queued values (`None` when the entry is free).
    values: Box<[Option<T>]>,
    /// Predecessor in the entry's level; stale for a level's head.
    prev: Box<[u32]>,
    tags: Box<[Tag]>,
    /// `[head, tail]` of each level, side by side: one cache line access.
    ends: Box<[[u32; 2]; LEVELS]>,
    words: [u64; 4],
    /// A copy of the top level's bitmap word (`words[(top - 1) / 64]`; 0
    /// when empty), so that `pop` finds the next level without loading
    /// the word it stored in the previous pop.
    top_bits: u64,
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
        let next = (0..n)
            .map(|i| if i + 1 < n { i + 1 } else { NIL })
            .collect();
        let tag = Tag {
            generation: 0,
            level: 0,
        };
        Ok(Self {
            next,
            values: (0..n).map(|_| None).collect(),
            prev: vec![NIL; n as usize].into_boxed_slice(),
            tags: vec![tag; n as usize].into_boxed_slice(),
            ends: Box::new([[NIL; 2]; LEVELS]),
            words: [0; 4],
            top_bits: 0,
            summary: 0,
            top: 0,
            free: 0,
            len: 0,
        })
    }

    /// Number of queued entries.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is queued.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The fixed capacity.
    pub fn capacity(&self) -> usize {
        self.next.len()
    }

    /// Queues `value` at the tail of level `priority`.
    ///
    /// Fails with the value handed back when the queue is full.
    #[inline]
    pub fn push(&mut self, priority: u8, value: T) -> Result<ReadyHandle, Full<T>> {
        let index = self.free;
        let Some(free_next) = self.next.get(index as usize).copied() else {
            return Err(Full(value));
        };
        self.free = free_next;
        let i = index as usize;
        self.values[i] = Some(value);
        let tag = &mut self.tags[i];
        tag.generation = tag.generation.wrapping_add(1);
        let generation = tag.generation;
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
        let bit = 63 - self.words[word as usize & 3].trailing_zeros();
        word * 64 + bit + 1
    }

    /// The top level's whole bitmap word emptied: the next top is in a
    /// lower word, if any. Once per 64 levels, so out of `pop`'s line.
    #[cold]
    #[inline(always)]
    fn word_emptied(&mut self, word: usize) {
        self.summary &= !(1 << word);
        self.top = self.search_top();
        self.sync_top_bits();
    }

    /// Re-reads `top_bits` after `top` or the top's word changed.
    #[inline]
    fn sync_top_bits(&mut self) {
        self.top_bits = self.words[(self.top.wrapping_sub(1) / 64) as usize & 3];
    }

    /// The oldest entry of the highest non-empty level, without removing it.
    pub fn peek(&self) -> Option<(u8, &T)> {
        let level = self.highest_priority()?;
        let index = self.ends[level as usize][0];
        self.values
            .get(index as usize)?
            .as_ref()
            .map(|v| (level, v))
    }

    /// Removes and returns the oldest entry of the highest non-empty level.
    ///
    /// O(1): the cached top level's head, its `next` link, its value and
    /// one bitmap word; the summary only when a 64-level word empties.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<(u8, T)> {
        let level = self.highest_priority()?;
        let l = level as usize;
        let [index, tail] = self.ends[l];
        let i = index as usize;
        // A non-empty level's head is a queued entry: in bounds.
        let next = *self.next.get(i)?;
        self.next[i] = self.free;
        self.free = index;
        self.len -= 1;
        // Whether the level empties is a coin toss when levels hold an
        // entry or two, so it is not a branch (a mispredicted one costs
        // more than the whole pop), and what follows from it is computed
        // before it is known: level `l` is the lowest set bit of
        // `top_bits` (bits are reversed, see `level_bit`), so the word
        // without it and the top that leaves depend only on `top_bits`;
        // `emptied` then selects by mask. The next pop's level thus waits
        // on the `ends` load and one select, not on a bit search. Only a
        // word that empties (once per 64 levels) takes the search through
        // the summary.
        let emptied = index == tail;
        self.ends[l] = [next, if emptied { NIL } else { tail }];
        let word = (l / 64) & 3;
        let top_bits = self.top_bits;
        let rest = top_bits & top_bits.wrapping_sub(1);
        let top_if_emptied = word as u32 * 64 + 64 - rest.trailing_zeros();
        let mask = u64::from(emptied).wrapping_neg();
        let bits = top_bits ^ ((top_bits ^ rest) & mask);
        self.words[word] = bits;
        self.top_bits = bits;
        self.top ^= (self.top ^ top_if_emptied) & mask as u32;
        if bits == 0 {
            self.word_emptied(word);
        }
        debug_assert_eq!(
            self.top_bits,
            self.words[(self.top.wrapping_sub(1) / 64) as usize & 3]
        );
        self.values[i].take().map(|v| (level, v))
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
        let i = handle.index as usize;
        match (self.tags.get(i), self.values.get(i)) {
            (Some(t), Some(Some(_))) if t.generation == handle.generation => Ok(t.level),
            _ => Err(StaleHandle),
        }
    }

    #[inline]
    fn link_tail(&mut self, index: u32, level: u8) {
        let l = level as usize;
        let i = index as usize;
        let tail = self.ends[l][1];
        self.tags[i].level = level;
        self.prev[i] = tail;
        self.next[i] = NIL;
        if tail == NIL {
            self.ends[l][0] = index;
            self.words[l / 64] |= level_bit(l);
            self.summary |= 1 << (l / 64);
            self.top = self.top.max(l as u32 + 1);
            self.sync_top_bits();
        } else {
            self.next[tail as usize] = index;
        }
        self.ends[l][1] = index;
    }

    /// Level `l` became empty: clear its bits and, if it was the top, find the new top.
    #[inline]
    fn clear_level(&mut self, l: usize) {
        let word = (l / 64) & 3;
        self.words[word] &= !level_bit(l);
        if self.words[word] == 0 {
            self.summary &= !(1 << word);
        }
        if self.top == l as u32 + 1 {
            self.top = self.search_top();
        }
        self.sync_top_bits();
    }

    /// Takes a queued entry out of its level's list (the head by the
    /// level's `head`, since a head's `prev` is not kept).
    fn unlink(&mut self, index: u32) {
        let i = index as usize;
        let (prev, next, l) = (self.prev[i], self.next[i], self.tags[i].level as usize);
        let is_head = self.ends[l][0] == index;
        if is_head {
            self.ends[l][0] = next;
        } else {
            self.next[prev as usize] = next;
        }
        if next == NIL {
            self.ends[l][1] = if is_head { NIL } else { prev };
        } else if !is_head {
            self.prev[next as usize] = prev;
        }
        if self.ends[l][0] == NIL {
            self.clear_level(l);
        }
    }

    fn release(&mut self, index: u32) -> Option<T> {
        let i = index as usize;
        let value = self.values[i].take();
        self.next[i] = self.free;
        self.free = index;
        self.len -= 1;
        value
    }
}

impl<T> core::fmt::Debug for ReadyQueue<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ReadyQueue")
            .field("len", &self.len)
            .field("capacity", &self.next.len())
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

    #[test]
    fn a_head_left_by_pop_unlinks_by_the_level_head_not_its_stale_prev() {
        let mut q = ReadyQueue::with_capacity(4).unwrap();
        q.push(7, 'a').unwrap();
        let b = q.push(7, 'b').unwrap();
        let c = q.push(7, 'c').unwrap();
        // `b` becomes the head; its `prev` still names `a`'s freed slot.
        assert_eq!(q.pop(), Some((7, 'a')));
        let d = q.push(7, 'd').unwrap(); // reuses `a`'s slot
        assert_eq!(q.remove(b), Ok((7, 'b')));
        q.change_priority(c, 7).unwrap(); // head and tail moves to the tail
        assert_eq!(q.remove(d), Ok((7, 'd')));
        assert_eq!(q.remove(c), Ok((7, 'c')));
        assert!(q.is_empty());
        assert_eq!(q.highest_priority(), None);
        assert_eq!(q.pop(), None);
    }
}
