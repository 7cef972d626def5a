//! EDF schedulability on one core: utilization and processor demand.
//!
//! - Implicit deadlines (`D = T`), no blocking, no jitter, preemptive:
//!   schedulable iff `U <= 1` (Liu and Layland 1973, Theorem 7), exactly.
//! - Otherwise the processor-demand criterion (Baruah, Rosier and Howell
//!   1990): schedulable iff `h(t) <= t` for every `t > 0`, where
//!   `h(t) = dbf(t) + b(t)`, with jitter folded into the deadline
//!   (`D'_i = D_i - J_i`, Spuri 1996):
//!
//! ```text
//! dbf(t) = sum_{i : D'_i <= t} (floor((t - D'_i) / T_i) + 1) C_i
//! b(t)   = max( max_{i : D'_i <= t} B_i,                  resource blocking
//!               max_{k : D_k > t} poll_k  [limited only]   Baruah 2005 )
//!          + overhead                      [limited only]
//! ```
//!
//! checked with Quick Processor-demand Analysis (QPA, Zhang and Burns
//! 2009): walk the deadlines down from an upper bound `L`, jumping from
//! `t` to the largest deadline below `h(t)`. QPA needs `h` non-decreasing;
//! the limited-preemptive term is non-increasing, so the line is cut into
//! windows between consecutive distinct `D_k`, where that term is
//! constant, and QPA runs in each window.
//!
//! `L`: for `U < 1`, every `t >= max(max D'_i, (Bmax + sum (T_i - D'_i) U_i) / (1 - U))`
//! satisfies `h(t) <= t`; for `U = 1`, `dbf(t + H) = dbf(t) + H` past the
//! largest deadline, so `L = max D + H` (H the hyperperiod; overflow is an
//! error); `U > 1` fails outright.

use super::exact::utilization;
use super::{AnalysisError, Budget, Preemption};
use crate::model::{Task, hyperperiod, validate};
use num_bigint::{BigInt, BigUint};

/// Which EDF test decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdfMethod {
    /// `U <= 1` (implicit deadlines, preemptive, no B or J).
    Utilization,
    /// The processor-demand test (QPA).
    ProcessorDemand,
}

/// Why an EDF test failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdfFailure {
    /// The utilization exceeds 1.
    Overload,
    /// In an interval of length `at`, the demand (plus blocking) is `demand > at`.
    Demand {
        /// Length of the failing interval (an absolute deadline in the synchronous pattern).
        at: u64,
        /// Demand plus blocking in that interval.
        demand: u64,
        /// A task with a deadline at `at` (the job that misses).
        task: usize,
    },
}

/// The result of an EDF analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EdfReport {
    /// The whole set meets every deadline.
    pub schedulable: bool,
    /// Which test decided.
    pub method: EdfMethod,
    /// The failure, when not schedulable.
    pub failure: Option<EdfFailure>,
}

/// EDF analysis of `tasks`.
///
/// ```
/// use enso_sched::{Task, Preemption, analysis::edf::analyze};
/// // U = 2/5 + 4/7 < 1: schedulable under EDF.
/// let r = analyze(&[Task::new(2, 5), Task::new(4, 7)], Preemption::Preemptive).unwrap();
/// assert!(r.schedulable);
/// // Constrained deadlines: demand at t = 3 is 2 + 2 > 3.
/// let r = analyze(&[Task::new(2, 5).with_deadline(3), Task::new(2, 7).with_deadline(3)],
///                 Preemption::Preemptive).unwrap();
/// assert!(!r.schedulable);
/// ```
pub fn analyze(tasks: &[Task], preemption: Preemption) -> Result<EdfReport, AnalysisError> {
    validate(tasks)?;
    let (num, den) = utilization(tasks);
    if num > den {
        return Ok(EdfReport {
            schedulable: false,
            method: EdfMethod::Utilization,
            failure: Some(EdfFailure::Overload),
        });
    }
    let simple = preemption == Preemption::Preemptive
        && tasks
            .iter()
            .all(|t| t.deadline == t.period && t.blocking == 0 && t.jitter == 0);
    if simple {
        return Ok(EdfReport {
            schedulable: true,
            method: EdfMethod::Utilization,
            failure: None,
        });
    }
    let failure = Demand::new(tasks, preemption)?.check(&num, &den)?;
    Ok(EdfReport {
        schedulable: failure.is_none(),
        method: EdfMethod::ProcessorDemand,
        failure,
    })
}

