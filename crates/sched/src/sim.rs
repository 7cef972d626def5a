//! A discrete-event simulator of one core: periodic jobs under fixed
//! priorities or EDF, preemptive or limited-preemptive.
//!
//! Task `i` releases a job at `offset_i + k T_i` (k = 0, 1, ...) that needs
//! `exec_i` ticks (default C) and must finish by its arrival plus D. Jobs
//! of one task run in arrival order. The scheduler picks, at every event
//! (a release or a completion), the most urgent ready job: highest rank
//! under FP (ties: earliest arrival, then lowest index), earliest absolute
//! deadline under EDF (same ties). Under [`Preemption::Limited`] a job
//! runs in polls of at most `poll` ticks and can only be preempted between
//! polls; the run-loop overhead, the blocking B and the jitter J are
//! analysis terms and are not simulated (every release is on time).
//!
//! Time jumps from event to event, so the cost is proportional to the
//! number of jobs, not to the number of ticks. The default horizon covers
//! every job released in the first hyperperiod after the last offset:
//! `max offset + H + max D`, capped at [`Simulation::max_horizon`].

use crate::analysis::Preemption;
use crate::model::{ModelError, Task, hyperperiod, ranks, validate};
use core::fmt;
use std::collections::VecDeque;

pub use crate::model::Policy;

/// What the simulator observed for one task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TaskStats {
    /// Jobs released within the horizon.
    pub released: u64,
    /// Jobs completed within the horizon.
    pub completed: u64,
    /// Largest response time (completion minus arrival) of a completed job.
    pub worst_response: Option<u64>,
    /// Jobs that missed their deadline (completed late, or unfinished past it).
    pub misses: u64,
    /// Absolute deadline of the first missed job.
    pub first_miss: Option<u64>,
}

/// The result of a simulation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimReport {
    /// Per task, in input order.
    pub tasks: Vec<TaskStats>,
    /// The simulated interval was `[0, horizon)`.
    pub horizon: u64,
    /// The default horizon was longer than the cap (or overflowed) and was cut.
    pub truncated: bool,
}

impl SimReport {
    /// Total deadline misses.
    pub fn misses(&self) -> u64 {
        self.tasks.iter().map(|t| t.misses).sum()
    }
}

/// A simulation that cannot run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimError {
    /// The task set is malformed.
    Model(ModelError),
    /// `offsets` or `execution_times` does not have one entry per task.
    Length {
        /// Which vector.
        what: &'static str,
        /// Its length.
        got: usize,
        /// The number of tasks.
        tasks: usize,
    },
    /// An execution time of 0 for this task.
    ZeroExecution {
        /// The task.
        task: usize,
    },
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::Model(e) => write!(f, "invalid task set: {e}"),
            SimError::Length { what, got, tasks } => {
                write!(f, "{what}: {got} entries for {tasks} tasks")
            }
            SimError::ZeroExecution { task } => write!(f, "task {task}: execution time 0"),
        }
    }
}

impl std::error::Error for SimError {}

/// A configured simulation.
///
/// ```
/// use enso_sched::{Task, Priorities, Preemption};
/// use enso_sched::sim::{Policy, Simulation};
/// let tasks = [Task::new(2, 5), Task::new(4, 7)];
/// let rm = Simulation::new(&tasks, Policy::FixedPriority(Priorities::RateMonotonic),
///                          Preemption::Preemptive).run().unwrap();
/// assert_eq!(rm.tasks[1].first_miss, Some(7)); // RM misses at t = 7
/// let edf = Simulation::new(&tasks, Policy::Edf, Preemption::Preemptive).run().unwrap();
/// assert_eq!(edf.misses(), 0);
/// ```
#[derive(Debug, Clone)]
pub struct Simulation<'a> {
    tasks: &'a [Task],
    policy: Policy,
    preemption: Preemption,
    offsets: Option<Vec<u64>>,
    exec: Option<Vec<u64>>,
    horizon: Option<u64>,
    max_horizon: u64,
}

#[derive(Debug, Clone, Copy)]
struct Job {
    arrival: u64,
    deadline: u64,
    remaining: u64,
}

impl<'a> Simulation<'a> {
    /// The default cap on the horizon (ticks).
    pub const DEFAULT_MAX_HORIZON: u64 = 1 << 24;

