//! `TimerWheel`: a hierarchical hashed timer wheel for oneshot timers.
//!
//! # Time
//!
//! Time is an integer count of *ticks* (`u64`) chosen by the caller: the
//! kernel uses one tick per microsecond or per TSC-derived unit, and
//! converts durations to ticks rounding *up* ([`ticks_ceil`]), so a timer
//! never fires before the instant it was asked for. The wheel never reads
//! a clock: [`TimerWheel::poll`] and [`TimerWheel::advance`] are told `now`.
//!
//! **Resolution** is one tick: a deadline is a tick number, all timers of
//! one tick are due together. **Lateness**: a timer with deadline `d` is
//! returned by the first `poll(now)` with `now >= d`; the wheel adds no
//! delay of its own (higher levels cascade exactly, not to a coarser
//! slot), so the worst-case lateness is the rounding to ticks (< 1 tick)
//! plus the caller's polling interval. A deadline already in the past
//! when inserted fires at the next poll.
//!
//! # Structure
//!
//! Eleven levels of 64 slots (6 bits each, 66 bits: the whole `u64` range,
//! so no overflow list and no clamping). A timer is placed at the level of
//! the highest 6-bit digit in which its deadline differs from the wheel's
//! current tick, in the slot named by that digit; each level keeps a
//! 64-bit occupancy bitmap, so finding the next due slot is one rotate and
//! one `trailing_zeros` per level, never a walk over empty ticks. When a
//! slot of a higher level comes due, its timers are re-placed (cascaded)
//! relative to the slot's start, which puts each at a strictly lower
//! level; a timer cascades at most ten times in its life, O(1). A level-0
//! slot holds the timers of exactly one tick; when it is due, `poll`
//! returns them from its head, one per call.
//!
//! Slots are intrusive doubly linked lists threaded through preallocated
//! arrays, so insert and cancel are O(1) and nothing allocates after
//! construction; memory is fixed by the capacity: per timer 8 bytes of
//! links, 16 of deadline, generation and list, and `size_of::<T>()` (the
//! values are kept uninitialised while free, their liveness is the list
//! id in the metadata: an `Option<T>` would double a `u64` payload, and
//! with a million timers pending insert and cancel are bound by the bytes
//! they touch). The level of a deadline is a table lookup on
//! `leading_zeros(deadline ^ now)`: no division.
//! The links live in their own dense array because cascading a slot is a
//! walk down its list: a chain of dependent loads, faster through 8 MB
//! than through 40 MB for a million timers.
//!
//! # Order and exactly-once
//!
//! `poll(now)` returns due timers in non-decreasing deadline order (ticks
//! ascending; within one tick, insertion order is not guaranteed), each
//! exactly once: a fired or cancelled timer's slot gets a new generation,
//! so its [`TimerHandle`] goes stale and `cancel` reports [`StaleHandle`]
//! instead of touching the timer that reused the slot. (Generations are 32
//! bits: a handle held across 2^32 reuses of one slot could alias.)

use crate::error::{CapacityError, Full, NIL, StaleHandle, check_capacity};
use core::mem::MaybeUninit;

const LEVEL_BITS: u32 = 6;
const SLOTS: usize = 1 << LEVEL_BITS;
/// Number of levels: 11 x 6 bits cover every `u64` deadline.
pub const WHEEL_LEVELS: usize = 11;
const LISTS: usize = WHEEL_LEVELS * SLOTS;
/// List id of a free entry.
const FREE: u16 = u16::MAX;

/// The level of a timer by `leading_zeros((now ^ when) | 63)`: the index
/// of the highest 6-bit digit in which they differ, `(63 - lz) / 6`.
const LEVEL_OF_LEADING_ZEROS: [u8; 64] = {
    let mut table = [0u8; 64];
    let mut lz = 0;
    while lz < 64 {
        table[lz] = ((63 - lz) / LEVEL_BITS as usize) as u8;
        lz += 1;
    }
    table
};

/// Converts a duration in `unit`s (e.g. ns) to ticks of `tick` units,
/// rounding up so that a timer never fires early. `None` when `tick` is 0.
///
/// ```
/// assert_eq!(enso_sched::wheel::ticks_ceil(1_001, 1_000), Some(2));
/// assert_eq!(enso_sched::wheel::ticks_ceil(1_000, 1_000), Some(1));
/// ```
pub fn ticks_ceil(duration: u64, tick: u64) -> Option<u64> {
    if tick == 0 {
        return None;
    }
    Some(duration / tick + u64::from(!duration.is_multiple_of(tick)))
}

/// Names one pending timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimerHandle {
    index: u32,
    generation: u32,
}