struct Demand<'a> {
    tasks: &'a [Task],
    /// D'_i = D_i - J_i (None: deadline at or before the latest release).
    eff: Vec<u64>,
    limited: bool,
    overhead: u64,
}

impl<'a> Demand<'a> {
    fn new(tasks: &'a [Task], preemption: Preemption) -> Result<Self, AnalysisError> {
        let (limited, overhead) = match preemption {
            Preemption::Preemptive => (false, 0),
            Preemption::Limited { overhead } => (true, overhead),
        };
        let eff = tasks
            .iter()
            .map(|t| t.deadline.saturating_sub(t.jitter))
            .collect();
        Ok(Self {
            tasks,
            eff,
            limited,
            overhead,
        })
    }

    fn overflow() -> AnalysisError {
        AnalysisError::Overflow { task: None }
    }

    /// Runs the windowed QPA; the first failure found, if any.
    fn check(&self, num: &BigUint, den: &BigUint) -> Result<Option<EdfFailure>, AnalysisError> {
        // A deadline at or before the latest release: demand C at t = 0.
        if let Some(i) = self.eff.iter().position(|&d| d == 0) {
            return Ok(Some(EdfFailure::Demand {
                at: 0,
                demand: self.tasks[i].wcet,
                task: i,
            }));
        }
        let bound = self.upper_bound(num, den)?;
        let mut budget = Budget::new();
        // Window edges: the distinct D_k, where the limited-preemptive term drops.
        let mut edges: Vec<u64> = if self.limited {
            self.tasks.iter().map(|t| t.deadline).collect()
        } else {
            Vec::new()
        };
        edges.push(0);
        edges.retain(|&e| e <= bound);
        edges.sort_unstable();
        edges.dedup();
        for (k, &lo) in edges.iter().enumerate() {
            let hi = edges.get(k + 1).copied().unwrap_or(bound.saturating_add(1));
            if let Some(f) = self.qpa_window(lo, hi, &mut budget)? {
                return Ok(Some(f));
            }
        }
        Ok(None)
    }

    /// QPA over the deadlines in `[lo, hi)`, where `h` is non-decreasing.
    /// Returns the smallest failing deadline found (the search goes on below
    /// a failure while the step budget lasts).
    fn qpa_window(
        &self,
        lo: u64,
        hi: u64,
        budget: &mut Budget,
    ) -> Result<Option<EdfFailure>, AnalysisError> {
        let mut found = None;
        let mut next = self.deadline_below(hi);
        while let Some(t) = next.filter(|&t| t >= lo) {
            if let Err(e) = budget.step(None) {
                return found.map_or(Err(e), |f| Ok(Some(f)));
            }
            let h = self.h(t)?;
            if h > t {
                found = Some(EdfFailure::Demand {
                    at: t,
                    demand: h,
                    task: self.task_with_deadline_at(t),
                });
                next = self.deadline_below(t);
            } else {
                // Every deadline in [h, t] is fine: h(t') <= h(t) <= t'.
                next = self.deadline_below(h);
            }
        }
        Ok(found)
    }

    /// `h(t) = dbf(t) + b(t)`.
    fn h(&self, t: u64) -> Result<u64, AnalysisError> {
        let mut demand = 0u64;
        let mut blocking = 0u64;
        for (i, task) in self.tasks.iter().enumerate() {
            let d = self.eff[i];
            if d <= t {
                let jobs = (t - d) / task.period + 1;
                demand = jobs
                    .checked_mul(task.wcet)
                    .and_then(|x| x.checked_add(demand))
                    .ok_or_else(Self::overflow)?;
                blocking = blocking.max(task.blocking);
            }
            if self.limited && task.deadline > t {
                blocking = blocking.max(task.poll);
            }
        }
        let blocking = blocking
            .checked_add(self.overhead)
            .ok_or_else(Self::overflow)?;
        demand.checked_add(blocking).ok_or_else(Self::overflow)
    }