    /// A synchronous simulation (all offsets 0, execution times C).
    pub fn new(tasks: &'a [Task], policy: Policy, preemption: Preemption) -> Self {
        Self {
            tasks,
            policy,
            preemption,
            offsets: None,
            exec: None,
            horizon: None,
            max_horizon: Self::DEFAULT_MAX_HORIZON,
        }
    }

    /// Release offsets, one per task.
    pub fn offsets(mut self, offsets: Vec<u64>) -> Self {
        self.offsets = Some(offsets);
        self
    }

    /// Actual execution time of every job of each task (default C).
    pub fn execution_times(mut self, exec: Vec<u64>) -> Self {
        self.exec = Some(exec);
        self
    }

    /// An explicit horizon (not capped).
    pub fn horizon(mut self, horizon: u64) -> Self {
        self.horizon = Some(horizon);
        self
    }

    /// Caps the default horizon.
    pub fn max_horizon(mut self, cap: u64) -> Self {
        self.max_horizon = cap;
        self
    }

    /// Runs the simulation.
    pub fn run(&self) -> Result<SimReport, SimError> {
        let n = self.tasks.len();
        validate(self.tasks).map_err(SimError::Model)?;
        let offsets = self.per_task(&self.offsets, "offsets", |_| 0)?;
        let exec = self.per_task(&self.exec, "execution_times", |t| t.wcet)?;
        if let Some(task) = exec.iter().position(|&e| e == 0) {
            return Err(SimError::ZeroExecution { task });
        }
        let (horizon, truncated) = self.pick_horizon(&offsets);
        let rank = match self.policy {
            Policy::FixedPriority(p) => ranks(self.tasks, p),
            Policy::Edf => vec![0; n],
        };
        let mut state = State {
            tasks: self.tasks,
            rank,
            edf: self.policy == Policy::Edf,
            queues: vec![VecDeque::new(); n],
            next_arrival: offsets,
            exec,
            stats: vec![TaskStats::default(); n],
            horizon,
        };
        state.run(self.preemption);
        Ok(SimReport {
            tasks: state.stats,
            horizon,
            truncated,
        })
    }

    fn per_task(
        &self,
        v: &Option<Vec<u64>>,
        what: &'static str,
        default: impl Fn(&Task) -> u64,
    ) -> Result<Vec<u64>, SimError> {
        match v {
            Some(v) if v.len() != self.tasks.len() => Err(SimError::Length {
                what,
                got: v.len(),
                tasks: self.tasks.len(),
            }),
            Some(v) => Ok(v.clone()),
            None => Ok(self.tasks.iter().map(default).collect()),
        }
    }

    fn pick_horizon(&self, offsets: &[u64]) -> (u64, bool) {
        if let Some(h) = self.horizon {
            return (h, false);
        }
        let max_offset = offsets.iter().copied().max().unwrap_or(0);
        let max_d = self.tasks.iter().map(|t| t.deadline).max().unwrap_or(0);
        let full = hyperperiod(self.tasks)
            .and_then(|h| h.checked_add(max_offset))
            .and_then(|h| h.checked_add(max_d));
        match full {
            Some(h) if h <= self.max_horizon => (h, false),
            _ => (self.max_horizon, true),
        }
    }
}

struct State<'a> {
    tasks: &'a [Task],
    rank: Vec<u64>,
    edf: bool,
    queues: Vec<VecDeque<Job>>,
    next_arrival: Vec<u64>,
    exec: Vec<u64>,
    stats: Vec<TaskStats>,
    horizon: u64,
}

