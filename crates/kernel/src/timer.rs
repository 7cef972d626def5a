//! A core's timers: oneshot and interval, waking a task or delivering mail.
//!
//! Time is integer nanoseconds since the kernel's boot (one wheel tick per
//! nanosecond, so no rounding is needed). A timer fires in the first loop
//! turn whose clock reads at or after its deadline: never early. Timers due
//! in the same turn fire in deadline order. Interval timers re-arm at
//! `deadline + period` (no drift); periods missed while the core was busy
//! are skipped and counted.
//!
//! Ordering is `enso_sched::TimerWheel` (hierarchical, O(1) insert and
//! cancel), fed by [`Horizon`]: timers due more than a few milliseconds
//! ahead wait in coarse buckets and enter the wheel a few per turn, so the
//! wheel never stalls the core cascading thousands of timers at once (see
//! `horizon`). This table adds what the kernel needs around it: the action of
//! each timer, its period, and ids with generations (a [`TimerId`] of a
//! fired oneshot or a cancelled timer is stale). Everything is preallocated
//! (`max_timers` slots); arming, firing and cancelling allocate nothing.

use enso_sched::{TimerHandle, TimerWheel};

use crate::horizon::Horizon;

use crate::bus::UserMsg;
use crate::ids::{CoreIndex, TaskId, TimerId};
use crate::stats::TimerInfo;

/// What a fire does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerAction {
    /// Wake a task.
    Wake(TaskId),
    /// Deliver a word to a task's mailbox.
    Send {
        /// The task.
        to: TaskId,
        /// The word.
        word: u64,
    },
    /// Deliver a user message to a task's mailbox.
    User {
        /// The task.
        to: TaskId,
        /// The message.
        msg: UserMsg,
    },
}

impl TimerAction {
    /// The task the fire goes to.
    pub fn task(&self) -> TaskId {
        match *self {
            TimerAction::Wake(t)
            | TimerAction::Send { to: t, .. }
            | TimerAction::User { to: t, .. } => t,
        }
    }
}

/// Why a timer operation was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerError {
    /// The core's timer table is full.
    Full(CoreIndex),
    /// The core does not run the timer reactor.
    NotATimerCore(CoreIndex),
    /// The timer has fired (oneshot) or was cancelled.
    Stale(TimerId),
}

impl std::fmt::Display for TimerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TimerError::Full(c) => write!(f, "timer: {c} timer table full"),
            TimerError::NotATimerCore(c) => write!(f, "timer: {c} does not run the timers reactor"),
            TimerError::Stale(t) => write!(
                f,
                "timer {}.{}: stale (fired or cancelled)",
                t.core.0, t.slot
            ),
        }
    }
}

impl std::error::Error for TimerError {}

#[derive(Clone, Copy)]
struct Slot {
    generation: u32,
    live: bool,
    deadline: u64,
    period: u64,
    action: TimerAction,
    handle: Option<TimerHandle>,
}

/// Timers moved from the horizon into the wheel per turn, at most (beyond
/// those whose bucket has started, which all move): about 2 us of work.
const FEED_PER_TURN: usize = 32;

/// The timer table of one core.
pub(crate) struct Timers {
    core: CoreIndex,
    slots: Vec<Slot>,
    free: Vec<u32>,
    /// Pending fires: (slot, generation).
    wheel: TimerWheel<(u32, u32)>,
    /// Timers due later than the next few milliseconds.
    horizon: Horizon,
    live: usize,
    /// Interval periods skipped because the core was late.
    pub(crate) skipped: u64,
}

impl Timers {
    /// A table of `n` timers for `core` (`n` within the wheel's capacity,
    /// checked by the topology).
    pub(crate) fn new(core: CoreIndex, n: usize) -> Result<Timers, enso_sched::CapacityError> {
        let blank = Slot {
            generation: 0,
            live: false,
            deadline: 0,
            period: 0,
            action: TimerAction::Wake(TaskId::from_bits(0)),
            handle: None,
        };
        Ok(Timers {
            core,
            slots: vec![blank; n],
            free: (0..n as u32).rev().collect(),
            wheel: TimerWheel::with_capacity(n)?,
            horizon: Horizon::new(n, 0),
            live: 0,
            skipped: 0,
        })
    }