/// A timer returned by `poll`: its deadline, its value and its (now stale) handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expired<T> {
    /// The handle the timer had while pending (stale from now on).
    pub handle: TimerHandle,
    /// The deadline it was inserted with, in ticks.
    pub deadline: u64,
    /// Its value.
    pub value: T,
}

/// The list links of an entry, kept apart from the rest so that walking a
/// slot (cascading, draining) streams through a dense array.
#[derive(Clone, Copy)]
struct Link {
    prev: u32,
    next: u32,
}

/// What else an entry needs besides its value.
#[derive(Clone, Copy)]
struct Meta {
    /// The deadline asked for. It is placed at `max(deadline, now)`: a
    /// deadline in the past lands in the current level-0 slot, which is
    /// due at once, so no separate placement key is kept.
    deadline: u64,
    generation: u32,
    /// The slot list it is linked into, or `FREE`.
    list: u16,
}

/// A hierarchical hashed timer wheel with a fixed capacity.
///
/// ```
/// use enso_sched::TimerWheel;
/// let mut w = TimerWheel::with_capacity(16).unwrap();
/// let a = w.insert(100, "a").unwrap();
/// let b = w.insert(5_000, "b").unwrap();
/// w.insert(70, "c").unwrap();
/// assert_eq!(w.cancel(a), Ok("a"));
/// assert!(w.cancel(a).is_err()); // stale: already cancelled
/// let fired: Vec<_> = w.advance(10_000).map(|e| (e.deadline, e.value)).collect();
/// assert_eq!(fired, vec![(70, "c"), (5_000, "b")]);
/// assert!(w.cancel(b).is_err()); // stale: already fired
/// ```
pub struct TimerWheel<T> {
    links: Box<[Link]>,
    meta: Box<[Meta]>,
    /// Initialised exactly while the entry's `meta.list` is not `FREE`.
    values: Box<[MaybeUninit<T>]>,
    heads: Box<[u32]>,
    tails: Box<[u32]>,
    occupied: [u64; WHEEL_LEVELS],
    elapsed: u64,
    /// No slot expires before this tick: at most the start of every
    /// occupied slot (`u64::MAX` when none is). Set exactly at the end of a
    /// `poll` that found nothing more due, lowered by `place`, so a `poll`
    /// with `now` below it returns at once without the level scan (the
    /// common case: a core polls its wheel every loop turn).
    quiet_until: u64,
    free: u32,
    len: usize,
}

/// The next slot to process: `(level, slot, tick at which it starts)`.
#[derive(Debug, Clone, Copy)]
struct Expiration {
    level: usize,
    slot: usize,
    deadline: u64,
}

impl<T> TimerWheel<T> {
    /// A wheel for at most `capacity` pending timers, starting at tick 0.
    pub fn with_capacity(capacity: usize) -> Result<Self, CapacityError> {
        Self::starting_at(capacity, 0)
    }

    /// A wheel for at most `capacity` pending timers, starting at tick `now`.
    pub fn starting_at(capacity: usize, now: u64) -> Result<Self, CapacityError> {
        let n = check_capacity(capacity)?;
        let links = (0..n)
            .map(|i| Link {
                prev: NIL,
                next: if i + 1 < n { i + 1 } else { NIL },
            })
            .collect();
        let meta = vec![
            Meta {
                deadline: 0,
                generation: 0,
                list: FREE,
            };
            n as usize
        ]
        .into_boxed_slice();
        let values = (0..n).map(|_| MaybeUninit::uninit()).collect();
        Ok(Self {
            links,
            meta,
            values,
            heads: vec![NIL; LISTS].into_boxed_slice(),
            tails: vec![NIL; LISTS].into_boxed_slice(),
            occupied: [0; WHEEL_LEVELS],
            elapsed: now,
            quiet_until: u64::MAX,
            free: 0,
            len: 0,
        })
    }

    /// Pending timers (including due ones not yet returned by `poll`).
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no timer is pending.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The fixed capacity.
    pub fn capacity(&self) -> usize {
        self.meta.len()
    }

    /// The wheel's current tick: the largest `now` it was polled with.
    pub fn now(&self) -> u64 {
        self.elapsed
    }

