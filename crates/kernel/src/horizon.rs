//! Far timers: coarse buckets that feed the timer wheel a few entries per
//! turn, so the wheel never cascades a large slot at once.
//!
//! The `enso_sched` wheel re-places ("cascades") every timer of a
//! higher-level slot in the single `poll` that reaches the slot. With 1 ns
//! ticks, timers armed 50 to 150 ms ahead sit in level-4 slots of 16.8 ms:
//! 100k such timers put about 17k in one slot, and reaching it stalled the
//! core for 120 to 200 us (the ignored test `timer::tests::longest_fire_steps`
//! measures it: 214 us before this module, 14 us after), making every timer
//! due in that window late by as much.
//!
//! So a timer due more than [`AHEAD`] buckets from now waits here, in the
//! bucket of its deadline (`deadline >> SHIFT`, about 1 ms wide; a ring of
//! [`BUCKETS`] buckets, about 1 s). Each turn [`Horizon::feed`] moves at
//! most a budget of entries into the wheel, oldest bucket first, starting
//! `AHEAD` buckets before a bucket is due; the wheel then holds only the
//! next 1 to 3 ms, whose level-3 slots (262 us) cascade a few hundred
//! entries at most. Correctness never depends on the budget: every bucket
//! that has started (its first nanosecond is at or before `now`) is moved
//! completely before the wheel is polled, so a timer is never late because
//! it waited here. Timers beyond the ring (more than about 1 s ahead) go
//! straight into the wheel.
//!
//! Buckets are intrusive doubly linked lists threaded through arrays
//! indexed by timer slot: O(1) hold and remove, nothing allocated after
//! construction.
//!
//! Invariant: every held entry's bucket `b` satisfies
//! `frontier < b < frontier + BUCKETS` (so `b % BUCKETS` is unique among
//! held buckets); every bucket `<= frontier` is empty (moved or never
//! used), and a deadline in such a bucket goes straight into the wheel.

/// A bucket is `1 << SHIFT` ns wide (about 1.05 ms).
const SHIFT: u32 = 20;
/// Buckets in the ring (about 1.07 s of deadlines).
pub(crate) const BUCKETS: usize = 1024;
/// A bucket starts moving into the wheel this many buckets before it is due.
pub(crate) const AHEAD: u64 = 2;
/// No entry.
const NIL: u32 = u32::MAX;

/// The far-timer buckets of one core.
pub(crate) struct Horizon {
    heads: Vec<u32>,
    next: Vec<u32>,
    prev: Vec<u32>,
    /// Bucket (ring index) of each held slot.
    bucket: Vec<u32>,
    /// Every bucket at or below this one is empty (absolute bucket number).
    frontier: u64,
    len: usize,
}

impl Horizon {
    /// Buckets for a table of `slots` timers, starting at time `now` (ns).
    pub(crate) fn new(slots: usize, now: u64) -> Horizon {
        Horizon {
            heads: vec![NIL; BUCKETS],
            next: vec![NIL; slots],
            prev: vec![NIL; slots],
            bucket: vec![NIL; slots],
            frontier: now >> SHIFT,
            len: 0,
        }
    }

    /// Held timers.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Holds timer `slot` due at `deadline` if it is far enough ahead;
    /// `false`: it belongs in the wheel now.
    pub(crate) fn hold(&mut self, slot: u32, deadline: u64) -> bool {
        let b = deadline >> SHIFT;
        if b <= self.frontier.saturating_add(AHEAD) || b >= self.frontier + BUCKETS as u64 {
            return false;
        }
        let i = (b % BUCKETS as u64) as usize;
        let s = slot as usize;
        let head = self.heads[i];
        self.next[s] = head;
        self.prev[s] = NIL;
        if head != NIL {
            self.prev[head as usize] = slot;
        }
        self.heads[i] = slot;
        self.bucket[s] = i as u32;
        self.len += 1;
        true
    }

    /// Whether timer `slot` is held here.
    #[cfg(test)]
    pub(crate) fn holds(&self, slot: u32) -> bool {
        self.bucket.get(slot as usize).is_some_and(|&b| b != NIL)
    }

