//! `IntervalTimers`: a fixed list of periodic timers (period, phase).
//!
//! Periodic releases of real-time tasks come from here: timer `k` fires at
//! `phase + n * period` for `n = 0, 1, 2, ...`. The list is small and fixed
//! at construction (one entry per periodic task of a core), so `poll`
//! scans it: O(entries) per release, no allocation. Every release is
//! returned exactly once and in time order (ties by list position), even
//! when the caller polls late: a release is never skipped silently; the
//! caller sees its nominal instant and can measure its lateness.
//! A release whose instant would overflow `u64` ends the timer.

use crate::error::{CapacityError, StaleHandle, check_capacity};
use core::fmt;

/// Names one interval timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IntervalId {
    index: u32,
    generation: u32,
}

/// Why an interval timer could not be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalError {
    /// A period of zero ticks.
    ZeroPeriod,
    /// Every entry of the fixed list is in use.
    Full,
}

impl fmt::Display for IntervalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntervalError::ZeroPeriod => {
                f.write_str("interval timer: period must be at least 1 tick")
            }
            IntervalError::Full => f.write_str("interval timer list is full"),
        }
    }
}

impl std::error::Error for IntervalError {}

/// One release returned by [`IntervalTimers::poll`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Release<'a, T> {
    /// The timer that released.
    pub id: IntervalId,
    /// The nominal release instant (`phase + n * period`).
    pub at: u64,
    /// The timer's value.
    pub value: &'a T,
}

struct Interval<T> {
    period: u64,
    next: Option<u64>,
    value: T,
}

/// A fixed-capacity list of periodic timers.
///
/// ```
/// use enso_sched::IntervalTimers;
/// let mut t = IntervalTimers::with_capacity(2).unwrap();
/// t.add(10, 0, 'a').unwrap();
/// t.add(4, 3, 'b').unwrap();
/// let mut got = Vec::new();
/// while let Some(r) = t.poll(12) { got.push((r.at, *r.value)); }
/// assert_eq!(got, vec![(0, 'a'), (3, 'b'), (7, 'b'), (10, 'a'), (11, 'b')]);
/// assert_eq!(t.next_release(), Some(15));
/// ```
pub struct IntervalTimers<T> {
    slots: Box<[(u32, Option<Interval<T>>)]>,
}

impl<T> IntervalTimers<T> {
    /// A list of at most `capacity` interval timers.
    pub fn with_capacity(capacity: usize) -> Result<Self, CapacityError> {
        let n = check_capacity(capacity)?;
        Ok(Self {
            slots: (0..n).map(|_| (0, None)).collect(),
        })
    }

    /// Adds a timer releasing at `phase`, `phase + period`, ...
    pub fn add(&mut self, period: u64, phase: u64, value: T) -> Result<IntervalId, IntervalError> {
        if period == 0 {
            return Err(IntervalError::ZeroPeriod);
        }
        let (index, slot) = self
            .slots
            .iter_mut()
            .enumerate()
            .find(|(_, s)| s.1.is_none())
            .ok_or(IntervalError::Full)?;
        slot.1 = Some(Interval {
            period,
            next: Some(phase),
            value,
        });
        Ok(IntervalId {
            index: index as u32,
            generation: slot.0,
        })
    }

    /// Removes a timer and returns its value.
    pub fn remove(&mut self, id: IntervalId) -> Result<T, StaleHandle> {
        match self.slots.get_mut(id.index as usize) {
            Some(s) if s.0 == id.generation && s.1.is_some() => {
                s.0 = s.0.wrapping_add(1);
                s.1.take().map(|i| i.value).ok_or(StaleHandle)
            }
            _ => Err(StaleHandle),
        }
    }

    /// The earliest pending release instant, if any.
    pub fn next_release(&self) -> Option<u64> {
        self.slots
            .iter()
            .filter_map(|s| s.1.as_ref().and_then(|i| i.next))
            .min()
    }

    /// Returns the earliest release at or before `now` and schedules that
    /// timer's next one; `None` when nothing is due.
    pub fn poll(&mut self, now: u64) -> Option<Release<'_, T>> {
        let mut best: Option<(usize, u64)> = None;
        for (k, s) in self.slots.iter().enumerate() {
            if let Some(at) = s.1.as_ref().and_then(|i| i.next)
                && at <= now
                && best.is_none_or(|(_, b)| at < b)
            {
                best = Some((k, at));
            }
        }
        let (k, at) = best?;
        let (generation, slot) = &mut self.slots[k];
        let interval = slot.as_mut()?;
        interval.next = at.checked_add(interval.period);
        Some(Release {
            id: IntervalId {
                index: k as u32,
                generation: *generation,
            },
            at,
            value: &interval.value,
        })
    }
}

impl<T> fmt::Debug for IntervalTimers<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntervalTimers")
            .field("capacity", &self.slots.len())
            .field("next_release", &self.next_release())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_and_removal() {
        let mut t = IntervalTimers::with_capacity(1).unwrap();
        assert_eq!(t.add(0, 0, ()), Err(IntervalError::ZeroPeriod));
        let id = t.add(5, 2, ()).unwrap();
        assert_eq!(t.add(5, 2, ()), Err(IntervalError::Full));
        assert_eq!(t.remove(id), Ok(()));
        assert_eq!(t.remove(id), Err(StaleHandle));
        let again = t.add(1, 0, ()).unwrap();
        assert_ne!(id, again);
        assert!(t.poll(0).is_some());
    }

    #[test]
    fn overflowing_release_ends_the_timer() {
        let mut t = IntervalTimers::with_capacity(1).unwrap();
        t.add(u64::MAX, u64::MAX - 1, 'x').unwrap();
        assert_eq!(t.poll(u64::MAX).map(|r| r.at), Some(u64::MAX - 1));
        assert!(t.poll(u64::MAX).is_none());
        assert_eq!(t.next_release(), None);
    }
}