    /// Arms a timer for tick `deadline`. O(1).
    ///
    /// A deadline at or before the current tick fires at the next `poll`.
    /// Fails with the value handed back when all `capacity` timers are pending.
    #[inline]
    pub fn insert(&mut self, deadline: u64, value: T) -> Result<TimerHandle, Full<T>> {
        let index = self.free;
        let (Some(link), Some(slot)) = (
            self.links.get(index as usize),
            self.values.get_mut(index as usize),
        ) else {
            return Err(Full(value));
        };
        let i = index as usize;
        self.free = link.next;
        // The entry was free: nothing to drop in its place. It becomes
        // live (initialised) when `place` sets its list id below.
        slot.write(value);
        self.meta[i].deadline = deadline;
        let generation = self.meta[i].generation;
        self.place(index, deadline.max(self.elapsed));
        self.len += 1;
        Ok(TimerHandle { index, generation })
    }

    /// Disarms a pending timer and returns its value. O(1).
    ///
    /// A handle whose timer already fired or was cancelled is `StaleHandle`.
    #[inline]
    pub fn cancel(&mut self, handle: TimerHandle) -> Result<T, StaleHandle> {
        let list = self.live_list(handle)?;
        self.unlink_from(handle.index, list);
        self.release(handle.index).ok_or(StaleHandle)
    }

    /// The deadline of a pending timer.
    pub fn deadline_of(&self, handle: TimerHandle) -> Result<u64, StaleHandle> {
        self.live_list(handle)
            .map(|_| self.meta[handle.index as usize].deadline)
    }

    /// A lower bound on the tick at which the next timer is due: no `poll`
    /// before it returns anything. Exact for timers within 64 ticks of
    /// `now()`, the start of their slot otherwise. `None` when empty.
    /// A parked core sleeps until this tick.
    pub fn next_deadline(&self) -> Option<u64> {
        self.next_expiration().map(|e| e.deadline)
    }

    /// Returns the next timer due at or before `now`, or `None` once every
    /// due timer has been returned. Deadline order, each timer exactly once.
    ///
    /// Amortised O(1) per timer; `now` earlier than `self.now()` is treated
    /// as `self.now()` (time never goes back).
    pub fn poll(&mut self, now: u64) -> Option<Expired<T>> {
        let now = now.max(self.elapsed);
        if now < self.quiet_until {
            // Nothing expires before `quiet_until`: the scan below would
            // find no slot at or before `now` and only move `elapsed`.
            self.elapsed = now;
            return None;
        }
        loop {
            match self.next_expiration() {
                Some(exp) if exp.deadline <= now => {
                    self.elapsed = self.elapsed.max(exp.deadline);
                    if exp.level == 0 {
                        // A level-0 slot holds the timers of exactly one
                        // tick: return them from its head, one per call.
                        return self.expire(exp.slot);
                    }
                    self.cascade(exp);
                }
                next => {
                    self.elapsed = self.elapsed.max(now);
                    // Every occupied slot starts at or after `next`'s.
                    self.quiet_until = next.map_or(u64::MAX, |e| e.deadline);
                    return None;
                }
            }
        }
    }

