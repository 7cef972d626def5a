//! Admission control: a core's admitted real-time set, tested at spawn.
//!
//! The set lives in the core's shared state behind a mutex taken only by
//! spawns (any thread) and by the core when an admitted task ends or is
//! demoted, never on the hot path. A spawn locks it, analyses the set plus
//! the newcomer with enso-sched (limited-preemptive model, the core's
//! dispatch policy), and only if every task meets its deadline adds the
//! newcomer under a fresh key, still under the lock: two concurrent spawns
//! cannot both take the last capacity, and a refusal changes nothing.
//!
//! The blocking overhead charged to every task is the run loop's work that
//! can precede a job's first poll: `(quanta.bus + quanta.io) *
//! event_cost_ns + background_poll_ns` (see [`RtConfig`](crate::RtConfig)),
//! with the core's live quanta.

use std::sync::atomic::{AtomicU64, Ordering};

use enso_sched::analysis::edf::EdfFailure;
use enso_sched::{Excess, Policy, Preemption, Priorities, Verdict};

use super::{Dispatch, Miss, RtParams, RtSpawnError};
use crate::ids::CoreIndex;
use crate::shared::Shared;

/// One admitted task.
#[derive(Clone, Debug)]
pub(crate) struct Admitted {
    pub key: u64,
    pub name: String,
    pub model: enso_sched::Task,
}

static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

/// The run-loop overhead charged as blocking on `core`, in ns (with the
/// core's live quanta).
pub(crate) fn overhead(sh: &Shared, core: CoreIndex) -> u64 {
    let c = &sh.cores[core.get()];
    let q = *c.quanta.lock().unwrap_or_else(|e| e.into_inner());
    overhead_of(q, c.spec.rt)
}

/// The overhead for quanta `q` and configuration `rt`, in ns.
pub(crate) fn overhead_of(q: crate::topology::Quanta, rt: crate::rt::RtConfig) -> u64 {
    (u64::from(q.bus) + u64::from(q.io))
        .saturating_mul(rt.event_cost_ns)
        .saturating_add(rt.background_poll_ns)
}

/// Checks that `set` plus `new` (named `name`) is schedulable on a core
/// named `core` with `dispatch` and `overhead`; `names` are the set's.
pub(crate) fn check(
    core: &str,
    dispatch: Dispatch,
    overhead: u64,
    set: &[(&str, enso_sched::Task)],
    name: &str,
    new: enso_sched::Task,
) -> Result<(), RtSpawnError> {
    let mut models: Vec<enso_sched::Task> = set.iter().map(|a| a.1).collect();
    models.push(new);
    let policy = match dispatch {
        Dispatch::FixedPriority => Policy::FixedPriority(Priorities::Explicit),
        Dispatch::Edf => Policy::Edf,
    };
    let verdict = enso_sched::analysis::analyze(&models, policy, Preemption::Limited { overhead })
        .map_err(|e| RtSpawnError::Analysis(e.to_string()))?;
    if verdict.schedulable() {
        return Ok(());
    }
    let (who, miss) = blame(&verdict);
    let failing = who
        .and_then(|i| set.get(i).map(|a| a.0))
        .unwrap_or(name)
        .to_string();
    Err(RtSpawnError::Unschedulable {
        core: core.to_string(),
        spawned: name.to_string(),
        failing,
        miss,
    })
}

/// Admits `params` named `name` on `core`, or says who would miss.
pub(crate) fn admit(
    sh: &Shared,
    core: CoreIndex,
    name: &str,
    params: &RtParams,
) -> Result<u64, RtSpawnError> {
    params.check()?;
    let c = &sh.cores[core.get()];
    let overhead = overhead(sh, core);
    let mut set = c.rt.lock().unwrap_or_else(|e| e.into_inner());
    let named: Vec<(&str, enso_sched::Task)> =
        set.iter().map(|a| (a.name.as_str(), a.model)).collect();
    check(
        &c.spec.name,
        c.spec.rt.dispatch,
        overhead,
        &named,
        name,
        params.model(),
    )?;
    drop(named);
    let key = NEXT_KEY.fetch_add(1, Ordering::Relaxed);
    set.push(Admitted {
        key,
        name: name.to_string(),
        model: params.model(),
    });
    Ok(key)
}

/// The failing task's index and its miss.
fn blame(v: &Verdict) -> (Option<usize>, Miss) {
    match v {
        Verdict::FixedPriority(r) => match r.rejection {
            Some(rej) => (
                Some(rej.task),
                match rej.excess {
                    Excess::By(n) => Miss::By(n),
                    Excess::Unbounded => Miss::Unbounded,
                },
            ),
            None => (None, Miss::Unbounded),
        },
        Verdict::Edf(r) => match r.failure {
            Some(EdfFailure::Demand { at, demand, task }) => {
                (Some(task), Miss::By(demand.saturating_sub(at)))
            }
            _ => (None, Miss::Unbounded),
        },
    }
}

/// Changes `core`'s quanta if its admitted set still passes with the new
/// overhead; the set stays locked until the core has the change queued and
/// the shared quanta say so, so no spawn is admitted against stale quanta.
pub(crate) fn qos(
    sh: &Shared,
    core: CoreIndex,
    quanta: crate::topology::Quanta,
    post: impl FnOnce() -> bool,
) -> Result<(), RtSpawnError> {
    let c = &sh.cores[core.get()];
    let set = c.rt.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((last, rest)) = set.split_last() {
        let named: Vec<(&str, enso_sched::Task)> =
            rest.iter().map(|a| (a.name.as_str(), a.model)).collect();
        let overhead = overhead_of(quanta, c.spec.rt);
        check(
            &c.spec.name,
            c.spec.rt.dispatch,
            overhead,
            &named,
            &last.name,
            last.model,
        )
        .map_err(|e| match e {
            RtSpawnError::Unschedulable {
                core,
                failing,
                miss,
                ..
            } => RtSpawnError::Qos {
                core,
                failing,
                miss,
            },
            e => e,
        })?;
    }
    if !post() {
        return Err(RtSpawnError::Spawn(crate::SpawnError::Halted));
    }
    *c.quanta.lock().unwrap_or_else(|e| e.into_inner()) = quanta;
    drop(set);
    Ok(())
}

/// Removes the task admitted under `key` (it ended or was demoted).
pub(crate) fn withdraw(sh: &Shared, core: CoreIndex, key: u64) {
    let mut set = sh.cores[core.get()]
        .rt
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    set.retain(|a| a.key != key);
}
