//! `ReadyQueue`: the fixed-priority ready queue of one core.
//!
//! 256 priority levels (`0` lowest, `255` highest: a higher number is more
//! urgent), FIFO within a level. Each level is an intrusive doubly linked
//! list threaded through preallocated arrays, and a 256-bit bitmap (four
//! words plus a 4-bit summary) says which levels are non-empty, so `push`,
//! `pop` (highest first), `remove` and `change_priority` are O(1) with a
//! bit search or two and no loop over levels. The bitmap word that holds
//! the highest non-empty level (the *top word*) lives in its own field,
//! `top_bits`, and is the only copy of that word while it is on top: `pop`
//! derives the level from it with one `trailing_zeros`, clears the level's
//! bit there when the level empties (a select, not a branch), and neither
//! stores nor loads the word array; the rest of the bitmap is consulted
//! only when the whole top word (64 levels) empties. A second bitmap marks
//! the levels that hold exactly one entry (its top word in `top_singles`),
//! so `pop` knows whether it empties a level from registers: the next
//! pop's level does not wait for this pop's loads, only the bitmap update
//! for the pop after it does (one entry left when the next is the tail).
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

/// Where level `l`'s `[head, tail]` is kept in `ends`: levels are stored
/// in the bitmap's (reversed) order within each word of 64, so that
/// `pop` indexes `ends` straight from a bit number. Its own inverse.
#[inline(always)]
const fn end_slot(l: usize) -> usize {
    l ^ 63
}

/// The `ends` slot of the highest level of the word starting at level
/// `base` (a multiple of 64 below 256) whose bits are `bits` (non-zero):
/// its lowest set bit (see `level_bit`, `end_slot`). At most 255.
#[inline(always)]
fn top_slot(base: u32, bits: u64) -> usize {
    (base as usize & 0xc0) | bits.trailing_zeros() as usize
}