    /// The largest absolute deadline `k T_i + D'_i` strictly below `x`.
    fn deadline_below(&self, x: u64) -> Option<u64> {
        self.tasks
            .iter()
            .zip(&self.eff)
            .filter(|&(_, &d)| d < x)
            .map(|(t, &d)| d + (x - 1 - d) / t.period * t.period)
            .max()
    }

    fn task_with_deadline_at(&self, t: u64) -> usize {
        (0..self.tasks.len())
            .find(|&i| self.eff[i] <= t && (t - self.eff[i]).is_multiple_of(self.tasks[i].period))
            .unwrap_or(0)
    }

    /// L: no violation beyond it (see the module doc).
    fn upper_bound(&self, num: &BigUint, den: &BigUint) -> Result<u64, AnalysisError> {
        let max_eff = self.eff.iter().copied().max().unwrap_or(0);
        let max_d = self.tasks.iter().map(|t| t.deadline).max().unwrap_or(0);
        if num == den {
            let h = hyperperiod(self.tasks).ok_or_else(Self::overflow)?;
            return max_d.max(max_eff).checked_add(h).ok_or_else(Self::overflow);
        }
        let b_max = self
            .tasks
            .iter()
            .map(|t| {
                if self.limited {
                    t.blocking.max(t.poll)
                } else {
                    t.blocking
                }
            })
            .max()
            .unwrap_or(0)
            .checked_add(self.overhead)
            .ok_or_else(Self::overflow)?;
        // X = (Bmax + sum (T_i - D'_i) C_i / T_i) / (1 - U), exactly, as
        // a fraction over the common denominator `den` of U.
        let den_i = BigInt::from(den.clone());
        let mut top = BigInt::from(b_max) * &den_i;
        for (t, &d) in self.tasks.iter().zip(&self.eff) {
            let slack = BigInt::from(t.period) - BigInt::from(d);
            top += slack * BigInt::from(t.wcet) * &den_i / BigInt::from(t.period);
        }
        let bottom = den_i - BigInt::from(num.clone());
        let x = if top <= BigInt::from(0) {
            0
        } else {
            let q: BigInt = (&top + &bottom - 1) / &bottom;
            u64::try_from(q).map_err(|_| Self::overflow())?
        };
        Ok(max_eff.max(x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_utilization_with_constrained_deadline_fails_exactly() {
        // U = 1: tasks (1,2,D=1) and (1,2,D=2): dbf(1) = 1, dbf(2) = 2,
        // dbf(3) = 3: schedulable; with both D = 1, dbf(1) = 2 > 1.
        let ok = [Task::new(1, 2).with_deadline(1), Task::new(1, 2)];
        assert!(analyze(&ok, Preemption::Preemptive).unwrap().schedulable);
        let bad = [
            Task::new(1, 2).with_deadline(1),
            Task::new(1, 2).with_deadline(1),
        ];
        let r = analyze(&bad, Preemption::Preemptive).unwrap();
        assert_eq!(
            r.failure,
            Some(EdfFailure::Demand {
                at: 1,
                demand: 2,
                task: 0
            })
        );
    }

    #[test]
    fn limited_preemption_blocks_short_deadlines() {
        // A long non-preemptive poll (5) of a task with a far deadline blocks
        // the job with D = 3: h(3) = 1 + 5 > 3.
        let ts = [Task::new(1, 10).with_deadline(3), Task::new(5, 100)];
        assert!(analyze(&ts, Preemption::Preemptive).unwrap().schedulable);
        let r = analyze(&ts, Preemption::Limited { overhead: 0 }).unwrap();
        assert!(!r.schedulable);
        assert!(matches!(r.failure, Some(EdfFailure::Demand { at: 3, .. })));
    }

    #[test]
    fn jitter_beyond_deadline_fails_at_zero() {
        let ts = [Task::new(1, 10).with_deadline(3).with_jitter(3)];
        assert!(!analyze(&ts, Preemption::Preemptive).unwrap().schedulable);
    }
}
