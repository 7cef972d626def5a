//! Response-time analysis for fixed-priority scheduling on one core.
//!
//! Joseph and Pandya (1986) gave the recurrence for the response time of
//! a preemptive task; Audsley, Burns, Richardson, Tindell and Wellings
//! (1993) added blocking B and release jitter J; Lehoczky (1990) and
//! Tindell, Burns and Wellings (1994) the level-i busy period for
//! deadlines beyond the period. The limited-preemptive form follows
//! Bril, Lukkien and Verhaegh (2009) and Davis, Burns, Bril and Lukkien
//! (2007). With `hp(i)` the other tasks of priority at least i's
//! (equal priorities interfere both ways), `F` the length of i's last
//! non-preemptive region (1 when preemptive) and `B` the blocking:
//!
//! ```text
//! busy period   L   = B + sum_{j in hp(i) + i} ceil((L + J_j) / T_j) C_j
//! jobs in it    Q   = ceil((L + J_i) / T_i)
//! start of last w_q = B + q C_i + (C_i - F) + sum_{j in hp(i)} (floor((w_q + J_j) / T_j) + 1) C_j
//! response      R   = max_{q < Q} (w_q + F + J_i - q T_i)
//! ```
//!
//! In integer time `floor(x / T) + 1` counts the releases at or before
//! `x`: a higher-priority job released at the very tick i would start
//! wins. For `F = 1` this is exactly the classic preemptive recurrence
//! `R = B + C + sum ceil((R + J_j)/T_j) C_j` (plus J_i); for preemptive
//! tasks with `R <= D <= T` the busy period holds one job and the result
//! is the published one. When the utilization at level i exceeds 1 (or
//! equals 1 with blocking or jitter, where the busy period never closes)
//! the response time is reported unbounded: safe, never a wrong yes.

use super::exact::Utilization;
use super::{AnalysisError, Budget, Excess, Preemption, Rejection, div_ceil};
use crate::model::{Priorities, Task, ranks, validate};
use core::cmp::Ordering;

/// The analysis of one task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TaskResponse {
    /// Worst-case response time from the nominal arrival (includes J);
    /// `None` when unbounded. Exact for preemptive tasks, an upper bound
    /// for limited-preemptive ones.
    pub response: Option<u64>,
    /// The blocking term used (B, or the limited-preemptive one).
    pub blocking: u64,
    /// Whether `response <= D`.
    pub schedulable: bool,
}

/// The result of a fixed-priority analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FpReport {
    /// Per task, in input order.
    pub tasks: Vec<TaskResponse>,
    /// Every task meets its deadline.
    pub schedulable: bool,
    /// The first failing task in input order and by how much, if any.
    pub rejection: Option<Rejection>,
}

/// Response-time analysis of `tasks` under fixed priorities.
///
/// ```
/// use enso_sched::{Task, Priorities, Preemption, analysis::fp::analyze};
/// let tasks = [Task::new(1, 4), Task::new(2, 6), Task::new(3, 13)];
/// let r = analyze(&tasks, Priorities::RateMonotonic, Preemption::Preemptive).unwrap();
/// let rt: Vec<_> = r.tasks.iter().map(|t| t.response).collect();
/// assert_eq!(rt, vec![Some(1), Some(3), Some(10)]);
/// assert!(r.schedulable);
/// ```
pub fn analyze(
    tasks: &[Task],
    priorities: Priorities,
    preemption: Preemption,
) -> Result<FpReport, AnalysisError> {
    validate(tasks)?;
    let rank = ranks(tasks, priorities);
    let level_load = level_utilizations(tasks, &rank);
    let mut budget = Budget::new();
    let mut out = Vec::with_capacity(tasks.len());
    let mut rejection = None;
    // One buffer for every task's higher-priority set: no allocation per task.
    let mut hp: Vec<&Task> = Vec::with_capacity(tasks.len());
    for i in 0..tasks.len() {
        hp.clear();
        hp.extend(
            (0..tasks.len())
                .filter(|&j| j != i && rank[j] >= rank[i])
                .map(|j| &tasks[j]),
        );
        let blocking = blocking_term(tasks, &rank, i, preemption)?;
        let last = match preemption {
            Preemption::Limited { .. } if tasks[i].poll >= tasks[i].wcet => tasks[i].wcet,
            _ => 1,
        };
        let job = Job {
            task: &tasks[i],
            index: i,
            blocking,
            last,
            load: level_load[i],
        };
        let response = task_response(&job, &hp, &mut budget)?;
        let deadline = tasks[i].deadline;
        let schedulable = response.is_some_and(|r| r <= deadline);
        if !schedulable && rejection.is_none() {
            rejection = Some(Rejection {
                task: i,
                excess: response.map_or(Excess::Unbounded, |r| Excess::By(r - deadline)),
            });
        }
        out.push(TaskResponse {
            response,
            blocking,
            schedulable,
        });
    }
    Ok(FpReport {
        schedulable: rejection.is_none(),
        tasks: out,
        rejection,
    })
}

