//! Admission control: schedulability analysis for one core.
//!
//! - [`exact`]: the utilization tests in exact rational arithmetic
//!   (Liu and Layland, hyperbolic bound, `U <= 1`).
//! - [`fp`]: response-time analysis for fixed priorities (RM, DM,
//!   explicit), with blocking, release jitter and arbitrary deadlines,
//!   preemptive or limited-preemptive.
//! - [`edf`]: EDF by utilization and by processor demand (QPA),
//!   preemptive or limited-preemptive.
//!
//! # Limited preemption (what an enso core does)
//!
//! A task on an enso core runs one poll at a time and is never preempted
//! inside a poll. With [`Preemption::Limited`] a task's `poll` field is
//! its longest poll, and the blocking a job suffers becomes
//! `max(B, longest poll of any lower-priority task) + overhead`, where
//! `overhead` bounds the run loop's own work (bus and I/O quanta) that can
//! run before the job's first poll (DESIGN section 3). Only one lower
//! priority job can be running when a busy period starts, so a resource
//! blocking B and the non-preemptive blocking are not added but maxed.
//! The overhead is charged once per busy period; a run loop whose bus and
//! I/O phases recur during long busy periods should also be modelled as a
//! periodic task of its own.
//!
//! The fixed-priority analysis is the deferred-preemption analysis of
//! Bril, Lukkien and Verhaegh (2009) and Davis, Burns, Bril and Lukkien
//! (2007): every job of the level-i busy period is examined, because a
//! non-preemptive last poll can push higher-priority work into the next
//! job's window (the flaw those papers found in the original CAN
//! analysis). A task whose `poll` equals its C is one non-preemptive
//! region; otherwise its last poll is taken to be 1 tick long, which is
//! safe (it is the preemptive case) whatever the real split into polls.
//! The EDF analysis is the processor-demand test with the blocking term
//! of Baruah (2005): `max` over tasks with a deadline beyond the interval
//! of their longest poll.
//!
//! # Arithmetic
//!
//! Time is integer ticks. Every sum and product is checked: an input that
//! would overflow `u64` gives [`AnalysisError::Overflow`], never a panic or
//! a wrong verdict; an iteration that does not settle within a fixed
//! budget gives [`AnalysisError::IterationLimit`].

pub mod edf;
pub mod exact;
pub mod fp;

use crate::model::{ModelError, Policy, Task};
use core::fmt;

/// The report of [`analyze`]: whichever analysis the policy calls for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Response-time analysis.
    FixedPriority(fp::FpReport),
    /// Utilization or processor-demand test.
    Edf(edf::EdfReport),
}

impl Verdict {
    /// Every deadline is met.
    pub fn schedulable(&self) -> bool {
        match self {
            Verdict::FixedPriority(r) => r.schedulable,
            Verdict::Edf(r) => r.schedulable,
        }
    }

    /// A task to blame on rejection: the first failing task under FP, the
    /// task whose deadline ends the failing interval under EDF (`None` for
    /// an EDF overload, which no single task causes).
    pub fn failing_task(&self) -> Option<usize> {
        match self {
            Verdict::FixedPriority(r) => r.rejection.map(|x| x.task),
            Verdict::Edf(r) => match r.failure {
                Some(edf::EdfFailure::Demand { task, .. }) => Some(task),
                _ => None,
            },
        }
    }
}

/// Admission control for one core: the analysis `policy` calls for.
///
/// The kernel calls this at spawn with the core's tasks plus the new one,
/// and refuses the spawn unless the verdict is schedulable.
///
/// ```
/// use enso_sched::{Task, Policy, Priorities, Preemption, analysis::analyze};
/// let core = [Task::new(2, 5), Task::new(4, 7)];
/// let rm = analyze(&core, Policy::FixedPriority(Priorities::RateMonotonic),
///                  Preemption::Limited { overhead: 0 }).unwrap();
/// assert!(!rm.schedulable());
/// assert_eq!(rm.failing_task(), Some(0)); // blocked by the other's 4-tick poll
/// let edf = analyze(&core, Policy::Edf, Preemption::Preemptive).unwrap();
/// assert!(edf.schedulable());
/// ```
pub fn analyze(
    tasks: &[Task],
    policy: Policy,
    preemption: Preemption,
) -> Result<Verdict, AnalysisError> {
    match policy {
        Policy::FixedPriority(p) => fp::analyze(tasks, p, preemption).map(Verdict::FixedPriority),
        Policy::Edf => edf::analyze(tasks, preemption).map(Verdict::Edf),
    }
}

/// Whether a job can be preempted anywhere or only between polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Preemption {
    /// Classic preemptive scheduling: the published analyses.
    Preemptive,
    /// Preemption only between polls (enso cores), plus a fixed run-loop
    /// overhead added to every blocking term.
    Limited {
        /// Run-loop overhead (ticks) charged as blocking.
        overhead: u64,
    },
}

/// How far a rejected task misses its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Excess {
    /// Its worst-case response time exceeds D by this many ticks.
    By(u64),
    /// Its response time is unbounded (the load at its level is too high).
    Unbounded,
}

/// Why a task set was refused: which task fails and by how much.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rejection {
    /// Index of the failing task (the first in input order).
    pub task: usize,
    /// By how much it fails.
    pub excess: Excess,
}

/// An analysis that could not be carried out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnalysisError {
    /// The task set is malformed.
    Model(ModelError),
    /// A quantity does not fit in 64 bits (the task, when one is to blame).
    Overflow {
        /// The task being analysed, if any.
        task: Option<usize>,
    },
    /// A fixed-point or demand iteration exceeded its budget.
    IterationLimit {
        /// The task being analysed, if any.
        task: Option<usize>,
    },
}

impl fmt::Display for AnalysisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = |t: &Option<usize>| t.map(|i| format!(" (task {i})")).unwrap_or_default();
        match self {
            AnalysisError::Model(e) => write!(f, "invalid task set: {e}"),
            AnalysisError::Overflow { task } => {
                write!(
                    f,
                    "arithmetic overflow: the numbers are too large to analyse{}",
                    who(task)
                )
            }
            AnalysisError::IterationLimit { task } => write!(
                f,
                "the analysis did not settle within {MAX_STEPS} steps{}",
                who(task)
            ),
        }
    }
}

impl std::error::Error for AnalysisError {}

impl From<ModelError> for AnalysisError {
    fn from(e: ModelError) -> Self {
        AnalysisError::Model(e)
    }
}

/// Step budget of one analysis (fixed-point and demand iterations).
pub const MAX_STEPS: u64 = 1 << 24;

/// Counts iteration steps against [`MAX_STEPS`].
pub(crate) struct Budget {
    steps: u64,
}

impl Budget {
    pub(crate) fn new() -> Self {
        Self { steps: 0 }
    }

    pub(crate) fn step(&mut self, task: Option<usize>) -> Result<(), AnalysisError> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            Err(AnalysisError::IterationLimit { task })
        } else {
            Ok(())
        }
    }
}

/// `ceil(a / b)` for `b > 0`.
pub(crate) fn div_ceil(a: u64, b: u64) -> u64 {
    a.div_ceil(b)
}
