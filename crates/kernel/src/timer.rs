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
//! cancel); this table adds what the kernel needs around it: the action of
//! each timer, its period, and ids with generations (a [`TimerId`] of a
//! fired oneshot or a cancelled timer is stale). Everything is preallocated
//! (`max_timers` slots); arming, firing and cancelling allocate nothing.

use enso_sched::{TimerHandle, TimerWheel};

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

/// The timer table of one core.
pub(crate) struct Timers {
    core: CoreIndex,
    slots: Vec<Slot>,
    free: Vec<u32>,
    /// Pending fires: (slot, generation).
    wheel: TimerWheel<(u32, u32)>,
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
        // One wheel entry per live slot: the wheel cannot be fuller than the table.
        let Ok(h) = self.wheel.insert(deadline, (slot, generation)) else {
            self.free.push(slot);
            return Err(TimerError::Full(self.core));
        };
        s.live = true;
        s.deadline = deadline;
        s.period = period;
        s.action = action;
        s.handle = Some(h);
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

    /// A lower bound on the next deadline (exact when near): a parked core
    /// sleeps until then.
    pub(crate) fn next_deadline(&mut self) -> Option<u64> {
        self.wheel.next_deadline()
    }

    /// Fires every timer due at `now`, up to `max` of them, calling `fire`
    /// for each in order; returns how many fired.
    pub(crate) fn fire_due(
        &mut self,
        now: u64,
        max: usize,
        mut fire: impl FnMut(TimerAction),
    ) -> usize {
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
                let h = self.wheel.insert(next, (slot, g)).ok();
                let s = &mut self.slots[slot as usize];
                s.deadline = next;
                s.handle = h;
                if h.is_none() {
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
    fn full_table_is_an_error() {
        let mut t = Timers::new(CoreIndex(3), 1).unwrap();
        t.arm(1, 0, word(0)).unwrap();
        assert_eq!(t.arm(1, 0, word(0)), Err(TimerError::Full(CoreIndex(3))));
    }
}