/// B for preemptive analysis; `max(B, longest lower-priority poll) + overhead` for limited.
fn blocking_term(
    tasks: &[Task],
    rank: &[u64],
    i: usize,
    preemption: Preemption,
) -> Result<u64, AnalysisError> {
    match preemption {
        Preemption::Preemptive => Ok(tasks[i].blocking),
        Preemption::Limited { overhead } => {
            let longest_lower_poll = (0..tasks.len())
                .filter(|&k| rank[k] < rank[i])
                .map(|k| tasks[k].poll)
                .max()
                .unwrap_or(0);
            tasks[i]
                .blocking
                .max(longest_lower_poll)
                .checked_add(overhead)
                .ok_or(AnalysisError::Overflow { task: Some(i) })
        }
    }
}

/// For each task, the utilization of its level (itself and every task of
/// equal or higher rank) compared with 1, in one pass down the ranks.
fn level_utilizations(tasks: &[Task], rank: &[u64]) -> Vec<Ordering> {
    let mut order: Vec<usize> = (0..tasks.len()).collect();
    // Keys are distinct (the index breaks ties): an unstable sort is exact.
    order.sort_unstable_by_key(|&i| (core::cmp::Reverse(rank[i]), i));
    let mut out = vec![Ordering::Less; tasks.len()];
    let mut acc = Utilization::new();
    let mut k = 0;
    while k < order.len() {
        // Every task of one rank shares the level that includes them all.
        let r = rank[order[k]];
        let end = k + order[k..].iter().take_while(|&&i| rank[i] == r).count();
        for &i in &order[k..end] {
            acc.add(&tasks[i]);
        }
        for &i in &order[k..end] {
            out[i] = acc.cmp_one();
        }
        k = end;
    }
    out
}

/// The task under analysis and its terms.
struct Job<'a> {
    task: &'a Task,
    index: usize,
    blocking: u64,
    last: u64,
    /// Utilization of its level compared with 1.
    load: Ordering,
}

/// The worst response time of a task over its level-i busy period.
fn task_response(
    job: &Job<'_>,
    hp: &[&Task],
    budget: &mut Budget,
) -> Result<Option<u64>, AnalysisError> {
    let (task, blocking) = (job.task, job.blocking);
    let level = || hp.iter().copied().chain(core::iter::once(task));
    let closes = match job.load {
        Ordering::Less => true,
        Ordering::Equal => blocking == 0 && level().all(|t| t.jitter == 0),
        Ordering::Greater => false,
    };
    if !closes {
        return Ok(None);
    }
    if let Some(response) = single_job_response(job, hp, budget)? {
        return Ok(Some(response));
    }
    busy_period_response(job, hp, budget).map(Some)
}

