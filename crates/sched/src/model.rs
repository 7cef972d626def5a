//! The task model of admission control and of the simulator.
//!
//! A periodic or sporadic task is `(C, T, D, B, J, priority)` plus the
//! length of its longest poll, all in integer ticks:
//!
//! | field | meaning |
//! |---|---|
//! | `wcet` (C) | worst-case execution time of one job, `>= 1` |
//! | `period` (T) | period, or minimum inter-arrival time, `>= 1` |
//! | `deadline` (D) | relative deadline from the job's nominal arrival, `>= 1` |
//! | `blocking` (B) | longest time a job can be blocked by lower-priority work (e.g. a critical section) |
//! | `jitter` (J) | release jitter: a job arriving at `a` is released in `[a, a + J]` |
//! | `priority` | fixed priority, a higher number is more urgent (explicit priorities only) |
//! | `poll` | longest non-preemptive region (one poll of the task), `1..=C`; defaults to C |
//!
//! Response times are measured from the nominal arrival, so they include J.

use core::fmt;

/// One periodic or sporadic task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Task {
    /// C: worst-case execution time of one job.
    pub wcet: u64,
    /// T: period (minimum inter-arrival time).
    pub period: u64,
    /// D: relative deadline, from the nominal arrival.
    pub deadline: u64,
    /// B: blocking by lower-priority work.
    pub blocking: u64,
    /// J: release jitter.
    pub jitter: u64,
    /// Fixed priority (higher is more urgent); used by explicit-priority FP.
    pub priority: u32,
    /// Longest poll (non-preemptive region), `1..=wcet`.
    pub poll: u64,
}

impl Task {
    /// A task with `D = T`, no blocking, no jitter, priority 0, one poll of length C.
    ///
    /// ```
    /// let t = enso_sched::Task::new(1, 4).with_deadline(3).with_priority(7);
    /// assert_eq!((t.wcet, t.period, t.deadline, t.priority, t.poll), (1, 4, 3, 7, 1));
    /// ```
    pub fn new(wcet: u64, period: u64) -> Self {
        Self {
            wcet,
            period,
            deadline: period,
            blocking: 0,
            jitter: 0,
            priority: 0,
            poll: wcet,
        }
    }

    /// Sets D.
    pub fn with_deadline(mut self, deadline: u64) -> Self {
        self.deadline = deadline;
        self
    }

    /// Sets B.
    pub fn with_blocking(mut self, blocking: u64) -> Self {
        self.blocking = blocking;
        self
    }

    /// Sets J.
    pub fn with_jitter(mut self, jitter: u64) -> Self {
        self.jitter = jitter;
        self
    }

    /// Sets the fixed priority (higher is more urgent).
    pub fn with_priority(mut self, priority: u32) -> Self {
        self.priority = priority;
        self
    }

    /// Sets the longest poll (non-preemptive region).
    pub fn with_poll(mut self, poll: u64) -> Self {
        self.poll = poll;
        self
    }
}

/// A task set that is not a valid input to an analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelError {
    /// No tasks at all.
    Empty,
    /// A field out of range: task index, field name, what is wrong.
    Field {
        /// Index of the task in the set.
        task: usize,
        /// The field (`C`, `T`, `D`, `poll`).
        field: &'static str,
        /// Why it is rejected.
        reason: &'static str,
    },
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::Empty => f.write_str("the task set is empty"),
            ModelError::Field {
                task,
                field,
                reason,
            } => write!(f, "task {task}: {field} {reason}"),
        }
    }
}

impl std::error::Error for ModelError {}

/// Checks every task: C, T, D at least 1, poll in `1..=C`.
pub fn validate(tasks: &[Task]) -> Result<(), ModelError> {
    if tasks.is_empty() {
        return Err(ModelError::Empty);
    }
    for (task, t) in tasks.iter().enumerate() {
        let err = |field, reason| {
            Err(ModelError::Field {
                task,
                field,
                reason,
            })
        };
        if t.wcet == 0 {
            return err("C", "must be at least 1");
        }
        if t.period == 0 {
            return err("T", "must be at least 1");
        }
        if t.deadline == 0 {
            return err("D", "must be at least 1");
        }
        if t.poll == 0 || t.poll > t.wcet {
            return err("poll", "must be in 1..=C");
        }
    }
    Ok(())
}

/// How fixed priorities are assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Priorities {
    /// Rate monotonic: shorter period, higher priority (ties: earlier task first).
    RateMonotonic,
    /// Deadline monotonic: shorter deadline, higher priority (ties: earlier task first).
    DeadlineMonotonic,
    /// The tasks' `priority` fields; equal priorities are served FIFO and
    /// the analysis counts them as interfering with each other.
    Explicit,
}

/// A dispatching policy: fixed priorities (assigned somehow) or EDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Fixed priorities assigned as given.
    FixedPriority(Priorities),
    /// Earliest deadline first.
    Edf,
}

/// The effective rank of each task: higher is more urgent. RM and DM give
/// distinct ranks (ties broken by position); explicit priorities are kept.
pub fn ranks(tasks: &[Task], priorities: Priorities) -> Vec<u64> {
    let key = |t: &Task| match priorities {
        Priorities::RateMonotonic => t.period,
        Priorities::DeadlineMonotonic => t.deadline,
        Priorities::Explicit => 0,
    };
    if priorities == Priorities::Explicit {
        return tasks.iter().map(|t| u64::from(t.priority)).collect();
    }
    let mut order: Vec<usize> = (0..tasks.len()).collect();
    // Most urgent first: smallest key, then lowest index.
    order.sort_unstable_by_key(|&i| (key(&tasks[i]), i));
    let mut rank = vec![0u64; tasks.len()];
    let n = tasks.len() as u64;
    for (pos, &i) in order.iter().enumerate() {
        rank[i] = n - pos as u64;
    }
    rank
}

/// Least common multiple of the periods, `None` on overflow.
pub fn hyperperiod(tasks: &[Task]) -> Option<u64> {
    tasks.iter().try_fold(1u64, |acc, t| {
        let g = gcd(acc, t.period);
        (acc / g).checked_mul(t.period)
    })
}

/// Greatest common divisor.
pub(crate) fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_and_validation() {
        let ts = [
            Task::new(1, 10),
            Task::new(1, 5).with_deadline(20),
            Task::new(1, 10),
        ];
        assert_eq!(ranks(&ts, Priorities::RateMonotonic), vec![2, 3, 1]);
        assert_eq!(ranks(&ts, Priorities::DeadlineMonotonic), vec![3, 1, 2]);
        assert_eq!(hyperperiod(&ts), Some(10));
        assert!(validate(&[]).is_err());
        assert!(validate(&[Task::new(0, 3)]).is_err());
        assert!(validate(&[Task::new(2, 3).with_poll(3)]).is_err());
        assert_eq!(
            hyperperiod(&[Task::new(1, u64::MAX), Task::new(1, u64::MAX - 1)]),
            None
        );
    }
}