    /// An iterator over every timer due at or before `now`, in deadline
    /// order. Dropping it early leaves the rest for the next poll.
    pub fn advance(&mut self, now: u64) -> Advance<'_, T> {
        Advance { wheel: self, now }
    }

    /// The list a pending timer is linked into, or `StaleHandle`.
    #[inline]
    fn live_list(&self, handle: TimerHandle) -> Result<usize, StaleHandle> {
        match self.meta.get(handle.index as usize) {
            Some(m) if m.generation == handle.generation && m.list != FREE => Ok(m.list as usize),
            _ => Err(StaleHandle),
        }
    }

    /// Removes and returns the head of level-0 slot `slot`.
    fn expire(&mut self, slot: usize) -> Option<Expired<T>> {
        let index = self.heads[slot];
        let m = self.meta[index as usize];
        self.unlink(index);
        let value = self.release(index)?;
        Some(Expired {
            handle: TimerHandle {
                index,
                generation: m.generation,
            },
            deadline: m.deadline,
            value,
        })
    }

    /// Re-places every timer of a higher-level slot relative to its start:
    /// each lands on a lower level.
    fn cascade(&mut self, exp: Expiration) {
        let list = exp.level * SLOTS + exp.slot;
        let mut index = self.heads[list];
        self.heads[list] = NIL;
        self.tails[list] = NIL;
        self.occupied[exp.level] &= !(1u64 << exp.slot);
        while index != NIL {
            let next = self.links[index as usize].next;
            let when = self.meta[index as usize].deadline.max(self.elapsed);
            self.place(index, when);
            index = next;
        }
    }

    fn next_expiration(&self) -> Option<Expiration> {
        (0..WHEEL_LEVELS).find_map(|level| self.level_expiration(level))
    }

    fn level_expiration(&self, level: usize) -> Option<Expiration> {
        let occupied = self.occupied[level];
        if occupied == 0 {
            return None;
        }
        let shift = LEVEL_BITS * level as u32;
        let now_slot = ((self.elapsed >> shift) & (SLOTS as u64 - 1)) as u32;
        let slot = (occupied.rotate_right(now_slot).trailing_zeros() + now_slot) as usize % SLOTS;
        // Computed in u128: the top level's range (2^66) exceeds u64.
        let level_range = 1u128 << (shift + LEVEL_BITS);
        let level_start = u128::from(self.elapsed) & !(level_range - 1);
        let deadline = level_start + ((slot as u128) << shift);
        // Placement keeps every occupied slot at or after the current one,
        // so `deadline` is at least `elapsed` and fits in u64.
        Some(Expiration {
            level,
            slot,
            deadline: u64::try_from(deadline).unwrap_or(u64::MAX),
        })
    }

    /// Links entry `index` at the tail of the slot for tick `when` (at or
    /// after `elapsed`): the level of the highest 6-bit digit in which
    /// `when` and `elapsed` differ.
    #[inline]
    fn place(&mut self, index: u32, when: u64) {
        let masked = (self.elapsed ^ when) | (SLOTS as u64 - 1);
        let level = LEVEL_OF_LEADING_ZEROS[(masked.leading_zeros() & 63) as usize] as usize;
        let shift = LEVEL_BITS * level as u32;
        let slot = ((when >> shift) & (SLOTS as u64 - 1)) as usize;
        let list = (level << LEVEL_BITS) | slot;
        // The slot starts at `when` with the digits below `level` cleared
        // (`when` and `elapsed` agree above it): what `level_expiration`
        // computes for it.
        self.quiet_until = self.quiet_until.min((when >> shift) << shift);
        let tail = self.tails[list];
        self.meta[index as usize].list = list as u16;
        self.links[index as usize] = Link {
            prev: tail,
            next: NIL,
        };
        if tail == NIL {
            self.heads[list] = index;
            self.occupied[level] |= 1u64 << slot;
        } else {
            self.links[tail as usize].next = index;
        }
        self.tails[list] = index;
    }

    fn unlink(&mut self, index: u32) {
        let list = self.meta[index as usize].list as usize;
        self.unlink_from(index, list);
    }

    /// Takes entry `index` out of slot list `list` (the one it is in).
    #[inline]
    fn unlink_from(&mut self, index: u32, list: usize) {
        let Link { prev, next } = self.links[index as usize];
        if prev == NIL {
            self.heads[list] = next;
        } else {
            self.links[prev as usize].next = next;
        }
        if next == NIL {
            self.tails[list] = prev;
        } else {
            self.links[next as usize].prev = prev;
        }
        if self.heads[list] == NIL {
            self.occupied[list / SLOTS] &= !(1u64 << (list % SLOTS));
        }
    }

    /// Frees a live, unlinked entry and moves its value out (`None` if it
    /// was not live).
    #[inline]
    fn release(&mut self, index: u32) -> Option<T> {
        let i = index as usize;
        let m = self.meta.get_mut(i)?;
        if m.list == FREE {
            return None;
        }
        m.generation = m.generation.wrapping_add(1);
        m.list = FREE;
        // SAFETY: the entry was live (its list was not FREE), so its value
        // was written by `insert` and not moved out since; marking it FREE
        // above means it is read (or dropped) no more.
        let value = unsafe { self.values.get(i)?.assume_init_read() };
        self.links[i] = Link {
            prev: NIL,
            next: self.free,
        };
        self.free = index;
        self.len -= 1;
        Some(value)
    }
}

impl<T> Drop for TimerWheel<T> {
    fn drop(&mut self) {
        if !core::mem::needs_drop::<T>() {
            return;
        }
        for (meta, value) in self.meta.iter().zip(self.values.iter_mut()) {
            if meta.list != FREE {
                // SAFETY: a live entry's value is initialised (see `values`),
                // and the wheel is going away: nothing reads it after this.
                unsafe { value.assume_init_drop() };
            }
        }
    }
}

impl<T> core::fmt::Debug for TimerWheel<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TimerWheel")
            .field("now", &self.elapsed)
            .field("len", &self.len)
            .field("capacity", &self.meta.len())
            .finish()
    }
}

/// Iterator returned by [`TimerWheel::advance`].
pub struct Advance<'a, T> {
    wheel: &'a mut TimerWheel<T>,
    now: u64,
}