/// The worst response over every job of the level-i busy period (the
/// level's load must let the busy period close).
fn busy_period_response(
    job: &Job<'_>,
    hp: &[&Task],
    budget: &mut Budget,
) -> Result<u64, AnalysisError> {
    let (task, i, blocking, last) = (job.task, job.index, job.blocking, job.last);
    let overflow = AnalysisError::Overflow { task: Some(i) };
    let level = || hp.iter().copied().chain(core::iter::once(task));
    // The level-i busy period.
    let busy_start = level()
        .try_fold(blocking, |acc, t| acc.checked_add(t.wcet))
        .ok_or(overflow.clone())?;
    let busy = fixed_point(busy_start, i, budget, |l| {
        level().try_fold(blocking, |acc, t| {
            let n = div_ceil(l.checked_add(t.jitter)?, t.period);
            acc.checked_add(n.checked_mul(t.wcet)?)
        })
    })?;
    let jobs = div_ceil(
        busy.checked_add(task.jitter).ok_or(overflow.clone())?,
        task.period,
    );
    let mut worst = 0u64;
    let mut w = 0u64;
    for q in 0..jobs {
        budget.step(Some(i))?;
        let own = q
            .checked_mul(task.wcet)
            .and_then(|x| x.checked_add(task.wcet - last))
            .and_then(|x| x.checked_add(blocking))
            .ok_or(overflow.clone())?;
        let start = hp
            .iter()
            .try_fold(own, |acc, t| acc.checked_add(t.wcet))
            .ok_or(overflow.clone())?
            .max(w);
        w = fixed_point(start, i, budget, |x| {
            hp.iter().try_fold(own, |acc, t| {
                let n = x.checked_add(t.jitter)? / t.period + 1;
                acc.checked_add(n.checked_mul(t.wcet)?)
            })
        })?;
        let finish = w
            .checked_add(last)
            .and_then(|x| x.checked_add(task.jitter))
            .ok_or(overflow.clone())?;
        let arrival = q.checked_mul(task.period).ok_or(overflow.clone())?;
        worst = worst.max(finish.saturating_sub(arrival));
    }
    Ok(worst)
}

/// The response time when the busy period provably holds one job of the
/// task, without computing the busy period; `None` when it may hold more.
///
/// With a last region of one tick (`F = 1`, every preemptive task) the
/// first job's start `w_0` satisfies
/// `w_0 + 1 = B + C + sum_{hp} ceil((w_0 + 1 + J_j) / T_j) C_j`,
/// because `floor(x / T) + 1 = ceil((x + 1) / T)`. So `t = w_0 + 1` is a
/// fixed point of the busy-period recurrence as soon as the task's own
/// term counts one job there, i.e. `t + J <= T`; the busy period is then
/// at most `t` and holds exactly one job, whose response `t + J` is the
/// answer. Same result as the general path, one fixed point instead of two.
fn single_job_response(
    job: &Job<'_>,
    hp: &[&Task],
    budget: &mut Budget,
) -> Result<Option<u64>, AnalysisError> {
    let (task, i) = (job.task, job.index);
    if job.last != 1 {
        return Ok(None);
    }
    let overflow = AnalysisError::Overflow { task: Some(i) };
    let own = (task.wcet - 1)
        .checked_add(job.blocking)
        .ok_or(overflow.clone())?;
    let start = hp
        .iter()
        .try_fold(own, |acc, t| acc.checked_add(t.wcet))
        .ok_or(overflow.clone())?;
    let w = fixed_point(start, i, budget, |x| {
        hp.iter().try_fold(own, |acc, t| {
            let n = x.checked_add(t.jitter)? / t.period + 1;
            acc.checked_add(n.checked_mul(t.wcet)?)
        })
    })?;
    let finish = w.checked_add(1).ok_or(overflow.clone())?;
    match finish.checked_add(task.jitter) {
        Some(response) if response <= task.period => Ok(Some(response)),
        Some(_) => Ok(None),
        None => Err(overflow),
    }
}