    /// Arms a timer first due at `deadline` (ns since boot), repeating every
    /// `period` ns if `period > 0`.
    pub(crate) fn arm(
        &mut self,
        deadline: u64,
        period: u64,
        action: TimerAction,
    ) -> Result<TimerId, TimerError> {
        let slot = self.free.pop().ok_or(TimerError::Full(self.core))?;
        let s = &mut self.slots[slot as usize];
        let generation = s.generation;
        s.live = true;
        s.deadline = deadline;
        s.period = period;
        s.action = action;
        s.handle = None;
        if !self.place(slot) {
            let s = &mut self.slots[slot as usize];
            s.live = false;
            self.free.push(slot);
            return Err(TimerError::Full(self.core));
        }
        self.live += 1;
        Ok(TimerId {
            core: self.core,
            slot,
            generation,
        })
    }

    /// Cancels a live timer.
    pub(crate) fn cancel(&mut self, id: TimerId) -> Result<(), TimerError> {
        let s = self
            .slots
            .get_mut(id.slot as usize)
            .ok_or(TimerError::Stale(id))?;
        if !s.live || s.generation != id.generation || id.core != self.core {
            return Err(TimerError::Stale(id));
        }
        if let Some(h) = s.handle.take() {
            // The slot is live, so its wheel entry is pending.
            let _ = self.wheel.cancel(h);
        }
        self.horizon.remove(id.slot);
        self.retire(id.slot);
        Ok(())
    }

    fn retire(&mut self, slot: u32) {
        let s = &mut self.slots[slot as usize];
        s.live = false;
        s.handle = None;
        s.generation = s.generation.wrapping_add(1);
        self.free.push(slot);
        self.live -= 1;
    }

    /// Puts live slot `slot` (its deadline set) in the horizon or the
    /// wheel; `false` if the wheel is full (cannot happen: one entry per
    /// live slot, and the wheel holds as many as the table).
    fn place(&mut self, slot: u32) -> bool {
        let s = &mut self.slots[slot as usize];
        if self.horizon.hold(slot, s.deadline) {
            return true;
        }
        match self.wheel.insert(s.deadline, (slot, s.generation)) {
            Ok(h) => {
                s.handle = Some(h);
                true
            }
            Err(_) => false,
        }
    }

    /// Moves timers from the horizon into the wheel (see `horizon`).
    fn feed(&mut self, now: u64) {
        if self.horizon.len() == 0 {
            return;
        }
        let Timers {
            horizon,
            wheel,
            slots,
            ..
        } = self;
        horizon.feed(now, FEED_PER_TURN, |slot| {
            let s = &mut slots[slot as usize];
            // Room is certain: the entry left the horizon, and the wheel
            // holds as many entries as the table has slots.
            s.handle = wheel.insert(s.deadline, (slot, s.generation)).ok();
        });
    }