impl<T> Iterator for Advance<'_, T> {
    type Item = Expired<T>;

    fn next(&mut self) -> Option<Expired<T>> {
        self.wheel.poll(self.now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cascades_across_levels_in_order() {
        let mut w = TimerWheel::with_capacity(64).unwrap();
        let deadlines = [
            1u64,
            63,
            64,
            65,
            4095,
            4096,
            1 << 20,
            (1 << 36) + 7,
            u64::MAX - 1,
            u64::MAX,
        ];
        for (i, &d) in deadlines.iter().enumerate().rev() {
            w.insert(d, i).unwrap();
        }
        let fired: Vec<u64> = w.advance(u64::MAX).map(|e| e.deadline).collect();
        assert_eq!(fired, deadlines);
        assert!(w.is_empty());
        assert_eq!(w.now(), u64::MAX);
    }

    /// A poll that found nothing due remembers when the next slot starts;
    /// a timer inserted before that must still fire on time, and in order.
    #[test]
    fn earlier_insert_after_a_quiet_poll_fires_on_time() {
        let mut w = TimerWheel::with_capacity(4).unwrap();
        w.insert(1_000, "late").unwrap();
        assert!(w.poll(10).is_none()); // next slot: level 1, from 960
        w.insert(20, "soon").unwrap();
        w.insert(970, "mid").unwrap();
        assert!(w.poll(19).is_none());
        assert_eq!(w.poll(25).map(|e| e.value), Some("soon"));
        assert!(w.poll(969).is_none());
        let rest: Vec<_> = w.advance(1_000).map(|e| (e.deadline, e.value)).collect();
        assert_eq!(rest, [(970, "mid"), (1_000, "late")]);

        // The bound is the slot's start, not the deadline: a quiet poll must
        // not carry `elapsed` into a slot it has not cascaded, or a timer
        // placed later at a lower level would fire first.
        let mut w = TimerWheel::with_capacity(4).unwrap();
        w.insert(100, "a").unwrap(); // level 1, slot from 64
        assert!(w.poll(99).is_none()); // cascades the slot from 64
        w.insert(110, "b").unwrap();
        let fired: Vec<_> = w.advance(120).map(|e| (e.deadline, e.value)).collect();
        assert_eq!(fired, [(100, "a"), (110, "b")]);
    }

    #[test]
    fn past_deadlines_fire_at_next_poll_and_nothing_early() {
        let mut w = TimerWheel::starting_at(4, 1000).unwrap();
        w.insert(5, 'p').unwrap();
        w.insert(1001, 'n').unwrap();
        assert_eq!(w.next_deadline(), Some(1000));
        assert_eq!(w.poll(1000).map(|e| e.value), Some('p'));
        assert_eq!(w.poll(1000), None);
        assert_eq!(w.next_deadline(), Some(1001));
        assert_eq!(w.poll(1001).map(|e| e.value), Some('n'));
        // Time never goes back: an earlier `now` is the current tick.
        w.insert(3, 'o').unwrap();
        assert_eq!(w.poll(0).map(|e| e.value), Some('o'));
    }

    #[test]
    fn every_value_is_dropped_exactly_once() {
        use std::rc::Rc;
        let token = Rc::new(());
        let mut w = TimerWheel::with_capacity(8).unwrap();
        let handles: Vec<_> = (0..8u64)
            .map(|d| w.insert(d * 100, Rc::clone(&token)).unwrap())
            .collect();
        assert_eq!(Rc::strong_count(&token), 9);
        drop(w.cancel(handles[3]).unwrap()); // cancelled
        assert_eq!(w.advance(250).count(), 3); // fired (0, 100, 200), dropped by the caller
        assert!(w.cancel(handles[3]).is_err());
        assert_eq!(Rc::strong_count(&token), 5);
        let again = w.insert(1, Rc::clone(&token)).unwrap(); // reuses a freed slot
        assert_eq!(w.len(), 5);
        drop(w); // 4 still pending plus `again`
        assert_eq!(Rc::strong_count(&token), 1);
        let _ = again;
    }

    #[test]
    fn level_table_is_the_highest_differing_digit() {
        for (lz, &level) in LEVEL_OF_LEADING_ZEROS.iter().enumerate() {
            assert_eq!(level as usize, (63 - lz) / 6);
        }
        assert_eq!(LEVEL_OF_LEADING_ZEROS[0], (WHEEL_LEVELS - 1) as u8);
    }

    #[test]
    fn full_and_capacity_errors() {
        let mut w = TimerWheel::with_capacity(1).unwrap();
        w.insert(1, 1).unwrap();
        assert_eq!(w.insert(2, 2), Err(Full(2)));
        assert!(TimerWheel::<u8>::with_capacity(0).is_err());
        assert_eq!(ticks_ceil(5, 0), None);
    }
}