/// Iterates `x = f(x)` from `start` (with `f(start) >= start`, `f` monotone)
/// to the least fixed point.
fn fixed_point(
    start: u64,
    task: usize,
    budget: &mut Budget,
    f: impl Fn(u64) -> Option<u64>,
) -> Result<u64, AnalysisError> {
    let mut x = start;
    loop {
        budget.step(Some(task))?;
        let next = f(x).ok_or(AnalysisError::Overflow { task: Some(task) })?;
        if next <= x {
            return Ok(x);
        }
        x = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;

    proptest! {
        /// The single-job shortcut, whenever it answers, gives what the
        /// walk over the whole busy period gives.
        #[test]
        fn single_job_shortcut_equals_the_busy_period_walk(
            raw in proptest::collection::vec((1u64..20, 2u64..60, 0u64..5, 0u64..4), 1..8),
            limited in any::<bool>(),
        ) {
            let tasks: Vec<Task> = raw
                .iter()
                .map(|&(c, t, b, j)| {
                    let c = c.min(t);
                    Task::new(c, t).with_blocking(b).with_jitter(j).with_poll(c.div_ceil(2))
                })
                .collect();
            let preemption = if limited { Preemption::Limited { overhead: 1 } } else { Preemption::Preemptive };
            let rank = ranks(&tasks, Priorities::RateMonotonic);
            let load = level_utilizations(&tasks, &rank);
            for i in 0..tasks.len() {
                if load[i] != Ordering::Less {
                    continue;
                }
                let hp: Vec<&Task> = (0..tasks.len())
                    .filter(|&j| j != i && rank[j] >= rank[i])
                    .map(|j| &tasks[j])
                    .collect();
                let last = if limited && tasks[i].poll >= tasks[i].wcet { tasks[i].wcet } else { 1 };
                let job = Job {
                    task: &tasks[i],
                    index: i,
                    blocking: blocking_term(&tasks, &rank, i, preemption).unwrap(),
                    last,
                    load: load[i],
                };
                let short = single_job_response(&job, &hp, &mut Budget::new()).unwrap();
                let walk = busy_period_response(&job, &hp, &mut Budget::new()).unwrap();
                if let Some(r) = short {
                    prop_assert_eq!(r, walk);
                }
            }
        }
    }

    #[test]
    fn overload_is_unbounded_not_a_panic() {
        let ts = [Task::new(3, 4), Task::new(3, 4)];
        let r = analyze(&ts, Priorities::RateMonotonic, Preemption::Preemptive).unwrap();
        assert_eq!(r.tasks[0].response, Some(3));
        assert_eq!(r.tasks[1].response, None);
        assert_eq!(
            r.rejection,
            Some(Rejection {
                task: 1,
                excess: Excess::Unbounded
            })
        );
    }

    #[test]
    fn huge_numbers_give_an_error_or_a_sound_answer() {
        let ts = [
            Task::new(u64::MAX - 1, u64::MAX),
            Task::new(u64::MAX / 2, u64::MAX),
        ];
        match analyze(&ts, Priorities::RateMonotonic, Preemption::Preemptive) {
            Err(AnalysisError::Overflow { .. }) => {}
            Ok(r) => assert!(!r.schedulable),
            Err(e) => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn limited_preemption_adds_the_longest_lower_poll_and_overhead() {
        let ts = [
            Task::new(1, 10).with_priority(2),
            Task::new(6, 30).with_poll(4).with_priority(1),
        ];
        let r = analyze(
            &ts,
            Priorities::Explicit,
            Preemption::Limited { overhead: 2 },
        )
        .unwrap();
        assert_eq!(r.tasks[0].blocking, 6);
        assert_eq!(r.tasks[0].response, Some(7));
        assert_eq!(r.tasks[1].blocking, 2);
    }
}