    /// Takes timer `slot` out of its bucket (no-op if not held).
    pub(crate) fn remove(&mut self, slot: u32) {
        let s = slot as usize;
        let b = self.bucket[s];
        if b == NIL {
            return;
        }
        let (p, n) = (self.prev[s], self.next[s]);
        if p == NIL {
            self.heads[b as usize] = n;
        } else {
            self.next[p as usize] = n;
        }
        if n != NIL {
            self.prev[n as usize] = p;
        }
        self.bucket[s] = NIL;
        self.len -= 1;
    }

    /// Moves held timers toward the wheel by calling `to_wheel(slot)`:
    /// every bucket that has started by `now` completely, then later
    /// buckets up to `AHEAD` ahead, at most `budget` timers in all.
    pub(crate) fn feed(&mut self, now: u64, budget: usize, mut to_wheel: impl FnMut(u32)) {
        let started = now >> SHIFT;
        let want = started + AHEAD;
        let mut left = budget;
        while self.frontier < want {
            if self.len == 0 {
                self.frontier = want;
                return;
            }
            let b = self.frontier + 1;
            let i = (b % BUCKETS as u64) as usize;
            loop {
                let slot = self.heads[i];
                if slot == NIL {
                    break;
                }
                if left == 0 && b > started {
                    return;
                }
                left = left.saturating_sub(1);
                self.remove(slot);
                to_wheel(slot);
            }
            self.frontier = b;
        }
    }

    /// The earliest time at which [`feed`](Self::feed) has something to
    /// move (a lower bound for a parked core's sleep); `None` when empty.
    pub(crate) fn next_feed(&self) -> Option<u64> {
        if self.len == 0 {
            return None;
        }
        let first = (1..BUCKETS as u64)
            .map(|k| self.frontier + k)
            .find(|b| self.heads[(b % BUCKETS as u64) as usize] != NIL)?;
        Some(first.saturating_sub(AHEAD) << SHIFT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1 << SHIFT;

    fn fed(h: &mut Horizon, now: u64, budget: usize) -> Vec<u32> {
        let mut v = Vec::new();
        h.feed(now, budget, |s| v.push(s));
        v
    }

    #[test]
    fn near_and_very_far_timers_go_straight_to_the_wheel() {
        let mut h = Horizon::new(4, 0);
        assert!(!h.hold(0, 2 * MS));
        assert!(h.hold(1, 3 * MS));
        assert!(!h.hold(2, BUCKETS as u64 * MS));
        assert_eq!(h.len(), 1);
    }

    #[test]
    fn started_buckets_move_whatever_the_budget() {
        let mut h = Horizon::new(8, 0);
        for s in 0..6 {
            assert!(h.hold(s, 10 * MS + u64::from(s)));
        }
        // Bucket 10 is wanted from 8 ms on; a budget of 2 moves two.
        assert!(fed(&mut h, 7 * MS, 2).is_empty());
        assert_eq!(fed(&mut h, 8 * MS, 2).len(), 2);
        assert_eq!(h.len(), 4);
        // Once bucket 10 has started, everything in it moves.
        assert_eq!(fed(&mut h, 10 * MS, 1).len(), 4);
        assert_eq!(h.len(), 0);
        assert!(!h.holds(0));
    }

    #[test]
    fn remove_unlinks_and_next_feed_is_a_lower_bound() {
        let mut h = Horizon::new(4, 0);
        assert!(h.hold(0, 20 * MS));
        assert!(h.hold(1, 20 * MS + 5));
        assert!(h.hold(2, 30 * MS));
        h.remove(1);
        assert!(!h.holds(1));
        assert_eq!(h.next_feed(), Some(18 * MS));
        assert_eq!(fed(&mut h, 19 * MS, 8), vec![0]);
        assert_eq!(h.next_feed(), Some(28 * MS));
        h.remove(2);
        assert_eq!(h.next_feed(), None);
    }
}
