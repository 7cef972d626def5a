//! The admission front end behind the `enso-admit` binary: parse a JSON
//! task set ([`input`]), run the analyses that apply ([`evaluate`]), and
//! print the verdict as a table or as JSON ([`output`]).
//!
//! Under `RM`, `DM` and `FP` the verdict is the response-time analysis;
//! the Liu and Layland and hyperbolic bounds are reported beside it where
//! they apply (preemptive, rate-monotonic priorities, `D = T`, no `B` or
//! `J`) and are `null` elsewhere. Under `EDF` the verdict is `U <= 1` for
//! implicit deadlines and the processor-demand test otherwise; response
//! times are not computed (`null`) and each task's `schedulable` is the
//! set's verdict, since EDF fails or passes as a whole.
//!
//! `"model": "limited-preemptive"` is what an enso core does: a task is
//! not preempted inside one poll. Each task's `poll` (default: its whole
//! C, i.e. one non-preemptive poll per job) is its non-preemptive region;
//! the blocking of a task becomes `max(B, longest poll of any lower
//! priority task) + overhead` (EDF: of any task with a longer deadline),
//! with `overhead` the run loop's bus and I/O time (top-level field,
//! default 0). See [`crate::analysis`] for the analyses.

pub mod input;
pub mod output;

use crate::analysis::edf::{self, EdfReport};
use crate::analysis::exact::{hyperbolic, liu_layland};
use crate::analysis::fp::{self, FpReport};
use crate::analysis::{AnalysisError, Preemption};
use crate::model::{Priorities, Task};
use input::{PolicyName, TaskSet};

/// The per-task part of a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskOutcome {
    /// Worst-case response time when it is at most D (FP only).
    pub response_time: Option<u64>,
    /// The task meets its deadlines (EDF: the set does).
    pub schedulable: bool,
}

/// The detailed report of the analysis that decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    /// Fixed-priority response-time analysis.
    Fp(FpReport),
    /// EDF utilization or processor-demand test.
    Edf(EdfReport),
}

/// Everything `enso-admit` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The set is schedulable.
    pub schedulable: bool,
    /// Liu and Layland bound, where it applies.
    pub ll_bound: Option<bool>,
    /// Hyperbolic bound, where it applies.
    pub hyperbolic: Option<bool>,
    /// Per task, in input order.
    pub tasks: Vec<TaskOutcome>,
    /// The deciding analysis.
    pub detail: Detail,
}

/// Runs the analyses for `set`.
///
/// ```
/// use enso_sched::admit::{evaluate, input::parse};
/// let set = parse(r#"{"policy": "RM", "tasks": [
///     {"name": "a", "C": 1, "T": 4}, {"name": "b", "C": 2, "T": 6}]}"#).unwrap();
/// let out = evaluate(&set).unwrap();
/// assert!(out.schedulable);
/// assert_eq!(out.ll_bound, Some(true));
/// assert_eq!(out.tasks[1].response_time, Some(3));
/// ```
pub fn evaluate(set: &TaskSet) -> Result<Outcome, AnalysisError> {
    let priorities = match set.policy {
        PolicyName::Rm => Priorities::RateMonotonic,
        PolicyName::Dm => Priorities::DeadlineMonotonic,
        PolicyName::Fp => Priorities::Explicit,
        PolicyName::Edf => {
            let report = edf::analyze(&set.tasks, set.preemption)?;
            let task = TaskOutcome {
                response_time: None,
                schedulable: report.schedulable,
            };
            return Ok(Outcome {
                schedulable: report.schedulable,
                ll_bound: None,
                hyperbolic: None,
                tasks: vec![task; set.tasks.len()],
                detail: Detail::Edf(report),
            });
        }
    };
    let report = fp::analyze(&set.tasks, priorities, set.preemption)?;
    let tasks = set
        .tasks
        .iter()
        .zip(&report.tasks)
        .map(|(t, r)| TaskOutcome {
            response_time: r.response.filter(|&x| x <= t.deadline),
            schedulable: r.schedulable,
        })
        .collect();
    let bounds_apply = bounds_apply(set);
    Ok(Outcome {
        schedulable: report.schedulable,
        ll_bound: bounds_apply.then(|| liu_layland(&set.tasks)),
        hyperbolic: bounds_apply.then(|| hyperbolic(&set.tasks)),
        tasks,
        detail: Detail::Fp(report),
    })
}

/// The utilization bounds hold for preemptive rate-monotonic priorities
/// with `D = T` and no blocking or jitter.
fn bounds_apply(set: &TaskSet) -> bool {
    let simple = set
        .tasks
        .iter()
        .all(|t| t.deadline == t.period && t.blocking == 0 && t.jitter == 0);
    simple
        && set.preemption == Preemption::Preemptive
        && match set.policy {
            PolicyName::Rm | PolicyName::Dm => true,
            PolicyName::Fp => rate_monotonic_order(&set.tasks),
            PolicyName::Edf => false,
        }
}

/// Explicit priorities that are rate monotonic: a shorter period never has
/// a priority lower than or equal to a longer one's.
fn rate_monotonic_order(tasks: &[Task]) -> bool {
    tasks.iter().all(|a| {
        tasks
            .iter()
            .all(|b| a.period >= b.period || a.priority > b.priority)
    })
}