    /// A lower bound on the next deadline (exact when near): a parked core
    /// sleeps until then.
    pub(crate) fn next_deadline(&mut self) -> Option<u64> {
        match (self.wheel.next_deadline(), self.horizon.next_feed()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Fires every timer due at `now`, up to `max` of them, calling `fire`
    /// for each in order; returns how many fired.
    pub(crate) fn fire_due(
        &mut self,
        now: u64,
        max: usize,
        mut fire: impl FnMut(TimerAction),
    ) -> usize {
        self.feed(now);
        let mut n = 0;
        while n < max {
            let Some(e) = self.wheel.poll(now) else { break };
            let (slot, g) = e.value;
            let s = self.slots[slot as usize];
            if !s.live || s.generation != g {
                continue;
            }
            if s.period == 0 {
                self.retire(slot);
            } else {
                let mut next = s.deadline + s.period;
                while next <= now {
                    next += s.period;
                    self.skipped += 1;
                }
                let s = &mut self.slots[slot as usize];
                s.deadline = next;
                s.handle = None;
                if !self.place(slot) {
                    // Cannot happen (the entry that fired freed its place);
                    // if it did, the timer ends rather than firing wrongly.
                    self.retire(slot);
                }
            }
            fire(s.action);
            n += 1;
        }
        n
    }

    /// Live timers.
    #[cfg(test)]
    pub(crate) fn live(&self) -> usize {
        self.live
    }

    /// Listing of the live timers.
    pub(crate) fn list(&self, out: &mut Vec<TimerInfo>) {
        for (i, s) in self.slots.iter().enumerate() {
            if s.live {
                out.push(TimerInfo {
                    core: self.core,
                    slot: i as u32,
                    deadline_ns: s.deadline,
                    period_ns: s.period,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(w: u64) -> TimerAction {
        TimerAction::Send {
            to: TaskId::from_bits(1),
            word: w,
        }
    }

    fn fired(t: &mut Timers, now: u64) -> Vec<u64> {
        let mut v = Vec::new();
        t.fire_due(now, usize::MAX, |a| {
            if let TimerAction::Send { word, .. } = a {
                v.push(word)
            }
        });
        v
    }

    #[test]
    fn fires_in_deadline_order_never_early() {
        let mut t = Timers::new(CoreIndex(0), 8).unwrap();
        t.arm(30, 0, word(3)).unwrap();
        t.arm(10, 0, word(1)).unwrap();
        t.arm(20, 0, word(2)).unwrap();
        t.arm(25, 0, word(22)).unwrap();
        assert!(fired(&mut t, 9).is_empty());
        assert_eq!(fired(&mut t, 25), vec![1, 2, 22]);
        assert_eq!(fired(&mut t, 29), Vec::<u64>::new());
        assert_eq!(fired(&mut t, 1000), vec![3]);
        assert_eq!(t.live(), 0);
    }

    #[test]
    fn cancel_and_stale_ids() {
        let mut t = Timers::new(CoreIndex(0), 2).unwrap();
        let a = t.arm(10, 0, word(1)).unwrap();
        t.cancel(a).unwrap();
        assert_eq!(t.cancel(a), Err(TimerError::Stale(a)));
        let b = t.arm(10, 0, word(2)).unwrap();
        assert_eq!(fired(&mut t, 10), vec![2]);
        assert_eq!(t.cancel(b), Err(TimerError::Stale(b)));
    }

    #[test]
    fn interval_rearms_without_drift_and_counts_skips() {
        let mut t = Timers::new(CoreIndex(0), 1).unwrap();
        t.arm(10, 10, word(7)).unwrap();
        assert_eq!(fired(&mut t, 10), vec![7]);
        assert_eq!(t.next_deadline(), Some(20));
        assert_eq!(fired(&mut t, 45), vec![7]);
        assert_eq!(t.next_deadline(), Some(50));
        assert_eq!(t.skipped, 2);
    }

    #[test]
    fn far_timers_fire_in_order_never_early_and_cancel() {
        const MS: u64 = 1_000_000;
        let n = 2000;
        let mut t = Timers::new(CoreIndex(0), n).unwrap();
        let mut want = Vec::new();
        let mut cancelled = None;
        for i in 0..n as u64 {
            // Deadlines from 1 ms to 2 s, in a scrambled order.
            let d = MS + (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 20) % (2000 * MS);
            let id = t.arm(d, 0, word(d)).unwrap();
            if i == 7 {
                cancelled = Some((id, d));
            } else {
                want.push(d);
            }
        }
        let (id, _) = cancelled.unwrap();
        t.cancel(id).unwrap();
        want.sort_unstable();
        let mut got = Vec::new();
        let mut now = 0;
        while now < 2100 * MS {
            // Uneven steps, some longer than a bucket.
            now += 1 + (now % 3) * MS / 2 + 7_919;
            for d in fired(&mut t, now) {
                assert!(d <= now, "timer due at {d} fired early at {now}");
                got.push(d);
            }
        }
        assert_eq!(got, want);
        assert_eq!(t.live(), 0);
    }

    /// The longest `fire_due` steps for the kernel-timer bench's pattern
    /// (100k timers due 50 + 0..100 ms ahead, the clock stepping by 1 us).
    /// A measurement, not a check: `cargo test --release -p enso --lib
    /// longest_fire_steps -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement; run in release with --nocapture"]
    fn longest_fire_steps() {
        let n = 100_000u64;
        // Per step the fastest of five runs: preemption is random, a
        // cascade is not.
        let mut best: Vec<u128> = Vec::new();
        for _ in 0..5 {
            let mut t = Timers::new(CoreIndex(0), n as usize).unwrap();
            for i in 0..n {
                let off = (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 20) % 100_000_000;
                t.arm(50_000_000 + off, 0, word(i)).unwrap();
            }
            let (mut step, mut fired) = (0, 0);
            while fired < n as usize {
                let t0 = std::time::Instant::now();
                fired += t.fire_due((step as u64 + 1) * 1_000, usize::MAX, |_| {});
                let ns = t0.elapsed().as_nanos();
                match best.get_mut(step) {
                    Some(b) => *b = (*b).min(ns),
                    None => best.push(ns),
                }
                step += 1;
            }
        }
        let mut steps: Vec<(u128, usize)> = best.into_iter().zip(1..).collect();
        steps.sort_unstable();
        for (ns, us) in steps.iter().rev().take(5) {
            println!("step at {us} us: {ns} ns");
        }
    }

    #[test]
    fn full_table_is_an_error() {
        let mut t = Timers::new(CoreIndex(3), 1).unwrap();
        t.arm(1, 0, word(0)).unwrap();
        assert_eq!(t.arm(1, 0, word(0)), Err(TimerError::Full(CoreIndex(3))));
    }
}