// `pop` makes a tail NIL by or-ing an all-ones mask into it.
const _: () = assert!(NIL == u32::MAX);

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
    /// `[head, tail]` of each level, side by side: one cache line access;
    /// level `l` at `end_slot(l)`.
    ends: Box<[[u32; 2]; LEVELS]>,
    /// Bitmap word `w` covers levels `64w..64w + 63` (bits reversed, see
    /// `level_bit`). The top word's entry is stale: `top_bits` holds it.
    words: [u64; 4],
    /// The bits of the top word, the only up-to-date copy; 0 exactly
    /// when the queue is empty.
    top_bits: u64,
    /// Bits as in `words`, set for the levels that hold exactly one
    /// entry. The top word's entry is stale: `top_singles` holds it.
    singles: [u64; 4],
    /// The single-entry bits of the top word, the only up-to-date copy:
    /// `pop` knows whether it empties the level from these, in a
    /// register, without waiting for the level's `[head, tail]` to load.
    top_singles: u64,
    /// The first level of the top word (`64 * w`, the highest word `w`
    /// with a non-empty level; any word when empty), kept pre-multiplied
    /// so that `pop` forms its level with one `or`.
    top_base: u32,
    /// Bit `w` is set when word `w` has a non-empty level.
    summary: u32,
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
            singles: [0; 4],
            top_singles: 0,
            top_base: 0,
            summary: 0,
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

    /// The highest non-empty level, if any. O(1): one bit search in the
    /// top word.
    #[inline]
    pub fn highest_priority(&self) -> Option<u8> {
        (self.top_bits != 0).then(|| end_slot(top_slot(self.top_base, self.top_bits)) as u8)
    }

    /// The whole top word emptied: the next top word is the highest other
    /// non-empty one (all others are lower), if any. Once per 64 levels
    /// emptied, so out of `pop`'s line.
    ///
    /// Returns the new top word's bits and single-entry bits, for the
    /// caller to store in `top_bits` and `top_singles` (so that `pop`
    /// stores them once, on both paths).
    #[cold]
    #[inline(never)]
    fn top_word_emptied(&mut self) -> (u64, u64) {
        let w = self.top_word();
        self.words[w] = 0;
        self.singles[w] = 0;
        self.summary &= !(1 << w);
        let top = (31u32.saturating_sub(self.summary.leading_zeros()) & 3) as usize;
        self.top_base = (top as u32) << 6;
        (self.words[top], self.singles[top])
    }

    /// The index of the top word.
    #[inline(always)]
    fn top_word(&self) -> usize {
        (self.top_base >> 6) as usize & 3
    }

    /// Sets level `l`'s bit (the level became non-empty).
    #[inline]
    fn set_level_bit(&mut self, l: usize) {
        let w = (l / 64) & 3;
        let bit = level_bit(l);
        self.summary |= 1 << w;
        let top = self.top_word();
        if w == top {
            self.top_bits |= bit;
        } else if w > top || self.top_bits == 0 {
            // A new top word (or the queue was empty): the old one's bits
            // go back to the array, the new one's come out of it.
            self.words[top] = self.top_bits;
            self.singles[top] = self.top_singles;
            self.top_base = (w as u32) << 6;
            self.top_bits = self.words[w] | bit;
            self.top_singles = self.singles[w];
        } else {
            self.words[w] |= bit;
        }
    }

    /// The up-to-date level bits and single-entry bits of word `w`: the
    /// top word's fields, or the arrays' entries for any other word.
    #[inline]
    fn word_mut(&mut self, w: usize) -> (&mut u64, &mut u64) {
        if w == self.top_word() {
            (&mut self.top_bits, &mut self.top_singles)
        } else {
            (&mut self.words[w], &mut self.singles[w])
        }
    }

    /// Sets (or clears) whether level `l` holds exactly one entry.
    #[inline]
    fn set_single(&mut self, l: usize, one: bool) {
        let (_, word) = self.word_mut((l / 64) & 3);
        if one {
            *word |= level_bit(l);
        } else {
            *word &= !level_bit(l);
        }
    }

    /// The oldest entry of the highest non-empty level, without removing it.
    pub fn peek(&self) -> Option<(u8, &T)> {
        let level = self.highest_priority()?;
        let index = self.ends[end_slot(level as usize)][0];
        self.values
            .get(index as usize)?
            .as_ref()
            .map(|v| (level, v))
    }

    /// Removes and returns the oldest entry of the highest non-empty level.
    ///
    /// O(1): the top level's `[head, tail]`, the head's `next` link and
    /// value, and the top word's two bitmaps (fields); the summary only
    /// when a 64-level word empties.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<(u8, T)> {
        let (top_bits, top_singles) = (self.top_bits, self.top_singles);
        if top_bits == 0 {
            return None;
        }
        let slot = top_slot(self.top_base, top_bits);
        let l = end_slot(slot);
        let [index, tail] = self.ends[slot];
        let i = index as usize;
        // A non-empty level's head is a queued entry: in bounds. Its value
        // is taken first, so that `top_bits`, stored last, stays in a
        // register for the next pop instead of being read back.
        let value = self.values.get_mut(i)?.take();
        // SAFETY: `next` and `values` both have `capacity` entries (built
        // together in `with_capacity`, never resized), and `i` indexes
        // `values`, checked just above.
        let link = unsafe { self.next.get_unchecked_mut(i) };
        let next = *link;
        *link = self.free;
        self.free = index;
        self.len -= 1;
        // Level `l` is the lowest set bit of `top_bits` (bits are
        // reversed, see `level_bit`). Whether it empties is a coin toss
        // when levels hold an entry or two, so it is not a branch (a
        // mispredicted one costs more than the whole pop) but a mask, and
        // it is read from `top_singles`, so the next pop's level is known
        // from registers, before this pop's `ends` load arrives. Whether
        // one entry is left (the next entry is the tail) updates
        // `top_singles` for later pops. Only a word that empties (once per
        // 64 levels) takes the search through the summary.
        let low = top_bits & top_bits.wrapping_neg();
        let emptied = top_singles & low;
        debug_assert_eq!(emptied != 0, index == tail);
        let mask = u64::from(emptied != 0).wrapping_neg();
        // NIL is all ones: the tail becomes NIL exactly when emptied.
        self.ends[slot] = [next, tail | mask as u32];
        // Never when emptied: `next` is NIL, `tail` the entry taken.
        let one_left = u64::from(next == tail).wrapping_neg() & low;
        let mut bits = top_bits ^ emptied;
        let mut singles = (top_singles & !low) | one_left;
        if bits == 0 {
            (bits, singles) = self.top_word_emptied();
        }
        self.top_bits = bits;
        self.top_singles = singles;
        value.map(|v| (l as u8, v))
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
        let (i, e) = (index as usize, end_slot(l));
        let tail = self.ends[e][1];
        self.tags[i].level = level;
        self.prev[i] = tail;
        self.next[i] = NIL;
        if tail == NIL {
            self.ends[e][0] = index;
            self.set_level_bit(l);
        } else {
            self.next[tail as usize] = index;
        }
        self.ends[e][1] = index;
        self.set_single(l, tail == NIL);
    }

    /// Level `l` became empty: clear its bit and, if its word empties,
    /// the word's summary bit (finding the next top word if it was on top).
    #[inline]
    fn clear_level(&mut self, l: usize) {
        let w = (l / 64) & 3;
        let (bits, _) = self.word_mut(w);
        *bits &= !level_bit(l);
        if *bits != 0 {
            return;
        }
        if w == self.top_word() {
            (self.top_bits, self.top_singles) = self.top_word_emptied();
        } else {
            self.summary &= !(1 << w);
        }
    }

    /// Takes a queued entry out of its level's list (the head by the
    /// level's `head`, since a head's `prev` is not kept).
    fn unlink(&mut self, index: u32) {
        let i = index as usize;
        let (prev, next, l) = (self.prev[i], self.next[i], self.tags[i].level as usize);
        let e = end_slot(l);
        let is_head = self.ends[e][0] == index;
        if is_head {
            self.ends[e][0] = next;
        } else {
            self.next[prev as usize] = next;
        }
        if next == NIL {
            self.ends[e][1] = if is_head { NIL } else { prev };
        } else if !is_head {
            self.prev[next as usize] = prev;
        }
        if self.ends[e][0] == NIL {
            self.clear_level(l);
        }
        let [head, tail] = self.ends[e];
        self.set_single(l, head != NIL && head == tail);
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
