//! `EdfQueue`: ready jobs ordered by absolute deadline (earliest first).
//!
//! An indexed binary min-heap over a preallocated slot array. The key is
//! `(deadline, sequence)` where the sequence number grows with every push,
//! so jobs with equal deadlines leave in FIFO order. `push`, `pop` and
//! `remove` are O(log n); `peek` and `earliest_deadline` are O(1). Nothing
//! allocates after construction. Handles carry a generation, so a handle
//! of a job that already left the queue is a [`StaleHandle`] error.

use crate::error::{CapacityError, Full, NIL, StaleHandle, check_capacity};

/// Names one job of an [`EdfQueue`] while it is queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EdfHandle {
    index: u32,
    generation: u32,
}

struct Slot<T> {
    value: Option<T>,
    deadline: u64,
    seq: u64,
    /// Position in `heap` while queued; next free slot while free.
    link: u32,
    generation: u32,
}

/// A deadline-ordered queue with FIFO tie-breaking.
///
/// ```
/// use enso_sched::EdfQueue;
/// let mut q = EdfQueue::with_capacity(4).unwrap();
/// q.push(30, 'a').unwrap();
/// q.push(10, 'b').unwrap();
/// q.push(30, 'c').unwrap();
/// assert_eq!(q.pop(), Some((10, 'b')));
/// assert_eq!(q.pop(), Some((30, 'a')));
/// assert_eq!(q.pop(), Some((30, 'c')));
/// ```
pub struct EdfQueue<T> {
    slots: Box<[Slot<T>]>,
    heap: Box<[u32]>,
    len: u32,
    free: u32,
    seq: u64,
}

impl<T> EdfQueue<T> {
    /// A queue that holds at most `capacity` jobs (`1..=MAX_CAPACITY`).
    pub fn with_capacity(capacity: usize) -> Result<Self, CapacityError> {
        let n = check_capacity(capacity)?;
        let slots = (0..n)
            .map(|i| Slot {
                value: None,
                deadline: 0,
                seq: 0,
                link: if i + 1 < n { i + 1 } else { NIL },
                generation: 0,
            })
            .collect();
        Ok(Self {
            slots,
            heap: vec![NIL; n as usize].into_boxed_slice(),
            len: 0,
            free: 0,
            seq: 0,
        })
    }

    /// Number of queued jobs.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The fixed capacity.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Queues `value` with absolute deadline `deadline`.
    pub fn push(&mut self, deadline: u64, value: T) -> Result<EdfHandle, Full<T>> {
        let index = self.free;
        if index == NIL {
            return Err(Full(value));
        }
        let pos = self.len;
        let slot = &mut self.slots[index as usize];
        self.free = slot.link;
        slot.value = Some(value);
        slot.deadline = deadline;
        slot.seq = self.seq;
        slot.link = pos;
        let generation = slot.generation;
        self.seq = self.seq.wrapping_add(1);
        self.heap[pos as usize] = index;
        self.len += 1;
        self.sift_up(pos);
        Ok(EdfHandle { index, generation })
    }

    /// The earliest absolute deadline queued.
    pub fn earliest_deadline(&self) -> Option<u64> {
        (self.len > 0).then(|| self.slots[self.heap[0] as usize].deadline)
    }

    /// The job with the earliest deadline, without removing it.
    pub fn peek(&self) -> Option<(u64, &T)> {
        if self.len == 0 {
            return None;
        }
        let s = &self.slots[self.heap[0] as usize];
        s.value.as_ref().map(|v| (s.deadline, v))
    }

    /// Removes and returns the job with the earliest deadline (oldest first on ties).
    pub fn pop(&mut self) -> Option<(u64, T)> {
        if self.len == 0 {
            return None;
        }
        Some(self.take_at(0))
    }

    /// Removes the job `handle` names.
    pub fn remove(&mut self, handle: EdfHandle) -> Result<(u64, T), StaleHandle> {
        match self.slots.get(handle.index as usize) {
            Some(s) if s.generation == handle.generation && s.value.is_some() => {
                let pos = s.link;
                Ok(self.take_at(pos))
            }
            _ => Err(StaleHandle),
        }
    }

    /// The deadline of a queued job, or `StaleHandle`.
    pub fn deadline_of(&self, handle: EdfHandle) -> Result<u64, StaleHandle> {
        match self.slots.get(handle.index as usize) {
            Some(s) if s.generation == handle.generation && s.value.is_some() => Ok(s.deadline),
            _ => Err(StaleHandle),
        }
    }