impl State<'_> {
    fn run(&mut self, preemption: Preemption) {
        let limited = matches!(preemption, Preemption::Limited { .. });
        let mut now = 0u64;
        // Under limited preemption: the task whose poll is in progress, and what is left of it.
        let mut current: Option<(usize, u64)> = None;
        loop {
            self.release_up_to(now);
            if now >= self.horizon {
                break;
            }
            let (task, chunk) = match current.take() {
                Some(c) => c,
                None => match self.pick() {
                    Some(i) => {
                        let rem = self.queues[i].front().map_or(0, |j| j.remaining);
                        let poll = if limited { self.tasks[i].poll } else { rem };
                        (i, rem.min(poll))
                    }
                    None => {
                        now = self.next_release().min(self.horizon);
                        continue;
                    }
                },
            };
            let mut run = chunk.min(self.horizon - now);
            if !limited {
                run = run.min(self.next_release().saturating_sub(now).max(1));
            }
            now += run;
            let left = chunk - run;
            let Some(job) = self.queues[task].front_mut() else {
                continue;
            };
            job.remaining -= run;
            if job.remaining == 0 {
                let job = *job;
                self.queues[task].pop_front();
                self.complete(task, job, now);
            } else if limited && left > 0 {
                current = Some((task, left));
            }
        }
        // Unfinished jobs whose deadline has passed by the end are misses.
        for (i, q) in self.queues.iter().enumerate() {
            for job in q.iter().filter(|j| j.deadline <= self.horizon) {
                record_miss(&mut self.stats[i], job.deadline);
            }
        }
    }

    fn release_up_to(&mut self, now: u64) {
        for i in 0..self.tasks.len() {
            while self.next_arrival[i] <= now && self.next_arrival[i] < self.horizon {
                let arrival = self.next_arrival[i];
                self.queues[i].push_back(Job {
                    arrival,
                    deadline: arrival.saturating_add(self.tasks[i].deadline),
                    remaining: self.exec[i],
                });
                self.stats[i].released += 1;
                self.next_arrival[i] = arrival.saturating_add(self.tasks[i].period);
            }
        }
    }

    fn next_release(&self) -> u64 {
        self.next_arrival.iter().copied().min().unwrap_or(u64::MAX)
    }

    /// The most urgent head-of-queue job.
    fn pick(&self) -> Option<usize> {
        let heads = self
            .queues
            .iter()
            .enumerate()
            .filter_map(|(i, q)| q.front().map(|j| (i, j)));
        if self.edf {
            heads
                .min_by_key(|&(i, j)| (j.deadline, j.arrival, i))
                .map(|(i, _)| i)
        } else {
            heads
                .min_by_key(|&(i, j)| (core::cmp::Reverse(self.rank[i]), j.arrival, i))
                .map(|(i, _)| i)
        }
    }

    fn complete(&mut self, task: usize, job: Job, now: u64) {
        let s = &mut self.stats[task];
        s.completed += 1;
        let response = now - job.arrival;
        s.worst_response = Some(s.worst_response.map_or(response, |w| w.max(response)));
        if now > job.deadline {
            record_miss(s, job.deadline);
        }
    }
}

fn record_miss(s: &mut TaskStats, deadline: u64) {
    s.misses += 1;
    s.first_miss = Some(s.first_miss.map_or(deadline, |f| f.min(deadline)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Priorities;

    #[test]
    fn non_preemptive_poll_delays_the_urgent_task() {
        // Low-priority task releases at 0 with one poll of 5; the urgent task
        // arrives at 1 and waits until 5 (response 5 > D = 3) only when polls
        // cannot be preempted.
        let ts = [
            Task::new(1, 10).with_deadline(3).with_priority(2),
            Task::new(5, 20).with_priority(1),
        ];
        let p = Policy::FixedPriority(Priorities::Explicit);
        let pre = Simulation::new(&ts, p, Preemption::Preemptive)
            .offsets(vec![1, 0])
            .run()
            .unwrap();
        assert_eq!(pre.tasks[0].worst_response, Some(1));
        assert_eq!(pre.misses(), 0);
        let lim = Simulation::new(&ts, p, Preemption::Limited { overhead: 0 })
            .offsets(vec![1, 0])
            .run()
            .unwrap();
        assert_eq!(lim.tasks[0].worst_response, Some(5));
        assert_eq!(lim.tasks[0].first_miss, Some(4));
    }

    #[test]
    fn errors_and_truncation() {
        let ts = [Task::new(1, 3)];
        let s = Simulation::new(&ts, Policy::Edf, Preemption::Preemptive);
        assert!(matches!(
            s.clone().offsets(vec![]).run(),
            Err(SimError::Length { .. })
        ));
        assert!(matches!(
            s.clone().execution_times(vec![0]).run(),
            Err(SimError::ZeroExecution { task: 0 })
        ));
        let big = [Task::new(1, 1_000_003), Task::new(1, 999_983)];
        let r = Simulation::new(&big, Policy::Edf, Preemption::Preemptive)
            .max_horizon(10_000)
            .run()
            .unwrap();
        assert!(r.truncated);
        assert_eq!(r.horizon, 10_000);
    }
}
