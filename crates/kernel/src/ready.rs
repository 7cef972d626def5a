//! The ready queue: 256 priority levels, FIFO within a level, O(1) select.
//!
//! Slots are linked through a preallocated `next` array, so pushing and
//! popping never allocate; a 256-bit bitmap marks the non-empty levels and
//! the highest one is found with `leading_zeros`. (This is the local queue
//! until `enso-sched`'s `ReadyQueue` is committed.)

const NONE: u32 = u32::MAX;

/// Ready task slots by priority (255 runs first).
pub(crate) struct ReadyQueue {
    head: [u32; 256],
    tail: [u32; 256],
    next: Vec<u32>,
    bits: [u64; 4],
    len: usize,
}

impl ReadyQueue {
    /// A queue for slots `0..slots`.
    pub(crate) fn new(slots: usize) -> ReadyQueue {
        ReadyQueue {
            head: [NONE; 256],
            tail: [NONE; 256],
            next: vec![NONE; slots],
            bits: [0; 4],
            len: 0,
        }
    }

    /// Appends `slot` at level `prio`. The caller ensures a slot is queued at most once.
    pub(crate) fn push(&mut self, slot: u32, prio: u8) {
        let p = usize::from(prio);
        self.next[slot as usize] = NONE;
        match self.tail[p] {
            NONE => self.head[p] = slot,
            t => self.next[t as usize] = slot,
        }
        self.tail[p] = slot;
        self.bits[p / 64] |= 1 << (p % 64);
        self.len += 1;
    }

    /// Removes the oldest slot of the highest non-empty level.
    pub(crate) fn pop(&mut self) -> Option<u32> {
        let p = self.highest()?;
        let s = self.head[p];
        self.head[p] = self.next[s as usize];
        if self.head[p] == NONE {
            self.tail[p] = NONE;
            self.bits[p / 64] &= !(1 << (p % 64));
        }
        self.len -= 1;
        Some(s)
    }

    fn highest(&self) -> Option<usize> {
        (0..4)
            .rev()
            .find(|&w| self.bits[w] != 0)
            .map(|w| w * 64 + 63 - self.bits[w].leading_zeros() as usize)
    }

    /// Number of queued slots.
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highest_priority_first_fifo_within() {
        let mut q = ReadyQueue::new(8);
        q.push(0, 3);
        q.push(1, 200);
        q.push(2, 3);
        q.push(3, 0);
        q.push(4, 255);
        let order: Vec<u32> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, vec![4, 1, 0, 2, 3]);
        assert_eq!(q.len(), 0);
    }
}