    fn take_at(&mut self, pos: u32) -> (u64, T) {
        let index = self.heap[pos as usize];
        let last = self.len - 1;
        self.len = last;
        if pos != last {
            let moved = self.heap[last as usize];
            self.place(pos, moved);
            self.sift_down(pos);
            self.sift_up(pos);
        }
        self.heap[last as usize] = NIL;
        let slot = &mut self.slots[index as usize];
        let deadline = slot.deadline;
        let value = slot.value.take();
        slot.generation = slot.generation.wrapping_add(1);
        slot.link = self.free;
        self.free = index;
        match value {
            Some(v) => (deadline, v),
            // A slot reachable from the heap always holds a value.
            None => unreachable!("queued EDF slot without a value"),
        }
    }

    fn key(&self, pos: u32) -> (u64, u64) {
        let s = &self.slots[self.heap[pos as usize] as usize];
        (s.deadline, s.seq)
    }

    fn place(&mut self, pos: u32, index: u32) {
        self.heap[pos as usize] = index;
        self.slots[index as usize].link = pos;
    }

    fn sift_up(&mut self, mut pos: u32) {
        while pos > 0 {
            let parent = (pos - 1) / 2;
            if self.key(pos) >= self.key(parent) {
                break;
            }
            self.swap(pos, parent);
            pos = parent;
        }
    }

    fn sift_down(&mut self, mut pos: u32) {
        loop {
            let left = 2 * pos + 1;
            if left >= self.len {
                break;
            }
            let right = left + 1;
            let child = if right < self.len && self.key(right) < self.key(left) {
                right
            } else {
                left
            };
            if self.key(child) >= self.key(pos) {
                break;
            }
            self.swap(pos, child);
            pos = child;
        }
    }

    fn swap(&mut self, a: u32, b: u32) {
        let ia = self.heap[a as usize];
        let ib = self.heap[b as usize];
        self.place(a, ib);
        self.place(b, ia);
    }
}

impl<T> core::fmt::Debug for EdfQueue<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EdfQueue")
            .field("len", &self.len)
            .field("capacity", &self.slots.len())
            .field("earliest_deadline", &self.earliest_deadline())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn remove_from_middle_and_stale() {
        let mut q = EdfQueue::with_capacity(4).unwrap();
        let _a = q.push(5, 'a').unwrap();
        let b = q.push(3, 'b').unwrap();
        let _c = q.push(9, 'c').unwrap();
        assert_eq!(q.deadline_of(b), Ok(3));
        assert_eq!(q.remove(b), Ok((3, 'b')));
        assert_eq!(q.remove(b), Err(StaleHandle));
        assert_eq!(q.pop(), Some((5, 'a')));
        assert_eq!(q.pop(), Some((9, 'c')));
        assert_eq!(q.pop(), None);
        let mut one = EdfQueue::with_capacity(1).unwrap();
        one.push(1, 1).unwrap();
        assert_eq!(one.push(0, 2), Err(Full(2)));
    }

    proptest! {
        /// Against a sorted reference: (deadline, push order) order, removes honoured.
        #[test]
        fn matches_sorted_reference(ops in proptest::collection::vec((0u8..4, 0u64..20), 1..200)) {
            let mut q = EdfQueue::with_capacity(16).unwrap();
            let mut model: Vec<(u64, u64, EdfHandle)> = Vec::new();
            let mut n = 0u64;
            for (op, d) in ops {
                match op {
                    0 | 1 => match q.push(d, n) {
                        Ok(h) => { model.push((d, n, h)); n += 1; }
                        Err(Full(v)) => { prop_assert_eq!(model.len(), 16); prop_assert_eq!(v, n); }
                    },
                    2 => {
                        model.sort_by_key(|&(d, s, _)| (d, s));
                        let want = if model.is_empty() { None } else { let (d, s, _) = model.remove(0); Some((d, s)) };
                        prop_assert_eq!(q.pop(), want);
                    }
                    _ => if !model.is_empty() {
                        let i = (d as usize) % model.len();
                        let (dd, s, h) = model.remove(i);
                        prop_assert_eq!(q.remove(h), Ok((dd, s)));
                        prop_assert_eq!(q.remove(h), Err(StaleHandle));
                    },
                }
                prop_assert_eq!(q.len(), model.len());
            }
        }
    }
}
